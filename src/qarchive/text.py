"""Text helpers shared by every parser: normalisation, HTML to text, French dates.

Normalisation removes what is typographic noise (NBSP, runs of spaces, entities,
mojibake) and never rewrites what was published: quotes, dashes and spelling stay.
"""

from __future__ import annotations

import html
import re
from datetime import date

from selectolax.lexbor import LexborHTMLParser, LexborNode

__all__ = [
    "html_to_text",
    "normalize_space",
    "normalize_text",
    "parse_french_date",
    "parse_int",
    "repair_mojibake",
    "split_civility",
]

_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u202f\u2007\u2009\u200b]+")
_BLANK_LINES = re.compile(r"\n{3,}")
# Telltales of UTF-8 bytes decoded as Latin-1/cp1252 ("Ã©", "â€™", "Â ").
_MOJIBAKE = re.compile("[ÃÂâ][\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]")

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
_CIVILITY = re.compile(r"(M\.|Mme|Mlle|MM\.|Mmes)\s+(.+)", re.DOTALL)


def repair_mojibake(text: str) -> str:
    """Undo UTF-8-read-as-Latin-1 damage ("Ã©" → "é"), leaving clean text alone."""
    if _MOJIBAKE.search(text) is None:
        return text
    import ftfy  # rare, and ~45 ms to import: only when mojibake is suspected

    return str(ftfy.fix_encoding(text))


def normalize_space(text: str) -> str:
    """Collapse every kind of space (NBSP included) and newline to one space; strip."""
    return " ".join(_SPACES.sub(" ", text).split())


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
    if "\n" not in text:  # the common case for names, labels and codes
        return _SPACES.sub(" ", text).strip()
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def html_to_text(fragment: str | LexborNode) -> str:
    """Turn an HTML fragment into clean text: paragraphs kept, tables readable.

    Block elements become line breaks, paragraphs are separated by a blank line
    and each table row becomes one line with cells joined by `` | ``.
    """
    if isinstance(fragment, str):
        if "<" not in fragment:
            return normalize_text(fragment)
        root = LexborHTMLParser(fragment).body
        if root is None:
            return ""
    else:
        root = fragment
    parts: list[str] = []
    _walk(root, parts)
    return normalize_text("".join(parts))


def _walk(node: LexborNode, out: list[str]) -> None:
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            out.append((child.text_content or "").replace("\n", " "))
        elif tag in _SKIP_TAGS:
            continue
        elif tag == "table":
            out.append("\n\n" + _table_to_text(child) + "\n\n")
        elif tag == "br":
            out.append("\n")
        elif tag in _BLOCK_TAGS:
            out.append("\n\n" if tag in ("p", "div", "table", "blockquote") else "\n")
            _walk(child, out)
            out.append("\n\n" if tag in ("p", "div", "table", "blockquote") else "\n")
        else:
            _walk(child, out)


def _table_to_text(table: LexborNode) -> str:
    rows = []
    for row in table.css("tr"):
        cells = [normalize_space(cell.text(separator=" ")) for cell in row.css("td, th")]
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def parse_french_date(text: str) -> date | None:
    """Find a date in ``26 juillet 2022``, ``1er mai 2020``, ``26/07/2022`` or ISO form.

    Returns None when the text holds no valid date.
    """
    text = normalize_space(text)
    try:
        if match := _ISO_DATE.search(text):
            return date(int(match["y"]), int(match["m"]), int(match["d"]))
        if match := _NUMERIC_DATE.search(text):
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
    match = re.search(r"\d+", text)
    return int(match.group()) if match else None


def split_civility(text: str) -> tuple[str | None, str]:
    """Split ``"M. Ugo Bernalicis"`` into ``("M.", "Ugo Bernalicis")``."""
    text = normalize_space(text)
    if match := _CIVILITY.fullmatch(text):
        return match.group(1), match.group(2)
    return None, text
