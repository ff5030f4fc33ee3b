"""Crash safety: kill -9 a running fetch, refresh or import in the middle of its writes.

Each round gives the run something to write (changed questions), waits until it
has written a random number of files, then kills it: every kill lands mid-write,
however fast or slow the machine. After every kill, each version written before
it is byte-for-byte intact, every version file on disk reads back, and verify
finds nothing but what a crash may leave and --repair removes (temporary files,
an index behind the files).
"""

import json
import os
import random
import signal
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FIXTURES, wait_for
from qarchive.jobs.verify import repair_archive, verify_archive
from qarchive.store.archive import Archive

SEED_JSON = FIXTURES / "sites/www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE12526.json"
SOAK = bool(os.environ.get("QARCHIVE_SOAK"))
# Every kill lands mid-write (see _kill_mid_write): a dozen rounds each try the crash
# points of a run; QARCHIVE_SOAK=1 tries many more.
KILLS = {"import": 60 if SOAK else 12, "fetch": 40 if SOAK else 10, "refresh": 30 if SOAK else 8}
QUESTIONS = 60
QUESTIONS_IN_ZIP = 400


def _question(number: int, *, answered: bool = False, round_: int = 0) -> bytes:
    document = json.loads(SEED_JSON.read_bytes())
    question = document["question"]
    question["uid"] = f"QANR5L15QE{number}"
    question["identifiant"]["numero"] = str(number)
    if round_:  # a new title each round: each run has versions to write
        question["indexationAN"]["ANALYSE"]["ANA"] = f"Analyse, tour {round_}"
    if answered:
        answer = json.loads((FIXTURES / "variants/an/QANR5L15QE12526.answered.json").read_bytes())
        question["textesReponse"] = answer["question"]["textesReponse"]
        question["cloture"] = answer["question"]["cloture"]
    return json.dumps(document).encode()


def _snapshot(root: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in root.rglob("v*.json")}


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from qarchive.cli import main; main()", *args]


def _files(root: Path) -> set[Path]:
    return set((root / "questions").rglob("*.*"))


def _kill_mid_write(args: list[str], root: Path, rng: random.Random, *, most: int) -> None:
    """Run ``args`` and kill -9 it once it has written 1 to ``most`` new files (random)."""
    before = _files(root)
    target = rng.randint(1, most)
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(
        lambda: process.poll() is not None or len(_files(root) - before) >= target,
        what=f"{target} new files",
    )
    assert process.poll() is None, f"the run ended before writing {target} files"
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=60) == -signal.SIGKILL


def _assert_intact(archive: Archive, before: dict[Path, bytes]) -> None:
    after = _snapshot(archive.root)
    for path, content in before.items():
        assert after.get(path) == content, f"{path} changed or vanished"
    report = verify_archive(archive)
    damage = [p for p in report.problems if not p.repairable]
    assert damage == [], damage
    assert repair_archive(archive, report) == []
    assert verify_archive(archive).ok


def _run_kills(
    kind: str,
    args: list[str],
    archive: Archive,
    rng: random.Random,
    *,
    most: int,
    before_each: Callable[[int], None],
) -> None:
    for round_ in range(1, KILLS[kind] + 1):
        before_each(round_)  # something new to write
        before = _snapshot(archive.root)
        _kill_mid_write(args, archive.root, rng, most=most)
        _assert_intact(archive, before)


@pytest.mark.slow
def test_kill_during_import(tmp_path):
    zip_path = tmp_path / "Questions_ecrites.json.zip"

    def new_zip(round_: int) -> None:
        with zipfile.ZipFile(zip_path, "w") as bundle:
            for number in range(1, QUESTIONS_IN_ZIP + 1):
                bundle.writestr(f"json/QANR5L15QE{number}.json", _question(number, round_=round_))

    archive = Archive(tmp_path / "archive")
    rng = random.Random(1)
    args = _cli("import", str(zip_path), "--archive", str(archive.root), "--wait")
    # Each question writes a raw capture and a version: a kill lands before the last.
    _run_kills("import", args, archive, rng, most=QUESTIONS_IN_ZIP, before_each=new_zip)
    # Whatever the kills left undone, a last import finishes without duplicates.
    subprocess.run(args, check=True, capture_output=True)
    assert sum(1 for _ in archive.iter_ids()) == QUESTIONS_IN_ZIP
    for qid in archive.iter_ids():
        versions = archive.versions(qid)
        assert versions == list(range(1, len(versions) + 1))
        assert archive.read_version(qid).record.title == f"Analyse, tour {KILLS['import']}"


@pytest.fixture
def served(sites):
    for number in range(1, QUESTIONS + 1):
        sites.an.pages[f"/dyn/opendata/QANR5L15QE{number}.json"] = _question(number)
    return sites


def _serve_round(served) -> Callable[[int], None]:
    def serve(round_: int) -> None:
        # New titles upstream, and half-way answers too: updates get killed as well.
        answered = round_ > KILLS["fetch"] // 2
        for number in range(1, QUESTIONS + 1):
            served.an.pages[f"/dyn/opendata/QANR5L15QE{number}.json"] = _question(
                number, answered=answered and number % 2 == 1, round_=round_
            )

    return serve


@pytest.mark.slow
def test_kill_during_fetch(served, tmp_path):
    archive = Archive(Path(os.environ["QARCHIVE_ARCHIVE"]))
    ids = [f"15-{n}QE" for n in range(1, QUESTIONS + 1)]
    args = _cli("fetch", *ids, "--wait")
    # Each question: a raw capture and a version (two, the first time).
    _run_kills(
        "fetch",
        args,
        archive,
        random.Random(2),
        most=QUESTIONS // 2,
        before_each=_serve_round(served),
    )


@pytest.mark.slow
def test_kill_during_refresh(served, tmp_path):
    archive = Archive(Path(os.environ["QARCHIVE_ARCHIVE"]))
    ids = [f"15-{n}QE" for n in range(1, QUESTIONS + 1)]
    subprocess.run(_cli("fetch", *ids), check=True, capture_output=True)
    args = _cli("refresh", "--wait", "--no-discover")
    _run_kills(
        "refresh",
        args,
        archive,
        random.Random(3),
        most=QUESTIONS // 2,
        before_each=_serve_round(served),
    )
