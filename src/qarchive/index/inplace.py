"""A database of the archive replaced in its own file, never by another file under its name.

``index.sqlite`` and ``references.sqlite`` are rebuilt whole (``reindex``, an
outdated schema) and dropped when an update fails. Renaming a new file over the
old one, or unlinking it, left every reader that had the old file open (a long
``export``, ``qarchive serve``) on a file no longer at that name. SQLite finds a
transaction's journal by name: such a reader, seeing the next writer's
``index.sqlite-journal`` and no lock on *its* file, took the journal for a crash
leftover, rolled its pages into the old file and deleted it; the writer then
failed with "disk I/O error" and readers read "database disk image is
malformed".

So a database that is there is never replaced by another file: the rebuilt one
(built aside, fast, without a journal) is copied into it by SQLite's backup API
(:func:`replace_database`), under SQLite's own locks and journal, so that open
readers see the new content as any write, and a kill half-way leaves the old
content. An index is dropped by marking it stale inside the file
(:func:`mark_stale`): readers see it is not current and rebuild it. Only a file
that is no database at all (nothing can read it) is renamed over or removed.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from qarchive.errors import ArchiveDamaged

__all__ = ["mark_stale", "replace_database"]

_LEFTOVERS = ("-journal", "-wal", "-shm")


def _clear_folder(path: Path) -> None:
    """Remove an empty folder at ``path`` (``mkdir index.sqlite`` by mistake).

    A link is left alone: it is replaced like any file that is not a database,
    never followed.

    Raises:
        ArchiveDamaged: a folder that is not empty is there; nothing is removed.
    """
    if path.is_symlink() or not path.is_dir():
        return
    try:
        path.rmdir()
    except OSError:
        raise ArchiveDamaged(
            f"{path} is a folder, not a database: move it out of the archive, then run: "
            "qarchive reindex",
            path=str(path),
        ) from None


def replace_database(temp: Path, path: Path) -> None:
    """Put the database built at ``temp`` in place of the one at ``path``; ``temp`` is removed.

    Raises:
        sqlite3.Error: the copy failed (disk full...); ``path`` is as it was.
        OSError: the rename failed.
        ArchiveDamaged: a folder that is not empty is at ``path``.
    """
    try:
        _clear_folder(path)
        if _is_database(path):
            with (
                contextlib.closing(sqlite3.connect(temp)) as source,
                contextlib.closing(sqlite3.connect(path, timeout=30)) as target,
            ):
                source.backup(target)  # waits for the readers between its steps
            return
        # Nothing can read what is there: a journal left beside it is a killed
        # writer's, which SQLite would replay into the new file.
        for suffix in _LEFTOVERS:
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def mark_stale(path: Path) -> None:
    """Make the database at ``path`` read as outdated, in its own file, so it is rebuilt.

    A file that is not a database, or that cannot be written, is removed instead:
    nothing else tells readers it is stale.
    """
    if not path.exists() and not path.is_symlink():
        return
    if _is_database(path):
        try:
            with contextlib.closing(sqlite3.connect(path, timeout=30)) as db, db:
                db.execute("UPDATE meta SET value = 'stale' WHERE key = 'schema_version'")
            return
        except sqlite3.Error:
            pass
    with contextlib.suppress(OSError):
        path.unlink()


def _is_database(path: Path) -> bool:
    # A regular file (not a link) that SQLite reads as a database with a meta table.
    if path.is_symlink() or not path.is_file():
        return False
    try:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            db.execute("SELECT 1 FROM meta LIMIT 1").fetchall()
    except sqlite3.Error:
        return False
    return True
