"""Server and filesystem faults, through the real CLI against the local servers.

Each test archives the seed question first (``v0001``), then makes every source
of it misbehave and fetches again. Whatever goes wrong, the user gets one line
on stderr and the documented exit code, the failure is recorded in
``state.json``, and what was archived stays byte for byte as it was.
"""

from __future__ import annotations

import email.utils
import errno
import gzip
import json
import os
import re
import socket
import stat
import struct
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from werkzeug import Request, Response

import qarchive.store.batch
import qarchive.store.files
import qarchive.store.layout
import qarchive.store.packs
from conftest import SITES
from qarchive.model.ids import parse_question_id
from qarchive.model.question import carry_known_values
from qarchive.sources import parse
from test_cli import ANSWERED_JSON, DYN_PATH, HTM_PATH, JSON_PATH, SEED, archive, run

SEED_JSON = (SITES / "www.assemblee-nationale.fr" / JSON_PATH.lstrip("/")).read_bytes()
SEED_DYN = (SITES / "www.assemblee-nationale.fr" / DYN_PATH.lstrip("/")).read_bytes()
FAILED_SUMMARY = re.compile(r"1 question in [\d.]+s: 0 new, 0 updated, 0 unchanged, 1 failed")
UNKNOWN = "not a question in any known Assemblée nationale format"
CAP = 100_000  # QARCHIVE_MAX_BYTES in the size tests

Respond = Callable[[Any], None]  # given a pytest-httpserver RequestHandler, sets its answer


# -- helpers -------------------------------------------------------------------------


@pytest.fixture
def seeded(sites) -> bytes:
    """Archive the seed question once; return its ``v0001.json`` bytes."""
    first = run("fetch", "15-12526QE")
    assert first.exit_code == 0, first.stderr
    assert archive().versions(SEED) == [1]
    return v0001().read_bytes()


@pytest.fixture
def quick(monkeypatch) -> None:
    """One retry, a 0.3 s timeout: failures come back fast."""
    monkeypatch.setenv("QARCHIVE_MAX_RETRIES", "1")
    monkeypatch.setenv("QARCHIVE_TIMEOUT", "0.3")


def v0001() -> Path:
    return archive().question_dir(SEED) / "v0001.json"


def source_urls(sites) -> tuple[str, str, str]:
    """The seed's sources, richest first: open-data JSON, /dyn page, legacy .htm."""
    return (
        sites.an.base_url + JSON_PATH,
        sites.an.base_url + DYN_PATH,
        sites.an_questions.base_url + HTM_PATH,
    )


def sources(sites) -> list[tuple[Any, str]]:
    return [(sites.an, JSON_PATH), (sites.an, DYN_PATH), (sites.an_questions, HTM_PATH)]


def break_every_source(sites, respond: Respond) -> None:
    """Serve ``respond`` at each of the seed's sources, and nothing else."""
    sites.an.server.clear()
    sites.an_questions.server.clear()
    for site, path in sources(sites):
        respond(site.server.expect_request(path))


def requests_seen(sites) -> dict[str, int]:
    """How many requests each source received since the servers were cleared."""
    paths = [req.path for site in (sites.an, sites.an_questions) for req, _ in site.server.log]
    return {path: paths.count(path) for path in (JSON_PATH, DYN_PATH, HTM_PATH)}


def assert_fetch_fails(message: str, before: bytes) -> None:
    """Fetch the seed again: exit 1, the one error line, v0001 intact, state.json updated."""
    result = run("fetch", "15-12526QE")
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"Error: 15-12526QE: {message}"
    assert len(lines) == 2 and FAILED_SUMMARY.fullmatch(lines[1]), result.stderr
    assert_untouched(before)
    state = archive().read_state(SEED)
    assert state.last_error is not None
    assert state.last_error.message == message
    assert state.consecutive_failures == 1


def assert_untouched(before: bytes) -> None:
    """v0001 byte for byte as it was, no other version, raw capture or temporary file."""
    assert archive().versions(SEED) == [1]
    assert v0001().read_bytes() == before
    directory = archive().question_dir(SEED)
    files = sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())
    assert files == sorted(["state.json", "v0001.json", *archive().read_version(SEED, 1).raw])
    assert list(archive().root.rglob(".tmp-*")) == []


# -- HTTP error statuses -------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 410])
def test_gone_from_every_source(sites, seeded, status):
    break_every_source(sites, lambda h: h.respond_with_data("gone", status=status))
    json_url, dyn_url, htm_url = source_urls(sites)
    assert_fetch_fails(
        f"15-12526QE was not found at any source (HTTP {status} from each of "
        f"{json_url}, {dyn_url}, {htm_url})",
        seeded,
    )
    assert requests_seen(sites) == {JSON_PATH: 1, DYN_PATH: 1, HTM_PATH: 1}  # never retried


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (500, "INTERNAL SERVER ERROR"),
        (502, "BAD GATEWAY"),
        (503, "SERVICE UNAVAILABLE"),
        (504, "GATEWAY TIMEOUT"),
        (429, "TOO MANY REQUESTS"),
    ],
)
def test_persistent_server_errors_are_retried_then_reported(
    sites, seeded, monkeypatch, status, reason
):
    monkeypatch.setenv("QARCHIVE_MAX_RETRIES", "2")
    break_every_source(sites, lambda h: h.respond_with_data("down", status=status))
    json_url = source_urls(sites)[0]
    assert_fetch_fails(f"HTTP {status} {reason} from {json_url} (after 3 attempts)", seeded)
    assert requests_seen(sites) == {JSON_PATH: 3, DYN_PATH: 3, HTM_PATH: 3}


def _in_seconds() -> tuple[str, float]:
    return "1", time.time() + 1


def _as_http_date() -> tuple[str, float]:
    # One-second resolution: 1.5 s ahead rounds down to 0.5-1.5 s ahead.
    value = email.utils.formatdate(time.time() + 1.5, usegmt=True)
    return value, email.utils.parsedate_to_datetime(value).timestamp()


@pytest.mark.parametrize("retry_after", [_in_seconds, _as_http_date], ids=["seconds", "http-date"])
def test_429_then_success_waits_as_told(sites, seeded, retry_after):
    not_before: dict[str, float] = {}
    retried_at: dict[str, float] = {}

    def too_many(request: Request) -> Response:
        value, not_before[request.path] = retry_after()
        return Response("slow down", status=429, headers={"Retry-After": value})

    def then_serve(site: Any) -> Callable[[Request], Response]:
        def serve(request: Request) -> Response:
            retried_at[request.path] = time.time()
            response: Response = site._serve(request)
            return response

        return serve

    for site, path in sources(sites):  # one-shot handlers, in turn, before the files
        site.server.expect_oneshot_request(path).respond_with_handler(too_many)
        site.server.expect_oneshot_request(path).respond_with_handler(then_serve(site))
    result = run("fetch", "15-12526QE")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "15-12526QE       unchanged v1\n"
    # The open data answers the conditional GET with 304: no other source is needed.
    assert list(not_before) == list(retried_at) == [JSON_PATH]
    assert retried_at[JSON_PATH] >= not_before[JSON_PATH] - 0.01
    assert v0001().read_bytes() == seeded
    state = archive().read_state(SEED)
    assert state.last_error is None and state.consecutive_failures == 0


# -- transport faults ----------------------------------------------------------------


def test_timeout(sites, seeded, quick):
    def slow(request: Request) -> Response:
        time.sleep(0.5)
        return Response("late")

    break_every_source(sites, lambda h: h.respond_with_handler(slow))
    json_url = source_urls(sites)[0]
    assert_fetch_fails(f"timed out after 0.3s fetching {json_url} (after 2 attempts)", seeded)


class RawServer:
    """A bare TCP server on loopback: reads each request's head, then calls ``reply(conn)``.

    For what a well-behaved HTTP server cannot be made to do: reset the
    connection, or promise more bytes than it sends.
    """

    def __init__(self, reply: Callable[[socket.socket], None]) -> None:
        self.reply = reply
        self.requests = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2)
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    head += chunk
                self.requests += 1
                self.reply(conn)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._listener.close()


def _close_without_answer(conn: socket.socket) -> None:
    conn.shutdown(socket.SHUT_RDWR)


def _reset(conn: socket.socket) -> None:
    # SO_LINGER on, zero timeout: close() sends RST instead of FIN.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _cut_short(conn: socket.socket) -> None:
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(SEED_JSON)}\r\n\r\n"
    )
    conn.sendall(head.encode() + SEED_JSON[:1000])


def _declares_50_mb(conn: socket.socket) -> None:
    head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 52428800\r\n\r\n"
    conn.sendall(head.encode() + b"<html>" + b" " * 1000)


@pytest.mark.parametrize(
    ("reply", "message", "attempts"),
    [
        (
            _close_without_answer,
            "could not fetch {url}: Server disconnected without sending a response. "
            "(after 2 attempts)",
            2,
        ),
        (
            _reset,
            "could not fetch {url}: [Errno 104] Connection reset by peer (after 2 attempts)",
            2,
        ),
        (
            _cut_short,
            "could not fetch {url}: peer closed connection without sending complete message "
            f"body (received 1000 bytes, expected {len(SEED_JSON)}) (after 2 attempts)",
            2,
        ),
        (_declares_50_mb, "{url} is 52428800 bytes, over the 100000-byte cap", 1),
    ],
    ids=["closed-without-answer", "connection-reset", "body-cut-short", "declares-50-MB"],
)
def test_broken_connections(sites, seeded, quick, monkeypatch, reply, message, attempts):
    monkeypatch.setenv("QARCHIVE_MAX_BYTES", str(CAP))
    server = RawServer(reply)
    try:
        monkeypatch.setenv("QARCHIVE_AN_URL", server.base_url)
        monkeypatch.setenv("QARCHIVE_AN_QUESTIONS_URL", server.base_url)
        assert_fetch_fails(message.format(url=server.base_url + JSON_PATH), seeded)
        assert server.requests == 3 * attempts
    finally:
        server.close()


def test_connection_refused(sites, seeded, quick, monkeypatch):
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        closed = f"http://127.0.0.1:{placeholder.getsockname()[1]}"
    monkeypatch.setenv("QARCHIVE_AN_URL", closed)
    monkeypatch.setenv("QARCHIVE_AN_QUESTIONS_URL", closed)
    # Refused is not retried like a 503: one attempt per source, one line.
    assert_fetch_fails(f"cannot reach {closed[7:]}: it refused the connection", seeded)


def test_a_name_that_does_not_resolve_fails_at_once(sites, seeded, monkeypatch):
    real = socket.getaddrinfo
    lookups: list[str] = []

    def no_dns(host: str, *args: Any, **kwargs: Any) -> Any:
        if host.endswith(".invalid"):
            lookups.append(host)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    monkeypatch.setenv("QARCHIVE_AN_URL", "http://an.invalid")
    monkeypatch.setenv("QARCHIVE_AN_QUESTIONS_URL", "http://questions.invalid")
    started = time.monotonic()
    assert_fetch_fails(
        "cannot reach an.invalid: its name does not resolve (no network, or a mistyped "
        "QARCHIVE_*_URL?)",
        seeded,
    )
    assert time.monotonic() - started < 10  # no retries, no backoff (it was 46 s)
    assert lookups == ["an.invalid", "an.invalid", "questions.invalid"]  # once per source


# -- bodies over the size cap ---------------------------------------------------------


def _streamed(request: Request) -> Response:
    # A generator: the single-threaded test server sends no Content-Length.
    return Response((b"x" * 10_000 for _ in range(20)), content_type="text/html")


def _gzip_bomb(request: Request) -> Response:
    body = gzip.compress(b" " * 200_000)
    return Response(body, content_type="text/html", headers={"Content-Encoding": "gzip"})


@pytest.mark.parametrize(
    ("respond", "message"),
    [
        (
            lambda h: h.respond_with_data(b"x" * 200_000, content_type="text/html"),
            "{url} is 200000 bytes, over the 100000-byte cap",
        ),
        (lambda h: h.respond_with_handler(_streamed), "{url} is over the 100000-byte cap"),
        (lambda h: h.respond_with_handler(_gzip_bomb), "{url} is over the 100000-byte cap"),
    ],
    ids=["declared-200-kB", "streamed-200-kB", "gzip-bomb"],
)
def test_bodies_over_the_cap(sites, seeded, monkeypatch, respond, message):
    monkeypatch.setenv("QARCHIVE_MAX_BYTES", str(CAP))
    break_every_source(sites, respond)
    assert_fetch_fails(message.format(url=source_urls(sites)[0]), seeded)
    assert requests_seen(sites) == {JSON_PATH: 1, DYN_PATH: 1, HTM_PATH: 1}  # never retried


# -- pages served with HTTP 200 that are not the question ----------------------------

ERROR_PAGES = {
    "varnish-503": (
        b"<!DOCTYPE html><html><head><title>Error 503 Service Unavailable</title></head>"
        b"<body><h1>Error 503 Service Unavailable</h1><p>Service Unavailable</p>"
        b"<h3>Guru Meditation:</h3><p>XID: 402751953</p><hr><p>Varnish cache server</p>"
        b"</body></html>",
        "error 503 service unavailable",
    ),
    "iis-not-found": (
        b'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN"><HTML><HEAD>'
        b"<TITLE>The page cannot be found</TITLE></HEAD><BODY><P>The page you are looking "
        b"for might have been removed, had its name changed, or is temporarily unavailable."
        b"</P></BODY></HTML>",
        "the page cannot be found",
    ),
    "nginx-404": (
        b"<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n"
        b"<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n"
        b"</body>\r\n</html>\r\n",
        "<title>404",
    ),
    "maintenance": (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        "<title>Assemblée nationale</title></head><body><h1>Le site est actuellement en "
        "maintenance</h1><p>Merci de votre compréhension.</p></body></html>".encode(),
        "site est actuellement en maintenance",
    ),
}


@pytest.mark.parametrize("name", ERROR_PAGES)
def test_error_pages_served_with_200(sites, seeded, name):
    page, signature = ERROR_PAGES[name]
    break_every_source(sites, lambda h: h.respond_with_data(page, content_type="text/html"))
    json_url = source_urls(sites)[0]
    assert_fetch_fails(f"{json_url} returned an error page ({signature!r}) with status 200", seeded)


LOGIN_PAGE = (
    b'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Connexion</title>'
    b'</head><body><form method="post" action="/connexion"><label>Identifiant '
    b'<input name="login"></label><label>Mot de passe <input type="password" '
    b'name="password"></label><div class="captcha"><img src="/captcha.png" alt="captcha">'
    b'<input name="captcha"></div><button>Se connecter</button></form></body></html>'
)
NEWS_PAGE = (
    '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Actualités</title>'
    "</head><body><main><h1>Actualités de l’Assemblée</h1><article><h2>Séance publique</h2>"
    "<p>Ordre du jour de la semaine.</p></article></main></body></html>"
).encode()


@pytest.mark.parametrize("page", [LOGIN_PAGE, NEWS_PAGE], ids=["login-captcha", "unknown-layout"])
def test_pages_in_no_known_layout(sites, seeded, page):
    break_every_source(sites, lambda h: h.respond_with_data(page, content_type="text/html"))
    json_url = source_urls(sites)[0]
    assert_fetch_fails(f"unrecognised page layout at {json_url}: {UNKNOWN}", seeded)


@pytest.mark.parametrize("charset", ["iso-8859-1", "windows-1252"])
def test_a_latin1_page_reads_like_the_utf8_one(sites, seeded, charset):
    text = SEED_DYN.decode("utf-8")
    assert text.count('charset="utf-8"') == 1 and text.count("charset=utf-8") == 1
    text = text.replace('charset="utf-8"', f'charset="{charset}"')
    text = text.replace("charset=utf-8", f"charset={charset}")
    page = text.encode(charset, errors="xmlcharrefreplace")  # ’ becomes &#8217; in ISO-8859-1
    assert "é".encode(charset) in page
    sites.an.server.clear()
    sites.an_questions.server.clear()
    sites.an.server.expect_request(JSON_PATH).respond_with_data("gone", status=404)
    sites.an.server.expect_request(DYN_PATH).respond_with_data(
        page, content_type=f"text/html; charset={charset}"
    )
    sites.an_questions.server.expect_request(HTM_PATH).respond_with_data("gone", status=404)
    result = run("fetch", "15-12526QE")
    assert result.exit_code == 0, result.stderr
    assert archive().versions(SEED) == [1, 2]  # the source changed: JSON gone, /dyn page
    assert v0001().read_bytes() == seeded
    stored = archive().read_version(SEED)
    dyn_url = source_urls(sites)[1]
    # The UTF-8 page, parsed, plus what the open-data version knew and the page lacks.
    first = archive().read_version(SEED, 1).record
    assert stored.record == carry_known_values(parse(SEED_DYN, url=dyn_url), first)
    assert archive().read_raw(SEED, stored.raw[0]) == page  # the capture is kept as served
    assert stored.record.text == archive().read_version(SEED, 1).record.text
    assert stored.record.text is not None and "ministre d’État" in stored.record.text


# -- redirects -----------------------------------------------------------------------


def test_redirect_loop(sites, seeded):
    sites.an.server.clear()
    sites.an_questions.server.clear()
    for site, path in sources(sites):
        site.server.expect_request(path).respond_with_data(
            "", status=302, headers={"Location": path}
        )
    json_url = source_urls(sites)[0]
    assert_fetch_fails(f"too many redirects (more than 5) from {json_url}", seeded)
    assert requests_seen(sites) == {JSON_PATH: 6, DYN_PATH: 6, HTM_PATH: 6}


@pytest.mark.parametrize(
    "target", ["http://example.org", "https://www.assemblee-nationale.fr"], ids=["other", "real"]
)
def test_redirect_to_another_host_is_refused(sites, seeded, monkeypatch, target):
    connected: list[Any] = []
    guarded = socket.socket.connect

    def record(self: socket.socket, address: Any) -> Any:
        connected.append(address)
        return guarded(self, address)  # the autouse guard fails anything off loopback

    monkeypatch.setattr(socket.socket, "connect", record)
    sites.an.server.clear()
    sites.an_questions.server.clear()
    for site, path in sources(sites):
        site.server.expect_request(path).respond_with_data(
            "", status=302, headers={"Location": target + path}
        )
    hosts = ", ".join(
        sorted(site.base_url.removeprefix("http://") for site in sites.by_var.values())
    )
    assert_fetch_fails(
        f"refusing to fetch {target}{JSON_PATH}: its host is not one of the configured "
        f"QARCHIVE_*_URL hosts ({hosts})",
        seeded,
    )
    assert connected and all(address[0] == "127.0.0.1" for address in connected)


# -- the filesystem ------------------------------------------------------------------


class _FailingFile:
    """What ``open`` returns on a full disk: writes fail."""

    def __init__(self, handle: Any, error: OSError) -> None:
        self._handle, self._error = handle, error

    def __enter__(self) -> _FailingFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._handle.close()

    def write(self, data: bytes) -> int:
        raise self._error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)


def _os_error(code: int) -> OSError:
    return OSError(code, os.strerror(code))


_WRITERS = (qarchive.store.files, qarchive.store.batch, qarchive.store.packs)


def _fail_writes(monkeypatch, code: int, *, when: Callable[[Path], bool], at: str) -> None:
    """Make the archive's file writes fail with ``code``, at ``open`` or at ``write``."""
    real_open = open

    def failing_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if "w" not in mode or not when(Path(file)):
            return real_open(file, mode, *args, **kwargs)
        if at == "open":
            raise _os_error(code)
        return _FailingFile(real_open(file, mode, *args, **kwargs), _os_error(code))

    for module in _WRITERS:  # single files, and the group commits of bulk imports
        monkeypatch.setattr(module, "open", failing_open, raising=False)


def test_disk_full_while_writing_a_version(sites, seeded, monkeypatch):
    sites.an.pages[JSON_PATH] = ANSWERED_JSON.read_bytes()  # the question was answered
    directory = archive().question_dir(SEED)
    state = (directory / "state.json").read_bytes()
    # The raw captures fit; the version file, written last, does not.
    _fail_writes(
        monkeypatch, errno.ENOSPC, when=lambda p: p.name.startswith(".tmp-v0002.json"), at="write"
    )
    result = run("fetch", "15-12526QE")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: cannot write {directory}/v0002.json: No space left on device; "
        "free some space, then run: qarchive verify\n"
    )
    assert archive().versions(SEED) == [1]
    assert v0001().read_bytes() == seeded
    assert (directory / "state.json").read_bytes() == state
    assert list(archive().root.rglob(".tmp-*")) == []
    kept = {directory / name for name in archive().read_version(SEED, 1).raw}
    orphans = sorted(set((directory / "raw").iterdir()) - kept)
    # The capture written before the version file: the open data's JSON (the names
    # come from v1, so no page is fetched for them).
    assert [orphan.name.endswith(".json.gz") for orphan in orphans] == [True]

    for module in _WRITERS:  # space freed; the advice followed
        monkeypatch.delattr(module, "open")
    check = run("verify")
    assert check.exit_code == 4
    for orphan in orphans:
        line = (
            f"Error: {orphan}: raw capture of no version (a write interrupted before its version)"
        )
        assert line in check.stderr.splitlines()
    assert run("verify", "--repair").exit_code == 0
    assert sorted((directory / "raw").iterdir()) == sorted(kept)
    again = run("fetch", "15-12526QE")
    assert again.exit_code == 0, again.stderr
    assert again.stdout.startswith("15-12526QE       updated   v2  (")
    assert archive().read_version(SEED, 1).path.read_bytes() == seeded
    assert run("verify").exit_code == 0


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.EROFS, "Read-only file system"),
        (errno.EACCES, "Permission denied"),
        (errno.ENOSPC, "No space left on device"),
    ],
)
def test_archive_not_writable(sites, seeded, monkeypatch, code, reason):
    directory = archive().question_dir(SEED)
    # This check has more than its times to record: the ETag, which state.json lost.
    forgotten = json.loads((directory / "state.json").read_bytes()) | {"validators": {}}
    (directory / "state.json").write_text(json.dumps(forgotten))
    state = (directory / "state.json").read_bytes()
    _fail_writes(
        monkeypatch, code, when=lambda p: True, at="write" if code == errno.ENOSPC else "open"
    )
    advice = "free some space" if code == errno.ENOSPC else "make the archive writable"
    result = run("fetch", "15-12526QE")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: cannot write {directory}/state.json: {reason}; {advice}, "
        "then run: qarchive verify\n"
    )
    assert_untouched(seeded)
    assert (directory / "state.json").read_bytes() == state


@pytest.mark.parametrize(
    ("code", "reason"),
    [(errno.EROFS, "Read-only file system"), (errno.ENOSPC, "No space left on device")],
)
def test_check_times_not_writable(sites, seeded, monkeypatch, code, reason):
    # A 304 changes only the check times: they go to checks.json, written at the end.
    root, directory = archive().root, archive().question_dir(SEED)
    state, checks = (directory / "state.json").read_bytes(), (root / "checks.json").read_bytes()
    _fail_writes(
        monkeypatch, code, when=lambda p: True, at="write" if code == errno.ENOSPC else "open"
    )
    advice = "free some space" if code == errno.ENOSPC else "make the archive writable"
    result = run("fetch", "15-12526QE")
    assert result.exit_code == 1
    assert result.stdout == "15-12526QE       unchanged v1\n"  # the check itself went well
    assert result.stderr == (
        f"Error: cannot write {root}/checks.json: {reason}; {advice}, then run: qarchive verify\n"
    )
    assert_untouched(seeded)
    assert (directory / "state.json").read_bytes() == state
    assert (root / "checks.json").read_bytes() == checks


def test_refresh_stops_when_its_log_cannot_be_written(sites, seeded, monkeypatch):
    real_open = os.open

    def failing_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if str(path).endswith(qarchive.store.layout.REFRESH_LOG):
            raise _os_error(errno.ENOSPC)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", failing_open)
    result = run("refresh", "--no-discover")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: cannot write {archive().root}/{qarchive.store.layout.REFRESH_LOG}: No space left on "
        "device; free some space, then run: qarchive verify\n"
    )
    assert_untouched(seeded)


def test_import_stops_on_a_full_disk(sites, monkeypatch, tmp_path):
    bundle = tmp_path / "Questions_ecrites.json.zip"
    with zipfile.ZipFile(bundle, "w") as out:
        for number in (12526, 12527, 12528):
            out.writestr(f"json/QANR5L15QE{number}.json", _question_json(number))
    _fail_writes(monkeypatch, errno.ENOSPC, when=lambda p: True, at="write")
    result = run("import", str(bundle))
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1, result.stderr  # one line, not one per member
    assert re.fullmatch(
        rf"Error: cannot write {re.escape(str(archive().root))}/raw/packs/[\w-]+\.zip: "
        r"No space left on device; free some space, then run: qarchive verify\n",
        result.stderr,
    )
    assert list(archive().root.rglob("v*.json")) == []


def _writable_despite_mode(directory: Path) -> bool:
    probe = directory / "probe"
    try:
        probe.write_bytes(b"")
    except PermissionError:
        return False
    probe.unlink()
    return True


@pytest.mark.parametrize("files_too", [True, False], ids=["everything", "directories-only"])
def test_read_only_archive(sites, seeded, files_too):
    sites.an.pages[JSON_PATH] = ANSWERED_JSON.read_bytes()  # a new version is due
    root, directory = archive().root, archive().question_dir(SEED)
    everything = [root, *root.rglob("*")]
    modes = {path: stat.S_IMODE(path.stat().st_mode) for path in everything}
    for path in everything:
        if path.is_dir():
            path.chmod(0o555)
        elif files_too:
            path.chmod(0o444)
    try:
        if _writable_despite_mode(root):
            pytest.skip("running with CAP_DAC_OVERRIDE (root): permissions are not enforced")
        result = run("fetch", "15-12526QE")
    finally:
        for path in everything:
            path.chmod(modes[path])
    assert result.exit_code == 1
    assert result.stdout == ""
    if files_too:  # not even the lock file can be opened for writing
        assert result.stderr == (
            f"Error: cannot lock {root}/.lock: Permission denied; make the archive writable, "
            "then try again\n"
        )
    else:  # the first write, a raw capture, fails
        assert re.fullmatch(
            rf"Error: cannot write {re.escape(str(directory))}/raw/\d{{8}}T\d{{12}}Z\.json\.gz: "
            r"Permission denied; make the archive writable, then run: qarchive verify\n",
            result.stderr,
        ), result.stderr
    assert_untouched(seeded)


# -- several processes at once -------------------------------------------------------


def _hold_the_open_data(sites) -> tuple[threading.Event, threading.Event]:
    """The next open-data request blocks until ``release`` is set; ``entered`` says it came."""
    entered, release = threading.Event(), threading.Event()

    def held(request: Request) -> Response:
        entered.set()
        release.wait(timeout=30)
        response: Response = sites.an._serve(request)
        return response

    sites.an.server.expect_oneshot_request(JSON_PATH).respond_with_handler(held)
    return entered, release


def _spawn(*args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", "from qarchive.cli import main; main()", *args]
    return subprocess.Popen(
        command, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _wait_for_one(processes: list[subprocess.Popen[str]], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while all(p.poll() is None for p in processes):
        assert time.monotonic() < deadline, "neither process finished"
        time.sleep(0.02)


def test_two_refreshes_at_once(sites, seeded):
    entered, release = _hold_the_open_data(sites)
    runs = [_spawn("refresh", "--no-discover"), _spawn("refresh", "--no-discover")]
    try:
        _wait_for_one(runs, timeout=30)  # the other holds the lock, inside a request
    finally:
        release.set()
    outputs = [process.communicate(timeout=30) for process in runs]
    assert entered.is_set()
    codes = [process.returncode for process in runs]
    assert sorted(codes) == [0, 3], outputs
    loser, winner = (outputs[0], outputs[1]) if codes[0] == 3 else (outputs[1], outputs[0])
    assert loser == (
        "",
        f"Error: the archive {archive().root} is locked by another qarchive process; "
        "try again later or pass --wait\n",
    )
    assert winner[0] == ""
    assert winner[1].startswith("refresh: 1 checked, 0 new, 0 changed (0 new answers), 1 unchanged")
    assert v0001().read_bytes() == seeded
    assert run("verify").exit_code == 0


def test_fetch_during_a_refresh_exits_3_or_waits(sites, seeded):
    entered, release = _hold_the_open_data(sites)
    refresh = _spawn("refresh", "--no-discover")
    try:
        assert entered.wait(timeout=30)  # the refresh holds the lock
        busy = run("fetch", "15-12526QE")
        assert busy.exit_code == 3
        assert busy.stdout == ""
        assert busy.stderr == (
            f"Error: the archive {archive().root} is locked by another qarchive process; "
            "try again later or pass --wait\n"
        )
        threading.Timer(0.3, release.set).start()
        waited = run("fetch", "15-12526QE", "--wait")
        assert release.is_set()  # it got the lock only once the refresh was done
        assert waited.exit_code == 0, waited.stderr
        assert waited.stdout == "15-12526QE       unchanged v1\n"
    finally:
        release.set()
    out, err = refresh.communicate(timeout=30)
    assert refresh.returncode == 0, err
    assert (out, err.startswith("refresh: 1 checked, 0 new,")) == ("", True)
    assert v0001().read_bytes() == seeded
    assert run("verify").exit_code == 0


# -- a damaged archive ---------------------------------------------------------------


def _question_json(number: int) -> bytes:
    """The seed's open-data record, renumbered: another question to archive."""
    return SEED_JSON.replace(b"QANR5L15QE12526", f"QANR5L15QE{number}".encode()).replace(
        b'"numero": "12526"', f'"numero": "{number}"'.encode()
    )


def test_a_damaged_archive_still_serves_the_rest(sites, seeded):
    others = [parse_question_id(f"15-{number}QE") for number in (12527, 12528, 12529)]
    for qid in others:
        sites.an.pages[f"/dyn/opendata/{qid.uid}.json"] = _question_json(qid.number)
    assert run("fetch", "15-12527QE", "15-12528QE").exit_code == 0
    assert run("list", "--format", "ids").exit_code == 0  # builds the index
    raw_damaged, state_damaged, _ = others
    root = archive().root
    v0001().write_bytes(seeded[:100])  # truncated
    raw = archive().question_dir(raw_damaged) / archive().read_version(raw_damaged).raw[0]
    raw.write_bytes(b"not gzip at all")
    state = archive().question_dir(state_damaged) / "state.json"
    state.write_bytes(b"\x00garbage{")
    (root / "index.sqlite").unlink()

    check = run("verify")
    assert check.exit_code == 4
    errors = check.stderr.splitlines()[:-1]
    assert errors[0].startswith(f"Error: {v0001()}: damaged: ")
    assert errors[1:] == [
        f"Error: {raw}: raw capture does not decompress (Not a gzipped file (b'no'))",
        f"Error: {state}: unreadable state (it is rebuilt on the next fetch)",
        f"Error: {root}/index.sqlite: missing (rebuilt on next use, or by verify --repair)",
    ]

    listed = run("list", "--format", "ids")
    assert listed.exit_code == 0, listed.stderr
    assert listed.stdout == "15-12527QE\n15-12528QE\n"  # the damaged one is left out
    shown = run("show", "15-12527QE", "--json")
    assert shown.exit_code == 0, shown.stderr
    fetched = run("fetch", "15-12528QE", "15-12529QE")
    assert fetched.exit_code == 0, fetched.stderr
    assert fetched.stdout == "15-12528QE       unchanged v1\n15-12529QE       new       v1\n"
    assert archive().read_state(state_damaged).last_error is None
    # Nothing damaged was touched: verify still names the version and the capture.
    assert v0001().read_bytes() == seeded[:100]
    assert raw.read_bytes() == b"not gzip at all"
    again = run("verify")
    assert again.exit_code == 4
    assert [line.split(": ")[1] for line in again.stderr.splitlines()[:-1]] == [
        str(v0001()),
        str(raw),
    ]
