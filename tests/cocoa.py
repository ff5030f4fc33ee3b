"""Undo the macOS TextEdit wrapping of some real samples, at test time."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser


def unwrap_cocoa(wrapped: str) -> str:
    """Recover a page source saved through macOS TextEdit ("Cocoa HTML Writer").

    TextEdit wrote each source line as ``<p class="pN"><span class="sN">…</span></p>``
    with the markup HTML-escaped, runs of spaces in ``span.Apple-converted-space``
    and URLs auto-linked; the text of each paragraph is the source line.
    """
    body = LexborHTMLParser(wrapped).body
    assert body is not None
    return "\n".join(line.text(deep=True) for line in body.css("body > p"))
