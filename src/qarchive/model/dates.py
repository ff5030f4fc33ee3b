"""The dates and times every command accepts: ``2026-11-01``, or a time back from now: ``7d``.

``list --since``, ``stats --until``, ``digest --since``... all read their value
here, so that what one command takes, every command takes.
"""

from __future__ import annotations

import datetime as dt
import re

from qarchive.errors import UsageError

__all__ = ["DATE_SYNTAX", "parse_day", "parse_moment"]

DATE_SYNTAX = "YYYY-MM-DD, or a time back from now such as 7d, 12h or 2w"
_DURATION = re.compile(r"(\d{1,5})\s*([hdw])", re.IGNORECASE)
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def parse_moment(text: str, *, now: dt.datetime) -> dt.datetime:
    """``1d``, ``12h``, ``2w`` back from ``now``, or a date (midnight UTC) or an ISO datetime.

    Example:
        >>> now = dt.datetime(2026, 11, 23, 3, 30, tzinfo=dt.UTC)
        >>> parse_moment("1d", now=now).isoformat()
        '2026-11-22T03:30:00+00:00'
        >>> parse_moment("2026-11-01", now=now).isoformat()
        '2026-11-01T00:00:00+00:00'

    Raises:
        UsageError: the text is neither.
    """
    value = text.strip()
    match = _DURATION.fullmatch(value)
    if match:
        amount, unit = int(match.group(1)), match.group(2).lower()
        return now - dt.timedelta(**{_UNITS[unit]: amount})
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{text!r} is not a date: expected {DATE_SYNTAX}") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def parse_day(text: str, *, today: dt.date) -> dt.date:
    """The day ``text`` names: a date, or so many days (or weeks) back from ``today``.

    Hours count back from the end of ``today``: ``12h`` is today, ``36h`` yesterday.

    Example:
        >>> parse_day("7d", today=dt.date(2026, 11, 23))
        datetime.date(2026, 11, 16)

    Raises:
        UsageError: the text names no day.
    """
    end_of_today = dt.datetime.combine(today, dt.time(23, 59, 59), tzinfo=dt.UTC)
    return parse_moment(text, now=end_of_today).astimezone(dt.UTC).date()
