"""Whether a bot is running on a database: an exclusive ``flock`` on ``<database>.lock``.

The running bot holds it for its whole life; the kernel lets it go when the process ends in
any way (a crash or SIGKILL included), so a stale lock never blocks a restore. ``restore``
takes the same lock for the time it replaces the file, so a bot cannot start in the middle.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType


class DatabaseBusyError(RuntimeError):
    """Another process (a running bot, a restore) holds the database's run lock."""


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


class RunLock:
    def __init__(self, database: Path) -> None:
        self.path = lock_path(database)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock now or raise :class:`DatabaseBusyError` (never waits)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DatabaseBusyError(f"{self.path} is held by another process") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def bot_running(database: Path) -> bool:
    """True while some process holds the run lock (checked by trying to take it)."""
    if not lock_path(database).exists():
        return False
    probe = RunLock(database)
    try:
        probe.acquire()
    except DatabaseBusyError:
        return True
    probe.release()
    return False
