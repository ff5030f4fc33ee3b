"""What the two legacy ``.htm`` parsers (eZ "question_*" and FICHE QUESTION) share.

Both layouts show the same facts with different markup, so each parser fills a
:class:`LegacyFields` and :func:`build_question` turns it into the record, with
one set of status rules and one set of checks. The parts of the record (author,
publications, answer, closures...) are collected as plain dicts, with the keys
their models' constructors would be given, and validated once with the record:
Pydantic validates nested data much faster than it builds models one by one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from qarchive.model.question import Question, SourceFormat, Status
from qarchive.sources.an._common import closure_status, identity, question_id, unrecognised
from qarchive.sources.text import normalize_space, parse_french_date, parse_int

__all__ = [
    "ODD_CASE",
    "LegacyFields",
    "Part",
    "build_question",
    "find_lapse",
    "kind_from_label",
    "make_publication",
    "parse_dates",
    "split_analysis",
]

_KINDS = (
    (re.compile(r"question\s+[ée]crite", re.IGNORECASE), "QE"),
    (re.compile(r"question\s+au\s+gouvernement", re.IGNORECASE), "QG"),
    (re.compile(r"question\s+orale\s+sans\s+d[ée]bat", re.IGNORECASE), "QOSD"),
)
_ANY_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")
# "Fin de mandat" and "caduque" are the words the AN shows for a question that
# lapsed with the legislature or the member's term; no code for them is attested.
_LAPSE = re.compile(r"fin\s+de\s+mandat|caduque|caducit[ée]", re.IGNORECASE)
# The only letters that a case-insensitive regex matches with "i" or "s" and that
# str.lower() does not turn into them: texts without them can be searched for a
# label, lower-cased, before any case-insensitive regex is run over them.
ODD_CASE = ("\u0130", "\u0131", "\u017f")  # İ, ı, ſ

# A part of the record before validation: the keyword arguments of its model
# (Author, Ministry, Publication, Answer, Closure, Signalement, Erratum).
Part = dict[str, Any]


@dataclass(slots=True)
class LegacyFields:
    """The facts a legacy page shows, collected before the record is built."""

    legislature: int | None = None
    number: int | None = None
    kind: str | None = None
    title: str | None = None
    rubrique: str | None = None
    heading: str | None = None
    analysis: list[str] = field(default_factory=list)
    author: Part = field(default_factory=dict)
    ministry_asked: Part | None = None
    ministry_responding: Part | None = None
    attribution_changes: list[date] = field(default_factory=list)
    published: Part | None = None
    text: str | None = None
    answer: Part | None = None
    withdrawal: Part | None = None
    lapse: Part | None = None
    closure_code: str | None = None
    signalements: list[Part] = field(default_factory=list)
    renewals: list[date] = field(default_factory=list)
    errata: list[Part] = field(default_factory=list)


def build_question(fields: LegacyFields, *, fmt: SourceFormat, url: str) -> Question:
    """Turn the collected facts into a record, or refuse a page that lacks the essentials.

    Args:
        fields: what the parser found on the page.
        fmt: the layout the page was parsed as.
        url: the URL the page was fetched from (kept in ``source``).

    Returns:
        The record; its ``url`` is the question's canonical public page.

    Raises:
        UnknownFormat: no legislature, question number or publication date was found.

    """
    qid = question_id(fields.legislature, fields.kind, fields.number, url=url)
    if fields.published is None:
        raise unrecognised(url, "no 'Question publiée au JO le' date found")
    status, closed = _status(fields)
    return Question.model_validate(
        {
            **identity(qid),
            "title": fields.title,
            "rubrique": fields.rubrique,
            "heading": fields.heading,
            "analysis": fields.analysis,
            "author": fields.author,
            "ministry_asked": fields.ministry_asked,
            "ministry_responding": fields.ministry_responding,
            "attribution_history": _attributions(fields),
            "published": fields.published,
            "text": fields.text,
            "answer": fields.answer,
            "status": status,
            "closed": closed,
            "signalements": fields.signalements,
            "renewals": fields.renewals,
            "errata": fields.errata,
            "source": {"format": fmt, "url": url},
        }
    )


def _status(fields: LegacyFields) -> tuple[Status, Part | None]:
    code = fields.closure_code
    if fields.answer is not None:
        return Status.ANSWERED, {"date": fields.answer["published"]["date"], "code": code}
    if fields.withdrawal is not None:
        # The legacy pages close a lapsed question as "retirée" with the motif
        # "fin de mandat" or "caducité": that is a lapse, not a withdrawal.
        # Likewise "transformée en question orale" is a conversion.
        reason = f"retirée {fields.withdrawal.get('reason') or ''}"
        status = closure_status(None, reason, answered=False)
        return status, {**fields.withdrawal, "code": code}
    if fields.lapse is not None:
        return Status.LAPSED, {**fields.lapse, "code": code}
    # A closure code with nothing else to explain it is kept rather than guessed at.
    return Status.PENDING, {"code": code} if code else None


def _attributions(fields: LegacyFields) -> list[Part]:
    # The pages show only the latest attributaire, with the dates it changed:
    # that ministry is known to hold the question from the last change on.
    if fields.ministry_responding is None or not fields.attribution_changes:
        return []
    return [{"ministry": fields.ministry_responding, "date": max(fields.attribution_changes)}]


def kind_from_label(text: str) -> str | None:
    """Map "Question écrite" / "Question au Gouvernement" / "Question orale sans débat".

    Returns:
        ``QE``, ``QG``, ``QOSD``, or None when the text names no kind.

    """
    for pattern, kind in _KINDS:
        if pattern.search(text):
            return kind
    return None


def split_analysis(text: str | None) -> list[str]:
    """Split the "Analyse" keywords, published as ``"rapport. propositions."``.

    Example:
        >>> split_analysis("rapport. propositions. ")
        ['rapport', 'propositions']

    """
    if not text:
        return []
    return [
        word for part in re.split(r"\.\s+|\.$", normalize_space(text)) if (word := part.strip())
    ]


def make_publication(date_text: str | None, page_text: str | None) -> Part | None:
    """A JO publication from ``dd/mm/yyyy`` and page texts; None without a valid date."""
    if not date_text:
        return None
    day = parse_french_date(date_text)
    if day is None:
        return None
    return {"date": day, "page": parse_int(page_text)}


def parse_dates(text: str | None) -> list[date]:
    """Every ``dd/mm/yyyy`` date in ``text``, in order; invalid ones are skipped."""
    if not text:
        return []
    found = (parse_french_date(match.group()) for match in _ANY_DATE.finditer(text))
    return [day for day in found if day is not None]


def find_lapse(text: str) -> Part | None:
    """Find a lapse ("fin de mandat", "caduque") shown in the page's metadata.

    Only pass metadata: the question and answer texts may well use these words.
    The closure date is the first date on the line that names the lapse.
    """
    lowered = text.lower()  # every match holds one of these (no letter of them folds oddly)
    if "mandat" not in lowered and "cadu" not in lowered:
        return None
    for line in text.splitlines():
        if match := _LAPSE.search(line):
            dates = parse_dates(line)
            return {"date": dates[0] if dates else None, "reason": match.group()}
    return None
