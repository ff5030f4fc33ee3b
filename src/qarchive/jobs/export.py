"""Export the archived questions to CSV, JSON Lines or Parquet, one row per question.

The index chooses the questions (the same filters as ``list``); each row comes
from the question's latest version file, the truth. Memory stays bounded
whatever the archive's size: IDs are read from the index a batch at a time
and rows are written as they are read. The file is written beside its final
path and renamed into place at the end, so a failed export never leaves half a
file behind.

- ``jsonl``: the full record per line, as stored (``Question.model_dump(mode="json")``).
- ``csv`` and ``parquet``: the flat columns of :data:`EXPORT_COLUMNS`, named as
  every command names them (:mod:`qarchive.model.columns`); in Parquet, dates
  are ``date32``, numbers ``int32`` and the rest strings; in CSV, a cell a
  spreadsheet would run as a formula gets a ``'`` in front unless ``raw_csv``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO

from qarchive.errors import ArchiveDamaged, NotArchived, QarchiveError, UsageError
from qarchive.index.filters import Filters
from qarchive.index.lookups import ids_by_publication
from qarchive.jobs.choices import ExportFormat
from qarchive.model.columns import COLUMNS, EXPORT_COLUMNS, Kind, csv_cell, record_columns
from qarchive.model.ids import parse_question_id
from qarchive.model.question import Question
from qarchive.store.archive import Archive
from qarchive.store.files import temp_for
from qarchive.store.versions import StoredVersion

__all__ = ["BATCH_SIZE", "EXPORT_COLUMNS", "ExportResult", "export_questions", "write_export"]

BATCH_SIZE = 5000  # questions per index query, and rows per Parquet row group


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote, and the questions it had to leave out."""

    exported: int
    skipped: list[QarchiveError] = field(default_factory=list)  # damaged or missing files


def _flat_row(stored: StoredVersion[Question]) -> list[Any]:
    record = stored.record
    values = record_columns(record)
    values["question_text"] = record.text
    values["answer_text"] = record.answer.text if record.answer else None
    # The version number comes from the file, not the record: it is the last column.
    return [values[name] for name in EXPORT_COLUMNS[:-1]] + [stored.version]


def export_questions(
    archive: Archive,
    filters: Filters,
    *,
    fmt: ExportFormat,
    path: Path,
    today: dt.date,
    raw_csv: bool = False,
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
        raw_csv: CSV cells as archived, formulas included (see
            :func:`qarchive.model.columns.csv_cell`); else neutralised.
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
    with _replacing(path) as temp, open(temp, "wb") as handle:
        return write_export(
            archive,
            filters,
            handle,
            fmt=fmt,
            today=today,
            raw_csv=raw_csv,
            batch_size=batch_size,
        )


def write_export(
    archive: Archive,
    filters: Filters,
    stream: BinaryIO,
    *,
    fmt: ExportFormat,
    today: dt.date,
    raw_csv: bool = False,
    batch_size: int = BATCH_SIZE,
) -> ExportResult:
    """Write the export to an open binary stream (stdout), as :func:`export_questions` does.

    Raises:
        UsageError: contradictory filters.
    """
    filters.where(today)
    skipped: list[QarchiveError] = []
    with contextlib.closing(_read_batches(archive, filters, today, batch_size, skipped)) as batches:
        if fmt is ExportFormat.PARQUET:
            exported = _write_parquet(stream, batches)
        else:
            text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
            try:
                if fmt is ExportFormat.CSV:
                    exported = _write_csv(text, batches, raw=raw_csv)
                else:
                    exported = _write_jsonl(text, batches)
            finally:
                text.detach()  # the caller closes the stream
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


def _write_csv(
    handle: IO[str], batches: Iterator[list[StoredVersion[Question]]], *, raw: bool
) -> int:
    writer = csv.writer(handle)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for batch in batches:
        for stored in batch:
            writer.writerow(csv_cell(value, raw=raw) for value in _flat_row(stored))
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


def _write_parquet(stream: BinaryIO, batches: Iterator[list[StoredVersion[Question]]]) -> int:
    # pyarrow takes a quarter of a second to import: only an export to Parquet pays it.
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {Kind.TEXT: pa.string(), Kind.INT: pa.int32(), Kind.DATE: pa.date32()}
    schema = pa.schema([pa.field(name, types[COLUMNS[name][0]]) for name in EXPORT_COLUMNS])
    count = 0
    # Written in one pass, never seeking back: a pipe will do.
    with pq.ParquetWriter(stream, schema) as writer:  # an empty export still has the schema
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
