"""One writer at a time: the archive's lock file, held by the process that writes.

A second writer fails at once with :class:`~qarchive.errors.ArchiveLocked` (exit 3),
or waits for the first when asked to (``--wait``). The lock is re-entrant for the
object that holds it: a refresh that rebuilds the index while holding it does not
wait for itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

from qarchive.errors import ArchiveLocked, ArchiveWriteError

__all__ = ["WriterLock"]


class WriterLock:
    """The lock file of an archive; ``on_release`` runs before it is released."""

    def __init__(self, path: Path, *, on_release: Callable[[], object]) -> None:
        self.path = path
        self._on_release = on_release
        self._depth = 0  # > 0 while this object holds the lock

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._depth > 0

    @contextlib.contextmanager
    def hold(self, *, wait: bool = False) -> Iterator[None]:
        """Hold the lock for the block.

        Raises:
            ArchiveLocked: another process holds it (and ``wait`` is false).
            ArchiveWriteError: the lock file cannot be created or opened (a read-only
                archive), or ``on_release`` failed.
        """
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        import filelock  # only writers need it

        lock = filelock.FileLock(self.path, timeout=-1 if wait else 0)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock.acquire()
        except filelock.Timeout:  # an OSError too: caught first
            raise ArchiveLocked(
                f"the archive {self.path.parent} is locked by another qarchive process; "
                "try again later or pass --wait",
                path=str(self.path.parent),
            ) from None
        except OSError as exc:  # a read-only or unwritable archive
            raise ArchiveWriteError.from_os_error(
                lock.lock_file, exc, action="lock", then="try again"
            ) from None
        self._depth = 1
        try:
            yield
        except BaseException:
            with contextlib.suppress(ArchiveWriteError):  # the block's error is the one to see
                self._on_release()
            raise
        else:
            self._on_release()
        finally:
            self._depth = 0
            lock.release()
