"""The choices the listing and the stats offer: orders and groupings.

A module of its own, light at import: the command line declares ``--sort`` and
``--by`` from these at start, without loading the queries.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["SortKey", "StatsGroup"]


class SortKey(StrEnum):
    """Orders for ``list`` and ``search``; the values are the CLI spellings."""

    PUBLISHED = "published"  # newest first
    DELAY = "delay"  # longest wait (or longest answer delay) first
    MINISTRY = "ministry"  # alphabetical, then oldest first


class StatsGroup(StrEnum):
    """What ``stats --by`` groups on; the values are the CLI spellings."""

    MINISTRY = "ministry"  # the ministry responding (else the one asked), by name
    # The same ministry by its AN reference (PO…), under its latest name; by name where
    # the data has no reference (Sénat, legacy pages).
    MINISTRY_REF = "ministry-ref"
    GROUP = "group"  # the author's political group, short name else full
    AUTHOR = "author"  # the author's PA… reference where known, else the name
