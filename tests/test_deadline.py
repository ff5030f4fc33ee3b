"""Issue 21, item 13: a server that sends one byte at a time cannot hold a run for ever.

A raw local server (:class:`test_faults.RawServer`) trickles its answer, a byte every 0.2 s (well inside
``QARCHIVE_TIMEOUT``, so no read ever times out): its status line and headers,
or its body. ``fetch`` and ``import URL`` give up at ``QARCHIVE_DEADLINE`` and
``QARCHIVE_DOWNLOAD_DEADLINE``, which cover every attempt of a request.
"""

import socket
import threading
import time

import pytest
from typer.testing import CliRunner, Result

from qarchive.cli import app
from test_faults import RawServer

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"


def _trickle(slow_from: int):
    """A reply that sends ``HEAD`` and a body, one byte every 0.2 s from ``slow_from`` on."""

    def reply(conn: socket.socket) -> None:
        answer = HEAD + b" " * 100_000
        try:
            conn.sendall(answer[:slow_from])
            for byte in answer[slow_from:]:
                time.sleep(0.2)
                conn.sendall(bytes([byte]))
        except OSError:
            return  # the client gave up and closed the connection

    return reply


@pytest.fixture(params=["headers", "body"])
def trickle(request):
    server = RawServer(_trickle(10 if request.param == "headers" else len(HEAD)))
    yield server
    server.close()


def run_within(args: list[str], limit: float = 120.0):
    """Run the command in a thread; fail (instead of hanging) if it is still running at ``limit``."""
    done: list[Result] = []
    thread = threading.Thread(target=lambda: done.append(CliRunner().invoke(app, args)))
    started = time.monotonic()
    thread.daemon = True
    thread.start()
    thread.join(limit)
    assert done, f"still running after {limit:.0f} s: the deadline was not kept"
    return done[0], time.monotonic() - started


def test_fetch_gives_up_on_a_trickling_server(sites, monkeypatch, trickle):
    for var in ("QARCHIVE_AN_URL", "QARCHIVE_AN_QUESTIONS_URL"):
        monkeypatch.setenv(var, trickle.base_url)
    monkeypatch.setenv("QARCHIVE_DEADLINE", "1")
    result, _ = run_within(["fetch", "15-12526QE"])
    assert result.exit_code == 1, result.output
    json_url = f"{trickle.base_url}/dyn/opendata/QANR5L15QE12526.json"
    assert result.stderr.startswith(
        f"Error: 15-12526QE: gave up on {json_url} after 1s: the server sends too slowly "
        "(see QARCHIVE_DEADLINE)\n"
    )
    # Each source once: the deadline covers a request's retries, none is tried after it.
    assert trickle.requests == 3


def test_import_of_a_url_gives_up_on_a_trickling_server(sites, monkeypatch, trickle):
    monkeypatch.setenv("QARCHIVE_AN_DATA_URL", trickle.base_url)
    monkeypatch.setenv("QARCHIVE_DOWNLOAD_DEADLINE", "1")
    url = f"{trickle.base_url}/static/openData/repository/15/questions/Questions.json.zip"
    result, _ = run_within(["import", url])
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        f"Error: gave up on {url} after 1s: the server sends too slowly "
        "(see QARCHIVE_DOWNLOAD_DEADLINE)\n"
    )
    assert trickle.requests == 1
