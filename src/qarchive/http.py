"""The one HTTP client: allowed hosts, rate limit, retries, size cap, conditional GET.

Every request qarchive makes goes through :class:`Client`. It refuses any host
that is not one of the configured base URLs (redirects included), waits between
requests to the same host, retries 429/5xx/timeouts with exponential backoff that
honours ``Retry-After``, caps the body size, and sends ``If-None-Match`` /
``If-Modified-Since`` when the archive remembers validators for the URL.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpx
import tenacity

from qarchive.errors import (
    FetchError,
    HostNotAllowed,
    HTTPStatusError,
    ResponseTooLarge,
    TransportError,
)
from qarchive.settings import Settings

__all__ = ["MAX_REDIRECTS", "RETRY_STATUSES", "Client", "Fetched", "Validators"]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5


@dataclass(frozen=True, slots=True)
class Validators:
    """What a server said about a resource, for the next conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Fetched:
    """A response: final URL, status, body and the headers that matter to us."""

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


class Client:
    """HTTP client bound to the configured hosts. Use as a context manager.

    Args:
        settings: base URLs, rate, timeout, retries, size cap, User-Agent.
        transport: an ``httpx`` transport, e.g. ``httpx.MockTransport`` in tests.
        sleep: called to wait (rate limit, backoff); injectable for tests.
        clock: monotonic clock used by the rate limit.
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
            transport=transport,
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
            TransportError: timeouts or connection failures after the retries.
            ResponseTooLarge: the body exceeds ``settings.max_bytes``.
        """
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self._settings.max_retries + 1),
            wait=self._wait,
            retry=tenacity.retry_if_exception_type(_Retryable),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._get_following_redirects(url, validators)
        except _Retryable as exc:
            attempts = self._settings.max_retries + 1
            suffix = f" (after {attempts} attempts)" if attempts > 1 else ""
            exc.error.message += suffix
            exc.error.args = (exc.error.message,)
            raise exc.error from None
        raise AssertionError("unreachable: tenacity either returns or raises")

    def download(self, url: str, dest: Path, *, max_bytes: int) -> None:
        """Stream ``url`` into the file ``dest`` (a bulk file too large for memory).

        Same host checks and retries as :meth:`get`, with its own size cap.

        Raises:
            FetchError: as :meth:`get`.
        """
        for _ in range(MAX_REDIRECTS + 1):
            self._check_host(url)
            self._throttle(urlsplit(url).netloc.lower())
            try:
                with self._http.stream("GET", url) as response:
                    location = response.headers.get("location")
                    if response.is_redirect and location:
                        url = urljoin(url, location)
                        continue
                    if response.status_code >= 400:
                        raise HTTPStatusError(
                            f"HTTP {response.status_code} {response.reason_phrase} from {url}",
                            status_code=response.status_code,
                            url=url,
                        )
                    self._stream_to(url, response, dest, max_bytes)
                    return
            except httpx.TimeoutException:
                raise TransportError(f"timed out fetching {url}", url=url) from None
            except httpx.TransportError as exc:
                raise TransportError(f"could not fetch {url}: {exc}", url=url) from None
        raise FetchError(f"too many redirects (more than {MAX_REDIRECTS}) from {url}", url=url)

    def _stream_to(self, url: str, response: httpx.Response, dest: Path, max_bytes: int) -> None:
        size = 0
        with open(dest, "wb") as handle:
            for chunk in response.iter_raw():  # the file as served: a zip stays a zip
                size += len(chunk)
                if size > max_bytes:
                    raise ResponseTooLarge(f"{url} is over the {max_bytes}-byte cap", url=url)
                handle.write(chunk)

    def _wait(self, state: tenacity.RetryCallState) -> float:
        backoff = self._settings.retry_backoff * 2 ** (state.attempt_number - 1)
        outcome = state.outcome
        exc = outcome.exception() if outcome is not None else None
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            backoff = max(backoff, exc.retry_after)
        return float(min(backoff, self._settings.max_retry_wait))

    def _get_following_redirects(self, url: str, validators: Validators | None) -> Fetched:
        for _ in range(MAX_REDIRECTS + 1):
            self._check_host(url)
            response = self._request(url, validators)
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
                self._sleep(wait)
        self._last_request[host] = self._clock()

    def _request(self, url: str, validators: Validators | None) -> _Response:
        headers = {}
        if validators is not None:
            if validators.etag:
                headers["If-None-Match"] = validators.etag
            if validators.last_modified:
                headers["If-Modified-Since"] = validators.last_modified
        self._throttle(urlsplit(url).netloc.lower())
        try:
            with self._http.stream("GET", url, headers=headers) as response:
                # Not ``is_redirect``, true of every 3xx: a 304 left unread would close
                # the connection, and every conditional GET would open a new one.
                redirect = response.has_redirect_location
                body = b"" if redirect else self._read_capped(url, response)
                return _Response(
                    response.status_code, response.reason_phrase, response.headers, body
                )
        except httpx.TimeoutException:
            raise _Retryable(
                TransportError(
                    f"timed out after {self._settings.timeout:g}s fetching {url}", url=url
                )
            ) from None
        except (httpx.TransportError, httpx.DecodingError) as exc:
            reason = str(exc) or type(exc).__name__
            raise _Retryable(TransportError(f"could not fetch {url}: {reason}", url=url)) from None

    def _read_capped(self, url: str, response: httpx.Response) -> bytes:
        cap = self._settings.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise ResponseTooLarge(
                f"{url} is {int(declared)} bytes, over the {cap}-byte cap", url=url
            )
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > cap:  # also catches compression bombs: the cap counts decoded bytes
                raise ResponseTooLarge(f"{url} is over the {cap}-byte cap", url=url)
            chunks.append(chunk)
        return b"".join(chunks)

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
