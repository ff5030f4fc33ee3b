"""Recognise error pages that the parliament's sites serve with HTTP 200.

Such a page is a failed fetch, never a new version of a question.
"""

from __future__ import annotations

import re

from qarchive.errors import ErrorPage

__all__ = ["check_error_page"]

# Signatures seen on the AN and Sénat sites and in the scrapers that came before,
# matched against the lower-cased head of the page (faster than IGNORECASE). The
# title signatures are searched in the title alone, the others only when a plain
# substring test says they might be there: a regex of many alternatives, tried at
# every byte of every page, cost more than some parsers.
_TITLE_SIGNATURES = re.compile(
    rb"<title>\s*(?:50\d|40[34])\b"
    rb"|<title>[^<]*(?:page introuvable|page non trouv)"
    rb"|<title>[^<]*maintenance"
)
_BODY_SIGNATURES = re.compile(
    rb"the page cannot be found"
    rb"|error 50\d service unavailable"
    rb"|service unavailable"
    rb"|aucun r(?:\xc3\xa9|\xe9|&eacute;)sultat ne correspond (?:\xc3\xa0|\xe0|&agrave;) votre recherche"
    rb"|site (?:est )?(?:actuellement )?en (?:cours de )?maintenance"
)
_BODY_HINTS = (b"cannot be found", b"unavailable", b"aucun r", b"maintenance")


_HEAD = 8192


def check_error_page(content: bytes, *, url: str, lowered: bytes | None = None) -> None:
    """Raise :class:`ErrorPage` when ``content`` is an error or maintenance page.

    Only the head of the page is searched: real questions quote all sorts of text.
    ``lowered``, when given, is a lower-cased copy of at least the first 8 KB of
    ``content`` (format detection makes one), or of all of it.
    """
    head = content[:_HEAD].lower() if lowered is None else lowered[:_HEAD]
    match = None
    title = head.find(b"<title>")
    while title != -1 and match is None:  # an SVG or a quoted page may hold more than one
        match = _TITLE_SIGNATURES.match(head, title)
        title = head.find(b"<title>", title + 1)
    if any(hint in head for hint in _BODY_HINTS):
        body = _BODY_SIGNATURES.search(head)
        if body is not None and (match is None or body.start() < match.start()):
            match = body  # the first signature in the page names it
    if match is not None:
        shown = match.group().decode("utf-8", errors="replace").strip()
        raise ErrorPage(f"{url} returned an error page ({shown!r}) with status 200", url=url)
