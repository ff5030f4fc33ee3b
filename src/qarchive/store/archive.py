"""The archive on disk: versioned JSON files per question, raw captures, state, lock.

Layout (the files are the truth; anything else is derived)::

    <root>/questions/an/15/15-12526QE/
        v0001.json      {"schema", "version", "fetched_at", "content_hash", "changed", "raw", "record"}
        raw/<timestamp>.<ext>.gz
        state.json      validators per URL, last error, failure count, check times when written
    <root>/checks.json  every question's last check times, written once per run
    <root>/.lock

A check that changes nothing but its times writes no file in the question's
directory: its times go to ``checks.json`` (:mod:`qarchive.store.checks`), written when
the writer is done (:meth:`Archive.flush_checks`, at the latest when the lock is
released). :meth:`Archive.read_state` takes the newer time of the two files.

Every write is atomic (temp file in the same directory, fsync, rename), so a crash
at any moment leaves the last good version readable. A new version is written only
when the record's content hash changes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gzip
import json
import os
import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pydantic_core
from pydantic import BaseModel, ConfigDict, ValidationError

from qarchive.errors import (
    ArchiveDamaged,
    ArchiveLocked,
    ArchiveWriteError,
    NotArchived,
    QarchiveError,
    UsageError,
)
from qarchive.index import schema as qindex
from qarchive.model.ids import Chamber, QuestionId, parse_question_id
from qarchive.model.question import Question, carry_known_values
from qarchive.model.versioning import FieldChange, changed_fields, diff_records, record_hash
from qarchive.store.checks import CHECKS_FILE, CheckLog, CheckTimes, newest
from qarchive.store.files import GroupCommit, atomic_write
from qarchive.store.references import ReferenceLookup

if TYPE_CHECKING:  # httpx and filelock load when needed: reading the index needs neither
    from qarchive.http import Validators

__all__ = [
    "SCHEMA_VERSION",
    "Archive",
    "ErrorInfo",
    "PreparedSave",
    "QuestionState",
    "RawCapture",
    "ReindexResult",
    "SaveOutcome",
    "SaveResult",
    "StoredVersion",
    "atomic_write",
]

SCHEMA_VERSION = 1
BATCH_SIZE = 1000  # questions per group commit in a bulk import
_VERSION_FILE = re.compile(r"v(\d{4,})\.json")


@dataclass(frozen=True, slots=True)
class RawCapture:
    """The raw bytes behind a version, kept gzipped for re-parsing later."""

    url: str
    content: bytes
    extension: str  # "json", "html", "htm", "xml"


class SaveOutcome(StrEnum):
    """What :meth:`Archive.save` did."""

    NEW = "new"  # first version of this question
    UPDATED = "updated"  # content changed: a new version
    UNCHANGED = "unchanged"  # same content hash: nothing written


@dataclass(frozen=True, slots=True)
class SaveResult:
    """The outcome of a save, the version now current and what changed."""

    outcome: SaveOutcome
    version: int
    changed: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PreparedSave:
    """A save worked out and its files staged by :meth:`Archive.stage_save`, not yet kept.

    Plain values, so that a worker process of a bulk import can hand it to the
    process that holds the batch (:meth:`Archive.save_prepared`).
    """

    qid: str  # canonical
    outcome: SaveOutcome
    version: int
    changed: list[str] = field(default_factory=list)
    staged: list[tuple[str, str]] = field(default_factory=list)  # (written, final), in order
    created: list[str] = field(default_factory=list)  # directories made for them
    entry: qindex.IndexEntry | None = None  # None when unchanged


@dataclass(frozen=True, slots=True)
class ReindexResult:
    """What a rebuild of the index found: questions indexed, damaged files skipped."""

    indexed: int
    damaged: list[ArchiveDamaged]


@dataclass(frozen=True, slots=True)
class StoredVersion:
    """One version file read back."""

    version: int
    fetched_at: dt.datetime
    content_hash: str
    changed: list[str]
    raw: list[str]
    record: Question
    record_json: dict[str, Any]
    path: Path


class ErrorInfo(BaseModel):
    """The last failure for a question."""

    model_config = ConfigDict(extra="forbid")

    at: dt.datetime
    message: str
    url: str | None = None


class QuestionState(BaseModel):
    """``state.json``: when a question was last checked and how it went."""

    model_config = ConfigDict(extra="forbid")

    checked_at: dt.datetime | None = None
    succeeded_at: dt.datetime | None = None
    validators: dict[str, dict[str, str | None]] = {}
    last_error: ErrorInfo | None = None
    consecutive_failures: int = 0

    def validators_for(self, url: str) -> Validators | None:
        """The ETag/Last-Modified stored for ``url``, if any."""
        stored = self.validators.get(url)
        if not stored:
            return None
        from qarchive.http import Validators

        return Validators(etag=stored.get("etag"), last_modified=stored.get("last_modified"))


class Archive:
    """A qarchive archive directory. Cheap to create; nothing is written until needed.

    Example:
        >>> archive = Archive(Path("/tmp/qa"))  # doctest: +SKIP
        >>> with archive.lock():  # doctest: +SKIP
        ...     archive.save(question, fetched_at=now, raw=[capture])
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock_depth = 0  # > 0 while this object holds the writer lock
        self._batch: sqlite3.Connection | None = None  # an open index transaction
        self._bulk: qindex.BulkTallies | None = None  # the batch's tallies, counted at commit
        self._group: GroupCommit | None = None  # files staged by a batch, not yet visible
        self._group_ids: set[str] = set()  # questions staged in the group (canonical IDs)
        self._batch_written: set[str] = set()  # questions given a version during the batch
        self._batch_every = BATCH_SIZE
        self._in_place = True  # raw captures in a directory the batch made: written in place
        self.references = ReferenceLookup(self.root)  # AN actors and organs, read when needed
        self._checks = CheckLog(self.root / CHECKS_FILE)  # check times, written once per run

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

        lock = filelock.FileLock(self.root / ".lock", timeout=-1 if wait else 0)
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
        return self.root.joinpath("questions", qid.chamber.value, qid.partition, qid.canonical)

    def versions(self, qid: QuestionId) -> list[int]:
        """Version numbers on disk for ``qid``, ascending (empty if never archived)."""
        directory = self.question_dir(qid)
        if not directory.is_dir():
            return []
        found = (_VERSION_FILE.fullmatch(entry.name) for entry in directory.iterdir())
        return sorted(int(match.group(1)) for match in found if match)

    def read_version(self, qid: QuestionId, version: int | None = None) -> StoredVersion:
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
        return self._load(self.question_dir(qid) / f"v{number:04d}.json", number)

    def latest(self, qid: QuestionId) -> StoredVersion | None:
        """The latest version, or None when the question was never archived."""
        return self.read_version(qid) if self.versions(qid) else None

    def history(self, qid: QuestionId) -> list[StoredVersion]:
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

    def _load(self, path: Path, number: int) -> StoredVersion:
        try:
            data = json.loads(path.read_bytes())
            if data.get("schema") != SCHEMA_VERSION or data.get("version") != number:
                raise ValueError(f"schema {data.get('schema')!r}, version {data.get('version')!r}")
            record = Question.model_validate(data["record"])
            stored_hash = data["content_hash"]
            if record_hash(data["record"]) != stored_hash:
                raise ValueError("content hash does not match the record")
            return StoredVersion(
                version=number,
                fetched_at=dt.datetime.fromisoformat(data["fetched_at"]),
                content_hash=stored_hash,
                changed=list(data.get("changed", [])),
                raw=list(data.get("raw", [])),
                record=record,
                record_json=data["record"],
                path=path,
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError, ValidationError) as exc:
            reason = type(exc).__name__ if isinstance(exc, ValidationError) else str(exc)
            raise ArchiveDamaged(
                f"{path} is damaged ({reason.splitlines()[0]}); run: qarchive verify",
                path=str(path),
            ) from None

    def read_state(self, qid: QuestionId) -> QuestionState:
        """The question's state; an unreadable state.json counts as empty (it is derived).

        ``checked_at`` and ``succeeded_at`` are each the newer of ``state.json``'s
        and ``checks.json``'s (including times recorded and not yet written).
        """
        state, _ = self._read_state_file(self.question_dir(qid) / "state.json")
        return self._with_check_times(state, qid)

    def _with_check_times(self, state: QuestionState, qid: QuestionId) -> QuestionState:
        times = self._checks.get(qid.canonical)
        if times is not None:
            state.checked_at = newest(state.checked_at, times.checked_at)
            state.succeeded_at = newest(state.succeeded_at, times.succeeded_at)
        return state

    @staticmethod
    def _read_state_file(path: Path) -> tuple[QuestionState, bool]:
        # The state.json alone, and whether it is sound as it is (absent counts as sound).
        try:
            return QuestionState.model_validate_json(path.read_bytes()), True
        except FileNotFoundError:
            return QuestionState(), True
        except (OSError, ValidationError, ValueError):
            return QuestionState(), False

    def read_raw(self, qid: QuestionId, name: str) -> bytes:
        """The decompressed raw capture ``raw/<name>`` of a question."""
        path = self.question_dir(qid) / name
        try:
            return gzip.decompress(path.read_bytes())
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise ArchiveDamaged(f"{path} is damaged ({exc})", path=str(path)) from None

    def iter_ids(self) -> Iterator[QuestionId]:
        """Every question archived, in path order; directories that are not IDs are skipped."""
        for chamber_dir in sorted((self.root / "questions").glob("*")):
            if chamber_dir.name not in {chamber.value for chamber in Chamber}:
                continue
            for question_dir in sorted(chamber_dir.glob("*/*")):
                try:
                    qid = parse_question_id(question_dir.name)
                except QarchiveError:
                    continue
                if question_dir == self.question_dir(qid):
                    yield qid

    # -- the index (derived from the files) -----------------------------------------

    @property
    def index_path(self) -> Path:
        """Where ``index.sqlite`` lives."""
        return self.root / qindex.INDEX_FILE

    def reindex(self) -> ReindexResult:
        """Rebuild ``index.sqlite`` from the version files alone.

        Questions whose latest version is damaged are left out and reported.
        """
        damaged: list[ArchiveDamaged] = []

        def latest_versions() -> Iterator[tuple[Question, int, dt.datetime]]:
            for qid in self.iter_ids():
                try:
                    stored = self.latest(qid)
                except ArchiveDamaged as exc:
                    damaged.append(exc)
                    continue
                if stored is not None:
                    yield stored.record, stored.version, stored.fetched_at

        self.root.mkdir(parents=True, exist_ok=True)
        count = qindex.write_index(self.index_path, latest_versions())
        return ReindexResult(count, damaged)

    def open_index(self) -> sqlite3.Connection:
        """A connection to an up-to-date index, rebuilt first if missing or outdated."""
        if not qindex.index_is_current(self.index_path):
            with self.lock(wait=True):
                if not qindex.upgrade_index(self.index_path):
                    self.reindex()
        return qindex.connect_index(self.index_path)

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
        if not qindex.upgrade_index(self.index_path):
            self.reindex()
        self._batch = qindex.connect_index(self.index_path)
        self._bulk = qindex.BulkTallies(self._batch)
        self._group, self._batch_every = GroupCommit(), every
        try:
            yield
            self._flush_batch()
        except BaseException:
            self._group.discard()
            self._batch.close()
            self._batch = None
            self.index_path.unlink(missing_ok=True)
            raise
        finally:
            if self._batch is not None:
                self._batch.close()
            self._batch, self._bulk, self._group = None, None, None
            self._group_ids.clear()
            self._batch_written.clear()

    def _flush_batch(self) -> None:
        assert self._group is not None and self._batch is not None and self._bulk is not None
        try:
            self._group.commit()
        except OSError as exc:
            raise ArchiveWriteError.from_os_error(self.root, exc) from None
        self._bulk.finish()  # the tallies of the batch's rows, and the triggers back
        self._batch.commit()  # index rows only for files now in place
        self._group_ids.clear()

    def _index_version(self, entry: qindex.IndexEntry) -> None:
        if self._batch is not None:
            qindex.upsert_entry(self._batch, entry, bulk=self._bulk)
            return
        # The index always exists beside versions (so a missing one is damage that
        # verify names): an outdated index is upgraded, a missing one (or one of a
        # schema with no upgrade) rebuilt from the files, which already hold this
        # version. One that fails to update is dropped, never left silently stale,
        # and rebuilt when next read.
        try:
            if not qindex.upgrade_index(self.index_path):
                self.reindex()
                return
            with (
                contextlib.closing(qindex.connect_index(self.index_path)) as connection,
                connection,
            ):
                qindex.upsert_entry(connection, entry)
        except (sqlite3.Error, OSError):  # the version is saved; the index is derived
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
    ) -> SaveResult:
        """Write a new version of the question if its content changed.

        What the latest version knew and ``record``'s source lacks is kept
        (:func:`carry_known_values`: no known value replaced by null, no answered
        question turned pending by a lagging source), whatever the path the record
        came by (fetch, import, a saved page); an AN author known by reference gets
        the name, constituency and group of the publication date from the reference
        data (:meth:`qarchive.store.references.ReferenceLookup.resolve`). Raw captures are
        written first and the version file last, so a crash leaves either the old
        version current or the new one complete.

        Raises:
            ArchiveDamaged: the current latest version cannot be read; nothing is written.
            ArchiveWriteError: a file cannot be written (disk full...); the version
                current before is still the latest.
        """
        if qid.canonical in self._group_ids:  # its staged version is not on disk yet
            self._flush_batch()
        result, entry = self._save(record, qid, fetched_at, raw)
        if entry is not None:
            self._index_version(entry)
            self._staged(qid.canonical)
        return result

    def _save(
        self,
        record: Question,
        qid: QuestionId,
        fetched_at: dt.datetime,
        raw: Sequence[RawCapture],
    ) -> tuple[SaveResult, qindex.IndexEntry | None]:
        # The files of a save, and its index entry (None when nothing changed).
        directory = self.question_dir(qid)
        numbers = self._version_numbers(directory)
        latest = self._load_latest(directory, numbers)
        if latest is not None:
            record = carry_known_values(record, latest.record)
        record = self.references.resolve(record)  # names for PA…/PO… refs, as of its date
        record_json = record.model_dump(mode="json")
        new_hash = record_hash(record_json)
        if latest is not None and latest.content_hash == new_hash:
            return SaveResult(SaveOutcome.UNCHANGED, latest.version), None
        number = 1 if latest is None else latest.version + 1
        raw_names = [self._write_raw(directory, capture, fetched_at) for capture in raw]
        changed = [] if latest is None else changed_fields(latest.record_json, record_json)
        document = {
            "schema": SCHEMA_VERSION,
            "version": number,
            "fetched_at": fetched_at.isoformat(),
            "content_hash": new_hash,
            "changed": changed,
            "raw": raw_names,
            "record": record_json,
        }
        path = directory / f"v{number:04d}.json"
        # A directory with no version file can still hold one a damaged numbering
        # left; one that did not exist holds nothing.
        if numbers is not None and path.exists():  # never overwrite
            raise ArchiveDamaged(f"{path} already exists; run: qarchive verify", path=str(path))
        self._write(path, _dump(document))
        outcome = SaveOutcome.NEW if latest is None else SaveOutcome.UPDATED
        entry = qindex.index_entry(record, version=number, fetched_at=fetched_at)
        return SaveResult(outcome, number, changed), entry

    def _version_numbers(self, directory: Path) -> list[int] | None:
        # Version numbers in a question directory, ascending; None if there is no directory.
        try:
            names = os.listdir(directory)
        except (FileNotFoundError, NotADirectoryError):
            return None
        found = (_VERSION_FILE.fullmatch(name) for name in names)
        return sorted(int(match.group(1)) for match in found if match)

    def _load_latest(self, directory: Path, numbers: list[int] | None) -> StoredVersion | None:
        if not numbers:
            return None
        return self._load(directory / f"v{numbers[-1]:04d}.json", numbers[-1])

    def _staged(self, canonical: str) -> None:
        # A version of ``canonical`` was staged and indexed: count it in the batch.
        if self._group is not None:
            self._batch_written.add(canonical)
            self._group_ids.add(canonical)
            if len(self._group_ids) >= self._batch_every:
                self._flush_batch()

    @contextlib.contextmanager
    def staging(self) -> Iterator[None]:
        """Let :meth:`stage_save` stage files here, for another process to keep (a worker).

        Nothing staged is ever committed by this object: each prepared save hands
        its files over, and whatever a failure leaves staged is removed.
        """
        if self._group is not None:
            raise RuntimeError("staging() inside a batch or another staging()")
        # Another worker may stage the same question (a zip can hold it twice) and the
        # loser's files are removed: only temporary names can be removed safely.
        self._group, self._in_place = GroupCommit(), False
        try:
            yield
        finally:
            self._group.discard()
            self._group, self._in_place = None, True

    def stage_save(
        self,
        record: Question,
        *,
        qid: QuestionId,
        fetched_at: dt.datetime,
        raw: Sequence[RawCapture] = (),
    ) -> PreparedSave:
        """Work out :meth:`save` of ``record`` and stage its files, inside :meth:`staging`.

        The same decision, bytes and index entry as :meth:`save`, from the files
        on disk now; :meth:`save_prepared` in the process that holds the batch
        keeps it (or refuses it if that process wrote the question meanwhile).

        Raises:
            ArchiveDamaged: the current latest version cannot be read; nothing is staged.
            ArchiveWriteError: a file cannot be written; what was staged is removed.
        """
        group = self._group
        if group is None or self._batch is not None:
            raise RuntimeError("stage_save() outside staging()")
        try:
            result, entry = self._save(record, qid, fetched_at, raw)
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
        if self._group is None or self._batch is None:
            raise RuntimeError("save_prepared() outside index_batch()")
        if prepared.qid in self._batch_written:
            for written, final in prepared.staged:  # its directories hold the earlier version
                if written != final:  # a file in place may be the earlier version's by now
                    with contextlib.suppress(OSError):
                        os.unlink(written)
            return None
        self._group.adopt(prepared.staged, prepared.created)
        if prepared.entry is not None:
            self._index_version(prepared.entry)
            self._staged(prepared.qid)
        return SaveResult(prepared.outcome, prepared.version, prepared.changed)

    def written_in_batch(self, canonical: str | None) -> bool:
        """True when the question ``canonical`` was given a version in this batch."""
        return canonical in self._batch_written

    def discard_prepared(self, prepared: PreparedSave) -> None:
        """Take in a prepared save's files only to remove them with the batch (after a failure)."""
        if self._group is not None:
            self._group.adopt(prepared.staged, prepared.created)

    def _write_raw(self, directory: Path, capture: RawCapture, at: dt.datetime) -> str:
        stem = f"raw/{_stamp(at)}"
        name = f"{stem}.{capture.extension}.gz"
        # Two versions saved at one time (a question twice in one import) must not
        # share a raw capture: the second would replace the bytes behind the first.
        taken = 1
        while (directory / name).exists() or (
            self._group is not None and self._group.holds(directory / name)
        ):
            taken += 1
            name = f"{stem}-{taken}.{capture.extension}.gz"
        # A raw capture may go straight to its name in a directory the batch made:
        # until its version file is in place, verify --repair removes it.
        data = gzip.compress(capture.content, mtime=0)
        self._write(directory / name, data, fresh_ok=self._in_place)
        return name

    def record_check(
        self,
        qid: QuestionId,
        *,
        at: dt.datetime,
        validators: dict[str, Validators] | None = None,
        error: ErrorInfo | None = None,
    ) -> QuestionState | None:
        """Record a check; skipped for questions never archived. Returns the new state.

        A failure keeps the previous validators and counts consecutive failures.
        ``state.json`` is written only when something other than the check times
        changed (validators, an error, the failure count) or it was unreadable; the
        times always go to ``checks.json``, written by :meth:`flush_checks` (at once
        when the lock is not held).

        Raises:
            ArchiveWriteError: ``state.json`` or ``checks.json`` cannot be written;
                the old one is kept.
        """
        if not self.versions(qid):
            return None  # a typo or a 404 must not leave an empty directory behind
        path = self.question_dir(qid) / "state.json"
        stored, sound = self._read_state_file(path)
        state = self._with_check_times(stored.model_copy(deep=True), qid)
        state.checked_at = at
        if error is None:
            state.succeeded_at = at
            state.last_error = None
            state.consecutive_failures = 0
            for url, found in (validators or {}).items():
                state.validators[url] = {"etag": found.etag, "last_modified": found.last_modified}
        else:
            state.last_error = error
            state.consecutive_failures += 1
        if not sound or _beyond_times(state) != _beyond_times(stored):
            self._write(path, _dump(state.model_dump(mode="json")))
        self._checks.record(qid.canonical, CheckTimes(state.checked_at, state.succeeded_at))
        if not self._lock_depth:
            self.flush_checks()
        return state

    def flush_checks(self) -> int:
        """Write the check times recorded since the last flush to ``checks.json``; how many.

        Called once at the end of a run (:func:`qarchive.jobs.fetch.fetch_questions`)
        and when the lock is released; a run that dies before loses those times
        only: ``state.json`` and the versions are written as each check goes.

        Raises:
            ArchiveWriteError: ``checks.json`` cannot be written; the old one is kept
                and the times stay recorded.
        """
        try:
            return self._checks.flush()
        except OSError as exc:
            raise ArchiveWriteError.from_os_error(self._checks.path, exc) from None

    def _write(self, path: Path, data: bytes, *, fresh_ok: bool = False) -> None:
        try:
            if self._group is not None:
                self._group.stage(path, data, fresh_ok=fresh_ok)
            else:
                atomic_write(path, data)
        except OSError as exc:
            raise ArchiveWriteError.from_os_error(path, exc) from None


def _beyond_times(state: QuestionState) -> dict[str, Any]:
    # What state.json holds besides the check times: a change of it is worth a write.
    return state.model_dump(exclude={"checked_at", "succeeded_at"})


@functools.lru_cache(maxsize=64)
def _stamp(at: dt.datetime) -> str:
    # A raw capture's name: every question of an import shares one fetch time.
    return at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _dump(document: Any) -> bytes:
    # The bytes of json.dumps(document, ensure_ascii=False, indent=2) + "\n", from
    # pydantic's Rust encoder: 40 µs a version file instead of 280 (a bulk import
    # writes one per question). tests/test_archive.py checks that both agree.
    return pydantic_core.to_json(document, indent=2) + b"\n"
