"""A zip imported by worker processes gives exactly what the serial import gives.

The pool is forced on small zips here (``workers=2``, no head start, small chunks),
so that every path of it runs: round robin, questions given a version twice in one
zip, refused and unparsable members, failures, Ctrl-C and kill -9.
"""

import datetime as dt
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest

from conftest import FIXTURES, wait_for
from qarchive.errors import ArchiveWriteError
from qarchive.index.schema import index_is_current
from qarchive.jobs.imports import an as importer
from qarchive.jobs.imports import pool
from qarchive.jobs.imports.dispatch import import_file
from qarchive.jobs.verify import repair_archive, verify_archive
from qarchive.model.ids import parse_question_id
from qarchive.store.archive import Archive

NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)
SEED_JSON = FIXTURES / "sites/www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE12526.json"
ANSWERED = FIXTURES / "variants/an/QANR5L15QE12526.answered.json"
CAP = 1_000_000


def _question(number: int, *, answered: bool = False, title: str | None = None) -> bytes:
    document = json.loads(SEED_JSON.read_bytes())
    question = document["question"]
    question["uid"] = f"QANR5L15QE{number}"
    question["identifiant"]["numero"] = str(number)
    if answered:
        answer = json.loads(ANSWERED.read_bytes())
        question["textesReponse"] = answer["question"]["textesReponse"]
        question["cloture"] = answer["question"]["cloture"]
    if title is not None:
        question["indexationAN"]["ANALYSE"]["ANA"] = title
    return json.dumps(document).encode()


@pytest.fixture(autouse=True)
def small_pool(monkeypatch):
    monkeypatch.setattr(pool, "HEAD_START", 0)
    monkeypatch.setattr(pool, "CHUNK", 3)
    monkeypatch.setattr(pool, "DEPTH", 2)


def _zip(path: Path, members: list[tuple[str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a name twice: hostile zips do that
        for name, content in members:
            bundle.writestr(name, content)
    return path


def _run(path: Path, root: Path, workers: int | None, **kwargs):
    archive = Archive(root)
    with archive.lock():
        summary = import_file(
            path,
            archive=archive,
            max_member_bytes=CAP,
            now=lambda: NOW,
            workers=workers,
            **kwargs,
        )
    return archive, summary


def _files(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((root / "questions").rglob("*"))
        if path.is_file()
    }


def _index(root: Path):
    with sqlite3.connect(root / "index.sqlite") as db:
        return [
            sorted(db.execute(f"SELECT * FROM {table}").fetchall())
            for table in (
                "questions",
                "questions_fts",
                "filter_values",
                "stats_tallies",
                "stats_totals",
            )
        ] + [sorted(db.execute("SELECT name, sql FROM sqlite_master").fetchall())]


def _outcome(summary):
    return (summary.read, summary.new, summary.updated, summary.unchanged, summary.problems)


def test_the_pool_writes_the_same_files_index_and_summary_as_the_serial_import(tmp_path):
    members = [
        (f"json/QANR5L15QE{n}.json", _question(n, answered=n % 3 == 0)) for n in range(1, 21)
    ]
    members[4:4] = [
        ("json/QANR5L15QE7.json", _question(7, title="Une autre analyse")),  # a name twice
        ("json/copy/QANR5L15QE2.json", _question(2)),  # a question twice, the same
        ("json/notes.txt", b"not a question"),
        ("json/QANR5L15QE999.json", b"{not json"),
        ("../escape.json", _question(30)),
    ]
    members.append(("json/late/QANR5L15QE2.json", _question(2, answered=True)))  # and changed
    bundle = _zip(tmp_path / "Questions_ecrites.json.zip", members)
    serial, by_serial = _run(bundle, tmp_path / "serial", workers=0)
    pooled, by_pool = _run(bundle, tmp_path / "pooled", workers=2)
    assert _outcome(by_pool) == _outcome(by_serial)
    assert (by_pool.read, by_pool.new, by_pool.updated, by_pool.unchanged) == (26, 20, 2, 1)
    assert [problem.member for problem in by_pool.problems] == [
        "json/notes.txt",
        "json/QANR5L15QE999.json",
        "../escape.json",
    ]
    assert _files(pooled.root) == _files(serial.root)
    assert _index(pooled.root) == _index(serial.root)
    assert verify_archive(pooled).ok
    # Again: the same again (the questions given twice, changed, get new versions).
    _, by_serial = _run(bundle, tmp_path / "serial", workers=0)
    _, by_pool = _run(bundle, tmp_path / "pooled", workers=2)
    assert _outcome(by_pool) == _outcome(by_serial)
    assert _files(pooled.root) == _files(serial.root)
    assert _index(pooled.root) == _index(serial.root)


def test_importing_again_writes_nothing(tmp_path):
    bundle = _zip(
        tmp_path / "q.zip", [(f"json/QANR5L15QE{n}.json", _question(n)) for n in range(1, 11)]
    )
    archive, _ = _run(bundle, tmp_path / "a", workers=2)
    before = _files(archive.root)
    _, again = _run(bundle, tmp_path / "a", workers=2)
    assert (again.read, again.unchanged, again.skipped) == (0, 0, 10)  # none read
    shutil.rmtree(archive.root / "bulk")  # without the record of the last import:
    _, again = _run(bundle, tmp_path / "a", workers=2)
    assert (again.read, again.new, again.updated, again.unchanged) == (10, 0, 0, 10)
    assert _files(archive.root) == before


def test_progress_counts_every_question_in_order(tmp_path):
    bundle = _zip(
        tmp_path / "q.zip", [(f"json/QANR5L15QE{n}.json", _question(n)) for n in range(1, 11)]
    )
    seen: list[int] = []
    _run(bundle, tmp_path / "a", workers=2, on_item=lambda done, total: seen.append(done))
    assert seen == list(range(1, 11))


def test_a_write_failure_in_a_worker_stops_the_import_as_it_would_serially(tmp_path):
    bundle = _zip(
        tmp_path / "q.zip", [(f"json/QANR5L15QE{n}.json", _question(n)) for n in range(1, 11)]
    )
    for workers in (0, 2):
        root = tmp_path / f"a{workers}"
        (root / "questions/an").mkdir(parents=True)
        (root / "questions/an/15").write_bytes(b"a file where a directory goes")
        with pytest.raises(ArchiveWriteError, match="cannot write"):
            _run(bundle, root, workers=workers)
        assert not list(root.rglob(".tmp-*"))
        assert not index_is_current(root / "index.sqlite")  # marked stale, to be rebuilt


def test_ctrl_c_leaves_nothing_half_imported_and_the_import_resumes(tmp_path):
    bundle = _zip(
        tmp_path / "q.zip", [(f"json/QANR5L15QE{n}.json", _question(n)) for n in range(1, 31)]
    )

    def stop(done, total):
        if done == 7:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _run(bundle, tmp_path / "a", workers=2, on_item=stop)
    archive = Archive(tmp_path / "a")
    assert not index_is_current(archive.index_path)  # marked stale, to be rebuilt
    # The batch was never committed: what the workers staged went with it.
    assert sum(1 for _ in archive.iter_ids()) == 0
    assert not list(archive.root.rglob(".tmp-*"))
    assert not list(archive.root.rglob("*.gz"))
    _, resumed = _run(bundle, tmp_path / "a", workers=2)
    assert (resumed.new, resumed.unchanged) == (30, 0)
    assert all(archive.versions(qid) == [1] for qid in archive.iter_ids())


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


_IMPORT = """
import sys
from pathlib import Path
from qarchive.jobs.imports import pool
from qarchive.jobs.imports.dispatch import import_file
from qarchive.store.archive import Archive
pool.HEAD_START, pool.CHUNK = 0, 4
archive = Archive(Path(sys.argv[2]))
with archive.lock(wait=True):
    import_file(Path(sys.argv[1]), archive=archive, max_member_bytes=10**6, workers=2)
"""


def _staged(root: Path) -> int:
    return sum(1 for _ in root.rglob(".tmp-*"))


def _kill_once_staged(command: list[str], root: Path, *, target: int) -> None:
    """Run the import and kill -9 it once its workers have staged ``target`` files.

    The kill lands in the middle of the import, whatever the machine's speed; the
    workers must then exit on their own.
    """
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(
        lambda: (
            process.poll() is not None or bool(_children(process.pid) and _staged(root) >= target)
        ),
        what=f"the workers to stage {target} files",
    )
    assert process.poll() is None, "the import ended before the kill"
    workers = _children(process.pid)
    assert workers
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=60) == -signal.SIGKILL
    wait_for(lambda: not any(_alive(pid) for pid in workers), what="the workers to exit")


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_during_a_pooled_import_kills_the_workers_and_leaves_a_repairable_archive(
    tmp_path,
):
    bundle = _zip(
        tmp_path / "q.zip",
        [(f"json/QANR5L15QE{n}.json", _question(n)) for n in range(1, 801)],
    )
    archive = Archive(tmp_path / "a")
    command = [sys.executable, "-c", _IMPORT, str(bundle), str(archive.root)]
    rng = random.Random(5)
    for _ in range(4):
        before = {path: path.read_bytes() for path in archive.root.rglob("v*.json")}
        _kill_once_staged(command, archive.root, target=rng.randint(2, 300))
        after = {path: path.read_bytes() for path in archive.root.rglob("v*.json")}
        assert all(after.get(path) == content for path, content in before.items())
        report = verify_archive(archive)
        assert report.problems, "the kill left nothing to repair: it did not land mid-import"
        assert [problem for problem in report.problems if not problem.repairable] == []
        with archive.lock():
            assert repair_archive(archive, report) == []
        assert verify_archive(archive).ok
    subprocess.run(command, check=True, capture_output=True)
    assert sum(1 for _ in archive.iter_ids()) == 800
    assert all(archive.versions(qid) == [1] for qid in archive.iter_ids())
    assert verify_archive(archive).ok
    assert os.path.exists(archive.index_path)


def test_a_small_import_starts_no_worker(tmp_path, monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("a pool for a handful of questions")

    monkeypatch.setattr(importer, "StagingPool", no_pool)
    bundle = _zip(
        tmp_path / "q.zip", [(f"json/QANR5L15QE{n}.json", _question(n)) for n in range(1, 6)]
    )
    _, summary = _run(bundle, tmp_path / "a", workers=None)
    assert summary.new == 5
    single = tmp_path / "one.json"
    single.write_bytes(_question(9))
    _, summary = _run(single, tmp_path / "a", workers=None)
    assert summary.new == 1


def test_legislature_xiv_s_single_file_through_the_pool(tmp_path):
    questions = [json.loads(_question(n))["question"] for n in range(1, 9)]
    path = tmp_path / "questions.json"
    path.write_text(json.dumps({"questionsEcrites": {"question": questions}}))
    serial, by_serial = _run(path, tmp_path / "serial", workers=0)
    pooled, by_pool = _run(path, tmp_path / "pooled", workers=2)
    assert _outcome(by_pool) == _outcome(by_serial)
    assert by_pool.new == 8
    assert _files(pooled.root) == _files(serial.root)
    assert _index(pooled.root) == _index(serial.root)


@pytest.mark.parametrize("workers", [0, 2])
def test_a_question_twice_in_one_zip_keeps_the_raw_capture_of_each_version(tmp_path, workers):
    # Both versions are made at the import's one time: their raw captures once shared a
    # name, and the second replaced the bytes behind the first.
    first, second = _question(2), _question(2, answered=True)
    members = [(f"json/QANR5L15QE{n}.json", _question(n)) for n in (1, 3, 4)]
    members += [("json/a/QANR5L15QE2.json", first), ("json/b/QANR5L15QE2.json", second)]
    archive, summary = _run(_zip(tmp_path / "q.zip", members), tmp_path / "a", workers=workers)
    assert (summary.new, summary.updated) == (4, 1)
    directory = archive.question_dir(parse_question_id("15-2QE"))
    raws = [json.loads((directory / f"v000{n}.json").read_bytes())["raw"] for n in (1, 2)]
    assert raws[0] != raws[1]
    assert [archive.read_raw(parse_question_id("15-2QE"), names[0]) for names in raws] == [
        first,
        second,
    ]
    assert verify_archive(archive).ok


def test_the_cli_takes_a_number_of_workers(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from qarchive.cli import app

    bundle = _zip(
        tmp_path / "q.zip", [(f"json/QANR5L15QE{n}.json", _question(n)) for n in range(1, 9)]
    )
    started: list[int] = []
    real_count = importer.worker_count

    def counted(*args: object) -> int:
        started.append(real_count(*args))  # type: ignore[arg-type]
        return started[-1]

    monkeypatch.setattr(importer, "worker_count", counted)
    for workers, root in (("2", "pooled"), ("0", "serial")):
        result = CliRunner().invoke(
            app, ["import", str(bundle), "--workers", workers, "--archive", str(tmp_path / root)]
        )
        assert result.exit_code == 0, result.stderr
        assert "import: 8 read, 8 new, 0 updated, 0 unchanged" in result.stderr
    assert started == [2, 0]
    pooled, serial = Archive(tmp_path / "pooled"), Archive(tmp_path / "serial")
    ids = sorted(str(qid) for qid in pooled.iter_ids())
    assert ids == sorted(str(qid) for qid in serial.iter_ids()) and len(ids) == 8
    for qid in pooled.iter_ids():  # the same records (the files differ by their times)
        assert pooled.read_version(qid).record == serial.read_version(qid).record
    for wrong in ("-1", "9"):
        refused = CliRunner().invoke(app, ["import", str(bundle), "--workers", wrong])
        assert refused.exit_code == 2 and "--workers" in refused.stderr
