"""The archive on disk: every question's versions and raw captures, its state, the lock.

Each question's folder (:mod:`qarchive.store.layout`) holds its versions, written
(:mod:`qarchive.store.versions`) only when the record's content changes, and the
raw bytes behind each. :meth:`Archive.save` stores the record it is given, as it
is (the job that saves it enriches it first). The archive keeps the derived index
in step with every version it writes, in the same batch, so that no way of saving
can leave it stale. Every write is atomic; one writer at a time holds the lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

from qarchive.errors import (
    ArchiveDamaged,
    ArchiveWriteError,
    NotArchived,
    UsageError,
)
from qarchive.index.inplace import mark_stale
from qarchive.index.rows import IndexEntry, index_entry
from qarchive.index.schema import IndexConnection, connect_index, index_is_current
from qarchive.model.ids import Chamber, QuestionId, parse_question_id
from qarchive.model.question import Question
from qarchive.model.versioning import FieldChange, diff_records
from qarchive.store.batch import Batch, GroupCommit, PreparedSave
from qarchive.store.files import atomic_write, refuse_links
from qarchive.store.indexing import (
    ReindexResult,
    make_current,
    rebuild_index,
    rebuild_reference_index,
    update_index,
)
from qarchive.store.layout import Layout
from qarchive.store.lock import WriterLock
from qarchive.store.packs import Packs, parse_pack_reference
from qarchive.store.raw import RawCapture, raw_name, read_raw
from qarchive.store.references import ReferenceLookup, ReferenceStore
from qarchive.store.state import ErrorInfo, QuestionState, QuestionStates, Validators
from qarchive.store.versions import (
    SaveOutcome,
    SaveResult,
    StoredVersion,
    VersionedStore,
)

__all__ = ["Archive"]

BATCH_SIZE = 1000  # questions per group commit in a bulk import


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
        self.packs = Packs(self.layout)
        self._versions = VersionedStore(Question)
        self._lock = WriterLock(self.layout.lock, on_release=self.flush_checks)
        self._batch: Batch | None = None  # saves kept together (a bulk import)
        self._staging: GroupCommit | None = None  # a worker's files, kept by another process

    # -- locking -----------------------------------------------------------------

    def lock(self, *, wait: bool = False) -> contextlib.AbstractContextManager[None]:
        """Hold the writer lock; check times recorded are written before it is released.

        Raises:
            ArchiveLocked: another process holds the lock (and ``wait`` is false).
            ArchiveWriteError: the lock file cannot be created (read-only archive),
                or ``checks.json`` cannot be written at the end.
        """
        return self._lock.hold(wait=wait)

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
        """The raw bytes a version names: ``raw/<name>`` of the question, or a pack's member.

        Raises:
            ArchiveDamaged: the capture is missing or damaged.
        """
        packed = parse_pack_reference(name)
        if packed is not None:
            return self.packs.read(*packed)
        return read_raw(self.question_dir(qid) / name)

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
        names_tried: bool = False,
    ) -> QuestionState | None:
        """Record a check; skipped for questions never archived. Returns the new state.

        The check times are written to ``checks.json`` at once when the lock is not
        held, else when it is released (:meth:`flush_checks`).

        Raises:
            ArchiveWriteError: ``state.json`` or ``checks.json`` cannot be written.
        """
        if not self.versions(qid):
            return None  # a typo or a 404 must not leave an empty directory behind
        state = self.states.record(
            qid, at=at, validators=validators, error=error, names_tried=names_tried
        )
        if not self._lock.held:
            self.flush_checks()
        return state

    def flush_checks(self) -> int:
        """Write the check times recorded since the last flush to ``checks.json``; how many.

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
        """Rebuild ``index.sqlite`` from the version files alone (damaged ones reported)."""
        return rebuild_index(self.index_path, self._latest_versions())

    def reindex_references(self) -> tuple[int, int] | None:
        """Rebuild ``references.sqlite`` from the reference files; None without reference data."""
        return rebuild_reference_index(self.layout.references_index, self.reference_store)

    def open_index(self) -> IndexConnection:
        """A connection to an up-to-date index, rebuilt first if missing or outdated."""
        if not index_is_current(self.index_path):
            with self.lock(wait=True):
                make_current(self.index_path, self.reindex)
        return connect_index(self.index_path)

    def _latest_versions(self) -> Iterator[StoredVersion[Question] | ArchiveDamaged]:
        for qid in self.iter_ids():
            try:
                stored = self.latest(qid)
            except ArchiveDamaged as exc:
                yield exc
                continue
            if stored is not None:
                yield stored

    # -- writing (hold the lock) -----------------------------------------------------

    def save(
        self,
        record: Question,
        *,
        qid: QuestionId,
        fetched_at: dt.datetime,
        raw: Sequence[RawCapture | str] = (),
        previous: StoredVersion[Question] | Literal["read"] | None = "read",
    ) -> SaveResult:
        """Write a new version of the question if ``record``'s content changed.

        The record is stored as given (enrich it first: :mod:`qarchive.jobs.enrich`).
        ``previous`` is the latest version as the caller read it under the lock
        (None: there is none); by default (``"read"``) it is read here. Raw captures are written first and the
        version file last, so a crash leaves either the old version current or the
        new one complete; the index follows. A capture given as text is a member of a
        pack already written (:mod:`qarchive.store.packs`), named as it is.

        Raises:
            ArchiveDamaged: the current latest version cannot be read; nothing is written.
            ArchiveWriteError: a file cannot be written (disk full...); the version
                current before is still the latest.
        """
        if self._batch is not None and self._batch.holds(qid.canonical):
            self._batch.flush()  # its staged version is not on disk yet
        result, entry = self._write_version(record, qid, fetched_at, raw, previous)
        if entry is not None and self._batch is not None:
            self._batch.index(entry)
            self._batch.staged(qid.canonical)
        elif entry is not None:
            update_index(self.index_path, entry, self.reindex)
        return result

    def _write_version(
        self,
        record: Question,
        qid: QuestionId,
        fetched_at: dt.datetime,
        raw: Sequence[RawCapture | str],
        previous: StoredVersion[Question] | Literal["read"] | None,
    ) -> tuple[SaveResult, IndexEntry | None]:
        # The files of a save, and its index entry (None when nothing changed).
        if previous == "read":
            directory = self.question_dir(qid)
            previous = self._versions.latest(directory)
        else:  # read by the caller, under the same lock
            directory = previous.path.parent if previous else self.question_dir(qid)
        record_json = record.model_dump(mode="json")
        new = self._versions.new_version(
            directory, record_json, latest=previous, fetched_at=fetched_at
        )
        if new is None:
            assert previous is not None
            return SaveResult(SaveOutcome.UNCHANGED, previous.version), None
        if new.path.exists():  # never overwrite: a damaged numbering left it there
            raise ArchiveDamaged(
                f"{new.path} already exists; run: qarchive verify", path=str(new.path)
            )
        raw_names = [
            capture if isinstance(capture, str) else self._write_raw(directory, capture, fetched_at)
            for capture in raw
        ]
        self._write(new.path, new.data(raw=raw_names))
        entry = index_entry(record, version=new.number, fetched_at=fetched_at)
        return SaveResult(new.outcome, new.number, new.changed, new.replaced), entry

    def _write_raw(self, directory: Path, capture: RawCapture, at: dt.datetime) -> str:
        group = self._group()

        def taken(name: str) -> bool:
            path = directory / name
            return path.exists() or (group is not None and group.holds(path))

        name = raw_name(capture, at, taken=taken)
        # A raw capture may go straight to its name in a directory the batch made:
        # until its version file is in place, verify --repair removes it.
        self._write(directory / name, capture.compressed(), fresh_ok=self._staging is None)
        return name

    def _group(self) -> GroupCommit | None:
        if self._staging is not None:
            return self._staging
        return self._batch.group if self._batch is not None else None

    def _write(self, path: Path, data: bytes, *, fresh_ok: bool = False) -> None:
        group = self._group()
        refuse_links(self.root, path.parent, known=None if group is None else group.not_links)
        try:
            if group is not None:
                group.stage(path, data, fresh_ok=fresh_ok)
            else:
                atomic_write(path, data)
        except OSError as exc:
            raise ArchiveWriteError.from_os_error(path, exc) from None

    # -- batches: many saves kept together (hold the lock) ---------------------------

    @contextlib.contextmanager
    def index_batch(self, *, every: int = BATCH_SIZE) -> Iterator[Batch]:
        """Save many questions as one :class:`Batch` (a bulk import); hold the lock.

        Files are staged and made durable together every ``every`` questions
        (:class:`GroupCommit`), then the index rows for them are committed. If the
        batch is interrupted, staged files are removed and the index is dropped (it
        is rebuilt from the files when next read) rather than left missing rows.
        Saves made workers stage (:meth:`stage_save`) are kept with :meth:`Batch.keep`.
        """
        if self._batch is not None:
            yield self._batch
            return
        make_current(self.index_path, self.reindex)
        self._batch = Batch(connect_index(self.index_path), every=every, root=self.root)
        try:
            yield self._batch
            self._batch.flush()
        except BaseException:
            self._batch.discard()
            self._batch.close()  # its transaction rolled back before the index is marked
            mark_stale(self.index_path)
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
        raw: Sequence[RawCapture | str] = (),
        previous: StoredVersion[Question] | Literal["read"] | None = "read",
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
        done = (result.outcome, result.version, result.changed)
        return PreparedSave(qid.canonical, *done, staged, created, entry, tuple(result.replaced))
