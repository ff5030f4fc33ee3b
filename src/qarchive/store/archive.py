"""The archive on disk: every question's versions and raw captures, its state, the lock.

Each question's folder (:mod:`qarchive.store.layout`) holds its versions, written
by one versioned store (:mod:`qarchive.store.versions`) only when the record's
content changes, and the raw bytes behind each. :meth:`Archive.save` stores the
record it is given, as it is: a record is enriched (values carried over from the
last version, names from the reference data) before, by the job that saves it.

The index (``index.sqlite``) is derived from the files: the archive keeps it in
step with every version it writes, in the same batch (:class:`Batch`), so that no
way of saving can leave it stale, and rebuilds it from the files alone
(:meth:`Archive.reindex`).

Every write is atomic (temp file in the same folder, fsync, rename), so a crash
at any moment leaves the last good version readable. One writer at a time holds
the lock (:meth:`Archive.lock`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gzip
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from qarchive.errors import (
    ArchiveDamaged,
    ArchiveLocked,
    ArchiveWriteError,
    NotArchived,
    UsageError,
)
from qarchive.index.references import write_reference_index
from qarchive.index.rows import IndexEntry, index_entry
from qarchive.index.schema import (
    IndexConnection,
    IndexFailure,
    connect_index,
    index_is_current,
    upgrade_index,
    upsert_entry,
    write_index,
)
from qarchive.model.ids import Chamber, QuestionId, parse_question_id
from qarchive.model.question import Question
from qarchive.model.versioning import FieldChange, diff_records
from qarchive.store.batch import Batch, GroupCommit, PreparedSave
from qarchive.store.files import atomic_write, temp_for
from qarchive.store.layout import RAW_DIR, Layout
from qarchive.store.references import ReferenceLookup, ReferenceStore
from qarchive.store.state import ErrorInfo, QuestionState, QuestionStates, Validators
from qarchive.store.versions import (
    SaveOutcome,
    SaveResult,
    StoredVersion,
    VersionedStore,
    version_numbers,
)

__all__ = ["Archive", "RawCapture", "ReindexResult"]

BATCH_SIZE = 1000  # questions per group commit in a bulk import


@dataclass(frozen=True, slots=True)
class RawCapture:
    """The raw bytes behind a version, kept gzipped for re-parsing later."""

    url: str
    content: bytes
    extension: str  # "json", "html", "htm", "xml"


@dataclass(frozen=True, slots=True)
class ReindexResult:
    """What a rebuild of the index found: questions indexed, damaged files skipped."""

    indexed: int
    damaged: list[ArchiveDamaged]


class Archive:
    """A qarchive archive directory. Cheap to create; nothing is written until needed.

    Example:
        >>> archive = Archive(Path("/tmp/qa"))  # doctest: +SKIP
        >>> with archive.lock():  # doctest: +SKIP
        ...     archive.save(question, qid=qid, fetched_at=now, raw=[capture])
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.layout = Layout(self.root)
        self.reference_store = ReferenceStore(self.layout.references)
        self.references = ReferenceLookup(self.reference_store)  # read when needed
        self.states = QuestionStates(self.layout)
        self._versions = VersionedStore(Question)
        self._lock_depth = 0  # > 0 while this object holds the writer lock
        self._batch: Batch | None = None  # saves kept together (a bulk import)
        self._staging: GroupCommit | None = None  # a worker's files, kept by another process

    # -- locking -----------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, *, wait: bool = False) -> Iterator[None]:
        """Hold the archive's writer lock; raise :class:`ArchiveLocked` if taken.

        Re-entrant for the same :class:`Archive` object (a refresh that rebuilds
        the index while holding the lock does not wait for itself). Check times
        not yet written are written (:meth:`flush_checks`) before the lock is released.

        Raises:
            ArchiveLocked: another process holds the lock (and ``wait`` is false).
            ArchiveWriteError: the lock file cannot be created or opened (read-only archive),
                or ``checks.json`` cannot be written at the end.
        """
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        import filelock

        lock = filelock.FileLock(self.layout.lock, timeout=-1 if wait else 0)
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            lock.acquire()
        except filelock.Timeout:  # an OSError too: caught first
            raise ArchiveLocked(
                f"the archive {self.root} is locked by another qarchive process; "
                "try again later or pass --wait",
                path=str(self.root),
            ) from None
        except OSError as exc:  # a read-only or unwritable archive
            raise ArchiveWriteError.from_os_error(
                lock.lock_file, exc, action="lock", then="try again"
            ) from None
        self._lock_depth = 1
        try:
            with self.checks_flushed():
                yield
        finally:
            self._lock_depth = 0
            lock.release()

    @contextlib.contextmanager
    def checks_flushed(self) -> Iterator[None]:
        """Write the check times recorded in the block when it ends (:meth:`flush_checks`).

        Raises:
            ArchiveWriteError: ``checks.json`` cannot be written, when the block
                itself raised nothing (its own error is the one to see).
        """
        try:
            yield
        except BaseException:
            with contextlib.suppress(ArchiveWriteError):
                self.flush_checks()
            raise
        self.flush_checks()

    # -- reading -----------------------------------------------------------------

    def question_dir(self, qid: QuestionId) -> Path:
        """The directory holding every version of ``qid``."""
        return self.layout.question_dir(qid)

    def versions(self, qid: QuestionId) -> list[int]:
        """Version numbers on disk for ``qid``, ascending (empty if never archived)."""
        return self._versions.numbers(self.question_dir(qid))

    def read_version(self, qid: QuestionId, version: int | None = None) -> StoredVersion[Question]:
        """Read one version (the latest when ``version`` is None).

        Raises:
            NotArchived: the question or that version is not in the archive.
            ArchiveDamaged: the file exists but cannot be read as a valid version.
        """
        numbers = self.versions(qid)
        if not numbers:
            raise NotArchived(
                f"{qid} is not in the archive {self.root}; run: qarchive fetch {qid}",
                question_id=qid.canonical,
            )
        number = numbers[-1] if version is None else version
        if number not in numbers:
            raise NotArchived(
                f"{qid} has no version {number} (versions: 1 to {numbers[-1]})",
                question_id=qid.canonical,
            )
        return self._versions.read(self.question_dir(qid), number)

    def latest(self, qid: QuestionId) -> StoredVersion[Question] | None:
        """The latest version, or None when the question was never archived.

        Raises:
            ArchiveDamaged: the latest version cannot be read.
        """
        if self._batch is not None and self._batch.holds(qid.canonical):
            self._batch.flush()  # its staged version is the latest: put it in place first
        return self._versions.latest(self.question_dir(qid))

    def history(self, qid: QuestionId) -> list[StoredVersion[Question]]:
        """Every version of ``qid``, oldest first."""
        return [self.read_version(qid, number) for number in self.versions(qid)]

    def diff(
        self, qid: QuestionId, left: int | None = None, right: int | None = None
    ) -> tuple[int, int, list[FieldChange]]:
        """Field-level changes between two versions (default: the last two).

        Raises:
            NotArchived: the question or a version is missing.
            UsageError: only one of ``left``/``right`` given, or a single version.
        """
        numbers = self.versions(qid)
        if (left is None) != (right is None):
            raise UsageError("give two versions to compare (e.g. 1 3), or none for the last two")
        if left is None or right is None:
            if len(numbers) < 2:
                count = f"only {len(numbers)} version" if numbers else "no version"
                raise NotArchived(
                    f"{qid} has {count}; nothing to compare", question_id=qid.canonical
                )
            left, right = numbers[-2], numbers[-1]
        old, new = self.read_version(qid, left), self.read_version(qid, right)
        return left, right, diff_records(old.record_json, new.record_json)

    def read_raw(self, qid: QuestionId, name: str) -> bytes:
        """The decompressed raw capture ``raw/<name>`` of a question."""
        path = self.question_dir(qid) / name
        try:
            return gzip.decompress(path.read_bytes())
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise ArchiveDamaged(f"{path} is damaged ({exc})", path=str(path)) from None

    def iter_ids(self) -> Iterator[QuestionId]:
        """Every question archived, in path order; directories that are not IDs are skipped."""
        for chamber_dir in sorted(self.layout.questions.glob("*")):
            if chamber_dir.name not in {chamber.value for chamber in Chamber}:
                continue
            for question_dir in sorted(chamber_dir.glob("*/*")):
                try:
                    qid = parse_question_id(question_dir.name)
                except UsageError:
                    continue
                if question_dir == self.question_dir(qid):
                    yield qid

    # -- state: validators, failures, check times ------------------------------------

    def read_state(self, qid: QuestionId) -> QuestionState:
        """The question's state (:meth:`qarchive.store.state.QuestionStates.read`)."""
        return self.states.read(qid)

    def record_check(
        self,
        qid: QuestionId,
        *,
        at: dt.datetime,
        validators: dict[str, Validators] | None = None,
        error: ErrorInfo | None = None,
    ) -> QuestionState | None:
        """Record a check; skipped for questions never archived. Returns the new state.

        The check times are written to ``checks.json`` at once when the lock is not
        held, else when it is released (:meth:`flush_checks`).

        Raises:
            ArchiveWriteError: ``state.json`` or ``checks.json`` cannot be written.
        """
        if not self.versions(qid):
            return None  # a typo or a 404 must not leave an empty directory behind
        state = self.states.record(qid, at=at, validators=validators, error=error)
        if not self._lock_depth:
            self.flush_checks()
        return state

    def flush_checks(self) -> int:
        """Write the check times recorded since the last flush to ``checks.json``; how many.

        Called at the end of a run and when the lock is released; a run that dies
        before loses those times only.

        Raises:
            ArchiveWriteError: ``checks.json`` cannot be written.
        """
        return self.states.flush()

    # -- the index (derived from the files) -----------------------------------------

    @property
    def index_path(self) -> Path:
        """Where ``index.sqlite`` lives."""
        return self.layout.index

    def reindex(self) -> ReindexResult:
        """Rebuild ``index.sqlite`` from the version files alone.

        Questions whose latest version is damaged are left out and reported.
        """
        damaged: list[ArchiveDamaged] = []

        def entries() -> Iterator[IndexEntry]:
            for qid in self.iter_ids():
                try:
                    stored = self.latest(qid)
                except ArchiveDamaged as exc:
                    damaged.append(exc)
                    continue
                if stored is not None:
                    yield index_entry(
                        stored.record, version=stored.version, fetched_at=stored.fetched_at
                    )

        self.root.mkdir(parents=True, exist_ok=True)
        count = write_index(self.index_path, entries(), temp=temp_for(self.index_path))
        return ReindexResult(count, damaged)

    def reindex_references(self) -> tuple[int, int] | None:
        """Rebuild ``references.sqlite`` from the reference files; (actors, organs) indexed.

        None when the archive holds no reference data. An entity whose latest
        version is unreadable is left out (``qarchive verify`` names it).
        """
        if not self.reference_store.base.is_dir():
            return None
        path = self.layout.references_index
        return write_reference_index(
            path, self.reference_store.latest_entities(), temp=temp_for(path)
        )

    def open_index(self) -> IndexConnection:
        """A connection to an up-to-date index, rebuilt first if missing or outdated."""
        if not index_is_current(self.index_path):
            with self.lock(wait=True):
                self._current_index()
        return connect_index(self.index_path)

    def _current_index(self) -> None:
        # An outdated index is upgraded; a missing one (or one of a schema with no
        # upgrade) is rebuilt from the files. Hold the lock.
        if not upgrade_index(self.index_path):
            self.reindex()

    def _index(self, entry: IndexEntry) -> None:
        if self._batch is not None:
            self._batch.index(entry)
            return
        # An index that fails to update is dropped, never left silently stale: it
        # is rebuilt from the files (which hold this version) when next read.
        try:
            self._current_index()
            with contextlib.closing(connect_index(self.index_path)) as connection, connection:
                upsert_entry(connection, entry)
        except (IndexFailure, OSError):
            with contextlib.suppress(OSError):
                self.index_path.unlink(missing_ok=True)

    # -- writing (hold the lock) -----------------------------------------------------

    def save(
        self,
        record: Question,
        *,
        qid: QuestionId,
        fetched_at: dt.datetime,
        raw: Sequence[RawCapture] = (),
        previous: StoredVersion[Question] | bool | None = True,
    ) -> SaveResult:
        """Write a new version of the question if ``record``'s content changed.

        The record is stored as given (enrich it first: :mod:`qarchive.jobs.enrich`).
        ``previous`` is the latest version as the caller read it (None: there is
        none); by default it is read here. Raw captures are written first and the
        version file last, so a crash leaves either the old version current or the
        new one complete; the index follows.

        Raises:
            ArchiveDamaged: the current latest version cannot be read; nothing is written.
            ArchiveWriteError: a file cannot be written (disk full...); the version
                current before is still the latest.
        """
        if self._batch is not None and self._batch.holds(qid.canonical):
            self._batch.flush()  # its staged version is not on disk yet
        result, entry = self._write_version(record, qid, fetched_at, raw, previous)
        if entry is not None:
            self._index(entry)
            if self._batch is not None:
                self._batch.staged(qid.canonical)
        return result

    def _write_version(
        self,
        record: Question,
        qid: QuestionId,
        fetched_at: dt.datetime,
        raw: Sequence[RawCapture],
        previous: StoredVersion[Question] | bool | None,
    ) -> tuple[SaveResult, IndexEntry | None]:
        # The files of a save, and its index entry (None when nothing changed).
        directory = self.question_dir(qid)
        numbers = version_numbers(directory)
        # The caller's reading of the latest version, unless the files say otherwise.
        if previous is True or (previous.version if previous else 0) != (numbers or [0])[-1]:
            previous = self._versions.latest(directory, numbers or [])
        latest = previous if isinstance(previous, StoredVersion) else None
        record_json = record.model_dump(mode="json")
        new = self._versions.new_version(
            directory, record_json, latest=latest, fetched_at=fetched_at
        )
        if new is None:
            assert latest is not None
            return SaveResult(SaveOutcome.UNCHANGED, latest.version), None
        # A folder with no version file can still hold one a damaged numbering
        # left; one that did not exist holds nothing.
        if numbers is not None and new.path.exists():  # never overwrite
            raise ArchiveDamaged(
                f"{new.path} already exists; run: qarchive verify", path=str(new.path)
            )
        raw_names = [self._write_raw(directory, capture, fetched_at) for capture in raw]
        self._write(new.path, new.data(raw=raw_names))
        entry = index_entry(record, version=new.number, fetched_at=fetched_at)
        return SaveResult(new.outcome, new.number, new.changed), entry

    def _write_raw(self, directory: Path, capture: RawCapture, at: dt.datetime) -> str:
        stem = f"{RAW_DIR}/{_stamp(at)}"
        name = f"{stem}.{capture.extension}.gz"
        # Two versions saved at one time (a question twice in one import) must not
        # share a raw capture: the second would replace the bytes behind the first.
        group = self._group()
        taken = 1
        while (directory / name).exists() or (group is not None and group.holds(directory / name)):
            taken += 1
            name = f"{stem}-{taken}.{capture.extension}.gz"
        # A raw capture may go straight to its name in a directory the batch made:
        # until its version file is in place, verify --repair removes it.
        data = gzip.compress(capture.content, mtime=0)
        self._write(directory / name, data, fresh_ok=self._staging is None)
        return name

    def _group(self) -> GroupCommit | None:
        if self._staging is not None:
            return self._staging
        return self._batch.group if self._batch is not None else None

    def _write(self, path: Path, data: bytes, *, fresh_ok: bool = False) -> None:
        group = self._group()
        try:
            if group is not None:
                group.stage(path, data, fresh_ok=fresh_ok)
            else:
                atomic_write(path, data)
        except OSError as exc:
            raise ArchiveWriteError.from_os_error(path, exc) from None

    # -- batches: many saves kept together (hold the lock) ---------------------------

    @contextlib.contextmanager
    def index_batch(self, *, every: int = BATCH_SIZE) -> Iterator[None]:
        """Save many questions as one batch (a bulk import); hold the lock.

        Files are staged and made durable together every ``every`` questions
        (:class:`GroupCommit`), then the index rows for them are committed. If the
        batch is interrupted, staged files are removed and the index is dropped (it
        is rebuilt from the files when next read) rather than left missing rows.
        """
        if self._batch is not None:
            yield
            return
        self._current_index()
        self._batch = Batch(connect_index(self.index_path), every=every, root=self.root)
        try:
            yield
            self._batch.flush()
        except BaseException:
            self._batch.discard()
            self.index_path.unlink(missing_ok=True)
            raise
        finally:
            self._batch.close()
            self._batch = None

    @contextlib.contextmanager
    def staging(self) -> Iterator[None]:
        """Let :meth:`stage_save` stage files here, for another process to keep (a worker).

        Nothing staged is ever committed by this object: each prepared save hands
        its files over, and whatever a failure leaves staged is removed.
        """
        if self._staging is not None or self._batch is not None:
            raise RuntimeError("staging() inside a batch or another staging()")
        # Another worker may stage the same question (a zip can hold it twice) and the
        # loser's files are removed: only temporary names can be removed safely.
        self._staging = GroupCommit()
        try:
            yield
        finally:
            self._staging.discard()
            self._staging = None

    def stage_save(
        self,
        record: Question,
        *,
        qid: QuestionId,
        fetched_at: dt.datetime,
        raw: Sequence[RawCapture] = (),
        previous: StoredVersion[Question] | bool | None = True,
    ) -> PreparedSave:
        """Work out :meth:`save` of ``record`` and stage its files, inside :meth:`staging`.

        The same decision, bytes and index entry as :meth:`save`, from the files
        on disk now; :meth:`save_prepared` in the process that holds the batch
        keeps it (or refuses it if that process wrote the question meanwhile).

        Raises:
            ArchiveDamaged: the current latest version cannot be read; nothing is staged.
            ArchiveWriteError: a file cannot be written; what was staged is removed.
        """
        group = self._staging
        if group is None:
            raise RuntimeError("stage_save() outside staging()")
        try:
            result, entry = self._write_version(record, qid, fetched_at, raw, previous)
        except BaseException:
            group.discard()
            raise
        staged, created = group.take()
        return PreparedSave(
            qid.canonical, result.outcome, result.version, result.changed, staged, created, entry
        )

    def save_prepared(self, prepared: PreparedSave) -> SaveResult | None:
        """Keep a save staged by :meth:`stage_save` in the batch (:meth:`index_batch`).

        Returns None, and removes its files, when the question was given a version
        earlier in this batch: the save was worked out from what is now an older
        state, and must be made again with :meth:`save`.

        Raises:
            ArchiveWriteError: the batch could not be made durable.
        """
        if self._batch is None:
            raise RuntimeError("save_prepared() outside index_batch()")
        return self._batch.keep(prepared)

    def written_in_batch(self, canonical: str | None) -> bool:
        """True when the question ``canonical`` was given a version in this batch."""
        return self._batch is not None and self._batch.wrote(canonical)

    def discard_prepared(self, prepared: PreparedSave) -> None:
        """Take in a prepared save's files only to remove them with the batch (after a failure)."""
        if self._batch is not None:
            self._batch.group.adopt(prepared.staged, prepared.created)


@functools.lru_cache(maxsize=64)
def _stamp(at: dt.datetime) -> str:
    # A raw capture's name: every question of an import shares one fetch time.
    return at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
