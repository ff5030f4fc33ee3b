"""Listing and searching the archive through its index: filters, sorting, ranking.

Every function returns plain rows (dicts) ready for any output format; the CLI
only chooses the format.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from typing import Any, Protocol

from qarchive.errors import UsageError
from qarchive.index.choices import SortKey
from qarchive.index.filters import Filters, Matches, match_filter_values, tally_selection
from qarchive.index.rows import TEXT_FILTERS

__all__ = [
    "LIST_COLUMNS",
    "IndexSource",
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


class IndexSource(Protocol):
    """What the queries read: the archive, or its index opened for reading (the store's)."""

    def open_index(self) -> sqlite3.Connection:
        """A connection to an up-to-date index."""
        ...


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


def _plan(filters: Filters, matches: Matches, sort: SortKey, limit: int | None, total: int) -> str:
    """The index a listing should walk (an ``INDEXED BY`` clause), or "" to let SQLite choose.

    With a limit and the default sort, walking questions newest first and
    stopping at the limit reads about ``limit × total / matching`` rows; looking
    up the matching ones by a text filter's index and sorting them reads
    ``matching`` rows. SQLite cannot tell the two apart without knowing how many
    questions a filter matches (``--ministry intérieur`` is a quarter of them),
    which ``filter_values`` counts.
    """
    selective = matches.most_selective()
    ordered = sort is SortKey.PUBLISHED and limit is not None
    if selective is not None and (not ordered or selective[1] ** 2 <= (limit or 0) * total):
        return f"INDEXED BY questions_{TEXT_FILTERS[selective[0]]}"
    if not ordered:
        return ""
    by_status = filters.unanswered or filters.answered or filters.overdue
    return f"INDEXED BY questions_{'status_published' if by_status else 'published'}"


def list_questions(
    archive: IndexSource,
    filters: Filters,
    *,
    sort: SortKey = SortKey.PUBLISHED,
    limit: int | None = None,
    today: dt.date,
) -> Iterator[dict[str, Any]]:
    """Yield the questions matching ``filters``, one row each (see :data:`LIST_COLUMNS`)."""
    filters.where(today)  # a usage error before the index is opened
    select, select_params = _select(today)
    connection = archive.open_index()
    try:
        matches = match_filter_values(connection, filters)
        if matches is not None and matches.empty:
            return
        values, plan = None, ""
        if matches is not None:
            values = matches.values
            plan = _plan(filters, matches, sort, limit, _total(connection))
        where, params = filters.where(today, values=values)
        sql = f"SELECT {select} FROM questions q {plan} WHERE {where} ORDER BY {_ORDER[sort]}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        yield from _rows(connection.execute(sql, [*select_params, *params]))
    finally:
        connection.close()


def _total(connection: sqlite3.Connection) -> int:
    # Every question has one folded ministry value (maybe empty): their sum is the total.
    found = connection.execute(
        "SELECT sum(questions) FROM filter_values WHERE filter = 'ministry'"
    ).fetchone()[0]
    return int(found or 0)


def count_questions(archive: IndexSource, filters: Filters, *, today: dt.date) -> int:
    """How many questions match ``filters`` (for the summary line).

    Status, chamber and legislature are counted from the tables of counts, a
    single text filter from ``filter_values`` alone; otherwise the count reads
    the most selective text filter's index, or the status indexes.
    """
    where, params = filters.where(today)
    connection = archive.open_index()
    try:
        if filters.tallied():
            return _tallied_count(connection, filters, today)
        matches = match_filter_values(connection, filters)
        plan = ""
        if matches is not None:
            if matches.empty:
                return 0
            texts = filters.text_filters()
            if len(texts) == 1 and filters.only(*texts):
                return matches.counts[next(iter(texts))]
            selective = matches.most_selective()
            if selective is not None:
                plan = f"INDEXED BY questions_{TEXT_FILTERS[selective[0]]}"
            where, params = filters.where(today, values=matches.values)
        return int(
            connection.execute(
                f"SELECT count(*) FROM questions q {plan} WHERE {where}", params
            ).fetchone()[0]
        )
    finally:
        connection.close()


def _tallied_count(connection: sqlite3.Connection, filters: Filters, today: dt.date) -> int:
    table, where, params = tally_selection(filters, "all")
    found = connection.execute(f"SELECT sum(questions) FROM {table} WHERE {where}", params)
    count = int(found.fetchone()[0] or 0)
    if filters.overdue:
        not_due, not_due_params = filters.not_yet_due(today)
        found = connection.execute(
            f"SELECT count(*) FROM questions q WHERE {not_due}", not_due_params
        )
        count -= int(found.fetchone()[0])
    return count


SNIPPET_START, SNIPPET_END = "**", "**"
# bm25 weights of title, rubrique, analysis, question, answer (the id is not indexed).
_BM25 = "bm25(questions_fts, 10.0, 4.0, 4.0, 1.0, 1.0)"
# The full-text table drives the join: the other way round, a filter served by an
# index would run the full-text query once per question it keeps.
_FTS_FIRST = "CROSS JOIN"


def search_questions(
    archive: IndexSource,
    query: str,
    filters: Filters,
    *,
    limit: int | None = None,
    today: dt.date,
) -> Iterator[dict[str, Any]]:
    """Full-text search (FTS5 syntax), best matches first, each row with a ``snippet``.

    Ranked by bm25 (a title match weighs ten times a match in the text), ties
    newest first. With a limit, the matches are ranked first, then only the rows
    shown are read with their snippets; without filters the ranking reads the
    full-text table alone.

    Raises:
        UsageError: the query is not valid FTS5 syntax.
    """
    filters.where(today)  # a usage error before the index is opened
    connection = archive.open_index()
    try:
        matches = match_filter_values(connection, filters)
        if matches is not None and matches.empty:
            return
        where, params = filters.where(today, values=None if matches is None else matches.values)
        if limit is None:
            rowids = None
        elif filters.only():
            rowids = _best_unfiltered(connection, query, int(limit))
        else:
            rowids = [
                row[0]
                for row in connection.execute(
                    f"SELECT q.rowid, {_BM25} AS score FROM questions_fts "
                    f"{_FTS_FIRST} questions q ON q.rowid = questions_fts.rowid "
                    f"WHERE questions_fts MATCH ? AND {where} "
                    f"ORDER BY score, q.published DESC LIMIT {int(limit)}",
                    [query, *params],
                )
            ]
        yield from _search_rows(connection, query, rowids, where, params, today)
    except sqlite3.OperationalError as exc:
        raise UsageError(
            f'invalid search query {query!r} ({exc}); use words, "exact phrases", '
            "OR, NOT, and prefix* (SQLite FTS5 syntax)"
        ) from None
    finally:
        connection.close()


def _best_unfiltered(connection: sqlite3.Connection, query: str, limit: int) -> list[int]:
    """The rowids of the ``limit`` best matches, ranked on the full-text table alone.

    Only the rows tied with the last one kept need their publication date (the
    tie-break), so the questions table is read for a few rows, not for every match.
    """
    window = limit + 16
    while True:
        ranked = connection.execute(
            f"SELECT rowid, {_BM25} AS score FROM questions_fts WHERE questions_fts MATCH ? "
            f"ORDER BY score LIMIT {window}",
            (query,),
        ).fetchall()
        # Complete when every match scoring as well as the last one kept is in hand.
        if len(ranked) < window or ranked[-1][1] != ranked[min(limit, len(ranked)) - 1][1]:
            break
        window *= 4
    if not ranked:
        return []
    published = dict(
        connection.execute(
            f"SELECT rowid, published FROM questions WHERE rowid IN "
            f"({', '.join(str(rowid) for rowid, _ in ranked)})"
        ).fetchall()
    )
    ranked.sort(key=lambda row: published.get(row[0], ""), reverse=True)
    ranked.sort(key=lambda row: row[1])  # stable: newest first among equal scores
    return [rowid for rowid, _ in ranked[:limit]]


def _search_rows(
    connection: sqlite3.Connection,
    query: str,
    rowids: list[int] | None,
    where: str,
    params: list[Any],
    today: dt.date,
) -> Iterator[dict[str, Any]]:
    # snippet() column -1: the best-matching column; matches are marked **like
    # this**, which every output format can carry and a terminal can highlight.
    select, select_params = _select(today)
    sql = (
        f"SELECT {select}, snippet(questions_fts, -1, ?, ?, '…', 12) AS snippet, "
        f"q.rowid AS found_rowid FROM questions_fts {_FTS_FIRST} questions q "
        f"ON q.rowid = questions_fts.rowid WHERE questions_fts MATCH ? AND {where}"
    )
    arguments = [*select_params, SNIPPET_START, SNIPPET_END, query, *params]
    if rowids is None:
        found = _rows(connection.execute(f"{sql} ORDER BY {_BM25}, q.published DESC", arguments))
    else:
        # Only the rows to show, in the order already ranked: no bm25 here, which
        # would count each term's matches over the whole table again for every row.
        in_rowids = ", ".join(str(rowid) for rowid in rowids)
        by_rowid = {
            row["found_rowid"]: row
            for row in _rows(
                connection.execute(f"{sql} AND questions_fts.rowid IN ({in_rowids})", arguments)
            )
        }
        found = (by_rowid[rowid] for rowid in rowids if rowid in by_rowid)
    for row in found:
        del row["found_rowid"]
        yield row
