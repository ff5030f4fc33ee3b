"""What the commands on one question show: ``show``, ``history`` and ``diff``.

Their layouts for :func:`qarchive.cli.output.print_blocks`, and the rows of their
machine formats, named by the vocabulary of :mod:`qarchive.model.columns`.
"""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from qarchive.cli.messages import plural
from qarchive.cli.output import Block, Cell, Column, Line, Styled, Table
from qarchive.model.versioning import is_long_text, leaves, paragraph_diff

if TYPE_CHECKING:
    from qarchive.model.question import Ministry, Publication, Question
    from qarchive.model.versioning import FieldChange
    from qarchive.store.versions import StoredVersion

__all__ = [
    "diff_rows",
    "diff_view",
    "history_rows",
    "history_table",
    "question_view",
]


def history_rows(versions: Sequence[StoredVersion[Question]]) -> list[dict[str, Any]]:
    """``history``'s rows: one per version, named as in :mod:`qarchive.model.columns`."""
    return [
        {
            "id": stored.record.id,
            "version": stored.version,
            "fetched_at": stored.fetched_at.astimezone(dt.UTC),
            "status": stored.record.status.value,
            "answered": stored.record.answer.published.date if stored.record.answer else None,
            "changed": stored.changed if stored.version > 1 else [],
        }
        for stored in versions
    ]


def history_table(rows: Sequence[dict[str, Any]]) -> Table:
    """``history``: version, fetch time, status, answer date, what changed."""
    columns = (
        Column("Version"),
        Column("Fetched at (UTC)"),
        Column("Status"),
        Column("Answer"),
        Column("Changed", wrap=True),
    )
    cells: list[tuple[Cell, ...]] = [
        (
            f"v{row['version']}",
            row["fetched_at"].strftime("%Y-%m-%d %H:%M:%S"),
            row["status"],
            row["answered"].isoformat() if row["answered"] else "—",
            ", ".join(row["changed"]) if row["version"] > 1 else "first version",
        )
        for row in rows
    ]
    return Table(columns, cells)


# -- show -------------------------------------------------------------------------------


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


def _transmissions(question: Question) -> str | None:
    history = question.attribution_history
    if len(history) < 2:
        return None
    return " → ".join(
        entry.ministry.name + (f" ({entry.date.isoformat()})" if entry.date else "")
        for entry in history
    )


def _facts(question: Question, today: dt.date) -> list[tuple[str, str | None]]:
    author = question.author
    who = " ".join(part for part in (author.civility, author.name or author.ref) if part)
    group = author.group.full or author.group.short if author.group else None
    # A page that shows only the region gives no seat: the region, said to be one.
    region = f"région {author.region}" if author.region else None
    place = author.constituency or author.department or region
    answer = question.answer
    return [
        ("ID", f"{question.id} ({question.kind}, {question.legislature}e législature)"),
        ("URL", question.url),
        (
            "Author",
            ", ".join(p for p in (who, group, place) if p),
        ),
        ("As published", author.published_name),
        ("Rubrique", question.rubrique),
        ("Ministry asked", _ministry(question.ministry_asked)),
        ("Ministry responding", _ministry(question.ministry_responding)),
        ("Published", _publication(question.published)),
        ("Status", question.status.value),
        ("Timing", _timing(question, today)),
        ("Answer", _publication(answer.published) if answer else None),
        (
            "Answered in séance",
            answer.session_date.isoformat() if answer and answer.session_date else None,
        ),
        ("Re-asks", question.reminder_of),
        ("Became", question.converted_to),
        ("Transmitted", _transmissions(question)),
        ("Themes", "; ".join(question.themes) or None),  # a label may hold ", "
        ("Signalements", ", ".join(str(s.published) for s in question.signalements) or None),
        ("Renewals", ", ".join(d.isoformat() for d in question.renewals) or None),
        ("Source", f"{question.source.format.value} {question.source.url}"),
    ]


def question_view(question: Question, *, today: dt.date) -> tuple[str, list[Block]]:
    """``show``: its title, then a table of facts, the question's text and the answer's."""
    facts = Table(
        (Column("", wrap=False), Column("", wrap=True)),
        [(Styled(label, "bold"), value) for label, value in _facts(question, today) if value],
        header=False,
    )
    blocks: list[Block] = [facts]
    if question.text:
        blocks += [Line(""), Line("Question", "bold underline"), Line(question.text)]
    if question.answer is not None and question.answer.text:
        heading = f"Answer ({_publication(question.answer.published)})"
        blocks += [Line(""), Line(heading, "bold underline"), Line(question.answer.text)]
    return question.title or question.rubrique or question.id, blocks


# -- diff -------------------------------------------------------------------------------


def diff_rows(changes: Sequence[FieldChange]) -> list[dict[str, Any]]:
    """``diff``'s rows: one per changed field, with both values as JSON."""
    return [{"field": change.path, "old": change.old, "new": change.new} for change in changes]


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return textwrap.shorten(text, 100, placeholder=" …") if text else "∅"


def diff_view(changes: Sequence[FieldChange], left: int, right: int) -> list[Block]:
    """Field-level changes between two versions; a changed long text as a line diff."""
    if not changes:
        return [Line(f"v{left} and v{right} have the same content.")]
    lines: list[Block] = [Line(f"v{left} → v{right}: {plural(len(changes), 'change')}"), Line("")]
    for change in changes:
        lines.append(Line(change.path, "bold"))
        if is_long_text(change.old) or is_long_text(change.new):
            lines += _text_diff(change.old, change.new, left, right)
            continue
        lines.append(Line(f"- {_short(change.old)}", "red", indent=2))
        if not (isinstance(change.new, dict) or isinstance(change.old, dict)):
            lines.append(Line(f"+ {_short(change.new)}", "green", indent=2))
            continue
        for key, value in leaves(change.new).items():
            if is_long_text(value):  # a new answer is the point of the diff: shown whole
                lines += [Line(f"+ {key}:", "green", indent=2), Line(value, "green", indent=6)]
            else:
                lines.append(Line(f"+ {key}: {_short(value)}", "green", indent=2))
    return lines


_DIFF_STYLES = {"added": "green", "removed": "red", "context": "dim"}


def _text_diff(old: Any, new: Any, left: int, right: int) -> list[Block]:
    return [
        Line(line, _DIFF_STYLES[kind], 2) for kind, line in paragraph_diff(old, new, left, right)
    ]
