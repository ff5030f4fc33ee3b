"""html_to_text reads simple fragments without lexbor: it must read them as lexbor does."""

from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from qarchive.sources.text import html_to_text

TAGS = ["p", "/p", "br", "br/", "/br", "b", "/b", "i", "/i", "em", "/em", "span", "/span",
        "a href='x'", "/a", "div", "/div", "strong", "/strong", "sup", "/sup", "table", "/table",
        "tr", "td", "li", "h1", "/h1"]  # fmt: skip
ODDITIES = ["&amp;", "&eacute;", "&#233;", "&#x2019;", "&nbsp;", "&bogus;", "&", "<", " ",
            "\n", "\r\n", "\t", "\u00a0", "é", "’", "Ã©"]  # fmt: skip
PIECES = st.one_of(
    st.sampled_from([f"<{tag}>" for tag in TAGS]),
    st.sampled_from(ODDITIES),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),  # no lone surrogates
)


def through_lexbor(fragment: str) -> str:
    body = LexborHTMLParser(fragment).body
    return "" if body is None else html_to_text(body)


@settings(max_examples=3000, deadline=None)
@given(st.lists(PIECES, max_size=25).map(lambda pieces: "<b>" + "".join(pieces)))
def test_the_shortcut_reads_fragments_as_lexbor_does(fragment):
    # Text without any tag is plain text, not HTML: its line breaks are kept on purpose.
    assert html_to_text(fragment) == through_lexbor(fragment)


def test_a_typical_answer_paragraph():
    fragment = "<p>Premier&nbsp;alinéa&#8217;s.</p>\r\n<p><b>Second</b> alinéa<br/>suite</p>"
    assert html_to_text(fragment) == "Premier alinéa’s.\n\nSecond alinéa\nsuite"
    assert html_to_text(fragment) == through_lexbor(fragment)
