"""What the commands over many questions show people: their tables, for ``print_blocks``.

The layouts only; whether they are drawn for a terminal or a pipe is decided once,
in :mod:`qarchive.cli.output`. Rows are dicts named by the vocabulary of
:mod:`qarchive.model.columns`. One question's views (``show``, ``history``,
``diff``) are in :mod:`qarchive.cli.question_views`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from qarchive.cli.messages import plural
from qarchive.cli.output import MATCH_STYLE, Block, Cell, Column, Line, Styled, Table
from qarchive.model.columns import days_shown

# Only for types: a listing loads neither pydantic nor the store to print its rows.
if TYPE_CHECKING:
    from qarchive.jobs.fetch import FetchReport
    from qarchive.jobs.fields import FieldReport
    from qarchive.jobs.info import ArchiveInfo

__all__ = [
    "STATS_FIGURES",
    "author_cell",
    "days_cell",
    "fetch_row",
    "field_table",
    "info_view",
    "rows_table",
    "stats_label",
    "stats_table",
    "watch_tables",
]


# The stats figures: header and a width that fits an archive of a million questions.
STATS_FIGURES = (
    ("Questions", 9),
    ("Answered", 8),
    ("Rate", 4),
    ("Median days", 6),
    ("P90 days", 6),
    ("≤ 2 months", 6),
    ("Pending", 7),
    ("Overdue", 7),
)


_DAYS_STYLES = {"overdue": "bold red", "waiting": "", "answered": "green"}


def days_cell(row: dict[str, Any]) -> Cell:
    """The "Days" cell: days waiting so far (red once overdue), ``✓ N`` (days the answer took), or ``—``."""
    text, state = days_shown(row)
    return Styled(text, _DAYS_STYLES[state]) if state in _DAYS_STYLES else text


def author_cell(row: dict[str, Any]) -> str:
    """The "Author (group)" cell: ``M. Ugo Bernalicis (LFI)``."""
    name = row.get("author_name") or row.get("author_ref")
    who = " ".join(part for part in (row.get("author_civility"), name) if part)
    group = row.get("group_short") or row.get("group_full")
    return who + (f" ({group})" if group else "")


def rows_table(rows: Iterable[dict[str, Any]], *, snippets: bool = False) -> Table:
    """``list`` and ``search``: one row per question; a search's passage under its row."""
    columns = (
        Column("ID"),
        Column("Published"),
        Column("Days", right=True),
        Column("Author (group)", wrap=True),
        Column("Ministry", wrap=True),
        Column("Title / match" if snippets else "Title", wrap=True),
    )
    cells, notes = [], {}
    for index, row in enumerate(rows):
        cells.append(
            (
                str(row["id"]),
                str(row["published"]),
                days_cell(row),
                author_cell(row),
                row.get("ministry_responding") or "",
                row.get("title") or row.get("rubrique") or "",
            )
        )
        if snippets and row.get("snippet"):
            notes[index] = Styled(str(row["snippet"]), MATCH_STYLE)
    return Table(columns, cells, notes)


def _figure(value: float | None, *, percent: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:.0%}" if percent else f"{round(value, 1):g}"


# The name column's header: it says which grouping the figures use.
_STATS_LABELS = {"ministry-ref": "Ministry (by reference)"}


def stats_label(by: str | None) -> str:
    """The header of a stats table's first column: the grouping, as its figures use it."""
    return _STATS_LABELS.get(by or "", (by or "").capitalize())


def _stats_name(row: dict[str, Any], by: str | None) -> str:
    # By reference, one name may stand for several ministries (a name kept across
    # governments): the reference tells the rows apart.
    name = row["name"] if row["name"] is not None else "—"
    if by != "ministry-ref":
        return name
    return f"{name} ({row.get('ref') or 'no reference'})"


def stats_table(rows: Iterable[dict[str, Any]], *, by: str | None) -> Table:
    """``stats``: a row per ministry, group or author (or one for all), its figures.

    The withdrawn, lapsed and converted counts are in the machine formats only,
    and the columns one space apart, to keep the table within 80 columns.
    """
    columns = (
        Column(stats_label(by), wrap=True),
        *(Column(header, right=True, width=width) for header, width in STATS_FIGURES),
    )
    cells: list[tuple[Cell, ...]] = [
        (
            _stats_name(row, by),
            str(row["questions"]),
            str(row["answered"]),
            _figure(row["answer_rate"], percent=True),
            _figure(row["median_delay_days"]),
            _figure(row["p90_delay_days"]),
            str(row["answered_within_2_months"]),
            str(row["pending"]),
            Styled(str(row["overdue_now"]), "bold red" if row["overdue_now"] else ""),
        )
        for row in rows
    ]
    return Table(columns, cells, gap=1)


def watch_tables(rows: Sequence[dict[str, Any]]) -> list[Block]:
    """``watch list``: the watched questions (status, days), a blank line, the saved searches."""
    questions = Table(
        (
            Column("ID"),
            Column("Status"),
            Column("Days", right=True),
            Column("Ministry", wrap=True),
            Column("Title", wrap=True),
        ),
        [
            (
                row["id"],
                row["status"],
                days_cell(row),
                row.get("ministry_responding") or "",
                row.get("title") or "",
            )
            for row in rows
            if row["watched"] == "question"
        ],
    )
    searches = Table(
        (Column("Saved search", wrap=True), Column("Author"), Column("Ministry"), Column("Added")),
        [
            (
                f'"{row["query"]}"' if row.get("query") else "—",
                row.get("author_filter") or "—",
                row.get("ministry_filter") or "—",
                (row.get("added_at") or "")[:10],
            )
            for row in rows
            if row["watched"] == "search"
        ],
    )
    gap = [Line("")] if questions.rows and searches.rows else []
    return [questions, *gap, searches]


def field_table(report: FieldReport) -> list[Block]:
    """``verify --fields``: a mandatory field with a real gap in bold red.

    Under the table, why the fields counted "not in this source" are not in theirs.
    """
    columns = (
        Column("Leg."),
        Column("Field (* mandatory)"),
        Column("Have", right=True),
        Column("Of", right=True),
        Column("%", right=True),
        Column("Not in source", right=True, width=6),
        Column("Missing in (examples)", wrap=True),
    )
    cells: list[tuple[Cell, ...]] = []
    reasons: dict[str, list[str]] = {}
    for count in report.counts:
        style = "bold red" if count.short else ("dim" if count.missing == 0 else "")
        cells.append(
            (
                f"{count.chamber} {count.legislature}",
                count.field + (" *" if count.mandatory else ""),
                str(count.present),
                str(count.total),
                Styled("—" if count.percent is None else f"{count.percent:g} %", style),
                str(count.not_in_source) if count.not_in_source else "",
                " ".join(count.missing_examples),
            )
        )
        for why in count.why:
            fields = reasons.setdefault(why, [])
            if count.field not in fields:
                fields.append(count.field)
    blocks: list[Block] = [Table(columns, cells)]
    if reasons:
        blocks.append(Line("Not in this source:", style="bold"))
        for why, fields in reasons.items():
            blocks += [Line(", ".join(fields), style="bold", indent=2), Line(why, indent=4)]
    return blocks


def fetch_row(report: FetchReport) -> dict[str, Any]:
    """A fetched question's row (``fetch`` and ``refresh`` in machine formats)."""
    result = report.result
    return {
        "id": report.qid.canonical,
        "outcome": result.outcome.value if result is not None else "failed",
        "version": result.version if result is not None else None,
        "changed": list(result.changed) if result is not None else [],
        "error": str(report.error) if report.error is not None else None,
    }


# -- info -------------------------------------------------------------------------------


def _refresh_fact(found: dict[str, Any] | None) -> str:
    if found is None:
        return "never"
    counts = ", ".join(
        f"{found.get(key, 0)} {key}" for key in ("checked", "new", "changed", "failed")
    )
    return f"{found.get('started_at', '?')}: {counts}"


def info_view(info: ArchiveInfo) -> list[Block]:
    """``info``: the archive and what it holds, then each setting, its value and origin."""
    held = ", ".join(f"{item.chamber} {item.legislature}: {item.questions}" for item in info.held)
    facts: list[tuple[str, str]] = [
        ("Archive", f"{info.archive}" + ("" if info.exists else " (not created yet)")),
        ("Questions", f"{info.questions}" + (f" ({held})" if held else "")),
        (
            "Watched",
            f"{plural(info.watched_questions, 'question')}, "
            f"{plural(info.saved_searches, 'saved search', 'saved searches')}",
        ),
        ("Outbox", f"{plural(info.outbox, 'event')} waiting"),
        ("Last refresh", _refresh_fact(info.last_refresh)),
        (
            "Last digest",
            info.last_digest.isoformat(timespec="seconds") if info.last_digest else "never",
        ),
    ]
    settings = Table(
        (Column("Setting"), Column("Value", wrap=True), Column("From")),
        [(var, value, source) for var, (value, source) in info.settings.items()],
    )
    about = Table(
        (Column(""), Column("", wrap=True)),
        [(Styled(label, "bold"), value) for label, value in facts],
        header=False,
    )
    return [about, Line(""), settings]
