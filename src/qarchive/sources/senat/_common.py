"""What every Sénat source shares: identity, names, ministries, statuses.

The page, the ``questions-depuis-un-an.csv`` file and the SQL dump spell the same
facts differently (``BONNECARRÈRE Philippe`` on the page, separate columns in the
files; ``Ministère de l'intérieur`` on the page, ``Intérieur`` in the files). These
functions bring each spelling to the one record, so that a question imported from
the open data and the same question fetched from its page are equal but for the
fields a source does not carry.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from qarchive.errors import InvalidQuestionId, UnknownFormat
from qarchive.model.ids import Chamber, QuestionId, legislature_on, parse_question_id
from qarchive.model.question import Author, Group, Ministry, Status
from qarchive.settings import DEFAULT_SENAT_URL
from qarchive.sources.text import normalize_space

__all__ = [
    "display_name",
    "identity",
    "parse_reference",
    "public_url",
    "senat_author",
    "senat_ministry",
    "status_from_words",
    "unrecognised",
]

# Surname particles that stay lower-case inside a name ("Nathalie de La Gontrie"
# is spelled "DE LA GONTRIE Nathalie" on the page).
_PARTICLES = frozenset({"de", "du", "des", "d'", "la", "le", "les", "van", "von", "der"})
# "Ministère de l'intérieur" → "Intérieur": the short name the open data uses.
_MINISTRY_PREFIX = re.compile(
    r"^minist[èe]re\s+(?:de\s+la\s+|de\s+l['’]\s*|des\s+|du\s+|de\s+)", re.IGNORECASE
)
# "ministère : Culture", the label of pre-1990 records in the current template.
_MINISTRY_COLON = re.compile(r"^minist[èe]re\s*:\s*", re.IGNORECASE)

# Most specific first; matched on the lower-cased status words of any source.
_STATUS_WORDS: tuple[tuple[str, Status], ...] = (
    ("cadu", Status.LAPSED),  # caduc, caduque, caducité
    ("transform", Status.CONVERTED),
    ("retir", Status.WITHDRAWN),
    ("réponse reçue", Status.ANSWERED),
    ("reponse recue", Status.ANSWERED),
    ("répondu", Status.ANSWERED),
    ("attente", Status.PENDING),
    ("en cours", Status.PENDING),
)


def unrecognised(url: str, why: str) -> UnknownFormat:
    """The error for content that is not a Sénat question in a known layout."""
    return UnknownFormat(f"unrecognised Sénat page layout at {url}: {why}", url=url)


def parse_reference(text: str, *, url: str) -> QuestionId:
    """The ID of a Sénat question from its reference (``SEQ…``, ``qSEQ…``), or fail."""
    try:
        qid = parse_question_id(text)
    except InvalidQuestionId as exc:
        raise unrecognised(url, str(exc)) from None
    if qid.chamber is not Chamber.SENAT:
        raise unrecognised(url, f"{text!r} is not a Sénat reference")
    return qid


def public_url(qid: QuestionId) -> str:
    """The question's public page on the Sénat site, independent of where it was fetched."""
    return f"{DEFAULT_SENAT_URL}/questions/base/{qid.year}/q{qid.canonical}.html"


def identity(
    qid: QuestionId, *, published: dt.date, legislature: int | None = None, kind: str | None = None
) -> dict[str, Any]:
    """The identity fields of a Sénat record.

    Args:
        qid: the validated reference.
        published: the JO publication date, which fixes the legislature when the
            source does not print it.
        legislature: the legislature as the source gives it, if it does.
        kind: the nature as the source gives it (``QE``, ``QOSD``...), if it does;
            otherwise the one the reference implies.
    """
    return {
        "id": qid.canonical,
        "chamber": Chamber.SENAT,
        "legislature": legislature if legislature is not None else legislature_on(published),
        "number": qid.number,
        "kind": (kind or qid.kind).upper(),
        "url": public_url(qid),
    }


def display_name(surname: str, first_name: str | None) -> str:
    """``Prénom Nom`` from a surname that may be in capitals: ``BONNECARRÈRE`` → ``Bonnecarrère``.

    A surname already in mixed case is kept as written.
    """
    surname = normalize_space(surname)
    if surname.isupper():
        surname = _title_surname(surname)
    first = normalize_space(first_name or "")
    return f"{first} {surname}".strip()


def _title_surname(surname: str) -> str:
    words = []
    for index, word in enumerate(surname.lower().split(" ")):
        if index > 0 and word in _PARTICLES:
            words.append(word)
            continue
        # Capitalise each part of "jean-louis" and after an apostrophe: "d'aubert" → "D'Aubert".
        parts = re.split(r"([-'’])", word)
        words.append("".join(part[:1].upper() + part[1:] for part in parts))
    return " ".join(words)


def senat_author(
    *,
    civility: str | None,
    surname: str | None,
    first_name: str | None,
    constituency: str | None,
    group: str | None,
    published_name: str | None = None,
    matricule: str | None = None,
) -> Author:
    """The author of a Sénat question, from whichever spelling the source gives.

    Args:
        civility: ``M.``, ``Mme``, ``Mlle`` as published.
        surname: the surname, in capitals (page) or not (open data).
        first_name: the first name.
        constituency: the département (or "Français établis hors de France").
        group: the group's short name as published (``UC``, ``Les Républicains``).
        published_name: the name exactly as the page prints it, ``BONNECARRÈRE Philippe``.
        matricule: the senator's matricule (``14263U``), where the source has it.
    """
    name = display_name(surname, first_name) if surname else None
    place = normalize_space(constituency) if constituency else None
    short = normalize_space(group) if group else None
    return Author(
        name=name or None,
        civility=normalize_space(civility) if civility else None,
        ref=matricule.strip().upper() if matricule else None,
        group=Group(short=short) if short else None,
        constituency=place or None,
        department=place or None,
        published_name=normalize_space(published_name) if published_name else None,
    )


def senat_ministry(label: str | None) -> Ministry | None:
    """A ministry from its label as a Sénat source prints it.

    ``Ministère de l'intérieur`` → name ``Intérieur``, full name as printed;
    ``ministère : Culture`` → name ``Culture``; a short label (``Intérieur``) or any
    other wording (``Secrétariat d'État, auprès du …``) is kept as the name.
    """
    if not label:
        return None
    label = normalize_space(label).rstrip(" .")
    if not label:
        return None
    if match := _MINISTRY_COLON.match(label):
        return Ministry(name=_capitalise(label[match.end() :]))
    if match := _MINISTRY_PREFIX.match(label):
        return Ministry(name=_capitalise(label[match.end() :]), full_name=label)
    return Ministry(name=_capitalise(label))


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def status_from_words(words: str | None, *, answered: bool) -> Status:
    """The record status from a source's status words (``Réponse reçue``, ``caduque``...).

    An answer found in the content always means ANSWERED.
    """
    if answered:
        return Status.ANSWERED
    lowered = (words or "").lower()
    for word, status in _STATUS_WORDS:
        if word in lowered:
            return status
    return Status.PENDING
