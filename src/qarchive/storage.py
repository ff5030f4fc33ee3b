"""Durable file writes: one file atomically, or many files in one group commit.

Both write to a temporary file in the target's directory and rename it into place,
so a reader never sees half a file. :func:`atomic_write` makes each file durable
on its own (fsync of the file and of its directory); :class:`GroupCommit` stages
many files and makes them durable with one ``sync`` before any rename, so a bulk
import pays for durability once per batch instead of four times per question, and
a crash at any moment leaves only temporary files behind.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

__all__ = ["TEMP_PREFIX", "GroupCommit", "atomic_write"]

TEMP_PREFIX = ".tmp-"


def _temp_for(path: Path) -> Path:
    return path.with_name(f"{TEMP_PREFIX}{path.name}.{os.getpid()}.{secrets.token_hex(4)}")


def _make_dirs(directory: Path, known: set[Path]) -> list[Path]:
    """Create ``directory`` and its missing parents; return those made, deepest first.

    A parent not yet ``known`` to exist is made (or found) first, and every
    directory seen is remembered: a new question's ``raw/`` then costs two
    ``mkdir`` calls, its directory's and its own, and no ``stat``, where
    ``Path.mkdir(parents=True)`` and an ``exists()`` on every parent made a dozen
    system calls per new directory of a bulk import.
    """
    parent = directory.parent
    made = [] if parent in known or parent == directory else _make_dirs(parent, known)
    try:
        os.mkdir(directory)
    except FileExistsError:
        pass
    else:
        made.insert(0, directory)
    known.add(directory)
    return made


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temp file beside it, fsync, rename, fsync dir.

    Raises:
        OSError: the write failed (disk full, read-only...); ``path`` is as it was
            and the temp file is removed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = _temp_for(path)
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class GroupCommit:
    """Files staged now, made durable together, then renamed into place in order.

    Rename order is staging order, so a caller that stages a question's raw
    captures before its version file keeps "the version file comes last".
    """

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []
        self._dirs: set[Path] = set()
        self._created: list[Path] = []  # directories made for staged files

    def __len__(self) -> int:
        return len(self._staged)

    def stage(self, path: Path, data: bytes) -> None:
        """Write ``data`` to a temporary file beside ``path`` (not yet durable, not visible).

        Raises:
            OSError: the write failed; the temporary file is removed.
        """
        if path.parent not in self._dirs:
            self._created += _make_dirs(path.parent, self._dirs)
        temp = _temp_for(path)
        try:
            with open(temp, "wb") as handle:
                handle.write(data)
        except BaseException:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise
        self._staged.append((temp, path))

    def commit(self) -> None:
        """Make every staged file durable (one sync), then rename each into place."""
        if not self._staged:
            return
        os.sync()  # data first: a rename must never point at data still in memory
        for temp, path in self._staged:
            os.replace(temp, path)
        os.sync()  # then the renames
        self._staged.clear()
        self._created.clear()

    def discard(self) -> None:
        """Remove the staged temporary files (after a failure)."""
        for temp, _ in self._staged:
            with contextlib.suppress(OSError):
                temp.unlink()
        # Deepest first, whichever file made them; only those left empty go:
        # committed files stay.
        for directory in sorted(self._created, key=lambda made: len(made.parts), reverse=True):
            with contextlib.suppress(OSError):
                directory.rmdir()
        self._staged.clear()
        self._created.clear()
        self._dirs.clear()
