"""verify names every kind of damage; --repair fixes only what is derived or temporary."""

import gzip

import pytest

from factories import NOW, answered, make_question
from qarchive.jobs.verify import repair_archive, verify_archive
from qarchive.model.ids import parse_question_id
from qarchive.store.archive import Archive
from qarchive.store.raw import RawCapture

QID = parse_question_id("15-12526QE")
OTHER = parse_question_id("15-2QE")


@pytest.fixture
def archive(tmp_path):
    store = Archive(tmp_path / "a")
    raw = [RawCapture("u", b"<html>page</html>", "html")]
    store.save(make_question(), qid=QID, fetched_at=NOW, raw=raw)
    store.save(answered(make_question()), qid=QID, fetched_at=NOW.replace(hour=3), raw=raw)
    store.save(make_question(id="15-2QE", number=2), qid=OTHER, fetched_at=NOW)
    store.reindex()
    return store


def test_a_clean_archive_verifies(archive):
    report = verify_archive(archive)
    assert report.ok, report.problems
    assert (report.questions, report.versions) == (2, 3)


def test_a_truncated_latest_version_is_set_aside_never_deleted(archive):
    path = archive.question_dir(QID) / "v0002.json"
    damaged = path.read_bytes()[:50]
    path.write_bytes(damaged)
    report = verify_archive(archive)
    # The index, built before the damage, still lists the question: repairable.
    assert [(p.path, p.repairable) for p in report.problems] == [
        (path, True),
        (archive.index_path, True),
    ]
    assert report.problems[0].message.startswith("damaged: Unterminated string")
    assert report.problems[0].message.endswith(
        "; verify --repair moves it aside, then: qarchive fetch 15-12526QE"
    )
    assert repair_archive(archive, report) == []
    aside = archive.root / "damaged" / path.relative_to(archive.root)
    # With it, the raw capture only it named (v0001 names its own).
    v1_raw = archive.read_version(QID, 1).raw
    [(question, moved)] = report.moved.items()
    assert (question, moved[0]) == ("15-12526QE", aside)
    assert [path.relative_to(aside.parent).parts[0] for path in moved] == ["v0002.json", "raw"]
    assert f"raw/{moved[1].name}" not in v1_raw and moved[1].is_file()
    assert aside.read_bytes() == damaged and not path.exists()
    assert archive.read_version(QID).version == 1  # the question can be fetched again
    assert verify_archive(archive).ok


def test_a_damaged_older_version_stays_and_is_named(archive):
    path = archive.question_dir(QID) / "v0001.json"
    path.write_bytes(path.read_bytes()[:50])
    report = verify_archive(archive)
    assert next((p.path, p.repairable) for p in report.problems) == (path, False)
    assert report.problems[0].message.endswith("; restore it from a backup")
    remaining = repair_archive(archive, report)
    assert [p.path for p in remaining] == [path]
    assert path.read_bytes()  # repair never deletes a version


def test_bad_gzip_missing_raw_gap_garbage_state_stray_temp_and_index(archive):
    directory = archive.question_dir(QID)
    raw = sorted((directory / "raw").iterdir())[0]
    raw.write_bytes(b"not gzip at all")
    (archive.question_dir(OTHER) / "v0001.json").rename(archive.question_dir(OTHER) / "v0003.json")
    (directory / "state.json").write_text("{garbage")
    stray = directory / ".tmp-v0003.json.123.abcd"
    stray.write_text("{half")
    archive.index_path.unlink()
    report = verify_archive(archive)
    found = {(p.path.name, p.repairable): p.message for p in report.problems}
    assert found[(raw.name, False)].startswith("raw capture does not decompress")
    assert found[("15-2QE", False)] == "versions are not numbered 1..1: [3]"
    assert found[("state.json", True)].startswith("unreadable state")
    assert found[(stray.name, True)] == "temporary file left by an interrupted write"
    assert found[("index.sqlite", True)].startswith("missing")
    remaining = repair_archive(archive, report)
    assert not stray.exists() and archive.index_path.exists()
    # v0001 renamed v0003 also says "version 1" inside: it is damaged, and kept.
    assert {p.path.name for p in remaining} == {raw.name, "15-2QE", "v0003.json"}
    assert {p.path.name for p in verify_archive(archive).problems} == {
        raw.name,
        "15-2QE",
        "v0003.json",
    }


def test_index_out_of_step_is_repaired(archive):
    archive.save(
        make_question(id="15-3QE", number=3), qid=parse_question_id("15-3QE"), fetched_at=NOW
    )
    archive.index_path.unlink()
    archive.reindex()
    (archive.question_dir(QID) / "v0002.json").unlink()  # as if restored from an old backup
    report = verify_archive(archive)
    assert [p.message for p in report.problems] == [
        "raw capture of no version (a write interrupted before its version)",
        'index disagrees with the files {"missing": [], "extra": [], "stale": ["15-12526QE"]}',
    ]
    assert repair_archive(archive, report) == []
    assert verify_archive(archive).ok


def test_gzip_helper_is_the_real_format(archive):
    name = archive.read_version(QID).raw[0]
    assert gzip.decompress((archive.question_dir(QID) / name).read_bytes()) == b"<html>page</html>"


def test_leftovers_of_an_interrupted_first_write_are_repaired(archive):
    orphan_dir = archive.question_dir(parse_question_id("15-7QE"))
    (orphan_dir / "raw").mkdir(parents=True)
    (orphan_dir / "raw" / "20261123T020000000000Z.json.gz").write_bytes(gzip.compress(b"{}"))
    report = verify_archive(archive)
    assert [(p.path, p.repairable) for p in report.problems] == [(orphan_dir, True)]
    assert repair_archive(archive, report) == []
    assert not orphan_dir.exists()
    assert verify_archive(archive).ok
