"""``FileLock``: an exclusive lock between processes on a lock file
(apache tvm-ffi's ``tvm_ffi.utils.lockfile``), for example around a build
directory that several processes fill::

    with FileLock("/tmp/build.lock"):
        ...  # one process at a time

``acquire()`` tries once and says whether it got the lock (False while any
holder has it, this object included); ``blocking_acquire()`` and the
``with`` statement wait for it.  The lock is ``fcntl.flock`` on the open
lock file, so the system drops it when the holder's process ends, however
it ends; the file itself stays.
"""
import os
import time
from typing import Any, Optional

try:
    import fcntl
except ImportError:  # pragma: no cover (Windows)
    fcntl = None  # type: ignore[assignment]

__all__ = ["FileLock"]


class FileLock:
    """An exclusive lock on the file `path` (created if missing)."""

    def __init__(self, path: "str | os.PathLike[str]") -> None:
        if fcntl is None:
            raise OSError("FileLock needs fcntl (POSIX systems)")
        self.path = os.fspath(path)
        self._file_descriptor: Optional[int] = None

    def acquire(self) -> bool:
        """Take the lock if it is free; whether it was taken."""
        if self._file_descriptor is not None:
            return False  # held by this object already
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._file_descriptor = fd
        return True

    def blocking_acquire(self, timeout: Optional[float] = None,
                         poll_interval: float = 0.05) -> bool:
        """Wait for the lock (at most `timeout` seconds; None: as long as it
        takes); whether it was taken."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.acquire():
            if self._file_descriptor is not None:
                raise RuntimeError("FileLock(%r) is held by this object already" % self.path)
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(poll_interval)
        return True

    def release(self) -> None:
        """Give the lock back (nothing happens when it is not held)."""
        fd, self._file_descriptor = self._file_descriptor, None
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def __enter__(self) -> "FileLock":
        self.blocking_acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def __del__(self) -> None:
        self.release()
