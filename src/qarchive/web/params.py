"""A page's query parameters, read into the library's values; bad ones are a clear 400.

The list takes the filters of ``qarchive list`` under the same names
(``?unanswered=1&ministry=intérieur&since=2024-01-01``), plus ``sort``, ``page``
and ``size``; the search adds ``q``; the stats take the filters alone. An
unknown parameter is refused rather than ignored: ``?ministery=…`` showing
every question would mislead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from qarchive.errors import UsageError
from qarchive.follow.choices import DEFAULT_FEED_DAYS
from qarchive.index.choices import SortKey
from qarchive.index.filters import Filters
from qarchive.model.ids import parse_chamber

__all__ = [
    "DEFAULT_SIZE",
    "FILTER_NAMES",
    "MAX_SIZE",
    "BadParameter",
    "ListParams",
    "read_filters",
    "read_list_params",
]

DEFAULT_SIZE = 50  # rows a page
MAX_SIZE = 500
# The filters of qarchive list, each a query parameter of the same name.
FILTER_NAMES = tuple(field.name for field in fields(Filters))
_FLAGS = ("unanswered", "answered", "overdue")
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"", "0", "false", "no", "off"}


class BadParameter(UsageError):
    """A query parameter the page cannot use (HTTP 400)."""


@dataclass(frozen=True, slots=True)
class ListParams:
    """What a list or search page shows: filters, order, page, rows a page, search, feed days."""

    filters: Filters
    sort: SortKey = SortKey.PUBLISHED
    page: int = 1
    size: int = DEFAULT_SIZE
    query: str | None = None
    days: int = DEFAULT_FEED_DAYS

    @property
    def offset(self) -> int:
        """Rows before this page."""
        return (self.page - 1) * self.size

    def query_args(self, **changes: Any) -> dict[str, str]:
        """The parameters that give this page again (with ``changes``), defaults left out."""
        args: dict[str, str] = {}
        if self.query is not None:
            args["q"] = self.query
        args.update(filter_args(self.filters))
        values = {"sort": self.sort.value, "page": self.page, "size": self.size, **changes}
        defaults = {"sort": SortKey.PUBLISHED.value, "page": 1, "size": DEFAULT_SIZE}
        for name, value in values.items():
            if value is not None and str(value) != str(defaults.get(name)):
                args[name] = str(value)
        return args


def filter_args(filters: Filters) -> dict[str, str]:
    """The query parameters naming ``filters`` (only those set)."""
    args: dict[str, str] = {}
    for name in FILTER_NAMES:
        value = getattr(filters, name)
        if value is True:
            args[name] = "1"
        elif value not in (None, False, ""):
            args[name] = value.isoformat() if isinstance(value, dt.date) else str(value)
    return args


def read_filters(args: Mapping[str, str], *, allowed: tuple[str, ...] = ()) -> Filters:
    """The filters named by ``args``; other names than the filters and ``allowed`` are refused.

    Raises:
        BadParameter: an unknown name, or a value of the wrong kind.
    """
    unknown = sorted(set(args) - set(FILTER_NAMES) - set(allowed))
    if unknown:
        names = ", ".join((*FILTER_NAMES, *allowed))
        raise BadParameter(f"unknown parameter {unknown[0]!r}; this page takes: {names}")
    values: dict[str, Any] = {}
    for name in _FLAGS:
        if name in args:
            values[name] = _flag(name, args[name])
    if args.get("chamber"):
        values["chamber"] = _read("chamber", args["chamber"], _chamber, "an or senat")
    if args.get("legislature"):
        values["legislature"] = _whole("legislature", args["legislature"], low=1, high=999)
    for name in ("ministry", "author", "group"):
        if args.get(name, "").strip():
            values[name] = args[name].strip()
    for name in ("since", "until"):
        if args.get(name):
            values[name] = _read(name, args[name], dt.date.fromisoformat, "a date YYYY-MM-DD")
    filters = Filters(**values)
    if filters.unanswered and filters.answered:
        raise BadParameter("unanswered and answered exclude each other; pass one")
    if filters.since and filters.until and filters.since > filters.until:
        raise BadParameter(f"since ({filters.since}) is after until ({filters.until})")
    return filters


def read_list_params(args: Mapping[str, str], *, search: bool = False) -> ListParams:
    """A list page's parameters (a search page's with ``search``: ``q`` too).

    Raises:
        BadParameter: as :func:`read_filters`, or a bad sort, page, size or days.
    """
    own = ("q", "page", "size", "days") if search else ("sort", "page", "size", "days")
    filters = read_filters(args, allowed=own)
    sort = SortKey.PUBLISHED
    if args.get("sort"):
        choices = ", ".join(key.value for key in SortKey)
        sort = _read("sort", args["sort"], SortKey, f"one of {choices}")
    query = None
    if search:
        query = args.get("q", "").strip() or None
    return ListParams(
        filters=filters,
        sort=sort,
        page=_whole("page", args["page"], low=1, high=1_000_000) if args.get("page") else 1,
        size=_whole("size", args["size"], low=1, high=MAX_SIZE)
        if args.get("size")
        else DEFAULT_SIZE,
        query=query,
        days=_whole("days", args["days"], low=1, high=3650)
        if args.get("days")
        else DEFAULT_FEED_DAYS,
    )


def _flag(name: str, text: str) -> bool:
    folded = text.strip().lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise BadParameter(f"{name} must be 1 or 0 (true or false), got {text!r}")


def _chamber(text: str) -> str:
    return parse_chamber(text).value


def _read(name: str, text: str, parse: Callable[[str], Any], expected: str) -> Any:
    try:
        return parse(text.strip())
    except ValueError:
        raise BadParameter(f"{name} must be {expected}, got {text!r}") from None


def _whole(name: str, text: str, *, low: int, high: int) -> int:
    value = _read(name, text, int, "a whole number")
    if not low <= value <= high:
        raise BadParameter(f"{name} must be between {low} and {high}, got {text!r}")
    return int(value)
