"""One run at a time per output folder: a lock file inside it.

Two runs writing one output folder would each move their result into place
and both say "wrote"; the last to finish would win, with the other's audit
mixed in. So a run holds ``.cleancorpus.lock`` in the output folder for its
whole length, as an ``flock``: the kernel releases it when the process ends
however it ends (``kill -9``, a power cut of the process, a crash), so a lock
left behind by a crash is stale by construction and the next run just takes
it. The file names the holder (pid, host, start time) for the error message;
it is removed on release.

Removing a locked file races with a run that opened it just before: that run
would lock a file no longer in the folder. After locking, the holder checks
that the path still names the file it locked, and tries again otherwise.
"""

from __future__ import annotations

import fcntl
import os
import socket
import time
from pathlib import Path
from typing import Any

LOCK_NAME = ".cleancorpus.lock"


class OutputLocked(Exception):
    """Another run holds the output folder; the message is for the user."""


class OutputLock:
    """``with OutputLock(folder):`` holds the folder's lock, or raises :class:`OutputLocked`."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / LOCK_NAME
        self._fd: int | None = None

    def __enter__(self) -> OutputLock:
        for _ in range(10):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                raise OutputLocked(
                    f"{self.path.parent}: output folder is in use by another cleancorpus run ({holder}); "
                    "wait for it to finish or choose another output folder"
                ) from None
            except BaseException:
                os.close(fd)
                raise
            if _same_file(fd, self.path):
                self._fd = fd
                os.ftruncate(fd, 0)
                os.write(fd, f"pid {os.getpid()} on {socket.gethostname()} since {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode())
                return self
            os.close(fd)  # the holder removed it as we opened it: try the new one
        raise OutputLocked(f"{self.path}: could not take the lock (it keeps being replaced)")

    def __exit__(self, *exc: Any) -> None:
        if self._fd is not None:
            try:
                self.path.unlink()
            except OSError:
                pass
            os.close(self._fd)  # closing releases the flock
            self._fd = None


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


def _read_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return text or "holder unknown"
