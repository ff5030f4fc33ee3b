"""Recognise error pages that the parliament's sites serve with HTTP 200.

Such a page is a failed fetch, never a new version of a question.
"""

from __future__ import annotations

import re

from qarchive.errors import ErrorPage

__all__ = ["check_error_page"]

# Signatures seen on the AN and Sénat sites and in the scrapers that came before.
# Matched against the lower-cased head of the page: faster than IGNORECASE.
_SIGNATURES = re.compile(
    rb"the page cannot be found"
    rb"|<title>\s*(?:50\d|40[34])\b"
    rb"|error 50\d service unavailable"
    rb"|service unavailable"
    rb"|aucun r(?:\xc3\xa9|\xe9|&eacute;)sultat ne correspond (?:\xc3\xa0|\xe0|&agrave;) votre recherche"
    rb"|site (?:est )?(?:actuellement )?en (?:cours de )?maintenance"
    rb"|<title>[^<]*(?:page introuvable|page non trouv)"
    rb"|<title>[^<]*maintenance"
)


def check_error_page(content: bytes, *, url: str) -> None:
    """Raise :class:`ErrorPage` when ``content`` is an error or maintenance page.

    Only the head of the page is searched: real questions quote all sorts of text.
    """
    match = _SIGNATURES.search(content[:8192].lower())
    if match is not None:
        shown = match.group().decode("utf-8", errors="replace").strip()
        raise ErrorPage(f"{url} returned an error page ({shown!r}) with status 200", url=url)
