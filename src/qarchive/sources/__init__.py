"""Source formats: pure parsers from bytes to records, and format detection.

Nothing in this package touches the network, the filesystem or the clock.
"""

from __future__ import annotations

from qarchive.models import Question
from qarchive.sources.an import detect_format, parse_an

__all__ = ["detect_format", "parse"]


def parse(content: bytes, *, url: str) -> Question:
    """Parse a question page or record in any supported format.

    Args:
        content: the bytes as served (any charset; detection looks at the content).
        url: where they came from, kept in ``record.source`` and in error messages.

    Raises:
        ErrorPage: an error page served with status 200.
        UnknownFormat: a page in no known layout.
    """
    return parse_an(content, url=url)
