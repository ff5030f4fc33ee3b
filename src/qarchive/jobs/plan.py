"""What a refresh looks at: its options, the questions it re-fetches, the last run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from qarchive.bounded_json import load_json
from qarchive.errors import UsageError
from qarchive.index.filters import Filters
from qarchive.index.lookups import held_legislatures, refresh_candidates
from qarchive.jobs.choices import DEFAULT_NOTIFY_TIMEOUT, DEFAULT_RECENT_DAYS
from qarchive.model.ids import QuestionId, parse_question_id
from qarchive.store.archive import Archive

__all__ = ["RefreshOptions", "RefreshPlan", "last_refresh", "plan_refresh", "refresh_plan"]


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


@dataclass(frozen=True, slots=True)
class RefreshPlan:
    """What a refresh would ask for, worked out from the archive alone (``--dry-run``)."""

    alone: list[QuestionId]  # fetched one by one, as ``fetch`` would
    through_zips: list[QuestionId]  # checked through the AN zips they were last imported from
    zip_legislatures: list[int]  # whose zips are asked for, a conditional GET each


def refresh_plan(
    archive: Archive,
    options: RefreshOptions,
    *,
    today: dt.date,
    watched: Iterable[QuestionId] | None = None,
) -> RefreshPlan:
    """:func:`plan_refresh`, told apart as the refresh does it: the zips first.

    A question the last import of its legislature's zips held is checked through
    them (their members are compared, not fetched); the others are fetched alone.
    Discovery (the days' lists, the Sénat's CSV) needs the network: not planned.

    Raises:
        ArchiveDamaged: ``watched`` is None and ``watchlist.json`` is damaged.
    """
    # The zips' module reads and imports them: loaded for this plan only.
    from qarchive.jobs.bulk import covered_by_last_imports, zip_legislatures

    planned = plan_refresh(archive, options, today=today, watched=watched)
    legislatures: list[int] = []
    if options.chamber in (None, "an"):
        connection = archive.open_index()
        try:
            held = held_legislatures(connection, "an")
        finally:
            connection.close()
        legislatures = zip_legislatures(held, options.legislature)
    covered = covered_by_last_imports(archive, legislatures)
    return RefreshPlan(
        alone=[qid for qid in planned if qid not in covered],
        through_zips=[qid for qid in planned if qid in covered],
        zip_legislatures=legislatures,
    )


def last_refresh(archive: Archive) -> dict[str, Any] | None:
    """The last line of the refresh log (the last run's summary), or None.

    None when no refresh has run or the line cannot be read as a JSON object:
    the log informs, a damaged line of it must not stop a refresh or ``info``.
    """
    try:
        last = archive.layout.refresh_log.read_bytes().rstrip(b"\n").rsplit(b"\n", 1)[-1]
        found = load_json(last)
    except (OSError, ValueError):  # JSONTooDeep is a ValueError
        return None
    return found if isinstance(found, dict) else None
