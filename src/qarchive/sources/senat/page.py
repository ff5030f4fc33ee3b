"""Parser for the Sénat's question pages, ``/questions/base/{YYYY}/qSEQ….html``.

The same URL has served at least three templates (``samples/senat/README.md``):
the c.2000s one (``<span class="rouge">``, ``<p class="justifie">``), the
2010-2018 one (``<!-- START : primary -->``, ``<h1>`` title, ``<h2>14<sup>e</sup>
législature</h2>``, ``<h2>Question écrite n° 04125 de <b>M. Philippe
Bonnecarrère</b> (Tarn - UC)</h2>``, ``<h3>publiée dans le JO Sénat du … - page
N</h3>``), and the current one ("Question de M. NOM Prénom (Département - GROUPE)
publiée le dd/mm/yyyy", "- page N" after each text), lately with "Les
informations clés" blocks. Pages come as windows-1252 labelled ISO-8859-1, full
of entities and CRLF, or as UTF-8.

What they share is their wording, so the parser reads the page's text, not its
classes: the page becomes clean lines of text, the header line is found, the
lines before it are scanned for the legislature, nature and number, and the
lines after it are read label by label; whatever is not a label is the text of
the question, or of the answer once "Réponse du …" has been seen (that reading is
:mod:`qarchive.sources.senat._page_lines`). Only what no text shows is taken
from the markup: the title (``<h1>``, else ``<title>``), the page's own address
(``<link rel=canonical>``, a "send this page" link), the targets of "Rappelle la
question" and "Transformée en" links, and the senator's matricule.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from itertools import takewhile

from selectolax.lexbor import LexborHTMLParser, LexborNode

from qarchive.errors import InvalidQuestionId, ParseError
from qarchive.model.ids import QuestionId, senat_kind
from qarchive.model.question import (
    Answer,
    Attribution,
    Author,
    Closure,
    Publication,
    Question,
    Source,
    SourceFormat,
)
from qarchive.sources.an._common import decode_page
from qarchive.sources.senat._common import (
    identity,
    parse_reference,
    senat_author,
    status_from_words,
    unrecognised,
)
from qarchive.sources.senat._page_lines import DATE, PageFacts, parse_date, read_lines
from qarchive.sources.text import html_to_text, normalize_space, normalize_text

__all__ = ["parse"]

_NOISE = "script, style, noscript, nav, footer, form, button, iframe, select"
_BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "body"})
_PRIMARY = ("<!-- START : primary -->", "<!-- END : primary -->")

# References: "qSEQ180304125" in a URL, "n° 00064 du 12/07/2017" in words.
_REF = re.compile(r"(?<![A-Za-z0-9])q?SEQ\d{4}(?:\d{5}|\d{4}[A-Za-z])(?![A-Za-z0-9])", re.I)
_NUMBER = re.compile(r"(?P<digits>\d{1,5})(?P<letter>[A-Za-z]?)")
_NUMBER_AND_DATE = re.compile(
    r"n\s*[°º]\s*(?P<number>\d{1,5}[A-Za-z]?)\s*,?\s+(?:du|publiée\s+le)\s+" + DATE
)
_MATRICULE = re.compile(r"(\d{5}[a-z])\.html?$", re.I)
_TITLE_AFFIX = re.compile(
    r"^\s*(?:Sénat|senat\.fr)\s*[-–|:]\s*|\s*[-–|]\s*(?:Sénat|senat\.fr)\s*$", re.I
)
_LAYOUT_HINT = re.compile(r"Question\b[^()]{0,200}?\bde\s+(?:M\.|Mme|Mlle)")
# What a page's <h1> or <title> may say that is no question's title.
_NOT_A_TITLE = re.compile(
    r"Sénat|senat\.fr|Questions?(?:\s+(?:écrites?|orales?|d['’]actualité|de\s+(?:M\.|Mme)).*"
    r"|\s*[Nn]\s*[°º].*)?",
    re.I,
)


@dataclass
class _Markup:
    """What only the markup tells: title, own address, linked references, matricules."""

    title: str | None = None
    own_ref: str | None = None
    reminder_ref: str | None = None
    converted_ref: str | None = None
    senators: list[tuple[str, str]] = field(default_factory=list)  # (link text, matricule)


def parse(content: bytes, *, url: str) -> Question:
    """Parse one Sénat question page, in any of its templates and charsets.

    Args:
        content: the page's bytes (windows-1252 labelled ISO-8859-1, or UTF-8).
        url: the URL it was fetched from, kept as the record's source; its
            ``qSEQ…`` reference names the question when the page does not.

    Returns:
        The record, with ``source.format`` ``senat_html`` and ``url`` the
        question's public page on the Sénat site.

    Raises:
        NotYetPublished: the page says the question's text is not published yet.
        UnknownFormat: no question header, publication date or reference found.
        ParseError: the page shows a question other than the one its reference names.
    """
    document = decode_page(content)
    tree = LexborHTMLParser(document)
    root = _content_root(document, tree, url=url)
    markup = _read_markup(tree, root)
    lines = html_to_text(root).split("\n")
    return _build(read_lines(lines, url=url), markup, url=url)


# -- the markup -------------------------------------------------------------------


def _content_root(document: str, tree: LexborHTMLParser, *, url: str) -> LexborNode:
    """The part of the page that holds the question, with menus and scripts removed."""
    start, end = (document.find(marker) for marker in _PRIMARY)
    if start != -1:
        part = document[start : end if end > start else len(document)]
        tree = LexborHTMLParser(f"<html><body>{part}</body></html>")
    root = tree.body
    if root is None:
        raise unrecognised(url, "no HTML body")
    for node in root.css(_NOISE):
        node.decompose()
    _unwrap_layout_tables(root)
    return root


def _unwrap_layout_tables(root: LexborNode) -> None:
    """Turn the tables that lay the page out (c.2000s) into plain blocks, one per cell.

    A layout table is one that holds the question's header; tables inside the
    texts stay tables, which the text conversion keeps readable.
    """
    line_break = LexborHTMLParser("<br>").css_first("br")
    assert line_break is not None
    for table in root.css("table"):
        if _LAYOUT_HINT.search(table.text(separator=" ")):
            for cell in table.css("td, th"):
                cell.insert_before(line_break)
                cell.insert_after(line_break)
            table.unwrap()


def _read_markup(tree: LexborHTMLParser, root: LexborNode) -> _Markup:
    markup = _Markup()
    for node in (*tree.css('link[rel="canonical"]'), *tree.css('meta[property="og:url"]')):
        address = node.attributes.get("href") or node.attributes.get("content") or ""
        if markup.own_ref is None and (match := _REF.search(address)):
            markup.own_ref = match.group()
    for link in root.css("a[href]"):
        href = link.attributes.get("href") or ""
        ref = _REF.search(href)
        if href.lower().startswith("mailto:"):  # "send this page": names the page itself
            if ref and markup.own_ref is None:
                markup.own_ref = ref.group()
            link.decompose()
        elif ref:
            context = _block_text(link)
            if context.startswith("Rappelle") and markup.reminder_ref is None:
                markup.reminder_ref = ref.group()
            elif context.startswith("Transformée") and markup.converted_ref is None:
                markup.converted_ref = ref.group()
        elif ("senateur" in href or "senfic" in href) and (
            matricule := _MATRICULE.search(href.split("?")[0])
        ):
            markup.senators.append((normalize_space(link.text()), matricule.group(1).upper()))
    markup.title = _take_title(tree, root)
    return markup


def _block_text(node: LexborNode) -> str:
    block: LexborNode | None = node
    while block is not None and block.tag not in _BLOCKS:
        block = block.parent
    return normalize_space((block or node).text(separator=" "))


def _take_title(tree: LexborHTMLParser, root: LexborNode) -> str | None:
    """The ``<h1>`` (taken out of the text), else the ``<title>`` without " - Sénat"."""
    for heading in root.css("h1"):
        text = normalize_space(heading.text(separator=" "))
        if text and not _NOT_A_TITLE.fullmatch(text):
            heading.decompose()
            return text
    node = tree.css_first("title")
    text = _TITLE_AFFIX.sub("", normalize_space(node.text())) if node is not None else ""
    return text if text and not _NOT_A_TITLE.fullmatch(text) else None


# -- the record -------------------------------------------------------------------


def _build(facts: PageFacts, markup: _Markup, *, url: str) -> Question:
    if facts.published is None:
        raise unrecognised(url, "no publication date ('publiée le dd/mm/yyyy') found")
    qid = _question_id(facts, markup, facts.published, url=url)
    answer = _answer(facts)
    responding = facts.answer_ministry or facts.transmitted or facts.asked
    status = status_from_words(facts.closure, answered=answer is not None)
    closed = None
    if answer is None and facts.closure is not None:
        found = re.search(DATE, facts.closure)
        closed = Closure(date=parse_date(found["date"]) if found else None, reason=facts.closure)
    return Question(
        **identity(qid, published=facts.published, legislature=facts.legislature, kind=facts.kind),
        title=markup.title,
        author=_author(facts, markup),
        ministry_asked=facts.asked,
        ministry_responding=responding,
        attribution_history=_attributions(facts),
        published=Publication(date=facts.published, page=facts.page),
        text=_text(facts.question_lines),
        answer=answer,
        status=status,
        closed=closed,
        errata=facts.errata,
        themes=facts.themes,
        reminder_of=_linked(markup.reminder_ref, facts.reminder, url=url),
        converted_to=_linked(markup.converted_ref, _converted(facts), url=url),
        source=Source(format=SourceFormat.SENAT_HTML, url=url),
    )


def _question_id(facts: PageFacts, markup: _Markup, published: dt.date, *, url: str) -> QuestionId:
    """The page's own reference where it shows one, else the one in ``url``."""
    if markup.own_ref is None and facts.number is not None:
        number = _NUMBER.fullmatch(facts.number)
        if number is not None:
            kind = senat_kind(number["letter"]) if number["letter"] else _oral_kind(facts.kind)
            try:
                return QuestionId.senat(
                    published.year, published.month, kind, int(number["digits"])
                )
            except InvalidQuestionId as exc:
                raise unrecognised(url, str(exc)) from None
    ref = markup.own_ref
    if ref is None:
        found = _REF.search(url)
        if found is None:
            raise unrecognised(url, "no question reference (qSEQ…) in the page or its URL")
        ref = found.group()
    qid = parse_reference(ref, url=url)
    if (qid.year, qid.month) != (published.year, published.month):
        raise ParseError(
            f"{url} shows a question published on {published:%d/%m/%Y}, so it cannot be "
            f"{qid.canonical}, published in {qid.month:02d}/{qid.year}",
            url=url,
        )
    return qid


def _oral_kind(kind: str | None) -> str:
    """The kind for a number printed without its letter: only known letters rebuild a reference."""
    return kind if kind in ("QG", "QOSD", "QC") else "QE"


def _author(facts: PageFacts, markup: _Markup) -> Author:
    header = facts.header
    assert header is not None
    printed = normalize_space(header["name"])
    surname, first = _split_name(printed)
    # "(Tarn - UC)": département, then group; départements never hold " - ".
    where = re.split(r"\s+[-–]\s+", normalize_space(header["where"]), maxsplit=1)
    author = senat_author(
        civility=header["civ"],
        surname=surname,
        first_name=first,
        constituency=where[0] or None,
        group=where[1] if len(where) > 1 else None,
        published_name=printed,
        matricule=next(
            (mat for text, mat in markup.senators if surname.casefold() in text.casefold()), None
        ),
    )
    if author.published_name == author.name:  # printed as displayed: nothing to keep
        author = author.model_copy(update={"published_name": None})
    return author


def _split_name(printed: str) -> tuple[str, str | None]:
    """Surname and first name from "BONNECARRÈRE Philippe" (or "Philippe BONNECARRÈRE").

    A name in mixed case ("Philippe Bonnecarrère", the older templates) is kept whole.
    """
    words = printed.split(" ")
    leading = list(takewhile(str.isupper, words))
    if leading and len(leading) < len(words):
        return " ".join(leading), " ".join(words[len(leading) :])
    trailing = list(takewhile(str.isupper, reversed(words)))
    if trailing and len(trailing) < len(words):
        return " ".join(reversed(trailing)), " ".join(words[: -len(trailing)])
    return printed, None


def _answer(facts: PageFacts) -> Answer | None:
    day = facts.answer_date or facts.session_date
    if not facts.answer_seen or facts.no_answer_yet or day is None:
        return None
    return Answer(
        published=Publication(date=day, page=facts.answer_page),
        ministry=facts.answer_ministry,
        text=_text(facts.answer_lines),
        session_date=facts.session_date,
    )


def _attributions(facts: PageFacts) -> list[Attribution]:
    """The attribution history from "Transmise au …": the ministry first asked, then the new one.

    The first holds the question from its publication, as the open data has it.
    """
    if facts.transmitted is None:
        return []
    history = [Attribution(ministry=facts.transmitted, date=facts.transmitted_on)]
    if facts.asked is not None and facts.asked != facts.transmitted:
        history.insert(0, Attribution(ministry=facts.asked, date=facts.published))
    return history


def _converted(facts: PageFacts) -> str | None:
    closure = facts.closure or ""
    return closure if closure.startswith("Transformée") else None


def _linked(ref: str | None, words: str | None, *, url: str) -> str | None:
    """The ID a "Rappelle"/"Transformée" line points to: its link, else number and date."""
    if ref is not None:
        try:
            return parse_reference(ref, url=url).canonical
        except ParseError:
            return None
    match = _NUMBER_AND_DATE.search(words or "")
    day = parse_date(match["date"]) if match else None
    number = _NUMBER.fullmatch(match["number"]) if match else None
    if day is None or number is None:
        return None
    try:
        kind = senat_kind(number["letter"] or None)
        return QuestionId.senat(day.year, day.month, kind, int(number["digits"])).canonical
    except InvalidQuestionId:
        return None


def _text(lines: list[str]) -> str | None:
    return normalize_text("\n".join(lines)) or None
