"""An Atom feed of what happened lately: new questions, new answers, closures.

Events come from the latest version of each question (its publication, answer
and closure dates), selected through the index, so a feed of a large archive
reads only the files of the entries it shows.

The feed of followed questions (``feed --watched``) comes from the events journal
instead (:mod:`qarchive.follow.events`): one entry per event, with the event's stable
ID, so a reader shows each event once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from qarchive._version import __version__
from qarchive.errors import ArchiveDamaged, NotArchived, QarchiveError
from qarchive.follow.choices import DEFAULT_FEED_LIMIT
from qarchive.follow.events import QuestionEvent, read_events
from qarchive.follow.wording import (
    answered_words,
    closing_words,
    closure_reason,
    new_question_words,
)
from qarchive.index.filters import Filters
from qarchive.index.lookups import newest_events
from qarchive.index.query import search_questions
from qarchive.model.ids import parse_question_id
from qarchive.model.question import Question
from qarchive.model.versioning import replaced_fields
from qarchive.store.archive import Archive
from qarchive.store.files import atomic_write
from qarchive.store.versions import StoredVersion

if TYPE_CHECKING:
    from feedgen.feed import FeedGenerator

__all__ = [
    "Event",
    "EventKind",
    "build_feed",
    "build_watched_feed",
    "recent_events",
    "watched_events",
    "write_feed",
    "write_watched_feed",
]


class EventKind(StrEnum):
    """What happened to a question."""

    QUESTION = "question"  # published
    ANSWER = "answer"  # answered
    CORRECTION = "answer_corrected"  # an answer already archived, changed since
    CLOSURE = "closure"  # withdrawn, lapsed or converted


@dataclass(frozen=True, slots=True)
class Event:
    """One feed entry: what happened, when, to which question."""

    kind: EventKind
    date: dt.date
    record: Question


_SQL = {
    EventKind.QUESTION: "q.published >= ?",
    EventKind.ANSWER: "q.answered >= ?",
    EventKind.CLOSURE: "q.closed >= ? AND q.status IN ('withdrawn', 'lapsed', 'converted')",
}
_DATE_COLUMN = {
    EventKind.QUESTION: "published",
    EventKind.ANSWER: "answered",
    EventKind.CLOSURE: "closed",
}


def recent_events(
    archive: Archive,
    filters: Filters,
    *,
    since: dt.date,
    today: dt.date,
    query: str | None = None,
    limit: int = DEFAULT_FEED_LIMIT,
) -> list[Event]:
    """The latest events on or after ``since``, newest first, at most ``limit``.

    With a ``query``, the limit applies to the events of the questions it
    matches: the newest ``limit`` events overall may all be of others.

    Raises:
        UsageError: ``query`` is not valid FTS5 syntax, or the filters conflict.
    """
    allowed = None
    if query:
        allowed = {row["id"] for row in search_questions(archive, query, filters, today=today)}
    found: list[tuple[str, EventKind, str]] = []
    with contextlib.closing(archive.open_index()) as connection:
        for kind, condition in _SQL.items():
            rows = newest_events(
                connection,
                filters,
                column=_DATE_COLUMN[kind],
                condition=condition,
                since=since,
                today=today,
                limit=limit if allowed is None else None,
            )
            found += [(day, kind, qid) for qid, day in rows if allowed is None or qid in allowed]
    found.sort(key=lambda item: (item[0], item[2], item[1]), reverse=True)
    events = []
    for day, kind, question_id in found[:limit]:
        try:
            stored = archive.read_version(parse_question_id(question_id))
            if kind is EventKind.ANSWER and _corrects_an_answer(archive, stored):
                kind = EventKind.CORRECTION
        except (ArchiveDamaged, NotArchived):
            continue  # reported by verify (an index ahead of the files); a feed shows the rest
        events.append(Event(kind, dt.date.fromisoformat(day), stored.record))
    return events


def _corrects_an_answer(archive: Archive, stored: StoredVersion[Question]) -> bool:
    """Whether the latest version changed an answer the version before already had.

    Raises:
        ArchiveDamaged: the version before cannot be read.
    """
    if stored.version < 2 or "answer" not in stored.changed:
        return False
    qid = parse_question_id(stored.record.id)
    before = archive.read_version(qid, stored.version - 1).record_json
    return "answer" in replaced_fields(before, stored.record_json, ["answer"])


def _title(event: Event) -> str:
    # Worded as the events of refresh, watch and digest: one language for the whole tool.
    record = event.record
    if event.kind is EventKind.ANSWER:
        what = answered_words(event.date, record.answer_delay_days())
    elif event.kind is EventKind.CORRECTION:
        what = f"answer corrected on {event.date}"
    elif event.kind is EventKind.CLOSURE:
        what = closing_words(record.status.value, event.date, closure_reason(record))
    else:
        what = new_question_words(event.date)
    return f"{record.id} {what}: {record.shown_title() or '(no title)'}"


def _content(event: Event) -> str:
    record = event.record
    author = " ".join(
        filter(None, (record.author.civility, record.author.name or record.author.ref))
    )
    ministry = record.shown_ministry()
    lines = [f"{author} — {ministry.name if ministry else '?'} — published {record.published.date}"]
    if event.kind in (EventKind.ANSWER, EventKind.CORRECTION) and record.answer is not None:
        lines += [f"Answer published {record.answer.published.date}", record.answer.text or ""]
    else:
        lines.append(record.text or "")
    return "\n\n".join(lines)


# What XML 1.0 forbids (C0 controls but tab and line ends, surrogates, U+FFFE and
# U+FFFF) and what it asks documents to avoid (DEL, C1 controls): lxml refuses the
# first, and a title from a parliament's site may hold any of them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """``text`` with every character XML cannot carry replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def _generator(*, title: str, feed_id: str, generated: dt.datetime) -> FeedGenerator:
    """A feed with qarchive's header fields; entries are added by the caller."""
    from feedgen.feed import FeedGenerator  # lxml underneath: only when writing a feed

    generator = FeedGenerator()
    generator.id(feed_id)
    generator.title(_xml_safe(title))
    generator.author({"name": "qarchive"})
    generator.generator("qarchive", version=__version__)
    generator.link(href=feed_id, rel="self")
    generator.updated(generated)
    return generator


def build_feed(events: list[Event], *, title: str, feed_id: str, generated: dt.datetime) -> bytes:
    """Render events as an Atom document (UTF-8 bytes)."""
    generator = _generator(title=title, feed_id=feed_id, generated=generated)
    for event in reversed(events):  # feedgen prepends: add oldest first
        record = event.record
        entry = generator.add_entry()
        entry.id(f"urn:qarchive:{record.id}:{event.kind.value}:{event.date.isoformat()}")
        entry.title(_xml_safe(_title(event)))
        entry.link(href=_xml_safe(record.url))
        when = dt.datetime.combine(event.date, dt.time(), tzinfo=dt.UTC)
        entry.updated(when)
        entry.published(when)
        if record.author.name:
            entry.author({"name": _xml_safe(record.author.name)})
        entry.category(term=event.kind.value)
        entry.content(_xml_safe(_content(event)), type="text")
    return bytes(generator.atom_str(pretty=True))


def write_feed(
    path: Path,
    events: list[Event],
    *,
    title: str,
    generated: dt.datetime,
    public_url: str | None = None,
) -> None:
    """Write the feed atomically, so a reader polling it never sees half a file.

    ``public_url``: where the feed will be published, its ID and self link
    (else the file's own ``file://`` URL, for a feed read on this machine).

    Raises:
        QarchiveError: the file cannot be written (it is left as it was).
    """
    feed_id = public_url or path.resolve().as_uri()
    _write_output(path, build_feed(events, title=title, feed_id=feed_id, generated=generated))


def watched_events(
    archive: Archive, *, since: dt.datetime, limit: int = DEFAULT_FEED_LIMIT
) -> list[QuestionEvent]:
    """The events of followed questions noticed since ``since``, newest first, at most ``limit``.

    Raises:
        ArchiveDamaged: a journal file cannot be read.
    """
    events = read_events(archive, since=since, watched=True)
    return list(reversed(events))[:limit]


def _watched_content(event: QuestionEvent) -> str:
    lines = [event.summary]
    facts = [event.author, event.ministry, f"status: {event.status}"]
    lines.append(" — ".join(fact for fact in facts if fact))
    lines.append(f"followed by: {', '.join(event.watched_by)}")
    lines.append(f"event {event.id}, version archived {event.archived_at.isoformat()}")
    return "\n\n".join(lines)


def build_watched_feed(
    events: list[QuestionEvent], *, title: str, feed_id: str, generated: dt.datetime
) -> bytes:
    """Render events of followed questions as an Atom document (UTF-8 bytes).

    Each entry's ID is ``urn:qarchive:event:<event id>``, stable across runs.
    """
    generator = _generator(title=title, feed_id=feed_id, generated=generated)
    for event in reversed(events):  # feedgen prepends: add oldest first
        entry = generator.add_entry()
        entry.id(f"urn:qarchive:event:{event.id}")
        entry.title(_xml_safe(event.summary))
        entry.link(href=_xml_safe(event.url))
        entry.updated(event.noticed_at)
        entry.published(event.noticed_at)
        if event.author:
            entry.author({"name": _xml_safe(event.author)})
        entry.category(term=event.type.value)
        entry.content(_xml_safe(_watched_content(event)), type="text")
    return bytes(generator.atom_str(pretty=True))


def write_watched_feed(
    path: Path,
    events: list[QuestionEvent],
    *,
    title: str,
    generated: dt.datetime,
    public_url: str | None = None,
) -> None:
    """Write the feed of followed questions atomically (``public_url``: as :func:`write_feed`).

    Raises:
        QarchiveError: the file cannot be written (it is left as it was).
    """
    feed_id = public_url or path.resolve().as_uri()
    content = build_watched_feed(events, title=title, feed_id=feed_id, generated=generated)
    _write_output(path, content)


def _write_output(path: Path, content: bytes) -> None:
    try:
        atomic_write(path, content)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise QarchiveError(f"cannot write {path}: {reason}", path=str(path)) from None
