"""Tell which AN format a piece of content is in, by looking at the content only.

The same URL has served several markups over the years, so the URL is no guide.
"""

from __future__ import annotations

import re

from qarchive.model.question import SourceFormat
from qarchive.sources.an._common import unrecognised

__all__ = ["HEAD", "LoweredHead", "detect_format"]

HEAD = 200_000  # every marker sits well within the first part of a page

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
_LOWERED_XML_ROOT = re.compile(rb"<question\s+type=")
# Each case-sensitive marker above, with a marker its lower-cased form holds:
# when the lower-cased head lacks the second, the head cannot hold the first.
# "qanr5l" is one of the markers the Sénat detection looks for first.
_IMPLIED = {marker: marker.lower() for _, markers in _MARKERS for marker in markers}
_IMPLIED[b'data-id="QANR5L'] = b"qanr5l"


class LoweredHead:
    """The lower-cased head of some content, and which markers it holds, each looked for once.

    Format detection and the error-page check each looked for their markers in a
    lower-cased copy of the page's head; sharing one copy, and remembering what was
    found, spares the scans of a page that they repeated (a missed marker scans the
    whole head).
    """

    __slots__ = ("_found", "_xml_root", "lowered")

    def __init__(self, content: bytes) -> None:
        self.lowered = content[:HEAD].lower()
        self._found: dict[bytes, bool] = {}
        self._xml_root: bool | None = None

    def has(self, marker: bytes) -> bool:
        """``marker in content[:HEAD].lower()``; ``marker`` is in lower case."""
        found = self._found.get(marker)
        if found is None:
            found = self._found[marker] = marker in self.lowered
        return found

    def lacks(self, marker: bytes) -> bool:
        """True when ``marker`` was looked for and not found; nothing is scanned here."""
        return self._found.get(marker) is False

    def has_xml_root(self) -> bool:
        """Whether the lower-cased head holds ``<question type=`` (spaces allowed)."""
        if self._xml_root is None:
            self._xml_root = _LOWERED_XML_ROOT.search(self.lowered) is not None
        return self._xml_root

    def lacks_xml_root(self) -> bool:
        """True when ``<question type=`` was looked for and not found."""
        return self._xml_root is False


def detect_format(
    content: bytes, *, url: str = "<content>", head: LoweredHead | None = None
) -> SourceFormat:
    """Return the format of ``content``.

    Args:
        content: the content to look at.
        url: named in the error.
        head: the content's :class:`LoweredHead`, when the caller has one.

    Raises:
        UnknownFormat: the content is in no AN format qarchive knows.
    """
    start = content[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"{") and b'"question"' in content[:4096]:
        return SourceFormat.AN_OPENDATA_JSON
    if head is None:
        head = LoweredHead(content)
    text = content[:HEAD]
    # Each case-sensitive test is skipped when the lower-cased head was found not
    # to hold its marker (the Sénat detection looks for them first).
    if not head.lacks_xml_root() and b"<QUESTION" in text and _XML_ROOT.search(text):
        return SourceFormat.AN_QUESTION_XML
    for fmt, markers in _MARKERS:
        if any(not head.lacks(_IMPLIED[marker]) and marker in text for marker in markers):
            return fmt
    if any(head.has(marker) for marker in _FICHE_MARKERS):
        return SourceFormat.AN_FICHE_HTM
    raise unrecognised(url, "not a question in any known Assemblée nationale format")
