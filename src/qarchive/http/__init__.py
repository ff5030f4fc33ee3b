"""The one HTTP client: allowed hosts, rate limit, retries, deadlines, size cap, conditional GET.

Every request qarchive makes goes through :class:`Client`. It refuses any host
that is not one of the configured base URLs (redirects included), waits between
requests to the same host, retries 429/5xx/timeouts with exponential backoff that
honours ``Retry-After``, gives up on a request that outlasts its deadline (a server
that trickles a byte a second), caps the body size, and sends ``If-None-Match`` /
``If-Modified-Since`` when the caller has validators for the URL. A host whose name
does not resolve, or that refuses connections, fails at once: retrying it for
minutes only delays the one line that says so. Downloads (bulk files streamed to
disk) get the same policy.

Requests and waits are logged (logger ``qarchive.http``): each request at DEBUG,
each wait of more than :data:`REPORTED_WAIT` seconds at INFO, so that a command on
a terminal can say what it is waiting for.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Protocol
from urllib.parse import urljoin, urlsplit

import httpx
import tenacity

from qarchive.errors import (
    FetchError,
    HostNotAllowed,
    HostUnreachable,
    HTTPStatusError,
    ResponseTooLarge,
    TransportError,
)
from qarchive.http.deadline import Deadline, PastDeadline, deadline_transport, request_deadline
from qarchive.settings import Settings

__all__ = [
    "MAX_REDIRECTS",
    "REPORTED_WAIT",
    "RETRY_STATUSES",
    "Client",
    "Fetched",
    "Validators",
]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5
REPORTED_WAIT = 2.0  # seconds: a shorter wait (the polite rate) is not worth a line
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Validators:
    """What a server said about a resource, for the next conditional GET."""

    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def from_stored(cls, stored: Mapping[str, str | None] | None) -> Validators | None:
        """The validators as the archive keeps them (``{"etag": …, "last_modified": …}``).

        None when nothing is stored: the request is then not conditional.
        """
        if not stored:
            return None
        return cls(etag=stored.get("etag"), last_modified=stored.get("last_modified"))

    def stored(self) -> dict[str, str | None]:
        """The mapping the archive keeps (the inverse of :meth:`from_stored`)."""
        return {"etag": self.etag, "last_modified": self.last_modified}


@dataclass(frozen=True, slots=True)
class Fetched:
    """A response: final URL, status, body and the headers that matter to us.

    For a download, ``content`` is empty: the body is in the file.
    """

    url: str
    status_code: int
    content: bytes
    content_type: str | None
    validators: Validators

    @property
    def not_modified(self) -> bool:
        """True for a 304 answer to a conditional GET."""
        return self.status_code == 304


class _Retryable(Exception):
    """A failed attempt worth retrying; carries what to report if retries run out."""

    def __init__(self, error: FetchError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


class _Sink(Protocol):
    """Where a response's body goes: memory (a page) or a file (a download)."""

    cap: int  # the most bytes it takes (decoded: a compression bomb is caught too)

    def write(self, url: str, chunks: Iterator[bytes]) -> bytes: ...


class Client:
    """HTTP client bound to the configured hosts. Use as a context manager.

    Args:
        settings: base URLs, rate, timeout, deadlines, retries, size cap, User-Agent.
        transport: an ``httpx`` transport, e.g. ``httpx.MockTransport`` in tests.
        sleep: called to wait (rate limit, backoff); injectable for tests.
        clock: monotonic clock used by the rate limit and the deadlines.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._sleep = sleep
        self._clock = clock
        self._last_request: dict[str, float] = {}
        self._http = httpx.Client(
            transport=transport if transport is not None else deadline_transport(clock),
            timeout=httpx.Timeout(settings.timeout),
            follow_redirects=False,  # each hop is checked against the allowed hosts
            headers={"User-Agent": settings.user_agent, "Accept-Language": "fr"},
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def get(self, url: str, *, validators: Validators | None = None) -> Fetched:
        """GET ``url`` politely and return the body; 304 comes back as ``not_modified``.

        Raises:
            HostNotAllowed: the URL, or a redirect, leaves the configured hosts.
            HTTPStatusError: 4xx, or 5xx/429 still failing after the retries.
            HostUnreachable: the host's name does not resolve or it refuses connections.
            TransportError: timeouts, or the deadline, still failing after the retries.
            ResponseTooLarge: the body exceeds ``settings.max_bytes``.
        """
        sink = _Memory(self._settings.max_bytes)
        deadline = self._deadline(self._settings.deadline, "QARCHIVE_DEADLINE")
        return self._with_retries(url, validators, sink, deadline)

    def download(
        self, url: str, dest: Path, *, max_bytes: int, validators: Validators | None = None
    ) -> Fetched:
        """Stream ``url`` into the file ``dest`` (a bulk file too large for memory).

        Same host checks, retries and conditional GET as :meth:`get`, with its own
        size cap and deadline (``settings.download_deadline``). The file is written
        only for a 200 (after a 304 it is left as it was); the bytes are those served.

        Raises:
            FetchError: as :meth:`get`.
        """
        sink = _File(dest, max_bytes)
        deadline = self._deadline(self._settings.download_deadline, "QARCHIVE_DOWNLOAD_DEADLINE")
        return self._with_retries(url, validators, sink, deadline)

    def _deadline(self, seconds: float, setting: str) -> Deadline:
        return Deadline(self._clock() + seconds, seconds, setting)

    def _with_retries(
        self, url: str, validators: Validators | None, sink: _Sink, deadline: Deadline
    ) -> Fetched:
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self._settings.max_retries + 1)
            | PastDeadline(deadline, self._clock),
            wait=self._wait,
            retry=tenacity.retry_if_exception_type(_Retryable),
            before_sleep=_report_wait,
            sleep=self._sleep,
            reraise=True,
        )
        attempts = 0
        try:
            for attempt in retrying:
                with attempt:
                    attempts += 1
                    return self._follow_redirects(url, validators, sink, deadline)
        except _Retryable as exc:
            suffix = f" (after {attempts} attempts)" if attempts > 1 else ""
            exc.error.message += suffix
            exc.error.args = (exc.error.message,)
            raise exc.error from None
        raise AssertionError("unreachable: tenacity either returns or raises")

    def _wait(self, state: tenacity.RetryCallState) -> float:
        backoff = self._settings.retry_backoff * 2 ** (state.attempt_number - 1)
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            backoff = max(backoff, exc.retry_after)
        return float(min(backoff, self._settings.max_retry_wait))

    def _follow_redirects(
        self, url: str, validators: Validators | None, sink: _Sink, deadline: Deadline
    ) -> Fetched:
        for _ in range(MAX_REDIRECTS + 1):
            self._check_host(url)
            response = self._request(url, validators, sink, deadline)
            location = response.headers.get("location")
            if response.is_redirect and location:
                url = urljoin(url, location)
                continue
            return self._finish(url, response)
        raise FetchError(f"too many redirects (more than {MAX_REDIRECTS}) from {url}", url=url)

    def _check_host(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc.lower() not in (
            self._settings.allowed_hosts
        ):
            raise HostNotAllowed(
                f"refusing to fetch {url}: its host is not one of the configured "
                f"QARCHIVE_*_URL hosts ({', '.join(sorted(self._settings.allowed_hosts))})",
                url=url,
            )

    def _throttle(self, host: str) -> None:
        if self._settings.rate <= 0:
            return
        interval = 1.0 / self._settings.rate
        last = self._last_request.get(host)
        if last is not None:
            wait = last + interval - self._clock()
            if wait > 0:
                if wait > REPORTED_WAIT:
                    _log.info("waiting %.0f s before the next request to %s", wait, host)
                self._sleep(wait)
        self._last_request[host] = self._clock()

    def _request(
        self, url: str, validators: Validators | None, sink: _Sink, deadline: Deadline
    ) -> _Response:
        headers = {}
        if validators is not None:
            if validators.etag:
                headers["If-None-Match"] = validators.etag
            if validators.last_modified:
                headers["If-Modified-Since"] = validators.last_modified
        host = urlsplit(url).netloc.lower()
        self._throttle(host)
        started = self._clock()
        try:
            with (
                request_deadline(deadline.at),
                self._http.stream("GET", url, headers=headers) as response,
            ):
                body = b""
                if 200 <= response.status_code < 300:
                    _check_declared_size(url, response, sink)
                    chunks = self._timed(url, response, deadline)
                    body = sink.write(url, chunks)
                elif not response.has_redirect_location:
                    # Read (and drop) what else came: a 304 or an error page left
                    # unread would close the connection, and the next request open one.
                    for _ in self._timed(url, response, deadline):
                        pass
                elapsed = self._clock() - started
                _log.debug("GET %s: %s in %.2f s", url, response.status_code, elapsed)
                return _Response(
                    response.status_code, response.reason_phrase, response.headers, body
                )
        except httpx.TimeoutException:
            if self._clock() >= deadline.at:
                raise _Retryable(deadline.passed(url)) from None
            raise _Retryable(
                TransportError(
                    f"timed out after {self._settings.timeout:g}s fetching {url}", url=url
                )
            ) from None
        except httpx.ConnectError as exc:
            raise HostUnreachable(_unreachable(host, exc), url=url) from None
        except (httpx.TransportError, httpx.DecodingError) as exc:
            reason = str(exc) or type(exc).__name__
            raise _Retryable(TransportError(f"could not fetch {url}: {reason}", url=url)) from None

    def _timed(self, url: str, response: httpx.Response, deadline: Deadline) -> Iterator[bytes]:
        # The sockets keep the deadline (qarchive.http.deadline); this keeps it over a
        # transport without sockets too (httpx.MockTransport in tests).
        # Decoded bytes: a zip sent with a transfer encoding is saved as the zip.
        for chunk in response.iter_bytes():
            if self._clock() > deadline.at:
                raise _Retryable(deadline.passed(url))
            yield chunk

    def _finish(self, url: str, response: _Response) -> Fetched:
        status = response.status_code
        if status in RETRY_STATUSES:
            raise _Retryable(
                HTTPStatusError(
                    f"HTTP {status} {response.reason} from {url}", status_code=status, url=url
                ),
                retry_after=_parse_retry_after(response.headers.get("retry-after")),
            )
        if status >= 400 or (status >= 300 and status != 304):
            raise HTTPStatusError(
                f"HTTP {status} {response.reason} from {url}", status_code=status, url=url
            )
        return Fetched(
            url=url,
            status_code=status,
            content=response.content,
            content_type=response.headers.get("content-type"),
            validators=Validators(
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
            ),
        )


class _Memory:
    """A page's body, kept in memory up to ``cap`` bytes."""

    def __init__(self, cap: int) -> None:
        self.cap = cap

    def write(self, url: str, chunks: Iterator[bytes]) -> bytes:
        return b"".join(_capped(url, chunks, self.cap))


class _File:
    """A download's body, streamed to the file ``dest`` up to ``cap`` bytes."""

    def __init__(self, dest: Path, cap: int) -> None:
        self.dest, self.cap = dest, cap

    def write(self, url: str, chunks: Iterator[bytes]) -> bytes:
        with open(self.dest, "wb") as handle:
            for chunk in _capped(url, chunks, self.cap):
                handle.write(chunk)
        return b""


def _capped(url: str, chunks: Iterator[bytes], cap: int) -> Iterator[bytes]:
    """The chunks, refused (:class:`ResponseTooLarge`) before the one that passes ``cap`` bytes."""
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > cap:
            raise ResponseTooLarge(f"{url} is over the {cap}-byte cap", url=url)
        yield chunk


def _report_wait(state: tenacity.RetryCallState) -> None:
    wait = state.next_action.sleep if state.next_action is not None else 0.0
    outcome = state.outcome
    exc = outcome.exception() if outcome is not None else None
    if wait > REPORTED_WAIT and isinstance(exc, _Retryable):
        _log.info("waiting %.0f s before trying again: %s", wait, exc.error)


def _check_declared_size(url: str, response: httpx.Response, sink: _Sink) -> None:
    cap = sink.cap
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise ResponseTooLarge(f"{url} is {int(declared)} bytes, over the {cap}-byte cap", url=url)


def _unreachable(host: str, exc: httpx.ConnectError) -> str:
    reason = str(exc) or type(exc).__name__
    if (
        "Name or service not known" in reason
        or "nodename nor servname" in reason
        or ("Temporary failure in name resolution" in reason)
    ):
        why = "its name does not resolve (no network, or a mistyped QARCHIVE_*_URL?)"
    elif "refused" in reason.lower():
        why = "it refused the connection"
    else:
        why = f"the connection failed: {reason}"
    return f"cannot reach {host}: {why}"


@dataclass(frozen=True, slots=True)
class _Response:
    status_code: int
    reason: str
    headers: Mapping[str, str]
    content: bytes

    @property
    def is_redirect(self) -> bool:
        return self.status_code in (301, 302, 303, 307, 308)


def _parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)
