"""The choices the jobs offer: export formats, and refresh's defaults.

A module of its own, light at import: the command line declares ``export
--format``, ``refresh --recent-days`` and ``--notify-timeout`` from these at start,
without loading the jobs.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["DEFAULT_NOTIFY_TIMEOUT", "DEFAULT_RECENT_DAYS", "ExportFormat"]

DEFAULT_RECENT_DAYS = 30  # refresh re-checks answers and closures this recent (errata)
DEFAULT_NOTIFY_TIMEOUT = 30.0  # seconds for one run of refresh --notify's command


class ExportFormat(StrEnum):
    """The file formats of ``export``; the values are the CLI spellings."""

    CSV = "csv"
    JSONL = "jsonl"
    PARQUET = "parquet"
