"""The watchlist: questions followed by ID, and saved searches for new ones.

Stored in the archive as one small JSON file, replaced atomically under the
archive lock, with a version counter that every write increments::

    <archive>/watchlist.json
    {"schema": 1, "version": 3, "updated_at": "...",
     "questions": [{"id": "15-12526QE", "added_at": "...", "seen_version": 2}],
     "searches": [{"query": "titres sécurisés", "author": null, "ministry": null,
                   "added_at": "..."}]}

``seen_version`` is the last version of the question whose events were recorded:
a refresh derives the events of every later version, whichever command wrote it,
so an answer saved by ``qarchive fetch`` (or by a refresh killed half-way) is
still reported once. The file is the user's list, not a history: question
versions are the archive's purpose, the watchlist is a setting, and the counter
is enough to see that it changed.

Example:
    >>> archive = Archive(Path("/srv/qarchive"))  # doctest: +SKIP
    >>> add_watches(archive, [parse_question_id("15-12526QE")])  # doctest: +SKIP
    >>> add_watches(archive, search=SavedSearch(query="titres sécurisés"))  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from qarchive.errors import ArchiveDamaged, ArchiveWriteError, QarchiveError, UsageError
from qarchive.follow.notify import load_outbox
from qarchive.index.filters import Filters
from qarchive.index.lookups import search_matches
from qarchive.index.query import search_questions
from qarchive.model.columns import WATCH_COLUMNS
from qarchive.model.ids import QuestionId, parse_question_id
from qarchive.settings import Clock, utc_now
from qarchive.store.archive import Archive
from qarchive.store.files import atomic_write, read_state_file

__all__ = [
    "WATCH_COLUMNS",
    "SavedSearch",
    "WatchStatus",
    "WatchUpdate",
    "WatchedQuestion",
    "Watchlist",
    "add_watches",
    "load_watchlist",
    "match_searches",
    "remove_watches",
    "save_watchlist",
    "watch_rows",
    "watch_status",
]

WATCHLIST_SCHEMA = 1


class WatchedQuestion(BaseModel):
    """One question on the watchlist."""

    model_config = ConfigDict(extra="forbid")

    id: str
    added_at: dt.datetime
    seen_version: int = Field(default=0, ge=0)

    @field_validator("id")
    @classmethod
    def _canonical(cls, value: str) -> str:
        try:
            return parse_question_id(value).canonical
        except QarchiveError:
            raise ValueError(f"not a question ID: {value!r}") from None

    @property
    def qid(self) -> QuestionId:
        """The parsed ID."""
        return parse_question_id(self.id)


class SavedSearch(BaseModel):
    """A saved search: new questions matching it are events (see ``qarchive search``).

    ``query`` is full-text (FTS5 syntax); ``author`` and ``ministry`` are
    case- and accent-insensitive substrings, as for ``qarchive list``.
    """

    model_config = ConfigDict(extra="forbid")

    query: str | None = None
    author: str | None = None
    ministry: str | None = None
    added_at: dt.datetime | None = None

    @field_validator("query", "author", "ministry")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return (value.strip() or None) if value is not None else None

    @property
    def key(self) -> tuple[str | None, str | None, str | None]:
        """What identifies the search (two searches with the same criteria are one)."""
        return (self.query, self.author, self.ministry)

    @property
    def label(self) -> str:
        """A short description: ``search "titres sécurisés", author bernalicis``."""
        parts = [f'"{self.query}"'] if self.query else []
        parts += [f"{name} {value}" for name, value in self._filters() if value]
        return "search " + ", ".join(parts)

    def _filters(self) -> list[tuple[str, str | None]]:
        return [("author", self.author), ("ministry", self.ministry)]


class Watchlist(BaseModel):
    """The content of ``watchlist.json``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: int = Field(default=WATCHLIST_SCHEMA, alias="schema")
    version: int = Field(default=0, ge=0)
    updated_at: dt.datetime | None = None
    questions: list[WatchedQuestion] = Field(default_factory=list)
    searches: list[SavedSearch] = Field(default_factory=list)

    def find(self, qid: QuestionId) -> WatchedQuestion | None:
        """The entry of a question, if it is watched."""
        return next((entry for entry in self.questions if entry.id == qid.canonical), None)

    def find_search(self, search: SavedSearch) -> SavedSearch | None:
        """The saved search with the same criteria, if any."""
        return next((saved for saved in self.searches if saved.key == search.key), None)


@dataclass(slots=True)
class WatchUpdate:
    """What an add or remove did."""

    changed: list[str] = field(default_factory=list)  # IDs or search labels added/removed
    unchanged: list[str] = field(default_factory=list)  # already watched
    version: int = 0  # the watchlist's version after the update


@dataclass(frozen=True, slots=True)
class WatchStatus:
    """What ``watch list`` shows: one row per watched question and saved search."""

    rows: list[dict[str, Any]]
    version: int  # the watchlist's version counter
    waiting: int  # events waiting in the outbox


def load_watchlist(archive: Archive) -> Watchlist:
    """Read ``watchlist.json`` (an empty watchlist when there is none).

    Raises:
        ArchiveDamaged: the file exists but is not a valid watchlist.
    """
    path = archive.layout.watchlist
    watchlist = read_state_file(path, Watchlist, schema=WATCHLIST_SCHEMA, damaged=_damaged)
    return watchlist if watchlist is not None else Watchlist()


def _damaged(path: Any, reason: str) -> ArchiveDamaged:
    return ArchiveDamaged(
        f"{path} is damaged ({reason.splitlines()[0]}); fix it by hand or move it aside "
        "to start an empty watchlist",
        path=str(path),
    )


def save_watchlist(archive: Archive, watchlist: Watchlist, *, now: Clock = utc_now) -> Watchlist:
    """Write the watchlist atomically under the lock, one version up; return what was written.

    Raises:
        ArchiveLocked: another process holds the archive.
        ArchiveWriteError: the file cannot be written; the previous one is kept.
    """
    written = watchlist.model_copy(update={"version": watchlist.version + 1, "updated_at": now()})
    document = written.model_dump(mode="json", by_alias=True)
    path = archive.layout.watchlist
    with archive.lock():
        try:
            atomic_write(path, (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode())
        except OSError as exc:
            raise ArchiveWriteError.from_os_error(path, exc, then="try again") from None
    return written


def _check_search(archive: Archive, search: SavedSearch) -> None:
    if search.key == (None, None, None):
        raise UsageError("a saved search needs --query, --author or --ministry")
    if search.query:  # a query FTS5 cannot read is refused now, not every night
        filters = Filters()
        next(search_questions(archive, search.query, filters, limit=1, today=dt.date.today()), None)


def add_watches(
    archive: Archive,
    qids: Iterable[QuestionId] = (),
    *,
    search: SavedSearch | None = None,
    now: Clock = utc_now,
) -> WatchUpdate:
    """Watch questions (by ID, archived or not yet) and/or save a search.

    A question's events start from its current version: adding it reports
    nothing retroactively. Adding what is already watched changes nothing.

    Raises:
        UsageError: the search has no criterion, or its query is not valid FTS5.
        ArchiveDamaged: ``watchlist.json`` (or the current version of a question) is damaged.
        ArchiveLocked: another process holds the archive.
    """
    update = WatchUpdate()
    with archive.lock():
        watchlist = load_watchlist(archive)
        if search is not None:
            _check_search(archive, search)
        for qid in qids:
            if watchlist.find(qid) is not None:
                update.unchanged.append(qid.canonical)
                continue
            seen = archive.versions(qid)
            watchlist.questions.append(
                WatchedQuestion(
                    id=qid.canonical, added_at=now(), seen_version=seen[-1] if seen else 0
                )
            )
            update.changed.append(qid.canonical)
        if search is not None:
            if watchlist.find_search(search) is not None:
                update.unchanged.append(search.label)
            else:
                watchlist.searches.append(search.model_copy(update={"added_at": now()}))
                update.changed.append(search.label)
        update.version = watchlist.version
        if update.changed:
            update.version = save_watchlist(archive, watchlist, now=now).version
    return update


def remove_watches(
    archive: Archive, qids: Sequence[QuestionId] = (), *, search: SavedSearch | None = None
) -> WatchUpdate:
    """Stop watching questions and/or remove a saved search (same criteria as when added).

    Nothing is removed unless everything named is on the watchlist.

    Raises:
        UsageError: a question or the search is not on the watchlist.
        ArchiveDamaged: ``watchlist.json`` is damaged.
        ArchiveLocked: another process holds the archive.
    """
    update = WatchUpdate()
    with archive.lock():
        watchlist = load_watchlist(archive)
        missing = [qid.canonical for qid in qids if watchlist.find(qid) is None]
        if missing:
            raise UsageError(
                f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not on the "
                "watchlist (nothing removed); see: qarchive watch list"
            )
        if search is not None and watchlist.find_search(search) is None:
            raise UsageError(
                f"no saved {search.label} on the watchlist (nothing removed); "
                "give the same --query, --author and --ministry as when it was added; "
                "see: qarchive watch list"
            )
        gone = {qid.canonical for qid in qids}
        watchlist.questions = [entry for entry in watchlist.questions if entry.id not in gone]
        update.changed += [qid.canonical for qid in qids]
        if search is not None:
            watchlist.searches = [s for s in watchlist.searches if s.key != search.key]
            update.changed.append(search.label)
        update.version = watchlist.version
        if update.changed:
            update.version = save_watchlist(archive, watchlist).version
    return update


def watch_rows(archive: Archive, watchlist: Watchlist, *, today: dt.date) -> list[dict[str, Any]]:
    """One row per watched question (status, days waiting...), then one per saved search.

    See :data:`WATCH_COLUMNS`. A question not archived yet has status
    ``not archived``; one whose version file is damaged, ``damaged``.
    """
    rows: list[dict[str, Any]] = []
    for entry in watchlist.questions:
        row: dict[str, Any] = dict.fromkeys(WATCH_COLUMNS)
        row.update(watched="question", id=entry.id, added_at=entry.added_at.isoformat())
        try:
            stored = archive.latest(entry.qid)
        except ArchiveDamaged:
            row["status"] = "damaged"
            rows.append(row)
            continue
        if stored is None:
            row["status"] = "not archived"
            rows.append(row)
            continue
        record = stored.record
        ministry = record.shown_ministry()
        row.update(
            status=record.status.value,
            published=record.published.date.isoformat(),
            days_waiting=record.days_waiting(today),
            overdue=record.is_overdue(today),
            answer_delay_days=record.answer_delay_days(),
            author_civility=record.author.civility,
            author_name=record.author.name or record.author.ref,
            ministry_responding=ministry.name if ministry else None,
            title=record.shown_title(),
        )
        rows.append(row)
    for search in watchlist.searches:
        row = dict.fromkeys(WATCH_COLUMNS)
        row.update(
            watched="search",
            query=search.query,
            author_filter=search.author,
            ministry_filter=search.ministry,
            added_at=search.added_at.isoformat() if search.added_at else None,
        )
        rows.append(row)
    return rows


def match_searches(
    archive: Archive,
    searches: Sequence[SavedSearch],
    qids: Sequence[QuestionId],
    *,
    today: dt.date,
    notes: list[str] | None = None,
) -> dict[str, list[str]]:
    """Which saved searches each question matches, through the index: ID -> labels.

    A saved query that SQLite can no longer read (edited by hand) matches
    nothing and is named in ``notes``.
    """
    if not searches or not qids:
        return {}
    ids = [qid.canonical for qid in qids]
    found: dict[str, list[str]] = {}
    with contextlib.closing(archive.open_index()) as connection:
        for search in searches:
            filters = Filters(author=search.author, ministry=search.ministry)
            try:
                matched = search_matches(
                    connection, ids, query=search.query, filters=filters, today=today
                )
            except QarchiveError as exc:
                if notes is not None:
                    notes.append(f"saved {search.label} skipped: {exc}")
                continue
            for question_id in matched:
                found.setdefault(question_id, []).append(search.label)
    return found


def watch_status(archive: Archive, *, today: dt.date) -> WatchStatus:
    """The watchlist's rows (:func:`watch_rows`) and how many events wait in the outbox.

    Raises:
        ArchiveDamaged: ``watchlist.json`` or ``outbox.json`` is damaged.
    """
    watchlist = load_watchlist(archive)
    rows = watch_rows(archive, watchlist, today=today)
    return WatchStatus(rows, watchlist.version, len(load_outbox(archive).entries))
