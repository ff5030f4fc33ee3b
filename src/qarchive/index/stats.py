"""Answer rates and delays, overall or per ministry, group or author, from the index.

Every question matching the filters counts, whatever its status: lapsed,
withdrawn and converted questions stay in ``questions`` and so in the answer
rate's denominator, because users distrust rates that quietly drop the
questions a ministry let lapse.

Definitions (one row per group):

- ``answered``: questions whose status is answered; ``answer_rate`` is
  ``answered / questions``, rounded to 4 decimals (None when no question).
- ``median_delay_days``, ``p90_delay_days``: over the answered questions with
  an answer date, days from publication to answer, by **linear interpolation**
  between closest ranks (the 0.5 and 0.9 quantiles of
  ``statistics.quantiles(..., method="inclusive")``, NumPy's default): the
  median of 10, 20, 30, 40 is 25.0, their 90th percentile 37.0. Delays are
  whole days, so the interpolation has at most one decimal: the figures are
  rounded to 0.1 day (which drops only floating-point noise).
- ``answered_within_2_months``: answered on or before publication + 2 calendar
  months (:func:`qarchive.model.question.add_months`, so 31 Dec + 2 months is the end of
  February). This is the rule of the règlements, not the stored ``deadline``,
  which a signalement can shorten to ten days: a ministry that answers a
  signalée question in a month did answer within two months.
- ``overdue_now``: pending and past the deadline today (signalements count
  here, as in ``list --overdue``).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from qarchive.index.choices import StatsGroup
from qarchive.index.filters import (
    NOT_YET_DUE_INDEX,
    Filters,
    match_filter_values,
    tally_selection,
)
from qarchive.index.query import IndexSource
from qarchive.index.rows import fold
from qarchive.index.tallies import TALLY_GROUPINGS, UNKNOWN, within_two_months_sql

_ANSWERED, _PENDING = "answered", "pending"  # qarchive.model.question.Status, without pydantic

__all__ = ["STATS_COLUMNS", "StatsRow", "compute_stats"]


@dataclass(frozen=True, slots=True)
class StatsRow:
    """The figures of one group (or of everything, named ``all``)."""

    name: str | None  # ministry, group or author name as published; None when unknown
    ref: (
        str | None
    )  # the author's PA… or the ministry's PO… reference (``--by author|ministry-ref``)
    questions: int
    answered: int
    pending: int
    withdrawn: int
    lapsed: int
    converted: int
    answer_rate: float | None  # answered / questions
    median_delay_days: float | None
    p90_delay_days: float | None
    answered_within_2_months: int
    overdue_now: int

    def as_row(self) -> dict[str, Any]:
        """The row as a dict in :data:`STATS_COLUMNS` order, for any output format."""
        return {name: getattr(self, name) for name in STATS_COLUMNS}


STATS_COLUMNS = tuple(column.name for column in fields(StatsRow))

# For each grouping: the SQL expression grouped on, and the name and ref shown.
_GROUPINGS: dict[StatsGroup | None, tuple[str, str, str]] = {
    None: ("'all'", "'all'", "NULL"),
    StatsGroup.MINISTRY: ("q.ministry_responding", "q.ministry_responding", "NULL"),
    StatsGroup.MINISTRY_REF: (
        "COALESCE(q.ministry_ref, q.ministry_responding)",
        "MAX(q.ministry_responding)",
        "MAX(q.ministry_ref)",
    ),
    StatsGroup.GROUP: (
        "COALESCE(q.group_short, q.group_full)",
        "COALESCE(q.group_short, q.group_full)",
        "NULL",
    ),
    # Keyed by reference, not name: homonyms exist (two deputies named Alexandra Martin).
    StatsGroup.AUTHOR: (
        "COALESCE(q.author_ref, q.author_name)",
        "MAX(q.author_name)",
        "MAX(q.author_ref)",
    ),
}


def compute_stats(
    archive: IndexSource, filters: Filters, *, by: StatsGroup | None = None, today: dt.date
) -> list[StatsRow]:
    """Answer figures for the questions matching ``filters``, most questions first.

    One query over the index, grouped by (group, status, answer delay): each
    status count comes from the grouping, and the answered rows give each
    group's histogram of delays (whole days), from which the percentiles are
    exact without fetching one row per question.

    Args:
        archive: The archive whose index is read (rebuilt first if outdated).
        filters: Which questions count (the same filters as ``list``).
        by: Group on this; ``None`` gives one row named ``all``. ``MINISTRY_REF``
            groups by the AN's reference of the ministry (by name where there is
            none) and names each by the name its latest question gives it.
        today: The date ``overdue_now`` is judged against.

    Returns:
        One row per group, sorted by questions (descending) then name (ignoring
        case and accents), unknown names last; without
        ``by``, exactly one row, with zero counts when nothing matches.

    Raises:
        UsageError: contradictory filters.

    Example:
        >>> rows = compute_stats(archive, Filters(legislature=16), by=StatsGroup.MINISTRY,
        ...                      today=dt.date.today())  # doctest: +SKIP
        >>> rows[0].name, rows[0].answer_rate, rows[0].median_delay_days  # doctest: +SKIP
        ('Intérieur', 0.61, 98.0)
    """
    filters.where(today)  # a usage error before the index is opened
    connection = archive.open_index()
    try:
        if filters.tallied():
            tallies = _add_up_tallies(connection, filters, by, today)
        else:
            tallies = _add_up_questions(connection, filters, by, today)
        if by is StatsGroup.MINISTRY_REF:
            _name_by_latest(connection, tallies.values())
    finally:
        connection.close()
    if by is None and not tallies:
        tallies["all"] = _Tally(name="all")
    rows = [tally.row() for tally in tallies.values()]
    # Ties in alphabetical order ignoring case and accents ("Économie" with the E's).
    return sorted(rows, key=lambda row: (-row.questions, row.name is None, fold(row.name)))


def _add_up_tallies(
    connection: sqlite3.Connection, filters: Filters, by: StatsGroup | None, today: dt.date
) -> dict[Any, _Tally]:
    """The groups' figures from the tables of counts: a few thousand rows, not every question.

    The tables count pending questions but cannot know which are overdue today;
    those not yet due are counted from the questions and taken off.
    """
    grouping = by.value if by is not None else "all"
    table, where, params = tally_selection(filters, grouping)
    tallies: dict[Any, _Tally] = {}
    # One row per group and status, the answered questions' delays packed in one
    # "days count days count ..." string: a row per delay meant decoding the
    # group's name 15,000 times for --by ministry, most of the time taken.
    for key, name, ref, status, count, within, delays in connection.execute(
        "SELECT key, name, ref, status, sum(questions), sum(within * questions), "
        f"group_concat(CASE WHEN status = '{_ANSWERED}' AND typeof(delay) = 'integer' "
        "THEN delay || ' ' || questions END, ' ') "
        f"FROM {table} WHERE {where} "
        "GROUP BY key, name, ref, status",  # the order of the table's key: no sort
        params,
    ):
        tally = tallies.get(key) or tallies.setdefault(key, _Tally())
        tally.spelt(_known(name), _known(ref))
        tally.statuses[status] += count
        tally.within += within
        if status == _PENDING:
            tally.overdue += count  # until the not-yet-due are taken off, below
        if delays:
            numbers = [int(number) for number in delays.split()]
            tally.delays += zip(numbers[::2], numbers[1::2], strict=True)
    not_due, not_due_params = filters.not_yet_due(today)
    key_sql = TALLY_GROUPINGS[grouping][0].format(r="q")
    for key, count in connection.execute(
        f"SELECT ifnull({key_sql}, x''), count(*) FROM questions q {NOT_YET_DUE_INDEX} "
        f"WHERE {not_due} GROUP BY 1",
        not_due_params,
    ):
        tallies[key].overdue -= count
        if filters.overdue:  # --overdue: the pending questions, less those not yet due
            tallies[key].statuses[_PENDING] -= count
    return {_known(key): tally for key, tally in tallies.items() if tally.statuses.total()}


def _name_by_latest(connection: sqlite3.Connection, tallies: Iterable[_Tally]) -> None:
    """Name each ministry counted by reference by the name of its latest question.

    One lookup per reference on the index of (ministry_ref, published): a few
    hundred references, never a row per question.
    """
    for tally in tallies:
        if tally.ref is None:
            continue
        found = connection.execute(
            "SELECT ministry_responding FROM questions INDEXED BY questions_ministry_ref "
            "WHERE ministry_ref = ? ORDER BY published DESC LIMIT 1",
            (tally.ref,),
        ).fetchone()
        if found is not None and found[0]:
            tally.name = found[0]


def _known(value: Any) -> Any:
    return None if value == UNKNOWN and isinstance(value, bytes) else value


def _add_up_questions(
    connection: sqlite3.Connection, filters: Filters, by: StatsGroup | None, today: dt.date
) -> dict[Any, _Tally]:
    """The groups' figures from the matching questions, grouped by (group, status, delay)."""
    matches = match_filter_values(connection, filters)
    where, params = filters.where(today, values=None if matches is None else matches.values)
    key, name, ref = _GROUPINGS[by]
    # The unary + keeps SQLite from walking an index (status, ...) in group order
    # and reading every row through it: a plain scan and a sort are several times
    # faster.
    group_by = ", ".join(["+q.status", "+q.answer_delay_days"] + ([f"+{key}"] if by else []))
    sql = (
        f"SELECT {key}, {name}, {ref}, q.status, q.answer_delay_days, count(*), "
        f"sum(q.status = 'pending' AND q.deadline < ?), sum({within_two_months_sql('q')}) "
        f"FROM questions q WHERE {where} GROUP BY {group_by}"
    )
    # Sorting many rows for the GROUP BY is most of the time; SQLite's sorter can
    # share it with helper threads (a third faster on 2 cores).
    connection.execute(f"PRAGMA threads = {min(4, os.cpu_count() or 1)}")
    tallies: dict[Any, _Tally] = {}
    for found in connection.execute(sql, [today.isoformat(), *params]):
        tallies.setdefault(found[0], _Tally()).add(*found[1:])
    return tallies


@dataclass(slots=True)
class _Tally:
    """The figures of one group, added up from its (status, delay) rows."""

    name: str | None = None
    ref: str | None = None
    statuses: Counter[str] = field(default_factory=Counter)
    delays: list[tuple[int, int]] = field(default_factory=list)  # (days, how many)
    overdue: int = 0
    within: int = 0

    def add(
        self,
        name: str | None,
        ref: str | None,
        status: str,
        delay: int | None,
        count: int,
        overdue: int,
        within: int,
    ) -> None:
        self.spelt(name, ref)
        self.statuses[status] += count
        if status == _ANSWERED and delay is not None:
            self.delays.append((delay, count))
        self.overdue += overdue
        self.within += within

    def spelt(self, name: str | None, ref: str | None) -> None:
        """Note a spelling of the group's name and its reference."""
        # An author keyed by reference may be spelt differently over the years:
        # keep one spelling, the same on every run.
        self.name = max(filter(None, (self.name, name)), default=None)
        self.ref = ref or self.ref

    def row(self) -> StatsRow:
        questions, answered = self.statuses.total(), self.statuses[_ANSWERED]
        histogram = sorted(self.delays)
        return StatsRow(
            name=self.name,
            ref=self.ref,
            questions=questions,
            answered=answered,
            pending=self.statuses[_PENDING],
            withdrawn=self.statuses["withdrawn"],
            lapsed=self.statuses["lapsed"],
            converted=self.statuses["converted"],
            answer_rate=round(answered / questions, 4) if questions else None,
            median_delay_days=_quantile(histogram, 0.5),
            p90_delay_days=_quantile(histogram, 0.9),
            answered_within_2_months=self.within,
            overdue_now=self.overdue,
        )


def _quantile(histogram: Sequence[tuple[int, int]], fraction: float) -> float | None:
    """The ``fraction`` quantile of the values ``histogram`` counts, interpolated linearly.

    ``histogram`` is ``(value, count)`` pairs in ascending value order; the
    quantile sits at position ``(n - 1) * fraction`` of the sorted values.
    """
    total = sum(count for _, count in histogram)
    if not total:
        return None
    position = (total - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    low_value, high_value = _value_at(histogram, low), _value_at(histogram, high)
    return round(low_value + (high_value - low_value) * (position - low), 1)


def _value_at(histogram: Sequence[tuple[int, int]], rank: int) -> float:
    # The value at 0-based ``rank`` of the sorted values the histogram stands for.
    seen = 0
    for value, count in histogram:
        seen += count
        if rank < seen:
            return float(value)
    raise IndexError(rank)
