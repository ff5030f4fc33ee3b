import email.utils
import http.server
import threading

import httpx
import pytest

from qarchive.errors import (
    HostNotAllowed,
    HostUnreachable,
    HTTPStatusError,
    ResponseTooLarge,
    TransportError,
)
from qarchive.http import Client, Validators, _parse_retry_after
from qarchive.settings import Settings

BASE = "https://www.assemblee-nationale.fr"
URL = f"{BASE}/dyn/opendata/QANR5L15QE12526.json"


def make_client(handler, **overrides):
    settings = Settings(**{"retry_backoff": 1.0, "max_retries": 3, "rate": 0} | overrides)
    sleeps: list[float] = []
    client = Client(settings, transport=httpx.MockTransport(handler), sleep=sleeps.append)
    return client, sleeps


def test_sends_user_agent_naming_qarchive():
    seen = {}

    def handler(request):
        seen.update(request.headers)
        return httpx.Response(200, content=b"{}")

    client, _ = make_client(handler)
    assert client.get(URL).content == b"{}"
    assert seen["user-agent"].startswith("qarchive/")


def test_refuses_hosts_outside_the_settings():
    client, _ = make_client(lambda request: httpx.Response(200))
    with pytest.raises(HostNotAllowed, match=r"refusing to fetch https://example\.org/x"):
        client.get("https://example.org/x")


def test_refuses_a_redirect_to_another_host():
    def handler(request):
        return httpx.Response(302, headers={"Location": "https://evil.example/steal"})

    client, _ = make_client(handler)
    with pytest.raises(HostNotAllowed, match=r"evil\.example"):
        client.get(URL)


def test_follows_a_redirect_within_the_allowed_hosts():
    def handler(request):
        if request.url.path.endswith(".htm"):
            return httpx.Response(301, headers={"Location": f"{BASE}/dyn/15/questions/X"})
        return httpx.Response(200, content=b"page")

    client, _ = make_client(handler)
    fetched = client.get("https://questions.assemblee-nationale.fr/q15/15-12526QE.htm")
    assert fetched.url == f"{BASE}/dyn/15/questions/X"
    assert fetched.content == b"page"


def test_redirect_loop_is_an_error():
    client, _ = make_client(lambda request: httpx.Response(302, headers={"Location": URL}))
    with pytest.raises(Exception, match="too many redirects"):
        client.get(URL)


def test_retries_5xx_with_exponential_backoff_then_succeeds():
    statuses = iter([500, 503, 200])
    client, sleeps = make_client(lambda r: httpx.Response(next(statuses), content=b"ok"))
    assert client.get(URL).content == b"ok"
    assert sleeps == [1.0, 2.0]


def test_gives_up_after_the_retries_with_a_clear_message():
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(502)

    client, sleeps = make_client(handler)
    with pytest.raises(HTTPStatusError, match=r"HTTP 502 Bad Gateway from .* \(after 4 attempts\)"):
        client.get(URL)
    assert len(calls) == 4
    assert sleeps == [1.0, 2.0, 4.0]


def test_honours_retry_after_seconds():
    statuses = iter([(429, {"Retry-After": "7"}), (200, {})])

    def handler(request):
        status, headers = next(statuses)
        return httpx.Response(status, headers=headers, content=b"ok")

    client, sleeps = make_client(handler)
    assert client.get(URL).content == b"ok"
    assert sleeps == [7.0]


def test_retry_after_is_capped():
    statuses = iter([(503, {"Retry-After": "86400"}), (200, {})])

    def handler(request):
        status, headers = next(statuses)
        return httpx.Response(status, headers=headers)

    client, sleeps = make_client(handler, max_retry_wait=30.0)
    client.get(URL)
    assert sleeps == [30.0]


def test_retry_after_http_date():
    when = email.utils.formatdate(1_000_060, usegmt=True)
    assert _parse_retry_after(when, now=1_000_000) == pytest.approx(60)
    assert _parse_retry_after("garbage") is None


def test_404_is_not_retried():
    calls = []

    def handler(request):
        calls.append(1)
        return httpx.Response(404)

    client, sleeps = make_client(handler)
    with pytest.raises(HTTPStatusError) as caught:
        client.get(URL)
    assert caught.value.status_code == 404
    assert len(calls) == 1 and sleeps == []


def test_timeouts_are_retried_then_reported():
    def handler(request):
        raise httpx.ReadTimeout("slow", request=request)

    client, sleeps = make_client(handler, timeout=5)
    with pytest.raises(
        TransportError, match=r"timed out after 5s fetching .* \(after 4 attempts\)"
    ):
        client.get(URL)
    assert len(sleeps) == 3


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("[Errno -2] Name or service not known", "its name does not resolve"),
        ("[Errno 111] Connection refused", "it refused the connection"),
    ],
)
def test_an_unreachable_host_fails_at_once_in_one_line(reason, message):
    calls = []

    def handler(request):
        calls.append(request)
        raise httpx.ConnectError(reason, request=request)

    client, sleeps = make_client(handler, max_retries=4)
    with pytest.raises(HostUnreachable) as raised:
        client.get(URL)
    assert str(raised.value) == f"cannot reach www.assemblee-nationale.fr: {message}" + (
        " (no network, or a mistyped QARCHIVE_*_URL?)" if "resolve" in message else ""
    )
    assert isinstance(raised.value, TransportError)
    assert (len(calls), sleeps) == (1, [])  # not retried like a 503


def test_other_transport_errors_are_retried():
    calls = []

    def handler(request):
        calls.append(request)
        raise httpx.ReadError("connection reset by peer", request=request)

    client, sleeps = make_client(handler, max_retries=2)
    with pytest.raises(TransportError, match=r"connection reset by peer.*after 3 attempts"):
        client.get(URL)
    assert (len(calls), sleeps) == (3, [1.0, 2.0])


def test_a_body_trickling_past_the_deadline_is_given_up(monkeypatch):
    now = [0.0]

    def trickle():
        for _ in range(10):
            now[0] += 1.0  # a second per byte
            yield b"x"

    def handler(request):
        return httpx.Response(200, content=trickle())

    settings = Settings(rate=0, max_retries=0, deadline=3.0)
    client = Client(settings, transport=httpx.MockTransport(handler), clock=lambda: now[0])
    with pytest.raises(
        TransportError, match=r"gave up on .* after 3s: the server sends too slowly"
    ):
        client.get(URL)


def test_a_download_gets_the_same_retries_and_conditional_get(tmp_path):
    answers = iter(
        [httpx.Response(503), httpx.Response(200, content=b"PK zip", headers={"ETag": '"v1"'})]
    )
    seen = []

    def handler(request):
        seen.append(request.headers.get("if-none-match"))
        return next(answers)

    client, sleeps = make_client(handler)
    dest = tmp_path / "bulk.zip"
    fetched = client.download(URL, dest, max_bytes=100, validators=Validators('"v0"'))
    assert dest.read_bytes() == b"PK zip" and fetched.validators.etag == '"v1"'
    assert (seen, sleeps) == (['"v0"', '"v0"'], [1.0])
    client, _ = make_client(lambda request: httpx.Response(304))
    assert client.download(URL, dest, max_bytes=100, validators=Validators('"v1"')).not_modified
    assert dest.read_bytes() == b"PK zip"  # a 304 leaves the file as it was


def test_a_long_wait_is_said_on_the_log(caplog):
    answers = iter([httpx.Response(503, headers={"Retry-After": "30"}), httpx.Response(200)])
    client, sleeps = make_client(lambda request: next(answers))
    with caplog.at_level("INFO", logger="qarchive.http"):
        client.get(URL)
    assert sleeps == [30.0]
    assert [record.getMessage() for record in caplog.records] == [
        f"waiting 30 s before trying again: HTTP 503 Service Unavailable from {URL}"
    ]


def test_body_over_the_cap_is_refused():
    client, _ = make_client(lambda r: httpx.Response(200, content=b"x" * 2000), max_bytes=1000)
    with pytest.raises(ResponseTooLarge, match="over the 1000-byte cap"):
        client.get(URL)


def test_conditional_get_sends_validators_and_reports_304():
    seen = {}

    def handler(request):
        seen.update(request.headers)
        return httpx.Response(304)

    client, _ = make_client(handler)
    fetched = client.get(URL, validators=Validators(etag='"abc"', last_modified="Tue, 02 Oct 2018"))
    assert fetched.not_modified
    assert seen["if-none-match"] == '"abc"'
    assert seen["if-modified-since"] == "Tue, 02 Oct 2018"


def test_conditional_gets_answered_304_reuse_one_connection():
    # A nightly refresh is mostly 304s: each must not cost a new connection (a TLS
    # handshake on the real sites). The server keeps connections alive (HTTP/1.1).
    connections: list[object] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            connections.append(self.client_address)

        def do_GET(self):
            matched = self.headers.get("If-None-Match") == '"v1"'
            body = b"" if matched else b"{}"
            self.send_response(304 if matched else 200)
            self.send_header("ETag", '"v1"')
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with Client(Settings(an_url=base, rate=0)) as client:
            statuses = [
                client.get(f"{base}/q", validators=Validators('"v1"')).status_code for _ in range(3)
            ]
            assert client.get(f"{base}/q").content == b"{}"
    finally:
        server.shutdown()
        server.server_close()
    assert statuses == [304, 304, 304]
    assert len(connections) == 1


def test_validators_are_returned():
    headers = {"ETag": '"v1"', "Last-Modified": "Wed, 03 Oct 2018 10:00:00 GMT"}
    client, _ = make_client(lambda r: httpx.Response(200, headers=headers, content=b"{}"))
    assert client.get(URL).validators == Validators('"v1"', "Wed, 03 Oct 2018 10:00:00 GMT")


def test_rate_limit_spaces_requests_to_the_same_host():
    now = [100.0]
    sleeps: list[float] = []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    settings = Settings(rate=2.0)
    client = Client(
        settings,
        transport=httpx.MockTransport(lambda r: httpx.Response(200)),
        sleep=sleep,
        clock=lambda: now[0],
    )
    client.get(URL)
    client.get(URL)
    client.get("https://questions.assemblee-nationale.fr/q15/15-12526QE.htm")  # other host
    assert sleeps == [0.5]
