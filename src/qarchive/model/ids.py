"""Question IDs: strict parsing of every accepted form, and canonical spellings.

An ID is matched against a strict pattern before any part of it reaches a path or
a URL, so ``../../etc`` or a stray host can never leak into either.

Accepted for the Assemblée nationale (case-insensitive)::

    15-12526QE                      canonical: legislature-number + kind
    QANR5L15QE12526                 the open-data uid
    http(s)://questions.assemblee-nationale.fr/q15/15-12526QE.htm
    http(s)://www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE12526
    http(s)://www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE12526.json

Accepted for the Sénat (case-insensitive)::

    SEQ180304125                    canonical: SEQ + yymm of JO publication + number
    qSEQ180304125, SEQ16030791G     the page name; 4 digits + a letter for oral kinds
    http(s)://www.senat.fr/questions/base/2018/qSEQ180304125.html   (any *.senat.fr host)
    http(s)://www.senat.fr/basile/visio.do?id=qSEQ16030791G&idtable=...

A bare Sénat number (``04125``) is ambiguous, numbering restarts each legislature:
it is refused here and resolved, where it can be, against the archive
(:func:`qarchive.jobs.fetch.parse_ids`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import SplitResult, parse_qs, urlsplit

from qarchive.errors import InvalidQuestionId

__all__ = [
    "ACCEPTED_FORMS",
    "AN_HOSTS",
    "SENAT_HOSTS",
    "Chamber",
    "QuestionId",
    "bare_number",
    "legislature_on",
    "parse_chamber",
    "parse_question_id",
    "senat_kind",
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

# The letter after four digits names the kind of a Sénat oral question; five digits
# are a QE. G and S are seen on real pages; C (questions cribles) is inferred.
SENAT_KIND_LETTERS = {"G": "QG", "S": "QOSD", "C": "QC"}
_SENAT_LETTER_OF_KIND = {kind: letter for letter, kind in SENAT_KIND_LETTERS.items()}
SENAT_FIRST_YEAR = 1978  # the Sénat's question base starts in April 1978

# First day of each legislature (the Sénat numbers its questions by the AN's
# legislatures: numbering restarts with each).
LEGISLATURE_STARTS = (
    (5, dt.date(1973, 4, 2)),
    (6, dt.date(1978, 4, 3)),
    (7, dt.date(1981, 7, 2)),
    (8, dt.date(1986, 4, 2)),
    (9, dt.date(1988, 6, 23)),
    (10, dt.date(1993, 4, 2)),
    (11, dt.date(1997, 6, 12)),
    (12, dt.date(2002, 6, 19)),
    (13, dt.date(2007, 6, 20)),
    (14, dt.date(2012, 6, 20)),
    (15, dt.date(2017, 6, 21)),
    (16, dt.date(2022, 6, 22)),
    (17, dt.date(2024, 7, 18)),
)

ACCEPTED_FORMS = (
    "an Assemblée nationale question ID such as 15-12526QE (kinds QE, QG, QOSD) "
    "or QANR5L15QE12526, or its URL "
    "(https://questions.assemblee-nationale.fr/q15/15-12526QE.htm, "
    "https://www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE12526, "
    "https://www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE12526.json); "
    "or a Sénat reference such as SEQ180304125 or qSEQ16030791G, or its URL "
    "(https://www.senat.fr/questions/base/2018/qSEQ180304125.html)"
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
_SENAT_REF = re.compile(
    r"q?SEQ(?P<yy>\d{2})(?P<mm>\d{2})(?:(?P<qe>\d{5})|(?P<oral>\d{4})(?P<letter>[A-Z]))(?:\.html?)?",
    re.IGNORECASE,
)
_SENAT_PAGE_PATH = re.compile(r"/questions/base/(?P<year>\d{4})/(?P<ref>[^/]+)", re.IGNORECASE)
_SENAT_SEARCH_PATH = re.compile(r"/basile/visio\.do", re.IGNORECASE)
_BARE_NUMBER = re.compile(r"(?P<digits>\d{1,5})|(?P<oral>\d{1,4})(?P<letter>[A-Z])", re.IGNORECASE)


def parse_chamber(text: str) -> Chamber:
    """The chamber ``text`` names, in any case and with or without its accent (``sénat``).

    Raises:
        ValueError: ``text`` names neither chamber.
    """
    folded = text.strip().casefold().replace("é", "e")
    return Chamber(folded)


def legislature_on(day: dt.date) -> int:
    """The legislature sitting on ``day`` (from the 5th, 1973, onwards)."""
    current = LEGISLATURE_STARTS[0][0]
    for number, start in LEGISLATURE_STARTS:
        if day < start:
            break
        current = number
    return current


def senat_kind(letter: str | None) -> str:
    """The question kind behind a Sénat number's letter (none for a QE)."""
    if not letter:
        return "QE"
    letter = letter.upper()
    return SENAT_KIND_LETTERS.get(letter, f"Q{letter}")


def bare_number(text: str) -> tuple[str, int] | None:
    """Kind and number of a bare question number (``04125``, ``0791G``), else None.

    Such a number names no chamber or legislature; the kind is the Sénat's.
    """
    match = _BARE_NUMBER.fullmatch(text.strip())
    if match is None:
        return None
    return senat_kind(match["letter"]), int(match["digits"] or match["oral"])


@dataclass(frozen=True, order=True, slots=True)
class QuestionId:
    """A validated question identity. Build it with :func:`parse_question_id`.

    An AN question is (legislature, kind, number). A Sénat question is its
    reference: the year and month of JO publication, kind and number; its
    ``legislature`` is the one sitting in that month (the record carries the
    exact one, from the page or the open data).
    """

    chamber: Chamber
    legislature: int
    kind: str
    number: int
    year: int = 0  # Sénat only: year and month of JO publication
    month: int = 0

    def __post_init__(self) -> None:
        # Guard direct construction too: these values end up in paths and URLs.
        if self.chamber is Chamber.AN:
            if self.kind not in AN_KINDS:
                raise InvalidQuestionId(f"unknown question kind {self.kind!r}")
            if not 1 <= self.legislature <= MAX_LEGISLATURE or not 1 <= self.number <= MAX_NUMBER:
                raise InvalidQuestionId(f"legislature or number out of range in {self!r}")
            if self.year or self.month:
                raise InvalidQuestionId("an Assemblée nationale ID has no year or month")
            return
        if self.chamber is not Chamber.SENAT:
            raise InvalidQuestionId(f"unknown chamber {self.chamber!r}")
        if not re.fullmatch(r"Q[A-Z]{1,3}", self.kind):
            raise InvalidQuestionId(f"unknown question kind {self.kind!r}")
        limit = 99_999 if self.kind == "QE" else 9_999
        if not 1 <= self.number <= limit or not 1 <= self.month <= 12:
            raise InvalidQuestionId(f"number or month out of range in {self!r}")
        if not SENAT_FIRST_YEAR <= self.year < SENAT_FIRST_YEAR + 100:
            raise InvalidQuestionId(f"year out of range in {self!r}")

    @classmethod
    def senat(cls, year: int, month: int, kind: str, number: int) -> QuestionId:
        """A Sénat question ID from its publication month, kind and number."""
        return cls(
            Chamber.SENAT,
            legislature_on(dt.date(year, month, 1)) if 1 <= month <= 12 else 0,
            kind,
            number,
            year,
            month,
        )

    def __str__(self) -> str:
        return self.canonical

    @property
    def canonical(self) -> str:
        """The canonical spelling, e.g. ``15-12526QE`` or ``SEQ180304125``."""
        if self.chamber is Chamber.SENAT:
            return f"SEQ{self.year % 100:02d}{self.month:02d}{self.senat_number}"
        return f"{self.legislature}-{self.number}{self.kind}"

    @property
    def senat_number(self) -> str:
        """The Sénat's public number, five characters: ``04125``, ``0791G``."""
        if self.kind == "QE":
            return f"{self.number:05d}"
        return f"{self.number:04d}{_SENAT_LETTER_OF_KIND.get(self.kind, self.kind[1:])}"

    @property
    def uid(self) -> str:
        """The AN open-data uid (``QANR5L15QE12526``); for the Sénat, the reference."""
        if self.chamber is Chamber.SENAT:
            return self.canonical
        return f"QANR5L{self.legislature}{self.kind}{self.number}"

    @property
    def partition(self) -> str:
        """The archive folder between chamber and ID: the legislature, or the Sénat year."""
        return str(self.year if self.chamber is Chamber.SENAT else self.legislature)


def _build(leg: str, kind: str, num: str, text: str, *, page_leg: str | None = None) -> QuestionId:
    legislature, number = int(leg), int(num)
    if page_leg is not None and int(page_leg) != legislature:
        raise InvalidQuestionId(
            f"invalid question URL {_show(text)}: the path names legislature {int(page_leg)} "
            f"but the question belongs to legislature {legislature}",
            question_id=text,
        )
    if not 1 <= legislature <= MAX_LEGISLATURE:
        latest, since = LEGISLATURE_STARTS[-1]
        raise _invalid(text, f"no legislature {legislature}; the {latest}th sits since {since}")
    if not 1 <= number <= MAX_NUMBER:
        raise _invalid(text, f"question number {number}")
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
        if match := _SENAT_REF.fullmatch(candidate):
            return _build_senat(match, text)
        if bare_number(candidate) is not None:
            raise InvalidQuestionId(
                f"{_show(text)} is a bare number, ambiguous because numbering restarts with each "
                "legislature: type the Sénat reference (SEQ + year and month of "
                "publication + number, e.g. SEQ180304125) or the AN ID (e.g. 15-12526QE)",
                question_id=text,
            )
        raise _invalid(text)
    return _parse_url(candidate, text, frozenset(h.lower() for h in extra_hosts))


def _build_senat(match: re.Match[str], text: str, *, path_year: str | None = None) -> QuestionId:
    yy, month = int(match["yy"]), int(match["mm"])
    year = 1900 + yy if 1900 + yy >= SENAT_FIRST_YEAR else 2000 + yy
    if path_year is not None and int(path_year) != year:
        raise InvalidQuestionId(
            f"invalid question URL {_show(text)}: the path names year {int(path_year)} "
            f"but the reference was published in {year}",
            question_id=text,
        )
    if not 1 <= month <= 12:
        raise _invalid(text, f"month {month:02d} in a Sénat reference")
    number = match["qe"] or match["oral"]
    kind = senat_kind(match["letter"])
    if int(number) == 0:
        raise _invalid(text, "question number 0")
    return QuestionId.senat(year, month, kind, int(number))


def _is_senat_host(host: str) -> bool:
    return host in SENAT_HOSTS or host.endswith(".senat.fr")


def _parse_senat_url(parts: SplitResult, text: str) -> QuestionId:
    match = _SENAT_PAGE_PATH.fullmatch(parts.path)
    if match is not None and (ref := _SENAT_REF.fullmatch(match["ref"])):
        return _build_senat(ref, text, path_year=match["year"])
    if _SENAT_SEARCH_PATH.fullmatch(parts.path):
        for value in parse_qs(parts.query).get("id", []):
            if ref := _SENAT_REF.fullmatch(value):
                return _build_senat(ref, text)
    raise _invalid(text, "not the address of a question")


def _parse_url(candidate: str, text: str, extra_hosts: frozenset[str]) -> QuestionId:
    try:
        parts = urlsplit(candidate)
        netloc = parts.netloc.lower()
        host = (parts.hostname or "").lower()
    except ValueError:
        raise _invalid(text) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise _invalid(text, "only http and https URLs")
    if _is_senat_host(host):
        return _parse_senat_url(parts, text)
    if host not in AN_HOSTS and netloc not in extra_hosts:
        raise _invalid(text, f"{host or 'no host'} is not an Assemblée nationale or Sénat site")
    if netloc in extra_hosts and _SENAT_PAGE_PATH.fullmatch(parts.path):
        return _parse_senat_url(parts, text)
    if match := _LEGACY_PATH.fullmatch(parts.path):
        return _build(match["leg"], match["kind"], match["num"], text, page_leg=match["pleg"])
    if match := _DYN_PATH.fullmatch(parts.path):
        return _build(match["leg"], match["kind"], match["num"], text, page_leg=match["pleg"])
    if match := _OPENDATA_PATH.fullmatch(parts.path):
        return _build(match["leg"], match["kind"], match["num"], text)
    raise _invalid(text, "not the address of a question")
