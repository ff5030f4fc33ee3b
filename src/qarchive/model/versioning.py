"""Pure functions over record JSON: the content hash and the field-level changes.

A version is written only when :func:`content_hash` differs; fetch metadata
(time, validators) is never part of the hashed record.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass
from typing import Any

__all__ = [
    "LATER_FIELDS",
    "LONG_TEXT",
    "METADATA_FIELDS",
    "FieldChange",
    "canonical_json",
    "changed_fields",
    "content_hash",
    "diff_records",
    "is_long_text",
    "leaves",
    "paragraph_diff",
    "record_content",
    "record_hash",
    "replaced_fields",
]

# Record fields that describe the fetch, not the question: a change of mirror,
# of source format or of test server must not make a new version.
METADATA_FIELDS = frozenset({"source"})

_MISSING: Any = object()


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One changed leaf: its dotted path (``answer.published.date``) and both values."""

    path: str
    old: Any
    new: Any


# A changed value longer than this (or of several lines) is shown whole, or as a line
# diff, by every view of a change (qarchive diff, the web view).
LONG_TEXT = 120


def is_long_text(value: Any) -> bool:
    """True for a text shown whole or as a line diff rather than ``old → new``."""
    return isinstance(value, str) and (len(value) > LONG_TEXT or "\n" in value)


def leaves(value: Any, prefix: str = "") -> dict[str, Any]:
    """The leaves of a value by dotted path: how a new object (an answer) is shown.

    Example:
        >>> leaves({"published": {"date": "2019-01-15", "page": 412}})
        {'published.date': '2019-01-15', 'published.page': 412}
    """
    if not isinstance(value, dict):
        return {prefix or "value": value}
    flat: dict[str, Any] = {}
    for key, item in value.items():
        flat.update(leaves(item, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def paragraph_diff(old: Any, new: Any, left: int, right: int) -> list[tuple[str, str]]:
    r"""A changed long text as a unified diff of its paragraphs, ``(kind, line)`` each.

    ``kind`` is ``added`` (a line starting with ``+``, the header included),
    ``removed`` (``-``) or ``context``. Paragraphs are the diff's lines: a terminal
    or a page wraps them, and the diff stays readable. A value that is not text
    counts as no paragraph at all.

    Example:
        >>> paragraph_diff("a\nb", "a\nc", 1, 2)[-2:]
        [('removed', '-b'), ('added', '+c')]
    """
    old_lines = old.split("\n") if isinstance(old, str) else []
    new_lines = new.split("\n") if isinstance(new, str) else []
    return [
        (
            "added" if line.startswith("+") else "removed" if line.startswith("-") else "context",
            line,
        )
        for line in difflib.unified_diff(old_lines, new_lines, f"v{left}", f"v{right}", lineterm="")
    ]


def canonical_json(record_json: Any) -> str:
    """The one serialisation that is hashed: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(record_json, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(record_json: Any) -> str:
    """``sha256:<hex>`` of the canonical JSON of a record."""
    digest = hashlib.sha256(canonical_json(record_json).encode("utf-8")).hexdigest()
    return f"sha256:{digest}"


# Fields added to the record after its first release. Empty, they hash as if absent,
# so that a record archived before they existed does not get a new version merely
# because the new code writes them as null. Add every new field here.
LATER_FIELDS: dict[str, frozenset[str]] = {
    "": frozenset({"themes", "reminder_of", "converted_to"}),
    "author": frozenset({"published_name"}),
    "answer": frozenset({"session_date"}),
}


def record_content(record_json: dict[str, Any]) -> dict[str, Any]:
    """The part of a record JSON that is versioned: everything but fetch metadata.

    Later fields (:data:`LATER_FIELDS`) that are empty are left out.
    """
    content = {
        key: value
        for key, value in record_json.items()
        if key not in METADATA_FIELDS and not (key in LATER_FIELDS[""] and value in (None, []))
    }
    for parent, names in LATER_FIELDS.items():
        child = content.get(parent) if parent else None
        if isinstance(child, dict) and any(child.get(name, 0) is None for name in names):
            content[parent] = {
                key: value for key, value in child.items() if not (key in names and value is None)
            }
    return content


def record_hash(record_json: dict[str, Any]) -> str:
    """The content hash of a record: :func:`content_hash` of :func:`record_content`."""
    return content_hash(record_content(record_json))


def diff_records(old: Any, new: Any, path: str = "") -> list[FieldChange]:
    """List every leaf that differs between two record JSONs, in document order.

    Dicts are compared key by key; lists of equal length element by element;
    lists whose length changed are reported whole, since index paths would mislead.

    Example:
        >>> diff_records({"a": {"b": 1}}, {"a": {"b": 2}})
        [FieldChange(path='a.b', old=1, new=2)]
    """
    if isinstance(old, dict) and isinstance(new, dict):
        changes: list[FieldChange] = []
        for key in list(old) + [k for k in new if k not in old]:
            sub = f"{path}.{key}" if path else str(key)
            changes += diff_records(old.get(key, _MISSING), new.get(key, _MISSING), sub)
        return [_unmissing(change) for change in changes]
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        changes = []
        for index, (left, right) in enumerate(zip(old, new, strict=True)):
            changes += diff_records(left, right, f"{path}[{index}]")
        return changes
    if old == new:
        return []
    if (old is _MISSING and new in (None, [])) or (new is _MISSING and old in (None, [])):
        return []  # a field absent from an older record reads as empty
    # A whole sub-tree appearing or vanishing (answer: null → {...}) is one change.
    return [FieldChange(path, old, new)]


def _unmissing(change: FieldChange) -> FieldChange:
    if change.old is _MISSING or change.new is _MISSING:
        return FieldChange(
            change.path,
            None if change.old is _MISSING else change.old,
            None if change.new is _MISSING else change.new,
        )
    return change


def changed_fields(old: Any, new: Any) -> list[str]:
    """The top-level content fields that differ (what ``history`` shows)."""
    changes = diff_records(record_content(old), record_content(new))
    tops = {change.path.split(".")[0].split("[")[0] for change in changes}
    order = list(new) if isinstance(new, dict) else []
    return [name for name in order if name in tops] + sorted(tops - set(order))


def replaced_fields(old: dict[str, Any], new: dict[str, Any], changed: list[str]) -> list[str]:
    """Those of the ``changed`` fields where a value held in ``old`` changed: corrected, not filled in.

    An answer published where there was none is new, and so is a part of it the
    older version lacked (the text of an answer the Sénat's CSV gave only the date
    of); a change to a part that was there (its text, date or page) is a correction.

    Example:
        >>> replaced_fields({"answer": None, "title": "T"}, {"answer": {}, "title": "U"},
        ...                 ["answer", "title"])
        ['title']
        >>> replaced_fields({"answer": {"text": None}}, {"answer": {"text": "R"}}, ["answer"])
        []
    """
    return [
        name
        for name in changed
        if any(
            change.old not in (None, [], {}, "")
            for change in diff_records(old.get(name), new.get(name), name)
        )
    ]
