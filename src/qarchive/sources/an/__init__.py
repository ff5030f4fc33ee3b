"""Assemblée nationale sources: one parser module per format, one registry."""

from __future__ import annotations

from collections.abc import Callable

from qarchive.model.question import Question, SourceFormat
from qarchive.sources.an import dyn_html, ez_htm, fiche_htm, opendata_json, question_xml
from qarchive.sources.an.detect import detect_format

__all__ = ["PARSERS", "Parser", "detect_format"]

Parser = Callable[..., Question]  # parse(content: bytes, *, url: str) -> Question

PARSERS: dict[SourceFormat, Parser] = {
    SourceFormat.AN_OPENDATA_JSON: opendata_json.parse,
    SourceFormat.AN_DYN_HTML: dyn_html.parse,
    SourceFormat.AN_EZ_HTM: ez_htm.parse,
    SourceFormat.AN_FICHE_HTM: fiche_htm.parse,
    SourceFormat.AN_QUESTION_XML: question_xml.parse,
}
