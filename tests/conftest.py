"""Shared fixtures: where the real samples are, golden files, a tmp archive."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qarchive.models import Question

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
EXPECTED = FIXTURES / "expected"
# Real pages stay in ../shared/samples (never copied into the project); CI checks
# the project out with ../shared beside it. QARCHIVE_SAMPLES overrides the place.
SAMPLES = Path(os.environ.get("QARCHIVE_SAMPLES", ROOT.parent / "shared" / "samples"))
LONG_TEXT = 300  # golden files for real samples keep only a fingerprint of longer strings


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
