"""Helpers shared by the AN parsers: identity, canonical URL, decoding, checks."""

from __future__ import annotations

import re

from qarchive.errors import InvalidQuestionId, UnknownFormat
from qarchive.ids import Chamber, QuestionId
from qarchive.settings import DEFAULT_AN_URL
from qarchive.text import repair_mojibake

__all__ = ["decode_page", "public_url", "question_id", "unrecognised"]

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_-]+)""", re.IGNORECASE)


def question_id(legislature: int | None, kind: str | None, number: int | None, *, url: str) -> QuestionId:
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
    if content.startswith(b"\xef\xbb\xbf"):
        return repair_mojibake(content[3:].decode("utf-8", errors="replace"))
    head = content[:4096]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    charset = match.group(1).decode("ascii").lower() if match else None
    if charset in ("iso-8859-1", "latin-1", "latin1"):
        charset = "cp1252"  # what servers mean by it: cp1252 is a superset for text
    if charset is not None:
        try:
            return repair_mojibake(content.decode(charset))
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return repair_mojibake(content.decode("utf-8"))
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")
