"""Listing and searching the archive through its index: filters, sorting, ranking.

Every function returns plain rows (dicts) ready for any output format; the CLI
only chooses the format.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from qarchive.archive import Archive
from qarchive.choices import SortKey
from qarchive.errors import UsageError
from qarchive.index import fold

__all__ = [
    "LIST_COLUMNS",
    "Filters",
    "SortKey",
    "count_questions",
    "list_questions",
    "search_questions",
]

# The columns of a listing row, in order (also the CSV header).
LIST_COLUMNS = (
    "id",
    "chamber",
    "legislature",
    "kind",
    "published",
    "days_waiting",
    "overdue",
    "status",
    "answered",
    "answer_delay_days",
    "author",
    "group",
    "ministry",
    "title",
    "url",
)


@dataclass(frozen=True, slots=True)
class Filters:
    """What to keep. Text filters are case- and accent-insensitive substrings."""

    unanswered: bool = False
    answered: bool = False
    overdue: bool = False
    chamber: str | None = None
    legislature: int | None = None
    ministry: str | None = None
    author: str | None = None
    group: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def where(self, today: dt.date) -> tuple[str, list[Any]]:
        """The SQL condition and its parameters over the ``questions`` table (alias q)."""
        if self.unanswered and self.answered:
            raise UsageError("--unanswered and --answered exclude each other; pass one")
        clauses: list[str] = ["1"]
        params: list[Any] = []
        if self.unanswered:
            clauses.append("q.status = 'pending'")
        if self.answered:
            clauses.append("q.status = 'answered'")
        if self.overdue:
            clauses.append("q.status = 'pending' AND q.deadline < ?")
            params.append(today.isoformat())
        for column, value in (("chamber", self.chamber), ("legislature", self.legislature)):
            if value is not None:
                clauses.append(f"q.{column} = ?")
                params.append(value)
        for column, text in (
            ("ministry_search", self.ministry),
            ("author_search", self.author),
            ("group_search", self.group),
        ):
            if text:
                clauses.append(f"q.{column} LIKE ? ESCAPE '\\'")
                params.append(f"%{_escape_like(fold(text))}%")
        if self.since is not None:
            clauses.append("q.published >= ?")
            params.append(self.since.isoformat())
        if self.until is not None:
            clauses.append("q.published <= ?")
            params.append(self.until.isoformat())
        return " AND ".join(clauses), params


def _escape_like(text: str) -> str:
    return re.sub(r"([\\%_])", r"\\\1", text)


def _select(today: dt.date) -> tuple[str, list[Any]]:
    # days_waiting and overdue depend on today, so they are computed, not stored.
    sql = """
        q.id, q.chamber, q.legislature, q.kind, q.published,
        CASE WHEN q.status = 'pending'
             THEN CAST(julianday(?) - julianday(q.published) AS INTEGER) END AS days_waiting,
        (q.status = 'pending' AND q.deadline < ?) AS overdue,
        q.status, q.answered, q.answer_delay_days,
        TRIM(COALESCE(q.author_civility || ' ', '') || COALESCE(q.author_name, q.author_ref, ''))
            AS author,
        COALESCE(q.group_short, q.group_full) AS "group",
        q.ministry_responding AS ministry, q.title, q.url
    """
    return sql, [today.isoformat(), today.isoformat()]


_ORDER = {
    SortKey.PUBLISHED: "q.published DESC, q.id",
    SortKey.DELAY: "COALESCE(q.answer_delay_days, days_waiting) DESC, q.published, q.id",
    # The folded copy sorts "Économie" among the E's, as a French reader expects.
    SortKey.MINISTRY: "q.ministry_search, q.published, q.id",
}


def _rows(cursor: sqlite3.Cursor) -> Iterator[dict[str, Any]]:
    for row in cursor:
        item = dict(row)
        item["overdue"] = bool(item["overdue"])
        yield item


def list_questions(
    archive: Archive,
    filters: Filters,
    *,
    sort: SortKey = SortKey.PUBLISHED,
    limit: int | None = None,
    today: dt.date,
) -> Iterator[dict[str, Any]]:
    """Yield the questions matching ``filters``, one row each (see :data:`LIST_COLUMNS`)."""
    where, params = filters.where(today)
    select, select_params = _select(today)
    sql = f"SELECT {select} FROM questions q WHERE {where} ORDER BY {_ORDER[sort]}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    connection = archive.open_index()
    try:
        yield from _rows(connection.execute(sql, [*select_params, *params]))
    finally:
        connection.close()


def count_questions(archive: Archive, filters: Filters, *, today: dt.date) -> int:
    """How many questions match ``filters`` (for the summary line)."""
    where, params = filters.where(today)
    connection = archive.open_index()
    try:
        return int(
            connection.execute(
                f"SELECT count(*) FROM questions q WHERE {where}", params
            ).fetchone()[0]
        )
    finally:
        connection.close()


SNIPPET_START, SNIPPET_END = "**", "**"


def search_questions(
    archive: Archive,
    query: str,
    filters: Filters,
    *,
    limit: int | None = None,
    today: dt.date,
) -> Iterator[dict[str, Any]]:
    """Full-text search (FTS5 syntax), best matches first, each row with a ``snippet``.

    Raises:
        UsageError: the query is not valid FTS5 syntax.
    """
    where, params = filters.where(today)
    select, select_params = _select(today)
    # snippet() column -1: the best-matching column; matches are marked **like
    # this**, which every output format can carry and a terminal can highlight.
    sql = (
        f"SELECT {select}, snippet(questions_fts, -1, ?, ?, '…', 12) AS snippet, "
        "bm25(questions_fts, 10.0, 4.0, 4.0, 1.0, 1.0) AS rank "
        "FROM questions_fts JOIN questions q ON q.rowid = questions_fts.rowid "
        f"WHERE questions_fts MATCH ? AND {where} ORDER BY rank, q.published DESC"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    connection = archive.open_index()
    try:
        cursor = connection.execute(
            sql, [*select_params, SNIPPET_START, SNIPPET_END, query, *params]
        )
        for row in _rows(cursor):
            row.pop("rank", None)
            yield row
    except sqlite3.OperationalError as exc:
        raise UsageError(
            f'invalid search query {query!r} ({exc}); use words, "exact phrases", '
            "OR, NOT, and prefix* (SQLite FTS5 syntax)"
        ) from None
    finally:
        connection.close()
