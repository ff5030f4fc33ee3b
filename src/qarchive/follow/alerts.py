"""The followers' side of a refresh: events of saved versions, the journal, the outbox.

:func:`qarchive.jobs.refresh.run_refresh` makes one :class:`Alerts` per run. For each
question saved with a new version, the events between its previous version and
the new one are derived (:func:`qarchive.follow.events.events_between`), matched against
the saved searches, journaled, and queued in the outbox when followed. Watched
questions are handled at the end from their ``seen_version``, so that versions
written since their last report by any command (``fetch``, a refresh killed
half-way) are reported too, once.

If ``watchlist.json`` or ``outbox.json`` is damaged, the refresh still archives
everything but records no event: the error is reported (exit 4) and the events
of watched questions are derived when the file is fixed, since their
``seen_version`` did not move.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from qarchive.errors import ArchiveDamaged, NotArchived
from qarchive.follow.events import (
    WATCHLIST_REASON,
    QuestionEvent,
    append_events,
    events_between,
    recent_event_ids,
)
from qarchive.follow.notify import DeliveryReport, deliver_outbox, load_outbox, queue_events
from qarchive.follow.watch import Watchlist, load_watchlist, match_searches, save_watchlist
from qarchive.model.ids import QuestionId
from qarchive.settings import Clock
from qarchive.store.archive import Archive
from qarchive.store.versions import SaveOutcome, SaveResult

__all__ = ["Alerts"]


class Alerts:
    """Events of one refresh run. The caller holds the archive lock."""

    def __init__(self, archive: Archive, *, now: Clock) -> None:
        self.archive = archive
        self._now = now
        self.events: list[QuestionEvent] = []  # every event recorded this run, in order
        self.damaged: list[ArchiveDamaged] = []
        self._notes: dict[str, None] = {}
        self._outbox_ok = True
        self.watchlist: Watchlist | None = None
        try:
            self.watchlist = load_watchlist(archive)
        except ArchiveDamaged as exc:
            self.damaged.append(exc)
        try:
            load_outbox(archive)
        except ArchiveDamaged as exc:
            self.damaged.append(exc)
            self._outbox_ok = False
        if self.damaged:
            self.watchlist = None  # archive as usual, record no event
        self._explicit = (
            {entry.id for entry in self.watchlist.questions} if self.watchlist else set()
        )

    @staticmethod
    def read_watched(archive: Archive) -> list[QuestionId]:
        """The questions on the watchlist (for a plan made outside a run).

        Raises:
            ArchiveDamaged: ``watchlist.json`` is damaged.
        """
        return [entry.qid for entry in load_watchlist(archive).questions]

    @property
    def notes(self) -> list[str]:
        """Things worth a word in the summary (a saved search SQLite cannot read...)."""
        return list(self._notes)

    @property
    def watched_events(self) -> list[QuestionEvent]:
        """The events of followed questions recorded this run: the watchlist's first."""
        followed = [event for event in self.events if event.watched]
        return sorted(followed, key=lambda event: WATCHLIST_REASON not in event.watched_by)

    def watched_ids(
        self, *, chamber: str | None = None, legislature: int | None = None
    ) -> list[QuestionId]:
        """The questions on the watchlist, within a chamber and legislature if given."""
        if self.watchlist is None:
            return []
        return [
            entry.qid
            for entry in self.watchlist.questions
            if chamber in (None, entry.qid.chamber.value)
            and legislature in (None, entry.qid.legislature)
        ]

    def on_saved(self, qid: QuestionId, result: SaveResult | None) -> None:
        """Record the events of a question just saved (watched ones wait for :meth:`finish`).

        ``result``: what the save did (None when the question failed).

        Raises:
            ArchiveWriteError: the journal or the outbox cannot be written.
        """
        if self.watchlist is None or result is None or result.outcome is SaveOutcome.UNCHANGED:
            return
        if qid.canonical in self._explicit:
            return
        start = 0 if result.outcome is SaveOutcome.NEW else result.version - 1
        events = self._derive(qid, start, result.version)
        if not events:
            return
        notes: list[str] = []
        matches = match_searches(
            self.archive, self.watchlist.searches, [qid], today=self._today(), notes=notes
        )
        self._notes.update(dict.fromkeys(notes))
        reasons = matches.get(qid.canonical)
        if reasons:
            events = [event.watched_for(reasons) for event in events]
        self._record(events)

    def finish(self) -> None:
        """Record the events of watched questions since their last report, once each.

        Raises:
            ArchiveWriteError: the journal, the outbox or the watchlist cannot be written.
        """
        if self.watchlist is None:
            return
        known: set[str] | None = None
        moved = False
        for entry in self.watchlist.questions:
            numbers = self.archive.versions(entry.qid)
            latest = numbers[-1] if numbers else 0
            if latest <= entry.seen_version:
                continue
            events = self._derive(entry.qid, entry.seen_version, latest)
            if known is None:  # only a run killed half-way can have journaled them already
                known = recent_event_ids(self.archive, now=self._now())
            self._record(
                [event.watched_for([WATCHLIST_REASON]) for event in events if event.id not in known]
            )
            entry.seen_version, moved = latest, True
        if moved:
            self.watchlist = save_watchlist(self.archive, self.watchlist, now=self._now)

    def deliver(self, command: str, *, timeout: float) -> DeliveryReport | None:
        """Run the notify command for every event in the outbox (None: the outbox is damaged).

        Raises:
            UsageError: the command is empty.
            ArchiveWriteError: the outbox cannot be rewritten.
        """
        if not self._outbox_ok:
            return None
        return deliver_outbox(self.archive, command, timeout=timeout, now=self._now)

    def _today(self) -> dt.date:
        return self._now().date()

    def _derive(self, qid: QuestionId, start: int, end: int) -> list[QuestionEvent]:
        try:
            return events_between(self.archive, qid, start, end)
        except (ArchiveDamaged, NotArchived) as exc:
            self._notes[f"no events for {qid}: {exc}"] = None
            return []

    def _record(self, events: Iterable[QuestionEvent]) -> None:
        now = self._now()
        events = [event.model_copy(update={"recorded_at": now}) for event in events]
        if not events:
            return
        followed = [event for event in events if event.watched]
        if followed:  # the outbox first: an event journaled is never missing from it
            queue_events(self.archive, followed, now=self._now)
        append_events(self.archive, events)
        self.events += events
