"""What the CLI draws with rich on a terminal: tables, a question, its history and diffs.

Data goes to stdout, messages to stderr. Pipes get ``qarchive.cli.plain`` instead,
the one-line messages are in ``qarchive.cli.messages``, the progress bar of long
runs in ``qarchive.cli.progress``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import textwrap
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Group, JustifyMethod, RenderableType
from rich.markup import escape
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from qarchive.cli.plain import (
    AUTHOR_WIDTH,
    MINISTRY_WIDTH,
    STATS_TABLE_COLUMNS,
    author_cell,
    days_cell,
    stats_cells,
    stats_label,
)

# What this module prints comes from all over the library; it is imported only
# for types here, and where needed at run time inside the function, so that a
# listing does not import the HTTP client, the importer and the refresh to start.
if TYPE_CHECKING:
    from qarchive.jobs.fields import FieldReport
    from qarchive.model.question import Ministry, Publication, Question
    from qarchive.model.versioning import FieldChange
    from qarchive.store.versions import StoredVersion

__all__ = [
    "LONG_TEXT",
    "render_diff",
    "render_field_report",
    "render_history",
    "render_question",
    "render_rows_table",
    "render_stats_table",
    "render_watch_table",
]

LONG_TEXT = 120  # strings longer than this get a line diff instead of old → new
_TITLE_MIN_WIDTH = 24


def _publication(pub: Publication | None) -> str:
    if pub is None:
        return "—"
    page = f", page {pub.page}" if pub.page is not None else ""
    return f"{pub.date.isoformat()}{page}"


def _ministry(ministry: Ministry | None) -> str:
    return ministry.name if ministry is not None else "—"


def _timing(question: Question, today: dt.date) -> str:
    from qarchive.model.question import Status  # loaded already: the record is one

    if question.answer is not None:
        return f"answered after {question.answer_delay_days()} days"
    if question.status is Status.PENDING:
        waited = question.days_waiting(today)
        deadline = question.deadline().isoformat()
        late = " — OVERDUE" if question.is_overdue(today) else ""
        return f"waiting {waited} days (deadline {deadline}){late}"
    closed = question.closed
    if closed is not None and closed.date is not None:
        return f"closed on {closed.date.isoformat()} ({closed.reason or closed.code or '?'})"
    if closed is not None and (closed.reason or closed.code):  # "La question est caduque"
        return f"closed ({closed.reason or closed.code})"
    return question.status.value


def _session(question: Question) -> str | None:
    answer = question.answer
    return answer.session_date.isoformat() if answer and answer.session_date else None


def _transmissions(question: Question) -> str | None:
    history = question.attribution_history
    if len(history) < 2:
        return None
    return " → ".join(
        entry.ministry.name + (f" ({entry.date.isoformat()})" if entry.date else "")
        for entry in history
    )


def render_question(question: Question, *, today: dt.date) -> RenderableType:
    """A readable view of one record: facts table, then question and answer texts."""
    author = question.author
    who = " ".join(part for part in (author.civility, author.name or author.ref) if part)
    group = author.group.full or author.group.short if author.group else None
    # A page that shows only the region gives no seat: the region, said to be one.
    region = f"région {author.region}" if author.region else None
    place = author.constituency or author.department or region
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold", no_wrap=True)
    facts.add_column(overflow="fold")
    rows: list[tuple[str, str | None]] = [
        ("ID", f"{question.id} ({question.kind}, {question.legislature}e législature)"),
        ("URL", question.url),
        ("Author", ", ".join(p for p in (who, group, place) if p)),
        ("As published", author.published_name),
        ("Rubrique", question.rubrique),
        ("Ministry asked", _ministry(question.ministry_asked)),
        ("Ministry responding", _ministry(question.ministry_responding)),
        ("Published", _publication(question.published)),
        ("Status", question.status.value),
        ("Timing", _timing(question, today)),
        ("Answer", _publication(question.answer.published) if question.answer else None),
        ("Answered in séance", _session(question)),
        ("Re-asks", question.reminder_of),
        ("Became", question.converted_to),
        ("Transmitted", _transmissions(question)),
        ("Themes", "; ".join(question.themes) or None),  # a label may hold ", "
        ("Signalements", ", ".join(str(s.published) for s in question.signalements) or None),
        ("Renewals", ", ".join(d.isoformat() for d in question.renewals) or None),
        ("Source", f"{question.source.format.value} {question.source.url}"),
    ]
    for label, value in rows:
        if value:
            facts.add_row(label, escape(value))
    parts: list[RenderableType] = [facts]
    if question.text:
        parts += [Text("\nQuestion", style="bold underline"), Text(question.text)]
    if question.answer is not None and question.answer.text:
        heading = f"\nAnswer ({_publication(question.answer.published)})"
        parts += [Text(heading, style="bold underline"), Text(question.answer.text)]
    title = escape(question.title or question.rubrique or question.id)
    return Panel(Group(*parts), title=f"[bold]{title}[/bold]", title_align="left")


def render_history(versions: Sequence[StoredVersion[Question]]) -> Table:
    """One row per version: number, fetch time, status, what changed."""
    table = Table(title=f"{versions[0].record.id}: {len(versions)} version(s)" if versions else "")
    for column in ("Version", "Fetched at (UTC)", "Status", "Answer", "Changed"):
        table.add_column(column)
    for stored in versions:
        record = stored.record
        table.add_row(
            f"v{stored.version}",
            stored.fetched_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
            record.status.value,
            record.answer.published.date.isoformat() if record.answer else "—",
            ", ".join(stored.changed) if stored.version > 1 else "first version",
        )
    return table


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return textwrap.shorten(text, 100, placeholder=" …") if text else "∅"


def render_diff(changes: Sequence[FieldChange], left: int, right: int) -> RenderableType:
    """Field-level changes between two versions; long texts as a unified line diff."""
    if not changes:
        return Text(f"v{left} and v{right} have the same content.")
    parts: list[RenderableType] = [Text(f"v{left} → v{right}: {len(changes)} change(s)\n")]
    for change in changes:
        parts.append(Text(change.path, style="bold"))
        if _is_long_text(change.old) or _is_long_text(change.new):
            parts.append(_text_diff(change.old, change.new, left, right))
        elif isinstance(change.new, dict) or isinstance(change.old, dict):
            parts.append(Text(f"  - {_short(change.old)}", style="red"))
            for key, value in _flatten(change.new).items():
                if _is_long_text(value):  # a new answer is the point of the diff: show it whole
                    parts.append(Text(f"  + {key}:", style="green"))
                    parts.append(Padding(Text(value, style="green"), (0, 0, 0, 6), expand=False))
                else:
                    parts.append(Text(f"  + {key}: {_short(value)}", style="green"))
        else:
            parts.append(Text(f"  - {_short(change.old)}", style="red"))
            parts.append(Text(f"  + {_short(change.new)}", style="green"))
    return Group(*parts)


def _is_long_text(value: Any) -> bool:
    return isinstance(value, str) and (len(value) > LONG_TEXT or "\n" in value)


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(value, dict):
        return {prefix or "value": value}
    flat: dict[str, Any] = {}
    for key, item in value.items():
        flat.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def _text_diff(old: Any, new: Any, left: int, right: int) -> RenderableType:
    # Paragraphs are the diff's lines: the terminal wraps them, the diff stays readable.
    old_lines = old.split("\n") if isinstance(old, str) else []
    new_lines = new.split("\n") if isinstance(new, str) else []
    out = Text()
    for line in difflib.unified_diff(old_lines, new_lines, f"v{left}", f"v{right}", lineterm=""):
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
        out.append(line + "\n", style=style)
    return Padding(out, (0, 0, 0, 2), expand=False)


def _days(row: dict[str, Any]) -> Text:
    cell = days_cell(row)
    if row.get("days_waiting") is not None:
        return Text(cell, style="bold red" if row.get("overdue") else "")
    return Text(cell, style="green" if row.get("answer_delay_days") is not None else "")


def render_rows_table(
    rows: Iterable[dict[str, Any]], *, snippets: bool = False, width: int = 80
) -> Table:
    """The listing as a rich table ``width`` wide: titles wrap, names are cut.

    "Days" is the wait so far for a pending question (red when overdue) or
    ``✓ N``, the days the answer took. In a narrow terminal the author and
    ministry are cut shorter, so that titles keep at least 24 columns.
    """
    rows = list(rows)
    ids = max((len(str(row["id"])) for row in rows), default=2)
    days = max((len(days_cell(row)) for row in rows), default=4)
    # 10: the five two-space gaps between the six columns; 10: an ISO date.
    titles = max((len(row.get("title") or "") for row in rows), default=0)
    room = width - 10 - ids - 10 - max(days, 4) - min(_TITLE_MIN_WIDTH, max(titles, 5))
    authors = [len(author_cell(row)) for row in rows] + [len("Author (group)")]
    author = min(AUTHOR_WIDTH, max(authors))
    ministries = [len(row.get("ministry") or "") for row in rows] + [len("Ministry")]
    ministry = min(MINISTRY_WIDTH, max(ministries))
    if author + ministry > room:  # share the room in proportion, keeping a few letters each
        author = max(8, room * author // (author + ministry))
        ministry = max(6, room - author)
    table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
    table.add_column("ID", no_wrap=True)
    table.add_column("Published", no_wrap=True)
    table.add_column("Days", justify="right", no_wrap=True)
    table.add_column("Author (group)", no_wrap=True, overflow="ellipsis", max_width=author)
    table.add_column("Ministry", no_wrap=True, overflow="ellipsis", max_width=ministry)
    header = "Title" if not snippets else "Title / match"
    table.add_column(header, ratio=1, overflow="fold")
    for row in rows:
        title = Text(row.get("title") or "")
        if snippets and row.get("snippet"):
            title.append("\n")
            title.append_text(_highlight(str(row["snippet"])))
        table.add_row(
            row["id"],
            row["published"],
            _days(row),
            Text(author_cell(row)),
            Text(row.get("ministry") or ""),
            title,
        )
    return table


def _highlight(snippet: str) -> Text:
    # The index marks matches **like this**; show them highlighted instead.
    text = Text(style="dim")
    for index, part in enumerate(snippet.split("**")):
        text.append(part, style="bold yellow" if index % 2 else "dim")
    return text


def render_stats_table(rows: Iterable[dict[str, Any]], *, by: str | None, width: int = 80) -> Table:
    """Stats rows (see ``qarchive.index.stats.STATS_COLUMNS``) as a rich table ``width`` wide.

    The first column names the group (``by``: ministry, ministry-ref, group, author), cut to
    what the figures leave of ``width``. Rate is answered / questions, every
    status counted; delays are in days; "≤ 2 months" counts answers published
    within two months. The withdrawn, lapsed and converted counts are only in
    the machine formats, to keep the table within 80 columns.
    """
    table = Table(
        show_edge=False, pad_edge=False, box=None, header_style="bold", padding=(0, 0, 0, 1)
    )
    fixed = sum(column_width + 1 for _, column_width in STATS_TABLE_COLUMNS)
    table.add_column(
        stats_label(by), no_wrap=True, overflow="ellipsis", max_width=max(12, width - fixed)
    )
    for header, column_width in STATS_TABLE_COLUMNS:
        table.add_column(header, justify="right", width=column_width)
    for row in rows:
        *figures, overdue = stats_cells(row)
        name = Text(row["name"] if row["name"] is not None else "—")
        table.add_row(name, *figures, Text(overdue, style="bold red" if row["overdue_now"] else ""))
    return table


def render_watch_table(rows: Sequence[dict[str, Any]]) -> RenderableType:
    """``watch list``: the watched questions (status, days waiting), then the saved searches.

    "Days" is as in ``list``: days waiting (red when overdue) or ``✓ N``, the days
    the answer took.
    """
    questions = [row for row in rows if row["kind"] == "question"]
    searches = [row for row in rows if row["kind"] == "search"]
    parts: list[RenderableType] = []
    if questions:
        table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
        table.add_column("ID", no_wrap=True)
        table.add_column("Status", no_wrap=True)
        table.add_column("Days", justify="right", no_wrap=True)
        table.add_column("Ministry", no_wrap=True, overflow="ellipsis", max_width=18)
        table.add_column("Title", ratio=1, overflow="fold")
        for row in questions:
            table.add_row(
                row["id"],
                row["status"],
                _days(row),
                Text(row.get("ministry") or ""),
                Text(row.get("title") or ""),
            )
        parts.append(table)
    if searches:
        table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
        for column in ("Saved search", "Author", "Ministry", "Added"):
            table.add_column(column, overflow="fold")
        for row in searches:
            table.add_row(
                Text(f'"{row["query"]}"' if row.get("query") else "—"),
                Text(row.get("author") or "—"),
                Text(row.get("ministry") or "—"),
                (row.get("added_at") or "")[:10],
            )
        parts.append(Padding(table, (1 if questions else 0, 0, 0, 0)))
    return Group(*parts)


def render_field_report(report: FieldReport) -> RenderableType:
    """``verify --fields`` as a table: a mandatory field with a real gap in bold red.

    Under the table, why the fields counted "not in this source" are not in theirs.
    """
    table = Table(title=f"Fields of {report.questions} question(s)", title_justify="left")
    for header, justify in _FIELD_TABLE_COLUMNS:
        # The field's name is what a reader looks for: never cut, the examples wrap.
        table.add_column(header, justify=justify, no_wrap=header.startswith("Field"))
    reasons: dict[str, list[str]] = {}
    for count in report.counts:
        style = "bold red" if count.short else ("dim" if count.missing == 0 else "")
        table.add_row(
            f"{count.chamber} {count.legislature}",
            count.field + (" *" if count.mandatory else ""),
            str(count.present),
            str(count.total),
            Text("—" if count.percent is None else f"{count.percent:g} %", style=style),
            str(count.not_in_source) if count.not_in_source else "",
            " ".join(count.missing_examples),
        )
        for why in count.why:
            fields = reasons.setdefault(why, [])
            if count.field not in fields:
                fields.append(count.field)
    if not reasons:
        return table
    legend: list[RenderableType] = [Text("Not in this source:", style="bold")]
    for why, fields in reasons.items():
        legend.append(Padding(Text(", ".join(fields), style="bold"), (0, 0, 0, 2)))
        legend.append(Padding(Text(why), (0, 0, 0, 4)))
    return Group(table, *legend)


_FIELD_TABLE_COLUMNS: tuple[tuple[str, JustifyMethod], ...] = (
    ("Leg.", "left"),
    ("Field (* mandatory)", "left"),
    ("Have", "right"),
    ("Of", "right"),
    ("%", "right"),
    ("Not in\nsource", "right"),
    ("Missing in (examples)", "left"),
)
