"""What the archive knows of its checks: each question's ``state.json``, and ``checks.json``.

``state.json`` (:class:`QuestionState`), in each question's folder: the HTTP
validators (ETag, Last-Modified) per URL, the last error and the count of
failures in a row. It is derived data: an unreadable one counts as empty.

``checks.json``: when each question was last checked, one file for the whole
archive. A check that finds nothing new (HTTP 304, or the same content) changes
only two times in the question's state: ``checked_at`` and ``succeeded_at``.
Rewriting each question's ``state.json`` for that would change every pending
question's folder every night (10,000 files for backups and rsync to copy, and
10,000 fsyncs). So the times of every check go to :class:`CheckLog`, kept in
memory by the writer and written once, at the end of the run
(:meth:`QuestionStates.flush`), while ``state.json`` is written only when
something else changes. :meth:`QuestionStates.read` returns, for each time, the
newer of the two files.

Layout of ``checks.json``, one question per line, sorted::

    {"schema": 1, "checks": {
    "15-12526QE": {"checked_at": "2026-11-24T03:30:00Z", "succeeded_at": "..."},
    "SEQ180304125": {"checked_at": "...", "succeeded_at": null}
    }}

A missing, unreadable or damaged ``checks.json`` (or entry) counts as empty: the
times in ``state.json`` stand, and the next write replaces the file whole. It is
written atomically by the lock holder; a run that dies before writing it loses the
times of its checks and nothing else.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic_core
from pydantic import BaseModel, ConfigDict, ValidationError

from qarchive.bounded_json import read_json
from qarchive.errors import ArchiveWriteError
from qarchive.model.ids import QuestionId
from qarchive.store.files import atomic_write, dump_json, refuse_links
from qarchive.store.layout import STATE_FILE, Layout

__all__ = [
    "CHECKS_SCHEMA",
    "CheckLog",
    "CheckTimes",
    "ErrorInfo",
    "QuestionState",
    "QuestionStates",
    "Validators",
    "newest",
    "read_check_times",
]

Validators = dict[str, str | None]  # {"etag": …, "last_modified": …}, as HTTP gave them


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
    validators: dict[str, Validators] = {}
    last_error: ErrorInfo | None = None
    consecutive_failures: int = 0
    # When a page was fetched for the author's name the source lacked: tried once.
    names_tried_at: dt.datetime | None = None

    def validators_for(self, url: str) -> Validators | None:
        """The ETag/Last-Modified stored for ``url``, if any."""
        return self.validators.get(url) or None


class QuestionStates:
    """The states of an archive's questions: their ``state.json`` and ``checks.json``."""

    def __init__(self, layout: Layout) -> None:
        self._layout = layout
        self._checks = CheckLog(layout.checks)

    def read(self, qid: QuestionId) -> QuestionState:
        """The question's state; an unreadable state.json counts as empty (it is derived).

        ``checked_at`` and ``succeeded_at`` are each the newer of ``state.json``'s
        and ``checks.json``'s (including times recorded and not yet written).
        """
        state, _ = read_state_json(self._layout.question_dir(qid) / STATE_FILE)
        return self._with_check_times(state, qid)

    def record(
        self,
        qid: QuestionId,
        *,
        at: dt.datetime,
        validators: dict[str, Validators] | None = None,
        error: ErrorInfo | None = None,
        names_tried: bool = False,
    ) -> QuestionState:
        """Record a check of an archived question; return its new state.

        A failure keeps the previous validators and counts consecutive failures.
        ``state.json`` is written only when something other than the check times
        changed (validators, an error, the failure count) or it was unreadable; the
        times go to ``checks.json`` with the next :meth:`flush`.

        Raises:
            ArchiveWriteError: ``state.json`` cannot be written; the old one is kept.
        """
        path = self._layout.question_dir(qid) / STATE_FILE
        stored, sound = read_state_json(path)
        state = self._with_check_times(stored.model_copy(deep=True), qid)
        state.checked_at = at
        if names_tried:
            state.names_tried_at = at
        if error is None:
            state.succeeded_at = at
            state.last_error = None
            state.consecutive_failures = 0
            state.validators.update(validators or {})
        else:
            state.last_error = error
            state.consecutive_failures += 1
        if not sound or _beyond_times(state) != _beyond_times(stored):
            refuse_links(self._layout.root, path.parent)
            try:
                atomic_write(path, dump_json(state.model_dump(mode="json")))
            except OSError as exc:
                raise ArchiveWriteError.from_os_error(path, exc) from None
        self._checks.record(qid.canonical, CheckTimes(state.checked_at, state.succeeded_at))
        return state

    def flush(self) -> int:
        """Write the check times recorded since the last flush to ``checks.json``; how many.

        Raises:
            ArchiveWriteError: ``checks.json`` cannot be written; the old one is kept
                and the times stay recorded.
        """
        try:
            return self._checks.flush()
        except OSError as exc:
            raise ArchiveWriteError.from_os_error(self._checks.path, exc) from None

    def _with_check_times(self, state: QuestionState, qid: QuestionId) -> QuestionState:
        times = self._checks.get(qid.canonical)
        if times is not None:
            state.checked_at = newest(state.checked_at, times.checked_at)
            state.succeeded_at = newest(state.succeeded_at, times.succeeded_at)
        return state


def read_state_json(path: Path) -> tuple[QuestionState, bool]:
    """A ``state.json`` alone, and whether it is sound as it is (absent counts as sound)."""
    try:
        return QuestionState.model_validate_json(path.read_bytes()), True
    except FileNotFoundError:
        return QuestionState(), True
    except (OSError, ValidationError, ValueError):
        return QuestionState(), False


def _beyond_times(state: QuestionState) -> dict[str, Any]:
    # What state.json holds besides the check times: a change of it is worth a write.
    return state.model_dump(exclude={"checked_at", "succeeded_at"})


CHECKS_SCHEMA = 1

_Key = tuple[int, int, int]  # (mtime_ns, size, inode) of the file as read


@dataclass(frozen=True, slots=True)
class CheckTimes:
    """When a question was last checked, and last checked successfully."""

    checked_at: dt.datetime | None = None
    succeeded_at: dt.datetime | None = None


def newest(first: dt.datetime | None, second: dt.datetime | None) -> dt.datetime | None:
    """The later of two times; None only when both are (a naive time counts as UTC)."""
    if first is None or second is None:
        return second if first is None else first
    return max(first, second, key=_comparable)


def _comparable(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)


class CheckLog:
    """The check times of an archive: ``checks.json`` as read, plus those not yet written.

    Reads are cached and re-read when the file changes on disk (another run wrote
    it). :meth:`record` keeps a time in memory; :meth:`flush` merges what was
    recorded into the file as it is now and writes it once.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stored: dict[str, Any] = {}  # question ID -> the entry as read (JSON)
        self._key: _Key | None = None
        self._pending: dict[str, CheckTimes] = {}

    @property
    def pending(self) -> int:
        """How many questions have times recorded and not yet written."""
        return len(self._pending)

    def get(self, canonical: str) -> CheckTimes | None:
        """The times known for a question (written or not), or None."""
        recorded = self._pending.get(canonical)
        stored = _parse_entry(self._read().get(canonical))
        if recorded is None or stored is None:
            return recorded if stored is None else stored
        return CheckTimes(
            newest(stored.checked_at, recorded.checked_at),
            newest(stored.succeeded_at, recorded.succeeded_at),
        )

    def record(self, canonical: str, times: CheckTimes) -> None:
        """Keep a question's times of its last check, until :meth:`flush`."""
        self._pending[canonical] = times

    def flush(self) -> int:
        """Write the recorded times into the file (merged with what it holds); how many.

        Raises:
            OSError: the file cannot be written; it is as it was, and the times
                stay recorded for the next attempt.
        """
        if not self._pending:
            return 0
        merged = dict(self._read())
        for canonical, times in self._pending.items():
            merged[canonical] = _entry(times)
        atomic_write(self.path, _render(merged))
        count = len(self._pending)
        self._pending.clear()
        self._stored, self._key = merged, _stat_key(self.path)
        return count

    def _read(self) -> dict[str, Any]:
        key = _stat_key(self.path)
        if key != self._key or key is None:
            self._stored, self._key = (_load(self.path) if key is not None else {}), key
        return self._stored


def _stat_key(path: Path) -> _Key | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _load(path: Path) -> dict[str, Any]:
    # Derived data: whatever cannot be read counts as no times at all.
    try:
        return read_check_times(path)
    except (OSError, ValueError):
        return {}


def read_check_times(path: Path) -> dict[str, Any]:
    """The entries of a ``checks.json`` by question ID, unchecked (what ``verify`` reads).

    Raises:
        OSError: the file cannot be read (FileNotFoundError: there is none).
        ValueError: it is not a ``checks.json`` of this schema.
    """
    document = read_json(path)
    if not isinstance(document, dict) or document.get("schema") != CHECKS_SCHEMA:
        raise ValueError(f"not a checks.json of schema {CHECKS_SCHEMA}")
    checks = document.get("checks")
    if not isinstance(checks, dict):
        raise ValueError('no "checks" object')
    return checks


def _parse_entry(entry: Any) -> CheckTimes | None:
    if not isinstance(entry, dict):
        return None
    return CheckTimes(_parse_time(entry.get("checked_at")), _parse_time(entry.get("succeeded_at")))


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def _entry(times: CheckTimes) -> dict[str, Any]:
    # Times spelt as in state.json (pydantic's JSON: "2026-11-24T03:30:00Z").
    return {
        "checked_at": pydantic_core.to_jsonable_python(times.checked_at),
        "succeeded_at": pydantic_core.to_jsonable_python(times.succeeded_at),
    }


def _render(checks: dict[str, Any]) -> bytes:
    # One question per line, so that the file reads (and diffs) line by line.
    lines = [
        f"{json.dumps(canonical, ensure_ascii=False)}: {json.dumps(checks[canonical])}"
        for canonical in sorted(checks)
    ]
    body = ",\n".join(lines)
    return f'{{"schema": {CHECKS_SCHEMA}, "checks": {{\n{body}\n}}}}\n'.encode()
