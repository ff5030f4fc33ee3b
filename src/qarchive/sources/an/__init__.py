"""Assemblée nationale sources: one parser module per format, one registry."""

from __future__ import annotations

from collections.abc import Callable

from qarchive.models import Question, SourceFormat
from qarchive.sources.an import dyn_html, ez_htm, fiche_htm, opendata_json, question_xml
from qarchive.sources.an.detect import LoweredHead, detect_format
from qarchive.sources.errorpage import check_error_page

__all__ = ["PARSERS", "Parser", "detect_format", "parse_an"]

Parser = Callable[..., Question]  # parse(content: bytes, *, url: str) -> Question

PARSERS: dict[SourceFormat, Parser] = {
    SourceFormat.AN_OPENDATA_JSON: opendata_json.parse,
    SourceFormat.AN_DYN_HTML: dyn_html.parse,
    SourceFormat.AN_EZ_HTM: ez_htm.parse,
    SourceFormat.AN_FICHE_HTM: fiche_htm.parse,
    SourceFormat.AN_QUESTION_XML: question_xml.parse,
}


def parse_an(content: bytes, *, url: str) -> Question:
    """Parse AN content of any known format into a record.

    Raises:
        ErrorPage: the content is an error page served with status 200.
        UnknownFormat: the content is in no known layout.
        ParseError: the layout is known but the content does not make a valid record.
    """
    head = LoweredHead(content)
    check_error_page(content, url=url, lowered=head.lowered)
    return PARSERS[detect_format(content, url=url, head=head)](content, url=url)
