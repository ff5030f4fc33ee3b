"""Enrich a parsed record with what the archive knows, then save it: one place for both.

``parse → enrich → save``. A source may be poorer or later than the archive: the
open data names an author by reference only, the Sénat CSV has no texts, a page
that fails one night must not erase a name. Before a record is saved, whatever
path it came by (fetch, import, a saved page, new reference data), it is enriched
once, here: values the last version knew and the record lacks are carried over
(:func:`qarchive.model.question.carry_known_values`), then the AN reference data
names the author, the constituency and the group as of the publication date
(:meth:`qarchive.store.references.ReferenceLookup.resolve`). The archive then
stores the record as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from qarchive.model.ids import QuestionId
from qarchive.model.question import Question, carry_known_values
from qarchive.store.archive import Archive
from qarchive.store.batch import PreparedSave
from qarchive.store.raw import RawCapture
from qarchive.store.references import ReferenceLookup
from qarchive.store.versions import SaveResult, StoredVersion

__all__ = ["enrich", "save_question", "stage_question"]


def enrich(
    record: Question, *, previous: StoredVersion[Question] | None, references: ReferenceLookup
) -> Question:
    """``record`` with the values ``previous`` knew and it lacks, and names for its refs.

    Example:
        >>> enrich(parsed, previous=archive.latest(qid), references=archive.references)  # doctest: +SKIP
    """
    if previous is not None:
        record = carry_known_values(record, previous.record)
    return references.resolve(record)


def save_question(
    archive: Archive,
    record: Question,
    *,
    qid: QuestionId,
    fetched_at: dt.datetime,
    raw: Sequence[RawCapture | str] = (),
) -> SaveResult:
    """Enrich ``record`` (:func:`enrich`) and save it: a new version only if it changed.

    The latest version is read once, for both. Hold the lock.

    Raises:
        ArchiveDamaged: the latest version cannot be read; nothing is written.
        ArchiveWriteError: a file cannot be written.
    """
    previous = archive.latest(qid)
    record = enrich(record, previous=previous, references=archive.references)
    return archive.save(record, qid=qid, fetched_at=fetched_at, raw=raw, previous=previous)


def stage_question(
    archive: Archive,
    record: Question,
    *,
    qid: QuestionId,
    fetched_at: dt.datetime,
    raw: Sequence[RawCapture | str] = (),
) -> PreparedSave:
    """:func:`save_question` in a worker process: enrich, then stage the files.

    Raises:
        ArchiveDamaged: the latest version cannot be read; nothing is staged.
        ArchiveWriteError: a file cannot be written; what was staged is removed.
    """
    previous = archive.latest(qid)
    record = enrich(record, previous=previous, references=archive.references)
    return archive.stage_save(record, qid=qid, fetched_at=fetched_at, raw=raw, previous=previous)
