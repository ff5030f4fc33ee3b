"""Import of the AN's questions open data: a legislature's zip, one JSON, or the XIV file.

The zips of legislatures 15-17 hold one JSON per question (``json/QANR5L…QE….json``);
legislature 14 is one big JSON (``questionsEcrites.question[]``), streamed
(:mod:`qarchive.jobs.imports.members`). Each question goes through the same parser
and the same enrich-and-save as ``qarchive fetch``, so an import after a fetch of the
same content writes nothing, and an interrupted import simply resumes.

A zip's members unchanged since the last import of its dataset are not read, and
the bytes of those read go into a pack (:mod:`qarchive.jobs.imports.zips`). A file
of many questions (:data:`POOL_MIN_QUESTIONS`) is imported by a few worker
processes and this one together (:mod:`qarchive.jobs.imports.pool`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from qarchive.errors import ArchiveWriteError, QarchiveError
from qarchive.jobs.enrich import save_question
from qarchive.jobs.imports.members import Member, read_members
from qarchive.jobs.imports.pool import Refused, Staged, StagingPool, WorkerResult, WriteFailed
from qarchive.jobs.imports.summary import ImportProblem, ImportSummary
from qarchive.jobs.imports.zips import plan_zip, remember_zip
from qarchive.model.ids import QuestionId, parse_question_id
from qarchive.sources.an import opendata_json
from qarchive.store.archive import Archive
from qarchive.store.batch import Batch
from qarchive.store.bulk import Validators
from qarchive.store.raw import RawCapture
from qarchive.store.versions import SaveResult

__all__ = ["MAX_WORKERS", "POOL_MIN_QUESTIONS", "QuestionsRun", "import_questions"]

# A file with at least this many questions is imported with worker processes:
# starting them (importing the models) costs what a few hundred questions repay
# (bench/README.md, import.py).
POOL_MIN_QUESTIONS = 2000
MAX_WORKERS = 4  # beyond, this process (index rows, renames) is the limit


@dataclass(slots=True)
class QuestionsRun:
    """One import of AN questions: where to, from where, when, and its counts."""

    archive: Archive
    batch: Batch  # the archive's open batch
    origin: str
    fetched_at: dt.datetime
    summary: ImportSummary
    max_bytes: int
    on_item: Callable[[int, int | None], None] | None
    # Called with each question saved (its result: new, updated or unchanged).
    on_saved: Callable[[QuestionId, SaveResult], None] | None = None
    full: bool = False  # read every member of a zip, whatever the last import saw
    url: str | None = None  # where a zip came from, and its validators (for the manifest)
    validators: Validators | None = None
    _untold: list[tuple[QuestionId, SaveResult]] = field(default_factory=list)

    def import_member(self, member: Member) -> None:
        """Import one member in this process."""
        self.summary.read += 1
        self.save(member)
        self.done()

    def save(self, member: Member) -> None:
        """Parse, enrich and save one member; a problem is counted, not raised.

        Raises:
            ArchiveWriteError: disk full or read-only: every next member would fail too.
        """
        if member.problem is not None or member.content is None:
            self.summary.problems.append(ImportProblem(member.name, member.problem or "empty"))
            return
        url = f"{self.origin}#{member.name}"
        try:
            record = opendata_json.parse(member.content, url=url)
            qid = parse_question_id(record.id)
            result = save_question(
                self.archive,
                record,
                qid=qid,
                fetched_at=self.fetched_at,
                raw=[member.raw or RawCapture(url, member.content, "json")],
            )
        except ArchiveWriteError:
            raise
        except QarchiveError as exc:
            self.summary.problems.append(ImportProblem(member.name, str(exc)))
            return
        except Exception as exc:  # one member's bug stops that member only
            self.summary.problems.append(
                ImportProblem(member.name, str(QarchiveError.unexpected(exc, what=url)))
            )
            return
        self.saved(qid, result)

    def saved(self, qid: QuestionId, result: SaveResult) -> None:
        """Count a question saved, and tell ``on_saved`` once its version is in place."""
        self.summary.count(result.outcome)
        if self.on_saved is None:
            return
        if not self.batch.holds(qid.canonical):
            self.on_saved(qid, result)
            return
        if not self._untold:
            self.batch.when_kept(self._tell)
        self._untold.append((qid, result))

    def _tell(self) -> None:
        untold, self._untold = self._untold, []
        if self.on_saved is not None:
            for qid, result in untold:
                self.on_saved(qid, result)

    def keep(self, member: Member, result: WorkerResult) -> None:
        """Take a worker's result for ``member``, in the file's order."""
        if isinstance(result, WriteFailed):
            raise ArchiveWriteError(result.message, path=result.path)
        self.summary.read += 1
        if isinstance(result, Refused) and not self.batch.wrote(result.question):
            self.summary.problems.append(ImportProblem(member.name, result.reason))
        elif isinstance(result, Staged) and (saved := self.batch.keep(result.prepared)):
            self.saved(parse_question_id(result.prepared.qid), saved)
        else:
            # Given a version earlier in this import: the worker may have seen an older
            # state, or one half committed. Saved again here.
            self.save(member)
        self.done()

    def done(self) -> None:
        """Report progress: one more member done."""
        if self.on_item is not None:
            self.on_item(self.summary.read, None)


def import_questions(
    path: Path, run: QuestionsRun, *, workers: int | None, bundle: zipfile.ZipFile | None
) -> None:
    """Import every question of ``path`` (``bundle``, when it is a zip); hold the batch.

    Args:
        path: the zip or JSON file.
        run: where to, and the counts.
        workers: worker processes; None: as many as CPUs (up to :data:`MAX_WORKERS`)
            for a file of :data:`POOL_MIN_QUESTIONS` questions or more, none for a
            smaller one or on one CPU; 0: none.
        bundle: the file opened as a zip, or None.
    """
    count: int | None = None
    plan = None
    if bundle is not None:
        plan = plan_zip(
            bundle, archive=run.archive, max_bytes=run.max_bytes, at=run.fetched_at, full=run.full
        )
        count = len(plan.read)
        run.summary.skipped += plan.members - count
    # Closed here, not when collected: an open member keeps the zip's file open.
    only, pack = (plan.read, plan.pack) if plan is not None else (None, None)
    with contextlib.closing(
        read_members(path, run.max_bytes, bundle, only=only, pack=pack)
    ) as read:
        _import_members(read, run, workers=workers, count=count)
    if bundle is not None and plan is not None:
        run.batch.flush()  # every version is in place before the manifest says so
        if plan.pack is not None and not (run.summary.new or run.summary.updated):
            run.archive.packs.remove(plan.pack)  # no version names it (same contents)
        failed = {problem.member for problem in run.summary.problems}
        remember_zip(
            bundle, plan, archive=run.archive, failed=failed, url=run.url, validators=run.validators
        )


def _import_members(
    read: Iterator[Member], run: QuestionsRun, *, workers: int | None, count: int | None
) -> None:
    members: Iterator[Member] = read
    pool = worker_count(count, workers)
    if pool == 0 and count is None and workers is None:
        # One JSON file: a question, or legislature XIV's many. Workers once it is many.
        for member in itertools.islice(members, POOL_MIN_QUESTIONS):
            run.import_member(member)
        following = next(members, None)
        if following is None:
            return
        members = itertools.chain([following], members)
        pool = worker_count(POOL_MIN_QUESTIONS, None)
    if pool == 0:
        for member in members:
            run.import_member(member)
        return
    with StagingPool(
        pool,
        archive=run.archive,
        batch=run.batch,
        origin=run.origin,
        fetched_at=run.fetched_at,
        keep=run.keep,
        import_here=run.import_member,
    ) as workers_pool:
        workers_pool.run(members)


def worker_count(members: int | None, requested: int | None) -> int:
    """How many worker processes import ``members`` questions (``requested``, if given)."""
    if requested is not None:
        return max(0, requested)
    if members is None or members < POOL_MIN_QUESTIONS:
        return 0
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return 0 if not cpus or cpus < 2 else min(cpus, MAX_WORKERS)
