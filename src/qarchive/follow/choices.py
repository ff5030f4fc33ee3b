"""The choices the followers offer: digest formats, and the feed's defaults.

A module of its own, light at import: the command line declares ``digest
--format``, ``feed --days`` and ``--limit`` from these at start, without loading
the events or the feed writer.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["DEFAULT_FEED_DAYS", "DEFAULT_FEED_LIMIT", "DigestFormat"]

DEFAULT_FEED_DAYS = 30  # a feed holds the events of the last 30 days
DEFAULT_FEED_LIMIT = 100  # at most 100 entries


class DigestFormat(StrEnum):
    """The formats of ``digest``; the values are the CLI spellings."""

    TEXT = "text"  # a terminal, a plain-text e-mail
    MARKDOWN = "markdown"  # a newsroom chat, a Markdown e-mail
    HTML = "html"  # an HTML e-mail
