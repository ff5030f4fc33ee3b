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

from qarchive._version import __version__
from qarchive.archive import Archive, SaveOutcome, SaveResult, StoredVersion
from qarchive.errors import (
    ArchiveDamaged,
    ArchiveLocked,
    ErrorPage,
    FetchError,
    HostNotAllowed,
    HTTPStatusError,
    InvalidQuestionId,
    NotArchived,
    ParseError,
    QarchiveError,
    ResponseTooLarge,
    TransportError,
    UnknownFormat,
    UsageError,
)
from qarchive.fetching import FetchReport, fetch_question, fetch_questions, parse_ids
from qarchive.ids import Chamber, QuestionId, parse_question_id
from qarchive.models import Question, Status
from qarchive.settings import Settings, load_settings
from qarchive.sources import parse

__all__ = [
    "Archive",
    "ArchiveDamaged",
    "ArchiveLocked",
    "Chamber",
    "ErrorPage",
    "FetchError",
    "FetchReport",
    "HTTPStatusError",
    "HostNotAllowed",
    "InvalidQuestionId",
    "NotArchived",
    "ParseError",
    "QarchiveError",
    "Question",
    "QuestionId",
    "ResponseTooLarge",
    "SaveOutcome",
    "SaveResult",
    "Settings",
    "Status",
    "StoredVersion",
    "TransportError",
    "UnknownFormat",
    "UsageError",
    "__version__",
    "fetch_question",
    "fetch_questions",
    "load_settings",
    "parse",
    "parse_ids",
    "parse_question_id",
]
