"""Parser for the AN open-data JSON of one question (``/dyn/opendata/{uid}.json``).

The same schema is served one question at a time and inside the per-legislature
bulk zips (legislatures 15 to 17). It names people and groups by reference only
(``PA…``, ``PO…``): the author's name and civility stay None here, for another
source to fill. Every optional block may be an explicit ``null``, and repeated
elements may be a single object or a list (see :func:`as_list`).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import ValidationError

from qarchive.bounded_json import load_json
from qarchive.errors import ParseError
from qarchive.model.ids import QuestionId
from qarchive.model.question import Question, SourceFormat
from qarchive.sources.an._common import (
    as_list,
    clean_field,
    identity,
    question_id,
    status_of,
    unrecognised,
)
from qarchive.sources.text import html_to_text, parse_french_date

__all__ = ["parse"]

# Bounded digit runs: int() refuses strings over 4,300 digits, and no JO page or
# question number comes near these lengths.
_NUMBER = re.compile(r"^\s*(\d{1,7})\s*$")
_PAGE = re.compile(r"(?<!\d)(\d{1,9})(?!\d)")

# A part of the record before validation: the keyword arguments of its model
# (Author, Group, Ministry, Attribution, Publication, Answer, Closure...). The
# record is validated once, nested: much faster than building each model.
_Part = dict[str, Any]


def parse(content: bytes, *, url: str) -> Question:
    """Parse the open-data JSON of one AN question into a record.

    Args:
        content: the JSON document, ``{"question": {...}}``, as bytes.
        url: where it was fetched from (kept in ``source.url``).

    Returns:
        The record; ``url`` is the question's public page, not the JSON's address.

    Raises:
        UnknownFormat: invalid JSON, or no uid, number or question publication date.
        ParseError: the values do not make a valid record.
    """
    question = _load(content, url=url)
    qid = _identity(question, url=url)
    published = _question_publication(question, kind=qid.kind)
    if published is None:
        raise unrecognised(url, "no publication date for the question")
    try:
        return _build(question, qid, published, url=url)
    except ValidationError as exc:
        raise ParseError(f"invalid question record at {url}: {exc}", url=url) from None


def _build(question: dict[str, Any], qid: QuestionId, published: _Part, *, url: str) -> Question:
    indexation = _obj(question.get("indexationAN"))
    analysis = _analysis(indexation)
    attributions = _attributions(question)
    responding = attributions[-1]["ministry"] if attributions else None
    answer = _answer(question, ministry=responding)
    closed = _closure(_obj(question.get("cloture")))
    return Question.model_validate(
        {
            **identity(qid),
            # XV-XVII put one short phrase in "analyse", which the site shows as the
            # title; several entries would be keywords, as in older legislatures.
            "title": analysis[0] if len(analysis) == 1 else None,
            "rubrique": clean_field(indexation.get("rubrique")),
            "heading": clean_field(indexation.get("teteAnalyse")),
            "analysis": analysis,
            "author": _author(_obj(question.get("auteur"))),
            "ministry_asked": _ministry(question.get("minInt")),
            "ministry_responding": responding,
            "attribution_history": attributions,
            "published": published,
            "text": _question_text(question),
            "answer": answer,
            "status": status_of(closed, answered=answer is not None),
            "closed": closed,
            "signalements": _signalements(question.get("signalement")),
            "renewals": _renewals(_obj(question.get("renouvellements")).get("renouvellement")),
            "errata": _errata(question),
            "source": {"format": SourceFormat.AN_OPENDATA_JSON, "url": url},
        }
    )


def _load(content: bytes, *, url: str) -> dict[str, Any]:
    try:
        data = load_json(content)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise unrecognised(url, f"not valid JSON ({exc})") from None
    question = data.get("question") if isinstance(data, dict) else None
    if not isinstance(question, dict):
        raise unrecognised(url, 'no "question" object in the JSON')
    return question


def _identity(question: dict[str, Any], *, url: str) -> QuestionId:
    uid = clean_field(question.get("uid"))
    if uid is None:
        raise unrecognised(url, "no question uid")
    ident = _obj(question.get("identifiant"))
    qid = question_id(
        _int(ident.get("legislature"), _NUMBER),
        clean_field(question.get("type")),
        _int(ident.get("numero"), _NUMBER),
        url=url,
    )
    if qid.uid != uid.upper():
        raise unrecognised(url, f"uid {uid!r} does not match the identifiant {qid.uid!r}")
    return qid


def _question_publication(question: dict[str, Any], *, kind: str) -> _Part | None:
    texts = _texts(question, "textesQuestion", "texteQuestion")
    if texts:
        return _publication(texts[0].get("infoJO"))
    if kind == "QG":
        # A QG is asked in the chamber and has no written text: its JO is the
        # debates issue of the sitting, which the first attribution records.
        first = next(iter(as_list(_obj(question.get("minAttribs")).get("minAttrib"))), None)
        return _publication(_obj(first).get("infoJO"))
    return None


def _question_text(question: dict[str, Any]) -> str | None:
    texts = _texts(question, "textesQuestion", "texteQuestion")
    return _html(texts[0].get("texte")) if texts else None


def _answer(question: dict[str, Any], *, ministry: _Part | None) -> _Part | None:
    texts = _texts(question, "textesReponse", "texteReponse")
    if not texts:
        return None
    published = _publication(texts[0].get("infoJO"))
    if published is None:
        cloture = _obj(question.get("cloture"))
        day = _date(cloture.get("dateCloture"))
        if day is None or clean_field(cloture.get("codeCloture")) != "REP_PUB":
            return None
        published = {"date": day}
    # Several texteReponse would be one answer printed in parts: keep them all, in order.
    parts = [text for text in (_html(item.get("texte")) for item in texts) if text]
    return {"published": published, "ministry": ministry, "text": "\n\n".join(parts) or None}


def _author(auteur: dict[str, Any]) -> _Part:
    identite, groupe = _obj(auteur.get("identite")), _obj(auteur.get("groupe"))
    group = {
        "short": clean_field(groupe.get("abrege")),
        "full": clean_field(groupe.get("developpe")),
        "ref": clean_field(groupe.get("organeRef")),
    }
    return {
        "ref": clean_field(identite.get("acteurRef")),
        "mandate_ref": clean_field(identite.get("mandatRef")),
        "group": group if _known(group) else None,
    }


def _known(part: _Part) -> bool:
    """Whether a part has any value: a model made of it is not its model's default."""
    return any(value is not None for value in part.values())


def _ministry(value: Any) -> _Part | None:
    block = _obj(value)
    short, full = clean_field(block.get("abrege")), clean_field(block.get("developpe"))
    if short is None and full is None:
        return None
    return {
        "name": short or full or "",
        "full_name": full,
        "ref": clean_field(block.get("organeRef")),
    }


def _attributions(question: dict[str, Any]) -> list[_Part]:
    history = []
    for item in as_list(_obj(question.get("minAttribs")).get("minAttrib")):
        ministry = _ministry(_obj(item).get("denomination"))
        if ministry is None:
            continue
        info = _obj(_obj(item).get("infoJO"))
        history.append(
            {
                "ministry": ministry,
                "date": _date(info.get("dateJO")),
                "jo_type": clean_field(info.get("typeJO")),
            }
        )
    return history


def _analysis(indexation: dict[str, Any]) -> list[str]:
    values = as_list(_obj(indexation.get("analyses")).get("analyse"))
    # Legislature XV spells the same block ANALYSE/ANA.
    values += as_list(_obj(indexation.get("ANALYSE")).get("ANA"))
    return [text for text in (clean_field(value) for value in values) if text]


def _closure(cloture: dict[str, Any]) -> _Part | None:
    closure = {
        "date": (
            _date(cloture.get("dateCloture")) or _date(_obj(cloture.get("infoJO")).get("dateJO"))
        ),
        "code": clean_field(cloture.get("codeCloture")),
        "reason": clean_field(cloture.get("libelleCloture")),
    }
    return closure if _known(closure) else None


def _signalements(value: Any) -> list[_Part]:
    found = []
    for item in as_list(value):
        block = _obj(item)
        signalement = {
            "published": _date(_obj(block.get("infoJO")).get("dateJO")),
            "filed": _date(block.get("dateDepotSignal")),
        }
        if _known(signalement):
            found.append(signalement)
    return found


def _renewals(value: Any) -> list[dt.date]:
    # The element's shape has never been observed: accept a plain date, a
    # dateRenouvellement field or an infoJO block.
    dates = []
    for item in as_list(value):
        if isinstance(item, dict):
            day = _date(item.get("dateRenouvellement")) or _date(
                _obj(item.get("infoJO")).get("dateJO")
            )
        else:
            day = _date(item)
        if day is not None:
            dates.append(day)
    return dates


def _errata(question: dict[str, Any]) -> list[_Part]:
    errata = []
    for target, block, key in (
        ("question", "textesQuestion", "texteQuestion"),
        ("answer", "textesReponse", "texteReponse"),
    ):
        for texte in _texts(question, block, key):
            for item in as_list(texte.get("erratum")):
                # Declared as a string in the schema, never seen: take a date from
                # it, or from an infoJO block should it come as an object.
                if isinstance(item, dict):
                    published = _publication(item.get("infoJO")) or _publication(item)
                else:
                    day = _date(item)
                    published = {"date": day} if day else None
                if published is not None:
                    errata.append({"target": target, "published": published})
    return errata


def _texts(question: dict[str, Any], block: str, key: str) -> list[dict[str, Any]]:
    return [_obj(item) for item in as_list(_obj(question.get(block)).get(key))]


def _publication(value: Any) -> _Part | None:
    info = _obj(value)
    day = _date(info.get("dateJO"))
    if day is None:
        return None
    return {
        "date": day,
        "page": _int(info.get("pageJO"), _PAGE),
        "issue": clean_field(info.get("numJO")),
    }


def _html(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return html_to_text(value) or None


def _date(value: Any) -> dt.date | None:
    return parse_french_date(value) if isinstance(value, str) else None


def _int(value: Any, pattern: re.Pattern[str]) -> int | None:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    match = pattern.search(text) if isinstance(text, str) else None
    return int(match.group(1)) if match else None


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
