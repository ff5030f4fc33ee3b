"""Text helpers shared by every parser: normalisation, HTML to text, French dates.

Normalisation removes what is typographic noise (NBSP, runs of spaces, entities,
mojibake) and never rewrites what was published: quotes, dashes and spelling stay.
"""

from __future__ import annotations

import html
import html.entities
import re
from datetime import date

from selectolax.lexbor import LexborHTMLParser, LexborNode

__all__ = [
    "has_mojibake",
    "html_to_text",
    "normalize_space",
    "normalize_text",
    "parse_french_date",
    "parse_int",
    "repair_mojibake",
    "split_civility",
]

_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u202f\u2007\u2009\u200b]+")
# The same set without the plain space. Every one of them but U+200B is whitespace
# to str.split(), which is what makes the fast paths below give the same results.
_ODD_SPACES = ("\t", "\r", "\f", "\v", "\u00a0", "\u202f", "\u2007", "\u2009", "\u200b")
# Spelled with literal prefixes, which the regex engine scans for quickly: "\n{3,}"
# and " {2,}" would be tried at every character of the text.
_BLANK_LINES = re.compile(r"\n\n\n+")
_SPACE_RUNS = re.compile(r"  +")
# Telltales of UTF-8 bytes decoded as Latin-1/cp1252 ("Ã©", "â€™", "Â ").
_MOJIBAKE_LEADS = "ÃÂâ"
_MOJIBAKE_TRAILS = "\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_MOJIBAKE = re.compile(f"[{_MOJIBAKE_LEADS}][{_MOJIBAKE_TRAILS}]")
_TRAIL_CHARS = frozenset(map(chr, range(0x80, 0xC0))) | frozenset(_MOJIBAKE_TRAILS[3:])

_BLOCK_TAGS = frozenset(
    {
        "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
        "table", "tr", "blockquote", "section", "article", "center", "hr", "dd", "dt",
    }
)  # fmt: skip
_SKIP_TAGS = frozenset({"script", "style", "head", "title", "-comment"})

_MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5,
    "juin": 6, "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10,
    "novembre": 11, "décembre": 12, "decembre": 12,
}  # fmt: skip
_FRENCH_DATE = re.compile(
    r"(?P<d>\d{1,2})(?:er)?\s+(?P<m>[a-zéèûô]+)\s+(?P<y>\d{4})", re.IGNORECASE
)
_NUMERIC_DATE = re.compile(r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})")
_ISO_DATE = re.compile(r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})")
_DIGITS = re.compile(r"\d+")
_CIVILITY = re.compile(r"(M\.|Mme|Mlle|MM\.|Mmes)\s+(.+)", re.DOTALL)


def repair_mojibake(text: str) -> str:
    """Undo UTF-8-read-as-Latin-1 damage ("Ã©" → "é"), leaving clean text alone."""
    if not _has_mojibake(text):
        return text
    import ftfy  # rare, and slow to import: only when mojibake is suspected

    return str(ftfy.fix_encoding(text))


def has_mojibake(text: str) -> bool:
    """Whether ``text`` shows a telltale of mojibake, which :func:`repair_mojibake` repairs.

    Every part of a text without one is without one too.
    """
    return _has_mojibake(text)


def _has_mojibake(text: str) -> bool:
    # What _MOJIBAKE.search finds, without running the regex over every character
    # of long texts: French has "â" but seldom follows it with a C1 or cp1252 sign.
    for lead in _MOJIBAKE_LEADS:
        pos = text.find(lead)
        while pos != -1:
            if text[pos + 1 : pos + 2] in _TRAIL_CHARS:
                return True
            pos = text.find(lead, pos + 1)
    return False


def _collapse_spaces(text: str) -> str:
    """What ``_SPACES.sub(" ", text)`` returns, by plain string replacement.

    ``_SPACES.sub`` pays for every single space of a long text; this replaces the
    odd spaces, which are rare, then only the runs of two spaces or more.
    """
    for char in _ODD_SPACES:
        if char in text:
            text = text.replace(char, " ")
    return _SPACE_RUNS.sub(" ", text) if "  " in text else text


def normalize_space(text: str) -> str:
    """Collapse every kind of space (NBSP included) and newline to one space; strip."""
    if "\u200b" in text:  # the only one of _SPACES that str.split() keeps
        text = text.replace("\u200b", " ")
    return " ".join(text.split())


def normalize_text(text: str) -> str:
    """Normalise multi-line text: entities, mojibake, spaces; paragraphs kept.

    Lines are stripped, runs of spaces collapsed, and paragraphs separated by
    exactly one blank line.
    """
    if "&" in text:
        text = html.unescape(text)
    text = repair_mojibake(text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _collapse_spaces(text)  # no space in _SPACES is a newline: lines stay apart
    if "\n" not in text:  # the common case for names, labels and codes
        return text.strip()
    lines = [line.strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def html_to_text(fragment: str | LexborNode) -> str:
    """Turn an HTML fragment into clean text: paragraphs kept, tables readable.

    Block elements become line breaks, paragraphs are separated by a blank line
    and each table row becomes one line with cells joined by `` | ``.
    """
    if isinstance(fragment, str):
        if "<" not in fragment:
            return normalize_text(fragment)
        simple = _simple_fragment_parts(fragment)
        if simple is not None:
            return normalize_text("".join(simple))
        root = LexborHTMLParser(fragment).body
        if root is None:
            return ""
    else:
        root = fragment
    parts: list[str] = []
    _walk(root, parts)
    return normalize_text("".join(parts))


def _tag_ids(*tags: str) -> frozenset[int]:
    """Lexbor's ids for these tags: cheaper to read from a node than its tag name."""
    probe = LexborHTMLParser("<p>x<!--c--></p>")
    special = {node.tag: node.tag_id for p in probe.css("p") for node in p.iter(include_text=True)}
    return frozenset(
        special[tag] if tag.startswith("-") else probe.create_node(tag).tag_id for tag in tags
    )


(_TEXT_ID,) = _tag_ids("-text")
(_TABLE_ID,) = _tag_ids("table")
(_BR_ID,) = _tag_ids("br")
(_ROW_ID,) = _tag_ids("tr")
_CELL_IDS = _tag_ids("td", "th")
_NESTING_IDS = _tag_ids("table", "svg", "math", "template")
_SKIP_IDS = _tag_ids(*_SKIP_TAGS)
_PARAGRAPH_IDS = _tag_ids("p", "div", "blockquote")
_LINE_IDS = _tag_ids(*(_BLOCK_TAGS - {"p", "div", "blockquote", "table", "br"}))


def _walk(node: LexborNode, out: list[str]) -> None:
    # A stack of what comes after each open element (its closing break, then its
    # next sibling) rather than recursion: a page of a thousand nested <span>
    # would exhaust Python's stack, and parse depth is the page's to choose.
    after: list[LexborNode | str | None] = []
    child = node.first_child
    while True:
        while child is None:
            if not after:
                return
            item = after.pop()
            if isinstance(item, str):
                out.append(item)
            else:
                child = item
        tag_id = child.tag_id
        if tag_id == _TEXT_ID:
            out.append((child.text_content or "").replace("\n", " "))
        elif tag_id in _SKIP_IDS:
            pass
        elif tag_id == _TABLE_ID:
            out.append("\n\n" + _table_to_text(child) + "\n\n")
        elif tag_id == _BR_ID:
            out.append("\n")
        else:
            brk = "\n\n" if tag_id in _PARAGRAPH_IDS else "\n" if tag_id in _LINE_IDS else ""
            after.append(child.next)
            if brk:
                out.append(brk)
                after.append(brk)
            child = child.first_child
            continue
        child = child.next


def _table_to_text(table: LexborNode) -> str:
    # What table.css("tr") and row.css("td, th") find, in the same order, without
    # compiling a selector for every row, in one pass: rows hold
    # their cells and nothing holds a row but a table section, unless the table
    # has a table, a template, or an SVG or MathML element (whose <tr> and <td>
    # have the HTML tags' ids) inside it: then a cell may be in several rows, and
    # every row is traversed on its own.
    cells: list[LexborNode] = []
    row_sizes: list[int] = []  # the number of cells of each row, in order
    nodes = table.traverse()
    next(nodes)  # the table itself
    for node in nodes:
        tag_id = node.tag_id
        if tag_id == _ROW_ID:
            row_sizes.append(0)
        elif tag_id in _CELL_IDS:
            if not row_sizes:
                return _nested_table_to_text(table)
            cells.append(node)
            row_sizes[-1] += 1
        elif tag_id in _NESTING_IDS:
            return _nested_table_to_text(table)
    texts = _normalized_texts(cells)
    rows, start = [], 0
    for size in row_sizes:
        row = texts[start : start + size]
        start += size
        if any(row):
            rows.append(" | ".join(row))
    return "\n".join(rows)


def _normalized_texts(cells: list[LexborNode]) -> list[str]:
    """``[normalize_space(cell.text(separator=" ")) for cell in cells]``, normalised at once.

    The texts are joined with NUL, which no text node holds (the HTML parser drops
    it or replaces it with U+FFFD) and which is no space to ``str.split``: one split
    and join then normalise them all, and the spaces left next to each NUL go.
    """
    if not cells:
        return []
    joined = "\x00".join([cell.text(separator=" ") for cell in cells])
    if joined.count("\x00") != len(cells) - 1:  # not expected: read them one by one
        return [normalize_space(cell.text(separator=" ")) for cell in cells]
    if "\u200b" in joined:  # the only one of _SPACES that str.split() keeps
        joined = joined.replace("\u200b", " ")
    joined = " ".join(joined.split())
    return joined.replace(" \x00", "\x00").replace("\x00 ", "\x00").split("\x00")


def _nested_table_to_text(table: LexborNode) -> str:
    rows = []
    for row in table.traverse():
        if row.tag_id != _ROW_ID:
            continue
        cells = [
            " ".join(cell.text(separator=" ").replace("\u200b", " ").split())  # normalize_space
            for cell in row.traverse()
            if cell.tag_id in _CELL_IDS
        ]
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


# Question and answer texts are mostly paragraphs, line breaks and inline markup.
# For such fragments the HTML tree builder keeps the text in source order, and
# the breaks _walk would write come out of the tags in source order too, give or
# take blank lines that normalize_text merges anyway: so they are read with one
# regex instead of building a lexbor document (whose set-up alone costs more).
# Anything else (tables, lists, comments, stray "<" or "&", NUL, lone surrogates)
# goes to lexbor.
_SIMPLE_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9]*)"
    r"""(?:[ \t\n\f\r]+[a-zA-Z_:][-a-zA-Z0-9_:.]*"""
    r"""(?:[ \t\n\f\r]*=[ \t\n\f\r]*(?:"[^"]*"|'[^']*'|[^ \t\n\f\r"'<>=`]+))?)*"""
    r"[ \t\n\f\r]*/?>"
)
_INLINE_TAGS = frozenset(
    {
        "a", "b", "big", "code", "em", "font", "i", "s", "small", "span", "strike",
        "strong", "sub", "sup", "tt", "u", "html", "body",
    }
)  # fmt: skip
# Character references that lexbor and html.unescape decode alike; others go to lexbor.
_CHAR_REF = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z][a-zA-Z0-9]{0,31}));")


def _simple_fragment_parts(fragment: str) -> list[str] | None:
    """What _walk would write for the fragment's body, or None when lexbor is needed."""
    if "\r" in fragment:  # as the HTML parser's input stream does
        fragment = fragment.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in fragment or not _plain_refs(fragment):
        return None
    parts: list[str] = []
    open_divs = pos = tags = 0
    for tag in _SIMPLE_TAG.finditer(fragment):
        name, closing = tag[2].lower(), tag[1] == "/"
        if name not in _INLINE_TAGS and name not in ("br", "p", "div"):
            return None  # a table, a list, a heading...: lexbor decides
        tags += 1
        if tag.start() > pos:
            parts.append(_decoded(fragment[pos : tag.start()]))
        pos = tag.end()
        if name == "br":  # </br> is read as <br>
            parts.append("\n")
        elif name == "p":  # </p> without <p> makes an empty paragraph
            parts.append("\n\n")
        elif name == "div" and (not closing or open_divs):  # </div> without <div> is ignored
            open_divs += -1 if closing else 1
            parts.append("\n\n")
    if tags != fragment.count("<"):  # a "<" that is not one of these tags
        return None
    if not fragment.isascii():
        try:
            fragment.encode("utf-8")  # lexbor drops lone surrogates
        except UnicodeEncodeError:
            return None
    if pos < len(fragment):
        parts.append(_decoded(fragment[pos:]))
    return parts


def _plain_refs(fragment: str) -> bool:
    count = fragment.count("&")
    if not count:
        return True
    refs = _CHAR_REF.findall(fragment)
    if len(refs) != count:
        return False
    for decimal, hexadecimal, name in refs:
        if name:
            if name + ";" not in html.entities.html5:
                return False
        elif not _plain_code_point(int(decimal) if decimal else int(hexadecimal, 16)):
            return False
    return True


def _plain_code_point(value: int) -> bool:
    # No controls, C1 (remapped to cp1252 by both, but keep it simple), surrogates
    # or non-characters: the two decoders differ on some of them.
    return (
        0x20 <= value < 0x7F
        or 0xA0 <= value < 0xD800
        or 0xE000 <= value < 0xFDD0
        or 0xFDF0 <= value < 0xFFFE
        or (0x10000 <= value <= 0x10FFFF and value & 0xFFFE != 0xFFFE)
    )


def _decoded(text: str) -> str:
    if "&" in text:
        text = html.unescape(text)
    return text.replace("\n", " ")


def parse_french_date(text: str) -> date | None:
    """Find a date in ``26 juillet 2022``, ``1er mai 2020``, ``26/07/2022`` or ISO form.

    Returns None when the text holds no valid date.
    """
    if not text:
        return None
    text = normalize_space(text)
    try:
        # Each search only where its separator is: "-" for ISO, "/" for numeric.
        if "-" in text and (match := _ISO_DATE.search(text)):
            return date(int(match["y"]), int(match["m"]), int(match["d"]))
        if "/" in text and (match := _NUMERIC_DATE.search(text)):
            return date(int(match["y"]), int(match["m"]), int(match["d"]))
        if match := _FRENCH_DATE.search(text):
            month = _MONTHS.get(match["m"].lower())
            if month is not None:
                return date(int(match["y"]), month, int(match["d"]))
    except ValueError:  # 31/02/2020 and the like
        return None
    return None


def parse_int(text: str | None) -> int | None:
    """Return the first run of digits as an int, or None."""
    if not text:
        return None
    match = _DIGITS.search(text)
    return int(match.group()) if match else None


def split_civility(text: str) -> tuple[str | None, str]:
    """Split ``"M. Ugo Bernalicis"`` into ``("M.", "Ugo Bernalicis")``."""
    text = normalize_space(text)
    if match := _CIVILITY.fullmatch(text):
        return match.group(1), match.group(2)
    return None, text
