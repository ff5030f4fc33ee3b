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

    @classmethod
    def for_name(cls, name: str) -> ExportFormat | None:
        """The format a file's name says (``.csv``, ``.jsonl``, ``.ndjson``, ``.parquet``).

        Example:
            >>> ExportFormat.for_name("answered-14.CSV"), ExportFormat.for_name("notes.txt")
            (<ExportFormat.CSV: 'csv'>, None)
        """
        suffix = name.rpartition(".")[2].lower() if "." in name else ""
        return _SUFFIXES.get(suffix)


_SUFFIXES = {
    "csv": ExportFormat.CSV,
    "jsonl": ExportFormat.JSONL,
    "ndjson": ExportFormat.JSONL,
    "parquet": ExportFormat.PARQUET,
    "pq": ExportFormat.PARQUET,
}
