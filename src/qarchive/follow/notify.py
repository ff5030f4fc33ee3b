"""Notifications without a mail server: a command per event, and an outbox that keeps them.

Every event of a followed question goes to the outbox first, a small JSON file
of the archive replaced atomically under the lock::

    <archive>/outbox.json
    {"schema": 1, "entries": [{"event": {...}, "queued_at": "...", "attempts": 1,
                               "last_error": "exit 1: ...", "last_attempt": "..."}]}

``refresh --notify CMD`` then runs ``CMD`` through the shell once per event,
oldest first, with the event as one line of JSON on stdin and its main fields in
``QARCHIVE_EVENT_*`` variables. An event leaves the outbox only when its command
exits 0; a non-zero exit, a timeout or a missing program leaves it there, with
the error, for the next run. The outbox is rewritten after each attempt, so an
event is delivered once; only a crash between a command's success and that
rewrite can deliver it twice, which is why every event carries a stable ``id``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from qarchive.errors import ArchiveDamaged, ArchiveWriteError, UsageError
from qarchive.follow.events import QuestionEvent, event_json
from qarchive.settings import Clock, utc_now
from qarchive.store.archive import Archive
from qarchive.store.files import atomic_write, read_state_file

__all__ = [
    "MAX_FAILURES_IN_A_ROW",
    "DeliveryReport",
    "Outbox",
    "OutboxEntry",
    "deliver_outbox",
    "load_outbox",
    "queue_events",
    "run_command",
    "save_outbox",
]

OUTBOX_SCHEMA = 1
MAX_FAILURES_IN_A_ROW = 3  # then stop for this run: the endpoint is down, keep the rest


class OutboxEntry(BaseModel):
    """One event waiting for delivery."""

    model_config = ConfigDict(extra="forbid")

    event: QuestionEvent
    queued_at: dt.datetime
    attempts: int = 0
    last_error: str | None = None
    last_attempt: dt.datetime | None = None


class Outbox(BaseModel):
    """The content of ``outbox.json``: undelivered events, oldest first."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: int = Field(default=OUTBOX_SCHEMA, alias="schema")
    entries: list[OutboxEntry] = Field(default_factory=list)


@dataclass(slots=True)
class DeliveryReport:
    """What a delivery run did."""

    delivered: list[str] = field(default_factory=list)  # event IDs
    failed: list[str] = field(default_factory=list)  # "<event id>: <error>"
    waiting: int = 0  # events left in the outbox


def load_outbox(archive: Archive) -> Outbox:
    """Read ``outbox.json`` (empty when there is none).

    Raises:
        ArchiveDamaged: the file exists but is not a valid outbox; it is left as is.
    """
    path = archive.layout.outbox
    outbox = read_state_file(path, Outbox, schema=OUTBOX_SCHEMA, damaged=_damaged)
    return outbox if outbox is not None else Outbox()


def _damaged(path: object, reason: str) -> ArchiveDamaged:
    return ArchiveDamaged(
        f"{path} is damaged ({reason.splitlines()[0]}); its undelivered events are kept "
        "in it and in the events journal: fix it by hand or move it aside",
        path=str(path),
    )


def save_outbox(archive: Archive, outbox: Outbox) -> None:
    """Write the outbox atomically, under the lock.

    Raises:
        ArchiveLocked: another process holds the archive.
        ArchiveWriteError: it cannot be written; the previous file is kept.
    """
    path = archive.layout.outbox
    document = outbox.model_dump(mode="json", by_alias=True)
    with archive.lock():
        try:
            atomic_write(path, (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode())
        except OSError as exc:
            raise ArchiveWriteError.from_os_error(path, exc) from None


def queue_events(archive: Archive, events: Iterable[QuestionEvent], *, now: Clock = utc_now) -> int:
    """Add events to the outbox (an event already there is not added twice); return how many.

    Raises:
        ArchiveDamaged: ``outbox.json`` is damaged; nothing is written.
        ArchiveWriteError: it cannot be written.
    """
    with archive.lock():
        outbox = load_outbox(archive)
        queued = {entry.event.id for entry in outbox.entries}
        added = 0
        for event in events:
            if event.id not in queued:
                outbox.entries.append(OutboxEntry(event=event, queued_at=now()))
                queued.add(event.id)
                added += 1
        if added:
            save_outbox(archive, outbox)
    return added


def run_command(command: str, event: QuestionEvent, *, timeout: float) -> str | None:
    """Run ``command`` through the shell with ``event`` as JSON on stdin; None on success.

    Returns:
        None when the command exited 0, else what went wrong in one line
        (``exit 127: sh: 1: mail: not found``, ``timed out after 30s``).
    """
    env = dict(os.environ)
    env.update(
        QARCHIVE_EVENT_ID=_variable(event.id),
        QARCHIVE_EVENT_TYPE=event.type.value,
        QARCHIVE_EVENT_QUESTION=_variable(event.question),
        QARCHIVE_EVENT_URL=_variable(event.url),
        QARCHIVE_EVENT_SUMMARY=_variable(event.summary),
    )
    payload = (event_json(event) + "\n").encode("utf-8", "replace")
    try:
        process = subprocess.Popen(
            command,
            shell=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,  # its own process group: a timeout kills all of it
        )
    except (OSError, ValueError) as exc:  # ValueError: what no environment can hold
        reason = exc.strerror if isinstance(exc, OSError) else None
        return f"cannot run the command: {reason or exc}"
    try:
        _, errors = process.communicate(payload, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        return f"timed out after {timeout:g}s"
    if process.returncode == 0:
        return None
    last = errors.decode("utf-8", errors="replace").strip().splitlines()
    code = process.returncode
    what = f"killed by signal {-code}" if code < 0 else f"exit {code}"
    return f"{what}: {last[-1].strip()}" if last else what


def _variable(text: str) -> str:
    # A NUL ends a C string, so it cannot be in an environment variable: it becomes
    # U+FFFD there, as does what UTF-8 cannot encode. The JSON on stdin keeps all.
    return text.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        process.kill()
    # A grandchild that left the group may still hold the pipe: do not wait for it.
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.communicate(timeout=5)


def deliver_outbox(
    archive: Archive,
    command: str,
    *,
    timeout: float,
    now: Clock = utc_now,
) -> DeliveryReport:
    """Run ``command`` for each event of the outbox, oldest first; keep the failed ones.

    After :data:`MAX_FAILURES_IN_A_ROW` failures in a row the run stops trying
    (the rest waits for the next run, its attempts unchanged). Never raises for a
    failing command.

    Raises:
        UsageError: ``command`` is empty.
        ArchiveDamaged: ``outbox.json`` is damaged; nothing is run.
        ArchiveWriteError: the outbox cannot be rewritten.
    """
    if not command.strip():
        raise UsageError(
            "--notify needs a command, e.g. --notify 'mail -s qarchive me@example.org'"
        )
    report = DeliveryReport()
    with archive.lock():
        outbox = load_outbox(archive)
        failures_in_a_row = 0
        for entry in list(outbox.entries):
            if failures_in_a_row >= MAX_FAILURES_IN_A_ROW:
                break
            error = run_command(command, entry.event, timeout=timeout)
            if error is None:
                outbox.entries.remove(entry)
                report.delivered.append(entry.event.id)
                failures_in_a_row = 0
            else:
                entry.attempts += 1
                entry.last_error, entry.last_attempt = error, now()
                report.failed.append(f"{entry.event.id}: {error}")
                failures_in_a_row += 1
            save_outbox(archive, outbox)  # after each attempt: a delivered event is never re-run
        report.waiting = len(outbox.entries)
    return report
