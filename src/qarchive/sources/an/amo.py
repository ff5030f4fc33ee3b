"""Parser for the AN "acteurs, mandats, organes" open data (AMO).

The historical dataset (``…/repository/{leg}/amo/tous_acteurs_mandats_organes_xi_legislature/
AMO30_tous_acteurs_tous_mandats_tous_organes_historique.json.zip``) is a zip of one
JSON document per entity: ``json/acteur/PA….json`` holding ``{"acteur": {...}}``,
``json/organe/PO….json`` holding ``{"organe": {...}}`` (and ``json/deport/…``,
which qarchive does not use). Older releases were one document,
``{"export": {"organes": {"organe": [...]}, "acteurs": {"acteur": [...]}}}``,
whose entities have the same shape. It is XML converted to JSON mechanically:

- an actor's ``uid`` is ``{"@xsi:type": "IdActeur_type", "#text": "PA267551"}``,
  an organ's is a plain string;
- an absent value is ``null`` or ``{"@xsi:nil": "true"}``;
- ``mandats.mandat`` and ``organes.organeRef`` are a list, or a lone value;
- numbers (legislature, ``numCirco``) are strings.

Kept: ``etatCivil.ident.civ/prenom/nom``; per mandate ``uid``, ``typeOrgane``,
``organes.organeRef``, ``legislature``, ``dateDebut``/``dateFin``,
``infosQualite.codeQualite`` and ``election.lieu.region/departement/numDepartement/
numCirco``; per organ ``codeType``, ``libelle``, ``libelleAbrev`` (the group's
sigle: ``SOC`` then ``SOC-A``), ``libelleAbrege``, ``legislature``,
``viMoDe.dateDebut/dateFin`` and ``organeParent``. Only mandates in the organ
types of :data:`qarchive.model.reference.KEPT_ORGAN_TYPES` are kept.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import ValidationError

from qarchive.bounded_json import load_json
from qarchive.errors import ParseError
from qarchive.model.reference import KEPT_ORGAN_TYPES, Actor, Mandate, Organ
from qarchive.sources.an._common import as_list, clean_field, unrecognised

__all__ = ["parse", "parse_actor", "parse_organ"]

_ACTOR_REF = re.compile(r"PA\d{1,9}")
_ORGAN_REF = re.compile(r"PO\d{1,9}")
_INT = re.compile(r"^\s*(\d{1,4})\s*$")


def parse(content: bytes, *, url: str) -> Actor | Organ | None:
    """Parse one AMO document: an actor, an organ, or None for another entity.

    Args:
        content: ``{"acteur": {...}}`` or ``{"organe": {...}}`` as bytes.
        url: where it came from (the zip and member name), for error messages.

    Returns:
        The actor or organ; None for the entities qarchive does not use
        (``{"deport": ...}``).

    Raises:
        UnknownFormat: not JSON, or no actor, organ or other single entity in it.
        ParseError: an actor or organ without a valid reference.
    """
    try:
        data = load_json(content)
    except (ValueError, RecursionError) as exc:
        raise unrecognised(url, f"not valid JSON ({exc})") from None
    if not isinstance(data, dict) or len(data) != 1:
        raise unrecognised(url, "not an AMO document (one acteur or organe object)")
    (kind, entity), *_ = data.items()
    if not isinstance(entity, dict):
        raise unrecognised(url, f"not an AMO document ({kind!r} is not an object)")
    if kind == "acteur":
        return parse_actor(entity, url=url)
    if kind == "organe":
        return parse_organ(entity, url=url)
    return None  # deport, and whatever else the dataset adds


def parse_actor(entity: Any, *, url: str) -> Actor:
    """Build an :class:`Actor` from the ``acteur`` object of the AMO data.

    Raises:
        ParseError: no ``PA…`` uid, or values that do not make a valid record.
    """
    block = _obj(entity)
    ref = _ref(block.get("uid"), _ACTOR_REF)
    if ref is None:
        raise ParseError(f"AMO actor without a PA… uid at {url}", url=url)
    ident = _obj(_obj(block.get("etatCivil")).get("ident"))
    mandates = [
        mandate
        for item in as_list(_obj(block.get("mandats")).get("mandat"))
        if (mandate := _mandate(_obj(item))) is not None
    ]
    try:
        return Actor(
            ref=ref,
            civility=_text(ident.get("civ")),
            first_name=_text(ident.get("prenom")),
            last_name=_text(ident.get("nom")),
            mandates=mandates,
        )
    except ValidationError as exc:
        raise ParseError(f"invalid AMO actor {ref} at {url}: {exc}", url=url) from None


def parse_organ(entity: Any, *, url: str) -> Organ:
    """Build an :class:`Organ` from the ``organe`` object of the AMO data.

    Raises:
        ParseError: no ``PO…`` uid or no ``codeType``.
    """
    block = _obj(entity)
    ref = _ref(block.get("uid"), _ORGAN_REF)
    kind = _text(block.get("codeType"))
    if ref is None or kind is None:
        raise ParseError(f"AMO organ without a PO… uid or a codeType at {url}", url=url)
    period = _obj(block.get("viMoDe"))
    try:
        return Organ(
            ref=ref,
            kind=kind,
            name=_text(block.get("libelle")),
            short=_text(block.get("libelleAbrev")),
            abridged=_text(block.get("libelleAbrege")),
            legislature=_int(block.get("legislature")),
            start=_date(period.get("dateDebut")),
            end=_date(period.get("dateFin")),
            parent=_ref(block.get("organeParent"), _ORGAN_REF),
        )
    except ValidationError as exc:
        raise ParseError(f"invalid AMO organ {ref} at {url}: {exc}", url=url) from None


def _mandate(block: dict[str, Any]) -> Mandate | None:
    kind = _text(block.get("typeOrgane"))
    ref = _text(block.get("uid"))
    if kind not in KEPT_ORGAN_TYPES or ref is None:
        return None
    place = _obj(_obj(block.get("election")).get("lieu"))
    organs = [
        organ
        for value in as_list(_obj(block.get("organes")).get("organeRef"))
        if (organ := _ref(value, _ORGAN_REF)) is not None
    ]
    return Mandate(
        ref=ref,
        organ_type=kind,
        organ_refs=organs,
        legislature=_int(block.get("legislature")),
        start=_date(block.get("dateDebut")),
        end=_date(block.get("dateFin")),
        quality=_text(_obj(block.get("infosQualite")).get("codeQualite")),
        region=_text(place.get("region")),
        department=_text(place.get("departement")),
        department_code=_text(place.get("numDepartement")),
        constituency_number=_int(place.get("numCirco")),
    )


def _text(value: Any) -> str | None:
    """A scalar of the converted XML: a string, ``{"#text": ...}``, or nil."""
    if isinstance(value, dict):
        value = value.get("#text")  # {"@xsi:nil": "true"} has none: absent
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    return clean_field(value)


def _ref(value: Any, pattern: re.Pattern[str]) -> str | None:
    text = _text(value)
    return text if text is not None and pattern.fullmatch(text) else None


def _int(value: Any) -> int | None:
    match = _INT.match(_text(value) or "")
    return int(match.group(1)) if match else None


def _date(value: Any) -> dt.date | None:
    text = _text(value)
    try:  # "2017-06-21", sometimes with a time ("2024-07-07T00:00:00")
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
