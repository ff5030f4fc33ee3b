"""On a terminal, a long wait says what it waits for; in cron (no terminal), it stays quiet."""

import os
import pty
import subprocess
import sys

import pytest

SEED_PATH = "/dyn/opendata/QANR5L15QE12526.json"


def _fetch(*, terminal: bool) -> tuple[int, str]:
    """``qarchive fetch 15-12526QE`` with stderr on a terminal (a pty) or a pipe: exit, stderr."""
    command = [sys.executable, "-c", "from qarchive.cli import main; main()", "fetch", "15-12526QE"]
    if not terminal:
        done = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ))
        return done.returncode, done.stderr
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=follower, env=dict(os.environ)
    )
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the process closed its end
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    return process.wait(), output.decode("utf-8", errors="replace")


@pytest.fixture
def busy_once(sites, monkeypatch):
    """The open-data host answers 503 once, asking for three seconds, then the page."""
    monkeypatch.setenv("QARCHIVE_MAX_RETRY_WAIT", "5")
    sites.an.server.expect_oneshot_request(SEED_PATH).respond_with_data(
        "busy", status=503, headers={"Retry-After": "3"}
    )
    return sites


def test_a_long_wait_is_said_on_a_terminal(busy_once):
    code, stderr = _fetch(terminal=True)
    assert code == 0, stderr
    assert "waiting 3 s before trying again: " in stderr
    assert "503" in stderr.split("waiting 3 s", 1)[1].splitlines()[0]


def test_in_cron_a_wait_prints_nothing(busy_once):
    code, stderr = _fetch(terminal=False)
    assert code == 0, stderr
    assert "waiting" not in stderr
    assert busy_once.an.server.log[0][1].status_code == 503  # it did wait
