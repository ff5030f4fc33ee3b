"""Where everything is in an archive: every file and folder name of its root, in one place.

::

    <root>/
      questions/an/15/15-12526QE/       one folder per question (chamber/partition/ID)
          v0001.json, v0002.json        its versions (:mod:`qarchive.store.versions`)
          raw/<timestamp>.<ext>.gz      the raw bytes behind a fetched version
          state.json                    validators, last error, failure count
      references/an/acteurs/PA…/        the AN reference data, versioned the same way
      references/an/organes/PO…/
      references/an/state.json          where it came from, its validators
      raw/packs/<time>-<dataset>.zip    the raw bytes behind versions saved from bulk data:
                                        one zip per import or refresh, its new or changed members
      bulk/<dataset>.json               what the last import of a bulk file held (each member's
                                        size and CRC-32), and its validators
      checks.json                       when each question was last checked
      index.sqlite, references.sqlite   derived: rebuilt from the files by ``reindex``
      watchlist.json, outbox.json       what the user follows, events not yet delivered
      digest.json                       when the last digest ran
      events/YYYY-MM.jsonl              the journal of events
      refresh.log.jsonl                 one line per refresh
      damaged/…                         damaged files moved aside by verify --repair
      .lock                             the writer's lock

Files whose name starts with :data:`TEMP_PREFIX` are writes in progress; a kill
can leave them behind, and ``verify --repair`` removes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qarchive.model.ids import QuestionId

__all__ = [
    "BULK_DIR",
    "CHECKS_FILE",
    "DAMAGED_DIR",
    "DIGEST_FILE",
    "EVENTS_DIR",
    "INDEX_FILE",
    "LOCK_FILE",
    "OUTBOX_FILE",
    "PACKS_DIR",
    "QUESTIONS_DIR",
    "RAW_DIR",
    "REFERENCES_DIR",
    "REFERENCE_INDEX_FILE",
    "REFRESH_LOG",
    "STATE_FILE",
    "TEMP_PREFIX",
    "WATCHLIST_FILE",
    "Layout",
]

QUESTIONS_DIR = "questions"
REFERENCES_DIR = "references/an"
CHECKS_FILE = "checks.json"
INDEX_FILE = "index.sqlite"
REFERENCE_INDEX_FILE = "references.sqlite"
WATCHLIST_FILE = "watchlist.json"
OUTBOX_FILE = "outbox.json"
DIGEST_FILE = "digest.json"
EVENTS_DIR = "events"
REFRESH_LOG = "refresh.log.jsonl"
LOCK_FILE = ".lock"
STATE_FILE = "state.json"  # in a question's folder, and in the reference data's
RAW_DIR = "raw"  # in a question's folder
PACKS_DIR = "raw/packs"  # in the archive's root
BULK_DIR = "bulk"
DAMAGED_DIR = "damaged"  # damaged files moved aside by verify --repair, never deleted
TEMP_PREFIX = ".tmp-"


@dataclass(frozen=True, slots=True)
class Layout:
    """The paths of one archive, from its root."""

    root: Path

    @property
    def questions(self) -> Path:
        """The folder of every question's folder."""
        return self.root / QUESTIONS_DIR

    def question_dir(self, qid: QuestionId) -> Path:
        """The folder holding every version of ``qid``."""
        return self.root.joinpath(QUESTIONS_DIR, qid.chamber.value, qid.partition, qid.canonical)

    @property
    def references(self) -> Path:
        """The AN reference data (actors and organs)."""
        return self.root / REFERENCES_DIR

    @property
    def packs(self) -> Path:
        """The packs of raw bytes behind versions saved from bulk data."""
        return self.root / PACKS_DIR

    @property
    def bulk(self) -> Path:
        """What the last import of each bulk file held."""
        return self.root / BULK_DIR

    @property
    def checks(self) -> Path:
        """``checks.json``."""
        return self.root / CHECKS_FILE

    @property
    def index(self) -> Path:
        """``index.sqlite``."""
        return self.root / INDEX_FILE

    @property
    def references_index(self) -> Path:
        """``references.sqlite``."""
        return self.root / REFERENCE_INDEX_FILE

    @property
    def watchlist(self) -> Path:
        """``watchlist.json``."""
        return self.root / WATCHLIST_FILE

    @property
    def outbox(self) -> Path:
        """``outbox.json``."""
        return self.root / OUTBOX_FILE

    @property
    def digest(self) -> Path:
        """``digest.json``."""
        return self.root / DIGEST_FILE

    @property
    def events(self) -> Path:
        """The events journal's folder."""
        return self.root / EVENTS_DIR

    @property
    def refresh_log(self) -> Path:
        """``refresh.log.jsonl``."""
        return self.root / REFRESH_LOG

    @property
    def damaged(self) -> Path:
        """Where ``verify --repair`` moves damaged files, at their paths from the root."""
        return self.root / DAMAGED_DIR

    @property
    def lock(self) -> Path:
        """The writer's lock file."""
        return self.root / LOCK_FILE
