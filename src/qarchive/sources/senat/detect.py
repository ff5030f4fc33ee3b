"""Tell a Sénat question page from any other content, by looking at the content only.

The same URL has served several markups, so the URL is no guide; what every
template shares is its wording: "Question de M. … publiée le dd/mm/yyyy",
"publiée dans le JO Sénat du …", links to ``qSEQ…`` pages.
"""

from __future__ import annotations

import re

from qarchive.sources.an.detect import LoweredHead

__all__ = ["looks_like_senat_page"]

# "é" as UTF-8, as Latin-1 or as an entity; matched on the lower-cased bytes.
_E = rb"(?:\xc3\xa9|\xe9|&eacute;|&#233;|e)"
_SENAT_MARKERS = re.compile(
    rb"qseq\d{8}[0-9a-z]"  # a link to, or the canonical URL of, a question page
    rb"|/questions/base/\d{4}/"
    rb"|jo\s+s" + _E + rb"nat\s+du"  # "publiée dans le JO Sénat du"
    rb"|le\s+texte\s+de\s+cette\s+question\s+sera\s+publi"  # not yet published
    # The current header; tags may sit between its words.
    rb"|question\s+de\s+(?:<[^>]{0,300}>\s*){0,4}(?:m\.|mme|mlle)\s.{0,600}?"
    rb"publi" + _E + rb"e\s+le\s*(?:<[^>]{0,300}>\s*){0,4}\d{1,2}/\d{1,2}/\d{4}",
    re.DOTALL,
)
# Structural markers of the Assemblée nationale formats (sources/an/detect.py):
# a page with one of these is the AN's, even if its text quotes "JO Sénat du".
# Or its XML root, <question type=. The AN detection that follows skips the
# markers found missing here; those found soonest in the AN's own formats come
# first (qanr5l: the open data and dyn pages, then the XML root, eZ, FICHE).
_AN_MARKERS = (
    b"question_legislature",
    b"<dpq>",
    b"question_big_content",
    b"_style-question",
    b'class="contenutexte"',
)


def looks_like_senat_page(content: bytes, *, head: LoweredHead | None = None) -> bool:
    """True when ``content`` is a Sénat question page, in any template or charset.

    ``head`` is the content's :class:`LoweredHead`, when the caller has one.

    Example:
        >>> looks_like_senat_page("<h2>Question de M. X Y (Tarn - UC) publiée le 22/03/2018</h2>".encode())
        True
        >>> looks_like_senat_page(b"<html><body>Bonjour</body></html>")
        False
    """
    if head is None:
        head = LoweredHead(content)
    if (
        head.has(b"qanr5l")
        or head.has_xml_root()
        or any(head.has(marker) for marker in _AN_MARKERS)
    ):
        return False
    lowered = head.lowered
    if b"qseq" in lowered or b"/questions/base/" in lowered:
        return _SENAT_MARKERS.search(lowered) is not None
    if b"jo" not in lowered and b"question" not in lowered:
        return False
    return _SENAT_MARKERS.search(lowered) is not None
