"""Parser for the AN question_xml format (being written)."""

from __future__ import annotations

from qarchive.models import Question

__all__ = ["parse"]


def parse(content: bytes, *, url: str) -> Question:
    """Parse one question from ``content`` (fetched from ``url``)."""
    raise NotImplementedError
