"""The names of the columns qarchive writes, each with one meaning, and how values are written.

One vocabulary for every row a command prints or exports (``--format
json|jsonl|csv``, ``export``): a column has the same name and the same meaning in
``list``, ``search``, ``export``, ``watch list``, ``history``, ``fetch``... The
question columns are those of the index (:mod:`qarchive.index.rows`), so that a
listing's row is a part of an export's. In CSV, :func:`csv_cell` writes every
value the same way: ``true``/``false``, ISO dates, an empty cell for nothing, and
formulas neutralised (OWASP: a cell a spreadsheet would run gets a leading ``'``).

Light at import (no pydantic): the listings read it at start.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only for annotations: the listings import this module without pydantic
    from qarchive.model.question import Question

__all__ = [
    "COLUMNS",
    "DIFF_COLUMNS",
    "EXPORT_COLUMNS",
    "FETCH_COLUMNS",
    "HISTORY_COLUMNS",
    "LIST_COLUMNS",
    "PLAN_COLUMNS",
    "SEARCH_COLUMNS",
    "VERIFY_COLUMNS",
    "WATCH_COLUMNS",
    "Kind",
    "csv_cell",
    "days_shown",
    "json_value",
    "record_columns",
]


class Kind(StrEnum):
    """What a column holds (Parquet's types come from it)."""

    TEXT = "text"
    INT = "int"
    NUMBER = "number"
    DATE = "date"  # YYYY-MM-DD
    TIME = "time"  # ISO 8601 date and time, UTC
    BOOL = "bool"
    WORDS = "words"  # a list of names without spaces (field names, IDs)
    VALUE = "value"  # any JSON value (a field's old or new value)


# name -> (kind, meaning). A name is added here before any command writes it.
COLUMNS: dict[str, tuple[Kind, str]] = {
    # A question (the index's columns, and the export's).
    "id": (Kind.TEXT, "the question's ID: 15-12526QE, SEQ180304125"),
    "chamber": (Kind.TEXT, "an or senat"),
    "legislature": (Kind.INT, "the legislature it was asked in"),
    "number": (Kind.INT, "its number in the legislature (the Sénat's: in the year)"),
    "kind": (Kind.TEXT, "QE (written), QG (au Gouvernement), QOSD (oral without debate)"),
    "title": (Kind.TEXT, "its title (the Sénat's, or the AN's analysis)"),
    "rubrique": (Kind.TEXT, "its rubrique (subject heading)"),
    "author_name": (Kind.TEXT, "the author's name, as 'Ugo Bernalicis'"),
    "author_civility": (Kind.TEXT, "M. or Mme"),
    "author_ref": (Kind.TEXT, "the author's AN reference (PA…)"),
    "group_short": (Kind.TEXT, "the author's political group, short (LFI)"),
    "group_full": (Kind.TEXT, "the author's political group, in full"),
    "constituency": (Kind.TEXT, "the author's constituency or department"),
    "ministry_asked": (Kind.TEXT, "the ministry the question was put to"),
    "ministry_responding": (
        Kind.TEXT,
        "the ministry to answer (the one asked until another is named)",
    ),
    "published": (Kind.DATE, "when the question was published in the JO"),
    "published_page": (Kind.INT, "its page in the JO"),
    "answered": (Kind.DATE, "when the answer was published (empty if none)"),
    "answer_page": (Kind.INT, "the answer's page in the JO"),
    "answer_delay_days": (Kind.INT, "days from publication to answer"),
    "status": (Kind.TEXT, "pending, answered, withdrawn, lapsed or converted"),
    "closed": (Kind.DATE, "when it was closed (answered, withdrawn, lapsed, converted)"),
    "closed_reason": (Kind.TEXT, "why it was closed"),
    "deadline": (Kind.DATE, "when an answer is due (two months, or ten days once signalée)"),
    "question_text": (Kind.TEXT, "the question's text"),
    "answer_text": (Kind.TEXT, "the answer's text"),
    "url": (Kind.TEXT, "its page on the chamber's site"),
    "version": (Kind.INT, "the version number (v1, v2... of the archive)"),
    # Worked out on the day of the run.
    "days_waiting": (Kind.INT, "days a pending question has waited so far (empty otherwise)"),
    "overdue": (Kind.BOOL, "pending and past its deadline today"),
    "snippet": (Kind.TEXT, "the passage a search matched, matched words **like this**"),
    # watch list.
    "watched": (Kind.TEXT, "what a watch list row is: question or search"),
    "query": (Kind.TEXT, "a saved search's full-text query"),
    "author_filter": (Kind.TEXT, "a saved search's author filter"),
    "ministry_filter": (Kind.TEXT, "a saved search's ministry filter"),
    "added_at": (Kind.TIME, "when it was added to the watchlist"),
    # history, fetch, refresh.
    "fetched_at": (Kind.TIME, "when the version was fetched"),
    "changed": (Kind.WORDS, "the fields that changed from the version before"),
    "outcome": (Kind.TEXT, "what a fetch did: new, updated, unchanged or failed"),
    "error": (Kind.TEXT, "why it failed (empty if it did not)"),
    # diff, verify.
    "field": (Kind.TEXT, "a field of the record, dotted: answer.published.date"),
    "old": (Kind.VALUE, "its value in the older version (JSON)"),
    "new": (Kind.VALUE, "its value in the newer version (JSON)"),
    "path": (Kind.TEXT, "a file of the archive"),
    "problem": (Kind.TEXT, "what is wrong with it"),
    "repairable": (Kind.BOOL, "verify --repair fixes it"),
    # verify --fields (its rows come from qarchive.jobs.fields).
    "mandatory": (Kind.BOOL, "the field must be in every record it applies to"),
    "present": (Kind.INT, "how many of the records have the field"),
    "total": (Kind.INT, "how many records the field applies to"),
    "percent": (Kind.NUMBER, "present / total, in percent"),
    "missing_examples": (Kind.WORDS, "a few IDs of records without the field"),
    "not_in_source": (Kind.INT, "how many of the records come from a source that cannot hold it"),
    "not_in_source_why": (Kind.TEXT, "why those sources cannot hold it (CSV: joined by ' | ')"),
}

LIST_COLUMNS = (
    "id",
    "chamber",
    "legislature",
    "number",
    "kind",
    "published",
    "days_waiting",
    "overdue",
    "status",
    "answered",
    "answer_delay_days",
    "deadline",
    "author_civility",
    "author_name",
    "author_ref",
    "group_short",
    "group_full",
    "ministry_asked",
    "ministry_responding",
    "title",
    "rubrique",
    "url",
)
SEARCH_COLUMNS = (*LIST_COLUMNS, "snippet")
EXPORT_COLUMNS = (
    "id",
    "chamber",
    "legislature",
    "number",
    "kind",
    "title",
    "rubrique",
    "author_name",
    "author_civility",
    "author_ref",
    "group_short",
    "group_full",
    "constituency",
    "ministry_asked",
    "ministry_responding",
    "published",
    "published_page",
    "answered",
    "answer_page",
    "answer_delay_days",
    "status",
    "closed",
    "closed_reason",
    "deadline",
    "question_text",
    "answer_text",
    "url",
    "version",
)
WATCH_COLUMNS = (
    "watched",
    "id",
    "status",
    "published",
    "days_waiting",
    "overdue",
    "answer_delay_days",
    "author_civility",
    "author_name",
    "ministry_responding",
    "title",
    "query",
    "author_filter",
    "ministry_filter",
    "added_at",
)
HISTORY_COLUMNS = ("id", "version", "fetched_at", "status", "answered", "changed")
FETCH_COLUMNS = ("id", "outcome", "version", "changed", "error")
PLAN_COLUMNS = ("id",)  # refresh --dry-run
DIFF_COLUMNS = ("field", "old", "new")
VERIFY_COLUMNS = ("path", "problem", "repairable")


def days_shown(row: dict[str, Any]) -> tuple[str, str]:
    """A listing row's "days", as the terminal and the web view show it, and its state.

    Days waiting so far (state ``overdue`` past the deadline, else ``waiting``),
    ``✓ N`` for the days the answer took (``answered``), else ``—`` (``closed``).

    Example:
        >>> days_shown({"days_waiting": 70, "overdue": True}), days_shown({"answer_delay_days": 9})
        (('70', 'overdue'), ('✓ 9', 'answered'))
    """
    if row.get("days_waiting") is not None:
        return str(row["days_waiting"]), "overdue" if row.get("overdue") else "waiting"
    if row.get("answer_delay_days") is not None:
        return f"✓ {row['answer_delay_days']}", "answered"
    return "—", "closed"


def record_columns(record: Question) -> dict[str, Any]:
    """A record's flat question columns, dates as dates: the index's row and the export's.

    The title is what listings show (:meth:`~qarchive.model.question.Question.shown_title`),
    the ministry responding the one shown (``shown_ministry``), the constituency
    else the department.
    """
    author, group, answer, closed = record.author, record.author.group, record.answer, record.closed
    asked, shown = record.ministry_asked, record.shown_ministry()
    return {
        "id": record.id,
        "chamber": record.chamber.value,
        "legislature": record.legislature,
        "number": record.number,
        "kind": record.kind,
        "title": record.shown_title(),
        "rubrique": record.rubrique,
        "author_name": author.name,
        "author_civility": author.civility,
        "author_ref": author.ref,
        "group_short": group.short if group else None,
        "group_full": group.full if group else None,
        "constituency": author.constituency or author.department,
        "ministry_asked": asked.name if asked else None,
        "ministry_responding": shown.name if shown else None,
        "published": record.published.date,
        "published_page": record.published.page,
        "answered": answer.published.date if answer else None,
        "answer_page": answer.published.page if answer else None,
        "answer_delay_days": record.answer_delay_days(),
        "deadline": record.deadline(),
        "status": record.status.value,
        "closed": closed.date if closed else None,
        "closed_reason": (closed.reason or closed.code) if closed else None,
        "url": record.url,
    }


# A cell a spreadsheet reads as a formula (OWASP "CSV injection"): =, +, -, @, and
# tab or carriage return before one of them.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def json_value(value: Any) -> Any:
    """``value`` as JSON writes it: dates in ISO 8601, the rest as is."""
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def csv_cell(value: Any, *, raw: bool = False) -> str | int | float:
    r"""One CSV cell, written the same way by every command.

    Nothing is an empty cell; ``true``/``false`` as in JSON; dates in ISO 8601;
    a list of words joined by spaces, any other list or object as JSON. A text a
    spreadsheet would run as a formula gets a ``'`` in front, unless ``raw``.

    Example:
        >>> csv_cell(True), csv_cell(None), csv_cell(["answer", "status"])
        ('true', '', 'answer status')
        >>> csv_cell('=HYPERLINK("http://x")'), csv_cell(-3)
        ('\'=HYPERLINK("http://x")', -3)
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | dict):
        words = isinstance(value, list | tuple) and all(
            isinstance(item, str) and item and not any(c.isspace() for c in item) for item in value
        )
        text = " ".join(value) if words else json.dumps(json_value(value), ensure_ascii=False)
    else:
        text = str(value)
    if not raw and text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text
