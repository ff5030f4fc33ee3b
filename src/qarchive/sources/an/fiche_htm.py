"""Parser for the legacy "FICHE QUESTION" pages (legislatures 8-13, ``samples/an/README.md`` §2a-1).

These pages carry every field in custom pseudo-tags (``<num>``, ``<aut>``,
``<dpq>``…) that are not HTML: an HTML parser would move or drop them, so each
is read with a regex over the decoded text. Other scrapers met them in upper
case (``<NUM>``), hence every match is case-insensitive. Only the inner HTML of
``<quest>`` and ``<rep>`` goes through the HTML-to-text conversion.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

from qarchive.model.question import Question, SourceFormat
from qarchive.sources.an._common import clean_field, decode_page_utf8
from qarchive.sources.an._legacy import (
    LegacyFields,
    Part,
    build_question,
    find_lapse,
    make_publication,
    parse_dates,
    split_analysis,
)
from qarchive.sources.text import has_mojibake, html_to_text, normalize_space, parse_int

__all__ = ["parse"]

_TAGS = (
    "leg", "nleg", "num", "nat", "civ", "aut", "groupe", "grp", "dept", "reg",
    "mini", "mina", "rub", "tana", "ana", "dpq", "pgq", "dpr", "pgrep", "quest", "rep",
    "codret", "ret", "dret", "cret", "dsign", "draps", "dca", "derq", "pgerq", "derr", "pgerrep",
)  # fmt: skip
# "\b" after the name keeps <rep> from matching <reponse>, <ret> from <reg>…
# Opening and closing tags are found apart: a single (.*?) regex would rescan
# the rest of the page for every unclosed tag, quadratic on a hostile page.
_OPEN = {name: re.compile(rf"<{name}\b[^>]*>", re.IGNORECASE) for name in _TAGS}
_CLOSE = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in _TAGS}
# The opening tag, and its closing tag when only text without "<" is between: one
# search instead of two for most pseudo-tags. The optional group cannot move the
# match, so where it fails the closing tag is searched for after the opening one.
_SIMPLE = {
    name: re.compile(rf"<{name}\b[^>]*>(?:([^<]*)</{name}\s*>)?", re.IGNORECASE) for name in _TAGS
}
# The texts, read with html_to_text; every other pseudo-tag is a one-line field.
_TEXTS = ("quest", "rep")
_Span = tuple[str | None, int, int]  # a pseudo-tag's text, where its tags start and end
# Free text (texts, indexing, names) is left out when looking for a lapse.
_FREE_TEXT = ("quest", "rep", "rub", "tana", "ana", "mini", "mina", "aut", "groupe")
# A "no" flag in <ret>, like <reponse>N</reponse>, is not a withdrawal.
_NO_FLAGS = frozenset({"N", "NON", "0"})
# The letters that start mojibake (see qarchive.sources.text): a text without them has none.
_MOJIBAKE_LEADS = "ÃÂâ"
# The words find_lapse looks for first. In text nodes joined by NUL, a word
# spelled across nodes (html_to_text may drop the nodes between) shows as one
# of its beginnings ending a node and a node starting with the next letter.
_LAPSE_WORDS = ("mandat", "cadu")
_LAPSE_SPLITS = tuple(
    (word[:cut] + "\x00", "\x00" + word[cut])
    for word in _LAPSE_WORDS
    for cut in range(1, len(word))
)
# The same words read from the source's lower-cased UTF-8 bytes (_cannot_name_lapse).
# A word spelled across runs of text takes a run ending with one of its beginnings
# (before a "<") and a run going on with the word: all of the rest (_LAPSE_RESTS),
# or some of its letters then a "<" (_LAPSE_PARTS); each maps to the beginnings
# it may complete.
_LAPSE_BYTES = tuple(word.encode() for word in _LAPSE_WORDS)
_LAPSE_DOUBTS = ("&", "\x00", *_MOJIBAKE_LEADS)
_LAPSE_RESTS: dict[bytes, list[bytes]] = {}
_LAPSE_PARTS: dict[bytes, list[bytes]] = {}
for _word in _LAPSE_BYTES:
    for _cut in range(1, len(_word)):
        _LAPSE_RESTS.setdefault(_word[_cut:], []).append(_word[:_cut] + b"<")
        for _end in range(_cut + 1, len(_word)):
            _LAPSE_PARTS.setdefault(_word[_cut:_end], []).append(_word[:_cut] + b"<")
# A run that starts (after a tag, maybe after HTML spaces) with a letter that
# follows a beginning: its first letters, and whether a "<" ends it there.
_RUN_START = re.compile(rb">[\t\n\f\r ]*([andtu][a-z]{0,4})(<?)")


def parse(content: bytes, *, url: str) -> Question:
    """Parse one "FICHE QUESTION" page.

    Args:
        content: the page's bytes (UTF-8 or windows-1252, tags in any case).
        url: the URL it was fetched from, kept as the record's source.

    Returns:
        The record, with ``source.format`` ``an_fiche_htm``.

    Raises:
        UnknownFormat: the page has no ``<num>``, no legislature or no ``<dpq>`` date.
    """
    page, encoded = decode_page_utf8(content)
    values = {name: _inner(page, name) for name in _TAGS if name not in _TEXTS}
    texts = {name: _inner_span(page, name) for name in _TEXTS}
    for name, found in texts.items():
        values[name] = found[0] if found else None
    # A page without mojibake has none in any of its fields: clean_field's check
    # for it is done once here. (A page decoded as plain UTF-8 has none.)
    fields_clean = encoded is not None or not has_mojibake(page)
    one_line = {
        name: _field(values[name], clean=fields_clean) for name in _TAGS if name not in _TEXTS
    }
    ministry_responding = _ministry(one_line["mina"])
    fields = LegacyFields(
        legislature=parse_int(one_line["nleg"]) or parse_int(one_line["leg"]),
        number=parse_int(one_line["num"]),
        kind=one_line["nat"],
        rubrique=one_line["rub"],
        heading=one_line["tana"],
        analysis=split_analysis(one_line["ana"]),
        author=_author(one_line),
        ministry_asked=_ministry(one_line["mini"]),
        ministry_responding=ministry_responding,
        attribution_changes=parse_dates(one_line["dca"]),
        published=make_publication(one_line["dpq"], one_line["pgq"]),
        text=html_to_text(values["quest"] or "") or None,
        withdrawal=_withdrawal(one_line),
        closure_code=one_line["codret"],
        signalements=[{"published": day} for day in parse_dates(one_line["dsign"])],
        renewals=parse_dates(one_line["draps"]),
        errata=_errata(one_line),
    )
    answered = make_publication(one_line["dpr"], one_line["pgrep"])
    if answered is not None:
        fields.answer = {
            "published": answered,
            "ministry": ministry_responding,
            "text": html_to_text(values["rep"] or "") or None,
        }
    if not _cannot_name_lapse(_without_texts(page, texts["quest"], texts["rep"])):
        rest = _without_free_text(page)
        if not _cannot_name_lapse(rest):
            fields.lapse = _lapse(rest)
    return build_question(fields, fmt=SourceFormat.AN_FICHE_HTM, url=url)


def _without_texts(page: str, quest: _Span | None, rep: _Span | None) -> str:
    """The page without its first ``<quest>`` and ``<rep>``, or part of that, or the page.

    _without_free_text(page) is this text with more regions cut out, each ending
    with a ">" or at the end of the text and each replaced with a line break, so
    that whatever _cannot_name_lapse finds there it finds here: a line break only
    ever stands where a ">" stood before it. Its lapse check reads a third of the
    page this way. The question comes first: ``<rep>`` is left in unless it
    follows the one ``<quest>`` (which then cuts the same region as in the page).
    """
    if quest is None:
        start = end = 0
    else:
        _, start, end = quest
        page_without_quest = f"{page[:start]}\n{page[end:]}"
        if _OPEN["quest"].search(page, end) is not None:
            return page_without_quest  # another <quest>: cut only the first
        if rep is None:
            return page_without_quest
    if rep is None:
        return page
    _, rep_start, rep_end = rep
    if rep_start < end:
        return page if quest is None else page_without_quest
    if quest is None:
        return f"{page[:rep_start]}\n{page[rep_end:]}"
    return f"{page[:start]}\n{page[end:rep_start]}\n{page[rep_end:]}"


def _cannot_name_lapse(html: str) -> bool:
    """True when ``html_to_text(html)`` cannot hold the words find_lapse looks for.

    Read from the source, without building a tree. Every letter html_to_text writes
    comes from a text node, and every text node is made of runs of the source that
    end at a "<" (or the end) and start after a ">" (or at the start), unless the
    source holds "&" (references, decoded twice), mojibake (repaired), NUL or
    unencodable surrogates (dropped), or CDATA sections (runs that start after "[").
    Runs may be moved (foster parenting), dropped (comments, scripts, templates,
    whitespace in a table) or merged, so a word may be spelled across runs: that
    takes a run ending with one of its beginnings, and a run starting, maybe after
    HTML spaces, with the next letters. When neither the words nor such a pair of
    runs is in the source, no walk of any tree of it can find a lapse.

    """
    if any(sign in html for sign in _LAPSE_DOUBTS):
        return False
    try:
        # Only ASCII letters lower to these. The ends count as a ">" and a "<".
        lowered = b">" + html.encode("utf-8").lower() + b"<"
    except UnicodeEncodeError:  # lone surrogates, which lexbor drops
        return False
    if any(word in lowered for word in _LAPSE_BYTES):
        return False
    if "[" in html and b"<![cdata[" in lowered:
        return False
    ends: set[bytes] = set()  # the beginnings a run may go on with
    for letters, closed in _RUN_START.findall(lowered):
        for size in range(1, len(letters) + 1):
            ends.update(_LAPSE_RESTS.get(letters[:size], ()))
        if closed:
            ends.update(_LAPSE_PARTS.get(letters, ()))
    return not any(end in lowered for end in ends)


def _lapse(rest: str) -> Part | None:
    """``find_lapse(html_to_text(rest))``, without the walk when it cannot find a lapse.

    html_to_text's letters all come from the text nodes of lexbor's tree, in
    document order; it drops some nodes and puts breaks, spaces and "|" between
    others, and it changes letters only where the text holds "&" (decoded once
    more) or mojibake (repaired). So when the nodes' text holds neither, and no
    run of nodes could spell a lapse's words (_may_name_lapse), there is none.
    """
    root = LexborHTMLParser(rest).body if "\x00" not in rest else None
    if root is not None:
        joined = root.text(deep=True, separator="\x00")
        if (
            "&" not in joined
            and not any(lead in joined for lead in _MOJIBAKE_LEADS)
            and not _may_name_lapse(joined.lower())
        ):
            return None
    return find_lapse(html_to_text(rest))


def _may_name_lapse(joined: str) -> bool:
    if any(word in joined for word in _LAPSE_WORDS):
        return True
    return any(end in joined and start in joined for end, start in _LAPSE_SPLITS)


def _inner(page: str, name: str) -> str | None:
    opening = _SIMPLE[name].search(page)
    if opening is None:
        return None
    text: str | None = opening[1]
    if text is not None:
        return text
    closing = _CLOSE[name].search(page, opening.end())
    return page[opening.end() : closing.start()] if closing else None


def _inner_span(page: str, name: str) -> _Span | None:
    """``_inner(page, name)``, with where the tags start and end (the page's end if unclosed)."""
    opening = _SIMPLE[name].search(page)
    if opening is None:
        return None
    text: str | None = opening[1]
    if text is not None:
        return text, opening.start(), opening.end()
    closing = _CLOSE[name].search(page, opening.end())
    if closing is None:
        return None, opening.start(), len(page)
    return page[opening.end() : closing.start()], opening.start(), closing.end()


def _without_free_text(page: str) -> str:
    for name in _FREE_TEXT:
        kept, pos = [], 0
        while (opening := _OPEN[name].search(page, pos)) is not None:
            kept.append(page[pos : opening.start()])
            closing = _CLOSE[name].search(page, opening.end())
            pos = closing.end() if closing else len(page)
        kept.append(page[pos:])
        page = "\n".join(kept)
    return page


def _field(raw: str | None, *, clean: bool) -> str | None:
    """The one-line text of a pseudo-tag, or None when it is absent or empty.

    ``clean``: the page has no mojibake, so neither has ``raw``.
    """
    if not raw:
        return None
    if "<" in raw:
        return normalize_space(html_to_text(raw)) or None
    # html_to_text would only normalise it: the same as clean_field, which
    # only needs normalize_text for entities or mojibake.
    if clean and "&" not in raw:
        return normalize_space(raw) or None
    return clean_field(raw)


def _author(one_line: dict[str, str | None]) -> Part:
    short, full = one_line["grp"], one_line["groupe"]
    department = one_line["dept"]
    return {
        "name": _first_name_first(one_line["aut"]),
        "civility": one_line["civ"],
        "group": {"short": short, "full": full} if short or full else None,
        "constituency": department,
        "department": department,
        "region": one_line["reg"],
    }


def _first_name_first(surname_first: str | None) -> str | None:
    """Turn ``"Jacquaint Muguette"`` into ``"Muguette Jacquaint"``.

    ``<aut>`` holds the surname, then the first name. Surnames often have
    several words ("Le Ray", "de Courson") and first names rarely do, except
    hyphenated ones ("Jean-Pierre"), which are one word here: so the last word
    is taken as the first name. Unhyphenated compound first names ("Jean Marie")
    come out wrong; the page gives no way to tell them apart.
    """
    if not surname_first:
        return None
    *surname, first = surname_first.split(" ")
    return " ".join([first, *surname])


def _ministry(name: str | None) -> Part | None:
    return {"name": name} if name else None


def _withdrawal(one_line: dict[str, str | None]) -> Part | None:
    # <ret>, <dret>, <cret> are read as retrait, date and cause (their names
    # suggest it; every sample has them empty).
    flag, reason = one_line["ret"], one_line["cret"]
    dates = parse_dates(one_line["dret"])
    if not dates and not reason and (flag is None or flag.upper() in _NO_FLAGS):
        return None
    return {"date": dates[0] if dates else None, "reason": reason}


def _errata(one_line: dict[str, str | None]) -> list[Part]:
    errata = []
    for target, day, page in (("question", "derq", "pgerq"), ("answer", "derr", "pgerrep")):
        published = make_publication(one_line[day], one_line[page])
        if published is not None:
            errata.append({"target": target, "published": published})
    return errata
