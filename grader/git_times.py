"""When a commit was made, read from a git checkout without trusting the checkout.

A student's folder may hold a `.git` the student wrote, config included: porcelain commands
can run programs that config names (`log.showSignature` with `gpg.program`, `core.fsmonitor`),
so the commit's own time is read with the plumbing command `git cat-file commit`, which runs
none, and parsed here. Only a folder's own `.git` is read (never one git would find further
up, such as the course repository a batch folder sits in). Every answer is an aware datetime
in UTC, or None when git or the commit cannot be read.
"""
from __future__ import annotations

import os
import re
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

SECONDS = 30  # a cat-file or a one-path log answers in milliseconds; a hung git costs this at most
# settings that would otherwise come from the repository's own config and run a program
SAFE = ("-c", "core.fsmonitor=false", "-c", "log.showSignature=false", "-c", "core.pager=cat")
COMMITTER = re.compile(rb"^committer .* (\d+) ([+-])(\d{2})(\d{2})$", re.M)


def _git(repo: Path, *args: str) -> bytes | None:
    git_dir = Path(repo) / ".git"
    if not git_dir.exists():
        return None
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT="0")
    try:
        done = subprocess.run(["git", *SAFE, f"--git-dir={git_dir}", f"--work-tree={repo}", *args],
                              capture_output=True, timeout=SECONDS, env=env, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def commit_time(repo: Path, revision: str = "HEAD") -> datetime | None:
    """The committer date of `revision` in `repo`'s own `.git`, in UTC."""
    raw = _git(repo, "cat-file", "commit", revision)
    match = COMMITTER.search(raw or b"")
    if match is None:
        return None
    seconds, sign, hours, minutes = int(match[1]), match[2], int(match[3]), int(match[4])
    offset = timedelta(hours=hours, minutes=minutes) * (-1 if sign == b"-" else 1)
    return datetime.fromtimestamp(seconds, timezone(offset)).astimezone(timezone.utc)


def last_change(repo: Path, path: Path) -> datetime | None:
    """The committer date of the last commit that changed `path` (inside `repo`), in UTC."""
    raw = _git(repo, "log", "-1", "--no-show-signature", "--format=%ct", "--", str(path))
    try:
        return datetime.fromtimestamp(int(raw.strip()), timezone.utc) if raw and raw.strip() else None
    except ValueError:
        return None
