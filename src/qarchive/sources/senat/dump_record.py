"""From one row of the Sénat's SQL dump (with its answers and labels) to a record.

:mod:`qarchive.sources.senat.dump` reads ``questions.sql`` and joins each
``tam_questions`` row to its ``tam_reponses`` rows; this module turns the result,
a small JSON document kept as the version's raw capture, into a :class:`Question`::

    {"tam_questions": {column: value, ...},      # every column, as text or null
     "tam_reponses": [{column: value, ...}, ...],
     "resolved": {"sort": …, "state": …, "nature": …, "themes": {code: label},
                  "ministries": {id: label}, "references": {uuid: reference}}}

A question with several answers keeps the first published (the first in the
file on a tie); the others stay in the raw capture.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from pydantic import ValidationError

from qarchive.bounded_json import JSONTooDeep, load_json
from qarchive.errors import ParseError, UnknownFormat
from qarchive.model.ids import QuestionId
from qarchive.model.question import (
    Answer,
    Attribution,
    Author,
    Closure,
    Erratum,
    Ministry,
    Publication,
    Question,
    Source,
    SourceFormat,
    Status,
)
from qarchive.sources.senat._common import (
    identity,
    senat_author,
    senat_ministry,
    status_from_words,
)
from qarchive.sources.senat.opendata_csv import parse_date, parse_senat_reference, split_themes
from qarchive.sources.text import html_to_text, normalize_space, normalize_text, repair_mojibake

__all__ = ["ANSWERS", "QUESTIONS", "build", "not_the_dump", "parse", "reason"]

QUESTIONS, ANSWERS = "tam_questions", "tam_reponses"
_TAG = re.compile(r"</?(?:p|br|div|span|table|tr|td|ul|ol|li|b|i|em|strong)\b[^>]*>", re.I)
_NUMBER = re.compile(r"\s*(\d{1,9})\s*")
_CIVILITIES = {"m": "M.", "m.": "M.", "mr": "M.", "monsieur": "M.", "mme": "Mme",
               "madame": "Mme", "mlle": "Mlle", "mademoiselle": "Mlle"}  # fmt: skip
_CLOSING = (Status.LAPSED, Status.WITHDRAWN, Status.CONVERTED)


def parse(content: bytes, *, url: str) -> Question:
    """Rebuild the record from its raw capture (the JSON :func:`dump.iter_records` keeps).

    Raises:
        UnknownFormat: not such a JSON document.
        ParseError: the values do not make a valid record.
    """
    try:
        document = load_json(content)
        return build(document, url=url)[0]
    except (
        json.JSONDecodeError,
        JSONTooDeep,
        UnicodeDecodeError,
        KeyError,
        TypeError,
        AttributeError,
    ):
        raise not_the_dump(url, "not a Sénat dump row document") from None
    except ValueError as exc:
        raise ParseError(f"{url}: {reason(exc)}", url=url) from None


def not_the_dump(url: str, why: str) -> UnknownFormat:
    """The error for content that is not (part of) the questions dump."""
    return UnknownFormat(f"{url} is not the Sénat's questions dump: {why}", url=url)


def reason(exc: Exception) -> str:
    """A one-line reason for a row's error (the first of a validation error's)."""
    if isinstance(exc, ValidationError):
        return f"invalid record ({exc.errors()[0]['msg']})"
    return str(exc)


def build(
    document: dict[str, Any], *, url: str, anchor: bool = False
) -> tuple[Question, tuple[str, ...]]:
    """The record of one dump question: its row, its answers' rows and the labels it uses.

    Args:
        document: ``{"tam_questions": {...}, "tam_reponses": [...], "resolved": {...}}``.
        url: the source URL; with ``anchor``, ``#REFERENCE`` is appended to it.
        anchor: append the reference to ``url``.

    Returns:
        The record and notes on choices made (several answers).

    Raises:
        ValueError: no usable reference or publication date, a bad date or reference,
            an invalid record.
    """
    row, resolved = _Row(document[QUESTIONS]), document.get("resolved") or {}
    published = row.date("datejodepot")
    if published is None:
        raise ValueError("no datejodepot (JO publication date)")
    qid = _reference(row, published)
    labels = resolved.get("ministries") or {}
    answers = document.get(ANSWERS) or []
    chosen = _chosen_answer(answers)
    answer = _answer(row, chosen, labels)
    status = _status(row, resolved, answered=answer is not None)
    references = resolved.get("references") or {}
    reminder = row.text("refquerappelee") or references.get(row.text("uuidquerappelee") or "")
    legislature, kind = row.int("legislature"), row.text("natquecod")
    record = Question(
        **identity(qid, published=published, legislature=legislature, kind=kind),
        title=row.text("titre"),
        rubrique=row.text("rubrique"),
        author=_author(row),
        **_ministries(row, labels, answer, published),
        published=Publication(date=published, page=row.int("pagejodepot")),
        text=_long_text(row.raw("txtque")),
        answer=answer,
        status=status,
        closed=_closure(row, resolved, status),
        errata=_errata(row, "question", "dateerr", "pageerr")
        + (_errata(_Row(chosen), "answer", "errdate", "errpage") if chosen and answer else []),
        themes=_themes(row.raw("themes"), resolved.get("themes") or {}),
        reminder_of=_canonical(reminder, "refquerappelee"),
        converted_to=_canonical(references.get(row.text("uuidtrans") or ""), "uuidtrans"),
        source=Source(format=SourceFormat.SENAT_DUMP, url=f"{url}#{qid}" if anchor else url),
    )
    if len(answers) > 1 and answer is not None:
        return record, (
            f"{len(answers)} answers; kept the first published ({answer.published.date})",
        )
    return record, ()


def _author(row: _Row) -> Author:
    return senat_author(
        civility=_civility(row.text("codequalite")),
        surname=row.text("nom"),
        first_name=row.text("prenom"),
        constituency=row.text("circonscription"),
        group=row.text("groupe"),
        matricule=row.text("matricule"),
    )


def _ministries(
    row: _Row, labels: dict[str, str], answer: Answer | None, published: dt.date
) -> dict[str, Any]:
    """Asked (dépôt), responding (réponse, else transmission, else dépôt), transmissions."""
    asked = _ministry(row, "mindepotlib", "mindepotid", labels)
    transmitted = _ministry(row, "mintranlib", "mintranid", labels)
    responding = _ministry(row, "minreplib1", "minrepid1", labels)
    history = []
    if transmitted is not None:
        if asked is not None:
            history.append(Attribution(ministry=asked, date=published))
        history.append(Attribution(ministry=transmitted, date=row.date("datejotran")))
    return {
        "ministry_asked": asked,
        "ministry_responding": responding
        or (answer.ministry if answer else None)
        or transmitted
        or asked,
        "attribution_history": history,
    }


class _Row:
    """Typed access to one dump row's values (strings or None)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def raw(self, column: str) -> str | None:
        value = self.values.get(column)
        return None if value is None else str(value)

    def text(self, column: str) -> str | None:
        value = self.raw(column)
        return normalize_space(repair_mojibake(value)) or None if value is not None else None

    def date(self, column: str) -> dt.date | None:
        try:
            return parse_date(self.raw(column))
        except ValueError as exc:
            raise ValueError(f"{column}: {exc}") from None

    def int(self, column: str) -> int | None:
        match = _NUMBER.fullmatch(self.raw(column) or "")
        return int(match[1]) if match else None


def _reference(row: _Row, published: dt.date) -> QuestionId:
    reference = row.text("reference")
    if reference is None and (number := row.text("numero")):
        reference = f"SEQ{published:%y%m}{number}"  # how the Sénat builds its references
    if reference is None:
        raise ValueError("no reference and no numero")
    return parse_senat_reference(reference, column="reference")


def _canonical(reference: str | None, column: str) -> str | None:
    return parse_senat_reference(reference, column=column).canonical if reference else None


def _ministry(row: _Row, label: str, key: str, labels: dict[str, str]) -> Ministry | None:
    return senat_ministry(row.text(label) or labels.get(row.raw(key) or ""))


def _civility(value: str | None) -> str | None:
    return _CIVILITIES.get(value.lower(), value) if value else None


def _long_text(value: str | None) -> str | None:
    if value is None:
        return None
    if _TAG.search(value):
        return html_to_text(value) or None
    lines = (line.strip() for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return normalize_text("\n\n".join(line for line in lines if line)) or None


def _themes(value: str | None, labels: dict[str, str]) -> list[str]:
    if not value:
        return []
    if "#" not in value and value.strip() not in labels:  # labels rather than codes
        return split_themes(value)
    codes = (code.strip() for code in value.split("#"))
    return [normalize_space(labels[code]) for code in codes if code in labels]


def _answer_date(answer: dict[str, Any]) -> dt.date:
    return _Row(answer).date("datejorep") or dt.date.max


def _chosen_answer(answers: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first published of a question's answers (the first in the file on a tie)."""
    if not answers:
        return None
    return min(enumerate(answers), key=lambda item: (_answer_date(item[1]), item[0]))[1]


def _answer(row: _Row, chosen: dict[str, Any] | None, labels: dict[str, str]) -> Answer | None:
    ministry = _ministry(row, "minreplib1", "minrepid1", labels)
    if chosen is None:  # no tam_reponses row: the question's own answer columns
        published = row.date("datejorep1")
        if published is None:
            return None
        return Answer(published=Publication(date=published), ministry=ministry)
    answer = _Row(chosen)
    session = answer.date("dateseance") or row.date("dateseance")
    published = answer.date("datejorep") or row.date("datejorep1") or session
    if published is None:
        return None
    return Answer(
        published=Publication(date=published, page=answer.int("pagejorep")),
        ministry=_ministry(answer, "minreplib", "minrepid", labels) or ministry,
        text=_long_text(answer.raw("txtrep")),
        session_date=session,
    )


def _status(row: _Row, resolved: dict[str, Any], *, answered: bool) -> Status:
    words = resolved.get("sort") or row.text("sorquecod")
    status = status_from_words(words, answered=answered)
    if status is Status.PENDING and not answered:
        status = status_from_words(resolved.get("state") or row.text("etaquecod"), answered=False)
    if status is Status.PENDING and not answered and row.text("uuidtrans"):
        status = Status.CONVERTED
    return status


def _closure(row: _Row, resolved: dict[str, Any], status: Status) -> Closure | None:
    if status not in _CLOSING:
        return None
    date = row.date("datecloture")
    if date is None and status is Status.CONVERTED:
        date = row.date("dattrans")
    closure = Closure(date=date, reason=resolved.get("sort") or resolved.get("state"))
    return None if closure == Closure() else closure


def _errata(row: _Row, target: str, date_column: str, page_column: str) -> list[Erratum]:
    date = row.date(date_column)
    if date is None:
        return []
    return [Erratum(target=target, published=Publication(date=date, page=row.int(page_column)))]
