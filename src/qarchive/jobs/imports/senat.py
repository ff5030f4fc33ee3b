"""Import of the Sénat open data: the rolling-year CSV and the full dump.

The rolling-year ``questions-depuis-un-an.csv`` (found by its header, whatever its
name) and the full dump ``questions.zip`` or its ``questions.sql`` (a pg_dump,
streamed; its rows are spilled to a temporary SQLite file in the archive to join
answers to questions with bounded memory, see :mod:`qarchive.sources.senat.dump`).
Each row goes through the same enrich-and-save as ``qarchive fetch``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from qarchive.errors import ArchiveWriteError, QarchiveError
from qarchive.jobs.enrich import save_question
from qarchive.jobs.imports.members import member_problem
from qarchive.jobs.imports.summary import ImportProblem, ImportSummary
from qarchive.model.ids import parse_question_id
from qarchive.sources.senat import dump as senat_dump
from qarchive.sources.senat import opendata_csv as senat_csv
from qarchive.store.archive import Archive
from qarchive.store.packs import pack_reference
from qarchive.store.versions import SaveOutcome

__all__ = ["MAX_DUMP_BYTES", "PACK_BYTES", "PACK_ROWS", "SenatRun", "import_senat", "senat_format"]

# A pack is written when it holds this many rows or bytes: its rows wait in memory until
# then, so the bound keeps a full dump's import as small as one question at a time.
PACK_ROWS = 1000
PACK_BYTES = 1 << 20
MAX_DUMP_BYTES = 4 * 1024**3  # the Sénat's questions.sql: ~2 GB uncompressed in 2026
_PG_DUMP = re.compile(rb"PostgreSQL database dump|^COPY\s+\S*tam_questions\b", re.MULTILINE)
_CSV_HEADER = ("Référence".encode("cp1252"), "Référence".encode())


class _OverCap(Exception):
    pass


@dataclass(slots=True)
class SenatRun:
    """One import of Sénat open data: where to, from where, when, and its counts."""

    archive: Archive
    origin: str
    fetched_at: dt.datetime
    summary: ImportSummary
    max_row_bytes: int
    on_item: Callable[[int, int | None], None] | None


class _Capped:
    """A stream that refuses to give more than ``cap`` bytes: never trust a declared size."""

    def __init__(self, stream: IO[bytes], cap: int) -> None:
        self._stream, self._cap, self._read = stream, cap, 0

    def readline(self, size: int = -1, /) -> bytes:
        line = self._stream.readline(size)
        self._read += len(line)
        if self._read > self._cap:
            raise _OverCap(f"refused: over the {self._cap}-byte cap")
        return line


def senat_format(path: Path, names: list[str] | None) -> str | None:
    """``"csv"``, ``"sql"`` or ``"zip"`` for the Sénat's open-data files, else None.

    ``names``: the members when the file is a zip, else None.
    """
    if names is not None:
        return "zip" if any(name.lower().endswith(".sql") for name in names) else None
    try:
        with open(path, "rb") as handle:
            head = handle.read(64 * 1024)
    except OSError:
        return None
    if _PG_DUMP.search(head) or path.suffix.lower() == ".sql":
        return "sql"
    for line in head.lstrip(b"\xef\xbb\xbf").splitlines():
        if line.strip() and not line.lstrip().startswith(b"%"):  # the header
            return "csv" if b";" in line and any(h in line for h in _CSV_HEADER) else None
    return None


def import_senat(path: Path, senat: str, run: SenatRun, bundle: zipfile.ZipFile | None) -> None:
    """Import a Sénat file of the format :func:`senat_format` told (``bundle``: the zip)."""
    if senat == "csv":
        with open(path, "rb") as stream:
            rows = senat_csv.iter_records(stream, url=run.origin, max_row_bytes=run.max_row_bytes)
            _import_senat_rows(rows, path.name, "csv", run)
    elif senat == "sql":
        with open(path, "rb") as stream:
            _import_dump(stream, path.name, run)
    elif bundle is not None:
        _import_dump_zip(bundle, run)


def _import_dump_zip(bundle: zipfile.ZipFile, run: SenatRun) -> None:
    for info in bundle.infolist():
        if info.is_dir():
            continue
        problem = member_problem(info, MAX_DUMP_BYTES, suffix=".sql", kind="SQL")
        if problem is not None:
            run.summary.read += 1
            run.summary.problems.append(ImportProblem(info.filename, problem))
            continue
        with bundle.open(info) as member:
            _import_dump(_Capped(member, MAX_DUMP_BYTES), info.filename, run)


def _import_dump(stream: senat_csv.LineReader, name: str, run: SenatRun) -> None:
    # The spill file sits in the archive (same disk; /tmp may be RAM) and is named
    # .tmp-* so that verify --repair removes it if a kill leaves it behind.
    run.archive.root.mkdir(parents=True, exist_ok=True)
    handle, spill_path = tempfile.mkstemp(
        prefix=".tmp-senat-dump-", suffix=".sqlite", dir=run.archive.root
    )
    os.close(handle)
    spill = senat_dump.open_spill(spill_path)
    try:
        rows = senat_dump.iter_records(
            stream, url=run.origin, spill=spill, max_row_bytes=run.max_row_bytes
        )
        _import_senat_rows(rows, name, "json", run)
    finally:
        spill.close()
        Path(spill_path).unlink(missing_ok=True)


def _import_senat_rows(
    rows: Iterator[senat_csv.ParsedRow | senat_csv.RowProblem],
    name: str,
    extension: str,
    run: SenatRun,
) -> None:
    """Save each record; a row's problem is reported, a whole-file failure too.

    The rows' raw bytes go into packs of up to :data:`PACK_ROWS` rows or
    :data:`PACK_BYTES` bytes (``raw/packs/<time>-senat-<csv|json>.zip``), each
    written before any version names it: a question saved from the open data has
    no ``raw/`` folder of its own, as for the AN's zips.
    """
    summary = run.summary
    batch: list[tuple[senat_csv.ParsedRow, str]] = []
    held = 0  # the batch's raw bytes
    try:
        for item in rows:
            summary.read += 1
            where = f"{name}:{item.line}"
            if isinstance(item, senat_csv.RowProblem):
                summary.problems.append(ImportProblem(where, item.reason))
            elif len(item.raw) > run.max_row_bytes:
                summary.problems.append(
                    ImportProblem(where, f"refused: over the {run.max_row_bytes}-byte cap")
                )
            else:
                batch.append((item, where))
                held += len(item.raw)
                if len(batch) >= PACK_ROWS or held >= PACK_BYTES:
                    _save_batch(batch, extension, run)
                    batch, held = [], 0
            if run.on_item is not None:
                run.on_item(summary.read, None)
    except ArchiveWriteError:
        raise
    except (
        _OverCap,
        QarchiveError,
        OSError,
        EOFError,
        zipfile.BadZipFile,
        senat_dump.SpillError,
    ) as exc:
        summary.problems.append(ImportProblem(name, str(exc) or type(exc).__name__))
    except Exception as exc:  # a file no reader foresaw: what came before it is kept
        summary.problems.append(ImportProblem(name, str(QarchiveError.unexpected(exc, what=name))))
    _save_batch(batch, extension, run)  # the rows read before a failure are saved too


def _save_batch(
    batch: list[tuple[senat_csv.ParsedRow, str]], extension: str, run: SenatRun
) -> None:
    """Write the batch's pack, then save its rows; a pack no version names is removed."""
    if not batch:
        return
    packs = run.archive.packs
    pack = packs.new_name(run.fetched_at, f"senat-{extension}")
    members = [f"rows/{item.line}-{item.record.id}.{extension}" for item, _ in batch]
    packs.write(pack, zip(members, (item.raw for item, _ in batch), strict=True))
    named = False
    for (item, where), member in zip(batch, members, strict=True):
        named |= _save_senat_row(item, where, pack_reference(pack, member), run)
    if not named:
        packs.remove(pack)


def _save_senat_row(item: senat_csv.ParsedRow, where: str, raw: str, run: SenatRun) -> bool:
    """Save one row, its raw bytes in a pack (``raw``); True when a version names it."""
    summary = run.summary
    url = item.record.source.url
    try:
        result = save_question(
            run.archive,
            item.record,
            qid=parse_question_id(item.record.id),
            fetched_at=run.fetched_at,
            raw=[raw],
        )
    except ArchiveWriteError:
        raise
    except QarchiveError as exc:
        summary.problems.append(ImportProblem(where, str(exc)))
        return False
    except Exception as exc:  # one row's bug stops that row only
        summary.problems.append(ImportProblem(where, str(QarchiveError.unexpected(exc, what=url))))
        return False
    summary.count(result.outcome)
    return result.outcome is not SaveOutcome.UNCHANGED
