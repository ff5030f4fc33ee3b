"""Crash safety: kill -9 a running fetch, refresh or import at random points.

After every kill, each version written before it is byte-for-byte intact, every
version file on disk reads back, and verify finds nothing but what a crash may
leave and --repair removes (temporary files, an index behind the files).
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import FIXTURES
from qarchive.jobs.verify import repair_archive, verify_archive
from qarchive.store.archive import Archive

SEED_JSON = FIXTURES / "sites/www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE12526.json"
SOAK = bool(os.environ.get("QARCHIVE_SOAK"))
KILLS = {"import": 60 if SOAK else 24, "fetch": 40 if SOAK else 16, "refresh": 30 if SOAK else 12}
QUESTIONS = 60


def _question(number: int, *, answered: bool = False) -> bytes:
    document = json.loads(SEED_JSON.read_bytes())
    question = document["question"]
    question["uid"] = f"QANR5L15QE{number}"
    question["identifiant"]["numero"] = str(number)
    if answered:
        answer = json.loads((FIXTURES / "variants/an/QANR5L15QE12526.answered.json").read_bytes())
        question["textesReponse"] = answer["question"]["textesReponse"]
        question["cloture"] = answer["question"]["cloture"]
    return json.dumps(document).encode()


def _snapshot(root: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in root.rglob("v*.json")}


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from qarchive.cli import main; main()", *args]


def _kill_at_random(args: list[str], rng: random.Random) -> None:
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0.2, 1.2))  # startup is ~0.3 s: most kills land mid-work
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def _assert_intact(archive: Archive, before: dict[Path, bytes]) -> None:
    after = _snapshot(archive.root)
    for path, content in before.items():
        assert after.get(path) == content, f"{path} changed or vanished"
    report = verify_archive(archive)
    damage = [p for p in report.problems if not p.repairable]
    assert damage == [], damage
    assert repair_archive(archive, report) == []
    assert verify_archive(archive).ok


def _run_kills(kind: str, args: list[str], archive: Archive, rng: random.Random, between=None):
    for round_ in range(KILLS[kind]):
        before = _snapshot(archive.root)
        _kill_at_random(args, rng)
        _assert_intact(archive, before)
        if between is not None:
            between(round_)


def test_kill_during_import(tmp_path):
    zip_path = tmp_path / "Questions_ecrites.json.zip"
    with zipfile.ZipFile(zip_path, "w") as bundle:
        for number in range(1, 1501):
            bundle.writestr(f"json/QANR5L15QE{number}.json", _question(number))
    archive = Archive(tmp_path / "archive")
    rng = random.Random(1)
    _run_kills(
        "import",
        _cli("import", str(zip_path), "--archive", str(archive.root), "--wait"),
        archive,
        rng,
    )
    # Whatever the kills left undone, a last import finishes without duplicates.
    subprocess.run(
        _cli("import", str(zip_path), "--archive", str(archive.root)),
        check=True,
        capture_output=True,
    )
    assert sum(1 for _ in archive.iter_ids()) == 1500
    assert all(archive.versions(qid) == [1] for qid in archive.iter_ids())


@pytest.fixture
def served(sites):
    for number in range(1, QUESTIONS + 1):
        sites.an.pages[f"/dyn/opendata/QANR5L15QE{number}.json"] = _question(number)
    return sites


def test_kill_during_fetch(served, tmp_path):
    archive = Archive(Path(os.environ["QARCHIVE_ARCHIVE"]))
    ids = [f"15-{n}QE" for n in range(1, QUESTIONS + 1)]
    rng = random.Random(2)

    def answers_appear(round_: int) -> None:
        # Half-way, upstream answers change some questions: updates get killed too.
        if round_ == KILLS["fetch"] // 2:
            for number in range(1, QUESTIONS + 1, 2):
                served.an.pages[f"/dyn/opendata/QANR5L15QE{number}.json"] = _question(
                    number, answered=True
                )

    _run_kills("fetch", _cli("fetch", *ids, "--wait"), archive, rng, between=answers_appear)


def test_kill_during_refresh(served, tmp_path):
    archive = Archive(Path(os.environ["QARCHIVE_ARCHIVE"]))
    ids = [f"15-{n}QE" for n in range(1, QUESTIONS + 1)]
    subprocess.run(_cli("fetch", *ids), check=True, capture_output=True)
    for number in range(1, QUESTIONS + 1):
        served.an.pages[f"/dyn/opendata/QANR5L15QE{number}.json"] = _question(number, answered=True)
    rng = random.Random(3)
    _run_kills("refresh", _cli("refresh", "--wait", "--no-discover"), archive, rng)
