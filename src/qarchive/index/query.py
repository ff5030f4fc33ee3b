"""Listing and searching the archive through its index: filters, sorting, ranking.

Every function returns plain rows (dicts) ready for any output format; the CLI
only chooses the format.
"""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
from collections.abc import Iterator
from typing import Any, Protocol

from qarchive.errors import UsageError
from qarchive.index.choices import SortKey
from qarchive.index.filters import (
    NOT_YET_DUE_INDEX,
    Filters,
    filter_clause,
    match_filter_values,
    tally_selection,
)
from qarchive.index.plans import DelayBranch, delay_branches, text_index, walk_index
from qarchive.index.rows import TEXT_FILTERS
from qarchive.model.columns import LIST_COLUMNS

__all__ = [
    "LIST_COLUMNS",
    "IndexSource",
    "count_matches",
    "count_questions",
    "list_questions",
    "search_questions",
]


class IndexSource(Protocol):
    """What the queries read: the archive, or its index opened for reading (the store's)."""

    def open_index(self) -> sqlite3.Connection:
        """A connection to an up-to-date index."""
        ...


# days_waiting and overdue depend on today, so they are computed, not stored; each
# takes today as its one parameter.
_COMPUTED = {
    "days_waiting": "CASE WHEN q.status = 'pending' "
    "THEN CAST(julianday(?) - julianday(q.published) AS INTEGER) END AS days_waiting",
    "overdue": "(q.status = 'pending' AND q.deadline < ?) AS overdue",
}
# The columns of a listing's rows, in LIST_COLUMNS' order (the CLI and the web pick by it).
_LISTED = ", ".join(_COMPUTED.get(name, f"q.{name}") for name in LIST_COLUMNS)


def _select(today: dt.date) -> tuple[str, list[Any]]:
    return _LISTED, [today.isoformat()] * len(_COMPUTED)


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
    archive: IndexSource,
    filters: Filters,
    *,
    sort: SortKey = SortKey.PUBLISHED,
    limit: int | None = None,
    offset: int = 0,
    today: dt.date,
) -> Iterator[dict[str, Any]]:
    """Yield the questions matching ``filters``, one row each (the columns of :data:`LIST_COLUMNS`).

    ``offset`` skips that many rows of the order first (a page of a web listing).
    With a limit, the rows are read through an index that gives the order
    (:mod:`qarchive.index.plans`), so that a page costs about its own rows.
    """
    filters.where(today)  # a usage error before the index is opened
    connection = archive.open_index()
    try:
        clause = filter_clause(connection, filters, today)
        if clause is None:
            return
        where, params, matches = clause
        index = None
        if matches is not None:
            rows = None if limit is None else limit + offset
            index = text_index(matches, rows=rows, total=_total(connection))
        if limit is not None and index is None and matches is not None:
            if sort is SortKey.DELAY:
                yield from _delay_rows(connection, filters, where, params, limit, offset, today)
                return
            index = walk_index(filters, sort)
        select, select_params = _select(today)
        plan = f"INDEXED BY {index}" if index else ""
        sql = f"SELECT {select} FROM questions q {plan} WHERE {where} ORDER BY {_ORDER[sort]}"
        if limit is not None or offset:
            sql += f" LIMIT {-1 if limit is None else int(limit)} OFFSET {int(offset)}"
        yield from _rows(connection.execute(sql, [*select_params, *params]))
    finally:
        connection.close()


def _delay_rows(
    connection: sqlite3.Connection,
    filters: Filters,
    where: str,
    params: list[Any],
    limit: int,
    offset: int,
    today: dt.date,
) -> Iterator[dict[str, Any]]:
    """A page of the delay order, read part by part (:func:`delay_branches`).

    The keyed parts (a delay, or days waiting) come first; the parts keyed NULL
    are read only when the keyed rows do not fill the page.
    """
    branches = delay_branches(filters)
    keyed = [branch for branch in branches if branch.keyed]
    found = list(_union(connection, keyed, where, params, limit, offset, today))
    yield from found
    if len(found) == limit:
        return
    if found or not offset:
        before = offset + len(found)
    else:  # the page starts past every keyed row: how many are there?
        conditions = " OR ".join(f"({branch.condition})" for branch in keyed)
        sql = f"SELECT count(*) FROM questions q WHERE ({conditions}) AND {where}"
        before = int(connection.execute(sql, params).fetchone()[0])
    unkeyed = [branch for branch in branches if not branch.keyed]
    yield from _union(
        connection, unkeyed, where, params, limit - len(found), max(0, offset - before), today
    )


def _union(
    connection: sqlite3.Connection,
    branches: list[DelayBranch],
    where: str,
    params: list[Any],
    limit: int,
    offset: int,
    today: dt.date,
) -> Iterator[dict[str, Any]]:
    # Each part stops at the page's last row; the parts are merged by the key.
    if not branches:
        return
    select, select_params = _select(today)
    parts, arguments = [], []
    for branch in branches:
        parts.append(
            f"SELECT * FROM (SELECT {select}, {branch.key} AS delay_key "
            f"FROM questions q INDEXED BY {branch.index} "
            f"WHERE {branch.condition} AND {where} ORDER BY {branch.order} "
            f"LIMIT {int(limit + offset)})"
        )
        key_params = [today.isoformat()] if "?" in branch.key else []
        arguments += [*select_params, *key_params, *params]
    sql = (
        " UNION ALL ".join(parts)
        + f" ORDER BY delay_key DESC, published, id LIMIT {int(limit)} OFFSET {int(offset)}"
    )
    for row in _rows(connection.execute(sql, arguments)):
        del row["delay_key"]
        yield row


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
            f"SELECT count(*) FROM questions q {NOT_YET_DUE_INDEX} WHERE {not_due}", not_due_params
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
    offset: int = 0,
    marks: tuple[str, str] = (SNIPPET_START, SNIPPET_END),
    today: dt.date,
) -> Iterator[dict[str, Any]]:
    """Full-text search (FTS5 syntax), best matches first, each row with a ``snippet``.

    Ranked by bm25 (a title match weighs ten times a match in the text), ties
    newest first. With a limit, the matches are ranked first, then only the rows
    shown are read with their snippets; without filters the ranking reads the
    full-text table alone. ``offset`` skips that many of the best first (a page);
    ``marks`` go around the matched words of the snippet (a web page marks them
    with characters no text holds, then escapes the text and highlights them).

    Raises:
        UsageError: the query is not valid FTS5 syntax.
    """
    filters.where(today)  # a usage error before the index is opened
    connection = archive.open_index()
    try:
        clause = filter_clause(connection, filters, today)
        if clause is None:
            return
        where, params, _ = clause
        if limit is None:
            rowids = None
        elif filters.only():
            rowids = _best_unfiltered(connection, query, int(limit) + int(offset))[offset:]
        else:
            rowids = [
                row[0]
                for row in connection.execute(
                    f"SELECT q.rowid, {_BM25} AS score FROM questions_fts "
                    f"{_FTS_FIRST} questions q ON q.rowid = questions_fts.rowid "
                    f"WHERE questions_fts MATCH ? AND {where} "
                    f"ORDER BY score, q.published DESC LIMIT {int(limit)} OFFSET {int(offset)}",
                    [query, *params],
                )
            ]
        found = _search_rows(connection, query, rowids, where, params, today, marks)
        if rowids is None and offset:
            found = itertools.islice(found, offset, None)
        yield from found
    except sqlite3.OperationalError as exc:
        if str(exc) == "interrupted":  # a time limit (a web page's count), not the query
            raise
        raise _invalid_query(query, exc) from None
    finally:
        connection.close()


def count_matches(archive: IndexSource, query: str, filters: Filters, *, today: dt.date) -> int:
    """How many questions match the full-text ``query`` and ``filters`` (a search's total).

    Raises:
        UsageError: the query is not valid FTS5 syntax.
    """
    filters.where(today)  # a usage error before the index is opened
    connection = archive.open_index()
    try:
        if filters.only():
            sql = "SELECT count(*) FROM questions_fts WHERE questions_fts MATCH ?"
            return int(connection.execute(sql, (query,)).fetchone()[0])
        clause = filter_clause(connection, filters, today)
        if clause is None:
            return 0
        where, params, _ = clause
        sql = (
            f"SELECT count(*) FROM questions_fts {_FTS_FIRST} questions q "
            f"ON q.rowid = questions_fts.rowid WHERE questions_fts MATCH ? AND {where}"
        )
        return int(connection.execute(sql, [query, *params]).fetchone()[0])
    except sqlite3.OperationalError as exc:
        if str(exc) == "interrupted":  # a time limit (a web page's count), not the query
            raise
        raise _invalid_query(query, exc) from None
    finally:
        connection.close()


def _invalid_query(query: str, exc: sqlite3.OperationalError) -> UsageError:
    return UsageError(
        f'invalid search query {query!r} ({exc}); use words, "exact phrases", '
        "OR, NOT, and prefix* (SQLite FTS5 syntax)"
    )


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
    marks: tuple[str, str],
) -> Iterator[dict[str, Any]]:
    # snippet() column -1: the best-matching column; matches are marked **like
    # this**, which every output format can carry and a terminal can highlight.
    select, select_params = _select(today)
    sql = (
        f"SELECT {select}, snippet(questions_fts, -1, ?, ?, '…', 12) AS snippet, "
        f"q.rowid AS found_rowid FROM questions_fts {_FTS_FIRST} questions q "
        f"ON q.rowid = questions_fts.rowid WHERE questions_fts MATCH ? AND {where}"
    )
    arguments = [*select_params, *marks, query, *params]
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
