"""Tell which AN format a piece of content is in, by looking at the content only.

The same URL has served several markups over the years, so the URL is no guide.
"""

from __future__ import annotations

import re

from qarchive.models import SourceFormat
from qarchive.sources.an._common import unrecognised

__all__ = ["detect_format"]

_HEAD = 200_000  # every marker sits well within the first part of a page

# Each format's markers, as literal bytes: ``in`` scans a page many times faster
# than a regex of alternatives, which is tried at every byte.
_XML_ROOT = re.compile(rb"<QUESTION\s+TYPE=")
_MARKERS: tuple[tuple[SourceFormat, tuple[bytes, ...]], ...] = (
    (SourceFormat.AN_DYN_HTML, (b"_style-question", b'data-id="QANR5L')),
    # question_*: 2016-2024; contenutexte/span.contenu: the 2012-2016 markup.
    (
        SourceFormat.AN_EZ_HTM,
        (b"question_legislature", b"question_big_content", b'class="contenutexte"'),
    ),
)
# Pseudo-tags in any case (<NUM>, <num>): looked for in the lower-cased head.
_FICHE_MARKERS = (b"<dpq>", b"<num>", b"fiche question")


def detect_format(content: bytes, *, url: str = "<content>") -> SourceFormat:
    """Return the format of ``content``.

    Raises:
        UnknownFormat: the content is in no AN format qarchive knows.
    """
    start = content[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"{") and b'"question"' in content[:4096]:
        return SourceFormat.AN_OPENDATA_JSON
    head = content[:_HEAD]
    if b"<QUESTION" in head and _XML_ROOT.search(head):
        return SourceFormat.AN_QUESTION_XML
    for fmt, markers in _MARKERS:
        if any(marker in head for marker in markers):
            return fmt
    lowered = head.lower()
    if any(marker in lowered for marker in _FICHE_MARKERS):
        return SourceFormat.AN_FICHE_HTM
    raise unrecognised(url, "not a question in any known Assemblée nationale format")
