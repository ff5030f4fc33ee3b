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

    A file staged with ``fresh_ok`` into a directory this group made itself is
    written under its final name at once: nothing else can be there, and a crash
    before the commit leaves it in a directory with no version file, which
    ``verify --repair`` removes. Version files are never staged that way.

    Staging can happen in another process (the workers of a bulk import): the
    worker's group hands its files over with :meth:`take` and the committing
    group takes them in with :meth:`adopt`, in order.
    """

    def __init__(self) -> None:
        self._staged: list[tuple[str, str]] = []  # (written, final): equal when written in place
        self._dirs: set[Path] = set()
        self._created: list[str] = []  # directories made for staged files
        self._fresh: set[Path] = set()  # directories this group made: empty but for its files
        self._finals: set[str] = set()  # the final names of the staged files

    def __len__(self) -> int:
        return len(self._staged)

    def holds(self, path: Path) -> bool:
        """True when a file is staged to become ``path`` (not yet committed)."""
        return str(path) in self._finals

    def stage(self, path: Path, data: bytes, *, fresh_ok: bool = False) -> None:
        """Write ``data`` to a temporary file beside ``path`` (not yet durable, not visible).

        With ``fresh_ok``, a file whose directory this group made is written in place.

        Raises:
            OSError: the write failed; the temporary file is removed.
        """
        parent = path.parent
        if parent not in self._dirs:
            made = _make_dirs(parent, self._dirs)
            self._created += map(str, made)
            self._fresh.update(made)
        final = str(path)
        written = final if fresh_ok and parent in self._fresh else str(_temp_for(path))
        try:
            with open(written, "wb") as handle:
                handle.write(data)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(written)
            raise
        self._staged.append((written, final))
        self._finals.add(final)

    def take(self) -> tuple[list[tuple[str, str]], list[str]]:
        """Hand over the staged files and the directories made for them, and forget them."""
        staged, created = self._staged, self._created
        self._staged, self._created = [], []
        self._fresh.clear()
        self._finals.clear()
        return staged, created

    def adopt(self, staged: list[tuple[str, str]], created: list[str]) -> None:
        """Take in files staged by another group (:meth:`take`), to commit or discard them."""
        self._staged += staged
        self._finals.update(final for _, final in staged)
        self._created += created

    def commit(self) -> None:
        """Make every staged file durable (one sync), then rename each into place."""
        if not self._staged:
            return
        os.sync()  # data first: a rename must never point at data still in memory
        for written, final in self._staged:
            if written != final:
                os.replace(written, final)
        os.sync()  # then the renames
        self._staged.clear()
        self._finals.clear()
        self._created.clear()
        self._fresh.clear()

    def discard(self) -> None:
        """Remove the staged files (after a failure)."""
        for written, _ in self._staged:
            with contextlib.suppress(OSError):
                os.unlink(written)
        # Deepest first, whichever file made them; only those left empty go:
        # committed files stay.
        for directory in sorted(self._created, key=lambda made: made.count(os.sep), reverse=True):
            with contextlib.suppress(OSError):
                os.rmdir(directory)
        self._staged.clear()
        self._finals.clear()
        self._created.clear()
        self._dirs.clear()
        self._fresh.clear()
