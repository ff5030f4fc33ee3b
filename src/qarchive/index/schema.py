"""The index's schema: its tables, opening it, telling its version, upgrading it.

The JSON files are the truth; ``index.sqlite`` is derived from them (the store
keeps it in step with every version it writes, and rebuilds it from the files
alone). Its tables and columns have plain names so that it opens usefully in
sqlite3 or datasette::

    questions       one row per question: identity, author, ministries (and the
                    AN's reference of the one responding), dates, status,
                    deadline, answer delay, the version indexed; ``title`` is what
                    listings show: the title, else "[analyse] …" or "[rubrique] …"
    questions_fts   FTS5 over title, rubrique, analysis, question and answer
                    (accents folded: "securises" finds "sécurisés")
    filter_values   each folded ministry, author and group value and how many
                    questions have it (:mod:`qarchive.index.tallies`)
    stats_tallies   questions counted per ministry (by name and by reference),
                    group, author (and ``all``),
                    chamber, legislature, status, answer delay and "answered
                    within two months": what ``qarchive stats`` adds up
    stats_totals    the same counts summed over chambers and legislatures
    meta            schema_version, the qarchive version that wrote it

An index written by another schema version is upgraded in place when a migration
exists (:func:`upgrade_index`), else rebuilt; never misread.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from qarchive._version import __version__
from qarchive.errors import ArchiveWriteError
from qarchive.index.inplace import replace_database
from qarchive.index.rows import (
    COLUMN_NAMES,
    COLUMNS,
    FTS_COLUMNS,
    TEXT_FILTERS,
    IndexEntry,
    IndexRow,
)
from qarchive.index.tallies import COUNT_TABLES_SQL, BulkTallies

__all__ = [
    "INDEX_SCHEMA_VERSION",
    "IndexConnection",
    "IndexFailure",
    "connect_index",
    "connect_index_readonly",
    "index_is_current",
    "is_question_index",
    "iter_rows",
    "upgrade_index",
    "upsert_entry",
    "write_failure",
    "write_index",
]

# 3: FTS rows share the question's rowid. 4: filter_values, stats_tallies, and
# indexes on the folded filter columns. 5: stats_totals (upgraded from 4 in place).
# 6: the indexes a page of a listing walks. 7: titles shown with their stand-ins
# ("[analyse] …"), ministry_ref, its tallies and index. Rebuilt from the files: the
# analyses and the references are not in an older index.
INDEX_SCHEMA_VERSION = 7

# What the other wings hold of the index: they name its type without importing sqlite3.
IndexConnection = sqlite3.Connection
IndexFailure = sqlite3.Error  # what a failing index raises

# The SQLite errors that say the file cannot be written, as the errno of the
# same cause (for ArchiveWriteError's message and advice).
_WRITE_ERRNOS = {
    "SQLITE_FULL": errno.ENOSPC,
    "SQLITE_READONLY": errno.EROFS,
    "SQLITE_CANTOPEN": errno.EACCES,
    "SQLITE_IOERR": errno.EIO,
    "SQLITE_NOMEM": errno.ENOMEM,
}


def write_failure(exc: sqlite3.Error, path: Path) -> ArchiveWriteError | None:
    """The archive's write error for a failure to write a database at ``path``, if it is one.

    "database or disk is full" and its kin are the disk's fault, not a bug: they
    get the one line of any archive that cannot be written. Other errors: None.

    Example:
        >>> full = sqlite3.OperationalError("database or disk is full")
        >>> full.sqlite_errorname = "SQLITE_FULL"
        >>> str(write_failure(full, Path("/a/index.sqlite")))
        'cannot write /a/index.sqlite: database or disk is full; free some space, then run: qarchive verify'
    """
    name = getattr(exc, "sqlite_errorname", "") or ""
    code = next((code for prefix, code in _WRITE_ERRNOS.items() if name.startswith(prefix)), None)
    if code is None:
        return None
    return ArchiveWriteError.from_os_error(path, OSError(code, str(exc)))


# A page of a listing walks these in its order and stops at its last row
# (qarchive.index.plans): the delay order by status, a legislature by date, the
# ministries by name then date.
_LISTING_INDEXES = """
CREATE INDEX IF NOT EXISTS questions_status_delay ON questions (status, answer_delay_days);
CREATE INDEX IF NOT EXISTS questions_legislature_published ON questions (legislature, published);
CREATE INDEX IF NOT EXISTS questions_ministry_published ON questions (ministry_search, published);
"""

_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE questions ({", ".join(f"{name} {kind}" for name, kind in COLUMNS)});
CREATE INDEX questions_published ON questions (published);
CREATE INDEX questions_status_deadline ON questions (status, deadline);
CREATE INDEX questions_status_published ON questions (status, published);
{_LISTING_INDEXES}
CREATE INDEX questions_ministry_ref ON questions (ministry_ref, published)
    WHERE ministry_ref IS NOT NULL;
{
    "".join(
        f"CREATE INDEX questions_{column} ON questions ({column}, status, deadline);"
        for column in TEXT_FILTERS.values()
    )
}
CREATE VIRTUAL TABLE questions_fts USING fts5 (
    id UNINDEXED, {", ".join(FTS_COLUMNS)},
    tokenize = 'unicode61 remove_diacritics 2'
);
{COUNT_TABLES_SQL}"""


def connect_index(path: Path) -> sqlite3.Connection:
    """Open an index file (creating its schema if the file is new)."""
    new = not path.exists()
    connection = sqlite3.connect(path, timeout=30)
    connection.row_factory = sqlite3.Row
    if new:
        _create(connection)
    return connection


def connect_index_readonly(path: Path, *, time_limit: float | None = None) -> sqlite3.Connection:
    """Open an index for reading only: no statement through it can write.

    With ``time_limit`` (seconds), a statement still running after that long
    from the opening is interrupted (:data:`IndexFailure`, "interrupted"): a
    web page's count gives up rather than keep the page waiting.
    """
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    connection.row_factory = sqlite3.Row
    if time_limit is not None:
        deadline = time.monotonic() + time_limit
        # Called every 1000 virtual-machine steps (a few microseconds each).
        connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 1000)
    return connection


def _create(connection: sqlite3.Connection) -> None:
    with connection:
        connection.executescript(_SCHEMA)
        connection.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [("schema_version", str(INDEX_SCHEMA_VERSION)), ("written_by", __version__)],
        )


def index_is_current(path: Path) -> bool:
    """True when ``path`` is an index of this schema version (else upgrade or rebuild it)."""
    return _schema_version(path) == INDEX_SCHEMA_VERSION


def is_question_index(path: Path) -> bool:
    """True when ``path`` is a qarchive index whose ``questions_fts`` rows share the questions' rowids."""
    return (_schema_version(path) or 0) >= 3  # schema 3: FTS rows share the question's rowid


def _schema_version(path: Path) -> int | None:
    # None for a missing, unreadable or foreign file, a link (never written through)
    # or a file that lacks a table or an index of its version: only a rebuild can help.
    if path.is_symlink() or not path.is_file():
        return None
    try:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            names = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    except sqlite3.Error:
        return None
    version = int(row[0]) if row is not None and str(row[0]).isdigit() else None
    if version == INDEX_SCHEMA_VERSION and not _schema_names() <= names:
        return None
    return version


@functools.cache
def _schema_names() -> frozenset[str]:
    """The name of every table, index and trigger an index of this version holds."""
    with contextlib.closing(sqlite3.connect(":memory:")) as db:
        _create(db)
        return frozenset(name for (name,) in db.execute("SELECT name FROM sqlite_master"))


# Upgrades from a schema version to the next, in SQL over the index alone: seconds,
# where a rebuild reads every version file again (minutes at a million questions).
# None to 7: what it adds (analyses, ministry references) is only in the files.
_UPGRADES: dict[int, Callable[[sqlite3.Connection], None]] = {}


def upgrade_index(path: Path) -> bool:
    """Bring an index of an older schema up to this one in place, where SQL can.

    True when the index at ``path`` is now current; False when it must be rebuilt
    from the files (missing, unreadable, or of a version with no upgrade). The
    upgrade is one transaction: a failure leaves the index as it was. The caller
    holds the archive's lock.
    """
    version = _schema_version(path)
    if version == INDEX_SCHEMA_VERSION:
        return True
    # An index from a newer qarchive is rebuilt too: it cannot be brought down.
    if version is None or version > INDEX_SCHEMA_VERSION:
        return False
    steps = range(version, INDEX_SCHEMA_VERSION)
    if not all(step in _UPGRADES for step in steps):
        return False
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as connection, connection:
            connection.execute("BEGIN IMMEDIATE")
            for step in steps:
                _UPGRADES[step](connection)
            connection.executemany(
                "UPDATE meta SET value = ? WHERE key = ?",
                [(str(INDEX_SCHEMA_VERSION), "schema_version"), (__version__, "written_by")],
            )
    except sqlite3.Error:
        return False
    return True


_INSERT_ROW = (
    f"INSERT INTO questions ({', '.join(COLUMN_NAMES)}) "
    f"VALUES ({', '.join('?' for _ in COLUMN_NAMES)})"
)
_UPDATE_ROW = (
    f"UPDATE questions SET {', '.join(f'{name} = ?' for name in COLUMN_NAMES)} WHERE rowid = ?"
)
_INSERT_TEXT = (
    f"INSERT INTO questions_fts (rowid, id, {', '.join(FTS_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def upsert_entry(
    connection: sqlite3.Connection, entry: IndexEntry, *, bulk: BulkTallies | None = None
) -> None:
    """Insert or replace a question's row and its full text, unless a newer version is there.

    With ``bulk``, the tallies of the row are counted by :meth:`BulkTallies.finish`
    instead of by the triggers (which it has dropped).
    """
    if bulk is not None:
        bulk.begin()  # before the first write: no trigger may count it
    current = connection.execute(
        "SELECT rowid, version FROM questions WHERE id = ?", (entry.id,)
    ).fetchone()
    # The full-text row shares the question's rowid: FTS5 finds a row by rowid at
    # once, whereas a lookup on its UNINDEXED id column scans the whole table.
    if current is None:
        rowid = connection.execute(_INSERT_ROW, entry.values).lastrowid
        assert rowid is not None
    else:
        rowid, indexed_version = current
        if indexed_version > entry.version:
            return
        if bulk is not None:
            bulk.replacing(rowid)
        connection.execute(_UPDATE_ROW, (*entry.values, rowid))
        connection.execute("DELETE FROM questions_fts WHERE rowid = ?", (rowid,))
    connection.execute(_INSERT_TEXT, (rowid, entry.id, *entry.text))
    if bulk is not None:
        bulk.written(rowid)


def write_index(path: Path, entries: Iterable[IndexEntry], *, temp: Path) -> int:
    """Build a complete index at ``path`` from the entries of every question.

    The index is written to ``temp`` (beside ``path``) and copied into it at the
    end (:func:`qarchive.index.inplace.replace_database`), so readers never see a
    half-built index. Returns the number of questions.

    Raises:
        IndexFailure: it cannot be written (a full disk...); ``path`` is as it was.
        ArchiveDamaged: a folder that is not empty is at ``path``.
    """
    temp.unlink(missing_ok=True)
    count = 0
    try:
        with contextlib.closing(connect_index(temp)) as connection:
            connection.execute("PRAGMA journal_mode = OFF")
            connection.execute("PRAGMA synchronous = OFF")
            with connection:
                bulk = BulkTallies(connection)
                bulk.begin()
                for entry in entries:
                    upsert_entry(connection, entry, bulk=bulk)
                    count += 1
                bulk.finish()
        replace_database(temp, path)  # in the same file: open readers stay sound
    finally:
        temp.unlink(missing_ok=True)
    return count


def iter_rows(
    connection: sqlite3.Connection, sql: str, params: Iterable[Any]
) -> Iterator[IndexRow]:
    """Run a query and yield each row as a dict."""
    for row in connection.execute(sql, tuple(params)):
        yield dict(row)
