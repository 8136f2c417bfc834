"""The worker's own folder: where it is made and what is written into it."""

from __future__ import annotations

import os
import stat
import tempfile

from .plan import Plan

__all__ = ["workdir_base", "prepare_workdir"]


def workdir_base(level: str) -> str | None:
    """Where to make the worker's folder: the usual temporary folder, unless a worker with
    a slot uid could not reach it (a TMPDIR under /root, say); then /tmp."""
    base = tempfile.gettempdir()
    if level != "unprivileged-user":
        return None
    p = os.path.abspath(base)
    while True:
        try:
            if not os.stat(p).st_mode & stat.S_IXOTH:
                return "/tmp"
        except OSError:
            return "/tmp"
        if p == "/":
            return None
        p = os.path.dirname(p)


def prepare_workdir(workdir: str, filename: str, source: str, plan: Plan,
                    modules: tuple[tuple[str, bytes], ...] = ()) -> str:
    """Write the submission, and the modules handed in with it (relative path, content), into
    ``workdir`` (a fresh mkdtemp folder); return the submission's path.

    unprivileged-user: the folder belongs to the slot uid (0700) and the files are read-only
    for it; other levels: root-owned 0700 (bubblewrap mounts a private tmpfs over it and
    binds only these files into it)."""
    path = os.path.join(workdir, filename)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with open(fd, "w", encoding="utf-8") as f:
        f.write(source)
    for relative, content in modules:
        target = os.path.join(workdir, *relative.split("/"))
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with open(fd, "wb") as f:
            f.write(content)
    if plan.level == "unprivileged-user" and plan.uid is not None:
        os.chown(workdir, plan.uid, plan.gid)
        os.chmod(workdir, 0o700)
    return path
