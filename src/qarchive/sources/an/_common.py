"""Helpers shared by the AN parsers: identity, canonical URL, decoding, checks."""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from qarchive.errors import InvalidQuestionId, UnknownFormat
from qarchive.model.ids import Chamber, QuestionId
from qarchive.model.question import Status
from qarchive.settings import DEFAULT_AN_URL
from qarchive.sources.text import normalize_space, normalize_text, repair_mojibake

__all__ = [
    "as_list",
    "clean_field",
    "closure_status",
    "decode_page",
    "decode_page_utf8",
    "identity",
    "page_tree",
    "public_url",
    "question_id",
    "status_of",
    "unrecognised",
]

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_-]+)""", re.IGNORECASE)


def question_id(
    legislature: int | None, kind: str | None, number: int | None, *, url: str
) -> QuestionId:
    """Build the ID of a parsed question, or fail as an unrecognised layout."""
    if legislature is None or number is None:
        raise unrecognised(url, "no legislature or question number found")
    try:
        return QuestionId(Chamber.AN, legislature, (kind or "QE").upper(), number)
    except InvalidQuestionId as exc:
        raise unrecognised(url, str(exc)) from None


def public_url(qid: QuestionId) -> str:
    """The question's public page on the AN site, independent of where it was fetched."""
    return f"{DEFAULT_AN_URL}/dyn/{qid.legislature}/questions/{qid.uid}"


def unrecognised(url: str, why: str) -> UnknownFormat:
    """The error for content that is not a question page in a known layout."""
    return UnknownFormat(f"unrecognised page layout at {url}: {why}", url=url)


def decode_page(content: bytes) -> str:
    """Decode a page by its declared charset (BOM, XML declaration, meta), then repair mojibake.

    Undeclared pages are tried as UTF-8, then as windows-1252, the AN's legacy charset.
    """
    return _decode(content)[0]


def decode_page_utf8(content: bytes) -> tuple[str, bytes | None]:
    """``decode_page(content)``, and ``content`` itself when it is that text's UTF-8 encoding.

    The second item is None when the page was decoded another way or repaired.
    """
    text, plain_utf8 = _decode(content)
    return text, content if plain_utf8 else None


def page_tree(content: bytes) -> LexborHTMLParser:
    """The lexbor tree of a page: ``LexborHTMLParser(decode_page(content))``.

    When the page is plain UTF-8 (nothing to repair), lexbor is given the bytes
    themselves, which are what it would get by encoding the text back: this saves
    that encoding, a tenth of the parse of a large page.
    """
    text, plain_utf8 = _decode(content)
    return LexborHTMLParser(content if plain_utf8 else text)


def _decode(content: bytes) -> tuple[str, bool]:
    """The page's text, and whether it is ``content`` read as UTF-8 with nothing changed."""
    if content.startswith(b"\xef\xbb\xbf"):
        return repair_mojibake(content[3:].decode("utf-8", errors="replace")), False
    head = content[:4096]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    charset = match.group(1).decode("ascii").lower() if match else None
    if charset in ("iso-8859-1", "latin-1", "latin1"):
        charset = "cp1252"  # what servers mean by it: cp1252 is a superset for text
    if charset is not None:
        try:
            text = content.decode(charset)
            repaired = repair_mojibake(text)
            return repaired, repaired is text and codecs.lookup(charset).name == "utf-8"
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        text = content.decode("utf-8")
        repaired = repair_mojibake(text)
        return repaired, repaired is text
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace"), False


def as_list(value: Any) -> list[Any]:
    """Normalise a single-or-list field of the AN open data to a list.

    The AN's XML-to-JSON conversion turns a repeated element into an array and a
    lone one into an object, and writes an absent one as ``null``: all three come
    back as a list, without the nulls.

    Example:
        ``as_list(None) == []``, ``as_list({"a": 1}) == [{"a": 1}]``.
    """
    if value is None:
        return []
    if isinstance(value, list):
        return [item for item in value if item is not None]
    return [value]


def clean_field(value: Any) -> str | None:
    """Normalise a one-line field (name, code, label): entities, mojibake, spaces.

    Returns None for anything that is not a non-blank string, so that explicit
    nulls and empty elements both mean "absent".
    """
    if not isinstance(value, str):
        return None
    # normalize_text only changes spaces unless there are entities or mojibake, and
    # normalize_space redoes every space: most fields skip the first pass.
    if "&" in value or repair_mojibake(value) is not value:
        value = normalize_text(value)
    return normalize_space(value) or None


# Only REP_PUB is attested; the other closures are known by their labels on the
# site ("Fin de mandat", "retirée"), so match on code and label alike.
# Most specific first: old pages close a lapsed question as "retirée (fin de
# mandat)" and a converted one as "retirée (transformée en question orale)".
_CLOSURE_WORDS: tuple[tuple[str, Status], ...] = (
    ("fin de mandat", Status.LAPSED),
    ("cadu", Status.LAPSED),  # caduc, caduque, caducité
    ("transform", Status.CONVERTED),
    ("retir", Status.WITHDRAWN),
    ("retrait", Status.WITHDRAWN),
)


def identity(qid: QuestionId) -> dict[str, Any]:
    """The identity fields every AN record starts with, from its validated ID."""
    return {
        "id": qid.canonical,
        "chamber": Chamber.AN,
        "legislature": qid.legislature,
        "number": qid.number,
        "kind": qid.kind,
        "url": public_url(qid),
    }


def status_of(closed: Mapping[str, Any] | None, *, answered: bool) -> Status:
    """:func:`closure_status` of a record's closure part (``code`` and ``reason``), if any."""
    if not closed:
        return closure_status(None, None, answered=answered)
    return closure_status(closed["code"], closed["reason"], answered=answered)


def closure_status(code: str | None, reason: str | None, *, answered: bool) -> Status:
    """The status of an AN question from its closure code and label.

    Args:
        code: the closure code (``REP_PUB``, ...), or None.
        reason: the closure label as published ("Réponse publiée", "Fin de mandat"), or None.
        answered: whether an answer was found in the content.

    Returns:
        ANSWERED when there is an answer or the code is ``REP_PUB``; WITHDRAWN,
        LAPSED or CONVERTED when the code or label says so; PENDING otherwise.
    """
    if answered or (code or "").upper() == "REP_PUB":
        return Status.ANSWERED
    words = f"{code or ''} {reason or ''}".lower()
    for word, status in _CLOSURE_WORDS:
        if word in words:
            return status
    return Status.PENDING
