"""Export the archived questions to CSV, JSON Lines or Parquet, one row per question.

The index chooses the questions (the same filters as ``list``); each row comes
from the question's latest version file, the truth. Memory stays bounded
whatever the archive's size: IDs are read from the index a batch at a time
and rows are written as they are read. The file is written beside its final
path and renamed into place at the end, so a failed export never leaves half a
file behind.

- ``jsonl``: the full record per line, as stored (``Question.model_dump(mode="json")``).
- ``csv`` and ``parquet``: the flat columns of :data:`EXPORT_COLUMNS`; in
  Parquet, dates are ``date32``, numbers ``int32`` and the rest strings.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import os
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from qarchive.errors import ArchiveDamaged, NotArchived, QarchiveError, UsageError
from qarchive.index.filters import Filters
from qarchive.index.lookups import ids_by_publication
from qarchive.jobs.choices import ExportFormat
from qarchive.model.ids import parse_question_id
from qarchive.model.question import Question
from qarchive.store.archive import Archive
from qarchive.store.files import temp_for
from qarchive.store.versions import StoredVersion

__all__ = ["BATCH_SIZE", "EXPORT_COLUMNS", "ExportResult", "export_questions"]

BATCH_SIZE = 5000  # questions per index query, and rows per Parquet row group


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote, and the questions it had to leave out."""

    exported: int
    skipped: list[QarchiveError] = field(default_factory=list)  # damaged or missing files


class _Kind(StrEnum):
    STRING = "string"
    INT = "int32"
    DATE = "date32"


# The flat columns, defined once for CSV and Parquet: name, type, value.
_COLUMNS: tuple[tuple[str, _Kind, Callable[[Question], Any]], ...] = (
    ("id", _Kind.STRING, lambda q: q.id),
    ("chamber", _Kind.STRING, lambda q: q.chamber.value),
    ("legislature", _Kind.INT, lambda q: q.legislature),
    ("number", _Kind.INT, lambda q: q.number),
    ("kind", _Kind.STRING, lambda q: q.kind),
    ("title", _Kind.STRING, lambda q: q.title),
    ("rubrique", _Kind.STRING, lambda q: q.rubrique),
    ("author_name", _Kind.STRING, lambda q: q.author.name),
    ("author_civility", _Kind.STRING, lambda q: q.author.civility),
    ("author_ref", _Kind.STRING, lambda q: q.author.ref),
    ("group_short", _Kind.STRING, lambda q: q.author.group.short if q.author.group else None),
    ("group_full", _Kind.STRING, lambda q: q.author.group.full if q.author.group else None),
    ("constituency", _Kind.STRING, lambda q: q.author.constituency or q.author.department),
    ("ministry_asked", _Kind.STRING, lambda q: q.ministry_asked.name if q.ministry_asked else None),
    (
        "ministry_responding",
        _Kind.STRING,
        lambda q: q.ministry_responding.name if q.ministry_responding else None,
    ),
    ("published", _Kind.DATE, lambda q: q.published.date),
    ("published_page", _Kind.INT, lambda q: q.published.page),
    ("answered", _Kind.DATE, lambda q: q.answer.published.date if q.answer else None),
    ("answer_page", _Kind.INT, lambda q: q.answer.published.page if q.answer else None),
    ("answer_delay_days", _Kind.INT, lambda q: q.answer_delay_days()),
    ("status", _Kind.STRING, lambda q: q.status.value),
    ("closed", _Kind.DATE, lambda q: q.closed.date if q.closed else None),
    (
        "closed_reason",
        _Kind.STRING,
        lambda q: (q.closed.reason or q.closed.code) if q.closed else None,
    ),
    ("deadline", _Kind.DATE, lambda q: q.deadline()),
    ("question_text", _Kind.STRING, lambda q: q.text),
    ("answer_text", _Kind.STRING, lambda q: q.answer.text if q.answer else None),
    ("url", _Kind.STRING, lambda q: q.url),
)
# The version number comes from the file, not the record: it is the last column.
EXPORT_COLUMNS = (*(name for name, _, _ in _COLUMNS), "version")


def _flat_row(stored: StoredVersion[Question]) -> list[Any]:
    return [value(stored.record) for _, _, value in _COLUMNS] + [stored.version]


def export_questions(
    archive: Archive,
    filters: Filters,
    *,
    fmt: ExportFormat,
    path: Path,
    today: dt.date,
    batch_size: int = BATCH_SIZE,
) -> ExportResult:
    """Write every question matching ``filters`` to ``path``, oldest first.

    A question whose latest version file is damaged (or gone since the index
    was written) is left out and reported in :attr:`ExportResult.skipped`; the
    others are exported.

    Args:
        archive: The archive to export (its index is rebuilt first if outdated).
        filters: Which questions (the same filters as ``list``).
        fmt: CSV, JSON Lines or Parquet.
        path: The file to write; replaced if it exists, only once complete.
        today: The date ``--overdue`` is judged against.
        batch_size: Questions read per index query (and per Parquet row group).

    Returns:
        How many questions were written, and the errors of those skipped.

    Raises:
        UsageError: contradictory filters, or a ``path`` whose directory does not exist.

    Example:
        >>> result = export_questions(archive, Filters(legislature=16),
        ...     fmt=ExportFormat.PARQUET, path=Path("l16.parquet"),
        ...     today=dt.date.today())  # doctest: +SKIP
        >>> result.exported, result.skipped  # doctest: +SKIP
        (41873, [])
    """
    filters.where(today)  # a usage error before any file is created
    if not path.parent.is_dir():
        raise UsageError(f"cannot write {path}: the directory {path.parent} does not exist")
    skipped: list[QarchiveError] = []
    with (
        contextlib.closing(_read_batches(archive, filters, today, batch_size, skipped)) as batches,
        _replacing(path) as temp,
    ):
        if fmt is ExportFormat.PARQUET:
            exported = _write_parquet(temp, batches)
        else:
            with open(temp, "w", encoding="utf-8", newline="") as handle:
                writer = _write_csv if fmt is ExportFormat.CSV else _write_jsonl
                exported = writer(handle, batches)
    return ExportResult(exported, skipped)


def _read_batches(
    archive: Archive,
    filters: Filters,
    today: dt.date,
    batch_size: int,
    skipped: list[QarchiveError],
) -> Generator[list[StoredVersion[Question]], None, None]:
    """The latest versions of the matching questions, a batch at a time, oldest first."""
    for ids in ids_by_publication(archive, filters, today=today, batch_size=batch_size):
        batch = []
        for question_id in ids:
            try:
                batch.append(archive.read_version(parse_question_id(question_id)))
            except (ArchiveDamaged, NotArchived) as exc:
                skipped.append(exc)
            except Exception as exc:  # one question's bug leaves that question out only
                skipped.append(QarchiveError.unexpected(exc, what=question_id))
        yield batch


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A temp path beside ``path``; renamed over it on success, removed on failure."""
    temp = temp_for(path)
    try:
        yield temp
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def _write_csv(handle: IO[str], batches: Iterator[list[StoredVersion[Question]]]) -> int:
    writer = csv.writer(handle)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for batch in batches:
        for stored in batch:
            writer.writerow(
                "" if value is None else value.isoformat() if isinstance(value, dt.date) else value
                for value in _flat_row(stored)
            )
        count += len(batch)
    return count


def _write_jsonl(handle: IO[str], batches: Iterator[list[StoredVersion[Question]]]) -> int:
    count = 0
    for batch in batches:
        for stored in batch:
            handle.write(json.dumps(stored.record.model_dump(mode="json"), ensure_ascii=False))
            handle.write("\n")
        count += len(batch)
    return count


def _write_parquet(path: Path, batches: Iterator[list[StoredVersion[Question]]]) -> int:
    # pyarrow takes a quarter of a second to import: only an export to Parquet pays it.
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {_Kind.STRING: pa.string(), _Kind.INT: pa.int32(), _Kind.DATE: pa.date32()}
    schema = pa.schema(
        [pa.field(name, types[kind]) for name, kind, _ in _COLUMNS]
        + [pa.field("version", pa.int32())]
    )
    count = 0
    with pq.ParquetWriter(path, schema) as writer:  # an empty export still has the schema
        for batch in batches:
            if not batch:
                continue
            columns = zip(*(_flat_row(stored) for stored in batch), strict=True)
            arrays = [
                pa.array(values, type=f.type) for values, f in zip(columns, schema, strict=True)
            ]
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
            count += len(batch)
    return count
