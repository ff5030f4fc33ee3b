"""qarchive: fetch, parse and archive French parliamentary written questions.

The supported Python API is what ``__all__`` lists; everything else is internal.

Example:
    >>> from qarchive import Archive, load_settings, fetch_questions, parse_ids
    >>> settings = load_settings()  # doctest: +SKIP
    >>> archive = Archive(settings.archive_dir)  # doctest: +SKIP
    >>> with archive.lock():  # doctest: +SKIP
    ...     for report in fetch_questions(parse_ids(["15-12526QE"], settings=settings),
    ...                                   settings=settings, archive=archive):
    ...         print(report.qid, report.result)

"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from qarchive._version import __version__

if TYPE_CHECKING:  # the names, for type checkers; loaded on first use below
    from qarchive.errors import (
        ArchiveDamaged,
        ArchiveLocked,
        ArchiveWriteError,
        ErrorPage,
        FetchError,
        HostNotAllowed,
        HTTPStatusError,
        InvalidQuestionId,
        NotArchived,
        NotYetPublished,
        ParseError,
        QarchiveError,
        ResponseTooLarge,
        TransportError,
        UnknownFormat,
        UsageError,
    )
    from qarchive.follow.digest import Digest, make_digest
    from qarchive.follow.digest_text import render_digest
    from qarchive.follow.events import EventType, QuestionEvent, read_events
    from qarchive.follow.watch import (
        SavedSearch,
        Watchlist,
        add_watches,
        load_watchlist,
        remove_watches,
    )
    from qarchive.jobs.fetch import FetchReport, fetch_question, fetch_questions, parse_ids
    from qarchive.model.ids import Chamber, QuestionId, parse_question_id
    from qarchive.model.question import Question, Status
    from qarchive.settings import Settings, load_settings
    from qarchive.sources import parse
    from qarchive.store.archive import Archive
    from qarchive.store.versions import SaveOutcome, SaveResult, StoredVersion

# Where each public name lives. Importing qarchive stays cheap (the CLI's --help
# must not pay for pydantic and httpx); a name's module loads when it is used.
_LOCATIONS = {
    "Archive": "store.archive",
    "SaveOutcome": "store.versions",
    "SaveResult": "store.versions",
    "StoredVersion": "store.versions",
    "Digest": "follow.digest",
    "make_digest": "follow.digest",
    "render_digest": "follow.digest_text",
    "EventType": "follow.events",
    "QuestionEvent": "follow.events",
    "read_events": "follow.events",
    "FetchReport": "jobs.fetch",
    "fetch_question": "jobs.fetch",
    "fetch_questions": "jobs.fetch",
    "parse_ids": "jobs.fetch",
    "Chamber": "model.ids",
    "QuestionId": "model.ids",
    "parse_question_id": "model.ids",
    "Question": "model.question",
    "Status": "model.question",
    "Settings": "settings",
    "load_settings": "settings",
    "parse": "sources",
    "SavedSearch": "follow.watch",
    "Watchlist": "follow.watch",
    "add_watches": "follow.watch",
    "load_watchlist": "follow.watch",
    "remove_watches": "follow.watch",
} | {
    name: "errors"
    for name in (
        "ArchiveDamaged", "ArchiveLocked", "ArchiveWriteError", "ErrorPage", "FetchError",
        "HTTPStatusError", "HostNotAllowed", "InvalidQuestionId", "NotArchived", "NotYetPublished", "ParseError",
        "QarchiveError", "ResponseTooLarge", "TransportError", "UnknownFormat", "UsageError",
    )
}  # fmt: skip


def __getattr__(name: str) -> Any:
    module = _LOCATIONS.get(name)
    if module is None:
        raise AttributeError(f"module 'qarchive' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"qarchive.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "Archive",
    "ArchiveDamaged",
    "ArchiveLocked",
    "ArchiveWriteError",
    "Chamber",
    "Digest",
    "ErrorPage",
    "EventType",
    "FetchError",
    "FetchReport",
    "HTTPStatusError",
    "HostNotAllowed",
    "InvalidQuestionId",
    "NotArchived",
    "NotYetPublished",
    "ParseError",
    "QarchiveError",
    "Question",
    "QuestionEvent",
    "QuestionId",
    "ResponseTooLarge",
    "SaveOutcome",
    "SaveResult",
    "SavedSearch",
    "Settings",
    "Status",
    "StoredVersion",
    "TransportError",
    "UnknownFormat",
    "UsageError",
    "Watchlist",
    "__version__",
    "add_watches",
    "fetch_question",
    "fetch_questions",
    "load_settings",
    "load_watchlist",
    "make_digest",
    "parse",
    "parse_ids",
    "parse_question_id",
    "read_events",
    "remove_watches",
    "render_digest",
]
