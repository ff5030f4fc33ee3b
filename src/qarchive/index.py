"""The SQLite index: one row per question (its latest version) and a full-text table.

The JSON files are the truth; ``index.sqlite`` is derived from them, updated with
every new version and rebuilt from the files alone by :func:`rebuild_index`. Its
tables and columns have plain names so that it opens usefully in sqlite3 or
datasette::

    questions       one row per question: identity, author, ministries, dates,
                    status, deadline, answer delay, the version indexed
    questions_fts   FTS5 over title, rubrique, analysis, question and answer
                    (accents folded: "securises" finds "sécurisés")
    meta            schema_version, the qarchive version that wrote it

An index written by another schema version is rebuilt, never misread.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from qarchive._version import __version__
from qarchive.models import Question

__all__ = [
    "INDEX_FILE",
    "INDEX_SCHEMA_VERSION",
    "IndexRow",
    "connect_index",
    "fold",
    "index_is_current",
    "index_row",
    "upsert_question",
    "write_index",
]

INDEX_FILE = "index.sqlite"
INDEX_SCHEMA_VERSION = 3  # 3: FTS rows share the question's rowid

IndexRow = dict[str, Any]

_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "TEXT PRIMARY KEY"),
    ("chamber", "TEXT NOT NULL"),
    ("legislature", "INTEGER NOT NULL"),
    ("number", "INTEGER NOT NULL"),
    ("kind", "TEXT NOT NULL"),
    ("title", "TEXT"),
    ("rubrique", "TEXT"),
    ("author_name", "TEXT"),
    ("author_civility", "TEXT"),
    ("author_ref", "TEXT"),
    ("group_short", "TEXT"),
    ("group_full", "TEXT"),
    ("constituency", "TEXT"),
    ("ministry_asked", "TEXT"),
    ("ministry_responding", "TEXT"),
    ("published", "TEXT NOT NULL"),  # ISO dates sort and compare as text
    ("published_page", "INTEGER"),
    ("answered", "TEXT"),
    ("answer_page", "INTEGER"),
    ("answer_delay_days", "INTEGER"),
    ("deadline", "TEXT NOT NULL"),
    ("status", "TEXT NOT NULL"),
    ("closed", "TEXT"),
    ("closed_reason", "TEXT"),
    ("url", "TEXT NOT NULL"),
    ("version", "INTEGER NOT NULL"),
    ("fetched_at", "TEXT NOT NULL"),
    # Folded copies (no accents, case-folded) for accent-insensitive filters.
    ("author_search", "TEXT"),
    ("group_search", "TEXT"),
    ("ministry_search", "TEXT"),
)
COLUMN_NAMES = tuple(name for name, _ in _COLUMNS)
_FTS_COLUMNS = ("title", "rubrique", "analysis", "question", "answer")

_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE questions ({", ".join(f"{name} {kind}" for name, kind in _COLUMNS)});
CREATE INDEX questions_published ON questions (published);
CREATE INDEX questions_status_deadline ON questions (status, deadline);
CREATE INDEX questions_status_published ON questions (status, published);
CREATE INDEX questions_ministry ON questions (ministry_responding);
CREATE VIRTUAL TABLE questions_fts USING fts5 (
    id UNINDEXED, {", ".join(_FTS_COLUMNS)},
    tokenize = 'unicode61 remove_diacritics 2'
);
"""


def fold(text: str | None) -> str:
    """Lower-case and strip accents, for accent- and case-insensitive matching."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def index_row(record: Question, *, version: int, fetched_at: dt.datetime) -> IndexRow:
    """The ``questions`` row of a record (its latest version)."""
    author, group = record.author, record.author.group
    asked = record.ministry_asked.name if record.ministry_asked else None
    responding = record.ministry_responding.name if record.ministry_responding else None
    answer = record.answer
    closed = record.closed
    return {
        "id": record.id,
        "chamber": record.chamber.value,
        "legislature": record.legislature,
        "number": record.number,
        "kind": record.kind,
        "title": record.title,
        "rubrique": record.rubrique,
        "author_name": author.name,
        "author_civility": author.civility,
        "author_ref": author.ref,
        "group_short": group.short if group else None,
        "group_full": group.full if group else None,
        "constituency": author.constituency or author.department,
        "ministry_asked": asked,
        "ministry_responding": responding or asked,
        "published": record.published.date.isoformat(),
        "published_page": record.published.page,
        "answered": answer.published.date.isoformat() if answer else None,
        "answer_page": answer.published.page if answer else None,
        "answer_delay_days": record.answer_delay_days(),
        "deadline": record.deadline().isoformat(),
        "status": record.status.value,
        "closed": closed.date.isoformat() if closed and closed.date else None,
        "closed_reason": (closed.reason or closed.code) if closed else None,
        "url": record.url,
        "version": version,
        "fetched_at": fetched_at.isoformat(),
        "author_search": fold(" ".join(filter(None, (author.name, author.ref)))),
        "group_search": fold(" ".join(filter(None, (group.short, group.full))) if group else ""),
        # Responding first: list --sort ministry orders by this folded name.
        "ministry_search": fold(" ".join(filter(None, (responding or asked, asked)))),
    }


def _fts_row(record: Question) -> tuple[str, ...]:
    return (
        record.id,
        record.title or "",
        record.rubrique or "",
        " ".join(record.analysis),
        record.text or "",
        (record.answer.text or "") if record.answer else "",
    )


def connect_index(path: Path) -> sqlite3.Connection:
    """Open an index file (creating its schema if the file is new)."""
    new = not path.exists()
    connection = sqlite3.connect(path, timeout=30)
    connection.row_factory = sqlite3.Row
    if new:
        _create(connection)
    return connection


def _create(connection: sqlite3.Connection) -> None:
    with connection:
        connection.executescript(_SCHEMA)
        connection.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [("schema_version", str(INDEX_SCHEMA_VERSION)), ("written_by", __version__)],
        )


def index_is_current(path: Path) -> bool:
    """True when ``path`` is an index of this schema version (else it must be rebuilt)."""
    if not path.is_file():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == str(INDEX_SCHEMA_VERSION)


def upsert_question(
    connection: sqlite3.Connection, record: Question, *, version: int, fetched_at: dt.datetime
) -> None:
    """Insert or replace a question's row and its full text, unless a newer version is there."""
    row = index_row(record, version=version, fetched_at=fetched_at)
    values = [row[name] for name in COLUMN_NAMES]
    current = connection.execute(
        "SELECT rowid, version FROM questions WHERE id = ?", (record.id,)
    ).fetchone()
    # The full-text row shares the question's rowid: FTS5 finds a row by rowid at
    # once, whereas a lookup on its UNINDEXED id column scans the whole table.
    if current is None:
        placeholders = ", ".join("?" for _ in COLUMN_NAMES)
        cursor = connection.execute(
            f"INSERT INTO questions ({', '.join(COLUMN_NAMES)}) VALUES ({placeholders})", values
        )
        rowid = cursor.lastrowid
    else:
        rowid, indexed_version = current
        if indexed_version > version:
            return
        assignments = ", ".join(f"{name} = ?" for name in COLUMN_NAMES)
        connection.execute(f"UPDATE questions SET {assignments} WHERE rowid = ?", [*values, rowid])
        connection.execute("DELETE FROM questions_fts WHERE rowid = ?", (rowid,))
    connection.execute(
        f"INSERT INTO questions_fts (rowid, id, {', '.join(_FTS_COLUMNS)}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (rowid, *_fts_row(record)),
    )


def write_index(path: Path, entries: Iterable[tuple[Question, int, dt.datetime]]) -> int:
    """Build a complete index at ``path`` from (record, version, fetched_at) entries.

    The index is written beside ``path`` and renamed over it at the end, so
    readers never see a half-built index. Returns the number of questions.
    """
    temp = path.with_name(f".tmp-{path.name}.{os.getpid()}")
    temp.unlink(missing_ok=True)
    count = 0
    try:
        with contextlib.closing(connect_index(temp)) as connection:
            connection.execute("PRAGMA journal_mode = OFF")
            connection.execute("PRAGMA synchronous = OFF")
            with connection:
                for record, version, fetched_at in entries:
                    upsert_question(connection, record, version=version, fetched_at=fetched_at)
                    count += 1
        # A journal left by a killed writer belongs to the old file: SQLite would
        # replay it into the new one. It goes before the new index takes the name.
        for suffix in ("-journal", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return count


def iter_rows(
    connection: sqlite3.Connection, sql: str, params: Iterable[Any]
) -> Iterator[IndexRow]:
    """Run a query and yield each row as a dict."""
    for row in connection.execute(sql, tuple(params)):
        yield dict(row)
