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

from qarchive.models import (
    Answer,
    Author,
    Closure,
    Erratum,
    Group,
    Ministry,
    Question,
    Signalement,
    SourceFormat,
)
from qarchive.sources.an._common import clean_field, decode_page
from qarchive.sources.an._legacy import (
    LegacyFields,
    build_question,
    find_lapse,
    make_publication,
    parse_dates,
    split_analysis,
)
from qarchive.text import html_to_text, normalize_space, parse_int

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
# Free text (texts, indexing, names) is left out when looking for a lapse.
_FREE_TEXT = ("quest", "rep", "rub", "tana", "ana", "mini", "mina", "aut", "groupe")
# A "no" flag in <ret>, like <reponse>N</reponse>, is not a withdrawal.
_NO_FLAGS = frozenset({"N", "NON", "0"})
# The letters that start mojibake (see qarchive.text): a text without them has none.
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
    page = decode_page(content)
    values = {name: _inner(page, name) for name in _TAGS}
    fields = LegacyFields(
        legislature=parse_int(_field(values, "nleg")) or parse_int(_field(values, "leg")),
        number=parse_int(_field(values, "num")),
        kind=_field(values, "nat"),
        rubrique=_field(values, "rub"),
        heading=_field(values, "tana"),
        analysis=split_analysis(_field(values, "ana")),
        author=_author(values),
        ministry_asked=_ministry(_field(values, "mini")),
        ministry_responding=_ministry(_field(values, "mina")),
        attribution_changes=parse_dates(_field(values, "dca")),
        published=make_publication(_field(values, "dpq"), _field(values, "pgq")),
        text=html_to_text(values["quest"] or "") or None,
        withdrawal=_withdrawal(values),
        closure_code=_field(values, "codret"),
        signalements=[Signalement(published=day) for day in parse_dates(_field(values, "dsign"))],
        renewals=parse_dates(_field(values, "draps")),
        errata=_errata(values),
    )
    answered = make_publication(_field(values, "dpr"), _field(values, "pgrep"))
    if answered is not None:
        fields.answer = Answer(
            published=answered,
            ministry=fields.ministry_responding,
            text=html_to_text(values["rep"] or "") or None,
        )
    fields.lapse = _lapse(_without_free_text(page))
    return build_question(fields, fmt=SourceFormat.AN_FICHE_HTM, url=url)


def _lapse(rest: str) -> Closure | None:
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
    opening = _OPEN[name].search(page)
    if opening is None:
        return None
    closing = _CLOSE[name].search(page, opening.end())
    return page[opening.end() : closing.start()] if closing else None


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


def _field(values: dict[str, str | None], name: str) -> str | None:
    """The one-line text of a pseudo-tag, or None when it is absent or empty."""
    raw = values[name]
    if not raw:
        return None
    if "<" not in raw:  # html_to_text would only normalise it: the same as clean_field
        return clean_field(raw)
    return normalize_space(html_to_text(raw)) or None


def _author(values: dict[str, str | None]) -> Author:
    short, full = _field(values, "grp"), _field(values, "groupe")
    department = _field(values, "dept")
    return Author(
        name=_first_name_first(_field(values, "aut")),
        civility=_field(values, "civ"),
        group=Group(short=short, full=full) if short or full else None,
        constituency=department,
        department=department,
        region=_field(values, "reg"),
    )


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


def _ministry(name: str | None) -> Ministry | None:
    return Ministry(name=name) if name else None


def _withdrawal(values: dict[str, str | None]) -> Closure | None:
    # <ret>, <dret>, <cret> are read as retrait, date and cause (their names
    # suggest it; every sample has them empty).
    flag, reason = _field(values, "ret"), _field(values, "cret")
    dates = parse_dates(_field(values, "dret"))
    if not dates and not reason and (flag is None or flag.upper() in _NO_FLAGS):
        return None
    return Closure(date=dates[0] if dates else None, reason=reason)


def _errata(values: dict[str, str | None]) -> list[Erratum]:
    errata = []
    for target, day, page in (("question", "derq", "pgerq"), ("answer", "derr", "pgerrep")):
        published = make_publication(_field(values, day), _field(values, page))
        if published is not None:
            errata.append(Erratum(target=target, published=published))
    return errata
