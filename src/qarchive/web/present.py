"""How the pages put values into words: days, snippets, texts and diffs, always escaped.

Texts from the parliaments' sites hold HTML (``<b>``, tables, entities): every
text goes through the templates' autoescaping or :func:`markupsafe.escape` here,
and only the markup these functions add is trusted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from qarchive.model.columns import days_shown
from qarchive.model.versioning import (
    LONG_TEXT,
    FieldChange,
    is_long_text,
    leaves,
    paragraph_diff,
)

__all__ = [
    "LONG_TEXT",
    "ChangeView",
    "days_figure",
    "days_label",
    "diff_view",
    "highlight",
    "number",
    "paragraphs",
    "percent",
    "value_text",
]


# A listing row's "days" and the class that styles it (overdue is shown red).
days_label = days_shown


def number(value: int | None) -> str:
    """A count with a thin space between thousands, French style: ``296 342``."""
    return "—" if value is None else f"{value:,}".replace(",", "\u202f")


def percent(rate: float | None) -> str:
    """An answer rate as a whole percentage: ``61 %``."""
    return "—" if rate is None else f"{round(rate * 100)}\u202f%"


def days_figure(days: float | None) -> str:
    """A delay in days, its decimal only when it has one: ``118``, ``118.5``."""
    return "—" if days is None else f"{days:g}"


def highlight(snippet: str | None, marks: tuple[str, str]) -> Markup:
    """The snippet escaped, its matched words (between ``marks``) in ``<mark>``."""
    if not snippet:
        return Markup("")
    start, end = marks
    out = []
    for index, part in enumerate(snippet.replace(end, start).split(start)):
        out.append(Markup("<mark>{}</mark>").format(part) if index % 2 else escape(part))
    return Markup("").join(out)


def paragraphs(text: str | None) -> list[str]:
    """A record's text as its paragraphs (one per line, as normalised), blank ones dropped."""
    return [line for line in (text or "").split("\n") if line.strip()]


def value_text(value: Any) -> str:
    """A changed value as the diff shows it: text as is, anything else as JSON, ∅ for nothing."""
    if value is None or value == "" or value == []:
        return "∅"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class ChangeView:
    """One changed field as a page shows it.

    ``kind``: ``value`` (old → new), ``text`` (a long text's unified line
    diff in ``lines``: ``(class, line)``), ``tree`` (a whole part appearing, such
    as the answer: its leaves in ``added``, long texts whole).
    """

    path: str
    kind: str
    old: str = ""
    new: str = ""
    lines: list[tuple[str, str]] = field(default_factory=list)
    added: list[tuple[str, str, bool]] = field(default_factory=list)  # (key, value, long)


def diff_view(changes: list[FieldChange], left: int, right: int) -> list[ChangeView]:
    """The changes between two versions, as ``qarchive diff`` shows them.

    A long text changed is a unified diff of its paragraphs; a part that
    appears (``answer: null → {...}``) lists its fields, the answer's text whole.
    """
    views = []
    for change in changes:
        if is_long_text(change.old) or is_long_text(change.new):
            lines = paragraph_diff(change.old, change.new, left, right)
            views.append(ChangeView(change.path, "text", lines=lines))
        elif isinstance(change.new, dict) or isinstance(change.old, dict):
            added = [
                (key, value_text(value), is_long_text(value))
                for key, value in leaves(change.new).items()
            ]
            views.append(ChangeView(change.path, "tree", old=value_text(change.old), added=added))
        else:
            views.append(
                ChangeView(
                    change.path, "value", old=value_text(change.old), new=value_text(change.new)
                )
            )
    return views
