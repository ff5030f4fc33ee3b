"""The digest: what happened since the last one, for a terminal, an e-mail or a chat.

Three sections: events of followed questions (from the events journal), new
answers archived in the period with the days each took, and the questions that
became overdue in the period (pending, their deadline passed, from the index).

Without ``since``, a digest covers the time since the previous one (one day for
the first) and remembers when it ran, in ``<archive>/digest.json``; a digest over
an explicit ``since`` leaves that memory alone, so a look back never makes the
nightly digest skip anything.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from qarchive.errors import ArchiveDamaged, ArchiveWriteError
from qarchive.follow.events import EventType, QuestionEvent, read_events
from qarchive.index.lookups import overdue_between
from qarchive.settings import Clock, utc_now
from qarchive.store.archive import Archive
from qarchive.store.files import atomic_write

__all__ = [
    "DEFAULT_SINCE",
    "Digest",
    "OverdueQuestion",
    "build_digest",
    "last_digest",
    "make_digest",
]

DEFAULT_SINCE = dt.timedelta(days=1)  # the first digest looks back this far


@dataclass(frozen=True, slots=True)
class OverdueQuestion:
    """A pending question whose deadline passed during the period."""

    id: str
    title: str | None
    ministry: str | None
    published: dt.date
    deadline: dt.date
    days_waiting: int
    url: str


@dataclass(frozen=True, slots=True)
class Digest:
    """What happened in ``[since, until)``."""

    since: dt.datetime
    until: dt.datetime
    watched: list[QuestionEvent]  # oldest first
    answers: list[QuestionEvent]  # longest delay first
    overdue: list[OverdueQuestion]  # earliest deadline first

    @property
    def empty(self) -> bool:
        """True when nothing happened."""
        return not (self.watched or self.answers or self.overdue)


class _DigestState(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: int = Field(default=1, alias="schema")
    last_run: dt.datetime


def last_digest(archive: Archive) -> dt.datetime | None:
    """When the last digest ran (None if never).

    Raises:
        ArchiveDamaged: ``digest.json`` exists but cannot be read.
    """
    path = archive.layout.digest
    try:
        return _DigestState.model_validate_json(path.read_bytes()).last_run
    except FileNotFoundError:
        return None
    except (OSError, ValidationError) as exc:
        reason = str(exc).splitlines()[0]
        raise ArchiveDamaged(
            f"{path} is damaged ({reason}); remove it (the next digest covers one day) "
            "or pass --since",
            path=str(path),
        ) from None


def _remember(archive: Archive, at: dt.datetime) -> None:
    path = archive.layout.digest
    document = _DigestState(last_run=at).model_dump(mode="json", by_alias=True)
    try:
        atomic_write(path, (json.dumps(document) + "\n").encode("utf-8"))
    except OSError as exc:
        raise ArchiveWriteError.from_os_error(path, exc, then="try again") from None


def build_digest(archive: Archive, *, since: dt.datetime, until: dt.datetime) -> Digest:
    """The digest of ``[since, until)``; reads only, writes nothing.

    Raises:
        ArchiveDamaged: a journal file cannot be read.
    """
    events = read_events(archive, since=since, until=until)
    answers = [event for event in events if event.type is EventType.ANSWERED]
    answers.sort(key=lambda event: (-int(event.details.get("delay_days") or 0), event.question))
    return Digest(
        since=since,
        until=until,
        watched=[event for event in events if event.watched],
        answers=answers,
        overdue=_overdue(archive, since.date(), until.date()),
    )


def _overdue(archive: Archive, first: dt.date, today: dt.date) -> list[OverdueQuestion]:
    # Overdue from the day after the deadline: deadlines in [first, today) became
    # overdue within the period (a digest the next day starts where this one ended).
    with contextlib.closing(archive.open_index()) as connection:
        rows = overdue_between(connection, first, today)
    found = []
    for question_id, title, rubrique, ministry, published, deadline, url in rows:
        day = dt.date.fromisoformat(published)
        found.append(
            OverdueQuestion(
                id=question_id,
                title=title or rubrique,
                ministry=ministry,
                published=day,
                deadline=dt.date.fromisoformat(deadline),
                days_waiting=(today - day).days,
                url=url,
            )
        )
    return found


def make_digest(
    archive: Archive,
    *,
    since: dt.datetime | None = None,
    now: Clock = utc_now,
    wait: bool = False,
) -> Digest:
    """The digest since ``since``, or since the last digest (which it then records).

    Args:
        archive: the archive.
        since: the start of the period; None for "since the last digest" (one day
            for the first), and remember this one in ``digest.json``.
        now: the clock.
        wait: wait for the archive lock (taken only to remember the run).

    Raises:
        ArchiveLocked: another process holds the archive (and ``wait`` is false).
        ArchiveDamaged: ``digest.json`` or a journal file cannot be read.
    """
    at = now()
    if since is not None:
        return build_digest(archive, since=since, until=at)
    with archive.lock(wait=wait):
        start = last_digest(archive) or at - DEFAULT_SINCE
        digest = build_digest(archive, since=start, until=at)
        _remember(archive, at)
    return digest
