"""Many saves kept together: a group commit of files, and the batch of a bulk import.

A :class:`GroupCommit` stages files under temporary names and makes them durable
with one ``sync`` before any rename, so a bulk import pays for durability once per
batch instead of four times per question, and a crash at any moment leaves only
temporary files behind. A :class:`Batch` adds the index: its rows for the staged
versions go into one transaction, committed only once the files are in place.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from qarchive.errors import ArchiveWriteError
from qarchive.index.rows import IndexEntry
from qarchive.index.schema import IndexConnection, upsert_entry
from qarchive.index.tallies import BulkTallies
from qarchive.store.files import temp_for
from qarchive.store.indexing import index_written
from qarchive.store.layout import INDEX_FILE
from qarchive.store.versions import SaveOutcome, SaveResult

__all__ = ["Batch", "GroupCommit", "PreparedSave"]

_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


class PreparedSave(NamedTuple):
    """A save worked out and its files staged by a worker, not yet kept.

    A worker process of a bulk import hands it to the process that holds the
    batch (:meth:`Batch.keep`): plain values in a NamedTuple, which unpickles
    several times faster than a frozen dataclass (bench/README.md).
    """

    qid: str  # canonical
    outcome: SaveOutcome
    version: int
    changed: list[str]
    staged: list[tuple[str, str]]  # (written, final), in order
    created: list[str]  # directories made for them
    entry: IndexEntry | None  # None when unchanged
    replaced: tuple[str, ...] = ()  # of ``changed``: the fields that held a value before


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
        # Folders found not to be symbolic links (refuse_links), for the group's life: a
        # folder turned into a link meanwhile would take a writer of the locked archive.
        self.not_links: set[str] = set()

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
        written = final if fresh_ok and parent in self._fresh else str(temp_for(path))
        # os.open, not open(): no buffer object, no isatty and fstat calls, for a file
        # written in one go; O_EXCL never lets a stale file take the data.
        handle = os.open(written, _NEW_FILE, 0o644)
        try:
            left = memoryview(data)
            while left:
                left = left[os.write(handle, left) :]
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(written)
            raise
        finally:
            os.close(handle)
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


class Batch:
    """Saves kept together: their files in a group commit, their index rows in one transaction.

    Every ``every`` questions (:meth:`staged`), the files are made durable and put
    in place, then the index rows for them are committed (:meth:`flush`): an
    index row never points at a file that is not there.
    """

    def __init__(self, connection: IndexConnection, *, every: int, root: Path) -> None:
        self.group = GroupCommit()
        self._root = root  # named when the files cannot be made durable
        self._index = root / INDEX_FILE  # named when the index cannot be written
        self._connection = connection
        self._tallies = BulkTallies(connection)
        self._every = every
        self._pending: set[str] = set()  # questions staged and not yet committed
        self._written: set[str] = set()  # questions given a version in this batch
        self._after: list[Callable[[], None]] = []  # to call once the next flush is done

    def holds(self, canonical: str) -> bool:
        """True when a version of the question is staged and not yet in place."""
        return canonical in self._pending

    def wrote(self, canonical: str | None) -> bool:
        """True when the question was given a version in this batch."""
        return canonical in self._written

    def index(self, entry: IndexEntry) -> None:
        """Write a version's index row into the batch's transaction.

        Raises:
            ArchiveWriteError: the index cannot be written (a full disk).
        """
        with index_written(self._index):
            upsert_entry(self._connection, entry, bulk=self._tallies)

    def staged(self, canonical: str) -> None:
        """Count a version staged and indexed; flush every ``every`` questions."""
        self._written.add(canonical)
        self._pending.add(canonical)
        if len(self._pending) >= self._every:
            self.flush()

    def keep(self, prepared: PreparedSave) -> SaveResult | None:
        """Keep a save a worker staged (:meth:`Archive.stage_save`) in the batch.

        Returns None, and removes its files, when the question was given a version
        earlier in this batch: the save was worked out from what is now an older
        state, and must be made again (:meth:`Archive.save`).
        """
        if prepared.qid in self._written:
            for written, final in prepared.staged:  # its directories hold the earlier version
                if written != final:  # a file in place may be the earlier version's by now
                    with contextlib.suppress(OSError):
                        os.unlink(written)
            return None
        self.group.adopt(prepared.staged, prepared.created)
        if prepared.entry is not None:
            self.index(prepared.entry)
            self.staged(prepared.qid)
        done = (prepared.outcome, prepared.version, prepared.changed)
        return SaveResult(*done, list(prepared.replaced))

    def when_kept(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once what is staged now is in place (after the next flush).

        For what must read the versions just saved (the events of a refresh): they
        are on disk, under their names, only then.
        """
        self._after.append(callback)

    def discard_prepared(self, prepared: PreparedSave) -> None:
        """Take in a prepared save's files only to remove them with the batch (after a failure)."""
        self.group.adopt(prepared.staged, prepared.created)

    def flush(self) -> None:
        """Make the staged files durable and put them in place, then commit their rows.

        Raises:
            ArchiveWriteError: the files could not be made durable, or the index
                cannot be written.
        """
        try:
            self.group.commit()
        except OSError as exc:
            raise ArchiveWriteError.from_os_error(self._root, exc) from None
        with index_written(self._index):
            self._tallies.finish()  # the tallies of the batch's rows, and the triggers back
            self._connection.commit()  # index rows only for files now in place
        self._pending.clear()
        after, self._after = self._after, []
        for callback in after:
            callback()

    def discard(self) -> None:
        """Remove what is staged (after a failure); the transaction is rolled back on close."""
        self.group.discard()

    def close(self) -> None:
        """Close the index connection (an open transaction is rolled back)."""
        self._connection.close()
