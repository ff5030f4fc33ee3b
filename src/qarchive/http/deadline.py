"""A deadline for a whole request, kept by the sockets it reads and writes.

httpx bounds each wait for a byte (its read timeout) but not a request as a
whole: a server that sends its status line, its headers or its body one byte a
second keeps a request (and the archive's lock) for as long as it likes. The
network backend here gives every socket operation of a request, connecting
included, at most the time left before that request's deadline, and fails it
with httpcore's own timeout once the deadline has passed; httpx then raises its
``TimeoutException`` as for any timeout.

The deadline of the request running in this thread is set around it by
:func:`request_deadline`; outside of one, sockets keep httpx's timeouts alone.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx
import tenacity

from qarchive.errors import TransportError

__all__ = ["Deadline", "PastDeadline", "deadline_transport", "request_deadline"]

_deadline: ContextVar[float | None] = ContextVar("qarchive_http_deadline", default=None)


@dataclass(frozen=True, slots=True)
class Deadline:
    """When a request (every attempt included) must be over, and the setting that says so."""

    at: float  # on the client's clock
    seconds: float  # from the request's start
    setting: str  # QARCHIVE_DEADLINE or QARCHIVE_DOWNLOAD_DEADLINE

    def passed(self, url: str) -> TransportError:
        """The error of a request still running at its deadline."""
        return TransportError(
            f"gave up on {url} after {self.seconds:g}s: the server sends too slowly "
            f"(see {self.setting})",
            url=url,
        )


class PastDeadline(tenacity.stop.stop_base):
    """Stop retrying when the wait would end past the deadline: it covers every attempt."""

    def __init__(self, deadline: Deadline, clock: Callable[[], float]) -> None:
        self._deadline, self._clock = deadline, clock

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        """True when the next attempt, after its wait, would start at or past the deadline."""
        return self._clock() + retry_state.upcoming_sleep >= self._deadline.at


@contextlib.contextmanager
def request_deadline(at: float) -> Iterator[None]:
    """Let the request made in the block use the network until ``at`` (its clock's time)."""
    token = _deadline.set(at)
    try:
        yield
    finally:
        _deadline.reset(token)


def deadline_transport(clock: Callable[[], float]) -> httpx.HTTPTransport:
    """The transport of httpx, its sockets bound by :func:`request_deadline`.

    httpx does not take a network backend, but the httpcore pool it builds does:
    the pool's backend is wrapped in place (httpx 0.28, httpcore 1.0; the tests of
    a trickling server fail if a later httpx moves it).
    """
    transport = httpx.HTTPTransport()
    pool = transport._pool
    pool._network_backend = _Backend(pool._network_backend, clock)
    return transport


class _Backend(httpcore.NetworkBackend):
    def __init__(self, backend: httpcore.NetworkBackend, clock: Callable[[], float]) -> None:
        self._backend = backend
        self._clock = clock

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        left = _time_left(timeout, self._clock, httpcore.ConnectTimeout)
        stream = self._backend.connect_tcp(host, port, left, local_address, socket_options)
        return _Stream(stream, self._clock)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        left = _time_left(timeout, self._clock, httpcore.ConnectTimeout)
        return _Stream(self._backend.connect_unix_socket(path, left, socket_options), self._clock)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class _Stream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, clock: Callable[[], float]) -> None:
        self._stream = stream
        self._clock = clock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        left = _time_left(timeout, self._clock, httpcore.ReadTimeout)
        return self._stream.read(max_bytes, left)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _time_left(timeout, self._clock, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = _time_left(timeout, self._clock, httpcore.ConnectTimeout)
        return _Stream(self._stream.start_tls(ssl_context, server_hostname, left), self._clock)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


def _time_left(
    timeout: float | None, clock: Callable[[], float], late: type[Exception]
) -> float | None:
    """The timeout of one socket operation: httpx's, or less when the deadline is nearer.

    Raises:
        late: the deadline has passed (an httpcore timeout, which httpx maps).
    """
    at = _deadline.get()
    if at is None:
        return timeout
    left = at - clock()
    if left <= 0:
        raise late("the request's deadline has passed")
    return left if timeout is None else min(timeout, left)
