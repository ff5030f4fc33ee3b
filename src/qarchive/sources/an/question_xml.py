"""Parser for the AN legacy per-question XML export (``…/qNN/NN-NNNNNQE.htm/vue/xml``).

Root ``<QUESTION TYPE="QE">``, UTF-8, dates as ``dd/mm/yyyy``; empty elements
(``<DATE_JO/>``) mean absent. Unlike the open data it names the author, the group
and the constituency; its ids are the AN's bare numeric ones (``ID_ACTEUR`` 923 is
``PA923``). Texts are HTML inside CDATA, answers may hold broken table markup.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from typing import Any

from pydantic import ValidationError

from qarchive.errors import ParseError
from qarchive.model.ids import QuestionId
from qarchive.model.question import Question, SourceFormat
from qarchive.sources.an._common import (
    clean_field,
    identity,
    question_id,
    status_of,
    unrecognised,
)
from qarchive.sources.text import html_to_text, parse_french_date

__all__ = ["parse"]

# Bounded digit runs: int() refuses strings over 4,300 digits, and no legislature,
# question number or JO page comes near these lengths.
_INT = re.compile(r"^\s*(\d{1,9})\s*$")

# A part of the record before validation: the keyword arguments of its model
# (Author, Group, Ministry, Attribution, Publication, Answer, Closure...). The
# record is validated once, nested: much faster than building each model.
_Part = dict[str, Any]


def parse(content: bytes, *, url: str) -> Question:
    """Parse the legacy XML export of one AN question into a record.

    Args:
        content: the XML document, root ``<QUESTION TYPE="QE">``, as bytes.
        url: where it was fetched from (kept in ``source.url``).

    Returns:
        The record; ``url`` is the question's public page, not the export's address.

    Raises:
        UnknownFormat: malformed XML, another root, or no number or publication date.
        ParseError: the values do not make a valid record.
    """
    root = _load(content, url=url)
    depot = root.find("DEPOT[@NUMERO]")
    qid = question_id(
        _int(_text(root, "LEGISLATURE")),
        clean_field(root.get("TYPE")),
        _int(depot.get("NUMERO")) if depot is not None else None,
        url=url,
    )
    published = _publication(depot, "DATE_JO", "PAGE_JO", "NUMERO_JO")
    if published is None:
        raise unrecognised(url, "no publication date for the question")
    try:
        return _build(root, qid, published, url=url)
    except ValidationError as exc:
        raise ParseError(f"invalid question record at {url}: {exc}", url=url) from None


def _load(content: bytes, *, url: str) -> ET.Element:
    try:
        root = ET.fromstring(content)
    except (ET.ParseError, ValueError, LookupError) as exc:  # LookupError: unknown encoding
        raise unrecognised(url, f"not well-formed XML ({exc})") from None
    if root.tag != "QUESTION":
        raise unrecognised(url, f"XML root is <{root.tag}>, not <QUESTION>")
    return root


def _build(root: ET.Element, qid: QuestionId, published: _Part, *, url: str) -> Question:
    indexation = root.find("INDEXATION_AN")
    attributions = _attributions(root)
    responding = attributions[-1]["ministry"] if attributions else None
    closed = _closure(root.find("CLOTURE"))
    answer = _answer(root, responding, closed)
    analysis = [text for text in (_value(ana) for ana in root.iterfind(".//ANALYSE/ANA")) if text]
    return Question.model_validate(
        {
            **identity(qid),
            # As in the open data: one ANA is the title the site shows (XV on), several
            # are keywords.
            "title": analysis[0] if len(analysis) == 1 else None,
            "rubrique": (
                clean_field(indexation.get("RUBRIQUE")) if indexation is not None else None
            ),
            "heading": _text(indexation, "TETE_ANALYSE"),
            "analysis": analysis,
            "author": _author(root),
            "ministry_asked": _ministry(root.find("MINI"), "ID_MINI"),
            "ministry_responding": responding,
            "attribution_history": attributions,
            "published": published,
            "text": _html(root.find("DEPOT/TEXTE_DEPOT")),
            "answer": answer,
            "status": status_of(closed, answered=answer is not None),
            "closed": closed,
            "signalements": _signalements(root),
            "renewals": [
                day
                for order in _entries(root, "RENOUVELLEMENT")
                if (day := _date(_text(order, "DATE_RENOUVELLEMENT"))) is not None
            ],
            "errata": _errata(root),
            "source": {"format": SourceFormat.AN_QUESTION_XML, "url": url},
        }
    )


def _author(root: ET.Element) -> _Part:
    auteur, groupe = root.find("AUTEUR"), root.find("GROUPE")
    circo = root.find("CIRCONSCRIPTION")
    first, last = _text(auteur, "PRENOM"), _text(auteur, "NOM")
    acteur = _text(auteur, "ID_ACTEUR")
    mandat = clean_field(auteur.get("ID_MANDAT")) if auteur is not None else None
    group = None
    if groupe is not None:
        # The legacy group id is numeric: kept as it is, no PO prefix invented.
        group = {
            "short": clean_field(groupe.get("SIGLE")),
            "full": _text(groupe, "LIBELLE"),
            "ref": _text(groupe, "ID_GROUPE"),
        }
    department = _text(circo, "DEPARTEMENT")
    number = _int(circo.get("NUMERO_CIRCONSCRIPTION")) if circo is not None else None
    return {
        "name": " ".join(part for part in (first, last) if part) or None,
        "civility": _text(auteur, "CIVILITE"),
        # The actor and mandate ids are those of the open data without their prefix.
        "ref": f"PA{acteur}" if acteur else None,
        "mandate_ref": f"PM{mandat}" if mandat else None,
        "group": group if group and _known(group) else None,
        "constituency": _constituency(department, number),
        "department": department,
        "constituency_number": number,
        "region": _text(circo, "REGION"),
    }


def _known(part: _Part) -> bool:
    """Whether a part has any value: a model made of it is not its model's default."""
    return any(value is not None for value in part.values())


def _constituency(department: str | None, number: int | None) -> str | None:
    # Spelled as the dyn page shows the place: "Haute-Marne (2e circonscription)".
    if department is None or number is None:
        return department
    return f"{department} ({number}{'re' if number == 1 else 'e'} circonscription)"


def _ministry(block: ET.Element | None, id_tag: str) -> _Part | None:
    short, full = _text(block, "ABREGE"), _text(block, "DEVELOPPE")
    if short is None and full is None:
        return None
    # Legacy ids are numeric; kept as published.
    return {"name": short or full or "", "full_name": full, "ref": _text(block, id_tag)}


def _attributions(root: ET.Element) -> list[_Part]:
    history = []
    for order in _entries(root, "MINA"):
        ministry = _ministry(order, "ID_MINA")
        if ministry is not None:
            history.append(
                {
                    "ministry": ministry,
                    "date": _date(_text(order, "DATE_JO")),
                    "jo_type": _text(order, "TYPE_JO"),
                }
            )
    return history


def _answer(root: ET.Element, ministry: _Part | None, closed: _Part | None) -> _Part | None:
    reponse = root.find("REPONSE")
    if reponse is None:
        return None
    text = _html(reponse.find("TEXTE_REPONSE"))
    # The answer's JO issue is not in REPONSE; CLOTURE's NUMERO_JO is the closure's.
    published = _publication(reponse, "DATE_JO_REPONSE", "PAGE_JO_REPONSE", "NUMERO_JO_REPONSE")
    if published is None and text and closed and closed["code"] == "REP_PUB" and closed["date"]:
        published = {"date": closed["date"]}
    if published is None:
        return None
    return {"published": published, "ministry": ministry, "text": text}


def _closure(block: ET.Element | None) -> _Part | None:
    closure = {
        "date": _date(_text(block, "DATE_JO")),
        "code": _text(block, "ABREGE"),
        "reason": _text(block, "LIBELLE"),
    }
    return closure if _known(closure) else None


def _signalements(root: ET.Element) -> list[_Part]:
    found = []
    for block in _entries(root, "SIGNALEMENT"):
        signalement = {
            "published": _date(_text(block, "DATE_JO")),
            "filed": _date(_text(block, "DATE_DEPOT_SIGNAL")),
        }
        if _known(signalement):
            found.append(signalement)
    return found


def _errata(root: ET.Element) -> list[_Part]:
    errata = []
    for target, tag in (("question", "ERRATUM_QUESTION"), ("answer", "ERRATUM_REPONSE")):
        for block in _entries(root, tag):
            published = _publication(block, "DATE_JO", "PAGE_JO", "NUMERO_JO")
            if published is not None:
                errata.append({"target": target, "published": published})
    return errata


def _entries(root: ET.Element, tag: str) -> list[ET.Element]:
    """Every entry of a block, in ORDRE order; a block without ORDRE is one entry."""
    entries: list[ET.Element] = []
    for block in root.findall(tag):
        orders = block.findall("ORDRE")
        entries += sorted(orders, key=lambda order: _int(order.get("NUMERO")) or 0) or [block]
    return entries


def _publication(
    block: ET.Element | None, date_tag: str, page_tag: str, issue_tag: str
) -> _Part | None:
    day = _date(_text(block, date_tag))
    if day is None:
        return None
    return {"date": day, "page": _int(_text(block, page_tag)), "issue": _text(block, issue_tag)}


def _html(element: ET.Element | None) -> str | None:
    if element is None or not element.text:
        return None
    return html_to_text(element.text) or None


def _text(block: ET.Element | None, tag: str) -> str | None:
    return _value(block.find(tag)) if block is not None else None


def _value(element: ET.Element | None) -> str | None:
    return clean_field(element.text) if element is not None else None


def _date(text: str | None) -> dt.date | None:
    return parse_french_date(text) if text else None


def _int(text: str | None) -> int | None:
    match = _INT.search(text) if text else None
    return int(match.group(1)) if match else None
