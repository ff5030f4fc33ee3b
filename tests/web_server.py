"""``qarchive serve`` in a subprocess on a free port, and Debian's Chromium driven by Playwright.

Used by the browser tests (``test_web_browser.py``) and by ``screenshots.py``.
The server is asked for port 0 (any free one) and says which it got; it is
then polled until it answers (a slow machine waits longer, never fails).
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "browser", "serving"]

CHROMIUM = os.environ.get("QARCHIVE_CHROMIUM", "/usr/bin/chromium")
# No sandbox (root in CI), and nothing that would reach out to the internet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_TIMEOUT = 120.0  # far above any machine's start-up time; only keeps a broken run from hanging


@contextmanager
def serving(
    root: Path,
    *,
    host: str = "127.0.0.1",
    before: Sequence[str] = (),
    said: list[str] | None = None,
) -> Iterator[str]:
    """Run ``qarchive serve`` on ``root``; yield its base URL once it answers.

    ``before``: options given before the command (``--quiet``); ``said`` gets
    the lines the server printed up to its address.
    """
    command = [sys.executable, "-m", "qarchive", *before, "serve", "--archive", str(root)]
    process = subprocess.Popen(
        [*command, "--host", host, "--port", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_pump, args=(process.stderr, lines), daemon=True).start()
    try:
        announced = _announced(lines, process, [] if said is None else said)
        # Bound to every address: asked on loopback, as tests never leave the machine.
        base = announced.replace("://0.0.0.0:", "://127.0.0.1:")
        _wait_until_it_answers(base, process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=_TIMEOUT)
        if process.stderr is not None:
            process.stderr.close()


def _pump(stream: Any, lines: queue.Queue[str]) -> None:
    # Read the server's messages as they come: its first line names the address.
    for line in stream:
        lines.put(line)


def _announced(lines: queue.Queue[str], process: subprocess.Popen[str], seen: list[str]) -> str:
    deadline = time.monotonic() + _TIMEOUT
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.1)
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        seen.append(line)
        if line.startswith("Serving ") and " at http://" in line:
            return line.split(" at ", 1)[1].split("/ ", 1)[0]
    raise AssertionError(f"qarchive serve did not start: {''.join(seen)}")


def _wait_until_it_answers(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + _TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"qarchive serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/stats.json", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.05)
    raise AssertionError(f"{base} did not answer within {_TIMEOUT:.0f} s")


@contextmanager
def browser() -> Iterator[Any]:
    """Headless Debian Chromium through Playwright (no browser is ever downloaded)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
