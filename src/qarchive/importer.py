"""Bulk import of the AN open data: a legislature's zip, one JSON, or the XIV file.

The zips of legislatures 15-17 hold one JSON per question (``json/QANR5L…QE….json``);
legislature 14 is one big JSON (``questionsEcrites.question[]``), streamed with
ijson rather than loaded whole. Each question goes through the same parser and
:meth:`Archive.save` as ``qarchive fetch``, so an import after a fetch of the
same content writes nothing, and an interrupted import simply resumes.

Untrusted archives are checked member by member: path traversal in names,
absurd compression ratios, oversized and non-JSON members are refused and
reported, never extracted to disk.

The Sénat open data goes the same way (:func:`_import_senat`): the rolling-year
``questions-depuis-un-an.csv`` (found by its header, whatever its name) and the
full dump ``questions.zip`` or its ``questions.sql`` (a pg_dump, streamed; its
rows are spilled to a temporary SQLite file in the archive to join answers to
questions with bounded memory, see :mod:`qarchive.sources.senat.dump`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from qarchive.archive import Archive, RawCapture, SaveOutcome
from qarchive.errors import ArchiveWriteError, ParseError, QarchiveError, UsageError
from qarchive.fetching import Clock, utc_now
from qarchive.http import Client
from qarchive.ids import parse_question_id
from qarchive.reference_import import import_references, is_reference_file
from qarchive.settings import Settings
from qarchive.sources.an import opendata_json
from qarchive.sources.senat import dump as senat_dump
from qarchive.sources.senat import opendata_csv as senat_csv

__all__ = [
    "MAX_BULK_BYTES",
    "MAX_COMPRESSION_RATIO",
    "MAX_DUMP_BYTES",
    "ImportProblem",
    "ImportSummary",
    "import_file",
    "local_copy",
]

MAX_BULK_BYTES = 4 * 1024**3  # a legislature zip is ~45 MB; XIV's JSON a few hundred
MAX_COMPRESSION_RATIO = 100  # real question JSON compresses ~5-10x; bombs do 1000x
_SMALL_MEMBER = 64 * 1024  # below this, the ratio says nothing worth refusing
MAX_DUMP_BYTES = 4 * 1024**3  # the Sénat's questions.sql: ~2 GB uncompressed in 2026


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """One member that was refused or failed, and why."""

    member: str
    reason: str


@dataclass(slots=True)
class ImportSummary:
    """What an import did."""

    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    named: int = 0  # AMO import: archived questions that got their author's name

    def count(self, outcome: SaveOutcome) -> None:
        """Add one saved question's outcome."""
        if outcome is SaveOutcome.NEW:
            self.new += 1
        elif outcome is SaveOutcome.UPDATED:
            self.updated += 1
        else:
            self.unchanged += 1


@dataclass(frozen=True, slots=True)
class _Item:
    name: str
    content: bytes | None
    problem: str | None = None


def import_file(
    path: Path,
    *,
    archive: Archive,
    max_member_bytes: int,
    source_url: str | None = None,
    now: Clock = utc_now,
    on_item: Callable[[int, int | None], None] | None = None,
) -> ImportSummary:
    """Import every question of an AN open-data zip or JSON file into the archive.

    The caller holds the archive lock.

    Args:
        path: a ``.zip`` of per-question JSON files, a per-question ``.json``, or the
            legislature-XIV ``.json`` holding ``questionsEcrites.question[]``; or a
            Sénat ``questions-depuis-un-an.csv``, ``questions.zip`` or ``questions.sql``;
            or the AN actors and organs zip, AMO (:mod:`qarchive.reference_import`).
        archive: where to save.
        max_member_bytes: refuse any single question larger than this.
        source_url: where the file came from, kept in each record's source.
        now: the clock, for ``fetched_at``.
        on_item: called after each question with (done, total or None), for progress.

    Raises:
        UsageError: the file is not a zip or JSON file qarchive can import.
        ArchiveWriteError: the archive cannot be written (disk full, read-only).
    """
    summary = ImportSummary()
    origin = source_url or path.resolve().as_uri()
    fetched_at = now()
    if is_reference_file(path):  # AN actors, mandates and organs: names for the refs
        found = import_references(
            _items(path, max_member_bytes),
            archive=archive,
            source_url=origin,
            fetched_at=fetched_at,
            on_item=on_item,
        )
        problems = [ImportProblem(member, reason) for member, reason in found.problems]
        return ImportSummary(
            found.read, found.new, found.updated, found.unchanged, problems, found.named
        )
    if (senat := _senat_format(path)) is not None:
        run = _SenatRun(archive, origin, fetched_at, summary, max_member_bytes, on_item)
        with archive.index_batch():
            _import_senat(path, senat, run)
        return summary
    with archive.index_batch():
        for done, item in enumerate(_items(path, max_member_bytes), start=1):
            _import_one(item, origin, archive, fetched_at, summary)
            if on_item is not None:
                on_item(done, None)
    return summary


@contextlib.contextmanager
def local_copy(
    source: str, *, settings: Settings, workdir: Path
) -> Iterator[tuple[Path, str | None]]:
    """A local path for ``source``: the file itself, or a download of its URL.

    A download goes to a temporary file in ``workdir`` (the archive, so that it
    is on the same disk) and is removed afterwards.

    Raises:
        UsageError: a local file that does not exist.
        FetchError: the download failed (host not configured, HTTP error, ...).
    """
    if "://" not in source:
        path = Path(source)
        if not path.is_file():
            raise UsageError(f"{source} is not a file; give a zip or JSON file, or its URL")
        yield path, None
        return
    workdir.mkdir(parents=True, exist_ok=True)
    temp = workdir / f".tmp-import-{os.getpid()}"
    try:
        with Client(settings) as client:
            client.download(source, temp, max_bytes=MAX_BULK_BYTES)
        yield temp, source
    finally:
        temp.unlink(missing_ok=True)


def _import_one(
    item: _Item, origin: str, archive: Archive, fetched_at: dt.datetime, summary: ImportSummary
) -> None:
    summary.read += 1
    if item.problem is not None or item.content is None:
        summary.problems.append(ImportProblem(item.name, item.problem or "empty"))
        return
    url = f"{origin}#{item.name}"
    try:
        record = opendata_json.parse(item.content, url=url)
        qid = parse_question_id(record.id)
        result = archive.save(
            record, qid=qid, fetched_at=fetched_at, raw=[RawCapture(url, item.content, "json")]
        )
    except ArchiveWriteError:
        raise  # disk full or read-only: every next member would fail the same way
    except (ParseError, QarchiveError) as exc:
        summary.problems.append(ImportProblem(item.name, str(exc)))
        return
    summary.count(result.outcome)


def _items(path: Path, max_bytes: int) -> Iterator[_Item]:
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    if head.startswith(b"PK"):
        yield from _zip_items(path, max_bytes)
    elif head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        with open(path, "rb") as handle:
            yield from _json_items(handle, path.name, max_bytes)
    else:
        raise UsageError(
            f"{path} is neither a zip nor a JSON file; expected an AN open-data "
            "Questions_ecrites.json.zip or a question's .json"
        )


def _zip_items(path: Path, max_bytes: int) -> Iterator[_Item]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UsageError(f"{path} is not a readable zip file ({exc})") from None
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            problem = _member_problem(info, max_bytes)
            if problem is not None:
                yield _Item(info.filename, None, problem)
                continue
            with archive.open(info) as member:
                yield from _json_items(member, info.filename, max_bytes)


def _member_problem(
    info: zipfile.ZipInfo, max_bytes: int, *, suffix: str = ".json", kind: str = "JSON"
) -> str | None:
    """Why a zip member is refused or skipped (names, type, size, ratio), or None."""
    name = PurePosixPath(info.filename.replace("\\", "/"))
    if name.is_absolute() or ".." in name.parts or ":" in info.filename:
        return "refused: the name points outside the archive (path traversal)"
    if not info.filename.lower().endswith(suffix):
        return f"skipped: not a {kind} file"
    if info.file_size > max_bytes:
        return f"refused: {info.file_size} bytes, over the {max_bytes}-byte cap"
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > _SMALL_MEMBER and ratio > MAX_COMPRESSION_RATIO:
        return f"refused: compression ratio {ratio:.0f}:1 looks like a zip bomb"
    return None


def _json_items(stream: IO[bytes], name: str, max_bytes: int) -> Iterator[_Item]:
    # One question per document, or XIV's single file of many: peek to tell.
    head = stream.read(4096)
    if b'"questionsEcrites"' in head or b'"questionsOralesSansDebat"' in head:
        yield from _stream_many(head, stream, name)
        return
    content = head + stream.read(max_bytes + 1 - len(head))
    if len(content) > max_bytes:  # never trust the declared size alone
        yield _Item(name, None, f"refused: over the {max_bytes}-byte cap")
    else:
        yield _Item(name, content)


def _stream_many(head: bytes, stream: IO[bytes], name: str) -> Iterator[_Item]:
    import ijson  # only the XIV file needs a streaming parser

    class _Rewound:
        def __init__(self) -> None:
            self._head = head

        def read(self, size: int = -1) -> bytes:
            if size == 0:  # ijson probes read(0) to tell bytes from text
                return b""
            if self._head:
                chunk, self._head = self._head, b""
                return chunk
            return stream.read(size)

    for prefix in ("questionsEcrites.question.item", "questionsOralesSansDebat.question.item"):
        if prefix.split(".")[0].encode() in head:
            for index, question in enumerate(ijson.items(_Rewound(), prefix, use_float=True)):
                content = json.dumps({"question": question}, ensure_ascii=False).encode()
                yield _Item(f"{name}[{index}]", content)
            return


# -- the Sénat open data ---------------------------------------------------------------

_PG_DUMP = re.compile(rb"PostgreSQL database dump|^COPY\s+\S*tam_questions\b", re.MULTILINE)
_CSV_HEADER = ("Référence".encode("cp1252"), "Référence".encode())


class _OverCap(Exception):
    pass


@dataclass(slots=True)
class _SenatRun:
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


def _senat_format(path: Path) -> str | None:
    """``"csv"``, ``"sql"`` or ``"zip"`` for the Sénat's open-data files, else None."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(64 * 1024)
        if head.startswith(b"PK"):
            with zipfile.ZipFile(path) as bundle:
                names = bundle.namelist()
            return "zip" if any(name.lower().endswith(".sql") for name in names) else None
    except (OSError, zipfile.BadZipFile):
        return None
    if _PG_DUMP.search(head) or path.suffix.lower() == ".sql":
        return "sql"
    for line in head.lstrip(b"\xef\xbb\xbf").splitlines():
        if line.strip() and not line.lstrip().startswith(b"%"):  # the header
            return "csv" if b";" in line and any(h in line for h in _CSV_HEADER) else None
    return None


def _import_senat(path: Path, senat: str, run: _SenatRun) -> None:
    if senat == "csv":
        with open(path, "rb") as stream:
            rows = senat_csv.iter_records(stream, url=run.origin, max_row_bytes=run.max_row_bytes)
            _import_senat_rows(rows, path.name, "csv", run)
    elif senat == "sql":
        with open(path, "rb") as stream:
            _import_dump(stream, path.name, run)
    else:
        _import_dump_zip(path, run)


def _import_dump_zip(path: Path, run: _SenatRun) -> None:
    with zipfile.ZipFile(path) as bundle:
        for info in bundle.infolist():
            if info.is_dir():
                continue
            problem = _member_problem(info, MAX_DUMP_BYTES, suffix=".sql", kind="SQL")
            if problem is not None:
                run.summary.read += 1
                run.summary.problems.append(ImportProblem(info.filename, problem))
                continue
            with bundle.open(info) as member:
                _import_dump(_Capped(member, MAX_DUMP_BYTES), info.filename, run)


def _import_dump(stream: senat_csv.LineReader, name: str, run: _SenatRun) -> None:
    # The spill file sits in the archive (same disk; /tmp may be RAM) and is named
    # .tmp-* so that verify --repair removes it if a kill leaves it behind.
    run.archive.root.mkdir(parents=True, exist_ok=True)
    handle, spill_path = tempfile.mkstemp(
        prefix=".tmp-senat-dump-", suffix=".sqlite", dir=run.archive.root
    )
    os.close(handle)
    spill = sqlite3.connect(spill_path)
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
    run: _SenatRun,
) -> None:
    """Save each record; a row's problem is reported, a whole-file failure too."""
    summary = run.summary
    try:
        for item in rows:
            summary.read += 1
            if isinstance(item, senat_csv.RowProblem):
                summary.problems.append(ImportProblem(f"{name}:{item.line}", item.reason))
            else:
                _save_senat_row(item, f"{name}:{item.line}", extension, run)
            if run.on_item is not None:
                run.on_item(summary.read, None)
    except ArchiveWriteError:
        raise
    except (_OverCap, QarchiveError, OSError, EOFError, zipfile.BadZipFile, sqlite3.Error) as exc:
        summary.problems.append(ImportProblem(name, str(exc) or type(exc).__name__))


def _save_senat_row(item: senat_csv.ParsedRow, member: str, extension: str, run: _SenatRun) -> None:
    summary = run.summary
    if len(item.raw) > run.max_row_bytes:
        summary.problems.append(
            ImportProblem(member, f"refused: over the {run.max_row_bytes}-byte cap")
        )
        return
    url = item.record.source.url
    try:
        result = run.archive.save(
            item.record,
            qid=parse_question_id(item.record.id),
            fetched_at=run.fetched_at,
            raw=[RawCapture(url, item.raw, extension)],
        )
    except ArchiveWriteError:
        raise
    except QarchiveError as exc:
        summary.problems.append(ImportProblem(member, str(exc)))
        return
    summary.count(result.outcome)
