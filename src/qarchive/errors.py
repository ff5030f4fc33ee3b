"""The one exception tree of qarchive; every error the CLI reports comes from here.

Each class carries the process exit code the CLI uses for it, so the mapping from
failure to exit code is written exactly once::

    QarchiveError                     (1)
    ├── UsageError                    (2)  bad input from the user
    │   └── InvalidQuestionId         (2)  an ID or URL in none of the accepted forms
    ├── FetchError                    (1)  the question could not be retrieved
    │   ├── HostNotAllowed            (1)  a URL or redirect outside the configured hosts
    │   ├── HTTPStatusError           (1)  a 4xx/5xx answer (after retries)
    │   ├── TransportError            (1)  timeout, connection reset, a request past its deadline
    │   │   └── HostUnreachable       (1)  a name that does not resolve, a refused connection
    │   ├── ResponseTooLarge          (1)  a body over the size cap
    │   └── ErrorPage                 (1)  an error or maintenance page served with HTTP 200
    ├── ParseError                    (1)  content that does not give a valid record
    │   ├── UnknownFormat             (1)  a page in no layout we know
    │   └── NotYetPublished           (1)  a placeholder page: the question's text is not out yet
    ├── NotArchived                   (1)  asked to show a question the archive lacks
    ├── ArchiveLocked                 (3)  another qarchive process holds the archive
    ├── ArchiveWriteError             (1)  the archive cannot be written (disk full, read-only)
    └── ArchiveDamaged                (4)  a file in the archive is unreadable or corrupt

Context travels as keyword-only attributes (``url``, ``question_id``, ``path``) so
callers can act on it without parsing messages.
"""

from __future__ import annotations

import errno
from pathlib import Path

__all__ = [
    "ArchiveDamaged",
    "ArchiveLocked",
    "ArchiveWriteError",
    "ErrorPage",
    "FetchError",
    "HTTPStatusError",
    "HostNotAllowed",
    "HostUnreachable",
    "InvalidQuestionId",
    "NotArchived",
    "NotYetPublished",
    "ParseError",
    "QarchiveError",
    "ResponseTooLarge",
    "TransportError",
    "UnknownFormat",
    "UsageError",
]


class QarchiveError(Exception):
    """Base of every error qarchive raises on purpose."""

    exit_code: int = 1

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        question_id: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.url = url
        self.question_id = question_id
        self.path = path

    def __str__(self) -> str:
        return self.message

    @classmethod
    def unexpected(cls, exc: Exception, *, what: str) -> QarchiveError:
        """The error for an exception no check foresaw, kept to the one item it came from.

        A command that handles many questions records it for ``what`` and goes on
        with the others: one hostile page or file must not stop a night's run.

        Example:
            >>> str(ParseError.unexpected(RecursionError("too deep"), what="https://x/q"))
            'https://x/q: unexpected RecursionError (too deep); please report it to qarchive'
        """
        text = str(exc).strip()
        reason = f" ({text.splitlines()[0]})" if text else ""
        return cls(
            f"{what}: unexpected {type(exc).__name__}{reason}; please report it to qarchive",
            url=what if "://" in what else None,
        )


class UsageError(QarchiveError):
    """The user asked for something malformed (bad ID, bad option value)."""

    exit_code = 2


class InvalidQuestionId(UsageError):
    """An ID or URL that matches none of the accepted forms."""


class FetchError(QarchiveError):
    """The question could not be retrieved from its source."""


class HostNotAllowed(FetchError):
    """A request or a redirect aimed at a host outside the configured ones."""


class HTTPStatusError(FetchError):
    """The server answered with an error status, after any retries."""

    def __init__(self, message: str, *, status_code: int, url: str | None = None) -> None:
        super().__init__(message, url=url)
        self.status_code = status_code


class TransportError(FetchError):
    """Timeout, refused or reset connection, after any retries."""


class HostUnreachable(TransportError):
    """The host's name does not resolve, or it refuses connections: not retried."""


class ResponseTooLarge(FetchError):
    """A response body larger than the configured cap."""


class ErrorPage(FetchError):
    """An error, 'not found' or maintenance page served with HTTP 200."""


class ParseError(QarchiveError):
    """The content was fetched but does not yield a valid record."""


class UnknownFormat(ParseError):
    """The content is in none of the layouts qarchive knows."""


class NotYetPublished(ParseError):
    """A page that stands for a question not published yet, so not a version of it.

    The Sénat serves "Le texte de cette question sera publié dès sa parution…"
    before the JO prints a question; a later fetch will find the text.
    """


class NotArchived(QarchiveError):
    """The question (or the version asked for) is not in the archive."""


class ArchiveLocked(QarchiveError):
    """Another qarchive process is writing to the archive."""

    exit_code = 3


class ArchiveWriteError(QarchiveError):
    """A file of the archive cannot be written: disk full, read-only, no permission.

    The write was atomic, so the file is as it was; the run stops, since every
    next write would fail the same way.
    """

    @classmethod
    def from_os_error(
        cls,
        path: Path | str,
        exc: OSError,
        *,
        action: str = "write",
        then: str = "run: qarchive verify",
    ) -> ArchiveWriteError:
        """The error for ``exc``, saying what failed and what to do.

        Example:
            >>> error = OSError(errno.ENOSPC, "No space left on device")
            >>> str(ArchiveWriteError.from_os_error("/a/v0002.json", error))
            'cannot write /a/v0002.json: No space left on device; free some space, then run: qarchive verify'
        """
        reason = exc.strerror or str(exc) or type(exc).__name__
        advice = _WRITE_ADVICE.get(exc.errno or 0, "fix the cause")
        return cls(f"cannot {action} {path}: {reason}; {advice}, then {then}", path=str(path))


_WRITE_ADVICE = {
    errno.ENOSPC: "free some space",
    errno.EDQUOT: "free some space",
    errno.EACCES: "make the archive writable",
    errno.EPERM: "make the archive writable",
    errno.EROFS: "make the archive writable",
}


class ArchiveDamaged(QarchiveError):
    """A file of the archive cannot be read back; run ``qarchive verify``."""

    exit_code = 4
