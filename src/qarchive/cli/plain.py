"""Listings and stats as plain text: machine formats, aligned tables, summary lines.

What ``list``, ``search`` and ``stats`` print when stdout is not a terminal (a pipe,
a file, cron's mail), and the summary lines they print on stderr. Nothing here
imports rich, so those commands start without it; ``qarchive.cli.render`` draws the
rich tables for a terminal from the same cells.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from qarchive.cli.options import OutputFormat

__all__ = [
    "AUTHOR_WIDTH",
    "MINISTRY_WIDTH",
    "STATS_TABLE_COLUMNS",
    "author_cell",
    "days_cell",
    "match_summary",
    "stats_cells",
    "stats_figure",
    "stats_label",
    "stats_summary",
    "text_rows_table",
    "text_stats_table",
    "write_lines",
    "write_rows",
]


# Names are cut to these widths in tables, so that the title keeps the room.
AUTHOR_WIDTH, MINISTRY_WIDTH = 26, 18
SNIPPET_INDENT = "    "

# The stats figures' columns: header (wrapped at its last space) and a fixed width
# that fits an archive of a million questions, so that the name column takes the rest.
STATS_TABLE_COLUMNS = (
    ("Questions", 9),
    ("Answered", 8),
    ("Rate", 4),
    ("Median days", 6),
    ("P90 days", 6),
    ("≤ 2 months", 6),
    ("Pending", 7),
    ("Overdue", 7),
)
_STATS_PLURALS = {
    "ministry": "ministries",
    "ministry-ref": "ministries (by reference)",
    "group": "groups",
    "author": "authors",
}
# The name column's header: it says which grouping the figures use.
_STATS_LABELS = {"ministry-ref": "Ministry (by reference)"}


def stats_label(by: str | None) -> str:
    """The header of a stats table's first column: the grouping, as its figures use it."""
    return _STATS_LABELS.get(by or "", (by or "").capitalize())


def write_rows(
    rows: Iterable[dict[str, Any]],
    fmt: OutputFormat,
    stream: TextIO,
    *,
    columns: Sequence[str],
) -> int:
    """Stream rows to ``stream`` in a machine format; return how many were written.

    JSON is written incrementally (``[]`` when there are no rows); ``ids`` writes
    one ID per line, ready for ``qarchive fetch -``. ``table`` is not streamed:
    use :func:`text_rows_table` or ``qarchive.cli.render.render_rows_table``.
    """
    import csv  # the machine formats only: a table in a pipe loads neither
    import json

    count = 0
    if fmt is OutputFormat.CSV:
        writer = csv.DictWriter(stream, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
    elif fmt is OutputFormat.JSON:
        stream.write("[")
    for row in rows:
        picked = {column: row.get(column) for column in columns}
        if fmt is OutputFormat.CSV:
            writer.writerow(picked)
        elif fmt is OutputFormat.JSON:
            stream.write(("," if count else "") + "\n  " + json.dumps(picked, ensure_ascii=False))
        elif fmt is OutputFormat.JSONL:
            stream.write(json.dumps(picked, ensure_ascii=False) + "\n")
        elif fmt is OutputFormat.IDS:
            stream.write(f"{row['id']}\n")
        else:
            raise ValueError(f"write_rows does not stream {fmt}")
        count += 1
    if fmt is OutputFormat.JSON:
        stream.write("\n]\n" if count else "]\n")
    return count


def days_cell(row: dict[str, Any]) -> str:
    """The "Days" cell: days waiting so far, ``✓ N`` (days the answer took), or ``—``."""
    if row.get("days_waiting") is not None:
        return str(row["days_waiting"])
    if row.get("answer_delay_days") is not None:
        return f"✓ {row['answer_delay_days']}"
    return "—"


def author_cell(row: dict[str, Any]) -> str:
    """The "Author (group)" cell."""
    group = f" ({row['group']})" if row.get("group") else ""
    return (row.get("author") or "") + group


def _width(text: str) -> int:
    # Terminal cells: combining accents take none (names arrive NFC, but be safe).
    return sum(not unicodedata.combining(char) for char in text)


def _cut(text: str, width: int) -> str:
    if _width(text) <= width:
        return text
    return text[: width - 1].rstrip() + "…"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _align(cells: Sequence[str], widths: Sequence[int], right: Sequence[bool]) -> str:
    parts = []
    for cell, width, to_right in zip(cells, widths, right, strict=True):
        pad = " " * (width - _width(cell))
        parts.append(pad + cell if to_right else cell + pad)
    return "  ".join(parts).rstrip()


def text_rows_table(rows: Iterable[dict[str, Any]], *, snippets: bool = False) -> list[str]:
    """A listing as aligned text lines: one line per question, titles never cut.

    The columns of the terminal table (ID, published, days, author and group,
    ministry, title); names are cut to a fixed width. With ``snippets`` (search),
    each question's matching passage follows on an indented line, the matched
    words between ``**``.
    """
    header = ("ID", "Published", "Days", "Author (group)", "Ministry", "Title")
    body = [
        (
            str(row["id"]),
            str(row["published"]),
            days_cell(row),
            _cut(author_cell(row), AUTHOR_WIDTH),
            _cut(row.get("ministry") or "", MINISTRY_WIDTH),
            _one_line(row.get("title") or ""),
            _one_line(str(row.get("snippet") or "")) if snippets else "",
        )
        for row in rows
    ]
    if not body:
        return []
    widths = [max(_width(line[i]) for line in (header, *body)) for i in range(len(header))]
    right = (False, False, True, False, False, False)
    lines = [_align(header, widths, right)]
    for cells in body:
        lines.append(_align(cells[:6], widths, right))
        if cells[6]:
            lines.append(SNIPPET_INDENT + cells[6])
    return lines


def stats_figure(value: float | None, *, percent: bool = False) -> str:
    """A rate as a whole percentage, a delay to one decimal place, or ``—``."""
    if value is None:
        return "—"
    if percent:
        return f"{value:.0%}"
    return f"{round(value, 1):g}"


def stats_cells(row: dict[str, Any]) -> list[str]:
    """The figures of one stats row, in the order of :data:`STATS_TABLE_COLUMNS`."""
    return [
        str(row["questions"]),
        str(row["answered"]),
        stats_figure(row["answer_rate"], percent=True),
        stats_figure(row["median_delay_days"]),
        stats_figure(row["p90_delay_days"]),
        str(row["answered_within_2_months"]),
        str(row["pending"]),
        str(row["overdue_now"]),
    ]


def text_stats_table(rows: Iterable[dict[str, Any]], *, by: str | None) -> list[str]:
    """Stats rows as aligned text lines, laid out as the terminal table (two header lines).

    Names are never cut; the withdrawn, lapsed and converted counts are only in
    the machine formats, as on a terminal.
    """
    rows = list(rows)
    names = [row["name"] if row["name"] is not None else "—" for row in rows]
    figures = [stats_cells(row) for row in rows]
    name_width = max([_width(name) for name in names] + [len(stats_label(by))])
    tops, bottoms = [], []
    for header, _ in STATS_TABLE_COLUMNS:
        top, _, bottom = header.rpartition(" ")
        tops.append(top)
        bottoms.append(bottom)
    widths = [name_width] + [width for _, width in STATS_TABLE_COLUMNS]
    right = [False] + [True] * len(STATS_TABLE_COLUMNS)
    lines = [
        _align(["", *tops], widths, right),
        _align([stats_label(by), *bottoms], widths, right),
    ]
    lines += [
        _align([name, *cells], widths, right) for name, cells in zip(names, figures, strict=True)
    ]
    return lines


def match_summary(shown: int, total: int) -> str:
    """The stderr line after a listing: how many rows, out of how many matches."""
    if total < 0 or shown == total:
        return f"{shown} question{'s' if shown != 1 else ''}"
    return f"{shown} of {total} matching questions shown"


def stats_summary(rows: Sequence[dict[str, Any]], *, by: str | None) -> str:
    """The stderr line after ``stats``: questions counted, and in how many groups."""
    total = sum(row["questions"] for row in rows)
    text = f"{total} question{'s' if total != 1 else ''}"
    if by is None:
        return text
    if len(rows) != 1:
        counted = _STATS_PLURALS.get(by, f"{by}s")
    else:
        counted = "ministry (by reference)" if by == "ministry-ref" else by
    return f"{text} in {len(rows)} {counted}"


def write_lines(lines: Iterable[str], stream: TextIO) -> None:
    """Write text lines, each ended by a newline."""
    for line in lines:
        stream.write(line + "\n")
