"""Worker processes for a bulk import of AN questions: parse, enrich and stage in parallel.

This process reads and checks every member (:mod:`qarchive.jobs.imports.members`)
and sends them, a chunk at a time, to a :class:`concurrent.futures.ProcessPoolExecutor`.
Each worker parses its members, enriches each record and stages the save's files
(:func:`qarchive.jobs.enrich.stage_question`: the same decision and the same bytes
as a save here), and answers with a typed result per member (:data:`WorkerResult`).
This process takes the results in the file's order, keeps each save in the batch
(:meth:`qarchive.store.batch.Batch.keep`: its index row, then one
sync and the renames for a thousand questions before the index commit) and
reports problems as the serial import would. A question given a version earlier
in the same import is saved again here, from its bytes.

Workers ignore Ctrl-C (this process handles it) and exit when this process dies,
whatever the cause (they wait on its sentinel, :func:`multiprocessing.parent_process`):
a kill leaves only what a kill of the serial import leaves, temporary files and
question folders without a version file, which ``verify --repair`` removes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from qarchive.errors import ArchiveWriteError, QarchiveError
from qarchive.jobs.enrich import stage_question
from qarchive.jobs.imports.members import Member
from qarchive.model.ids import QuestionId, parse_question_id
from qarchive.sources.an import opendata_json
from qarchive.store.archive import Archive
from qarchive.store.batch import Batch, PreparedSave
from qarchive.store.raw import RawCapture

__all__ = ["Refused", "Staged", "StagingPool", "WorkerResult", "WriteFailed"]

CHUNK = 32  # members per task, at most
CHUNK_BYTES = 128 * 1024  # or fewer, when they are big
DEPTH = 3  # tasks in flight per worker: work queued while this process syncs
HEAD_START = 256  # members this process imports itself while the workers start


class Staged(NamedTuple):
    """A save worked out and staged by a worker, for this process to keep."""

    prepared: PreparedSave


class Refused(NamedTuple):
    """A member that is not a question qarchive can save, and why."""

    reason: str
    question: str | None  # the question it holds, when it could be told


class WriteFailed(NamedTuple):
    """The archive could not be written: every next member would fail the same way."""

    message: str
    path: str | None


WorkerResult = Staged | Refused | WriteFailed


class StagingPool:
    """Worker processes staging saves; their results taken here in the file's order.

    Args:
        count: worker processes.
        archive: the archive.
        batch: its open batch (:meth:`Archive.index_batch`)
        origin: where the file came from (each record's source URL starts with it).
        fetched_at: the import's one time.
        keep: called here for each member with the worker's result, in order.
        import_here: imports a member in this process (the head start).
    """

    def __init__(
        self,
        count: int,
        *,
        archive: Archive,
        batch: Batch,
        origin: str,
        fetched_at: dt.datetime,
        keep: Callable[[Member, WorkerResult], None],
        import_here: Callable[[Member], None],
    ) -> None:
        self._keep, self._import_here, self._batch = keep, import_here, batch
        self._limit = DEPTH * count
        # Spawned, not forked: a fork would copy this process's open index
        # transaction and threads into each worker.
        self._executor = ProcessPoolExecutor(
            count,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(str(archive.root), origin, fetched_at),
        )
        # Tasks sent and not yet taken, in the file's order.
        self._in_flight: deque[tuple[Future[list[WorkerResult]], list[Member]]] = deque()
        self._unkept: list[WorkerResult] = []  # results taken from a worker, not yet kept

    def __enter__(self) -> StagingPool:
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        try:
            if error is not None:
                self._drain()
        finally:
            self._executor.shutdown(wait=True, cancel_futures=True)

    def run(self, members: Iterator[Member]) -> None:
        """Import every member: sent in chunks; results kept in order here."""
        head = list(itertools.islice(members, HEAD_START))
        chunks = _chunks(members)
        self._fill(chunks)  # the workers start (importing the models) with work waiting
        for member in head:
            self._import_here(member)
        while self._in_flight:
            self._take_next()
            self._fill(chunks)

    def _fill(self, chunks: Iterator[list[Member]]) -> None:
        while len(self._in_flight) < self._limit:
            chunk = next(chunks, None)
            if chunk is None:
                return
            self._in_flight.append((self._executor.submit(_stage_chunk, chunk), chunk))

    def _take_next(self) -> None:
        future, chunk = self._in_flight.popleft()
        try:
            results = future.result()
        except BrokenProcessPool as exc:
            raise QarchiveError(
                f"an import worker stopped ({exc}); what came after it was not kept: "
                "run the import again"
            ) from None
        self._unkept = list(results)
        for member, result in zip(chunk, results, strict=False):
            self._unkept.pop(0)
            self._keep(member, result)

    def _drain(self) -> None:
        """After a failure: collect what the workers staged, for the batch to remove it."""
        unkept, self._unkept = self._unkept, []
        while self._in_flight:
            future, _ = self._in_flight.popleft()
            if future.cancel():
                continue
            with contextlib.suppress(Exception):
                unkept += future.result(timeout=60)  # else left behind, for verify --repair
        for result in unkept:
            if isinstance(result, Staged):
                self._batch.discard_prepared(result.prepared)


def _chunks(members: Iterator[Member]) -> Iterator[list[Member]]:
    # A few dozen members, or fewer big ones: what is in flight stays small.
    chunk: list[Member] = []
    size = 0
    for member in members:
        chunk.append(member)
        size += len(member.content or b"")
        if len(chunk) == CHUNK or size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


# -- in a worker process ------------------------------------------------------------------


@dataclass(slots=True)
class _Worker:
    archive: Archive
    origin: str
    fetched_at: dt.datetime


_worker: _Worker | None = None  # set once per worker process by _start_worker
_staging = contextlib.ExitStack()  # held for the worker's life


def _start_worker(root: str, origin: str, fetched_at: dt.datetime) -> None:
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the importing process
    threading.Thread(target=_exit_with_parent, name="exit-with-parent", daemon=True).start()
    archive = Archive(Path(root))
    _staging.enter_context(archive.staging())
    _worker = _Worker(archive, origin, fetched_at)


def _exit_with_parent() -> None:
    parent = multiprocessing.parent_process()
    if parent is not None:
        parent.join()  # returns when the importing process is gone, killed or not
        os._exit(1)


def _stage_chunk(members: list[Member]) -> list[WorkerResult]:
    """A task: stage each member's save; stop at a write failure (the rest would fail too)."""
    results: list[WorkerResult] = []
    for member in members:
        results.append(_stage_member(member))
        if isinstance(results[-1], WriteFailed):
            break
    return results


def _stage_member(member: Member) -> WorkerResult:
    worker = _worker
    assert worker is not None, "a task outside a worker started by StagingPool"
    if member.problem is not None or member.content is None:
        return Refused(member.problem or "empty", None)
    url = f"{worker.origin}#{member.name}"
    qid: QuestionId | None = None
    try:
        record = opendata_json.parse(member.content, url=url)
        qid = parse_question_id(record.id)
        prepared = stage_question(
            worker.archive,
            record,
            qid=qid,
            fetched_at=worker.fetched_at,
            raw=[member.raw or RawCapture(url, member.content, "json")],
        )
    except ArchiveWriteError as exc:
        return WriteFailed(str(exc), exc.path)
    except QarchiveError as exc:
        return Refused(str(exc), qid.canonical if qid else None)
    except Exception as exc:  # one member's bug stops that member only
        return Refused(str(QarchiveError.unexpected(exc, what=url)), qid.canonical if qid else None)
    return Staged(prepared)
