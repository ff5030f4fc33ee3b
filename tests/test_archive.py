import datetime as dt
import gzip
import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factories import NOW, answered, make_question
from qarchive.errors import (
    ArchiveDamaged,
    ArchiveLocked,
    ArchiveWriteError,
    NotArchived,
    UsageError,
)
from qarchive.model.ids import parse_question_id
from qarchive.store.archive import Archive
from qarchive.store.files import atomic_write, compact_json, dump_json
from qarchive.store.raw import RawCapture
from qarchive.store.state import ErrorInfo
from qarchive.store.versions import SaveOutcome

QID = parse_question_id("15-12526QE")
RAW = RawCapture("https://example/page", b"<html>page</html>", "html")


@pytest.fixture
def archive(tmp_path):
    return Archive(tmp_path / "archive")


def test_first_save_writes_v0001_with_the_pinned_layout(archive):
    result = archive.save(make_question(), qid=QID, fetched_at=NOW, raw=[RAW])
    assert (result.outcome, result.version, result.changed) == (SaveOutcome.NEW, 1, [])
    directory = archive.root / "questions/an/15/15-12526QE"
    document = json.loads((directory / "v0001.json").read_text())
    assert list(document) == [
        "schema",
        "version",
        "fetched_at",
        "content_hash",
        "changed",
        "raw",
        "record",
    ]
    assert document["schema"] == 1 and document["version"] == 1
    assert document["fetched_at"] == "2026-11-23T02:00:00+00:00"
    assert document["raw"] == ["raw/20261123T020000000000Z.html.gz"]
    assert document["record"] == make_question().model_dump(mode="json")
    assert gzip.decompress((directory / document["raw"][0]).read_bytes()) == RAW.content
    assert archive.read_raw(QID, document["raw"][0]) == RAW.content


def test_same_content_writes_nothing(archive):
    archive.save(make_question(), qid=QID, fetched_at=NOW, raw=[RAW])
    before = sorted(p.name for p in archive.question_dir(QID).rglob("*"))
    later = NOW + dt.timedelta(days=1)
    result = archive.save(make_question(), qid=QID, fetched_at=later, raw=[RAW])
    assert (result.outcome, result.version) == (SaveOutcome.UNCHANGED, 1)
    assert sorted(p.name for p in archive.question_dir(QID).rglob("*")) == before


def test_changed_content_writes_v0002_with_changed_fields(archive):
    archive.save(make_question(), qid=QID, fetched_at=NOW, raw=[RAW])
    result = archive.save(answered(make_question()), qid=QID, fetched_at=NOW + dt.timedelta(days=1))
    assert (result.outcome, result.version, result.changed) == (
        SaveOutcome.UPDATED,
        2,
        ["answer", "status"],
    )
    assert archive.versions(QID) == [1, 2]
    assert archive.read_version(QID).record.status == "answered"
    assert archive.read_version(QID, 1).record.answer is None
    assert [v.version for v in archive.history(QID)] == [1, 2]
    left, right, changes = archive.diff(QID)
    assert (left, right) == (1, 2)
    assert [c.path for c in changes] == ["answer", "status"]


def test_diff_needs_two_versions(archive):
    archive.save(make_question(), qid=QID, fetched_at=NOW)
    with pytest.raises(NotArchived, match="has only 1 version; nothing to compare"):
        archive.diff(QID)
    with pytest.raises(UsageError):
        archive.diff(QID, 1, None)


def test_missing_question_and_version(archive):
    with pytest.raises(
        NotArchived, match=r"15-12526QE is not in the archive .*; run: qarchive fetch 15-12526QE"
    ):
        archive.read_version(QID)
    archive.save(make_question(), qid=QID, fetched_at=NOW)
    with pytest.raises(NotArchived, match="has no version 7"):
        archive.read_version(QID, 7)
    assert archive.latest(parse_question_id("15-1QE")) is None


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # truncated
        lambda text: "not json",
        lambda text: text.replace('"Intérieur"', '"Extérieur"'),  # hash no longer matches
        lambda text: text.replace('"schema":1', '"schema":99'),
        lambda text: text.replace('"status":"pending"', '"status":"lost"'),
    ],
)
def test_damaged_version_is_reported_and_never_overwritten(archive, damage):
    archive.save(make_question(), qid=QID, fetched_at=NOW)
    path = archive.question_dir(QID) / "v0001.json"
    path.write_text(damage(path.read_text()))
    damaged = path.read_bytes()
    with pytest.raises(ArchiveDamaged, match=r"v0001.json is damaged .*; run: qarchive verify"):
        archive.read_version(QID)
    with pytest.raises(ArchiveDamaged):
        archive.save(answered(make_question()), qid=QID, fetched_at=NOW)
    assert path.read_bytes() == damaged
    assert archive.versions(QID) == [1]


def test_crash_while_writing_a_version_leaves_the_previous_one(archive, monkeypatch):
    archive.save(make_question(), qid=QID, fetched_at=NOW, raw=[RAW])
    good = (archive.question_dir(QID) / "v0001.json").read_bytes()

    def crash(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(ArchiveWriteError, match=r"v0002\.json: No space left on device; free"):
        archive.save(answered(make_question()), qid=QID, fetched_at=NOW + dt.timedelta(days=1))
    monkeypatch.undo()
    assert archive.versions(QID) == [1]
    assert (archive.question_dir(QID) / "v0001.json").read_bytes() == good
    assert archive.read_version(QID).record == make_question()
    leftovers = [p for p in archive.question_dir(QID).rglob("*") if p.name.startswith(".tmp-")]
    assert leftovers == []


def test_atomic_write_replaces_whole_files(tmp_path):
    target = tmp_path / "sub" / "f.json"
    atomic_write(target, b"one")
    atomic_write(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["f.json"]


def test_state_records_success_and_failures(archive):
    assert archive.record_check(QID, at=NOW) is None  # never archived: no directory made
    assert not archive.question_dir(QID).exists()
    archive.save(make_question(), qid=QID, fetched_at=NOW)
    stored = {"etag": '"e"', "last_modified": None}
    state = archive.record_check(QID, at=NOW, validators={"u": stored})
    assert state is not None and state.validators_for("u") == stored
    error = ErrorInfo(at=NOW, message="HTTP 500", url="u")
    archive.record_check(QID, at=NOW, error=error)
    state = archive.record_check(QID, at=NOW, error=error)
    assert state is not None and state.consecutive_failures == 2
    reread = archive.read_state(QID)
    assert reread.last_error == error
    assert reread.validators_for("u") == stored  # kept through failures


def test_garbage_state_counts_as_empty(archive):
    archive.save(make_question(), qid=QID, fetched_at=NOW)
    (archive.question_dir(QID) / "state.json").write_text("{garbage")
    assert archive.read_state(QID).checked_at is None


def test_lock_is_exclusive(archive):
    with archive.lock():
        other = Archive(archive.root)
        with (
            pytest.raises(ArchiveLocked, match="locked by another qarchive process") as caught,
            other.lock(),
        ):
            pass
        assert caught.value.exit_code == 3
    with Archive(archive.root).lock():
        pass


def test_a_change_of_source_alone_is_not_a_new_version(archive):
    from qarchive.model.question import Source, SourceFormat

    archive.save(make_question(), qid=QID, fetched_at=NOW)
    moved = make_question(source=Source(format=SourceFormat.AN_EZ_HTM, url="http://mirror/q"))
    result = archive.save(moved, qid=QID, fetched_at=NOW)
    assert (result.outcome, result.version) == (SaveOutcome.UNCHANGED, 1)


def test_lock_is_reentrant_for_the_same_archive_object(archive):
    with archive.lock(), archive.lock():
        assert archive.open_index() is not None  # a rebuild inside the lock does not deadlock
    with Archive(archive.root).lock():
        pass


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(document=_JSON)
def test_archive_files_are_the_bytes_json_dumps_would_write(document):
    # Both use pydantic's encoder for speed; the files must not change for it.
    # (Records hold no floats, the one type the two encoders spell differently.)
    indented = (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    assert dump_json(document) == indented
    compact = json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert compact_json(document) == compact.encode("utf-8")


def test_a_real_version_file_is_written_as_json_dumps_writes_it(archive):
    record = answered(make_question(text='Guillemets « », \\ barre, "citation", \u2028, 😀\x01'))
    archive.save(record, qid=QID, fetched_at=NOW, raw=[RAW])
    path = archive.question_dir(QID) / "v0001.json"
    document = json.loads(path.read_bytes())
    expected = json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert path.read_text(encoding="utf-8") == expected  # one line: a block on disk saved
