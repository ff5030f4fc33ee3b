"""Question IDs: strict parsing of every accepted form, and canonical spellings.

An ID is matched against a strict pattern before any part of it reaches a path or
a URL, so ``../../etc`` or a stray host can never leak into either.

Accepted for the Assemblée nationale (case-insensitive)::

    15-12526QE                      canonical: legislature-number + kind
    QANR5L15QE12526                 the open-data uid
    http(s)://questions.assemblee-nationale.fr/q15/15-12526QE.htm
    http(s)://www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE12526
    http(s)://www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE12526.json
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from qarchive.errors import InvalidQuestionId

__all__ = [
    "ACCEPTED_FORMS",
    "AN_HOSTS",
    "SENAT_HOSTS",
    "Chamber",
    "QuestionId",
    "parse_question_id",
]


class Chamber(StrEnum):
    """The two chambers of the French Parliament."""

    AN = "an"
    SENAT = "senat"


AN_KINDS = ("QE", "QG", "QOSD")
MAX_LEGISLATURE = 30  # the 17th sits in 2026; leave room, refuse nonsense like 99999
MAX_NUMBER = 999_999

AN_HOSTS = frozenset(
    {
        "www.assemblee-nationale.fr",
        "assemblee-nationale.fr",
        "questions.assemblee-nationale.fr",
        "www2.assemblee-nationale.fr",
    }
)
SENAT_HOSTS = frozenset({"www.senat.fr", "senat.fr", "www2.senat.fr", "data.senat.fr"})

ACCEPTED_FORMS = (
    "an Assemblée nationale question ID such as 15-12526QE (kinds QE, QG, QOSD) "
    "or QANR5L15QE12526, or its URL "
    "(https://questions.assemblee-nationale.fr/q15/15-12526QE.htm, "
    "https://www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE12526, "
    "https://www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE12526.json)"
)

_KIND = r"(?P<kind>QE|QG|QOSD)"
_SHORT = re.compile(rf"(?P<leg>\d{{1,3}})-(?P<num>\d{{1,7}}){_KIND}", re.IGNORECASE)
_UID = re.compile(rf"QANR5L(?P<leg>\d{{1,3}}){_KIND}(?P<num>\d{{1,7}})", re.IGNORECASE)
_LEGACY_PATH = re.compile(
    rf"/q(?P<pleg>\d{{1,3}})/(?P<leg>\d{{1,3}})-(?P<num>\d{{1,7}}){_KIND}\.htm"
    r"(?:/vue/xml)?/?",
    re.IGNORECASE,
)
_DYN_PATH = re.compile(
    rf"/dyn/(?P<pleg>\d{{1,3}})/questions/QANR5L(?P<leg>\d{{1,3}}){_KIND}(?P<num>\d{{1,7}})"
    r"(?:\.pdf)?/?",
    re.IGNORECASE,
)
_OPENDATA_PATH = re.compile(
    rf"/dyn/opendata/QANR5L(?P<leg>\d{{1,3}}){_KIND}(?P<num>\d{{1,7}})\.(?:json|xml)",
    re.IGNORECASE,
)
_SENAT_REF = re.compile(r"q?SEQ\d{4}[0-9A-Z]{5}", re.IGNORECASE)


@dataclass(frozen=True, order=True, slots=True)
class QuestionId:
    """A validated question identity. Build it with :func:`parse_question_id`."""

    chamber: Chamber
    legislature: int
    kind: str
    number: int

    def __post_init__(self) -> None:
        # Guard direct construction too: these values end up in paths and URLs.
        if self.chamber is not Chamber.AN:
            raise InvalidQuestionId("only Assemblée nationale IDs are supported")
        if self.kind not in AN_KINDS:
            raise InvalidQuestionId(f"unknown question kind {self.kind!r}")
        if not 1 <= self.legislature <= MAX_LEGISLATURE or not 1 <= self.number <= MAX_NUMBER:
            raise InvalidQuestionId(f"legislature or number out of range in {self!r}")

    def __str__(self) -> str:
        return self.canonical

    @property
    def canonical(self) -> str:
        """The canonical spelling, e.g. ``15-12526QE``."""
        return f"{self.legislature}-{self.number}{self.kind}"

    @property
    def uid(self) -> str:
        """The AN open-data uid, e.g. ``QANR5L15QE12526``."""
        return f"QANR5L{self.legislature}{self.kind}{self.number}"


def _build(leg: str, kind: str, num: str, text: str, *, page_leg: str | None = None) -> QuestionId:
    legislature, number = int(leg), int(num)
    if page_leg is not None and int(page_leg) != legislature:
        raise InvalidQuestionId(
            f"invalid question URL {_show(text)}: the path names legislature {int(page_leg)} "
            f"but the question belongs to legislature {legislature}",
            question_id=text,
        )
    if not 1 <= legislature <= MAX_LEGISLATURE or not 1 <= number <= MAX_NUMBER:
        raise _invalid(text)
    return QuestionId(Chamber.AN, legislature, kind.upper(), number)


def _show(text: str) -> str:
    shown = text if len(text) <= 80 else text[:77] + "..."
    return repr(shown)


def _invalid(text: str, reason: str = "") -> InvalidQuestionId:
    why = f" ({reason})" if reason else ""
    return InvalidQuestionId(
        f"invalid question ID or URL {_show(text)}{why}: expected {ACCEPTED_FORMS}",
        question_id=text,
    )


def parse_question_id(text: str, *, extra_hosts: Iterable[str] = ()) -> QuestionId:
    """Parse an ID or URL in any accepted form into a :class:`QuestionId`.

    Args:
        text: what the user typed (an ID or a URL); surrounding spaces are ignored.
        extra_hosts: more ``host[:port]`` names whose URLs are accepted, e.g. the
            configured base URLs when they point at a mirror or a test server.

    Raises:
        InvalidQuestionId: the text is in none of the accepted forms.

    Example:
        >>> parse_question_id("qanr5l15qe12526").canonical
        '15-12526QE'
    """
    candidate = text.strip()
    for pattern in (_SHORT, _UID):
        if match := pattern.fullmatch(candidate):
            return _build(match["leg"], match["kind"], match["num"], text)
    if "://" not in candidate:
        if _SENAT_REF.fullmatch(candidate):
            raise _invalid(text, "Sénat questions are not supported yet")
        raise _invalid(text)
    return _parse_url(candidate, text, frozenset(h.lower() for h in extra_hosts))


def _parse_url(candidate: str, text: str, extra_hosts: frozenset[str]) -> QuestionId:
    try:
        parts = urlsplit(candidate)
        netloc = parts.netloc.lower()
        host = (parts.hostname or "").lower()
    except ValueError:
        raise _invalid(text) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise _invalid(text, "only http and https URLs")
    if host in SENAT_HOSTS:
        raise _invalid(text, "Sénat questions are not supported yet")
    if host not in AN_HOSTS and netloc not in extra_hosts:
        raise _invalid(text, f"{host or 'no host'} is not an Assemblée nationale site")
    if match := _LEGACY_PATH.fullmatch(parts.path):
        return _build(match["leg"], match["kind"], match["num"], text, page_leg=match["pleg"])
    if match := _DYN_PATH.fullmatch(parts.path):
        return _build(match["leg"], match["kind"], match["num"], text, page_leg=match["pleg"])
    if match := _OPENDATA_PATH.fullmatch(parts.path):
        return _build(match["leg"], match["kind"], match["num"], text)
    raise _invalid(text, "not the address of a question")
