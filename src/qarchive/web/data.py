"""What each page shows, read through the library: plain values, the same for HTML and JSON.

Every function here is synchronous (the views run them in Datasette's threads)
and reads the archive through :class:`WebSource`, whose connections to the index
are opened read-only: no page can write. The queries are the library's
(:mod:`qarchive.index.query`, :mod:`qarchive.index.stats`,
:mod:`qarchive.index.timeline`), the versions and their diffs the store's
(:class:`~qarchive.store.archive.Archive`), the Atom feed ``qarchive feed``'s.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from qarchive.errors import NotArchived
from qarchive.follow.feed import build_feed, recent_events
from qarchive.index.choices import StatsGroup
from qarchive.index.filters import Filters
from qarchive.index.lookups import held_chambers, held_legislatures
from qarchive.index.query import count_matches, count_questions, list_questions, search_questions
from qarchive.index.schema import IndexConnection, IndexFailure, connect_index_readonly
from qarchive.index.stats import compute_stats
from qarchive.index.timeline import MonthRow, monthly_activity
from qarchive.jobs.fetch import source_urls
from qarchive.jobs.resolve import resolve_question_id
from qarchive.model.ids import QuestionId
from qarchive.model.question import Question
from qarchive.model.versioning import FieldChange, diff_records
from qarchive.settings import Settings
from qarchive.store.archive import Archive
from qarchive.store.versions import StoredVersion
from qarchive.web.params import ListParams

__all__ = [
    "MARKS",
    "QuestionPage",
    "WebSource",
    "feed_document",
    "list_page",
    "month_rows",
    "question_page",
    "search_page",
    "stats_page",
]

# Around the matched words of a snippet: characters of Unicode's private use area,
# which no published text holds, so that the snippet can be escaped, then marked.
MARKS = ("\ue000", "\ue001")
_T = TypeVar("_T")

# A page's count of matching rows gives up after this long (the rows are shown,
# with "next" while pages are full), like Datasette's own counts.
COUNT_TIME_LIMIT = 0.05


@dataclass(frozen=True, slots=True)
class _ReadOnlyIndex:
    """An index source (``open_index``) whose connections cannot write."""

    path: Path
    time_limit: float | None = None

    def open_index(self) -> IndexConnection:
        return connect_index_readonly(self.path, time_limit=self.time_limit)


class _ReadOnlyArchive(Archive):
    """The archive as the pages read it: versions from the files, the index read-only.

    Never rebuilds or upgrades the index (``qarchive serve`` made it current
    before serving); writing methods are not called by any page.
    """

    def open_index(self) -> IndexConnection:
        return connect_index_readonly(self.index_path)


@dataclass(frozen=True)
class WebSource:
    """The archive the pages read, the settings (official sites' URLs) and today's date."""

    root: Path
    settings: Settings
    today: Callable[[], dt.date] = dt.date.today
    memo: _Memo = field(default_factory=lambda: _Memo())

    def index(self, *, time_limit: float | None = None) -> _ReadOnlyIndex:
        """The index, read-only; with ``time_limit``, its statements give up after that long."""
        return _ReadOnlyIndex(self.root / "index.sqlite", time_limit)

    def archive(self) -> Archive:
        """The archive (version files), its index read-only."""
        return _ReadOnlyArchive(self.root)


def _count(count: Callable[[], int]) -> int | None:
    # None: the count took too long (a broad filter on a big archive); pages go on.
    try:
        return count()
    except IndexFailure as exc:
        if str(exc) != "interrupted":
            raise
        return None


def list_page(source: WebSource, params: ListParams) -> dict[str, Any]:
    """One page of the questions matching the filters, in the order asked, and their number.

    Raises:
        UsageError: contradictory filters.
    """
    today = source.today()
    quick = source.index(time_limit=COUNT_TIME_LIMIT)
    total = _count(lambda: count_questions(quick, params.filters, today=today))
    rows: list[dict[str, Any]] = []
    if total != 0:
        rows = list(
            list_questions(
                source.index(),
                params.filters,
                sort=params.sort,
                limit=params.size,
                offset=params.offset,
                today=today,
            )
        )
    return {"total": total, "rows": rows, "today": today}


def search_page(source: WebSource, params: ListParams) -> dict[str, Any]:
    """One page of the questions matching the search, best first, each with its snippet.

    Raises:
        UsageError: the query is not valid FTS5 syntax, or the filters conflict.
    """
    today = source.today()
    if params.query is None:
        return {"total": None, "rows": [], "today": today}
    quick = source.index(time_limit=COUNT_TIME_LIMIT)
    total = _count(lambda: count_matches(quick, params.query or "", params.filters, today=today))
    rows = list(
        search_questions(
            source.index(),
            params.query,
            params.filters,
            limit=params.size,
            offset=params.offset,
            marks=MARKS,
            today=today,
        )
    )
    return {"total": total, "rows": rows, "today": today}


@dataclass(frozen=True, slots=True)
class QuestionPage:
    """A question: its latest record, every version with what changed, official links."""

    qid: QuestionId
    versions: list[StoredVersion[Question]]  # oldest first
    diffs: dict[int, list[FieldChange]]  # version → its changes from the version before
    links: list[tuple[str, str]]  # (label, URL)
    today: dt.date

    @property
    def latest(self) -> StoredVersion[Question]:
        """The latest version."""
        return self.versions[-1]


def question_page(source: WebSource, text: str) -> QuestionPage:
    """A question's page, from its ID in any accepted form (a bare Sénat number too).

    Raises:
        InvalidQuestionId: the text names no question.
        NotArchived: the archive does not hold it.
        ArchiveDamaged: a version file cannot be read.
    """
    archive = source.archive()
    qid = resolve_question_id(text, archive=archive, extra_hosts=source.settings.allowed_hosts)
    versions = archive.history(qid)
    if not versions:
        raise NotArchived(f"{qid} is not in the archive", question_id=qid.canonical)
    # The versions are in hand: diffed as Archive.diff would, without reading them again.
    diffs = {
        right.version: diff_records(left.record_json, right.record_json)
        for left, right in itertools.pairwise(versions)
    }
    record = versions[-1].record
    links = [("The question's page", record.url)]
    for candidate in source_urls(qid, source.settings):
        if candidate.url != record.url:
            links.append((f"Source ({candidate.extension})", candidate.url))
    if record.source.url not in {url for _, url in links}:
        links.append(("Fetched from", record.source.url))
    return QuestionPage(qid, versions, diffs, links, source.today())


def stats_page(source: WebSource, filters: Filters) -> dict[str, Any]:
    """The palmarès: everything, per ministry, per chamber and legislature (cached).

    Adding up the tables of counts per ministry takes 0.1 s on a million
    questions: the figures are kept until the index changes (or the day does).

    Raises:
        UsageError: contradictory filters.
    """
    today = source.today()
    return source.memo.get(
        ("stats", filters, today, _signature(source.root / "index.sqlite")),
        lambda: _stats(source, filters, today),
    )


def _stats(source: WebSource, filters: Filters, today: dt.date) -> dict[str, Any]:
    index = source.index()
    overall = compute_stats(index, filters, today=today)[0]
    ministries = compute_stats(index, filters, by=StatsGroup.MINISTRY, today=today)
    with contextlib.closing(index.open_index()) as connection:
        held = [
            (chamber, legislature)
            for chamber in sorted(held_chambers(connection))
            for legislature in sorted(held_legislatures(connection, chamber), reverse=True)
        ]
    legislatures = []
    for chamber, legislature in held:
        if filters.chamber not in (None, chamber) or filters.legislature not in (None, legislature):
            continue
        part = dataclasses.replace(filters, chamber=chamber, legislature=legislature)
        row = compute_stats(index, part, today=today)[0]
        if row.questions:
            legislatures.append((chamber, legislature, row))
    return {
        "overall": overall,
        "ministries": ministries,
        "legislatures": legislatures,
        "today": today,
    }


def month_rows(source: WebSource, filters: Filters) -> list[MonthRow]:
    """Month by month: questions published, answers, overdue at the month's end (cached).

    One pass over the matching questions (seconds on a million): kept until the
    index changes.
    """
    today = source.today()
    return source.memo.get(
        ("months", filters, today, _signature(source.root / "index.sqlite")),
        lambda: monthly_activity(source.index(), filters, today=today),
    )


def _signature(path: Path) -> tuple[int, int, int]:
    # Any write to the index changes its time and size; a rebuild, its inode.
    stat = path.stat()
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


class _Memo:
    """What the last few pages worked out, by a key that names the index's state."""

    size = 32

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._found: dict[Any, Any] = {}

    def get(self, key: Any, compute: Callable[[], _T]) -> _T:
        with self._lock:
            if key in self._found:
                return cast(_T, self._found[key])
        rows = compute()  # outside the lock: another page need not wait for this one
        with self._lock:
            self._found[key] = rows
            while len(self._found) > self.size:
                del self._found[next(iter(self._found))]
        return rows


def feed_document(source: WebSource, params: ListParams, *, feed_id: str) -> bytes:
    """The Atom feed of ``qarchive feed`` for these filters (and search): new questions, answers.

    Raises:
        UsageError: a bad search query, or contradictory filters.
    """
    today = source.today()
    events = recent_events(
        source.archive(),
        params.filters,
        since=today - dt.timedelta(days=params.days),
        today=today,
        query=params.query,
    )
    title = "qarchive: questions écrites" + (f" — {params.query}" if params.query else "")
    return build_feed(events, title=title, feed_id=feed_id, generated=dt.datetime.now(dt.UTC))
