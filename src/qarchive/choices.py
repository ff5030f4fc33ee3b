"""The choices and defaults the CLI offers, in a module light enough to import at start.

``qarchive --help`` must not pay for pydantic, httpx or SQLite: the command-line
layer imports these names at start and the rest of the library when a command runs.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "DEFAULT_FEED_DAYS",
    "DEFAULT_FEED_LIMIT",
    "DEFAULT_NOTIFY_TIMEOUT",
    "DEFAULT_RECENT_DAYS",
    "Chamber",
    "DigestFormat",
    "ExportFormat",
    "OutputFormat",
    "SortKey",
    "StatsGroup",
]

DEFAULT_RECENT_DAYS = 30  # refresh re-checks answers and closures this recent (errata)
DEFAULT_FEED_DAYS = 30
DEFAULT_FEED_LIMIT = 100
DEFAULT_NOTIFY_TIMEOUT = 30.0  # seconds for one run of refresh --notify's command


class Chamber(StrEnum):
    """The two chambers of the French Parliament (also ``qarchive.model.ids.Chamber``)."""

    AN = "an"
    SENAT = "senat"


class OutputFormat(StrEnum):
    """How listing commands print their rows; the values are the CLI spellings."""

    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    IDS = "ids"


class SortKey(StrEnum):
    """Orders for ``list`` and ``search``."""

    PUBLISHED = "published"  # newest first
    DELAY = "delay"  # longest wait (or longest answer delay) first
    MINISTRY = "ministry"  # alphabetical, then oldest first


class StatsGroup(StrEnum):
    """What ``stats --by`` groups on; the values are the CLI spellings."""

    MINISTRY = "ministry"  # the ministry responding (else the one asked)
    GROUP = "group"  # the author's political group, short name else full
    AUTHOR = "author"  # the author's PA… reference where known, else the name


class ExportFormat(StrEnum):
    """The file formats of ``export``; the values are the CLI spellings."""

    CSV = "csv"
    JSONL = "jsonl"
    PARQUET = "parquet"


class DigestFormat(StrEnum):
    """The formats of ``digest``; the values are the CLI spellings."""

    TEXT = "text"  # a terminal, a plain-text e-mail
    MARKDOWN = "markdown"  # a newsroom chat, a Markdown e-mail
    HTML = "html"  # an HTML e-mail
