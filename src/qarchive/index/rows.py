"""What the index holds for one question: its ``questions`` row and its full text.

The row of a question's latest version (:func:`index_row`), with folded copies of
the author, group and ministry for accent- and case-insensitive filters
(:func:`fold`), and the texts of ``questions_fts``. :class:`IndexEntry` carries both
as plain values, so that a worker process of a bulk import can compute it.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING, Any, NamedTuple

from qarchive.model.columns import record_columns
from qarchive.model.folding import fold

if TYPE_CHECKING:  # only for annotations: reading the index needs no pydantic models
    from qarchive.model.question import Question

__all__ = [
    "COLUMNS",
    "COLUMN_NAMES",
    "FTS_COLUMNS",
    "TEXT_FILTERS",
    "IndexEntry",
    "IndexRow",
    "fold",
    "index_entry",
    "index_row",
]

IndexRow = dict[str, Any]

COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "TEXT PRIMARY KEY"),
    ("chamber", "TEXT NOT NULL"),
    ("legislature", "INTEGER NOT NULL"),
    ("number", "INTEGER NOT NULL"),
    ("kind", "TEXT NOT NULL"),
    ("title", "TEXT"),
    ("rubrique", "TEXT"),
    ("author_name", "TEXT"),
    ("author_civility", "TEXT"),
    ("author_ref", "TEXT"),
    ("group_short", "TEXT"),
    ("group_full", "TEXT"),
    ("constituency", "TEXT"),
    ("ministry_asked", "TEXT"),
    ("ministry_responding", "TEXT"),
    # The AN organe reference (PO…) of the ministry in ministry_responding: stable
    # where the name changes with governments (stats --by ministry-ref).
    ("ministry_ref", "TEXT"),
    ("published", "TEXT NOT NULL"),  # ISO dates sort and compare as text
    ("published_page", "INTEGER"),
    ("answered", "TEXT"),
    ("answer_page", "INTEGER"),
    ("answer_delay_days", "INTEGER"),
    ("deadline", "TEXT NOT NULL"),
    ("status", "TEXT NOT NULL"),
    ("closed", "TEXT"),
    ("closed_reason", "TEXT"),
    ("url", "TEXT NOT NULL"),
    ("version", "INTEGER NOT NULL"),
    ("fetched_at", "TEXT NOT NULL"),
    # Folded copies (no accents, case-folded) for accent-insensitive filters.
    ("author_search", "TEXT"),
    ("group_search", "TEXT"),
    ("ministry_search", "TEXT"),
)
COLUMN_NAMES = tuple(name for name, _ in COLUMNS)
FTS_COLUMNS = ("title", "rubrique", "analysis", "question", "answer")

# The text filters (--ministry, --author, --group) and the folded column each reads.
TEXT_FILTERS: dict[str, str] = {
    "ministry": "ministry_search",
    "author": "author_search",
    "group": "group_search",
}


# The columns of record_columns the index keeps as ISO text.
_DATES = ("published", "answered", "deadline", "closed")
# The same few hundred names recur in every row of a bulk import: fold each once.
_fold_name = functools.lru_cache(maxsize=16384)(fold)


def index_row(record: Question, *, version: int, fetched_at: dt.datetime) -> IndexRow:
    """The ``questions`` row of a record (its latest version)."""
    row = record_columns(record)
    for name in _DATES:
        if row[name] is not None:
            row[name] = row[name].isoformat()
    author, group = record.author, record.author.group
    asked, responding = row["ministry_asked"], row["ministry_responding"]
    row.update(
        ministry_ref=_ministry_ref(record),
        version=version,
        fetched_at=fetched_at.isoformat(),
        author_search=_fold_name(" ".join(filter(None, (author.name, author.ref)))),
        group_search=_fold_name(" ".join(filter(None, (group.short, group.full)))) if group else "",
        # Responding first: list --sort ministry orders by this folded name.
        ministry_search=_fold_name(" ".join(filter(None, (responding, asked)))),
    )
    return row


def _ministry_ref(record: Question) -> str | None:
    """The organe reference of the ministry shown as responding, as ``PO…``.

    Only the AN's references name a ministry in every source: the XML export gives
    the open data's number without its prefix; the Sénat's ids are its own.
    """
    ministry = record.shown_ministry()
    ref = ministry.ref if ministry is not None and record.chamber.value == "an" else None
    if not ref:
        return None
    if ref.startswith("PO"):
        return ref
    return f"PO{ref}" if ref.isdigit() else None


def _fts_row(record: Question) -> tuple[str, ...]:
    return (
        record.title or "",
        record.rubrique or "",
        " ".join(record.analysis),
        record.text or "",
        (record.answer.text or "") if record.answer else "",
    )


class IndexEntry(NamedTuple):
    """What the index holds for one version: its ``questions`` row and full text.

    A bulk import computes entries in worker processes and writes them in the one
    that holds the index: plain values in a NamedTuple, which unpickles several
    times faster than a frozen dataclass (bench/README.md).
    """

    id: str
    version: int
    values: tuple[Any, ...]  # the questions row, in COLUMN_NAMES order
    text: tuple[str, ...]  # the full-text columns after id, in _FTS_COLUMNS order


def index_entry(record: Question, *, version: int, fetched_at: dt.datetime) -> IndexEntry:
    """The index entry of a record (its latest version)."""
    row = index_row(record, version=version, fetched_at=fetched_at)
    return IndexEntry(
        record.id, version, tuple(row[name] for name in COLUMN_NAMES), _fts_row(record)
    )
