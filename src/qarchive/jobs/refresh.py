"""The nightly job: check what can still change, discover what is new, log the run.

A refresh costs what changed, not what exists. For the AN it reads the bulk data
first: the reference data (AMO) and each kept legislature's zips, each by one
conditional GET, importing only the members that changed (:mod:`qarchive.jobs.bulk`).
Then it fetches one by one, through the same pipeline as ``qarchive fetch``
(conditional GET, polite rate, retries), only what the bulk data does not hold:
questions of legislatures without a zip, questions a zip lacks, the questions the
AN's daily publication lists and the Sénat's open data show new or changed (the
Sénat has no bulk zip: its rolling-year CSV says which questions changed).
Questions on the watchlist follow the same rule, whatever their age; the events of
what was saved are recorded and notified by :class:`qarchive.follow.alerts.Alerts`.
A night that finds nothing new writes no file but its log line.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field

from qarchive.errors import ArchiveWriteError
from qarchive.follow.alerts import Alerts
from qarchive.http import Client
from qarchive.index.lookups import (
    has_unnamed_an_authors,
    held_chambers,
    held_legislatures,
    unnamed_an_authors,
)
from qarchive.jobs.bulk import BulkCheck, refresh_bulk, zip_legislatures
from qarchive.jobs.discovery import MAX_DISCOVERY_DAYS, discover_an, discover_senat
from qarchive.jobs.fetch import FetchReport, fetch_questions, name_questions
from qarchive.jobs.imports.amo import refresh_references
from qarchive.jobs.plan import RefreshOptions, last_refresh, plan_refresh
from qarchive.model.ids import QuestionId, parse_question_id
from qarchive.settings import Clock, Settings, utc_now
from qarchive.store.archive import Archive
from qarchive.store.files import append_line
from qarchive.store.versions import SaveOutcome, SaveResult

__all__ = [
    "FAILING_NIGHTS",
    "RefreshSummary",
    "run_refresh",
    "senat_recheck_due",
]

FAILING_NIGHTS = 3  # report a question that failed this many runs in a row
SENAT_RECHECK_DAYS = 7  # re-fetch a Sénat question the CSV shows unchanged at least weekly


@dataclass(slots=True)
class RefreshSummary:
    """The counts of one run, for the summary line and ``refresh.log.jsonl``."""

    started_at: str
    checked: int = 0
    new: int = 0
    changed: int = 0
    new_answers: int = 0
    corrected_answers: int = 0  # an answer already archived, changed (an erratum, a fix)
    unchanged: int = 0
    failed: int = 0
    discovered: int = 0
    skipped_unchanged: int = 0  # Sénat questions the open data shows unchanged, not re-fetched
    bulk: int = 0  # AN questions the legislatures' zips hold: checked without a request each
    duration_s: float = 0.0
    failing: dict[str, int] = field(default_factory=dict)  # id -> runs failed in a row
    notes: list[str] = field(default_factory=list)
    events: int = 0  # events recorded in the journal
    watched: list[str] = field(default_factory=list)  # followed events' summaries, in order
    notified: int = 0  # events the notify command took
    notify_failed: list[str] = field(default_factory=list)  # "<event id>: <error>"
    outbox: int | None = None  # events left undelivered (None: no --notify)
    damaged: list[str] = field(default_factory=list)  # watch files that could not be read

    def count(self, report: FetchReport) -> None:
        """Add one question's outcome."""
        self.checked += 1
        if report.result is None:
            self.failed += 1
        else:
            self.count_saved(report.result)

    def count_saved(self, result: SaveResult) -> None:
        """Add a new or changed question's outcome (or an unchanged one)."""
        if result.outcome is SaveOutcome.NEW:
            self.new += 1
        elif result.outcome is SaveOutcome.UPDATED:
            self.changed += 1
            if "answer" in result.replaced:
                self.corrected_answers += 1
            elif "answer" in result.changed and "status" in result.changed:
                self.new_answers += 1
            # else: an answer known before got a part its source lacked (the Sénat
            # CSV's answers have a date and no text): neither new nor corrected.
        else:
            self.unchanged += 1


def _chambers_to_discover(archive: Archive, options: RefreshOptions) -> set[str]:
    """The chambers whose new questions a refresh discovers.

    The one ``--chamber`` names; otherwise those the archive holds questions of,
    or both in an archive that holds none yet: an archive kept for the AN does not
    fill up with Sénat questions because a refresh ran.
    """
    if options.chamber is not None:
        return {options.chamber}
    with contextlib.closing(archive.open_index()) as connection:
        held = held_chambers(connection)
    return held or {"an", "senat"}


def _discover_senat(
    archive: Archive,
    settings: Settings,
    options: RefreshOptions,
    client: Client,
    planned: dict[QuestionId, None],
    summary: RefreshSummary,
    since: dt.date,
    today: dt.date,
    watched: Iterable[QuestionId],
) -> None:
    """Add what the Sénat's open data shows new or changed; drop what it shows unchanged.

    A pending question the CSV shows unchanged is re-read only when due
    (:func:`senat_recheck_due`), so that a text correction with no change of status
    is still seen within a week. Watched questions are always fetched.
    """
    since = max(since, today - dt.timedelta(days=MAX_DISCOVERY_DAYS))
    found = discover_senat(client, settings, archive, since=since, today=today, notes=summary.notes)
    new = [q for q in found.found if options.legislature in (None, q.legislature)]
    summary.discovered += sum(1 for qid in new if qid not in planned)
    keep = set(watched)
    for qid in found.unchanged:
        if qid in planned and qid not in keep:
            checked = archive.read_state(qid).checked_at
            if checked is not None and not senat_recheck_due(qid, checked.date(), today):
                del planned[qid]
                summary.skipped_unchanged += 1
    planned.update(dict.fromkeys(new))


def senat_recheck_due(qid: QuestionId, checked: dt.date, today: dt.date) -> bool:
    """Whether a Sénat question the CSV shows unchanged, last checked on ``checked``, is re-read.

    Once a week, on a day of the week of its own (from its reference): a rolling year
    first checked on one night (after an import) is re-read a seventh each night,
    not all of it a week later. One whose day was missed is re-read the day after.
    """
    age = (today - checked).days
    own_day = zlib.crc32(qid.canonical.encode()) % SENAT_RECHECK_DAYS
    return age > SENAT_RECHECK_DAYS or (
        age >= 1 and today.toordinal() % SENAT_RECHECK_DAYS == own_day
    )


def _last_run(archive: Archive) -> dt.date | None:
    last = last_refresh(archive)
    try:
        return dt.datetime.fromisoformat(last["started_at"]).date() if last else None
    except (ValueError, KeyError, TypeError):
        return None


def run_refresh(
    archive: Archive,
    settings: Settings,
    options: RefreshOptions,
    *,
    client: Client | None = None,
    now: Clock = utc_now,
    on_report: Callable[[FetchReport, int], None] | None = None,
    on_start: Callable[[QuestionId], None] | None = None,
) -> RefreshSummary:
    """Refresh the archive; the caller holds the lock. Failures are counted, not raised.

    Args:
        archive: the archive to refresh.
        settings: base URLs and politeness settings.
        options: what to select.
        client: an HTTP client to reuse (one is made and closed otherwise).
        now: the clock.
        on_report: called after each question with its report and the total planned.
        on_start: called with each question before it is fetched.

    Raises:
        ArchiveWriteError: the archive cannot be written (disk full, read-only);
            the run stops there.
    """
    started, started_at = time.monotonic(), now()
    today = started_at.date()
    summary = RefreshSummary(started_at=started_at.isoformat())
    owned = client is None
    http = client if client is not None else Client(settings)
    alerts = Alerts(archive, now=now)
    try:
        watched = alerts.watched_ids()
        planned = dict.fromkeys(plan_refresh(archive, options, today=today, watched=watched))
        bulk = BulkCheck()
        if options.chamber in (None, "an"):
            bulk = _refresh_an_bulk(
                archive, settings, options, http, summary, alerts, now, on_report
            )
            for qid in bulk.covered:
                planned.pop(qid, None)
        chambers = _chambers_to_discover(archive, options) if options.discover else set()
        since = (_last_run(archive) or today - dt.timedelta(days=1)) if chambers else today
        if "an" in chambers:
            # The days before the zips were written are in them: only later lists are read.
            lists_from = max(since, bulk.as_of) if bulk.as_of else since
            found = discover_an(http, settings, since=lists_from, today=today, notes=summary.notes)
            found = [q for q in found if options.legislature in (None, q.legislature)]
            found = [q for q in found if q not in bulk.covered]  # the zips hold them already
            summary.discovered = sum(1 for qid in found if qid not in planned)
            planned.update(dict.fromkeys(found))
        if "senat" in chambers:
            _discover_senat(
                archive, settings, options, http, planned, summary, since, today, watched
            )
        reports = fetch_questions(
            planned, settings=settings, archive=archive, client=http, now=now, on_start=on_start
        )
        for report in itertools.chain(reports, _names(archive, settings, options, http, now)):
            summary.count(report)
            alerts.on_saved(report.qid, report.result)
            if report.error is not None:
                failures = archive.read_state(report.qid).consecutive_failures
                if failures >= FAILING_NIGHTS:
                    summary.failing[report.qid.canonical] = failures
            if on_report is not None:
                on_report(report, len(planned))
        alerts.finish()
    finally:
        if owned:
            http.close()
    _notify(alerts, options, summary)
    summary.duration_s = round(time.monotonic() - started, 3)
    try:
        archive.root.mkdir(parents=True, exist_ok=True)
        line = json.dumps(asdict(summary), ensure_ascii=False) + "\n"
        append_line(archive.layout.refresh_log, line.encode("utf-8"))
    except OSError as exc:
        raise ArchiveWriteError.from_os_error(archive.layout.refresh_log, exc) from None
    return summary


def _refresh_an_bulk(
    archive: Archive,
    settings: Settings,
    options: RefreshOptions,
    client: Client,
    summary: RefreshSummary,
    alerts: Alerts,
    now: Clock,
    on_report: Callable[[FetchReport, int], None] | None,
) -> BulkCheck:
    """The AN's reference data and zips: what the zips hold (fetched no more), as of when."""
    with contextlib.closing(archive.open_index()) as connection:
        legislatures = held_legislatures(connection, "an")
        unnamed = has_unnamed_an_authors(connection)
    # Names come from the reference data, imported the first time a name is missing
    # (before the zips: the questions they bring are then named as they are saved).
    summary.notes += refresh_references(archive, settings, now=now, first_need=unnamed)

    saved_before = summary.new + summary.changed

    def saved(qid: QuestionId, result: SaveResult) -> None:
        if result.outcome is not SaveOutcome.UNCHANGED:
            summary.count_saved(result)
            alerts.on_saved(qid, result)
            if on_report is not None:
                on_report(FetchReport(qid, result=result, notes=["bulk data"]), 0)

    check = refresh_bulk(
        archive,
        settings,
        client,
        legislatures=zip_legislatures(legislatures, options.legislature),
        now=now,
        on_saved=saved,
        full=options.everything,
    )
    summary.notes += check.notes
    summary.failed += check.failed
    summary.bulk = len(check.covered)
    summary.checked += len(check.covered)
    # A covered question not saved tonight is unchanged: its member, or its whole zip, was.
    saved_from_zips = summary.new + summary.changed - saved_before
    summary.unchanged += max(0, len(check.covered) - saved_from_zips)
    return check


def _names(
    archive: Archive, settings: Settings, options: RefreshOptions, client: Client, now: Clock
) -> Iterator[FetchReport]:
    """Without reference data, a page for each unnamed AN author, once per question."""
    if options.chamber not in (None, "an") or archive.reference_store.holds_data():
        return iter(())
    with contextlib.closing(archive.open_index()) as connection:
        unnamed = [parse_question_id(text) for text in unnamed_an_authors(connection)]
    if options.legislature is not None:
        unnamed = [qid for qid in unnamed if qid.legislature == options.legislature]
    return name_questions(unnamed, settings=settings, archive=archive, client=client, now=now)


def _notify(alerts: Alerts, options: RefreshOptions, summary: RefreshSummary) -> None:
    summary.events = len(alerts.events)
    summary.watched = [event.summary for event in alerts.watched_events]
    summary.damaged = [str(error) for error in alerts.damaged]
    summary.notes += alerts.notes
    if options.notify is not None:
        delivery = alerts.deliver(options.notify, timeout=options.notify_timeout)
        if delivery is not None:
            summary.notified, summary.notify_failed = len(delivery.delivered), delivery.failed
            summary.outbox = delivery.waiting
