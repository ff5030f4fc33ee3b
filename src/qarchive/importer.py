"""Bulk import of the AN open data: a legislature's zip, one JSON, or the XIV file.

The zips of legislatures 15-17 hold one JSON per question (``json/QANR5L…QE….json``);
legislature 14 is one big JSON (``questionsEcrites.question[]``), streamed with
ijson rather than loaded whole. Each question goes through the same parser and
:meth:`Archive.save` as ``qarchive fetch``, so an import after a fetch of the
same content writes nothing, and an interrupted import simply resumes.

Untrusted archives are checked member by member: path traversal in names,
absurd compression ratios, oversized and non-JSON members are refused and
reported, never extracted to disk.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
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
from qarchive.settings import Settings
from qarchive.sources.an import opendata_json

__all__ = [
    "MAX_BULK_BYTES",
    "MAX_COMPRESSION_RATIO",
    "ImportProblem",
    "ImportSummary",
    "import_file",
    "local_copy",
]

MAX_BULK_BYTES = 4 * 1024**3  # a legislature zip is ~45 MB; XIV's JSON a few hundred
MAX_COMPRESSION_RATIO = 100  # real question JSON compresses ~5-10x; bombs do 1000x
_SMALL_MEMBER = 64 * 1024  # below this, the ratio says nothing worth refusing


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
            legislature-XIV ``.json`` holding ``questionsEcrites.question[]``.
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
    if result.outcome is SaveOutcome.NEW:
        summary.new += 1
    elif result.outcome is SaveOutcome.UPDATED:
        summary.updated += 1
    else:
        summary.unchanged += 1


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


def _member_problem(info: zipfile.ZipInfo, max_bytes: int) -> str | None:
    name = PurePosixPath(info.filename.replace("\\", "/"))
    if name.is_absolute() or ".." in name.parts or ":" in info.filename:
        return "refused: the name points outside the archive (path traversal)"
    if not info.filename.lower().endswith(".json"):
        return "skipped: not a JSON file"
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
