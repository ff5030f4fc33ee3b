"""Bulk import of the AN open data: a legislature's zip, one JSON, or the XIV file.

The zips of legislatures 15-17 hold one JSON per question (``json/QANR5L…QE….json``);
legislature 14 is one big JSON (``questionsEcrites.question[]``), streamed with
ijson rather than loaded whole. Each question goes through the same parser and
:meth:`Archive.save` as ``qarchive fetch``, so an import after a fetch of the
same content writes nothing, and an interrupted import simply resumes.

Untrusted archives are checked member by member: path traversal in names,
absurd compression ratios, oversized and non-JSON members are refused and
reported, never extracted to disk.

A zip of many questions (:data:`POOL_MIN_QUESTIONS`) is imported by a few worker
processes and this one together (:class:`_Pool`). This process reads and checks
every member as above and sends its bytes to a worker, which parses it and works
out the question's save with :meth:`Archive.stage_save` (the same decision and the
same bytes as :meth:`Archive.save`), staging its files; this process takes the results in the
zip's order, keeps each save in the batch (:meth:`Archive.save_prepared`: its
index row, then one sync and the renames for a thousand questions before the
index commit) and reports problems as the serial import would. A question given
a version earlier in the same import is saved again here, from its bytes. Workers
die with this process (``PR_SET_PDEATHSIG`` on Linux; end of input elsewhere), so
a kill leaves only what a kill of the serial import leaves: temporary files and
question directories without a version file, which ``verify --repair`` removes.

The Sénat open data goes the same way (:func:`_import_senat`): the rolling-year
``questions-depuis-un-an.csv`` (found by its header, whatever its name) and the
full dump ``questions.zip`` or its ``questions.sql`` (a pg_dump, streamed; its
rows are spilled to a temporary SQLite file in the archive to join answers to
questions with bounded memory, see :mod:`qarchive.sources.senat.dump`).
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import io
import itertools
import json
import os
import pickle
import queue
import re
import select
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import traceback
import zipfile
from collections import deque
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from qarchive.errors import ArchiveWriteError, ParseError, QarchiveError, UsageError
from qarchive.http import Client
from qarchive.jobs.enrich import save_question, stage_question
from qarchive.jobs.imports.amo import import_references, is_reference_file
from qarchive.model.ids import QuestionId, parse_question_id
from qarchive.settings import Clock, Settings, utc_now
from qarchive.sources.an import opendata_json
from qarchive.sources.senat import dump as senat_dump
from qarchive.sources.senat import opendata_csv as senat_csv
from qarchive.store.archive import Archive, RawCapture
from qarchive.store.batch import PreparedSave
from qarchive.store.versions import SaveOutcome

__all__ = [
    "MAX_BULK_BYTES",
    "MAX_COMPRESSION_RATIO",
    "MAX_DUMP_BYTES",
    "POOL_MIN_QUESTIONS",
    "ImportProblem",
    "ImportSummary",
    "import_file",
    "local_copy",
]

MAX_BULK_BYTES = 4 * 1024**3  # a legislature zip is ~45 MB; XIV's JSON a few hundred
MAX_COMPRESSION_RATIO = 100  # real question JSON compresses ~5-10x; bombs do 1000x
_SMALL_MEMBER = 64 * 1024  # below this, the ratio says nothing worth refusing
MAX_DUMP_BYTES = 4 * 1024**3  # the Sénat's questions.sql: ~2 GB uncompressed in 2026
# A zip with at least this many members is imported with worker processes: starting
# them takes ~0.7 s (importing the models), which a few hundred questions repay.
POOL_MIN_QUESTIONS = 2000
_MAX_WORKERS = 4  # beyond, this process (index rows, renames) is the limit
_CHUNK = 32  # questions per message to a worker, at most
_CHUNK_BYTES = 128 * 1024  # or fewer, when they are big
_DEPTH = 3  # messages in flight per worker: work queued while this process syncs
_HEAD_START = 256  # members this process imports itself while the workers start


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
    workers: int | None = None,
) -> ImportSummary:
    """Import every question of an AN open-data zip or JSON file into the archive.

    The caller holds the archive lock.

    Args:
        path: a ``.zip`` of per-question JSON files, a per-question ``.json``, or the
            legislature-XIV ``.json`` holding ``questionsEcrites.question[]``; or a
            Sénat ``questions-depuis-un-an.csv``, ``questions.zip`` or ``questions.sql``;
            or the AN actors and organs zip, AMO (:mod:`qarchive.jobs.imports.amo`).
        archive: where to save.
        max_member_bytes: refuse any single question larger than this.
        source_url: where the file came from, kept in each record's source.
        now: the clock, for ``fetched_at``.
        on_item: called after each question with (done, total or None), for progress.
        workers: worker processes for a zip of AN questions; None: as many as CPUs
            (up to 4) for a zip of :data:`POOL_MIN_QUESTIONS` members or more, none
            for a smaller one or on one CPU; 0: none.

    Raises:
        UsageError: the file is not a zip or JSON file qarchive can import.
        ArchiveWriteError: the archive cannot be written (disk full, read-only).
    """
    summary = ImportSummary()
    origin = source_url or path.resolve().as_uri()
    fetched_at = now()
    # A zip's directory is read once: 0.1 s per 10,000 members, and each step
    # below looks at it.
    with _zip_or_none(path) as bundle:
        names = None if bundle is None else bundle.namelist()
        if is_reference_file(path, names=names):  # AN actors, mandates and organs
            with contextlib.closing(_items(path, max_member_bytes, bundle)) as members:
                found = import_references(
                    members,
                    archive=archive,
                    source_url=origin,
                    fetched_at=fetched_at,
                    on_item=on_item,
                )
            problems = [ImportProblem(member, reason) for member, reason in found.problems]
            return ImportSummary(
                found.read, found.new, found.updated, found.unchanged, problems, found.named
            )
        if (senat := _senat_format(path, names)) is not None:
            run = _SenatRun(archive, origin, fetched_at, summary, max_member_bytes, on_item)
            with archive.index_batch():
                _import_senat(path, senat, run, bundle)
            return summary
        with archive.index_batch():
            _import_items(
                path,
                _Run(archive, origin, fetched_at, summary, max_member_bytes, on_item),
                workers,
                bundle,
            )
    return summary


@contextlib.contextmanager
def _zip_or_none(path: Path) -> Iterator[zipfile.ZipFile | None]:
    """The file opened as a zip when it starts like one, else None.

    Raises:
        UsageError: it starts like a zip but cannot be read as one.
    """
    if not _is_zip(path):
        yield None
        return
    with _open_zip(path) as bundle:
        yield bundle


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
    _save_item(item, origin, archive, fetched_at, summary)


def _save_item(
    item: _Item, origin: str, archive: Archive, fetched_at: dt.datetime, summary: ImportSummary
) -> None:
    if item.problem is not None or item.content is None:
        summary.problems.append(ImportProblem(item.name, item.problem or "empty"))
        return
    url = f"{origin}#{item.name}"
    try:
        record = opendata_json.parse(item.content, url=url)
        qid = parse_question_id(record.id)
        result = save_question(
            archive,
            record,
            qid=qid,
            fetched_at=fetched_at,
            raw=[RawCapture(url, item.content, "json")],
        )
    except ArchiveWriteError:
        raise  # disk full or read-only: every next member would fail the same way
    except (ParseError, QarchiveError) as exc:
        summary.problems.append(ImportProblem(item.name, str(exc)))
        return
    summary.count(result.outcome)


def _is_zip(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(2) == b"PK"
    except OSError:
        return False  # _items says why


def _items(
    path: Path, max_bytes: int, bundle: zipfile.ZipFile | None
) -> Generator[_Item, None, None]:
    if bundle is not None:
        yield from _zip_items(bundle, max_bytes)
        return
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    if head.startswith(b"PK"):  # read as a zip by _zip_or_none, which found none
        raise UsageError(f"{path} is not a readable zip file")
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        with open(path, "rb") as handle:
            yield from _json_items(handle, path.name, max_bytes)
    else:
        raise UsageError(
            f"{path} is neither a zip nor a JSON file; expected an AN open-data "
            "Questions_ecrites.json.zip or a question's .json"
        )


def _zip_items(bundle: zipfile.ZipFile, max_bytes: int) -> Iterator[_Item]:
    for info in bundle.infolist():
        if info.is_dir():
            continue
        problem = _member_problem(info, max_bytes)
        if problem is not None:
            yield _Item(info.filename, None, problem)
            continue
        with bundle.open(info) as member:
            yield from _json_items(member, info.filename, max_bytes)


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UsageError(f"{path} is not a readable zip file ({exc})") from None


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


def _senat_format(path: Path, names: list[str] | None) -> str | None:
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


def _import_senat(path: Path, senat: str, run: _SenatRun, bundle: zipfile.ZipFile | None) -> None:
    if senat == "csv":
        with open(path, "rb") as stream:
            rows = senat_csv.iter_records(stream, url=run.origin, max_row_bytes=run.max_row_bytes)
            _import_senat_rows(rows, path.name, "csv", run)
    elif senat == "sql":
        with open(path, "rb") as stream:
            _import_dump(stream, path.name, run)
    elif bundle is not None:
        _import_dump_zip(bundle, run)


def _import_dump_zip(bundle: zipfile.ZipFile, run: _SenatRun) -> None:
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
        result = save_question(
            run.archive,
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


# -- many AN questions at once, with worker processes -------------------------------------


@dataclass(slots=True)
class _Run:
    archive: Archive
    origin: str
    fetched_at: dt.datetime
    summary: ImportSummary
    max_bytes: int
    on_item: Callable[[int, int | None], None] | None

    def import_one(self, item: _Item) -> None:
        _import_one(item, self.origin, self.archive, self.fetched_at, self.summary)
        self.done()

    def done(self) -> None:
        if self.on_item is not None:
            self.on_item(self.summary.read, None)


# What a worker answers for each item: ("saved", PreparedSave fields) | ("problem",
# reason, question ID or None) | ("write", message, path) | ("error", pickled
# exception or None, traceback). After a "write" or an "error" it answers nothing more.
_Result = tuple[Any, ...]


def _import_items(
    path: Path, run: _Run, workers: int | None, bundle: zipfile.ZipFile | None
) -> None:
    members: int | None = None
    if bundle is not None:
        members = sum(1 for info in bundle.infolist() if not info.is_dir())
    # Closed here, not when collected: an open member keeps the zip's file open.
    with contextlib.closing(_items(path, run.max_bytes, bundle)) as read:
        items: Iterator[_Item] = read
        count = _worker_count(members, workers)
        if count == 0 and members is None and workers is None:
            # One JSON file: a question, or legislature XIV's many. Workers once it is many.
            for item in itertools.islice(items, POOL_MIN_QUESTIONS):
                run.import_one(item)
            following = next(items, None)
            if following is None:
                return
            items = itertools.chain([following], items)
            count = _worker_count(POOL_MIN_QUESTIONS, None)
        if count == 0:
            for item in items:
                run.import_one(item)
            return
        with _Pool(count, run) as pool:
            pool.run(items)


def _worker_count(members: int | None, requested: int | None) -> int:
    if not sys.platform.startswith("linux"):  # the pool needs F_SETPIPE_SZ, PDEATHSIG
        return 0
    if requested is not None:
        return max(0, requested)
    if members is None or members < POOL_MIN_QUESTIONS:
        return 0
    cpus = len(os.sched_getaffinity(0))
    return 0 if cpus < 2 else min(cpus, _MAX_WORKERS)


class _Worker:
    """A worker process; what this process sends it goes through a thread, never blocking."""

    def __init__(self, run: _Run) -> None:
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parent.parent)  # this very qarchive
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (package_root, env.get("PYTHONPATH"))))
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from qarchive.jobs.imports.an import _worker; _worker()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            bufsize=0,  # select() on the answers tells the truth
            start_new_session=True,  # Ctrl-C is for this process to handle
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.answers: IO[bytes] = self.process.stdout
        # Room for the answers in flight: a worker goes on while this process is busy.
        import fcntl  # Linux only, as the pool

        with contextlib.suppress(OSError):
            fcntl.fcntl(self.answers.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
        self.broken = False  # an answer was cut off (Ctrl-C...): the rest is unreadable
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._sender = threading.Thread(
            target=self._send_all, args=(self.process.stdin,), daemon=True
        )
        self._sender.start()
        self.send((os.getpid(), str(run.archive.root), run.origin, run.fetched_at))

    def send(self, message: object) -> None:
        self._outbox.put(_frame(message))

    def _send_all(self, stream: IO[bytes]) -> None:
        try:
            while (frame := self._outbox.get()) is not None:
                view = memoryview(frame)
                while view:
                    view = view[stream.write(view) or 0 :]
        except (OSError, ValueError):
            pass  # the worker is gone: its answers end, and the pool says so
        finally:
            with contextlib.suppress(OSError):
                stream.close()

    def receive(self) -> Any:
        self.broken = True  # until the whole answer is in
        answer = pickle.loads(_read_exactly(self.answers, _read_size(self.answers)))
        self.broken = False
        return answer

    def stop(self) -> None:
        self._outbox.put(None)

    def wait(self) -> None:
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._sender.join(timeout=10)
        with contextlib.suppress(OSError):
            self.answers.close()


class _Pool:
    """Worker processes that stage the saves of items; their results taken in order here."""

    def __init__(self, count: int, run: _Run) -> None:
        self._run = run
        self._workers: list[_Worker] = []
        # (worker, items) sent and not yet answered, in the file's order.
        self._sent: deque[tuple[_Worker, list[_Item]]] = deque()
        self._received: list[_Result] = []  # the answer being taken, and how far
        self._taken = 0
        self._next = 0  # round robin
        try:
            for _ in range(count):
                self._workers.append(_Worker(run))
        except BaseException:
            self._close()
            raise

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        try:
            if error is not None:
                self._drain()
        finally:
            self._close()

    def run(self, items: Iterator[_Item]) -> None:
        """Import every item: sent in chunks, round robin; results kept in order."""
        # The first items are imported here while the workers start (~0.7 s), with
        # their first chunks waiting for them.
        head = list(itertools.islice(items, _HEAD_START))
        chunks = _chunks(items)
        limit = _DEPTH * len(self._workers)
        while len(self._sent) < limit and self._send(next(chunks, None)):
            pass
        for item in head:
            self._run.import_one(item)
        while True:
            while len(self._sent) < limit and self._send(next(chunks, None)):
                pass
            if not self._sent:
                return
            self._take_answer()

    def _send(self, chunk: list[_Item] | None) -> bool:
        if chunk is None:
            return False
        worker = self._workers[self._next % len(self._workers)]
        self._next += 1
        worker.send([(item.name, item.content, item.problem) for item in chunk])
        self._sent.append((worker, chunk))
        return True

    def _take_answer(self) -> None:
        run = self._run
        worker, chunk = self._sent.popleft()
        try:
            answer: list[_Result] = worker.receive()
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            raise QarchiveError(
                f"an import worker stopped ({exc}); what came after question "
                f"{run.summary.read} was not kept: run the import again"
            ) from None
        self._received, self._taken = answer, 0
        for item, result in zip(chunk, answer, strict=False):
            self._taken += 1
            self._take(item, result)
            run.done()
        self._received = []

    def _take(self, item: _Item, result: _Result) -> None:
        run = self._run
        kind = result[0]
        if kind == "write":
            raise ArchiveWriteError(result[1], path=result[2])
        if kind == "error":
            _reraise(result[1], result[2])
        run.summary.read += 1
        if kind == "problem" and not run.archive.written_in_batch(result[2]):
            run.summary.problems.append(ImportProblem(item.name, result[1]))
            return
        if kind == "saved":
            saved = run.archive.save_prepared(PreparedSave(*result[1]))
            if saved is not None:
                run.summary.count(saved.outcome)
                return
        # Given a version earlier in this import: the worker may have seen an older
        # state, or one half committed. Saved again here.
        _save_item(item, run.origin, run.archive, run.fetched_at, run.summary)

    def _drain(self) -> None:
        """After a failure: collect what the workers staged, for the batch to remove it."""
        unkept = self._received[self._taken :]  # the one being taken is in the batch, or gone
        self._received = []
        try:
            while self._sent:
                worker, _ = self._sent.popleft()
                if worker.broken:
                    continue  # what it staged stays behind, for verify --repair
                try:
                    ready, _, _ = select.select([worker.answers], [], [], 60)
                    if not ready:
                        raise EOFError("no answer")
                    unkept += worker.receive()
                except (EOFError, OSError, pickle.UnpicklingError):
                    worker.broken = True
        finally:
            for result in unkept:
                if result[0] == "saved":
                    self._run.archive.discard_prepared(PreparedSave(*result[1]))

    def _close(self) -> None:
        for worker in self._workers:
            worker.stop()
        for worker in self._workers:
            worker.wait()
        self._workers.clear()


def _chunks(items: Iterator[_Item]) -> Iterator[list[_Item]]:
    # A few dozen questions, or fewer big ones: what is in flight stays well under the
    # 1 MiB of a pipe, whatever the members.
    chunk: list[_Item] = []
    size = 0
    for item in items:
        chunk.append(item)
        size += len(item.content or b"")
        if len(chunk) == _CHUNK or size >= _CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _frame(message: object) -> bytes:
    # One message: its length, then its pickle.
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return len(data).to_bytes(8, "little") + data


def _read_size(stream: IO[bytes]) -> int:
    return int.from_bytes(_read_exactly(stream, 8), "little")


def _read_exactly(stream: IO[bytes], size: int) -> bytearray:
    buffer = bytearray(size)
    view, done = memoryview(buffer), 0
    while done < size:
        got = stream.readinto(view[done:])  # type: ignore[attr-defined]
        if not got:
            raise EOFError("end of input")
        done += got
    return buffer


def _reraise(pickled: bytes | None, trace: str) -> None:
    if pickled is not None:
        with contextlib.suppress(Exception):
            error = pickle.loads(pickled)
        if isinstance(error, BaseException):
            raise error
    raise RuntimeError(f"an import worker failed:\n{trace}")


def _worker() -> None:
    """A worker process's main loop (see :class:`_Pool`): items in, staged saves out."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent to handle
    incoming = io.FileIO(0, "rb", closefd=False)
    outgoing = io.FileIO(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print must not break the messages
    parent, root, origin, fetched_at = pickle.loads(_read_exactly(incoming, _read_size(incoming)))
    if os.getppid() != parent:  # the parent died before the death signal was set
        return
    archive = Archive(Path(root))
    failed = False
    with archive.staging():
        while True:
            try:
                units = pickle.loads(_read_exactly(incoming, _read_size(incoming)))
            except EOFError:
                return
            answer: list[_Result] = []
            for name, content, problem in units:
                if failed:
                    break
                result = _worker_item(archive, _Item(name, content, problem), origin, fetched_at)
                failed = result[0] in ("write", "error")
                answer.append(result)
            view = memoryview(_frame(answer))
            while view:
                view = view[outgoing.write(view) or 0 :]


def _worker_item(archive: Archive, item: _Item, origin: str, fetched_at: dt.datetime) -> _Result:
    if item.problem is not None or item.content is None:
        return ("problem", item.problem or "empty", None)
    url = f"{origin}#{item.name}"
    qid: QuestionId | None = None
    try:
        record = opendata_json.parse(item.content, url=url)
        qid = parse_question_id(record.id)
        prepared = stage_question(
            archive,
            record,
            qid=qid,
            fetched_at=fetched_at,
            raw=[RawCapture(url, item.content, "json")],
        )
    except ArchiveWriteError as exc:
        return ("write", str(exc), exc.path)
    except (ParseError, QarchiveError) as exc:
        return ("problem", str(exc), qid and qid.canonical)
    except Exception as exc:  # what would end the serial import ends this one
        try:
            pickled: bytes | None = pickle.dumps(exc)
        except Exception:
            pickled = None
        return ("error", pickled, traceback.format_exc())
    return (
        "saved",
        (
            prepared.qid,
            prepared.outcome,
            prepared.version,
            prepared.changed,
            prepared.staged,
            prepared.created,
            prepared.entry,
        ),
    )


def _die_with_parent() -> None:
    # The kernel kills this process when its parent dies, whatever the cause.
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
