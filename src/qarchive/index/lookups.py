"""The queries the jobs and the followers ask of the index, each named for what it finds.

Everything SQL lives in this wing: a job that needs to know which questions to
refresh, which Sénat question a bare number names, or which questions a saved
search matches, calls one of these with a connection (:class:`IndexConnection`)
and gets plain values back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from qarchive.errors import QarchiveError
from qarchive.index.filters import Filters

__all__ = [
    "OverdueRow",
    "has_unnamed_an_authors",
    "held_chambers",
    "held_legislatures",
    "ids_by_publication",
    "indexed_versions",
    "newest_events",
    "overdue_between",
    "question_states",
    "refresh_candidates",
    "search_matches",
    "senat_numbered",
    "unnamed_an_authors",
]

_BATCH = 500  # IDs per query: SQLite's limit on parameters is far above; stays readable

# (id, title, rubrique, ministry, published, deadline, url)
OverdueRow = tuple[str, str | None, str | None, str | None, str, str, str]


def senat_numbered(connection: sqlite3.Connection, kind: str, number: int) -> list[str]:
    """The Sénat questions of ``kind`` numbered ``number``, oldest first (bare numbers)."""
    rows = connection.execute(
        "SELECT id FROM questions WHERE chamber = 'senat' AND number = ? AND kind = ? "
        "ORDER BY published",
        (number, kind),
    ).fetchall()
    return [str(row[0]) for row in rows]


def refresh_candidates(
    connection: sqlite3.Connection,
    filters: Filters,
    *,
    today: dt.date,
    answered_since: dt.date | None,
    limit: int | None,
) -> list[str]:
    """The questions a refresh re-fetches, oldest publication first.

    Every question matching ``filters``; with ``answered_since``, only those still
    pending or answered or closed since that day.
    """
    where, params = filters.where(today)
    sql = f"SELECT q.id FROM questions q WHERE {where}"
    if answered_since is not None:
        since = answered_since.isoformat()
        sql += " AND (q.status = 'pending' OR q.answered >= ? OR q.closed >= ?)"
        params += [since, since]
    sql += " ORDER BY q.published, q.id"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [row[0] for row in connection.execute(sql, params)]


# The tallies' "all" grouping has a row per chamber and legislature holding questions
# (a count that falls to 0 is deleted): a few rows to read, not a pass over questions.
def held_legislatures(connection: sqlite3.Connection, chamber: str) -> set[int]:
    """The legislatures the index holds questions of, in one chamber."""
    rows = connection.execute(
        "SELECT DISTINCT legislature FROM stats_tallies WHERE grouping = 'all' AND chamber = ?",
        (chamber,),
    )
    return {int(row[0]) for row in rows}


def held_chambers(connection: sqlite3.Connection) -> set[str]:
    """The chambers the index holds questions of."""
    rows = connection.execute("SELECT DISTINCT chamber FROM stats_tallies WHERE grouping = 'all'")
    return {str(row[0]) for row in rows}


def question_states(
    connection: sqlite3.Connection, ids: Sequence[str]
) -> dict[str, tuple[str, str | None]]:
    """``id → (status, answer date)`` for those of ``ids`` the index holds."""
    states: dict[str, tuple[str, str | None]] = {}
    for start in range(0, len(ids), _BATCH):
        batch = list(ids[start : start + _BATCH])
        marks = ", ".join("?" * len(batch))
        for row in connection.execute(
            f"SELECT id, status, answered FROM questions WHERE id IN ({marks})", batch
        ):
            states[row[0]] = (row[1], row[2])
    return states


_UNNAMED = (
    "chamber = 'an' AND author_ref IS NOT NULL AND (author_name IS NULL "
    "OR constituency IS NULL OR (group_short IS NULL AND group_full IS NULL))"
)


def unnamed_an_authors(connection: sqlite3.Connection) -> list[str]:
    """AN questions whose author is known by reference only (no name, place or group)."""
    return [
        row[0]
        for row in connection.execute(f"SELECT id FROM questions WHERE {_UNNAMED} ORDER BY id")
    ]


def has_unnamed_an_authors(connection: sqlite3.Connection) -> bool:
    """True when some AN question's author is known by reference only."""
    found = connection.execute(f"SELECT EXISTS (SELECT 1 FROM questions WHERE {_UNNAMED})")
    return bool(found.fetchone()[0])


def overdue_between(
    connection: sqlite3.Connection, first: dt.date, today: dt.date
) -> list[OverdueRow]:
    """Pending questions whose deadline is in ``[first, today)``, earliest deadline first."""
    sql = (
        "SELECT id, title, rubrique, COALESCE(ministry_responding, ministry_asked), published, "
        "deadline, url FROM questions WHERE status = 'pending' AND deadline >= ? "
        "AND deadline < ? ORDER BY deadline, published, id"
    )
    return [tuple(row) for row in connection.execute(sql, [first.isoformat(), today.isoformat()])]


def ids_by_publication(
    connection_for: Any, filters: Filters, *, today: dt.date, batch_size: int
) -> Iterator[list[str]]:
    """The IDs matching ``filters``, oldest publication first, a batch at a time.

    ``connection_for``: what opens the index (its ``open_index``). Keyset
    pagination: each batch is its own short query, so no read lock is held on the
    index for the minutes a large export takes (a fetch can update it meanwhile).
    """
    where, params = filters.where(today)
    sql = (
        f"SELECT q.published, q.id FROM questions q WHERE {where} "
        f"AND (q.published, q.id) > (?, ?) ORDER BY q.published, q.id LIMIT {int(batch_size)}"
    )
    last: tuple[str, str] = ("", "")
    while True:
        with contextlib.closing(connection_for.open_index()) as connection:
            found = connection.execute(sql, [*params, *last]).fetchall()
        if not found:
            return
        last = (found[-1][0], found[-1][1])
        yield [row[1] for row in found]


def newest_events(
    connection: sqlite3.Connection,
    filters: Filters,
    *,
    column: str,
    condition: str,
    since: dt.date,
    today: dt.date,
    limit: int | None,
) -> list[tuple[str, str]]:
    """(id, date) of the questions whose event is on or after ``since``, newest first.

    The event is a publication, an answer or a closure: its date is ``column``,
    selected by ``condition`` (which takes ``since`` as its parameter).
    """
    where, params = filters.where(today)
    sql = (
        f"SELECT q.id, q.{column} FROM questions q WHERE {condition} AND {where} "
        f"ORDER BY q.{column} DESC"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [(row[0], row[1]) for row in connection.execute(sql, [since.isoformat(), *params])]


def search_matches(
    connection: sqlite3.Connection,
    ids: Sequence[str],
    *,
    query: str | None,
    filters: Filters,
    today: dt.date,
) -> list[str]:
    """Those of ``ids`` that match ``filters`` and, when given, the full-text ``query``.

    Raises:
        QarchiveError: the query is not valid FTS5 syntax (or the index cannot run it).
    """
    marks = ", ".join("?" for _ in ids)
    where, params = filters.where(today)
    sql = f"SELECT q.id FROM questions q WHERE q.id IN ({marks}) AND {where}"
    args: list[Any] = [*ids, *params]
    if query:
        sql = (
            "SELECT q.id FROM questions_fts JOIN questions q "
            "ON q.rowid = questions_fts.rowid WHERE questions_fts MATCH ? "
            f"AND q.id IN ({marks}) AND {where}"
        )
        args = [query, *args]
    try:
        return [row[0] for row in connection.execute(sql, args)]
    except sqlite3.Error as exc:
        raise QarchiveError(str(exc)) from None


def indexed_versions(path: Path) -> dict[str, int]:
    """``id → version`` of every question the index at ``path`` holds.

    Not read-only: a hot journal left by a killed writer must be rolled back.

    Raises:
        sqlite3.Error: the index cannot be read.
    """
    with contextlib.closing(sqlite3.connect(path)) as db:
        return dict(db.execute("SELECT id, version FROM questions").fetchall())
