"""Shared fixtures: where the real samples are, golden files, a tmp archive."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qarchive.model.question import Question

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
EXPECTED = FIXTURES / "expected"
# Real pages stay in ../shared/samples (never copied into the project); CI checks
# the project out with ../shared beside it. QARCHIVE_SAMPLES overrides the place.
SAMPLES = Path(os.environ.get("QARCHIVE_SAMPLES", ROOT.parent / "shared" / "samples"))
LONG_TEXT = 300  # golden files for real samples keep only a fingerprint of longer strings


def wait_for(condition: Callable[[], object], *, what: str, timeout: float = 120.0) -> None:
    """Wait until ``condition()`` holds: a busy machine makes a test slower, never red.

    The timeout only keeps a broken test from hanging CI; it is far above any
    machine's time to get there.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite fixtures/expected/*.expected.json from the parsers' output",
    )


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """The real sample pages in ../shared/samples; skip where they are absent."""
    if not (SAMPLES / "an").is_dir():
        pytest.skip(f"real samples not found at {SAMPLES} (check out ../shared beside the repo)")
    return SAMPLES


def fingerprint(value: Any) -> Any:
    """Replace long strings by a fingerprint: sha256 prefix, length, first and last words.

    Golden files of real samples must not carry the samples' texts, yet must
    still pin every character of them.
    """
    if isinstance(value, dict):
        return {key: fingerprint(item) for key, item in value.items()}
    if isinstance(value, list):
        return [fingerprint(item) for item in value]
    if isinstance(value, str) and len(value) > LONG_TEXT:
        digest = hashlib.sha256(value.encode()).hexdigest()[:16]
        return f"sha256:{digest} len:{len(value)} [{value[:40]}…{value[-30:]}]"
    return value


GoldenCheck = Callable[..., None]


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> GoldenCheck:
    """Compare a record with ``fixtures/expected/<chamber>/<name>.expected.json``.

    ``from_sample=True`` stores long texts as fingerprints (see :func:`fingerprint`).
    Run ``pytest --update-golden`` to rewrite the file, then review the diff.
    """
    update = bool(request.config.getoption("--update-golden"))

    def check(record: Question, name: str, *, from_sample: bool) -> None:
        data = record.model_dump(mode="json")
        if from_sample:
            data = fingerprint(data)
        path = EXPECTED / record.chamber.value / f"{name}.expected.json"
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        assert path.exists(), f"no golden file {path}; run pytest --update-golden and review it"
        assert data == json.loads(path.read_text(encoding="utf-8"))

    return check


# -- a local copy of the parliament's sites ----------------------------------------

SITES = FIXTURES / "sites"
# Setting name -> the real host whose paths the server reproduces.
SITE_HOSTS = {
    "QARCHIVE_AN_URL": "www.assemblee-nationale.fr",
    "QARCHIVE_AN_QUESTIONS_URL": "questions.assemblee-nationale.fr",
    "QARCHIVE_AN_DATA_URL": "data.assemblee-nationale.fr",
    "QARCHIVE_SENAT_URL": "www.senat.fr",
    "QARCHIVE_SENAT_DATA_URL": "data.senat.fr",
}
NOT_FOUND_PAGE = b"<html><head><title>404 Not Found</title></head><body>Not found</body></html>"


class Site:
    """One fake host: serves ``fixtures/sites/<host>/<path>``, plus per-test overrides.

    ``pages`` maps a path to bytes (served instead of, or beside, the files);
    ``headers`` a path to headers sent with it (``Last-Modified``...) on a 200;
    ``server`` is the pytest-httpserver instance, for one-shot and ordered
    handlers, which win over the file handler.
    """

    def __init__(self, host: str) -> None:
        from pytest_httpserver import HTTPServer

        self.host = host
        self.pages: dict[str, bytes] = {}
        self.headers: dict[str, dict[str, str]] = {}
        self.server = HTTPServer(host="127.0.0.1", port=0)
        self.server.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def reset(self) -> None:
        import re

        self.pages.clear()
        self.headers.clear()
        self.server.clear()
        self.server.expect_request(re.compile(".*")).respond_with_handler(self._serve)

    def _serve(self, request: Any) -> Any:
        from werkzeug import Response

        path = request.path
        body = self.pages.get(path)
        local = (SITES / self.host / path.lstrip("/")).resolve()
        if body is None and local.is_relative_to(SITES / self.host) and local.is_file():
            body = local.read_bytes()
        if body is None:
            return Response(NOT_FOUND_PAGE, status=404, content_type="text/html")
        # Like the real sites, answer conditional GETs: an ETag from the content.
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        headers = {"ETag": etag} | self.headers.get(path, {})
        return Response(body, status=200, content_type=_content_type(path), headers=headers)


def _content_type(path: str) -> str:
    if path.endswith(".json"):
        return "application/json"
    if path.endswith(".xml"):
        return "application/xml"
    return "text/html; charset=utf-8"


class Sites:
    """Every configured host, each on its own local server."""

    def __init__(self) -> None:
        self.by_var = {var: Site(host) for var, host in SITE_HOSTS.items()}
        self.an = self.by_var["QARCHIVE_AN_URL"]
        self.an_questions = self.by_var["QARCHIVE_AN_QUESTIONS_URL"]
        self.senat = self.by_var["QARCHIVE_SENAT_URL"]
        self.senat_data = self.by_var["QARCHIVE_SENAT_DATA_URL"]

    def reset(self) -> None:
        for site in self.by_var.values():
            site.reset()

    def stop(self) -> None:
        for site in self.by_var.values():
            site.server.stop()


@pytest.fixture(scope="session")
def _sites_session() -> Any:
    sites = Sites()
    yield sites
    sites.stop()


@pytest.fixture
def sites(_sites_session: Sites, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Sites:
    """Local servers for every QARCHIVE_*_URL, and a fresh archive in tmp_path.

    Retries and the rate limit are shortened so that fault tests stay fast.
    """
    _sites_session.reset()
    for var, site in _sites_session.by_var.items():
        monkeypatch.setenv(var, site.base_url)
    monkeypatch.setenv("QARCHIVE_ARCHIVE", str(tmp_path / "archive"))
    monkeypatch.setenv("QARCHIVE_RATE", "0")
    monkeypatch.setenv("QARCHIVE_RETRY_BACKOFF", "0.01")
    monkeypatch.setenv("QARCHIVE_MAX_RETRY_WAIT", "2")
    monkeypatch.setenv("QARCHIVE_TIMEOUT", "2")
    return _sites_session


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to connect anywhere but the loopback interface."""
    import socket

    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else str(address)
        if isinstance(host, str) and not (
            host.startswith("127.") or host in ("::1", "localhost") or self.family == socket.AF_UNIX
        ):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
