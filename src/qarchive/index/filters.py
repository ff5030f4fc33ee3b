"""What to keep: the filters of ``list``, ``search``, ``stats`` and ``export``, as SQL.

Text filters (``--ministry``, ``--author``, ``--group``) are case- and
accent-insensitive substrings, matched against the few folded values of
``filter_values`` first (:func:`match_filter_values`) so that the column's index
serves them. Filters on status, chamber and legislature alone can be answered by
the tables of counts (:func:`tally_selection`).
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from qarchive.errors import UsageError
from qarchive.index.rows import TEXT_FILTERS, fold

__all__ = [
    "NOT_YET_DUE_INDEX",
    "Filters",
    "Matches",
    "filter_clause",
    "match_filter_values",
    "tally_selection",
]


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

    def where(
        self, today: dt.date, *, values: Mapping[str, Sequence[str]] | None = None
    ) -> tuple[str, list[Any]]:
        """The SQL condition and its parameters over the ``questions`` table (alias q).

        A text filter keeps the questions whose folded column is one of the values
        of ``filter_values`` that contain the folded text, so that the column's
        index serves it. ``values`` gives those values already looked up
        (:func:`match_filter_values`), as literals the query planner can weigh.
        """
        if self.unanswered and self.answered:
            raise UsageError("--unanswered and --answered exclude each other; pass one")
        if self.since is not None and self.until is not None and self.since > self.until:
            raise UsageError(
                f"--since {self.since} is after --until {self.until}: no question can match"
            )
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
        for name, column in TEXT_FILTERS.items():
            text = getattr(self, name)
            if not text:
                continue
            if values is None:
                clauses.append(
                    f"q.{column} IN (SELECT folded FROM filter_values "
                    "WHERE filter = ? AND folded LIKE ? ESCAPE '\\')"
                )
                params += [name, _like_pattern(text)]
            else:
                found = values[name]
                clauses.append(f"q.{column} IN ({', '.join('?' for _ in found)})")
                params += found
        if self.since is not None:
            clauses.append("q.published >= ?")
            params.append(self.since.isoformat())
        if self.until is not None:
            clauses.append("q.published <= ?")
            params.append(self.until.isoformat())
        return " AND ".join(clauses), params

    def text_filters(self) -> dict[str, str]:
        """The text filters given: filter name (``ministry``...) → text."""
        return {name: getattr(self, name) for name in TEXT_FILTERS if getattr(self, name)}

    def only(self, *names: str) -> bool:
        """True when no filter is set but (some of) ``names``."""
        return all(field.name in names or not getattr(self, field.name) for field in fields(self))

    def tallied(self) -> bool:
        """True when the index's tables of counts can answer these filters."""
        return self.only(*_TALLIED_FILTERS) and not (self.overdue and self.answered)

    def not_yet_due(self, today: dt.date) -> tuple[str, list[Any]]:
        """The condition (over ``questions`` q) for the pending questions not due by ``today``.

        The tables of counts count pending questions, not which are overdue today:
        ``--overdue`` counts are the pending ones less these, published in the last
        two months (a short range of the index on status and deadline).
        """
        where, params = replace(self, overdue=False).where(today)
        return f"{where} AND q.status = 'pending' AND q.deadline >= ?", [*params, today.isoformat()]


# The index the not-yet-due questions are read by (a short range of it): named,
# because SQLite would otherwise walk a whole legislature by its own index.
NOT_YET_DUE_INDEX = "INDEXED BY questions_status_deadline"

# What the tables of counts (stats_totals, stats_tallies) are kept by.
_TALLIED_FILTERS = ("unanswered", "answered", "overdue", "chamber", "legislature")


def tally_selection(filters: Filters, grouping: str) -> tuple[str, str, list[Any]]:
    """The table of counts, condition and parameters for ``filters``' rows of ``grouping``.

    ``stats_totals`` when neither chamber nor legislature is filtered (a third of
    the rows of ``stats_tallies``), else ``stats_tallies``. ``--overdue`` selects
    every pending question: take off :meth:`Filters.not_yet_due`. Only for
    filters that are :meth:`Filters.tallied`.
    """
    table = "stats_totals"
    clauses, params = ["grouping = ?"], [grouping]
    for column in ("chamber", "legislature"):
        if getattr(filters, column) is not None:
            table = "stats_tallies"
            clauses.append(f"{column} = ?")
            params.append(getattr(filters, column))
    if filters.unanswered or filters.answered or filters.overdue:
        clauses.append("status = ?")
        params.append("answered" if filters.answered else "pending")
    return table, " AND ".join(clauses), params


def _like_pattern(text: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", fold(text)) + "%"


# A query holds at most this many values per text filter; a text matching more
# (``--author a``) is matched with the subquery instead.
_MAX_VALUES = 500


@dataclass(frozen=True, slots=True)
class Matches:
    """The folded values each text filter matches, and how many questions have them."""

    values: dict[str, list[str]]
    counts: dict[str, int]

    @property
    def empty(self) -> bool:
        """True when a text filter matches no value: no question can match."""
        return any(not found for found in self.values.values())

    def most_selective(self) -> tuple[str, int] | None:
        """The text filter matching the fewest questions, and their number."""
        if not self.counts:
            return None
        name = min(self.counts, key=self.counts.__getitem__)
        return name, self.counts[name]


def match_filter_values(connection: sqlite3.Connection, filters: Filters) -> Matches | None:
    """Look up the folded values matching each text filter (None when one matches too many).

    A handful of rows of ``filter_values`` instead of a LIKE over every question.
    """
    values: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    for name, text in filters.text_filters().items():
        found = connection.execute(
            "SELECT folded, questions FROM filter_values "
            "WHERE filter = ? AND folded LIKE ? ESCAPE '\\'",
            (name, _like_pattern(text)),
        ).fetchall()
        if len(found) > _MAX_VALUES:
            return None
        values[name] = [row[0] for row in found]
        counts[name] = sum(row[1] for row in found)
    return Matches(values, counts)


def filter_clause(
    connection: sqlite3.Connection, filters: Filters, today: dt.date
) -> tuple[str, list[Any], Matches | None] | None:
    """The WHERE clause of ``filters`` over ``questions q``, its parameters, the looked-up values.

    The text filters are matched first against the values the index holds
    (:func:`match_filter_values`), so the clause compares with those. None when
    a text filter matches no value: no row can match.
    """
    matches = match_filter_values(connection, filters)
    if matches is not None and matches.empty:
        return None
    where, params = filters.where(today, values=None if matches is None else matches.values)
    return where, list(params), matches
