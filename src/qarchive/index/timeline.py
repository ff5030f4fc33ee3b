"""The archive over time, month by month: questions published, answers, overdue questions.

What the web view's charts draw. A question is overdue from the day after its
deadline until it ends (its answer, or its closure: withdrawn, lapsed,
converted) or, pending, until today; the overdue figure of a month is the count
on its last day (on today, for the current month), so that its last point is
the ``overdue_now`` of :mod:`qarchive.index.stats`.

Also: which chambers and legislatures the archive holds, from the tables of counts.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from qarchive.index.filters import Filters, filter_clause
from qarchive.index.query import IndexSource

__all__ = ["MonthRow", "monthly_activity"]


@dataclass(frozen=True, slots=True)
class MonthRow:
    """One month: ``YYYY-MM``, questions published, answers published, overdue at its end."""

    month: str
    published: int
    answered: int
    overdue: int


# When a question stops being overdue: its answer, else its closure (None: never).
_END = "COALESCE(q.answered, CASE WHEN q.status != 'pending' THEN COALESCE(q.closed, '') END)"


def monthly_activity(archive: IndexSource, filters: Filters, *, today: dt.date) -> list[MonthRow]:
    """Month by month, from the first publication to today, for the questions matching ``filters``.

    One pass over the matching questions, grouped by the months of their
    publication, answer, deadline and end: a few thousand groups, whatever the
    number of questions.

    Raises:
        UsageError: contradictory filters.
    """
    filters.where(today)  # a usage error before the index is opened
    now = today.isoformat()
    connection = archive.open_index()
    try:
        clause = filter_clause(connection, filters, today)
        if clause is None:
            return []
        where, params, _ = clause
        # A question closed without a date ('') ends at once: it is counted nowhere.
        sql = (
            f"SELECT substr(q.published, 1, 7), substr(q.answered, 1, 7), "
            f"substr(q.deadline, 1, 7), substr({_END}, 1, 7), "
            f"q.deadline < ? AND ({_END} IS NULL OR {_END} > ?), count(*) "
            f"FROM questions q WHERE {where} GROUP BY 1, 2, 3, 4, 5"
        )
        found = connection.execute(sql, [now, now, *params]).fetchall()
    finally:
        connection.close()
    return _months(found, today)


def _months(
    found: list[tuple[str, str | None, str, str | None, int, int]], today: dt.date
) -> list[MonthRow]:
    published: Counter[str] = Counter()
    answered: Counter[str] = Counter()
    starts: Counter[str] = Counter()  # overdue from the end of this month (deadline month)
    stops: Counter[str] = Counter()  # no longer overdue at the end of this month
    late_now = 0
    for pub, ans, due, end, late, count in found:
        published[pub] += count
        if ans:
            answered[ans] += count
        late_now += count if late else 0
        if end == "" or (end is not None and end <= due):
            continue  # ended by its deadline's month: never overdue at a month's end
        starts[due] += count
        if end is not None:
            stops[end] += count
    if not published:
        return []
    current = today.isoformat()[:7]
    rows, overdue = [], 0
    for month in _month_range(min(published), current):
        overdue += starts[month] - stops[month]
        figure = late_now if month == current else overdue
        rows.append(MonthRow(month, published[month], answered[month], figure))
    return rows


def _month_range(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while (label := f"{year:04d}-{month:02d}") <= last:
        months.append(label)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
