"""Source formats: pure parsers from bytes to records, and format detection.

Nothing in this package touches the network, the filesystem or the clock.
"""

from __future__ import annotations

from qarchive.errors import NotYetPublished, ParseError, QarchiveError
from qarchive.model.question import Question, SourceFormat
from qarchive.sources.an import PARSERS as AN_PARSERS
from qarchive.sources.an import Parser
from qarchive.sources.an import detect_format as detect_an_format
from qarchive.sources.an.detect import LoweredHead
from qarchive.sources.errorpage import check_error_page
from qarchive.sources.senat import page as senat_page
from qarchive.sources.senat.detect import looks_like_senat_page

__all__ = ["PARSERS", "detect_format", "parse"]

# Every format qarchive parses from a fetched page or file, to its parser.
PARSERS: dict[SourceFormat, Parser] = {
    **AN_PARSERS,
    SourceFormat.SENAT_HTML: senat_page.parse,
}


def detect_format(content: bytes, *, url: str = "<content>") -> SourceFormat:
    """Return the format of ``content``, from the content alone (never the URL).

    Raises:
        UnknownFormat: the content is in no format qarchive knows.
    """
    return _detect(content, LoweredHead(content), url=url)


def _detect(content: bytes, head: LoweredHead, *, url: str) -> SourceFormat:
    # Both detections share one lower-cased copy of the head and what was found in it.
    if looks_like_senat_page(content, head=head):
        return SourceFormat.SENAT_HTML
    return detect_an_format(content, url=url, head=head)


def parse(content: bytes, *, url: str) -> Question:
    """Parse a question page or record in any supported format.

    Args:
        content: the bytes as served (any charset; detection looks at the content).
        url: where they came from, kept in ``record.source`` and in error messages.

    Raises:
        ErrorPage: an error page served with status 200.
        UnknownFormat: a page in no known layout.
        NotYetPublished: a Sénat placeholder for a question not published yet.
        ParseError: a known layout whose content does not make a valid record, or
            content that made a parser fail in a way none foresaw.
    """
    head = LoweredHead(content)
    try:
        return PARSERS[_detect(content, head, url=url)](content, url=url)
    except NotYetPublished:
        raise
    except ParseError:  # UnknownFormat included
        # Only what does not parse as a question is searched for an error page's
        # words: a question may be titled "Maintenance des ascenseurs" (which a dyn
        # page's <title> then says) or quote "service unavailable" in its text.
        check_error_page(content, url=url, lowered=head.lowered)
        raise
    except QarchiveError:
        raise
    except Exception as exc:  # a page no parser foresaw: it fails, not the run
        raise ParseError.unexpected(exc, what=url) from None
