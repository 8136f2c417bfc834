"""Deadlines and late penalties: arithmetic on aware datetimes, with no clock and no files.

A course states one deadline (a wall-clock time in its time zone), a grace period, a penalty
per late day in percent of the maximum score with a cap, and per-student extensions (another
deadline). For one submission time:

- on time: at or before the student's deadline, or after it by no more than the grace period
  (the lateness is still shown; the grace period only waives the penalty);
- late: one day charged per started day after the deadline, days counted on the course's
  calendar: late day k ends at the deadline's wall-clock time k days later, so a day across a
  daylight-saving change lasts 23 or 25 hours, as the students' clocks say. A day boundary that
  falls in a skipped or repeated hour is the later of its two readings (the student's favour);
- penalty: min(cap, days x per_day) percent of the maximum score, and the final score never
  goes below 0.

A wall-clock time the course writes (deadline, extension) must exist exactly once in its zone:
one skipped by a daylight-saving change is refused, and one that happens twice needs its UTC
offset, so no deadline is ever guessed. Instants are kept in UTC: Python compares and subtracts
two datetimes of the same zone by their wall clocks, which is wrong across a change.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Mapping
from zoneinfo import ZoneInfo

from grader.errors import GraderError
from grader.model import Lateness

UNKNOWN = "unknown"  # the time source of a submission no source dates
DAY = timedelta(days=1)
UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class DeadlineError(GraderError):
    """A time or a policy that cannot be used; the message says where and what to write instead."""


def student_key(student: str) -> str:
    """How ids are matched across files: Unicode-normalised, case-insensitive."""
    return unicodedata.normalize("NFC", student.strip()).casefold()


def parse_time(text: str, zone: ZoneInfo, where: str) -> datetime:
    """`text` in ISO 8601 (`2026-03-15 23:59`, `2026-03-15T23:59:00+09:00`) as an aware datetime; a time
    without an offset is a wall-clock time in `zone`."""
    try:
        value = datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise DeadlineError(f"{where}: {text!r} is not a date and time; write it as 2026-03-15 23:59 (in the "
                            f"course's time zone) or with its UTC offset, 2026-03-15T23:59+09:00") from None
    return value.astimezone(timezone.utc) if value.tzinfo is not None else wall_clock(value, zone, where)


def wall_clock(wall: datetime, zone: ZoneInfo, where: str) -> datetime:
    """A naive wall-clock time in `zone`, which must happen there exactly once (in UTC)."""
    first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(timezone.utc)
    if first.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) != wall:
        raise DeadlineError(f"{where}: {wall:%Y-%m-%d %H:%M} does not exist in {zone.key} (the clocks skip that "
                            f"hour); choose another time")
    raise DeadlineError(f"{where}: {wall:%Y-%m-%d %H:%M} happens twice in {zone.key} (the clocks go back); add "
                        f"its UTC offset, {first.isoformat(timespec='minutes')} or "
                        f"{second.isoformat(timespec='minutes')}")


def day_boundary(deadline: datetime, days: int, zone: ZoneInfo) -> datetime:
    """The end of late day `days`: the deadline's wall-clock time `days` days later in `zone`
    (the later reading when that wall-clock time is skipped or repeated)."""
    wall = deadline.astimezone(zone).replace(tzinfo=None) + days * DAY
    return max(wall.replace(tzinfo=zone, fold=fold).astimezone(timezone.utc) for fold in (0, 1))


def late_days(deadline: datetime, submitted: datetime, zone: ZoneInfo) -> int:
    """Started days after `deadline` on the course's calendar (0 when not after it)."""
    deadline, submitted = deadline.astimezone(timezone.utc), submitted.astimezone(timezone.utc)
    if submitted <= deadline:
        return 0
    days = max(1, math.floor((submitted - deadline) / DAY))
    while submitted > day_boundary(deadline, days, zone):
        days += 1
    while days > 1 and submitted <= day_boundary(deadline, days - 1, zone):
        days -= 1
    return days


@dataclass(frozen=True)
class Policy:
    """One course's deadline and late policy."""

    due: datetime                         # aware
    zone: ZoneInfo
    grace: timedelta = timedelta(0)
    per_day: float = 0.0                  # percent of the maximum score per late day
    cap: float = 100.0                    # percent: the most lateness can cost
    extensions: Mapping[str, datetime] = field(default_factory=dict)  # student_key(id) -> deadline

    def deadline_for(self, student: str) -> tuple[datetime, bool]:
        """The student's deadline, and whether it is an extension."""
        extended = self.extensions.get(student_key(student))
        return (extended, True) if extended is not None else (self.due, False)

    def assess(self, student: str, submitted: datetime | None, source: str, score: float,
               max_score: float) -> Lateness:
        deadline, extended = self.deadline_for(student)
        if submitted is None:
            return Lateness("", UNKNOWN, self.local(deadline), extended, 0.0, 0, 0.0, score)
        after = max(timedelta(0), submitted.astimezone(timezone.utc) - deadline.astimezone(timezone.utc))
        days = late_days(deadline, submitted, self.zone) if after > self.grace else 0
        penalty = round(max_score * min(self.cap, days * self.per_day) / 100, 4)
        return Lateness(submitted.astimezone(timezone.utc).strftime(UTC_FORMAT), source, self.local(deadline),
                        extended, round(after.total_seconds() / 3600, 2), days, penalty,
                        round(max(0.0, score - penalty), 4))

    def local(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).isoformat()

    def describe(self) -> dict:
        """The policy as plain data (recorded with every penalty computed under it)."""
        return {"due": self.local(self.due), "timezone": self.zone.key, "grace_minutes": self.grace / timedelta(minutes=1),
                "penalty_per_day": self.per_day, "max_penalty": self.cap,
                "extensions": {k: self.local(v) for k, v in sorted(self.extensions.items())}}
