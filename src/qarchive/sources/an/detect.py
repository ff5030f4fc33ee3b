"""Tell which AN format a piece of content is in, by looking at the content only.

The same URL has served several markups over the years, so the URL is no guide.
"""

from __future__ import annotations

import re

from qarchive.models import SourceFormat
from qarchive.sources.an._common import unrecognised

__all__ = ["detect_format"]

_HEAD = 200_000  # every marker sits well within the first part of a page

_MARKERS: tuple[tuple[SourceFormat, re.Pattern[bytes]], ...] = (
    (SourceFormat.AN_QUESTION_XML, re.compile(rb"<QUESTION\s+TYPE=")),
    (SourceFormat.AN_DYN_HTML, re.compile(rb"_style-question|data-id=\"QANR5L")),
    # question_*: 2016-2024; contenutexte/span.contenu: the 2012-2016 markup.
    (
        SourceFormat.AN_EZ_HTM,
        re.compile(rb"question_legislature|question_big_content|class=\"contenutexte\""),
    ),
    (SourceFormat.AN_FICHE_HTM, re.compile(rb"<dpq>|<num>|FICHE QUESTION", re.IGNORECASE)),
)


def detect_format(content: bytes, *, url: str = "<content>") -> SourceFormat:
    """Return the format of ``content``.

    Raises:
        UnknownFormat: the content is in no AN format qarchive knows.
    """
    start = content[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"{") and b'"question"' in content[:4096]:
        return SourceFormat.AN_OPENDATA_JSON
    head = content[:_HEAD]
    for fmt, marker in _MARKERS:
        if marker.search(head):
            return fmt
    raise unrecognised(url, "not a question in any known Assemblée nationale format")
