"""The SQLite index: one row per question (its latest version) and a full-text table.

The JSON files are the truth; ``index.sqlite`` is derived from them, updated with
every new version and rebuilt from the files alone by :func:`rebuild_index`. Its
tables and columns have plain names so that it opens usefully in sqlite3 or
datasette::

    questions       one row per question: identity, author, ministries, dates,
                    status, deadline, answer delay, the version indexed
    questions_fts   FTS5 over title, rubrique, analysis, question and answer
                    (accents folded: "securises" finds "sécurisés")
    filter_values   each folded ministry, author and group value of ``questions``
                    and how many questions have it: ``--ministry interieur`` is
                    matched against these few values, then looked up by index
    stats_tallies   questions counted per ministry, group, author (and ``all``),
                    chamber, legislature, status, answer delay and "answered within
                    two months": what ``qarchive stats`` adds up instead of
                    reading a million rows
    stats_totals    the same counts summed over chambers and legislatures: the
                    third of the rows that ``stats`` reads when neither is
                    filtered, as in ``qarchive stats --by ministry``
    meta            schema_version, the qarchive version that wrote it

``filter_values``, ``stats_tallies`` and ``stats_totals`` are kept by triggers on
``questions``, so they are exact after any insert, update or delete, and a rebuild
gives the same rows as incremental updates. A bulk write (a rebuild, a batch of an import)
drops the triggers inside its transaction and counts its rows in a few
statements before committing (:class:`BulkTallies`): the same rows, for a
fraction of the cost, and no commit ever lacks the triggers. An index written by
another schema version is upgraded in place when a migration exists
(:func:`upgrade_index`), else rebuilt; never misread.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qarchive._version import __version__

if TYPE_CHECKING:  # only for annotations: reading the index needs no pydantic models
    from qarchive.model.question import Question

__all__ = [
    "INDEX_FILE",
    "INDEX_SCHEMA_VERSION",
    "TALLY_COLUMNS",
    "TALLY_GROUPINGS",
    "TEXT_FILTERS",
    "TOTAL_COLUMNS",
    "UNKNOWN",
    "BulkTallies",
    "IndexEntry",
    "IndexRow",
    "connect_index",
    "fold",
    "index_entry",
    "index_is_current",
    "index_row",
    "tally_value",
    "upgrade_index",
    "upsert_entry",
    "upsert_question",
    "within_two_months_sql",
    "write_index",
]

INDEX_FILE = "index.sqlite"
# 3: FTS rows share the question's rowid. 4: filter_values, stats_tallies, and
# indexes on the folded filter columns. 5: stats_totals (upgraded from 4 in place).
INDEX_SCHEMA_VERSION = 5

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

# The text filters (--ministry, --author, --group) and the folded column each reads.
TEXT_FILTERS: dict[str, str] = {
    "ministry": "ministry_search",
    "author": "author_search",
    "group": "group_search",
}

# What ``stats --by`` groups on: (key, name shown, reference shown) as SQL over a
# questions row ``{r}``. Authors are keyed by reference, not name (homonyms exist).
TALLY_GROUPINGS: dict[str, tuple[str, str, str]] = {
    "all": ("'all'", "'all'", "NULL"),
    "ministry": ("{r}.ministry_responding", "{r}.ministry_responding", "NULL"),
    "group": (
        "COALESCE({r}.group_short, {r}.group_full)",
        "COALESCE({r}.group_short, {r}.group_full)",
        "NULL",
    ),
    "author": ("COALESCE({r}.author_ref, {r}.author_name)", "{r}.author_name", "{r}.author_ref"),
}


def within_two_months_sql(r: str) -> str:
    """SQL: 1 when the questions row ``r`` was answered within two calendar months, else 0.

    Publication + 2 months is clamped to the month's end like
    :func:`qarchive.model.question.add_months` (SQLite's ``date(d, '+2 months')`` rolls
    31 December over to 3 March). Two calendar months are 59 to 62 days, so the
    date arithmetic is needed only for delays in that range.
    """
    two_months = (
        f"min(date({r}.published, '+2 months'), "
        f"date({r}.published, 'start of month', '+3 months', '-1 day'))"
    )
    return (
        f"CASE WHEN {r}.status <> 'answered' OR {r}.answer_delay_days IS NULL THEN 0 "
        f"WHEN {r}.answer_delay_days <= 58 THEN 1 WHEN {r}.answer_delay_days > 62 THEN 0 "
        f"ELSE {r}.answered <= {two_months} END"
    )


# A tally row is identified by these columns, its primary key: in this order,
# ``stats`` reads one grouping's rows in the order it adds them up, with no sort.
# A key column cannot be NULL, so an unknown name, reference or delay is kept as
# an empty blob, which never equals a text or a number (see :func:`tally_value`).
TALLY_COLUMNS = (
    "grouping",
    "key",
    "name",
    "ref",
    "status",
    "delay",
    "within",
    "chamber",
    "legislature",
)
# stats_totals: the tallies without chamber and legislature, summed over them.
TOTAL_COLUMNS = TALLY_COLUMNS[:-2]
_NULLABLE = frozenset({"key", "name", "ref", "delay"})
UNKNOWN = b""  # NULL, in a tally's key columns


def tally_value(column: str, value: str) -> str:
    """SQL: what ``stats_tallies.column`` holds for the SQL value ``value``."""
    return f"ifnull({value}, x'')" if column in _NULLABLE else value


def _count_triggers(
    table: str, columns: tuple[str, ...], keys: Callable[[str], list[list[str]]], watched: str
) -> dict[str, str]:
    """Triggers (name: SQL) that keep ``table`` a count of questions (column ``questions``) per key.

    ``keys(r)`` gives, as SQL over a questions row ``r``, the keys (values of
    ``columns``) that row counts under; a key whose count falls to 0 is deleted,
    so the table is the same whatever order the rows came in. An update
    recounts only when a ``watched`` column changed.
    """

    def add(r: str) -> str:
        rows = " UNION ALL ".join(f"SELECT {', '.join(key)}, 1" for key in keys(r))
        return (
            f"INSERT INTO {table} ({', '.join(columns)}, questions) SELECT * FROM ({rows}) "
            f"WHERE true ON CONFLICT ({', '.join(columns)}) DO UPDATE SET questions = questions + 1;"
        )

    def remove(r: str) -> str:
        statements = []
        for key in keys(r):
            match = " AND ".join(f"{c} = {v}" for c, v in zip(columns, key, strict=True))
            statements.append(f"UPDATE {table} SET questions = questions - 1 WHERE {match};")
            statements.append(f"DELETE FROM {table} WHERE {match} AND questions = 0;")
        return " ".join(statements)

    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in watched.split())
    return {
        f"{table}_insert": f"CREATE TRIGGER {table}_insert AFTER INSERT ON questions "
        f"BEGIN {add('NEW')} END",
        f"{table}_delete": f"CREATE TRIGGER {table}_delete AFTER DELETE ON questions "
        f"BEGIN {remove('OLD')} END",
        f"{table}_update": f"CREATE TRIGGER {table}_update AFTER UPDATE ON questions "
        f"WHEN {changed}\nBEGIN {remove('OLD')} {add('NEW')} END",
    }


def _bulk_count(
    table: str, columns: tuple[str, ...], keys: Callable[[str], list[list[str]]], sign: str
) -> str:
    """SQL: add (``sign`` "+") or take away ("-") the rows of ``{source}`` from ``table``.

    What the triggers of :func:`_count_triggers` do row by row, for many rows in one
    statement: the keys of every row, counted by key, added to the counts.
    """
    rows = " UNION ALL ".join(f"SELECT {', '.join(key)} FROM {{source}}" for key in keys("r"))
    positions = ", ".join(str(position) for position in range(1, len(columns) + 1))
    return (
        f"INSERT INTO {table} ({', '.join(columns)}, questions) "
        f"SELECT *, {sign}count(*) FROM ({rows}) WHERE true GROUP BY {positions} "
        f"ON CONFLICT ({', '.join(columns)}) DO UPDATE SET questions = questions + "
        "excluded.questions"
    )


def _tally_keys(r: str) -> list[list[str]]:
    # One key per grouping: the tallies a questions row ``r`` counts in.
    return [
        [
            tally_value(column, value)
            for column, value in zip(
                TALLY_COLUMNS,
                (
                    f"'{grouping}'",
                    key.format(r=r),
                    name.format(r=r),
                    ref.format(r=r),
                    f"{r}.status",
                    f"{r}.answer_delay_days",
                    within_two_months_sql(r),
                    f"{r}.chamber",
                    f"{r}.legislature",
                ),
                strict=True,
            )
        ]
        for grouping, (key, name, ref) in TALLY_GROUPINGS.items()
    ]


def _total_keys(r: str) -> list[list[str]]:
    return [key[: len(TOTAL_COLUMNS)] for key in _tally_keys(r)]


def _filter_keys(r: str) -> list[list[str]]:
    return [[f"'{name}'", f"ifnull({r}.{column}, '')"] for name, column in TEXT_FILTERS.items()]


# The tables of counts kept by triggers: (key columns, keys of a row, the
# questions columns whose change moves a row to other keys).
_STATS_COLUMNS = (
    "status answer_delay_days answered published ministry_responding "
    "group_short group_full author_ref author_name"
)
_COUNTED: dict[str, tuple[tuple[str, ...], Callable[[str], list[list[str]]], str]] = {
    "stats_tallies": (TALLY_COLUMNS, _tally_keys, f"chamber legislature {_STATS_COLUMNS}"),
    "stats_totals": (TOTAL_COLUMNS, _total_keys, _STATS_COLUMNS),
    "filter_values": (("filter", "folded"), _filter_keys, " ".join(TEXT_FILTERS.values())),
}
_TABLE_TRIGGERS: dict[str, dict[str, str]] = {
    table: _count_triggers(table, *counted) for table, counted in _COUNTED.items()
}
_TRIGGER_SQL: dict[str, str] = {
    name: sql for triggers in _TABLE_TRIGGERS.values() for name, sql in triggers.items()
}
_TRIGGERS = "".join(f"\n{sql};" for sql in _TRIGGER_SQL.values()) + "\n"
# The same counts, kept for many rows at once (see BulkTallies).
_BULK_COUNTS = {
    sign: [
        _bulk_count(table, columns, keys, sign) for table, (columns, keys, _) in _COUNTED.items()
    ]
    for sign in "+-"
}


# The key columns' types in the tables of counts (untyped: text, number or UNKNOWN).
_TALLY_TYPES = {
    "grouping": "TEXT",
    "status": "TEXT",
    "within": "INTEGER",
    "chamber": "TEXT",
    "legislature": "INTEGER",
}


def _count_table(name: str, columns: tuple[str, ...]) -> str:
    """SQL: a table of counts of questions keyed by ``columns`` (stats_tallies, stats_totals)."""
    keys = "".join(
        f"\n    {column} {_TALLY_TYPES[column] + ' ' if column in _TALLY_TYPES else ''}NOT NULL,"
        for column in columns
    )
    return (
        f"CREATE TABLE {name} ({keys}\n    questions INTEGER NOT NULL,\n"
        f"    PRIMARY KEY ({', '.join(columns)})\n) WITHOUT ROWID;"
    )


_TOTALS_TABLE = _count_table("stats_totals", TOTAL_COLUMNS)

_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE questions ({", ".join(f"{name} {kind}" for name, kind in _COLUMNS)});
CREATE INDEX questions_published ON questions (published);
CREATE INDEX questions_status_deadline ON questions (status, deadline);
CREATE INDEX questions_status_published ON questions (status, published);
{
    "".join(
        f"CREATE INDEX questions_{column} ON questions ({column}, status, deadline);"
        for column in TEXT_FILTERS.values()
    )
}
CREATE VIRTUAL TABLE questions_fts USING fts5 (
    id UNINDEXED, {", ".join(_FTS_COLUMNS)},
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE filter_values (
    filter TEXT NOT NULL,
    folded TEXT NOT NULL,
    questions INTEGER NOT NULL,
    PRIMARY KEY (filter, folded)
) WITHOUT ROWID;
{_count_table("stats_tallies", TALLY_COLUMNS)}
{_TOTALS_TABLE}
{_TRIGGERS}
"""


def fold(text: str | None) -> str:
    """Lower-case and strip accents, for accent- and case-insensitive matching."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# The same few hundred names recur in every row of a bulk import: fold each once.
_fold_name = functools.lru_cache(maxsize=16384)(fold)


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
        "author_search": _fold_name(" ".join(filter(None, (author.name, author.ref)))),
        "group_search": _fold_name(" ".join(filter(None, (group.short, group.full))))
        if group
        else "",
        # Responding first: list --sort ministry orders by this folded name.
        "ministry_search": _fold_name(" ".join(filter(None, (responding or asked, asked)))),
    }


def _fts_row(record: Question) -> tuple[str, ...]:
    return (
        record.title or "",
        record.rubrique or "",
        " ".join(record.analysis),
        record.text or "",
        (record.answer.text or "") if record.answer else "",
    )


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """What the index holds for one version: its ``questions`` row and full text.

    Plain values (picklable, no model): a bulk import computes entries in worker
    processes and writes them in the one that holds the index.
    """

    id: str
    version: int
    values: tuple[Any, ...]  # the questions row, in COLUMN_NAMES order
    text: tuple[str, ...]  # the full-text columns after id, in _FTS_COLUMNS order


def index_entry(record: Question, *, version: int, fetched_at: dt.datetime) -> IndexEntry:
    """The index entry of a record (its latest version)."""
    row = index_row(record, version=version, fetched_at=fetched_at)
    return IndexEntry(
        record.id, version, tuple(row[name] for name in COLUMN_NAMES), _fts_row(record)
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
    """True when ``path`` is an index of this schema version (else upgrade or rebuild it)."""
    return _schema_version(path) == INDEX_SCHEMA_VERSION


def _schema_version(path: Path) -> int | None:
    # None for a missing, unreadable or foreign file: only a rebuild can help.
    if not path.is_file():
        return None
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.Error:
        return None
    return int(row[0]) if row is not None and str(row[0]).isdigit() else None


def _add_stats_totals(connection: sqlite3.Connection) -> None:
    # 4 → 5: the totals are the tallies summed over chamber and legislature.
    columns = ", ".join(TOTAL_COLUMNS)
    connection.execute(_TOTALS_TABLE)
    connection.execute(
        f"INSERT INTO stats_totals ({columns}, questions) "
        f"SELECT {columns}, sum(questions) FROM stats_tallies GROUP BY {columns}"
    )
    for sql in _TABLE_TRIGGERS["stats_totals"].values():
        connection.execute(sql)


# Upgrades from a schema version to the next, in SQL over the index alone: seconds,
# where a rebuild reads every version file again (minutes at a million questions).
_UPGRADES: dict[int, Callable[[sqlite3.Connection], None]] = {4: _add_stats_totals}


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
    f"INSERT INTO questions_fts (rowid, id, {', '.join(_FTS_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def upsert_question(
    connection: sqlite3.Connection, record: Question, *, version: int, fetched_at: dt.datetime
) -> None:
    """Insert or replace a question's row and its full text, unless a newer version is there."""
    upsert_entry(connection, index_entry(record, version=version, fetched_at=fetched_at))


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


class BulkTallies:
    """The tables of counts (``stats_tallies``...) kept for many rows at once (a bulk write).

    The triggers that keep them cost more than the row and its full text together
    (about 0.2 ms a row). :meth:`begin` drops them inside the open transaction;
    :func:`upsert_entry` then notes the rows it writes (and copies a row it is about
    to replace), and :meth:`finish`, before the commit, counts those rows by key in
    a few statements and re-creates the triggers. Every commit therefore holds the
    triggers and exact counts, the same rows as the triggers would give; a crash
    before it rolls the whole transaction back.
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._written: set[int] = set()
        self._replaced = False
        self._active = False

    def begin(self) -> None:
        """Open a transaction if none is open, and drop the triggers in it."""
        if self._active:
            return
        connection = self._connection
        if not connection.in_transaction:
            connection.execute("BEGIN")
        for name in _TRIGGER_SQL:
            connection.execute(f"DROP TRIGGER IF EXISTS {name}")
        connection.execute("CREATE TEMP TABLE IF NOT EXISTS bulk_written (id INTEGER PRIMARY KEY)")
        connection.execute(
            "CREATE TEMP TABLE IF NOT EXISTS bulk_replaced AS SELECT * FROM questions WHERE 0"
        )
        self._active = True

    def replacing(self, rowid: int) -> None:
        """Note a row about to be replaced: its old values leave the counts."""
        if rowid not in self._written:  # counted at finish, not before: nothing to take away
            self._connection.execute(
                "INSERT INTO temp.bulk_replaced SELECT * FROM questions WHERE rowid = ?", (rowid,)
            )
            self._replaced = True

    def written(self, rowid: int) -> None:
        """Note a row written (inserted or replaced): its values enter the counts."""
        self._written.add(rowid)

    def finish(self) -> None:
        """Count the rows noted and re-create the triggers; the caller then commits."""
        if not self._active:
            return
        connection = self._connection
        connection.executemany(
            "INSERT INTO temp.bulk_written (id) VALUES (?)", ((rowid,) for rowid in self._written)
        )
        added = "questions AS r WHERE r.rowid IN (SELECT id FROM temp.bulk_written)"
        for sql in _BULK_COUNTS["+"]:
            connection.execute(sql.format(source=added))
        if self._replaced:
            for sql in _BULK_COUNTS["-"]:
                connection.execute(sql.format(source="temp.bulk_replaced AS r"))
            for table in _COUNTED:
                connection.execute(f"DELETE FROM {table} WHERE questions = 0")
        connection.execute("DELETE FROM temp.bulk_written")
        connection.execute("DELETE FROM temp.bulk_replaced")
        for sql in _TRIGGER_SQL.values():
            connection.execute(sql)
        self._written.clear()
        self._replaced = self._active = False


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
                bulk = BulkTallies(connection)
                bulk.begin()
                for record, version, fetched_at in entries:
                    entry = index_entry(record, version=version, fetched_at=fetched_at)
                    upsert_entry(connection, entry, bulk=bulk)
                    count += 1
                bulk.finish()
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
