"""What happened to a question between two of its versions, and the journal of it.

Events are derived from version files only, never guessed: :func:`derive_events`
compares two records (pure), :func:`events_between` reads the versions of a
question from the archive and compares each with the one before. An event's ID
names the question, the version it came with and its type
(``15-12526QE@v2:answered``), so deriving the same versions again gives the same
IDs: a receiver can drop what it has already seen, and qarchive never journals or
notifies an event twice.

Every event a refresh finds is appended to the journal, one JSON line per event,
one file per month of archiving (UTC)::

    <archive>/events/2026-11.jsonl

The journal is what ``feed --watched`` and ``digest`` read. A line cut short by a
crash is skipped when read, and the next append starts on a line of its own.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from qarchive.errors import ArchiveDamaged, ArchiveWriteError
from qarchive.follow.wording import (
    answered_words,
    closing_words,
    closure_reason,
    new_question_words,
)
from qarchive.model.ids import QuestionId
from qarchive.model.question import SIGNALEMENT_DAYS, Question, Status
from qarchive.store.archive import Archive
from qarchive.store.files import append_line, refuse_links

__all__ = [
    "WATCHLIST_REASON",
    "EventType",
    "QuestionEvent",
    "append_events",
    "derive_events",
    "event_json",
    "events_between",
    "read_events",
    "recent_event_ids",
]

WATCHLIST_REASON = "watchlist"  # in ``watched_by``: the question is on the watchlist


class EventType(StrEnum):
    """The kinds of event; the values are what notifications and feeds carry."""

    NEW_QUESTION = "new_question"  # archived for the first time
    ANSWERED = "answered"  # an answer was published
    WITHDRAWN = "withdrawn"  # status changes that close a question
    LAPSED = "lapsed"
    CONVERTED = "converted"
    STATUS_CHANGED = "status_changed"  # any other status change (e.g. reopened)
    RENEWED = "renewed"  # a renewal (AN "renouvellement")
    SIGNALEE = "signalee"  # signalée by a group: answer due within ten days
    REATTRIBUTED = "reattributed"  # another ministry must answer
    TEXT_CHANGED = "text_changed"  # the question or answer text changed (erratum)


_CLOSING = {
    Status.WITHDRAWN: EventType.WITHDRAWN,
    Status.LAPSED: EventType.LAPSED,
    Status.CONVERTED: EventType.CONVERTED,
}


class QuestionEvent(BaseModel):
    """One event: what happened, to which question, with which version.

    ``archived_at`` is when qarchive saved the version that shows it;
    ``recorded_at`` when a refresh found the event and journaled it (later than
    ``archived_at`` for a version written by ``fetch``); ``date`` is when it
    happened according to the source (the answer's JO date, the closure date...)
    where the source says. ``watched_by`` lists why a follower cares
    (``"watchlist"``, ``'search "titres sécurisés"'``); empty for other questions.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    type: EventType
    question: str
    chamber: str
    version: int
    previous_version: int | None = None
    archived_at: dt.datetime
    recorded_at: dt.datetime | None = None
    date: dt.date | None = None
    title: str | None = None
    url: str
    author: str | None = None
    ministry: str | None = None
    status: str
    summary: str
    details: dict[str, Any] = Field(default_factory=dict)
    watched_by: list[str] = Field(default_factory=list)

    @property
    def watched(self) -> bool:
        """True when the question is followed (on the watchlist or matching a saved search)."""
        return bool(self.watched_by)

    @property
    def noticed_at(self) -> dt.datetime:
        """When qarchive learnt of it: journaled, else archived (what digests and feeds use)."""
        return self.recorded_at or self.archived_at

    def watched_for(self, reasons: Iterable[str]) -> QuestionEvent:
        """The same event, followed for these reasons."""
        return self.model_copy(update={"watched_by": list(dict.fromkeys(reasons))})


def _label(record: Question) -> str:
    return record.shown_title() or record.heading or "(no title)"


def _ministry(record: Question) -> str | None:
    ministry = record.shown_ministry()
    return ministry.name if ministry is not None else None


def _author(record: Question) -> str | None:
    author = record.author
    name = " ".join(part for part in (author.civility, author.name or author.ref) if part)
    return name or None


@dataclass(frozen=True, slots=True)
class _Version:
    number: int
    archived_at: dt.datetime


def _event(
    kind: EventType,
    record: Question,
    at: _Version,
    *,
    what: str,
    date: dt.date | None = None,
    suffix: str = "",
    **details: Any,
) -> QuestionEvent:
    return QuestionEvent(
        id=f"{record.id}@v{at.number}:{kind.value}{suffix}",
        type=kind,
        question=record.id,
        chamber=record.chamber.value,
        version=at.number,
        previous_version=at.number - 1 if at.number > 1 else None,
        archived_at=at.archived_at,
        date=date,
        title=record.title,
        url=record.url,
        author=_author(record),
        ministry=_ministry(record),
        status=record.status.value,
        summary=f"{record.id} {what}: {_label(record)}",
        details={key: value for key, value in details.items() if value is not None},
    )


def derive_events(
    old: Question | None, new: Question, *, version: int, archived_at: dt.datetime
) -> list[QuestionEvent]:
    """The events between two versions of a question (``old`` None: its first version).

    Pure: no disk, no clock. ``version`` is the number of ``new``'s version.

    Example:
        >>> events = derive_events(pending, answered, version=2, archived_at=now)  # doctest: +SKIP
        >>> [event.id for event in events]  # doctest: +SKIP
        ['15-12526QE@v2:answered']
    """
    make = _Version(version, archived_at)
    if old is None:
        published = new.published.date
        return [
            _event(
                EventType.NEW_QUESTION,
                new,
                make,
                what=new_question_words(published),
                date=published,
            )
        ]
    found: list[QuestionEvent] = []
    if old.answer is None and new.answer is not None:
        day, delay = new.answer.published.date, new.answer_delay_days()
        found.append(
            _event(
                EventType.ANSWERED,
                new,
                make,
                what=answered_words(day, delay),
                date=day,
                delay_days=delay,
            )
        )
    if old.status is not new.status and not (new.status is Status.ANSWERED and found):
        found.append(_status_event(old, new, make))
    found += _list_events(old, new, make)
    found += _reattribution(old, new, make)
    found += _text_events(old, new, make)
    return found


def _status_event(old: Question, new: Question, make: _Version) -> QuestionEvent:
    day = new.closed.date if new.closed is not None else None
    reason = closure_reason(new)
    kind = _CLOSING.get(new.status)
    if kind is None:
        return _event(
            EventType.STATUS_CHANGED,
            new,
            make,
            what=f"status changed from {old.status.value} to {new.status.value}",
            old=old.status.value,
            new=new.status.value,
        )
    return _event(
        kind, new, make, what=closing_words(kind.value, day, reason), date=day, reason=reason
    )


def _list_events(old: Question, new: Question, make: _Version) -> list[QuestionEvent]:
    found = []
    renewed = sorted(set(new.renewals) - set(old.renewals))
    if renewed:
        day = renewed[-1]
        found.append(
            _event(EventType.RENEWED, new, make, what=f"renewed on {day.isoformat()}", date=day)
        )
    added = [s for s in new.signalements if s not in old.signalements]
    if added:
        signalee = added[-1].published or added[-1].filed
        # Due ten days after the signalement's JO date (the record's deadline() is the
        # earliest of all obligations, often the long-passed two months).
        due = signalee + dt.timedelta(days=SIGNALEMENT_DAYS) if signalee else new.deadline()
        when = f" on {signalee.isoformat()}" if signalee else ""
        found.append(
            _event(
                EventType.SIGNALEE,
                new,
                make,
                what=f"signalée{when}, answer due by {due.isoformat()}",
                date=signalee,
                deadline=due.isoformat(),
            )
        )
    return found


def _reattribution(old: Question, new: Question, make: _Version) -> list[QuestionEvent]:
    before, after = _attributed(old), _attributed(new)
    if before is None or after is None or before == after:
        return []
    latest = new.attribution_history[-1] if new.attribution_history else None
    return [
        _event(
            EventType.REATTRIBUTED,
            new,
            make,
            what=f"reattributed from {before} to {after}",
            date=latest.date if latest is not None else None,
            old=before,
            new=after,
        )
    ]


def _attributed(record: Question) -> str | None:
    # The ministry that must answer: the one responding, else the latest attribution.
    if record.ministry_responding is not None:
        return record.ministry_responding.name
    if record.attribution_history:
        return record.attribution_history[-1].ministry.name
    return None


def _text_events(old: Question, new: Question, make: _Version) -> list[QuestionEvent]:
    targets: dict[str, dt.date | None] = {}
    if old.text and new.text and old.text != new.text:
        targets["question"] = None
    old_answer = old.answer.text if old.answer else None
    new_answer = new.answer.text if new.answer else None
    if old_answer and new_answer and old_answer != new_answer:
        targets["answer"] = None
    for erratum in new.errata:
        if erratum not in old.errata:
            target = "answer" if erratum.target == "answer" else "question"
            targets[target] = erratum.published.date
    return [
        _event(
            EventType.TEXT_CHANGED,
            new,
            make,
            what=f"{target} text changed (erratum)",
            date=day,
            suffix=f":{target}",
            target=target,
        )
        for target, day in targets.items()
    ]


def events_between(archive: Archive, qid: QuestionId, start: int, end: int) -> list[QuestionEvent]:
    """The events of versions ``start + 1`` to ``end`` of a question, oldest first.

    ``start`` 0 makes the first version an event of its own (a new question).

    Raises:
        ArchiveDamaged: a version in that range cannot be read.
        NotArchived: a version in that range does not exist.
    """
    found: list[QuestionEvent] = []
    previous = archive.read_version(qid, start).record if start > 0 else None
    for number in range(start + 1, end + 1):
        stored = archive.read_version(qid, number)
        found += derive_events(
            previous, stored.record, version=number, archived_at=stored.fetched_at
        )
        previous = stored.record
    return found


# -- the journal ---------------------------------------------------------------------


def _month_file(archive: Archive, at: dt.datetime) -> Path:
    return archive.layout.events / f"{at.astimezone(dt.UTC):%Y-%m}.jsonl"


def append_events(archive: Archive, events: Iterable[QuestionEvent]) -> None:
    """Append events to the journal, each on one line; the caller holds the lock.

    Raises:
        ArchiveWriteError: the journal cannot be written (disk full, read-only).
    """
    by_file: dict[Path, list[str]] = {}
    for event in events:
        by_file.setdefault(_month_file(archive, event.noticed_at), []).append(
            event.model_dump_json() + "\n"
        )
    for path, lines in by_file.items():
        refuse_links(archive.root, path.parent)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            append_line(path, "".join(lines).encode("utf-8"))
        except OSError as exc:
            raise ArchiveWriteError.from_os_error(path, exc) from None


def _journal_files(archive: Archive, since: dt.datetime | None) -> list[Path]:
    folder = archive.layout.events
    if not folder.is_dir():
        return []
    first = f"{since.astimezone(dt.UTC):%Y-%m}" if since is not None else ""
    return sorted(p for p in folder.glob("*.jsonl") if p.stem >= first)


def _read_file(path: Path) -> Iterator[QuestionEvent]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ArchiveDamaged(f"{path} cannot be read ({exc})", path=str(path)) from None
    for line in data.splitlines():
        if not line.strip():
            continue
        try:
            yield QuestionEvent.model_validate_json(line)
        except (ValidationError, ValueError):
            continue  # a line cut short by a crash: the events of that run were re-derived


def read_events(
    archive: Archive,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    watched: bool = False,
) -> list[QuestionEvent]:
    """Journaled events noticed in ``[since, until)``, oldest first.

    Args:
        archive: the archive.
        since: the earliest time an event was journaled (any when None).
        until: the time after the latest (any when None).
        watched: only the events of followed questions.

    Raises:
        ArchiveDamaged: a journal file exists but cannot be read.
    """
    found: dict[str, QuestionEvent] = {}
    for path in _journal_files(archive, since):
        for event in _read_file(path):
            if since is not None and event.noticed_at < since:
                continue
            if until is not None and event.noticed_at >= until:
                continue
            if watched and not event.watched:
                continue
            found.setdefault(event.id, event)
    return sorted(found.values(), key=lambda event: event.noticed_at)


def recent_event_ids(archive: Archive, *, now: dt.datetime) -> set[str]:
    """The IDs journaled this month and the month before (what a re-derivation may repeat)."""
    start = (now.astimezone(dt.UTC).replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    ids: set[str] = set()
    for path in _journal_files(archive, start):
        ids.update(event.id for event in _read_file(path))
    return ids


def event_json(event: QuestionEvent) -> str:
    """The JSON a notify command receives on stdin (one object, one line)."""
    return json.dumps(event.model_dump(mode="json"), ensure_ascii=False)
