"""What a refresh looks at: its options, and the questions it re-fetches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from qarchive.errors import UsageError
from qarchive.index.filters import Filters
from qarchive.index.lookups import refresh_candidates
from qarchive.jobs.choices import DEFAULT_NOTIFY_TIMEOUT, DEFAULT_RECENT_DAYS
from qarchive.model.ids import QuestionId, parse_question_id
from qarchive.store.archive import Archive

__all__ = ["RefreshOptions", "plan_refresh"]


@dataclass(frozen=True, slots=True)
class RefreshOptions:
    """What a refresh looks at."""

    everything: bool = False
    recent_days: int = DEFAULT_RECENT_DAYS
    chamber: str | None = None
    legislature: int | None = None
    limit: int | None = None
    discover: bool = True
    notify: str | None = None  # a shell command run once per followed event (stdin: JSON)
    notify_timeout: float = DEFAULT_NOTIFY_TIMEOUT

    def __post_init__(self) -> None:
        if self.notify is not None and not self.notify.strip():
            raise UsageError(
                "--notify needs a command, e.g. --notify 'mail -s qarchive me@example.org'"
            )


def plan_refresh(
    archive: Archive,
    options: RefreshOptions,
    *,
    today: dt.date,
    watched: Iterable[QuestionId] | None = None,
) -> list[QuestionId]:
    """The questions a refresh re-fetches: watched ones first, then by oldest publication.

    ``watched`` (read from the watchlist when None) are re-fetched whatever their
    age, within ``--chamber`` and ``--legislature``; ``--limit`` counts the others.

    Raises:
        ArchiveDamaged: ``watched`` is None and ``watchlist.json`` is damaged.
    """
    if watched is None:
        from qarchive.follow.alerts import Alerts  # the watchlist, read here only

        watched = Alerts.read_watched(archive)
    first = [
        qid
        for qid in watched
        if options.chamber in (None, qid.chamber.value)
        and options.legislature in (None, qid.legislature)
    ]
    filters = Filters(chamber=options.chamber, legislature=options.legislature)
    since = None if options.everything else today - dt.timedelta(days=options.recent_days)
    connection = archive.open_index()
    try:
        ids = refresh_candidates(
            connection, filters, today=today, answered_since=since, limit=options.limit
        )
    finally:
        connection.close()
    rest = [parse_question_id(question_id) for question_id in ids]
    return list(dict.fromkeys([*first, *rest]))
