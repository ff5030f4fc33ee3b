"""Check times: a refresh that finds nothing new writes no file in any question's directory.

The times of every check go to ``checks.json``, written once per run; ``state.json``
is written only when something else changes (validators, an error, the failure
count). ``read_state`` sees the newer time of the two files.
"""

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from qarchive.jobs.fetch import fetch_questions
from qarchive.jobs.verify import verify_archive
from qarchive.model.ids import parse_question_id
from qarchive.settings import load_settings
from qarchive.store.archive import Archive
from qarchive.store.layout import CHECKS_FILE, REFRESH_LOG
from qarchive.store.state import CheckLog, CheckTimes
from test_cli import JSON_PATH, SEED
from test_faults import SEED_JSON
from test_refresh import NIGHT, clock, refresh
from test_senat_refresh import PENDING, page_path, requests_to, run, seed_archive

LATER = NIGHT + dt.timedelta(hours=24)
OTHER = parse_question_id("15-12527QE")  # served with no ETag: the same content each time
OTHER_PATH = "/dyn/opendata/QANR5L15QE12527.json"


def iso(at: dt.datetime) -> str:
    """A time as state.json and checks.json spell it."""
    return at.isoformat().replace("+00:00", "Z")


def snapshot(directory: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file under ``directory``: mtime_ns, inode and content."""
    found = {}
    for path in directory.rglob("*"):
        if path.is_file():
            stat = path.stat()
            found[str(path.relative_to(directory))] = (
                stat.st_mtime_ns,
                stat.st_ino,
                path.read_bytes(),
            )
    return found


def checks_file(archive: Archive) -> Any:
    return json.loads((archive.root / CHECKS_FILE).read_bytes())


def state_file(archive: Archive, qid) -> Any:
    return json.loads((archive.question_dir(qid) / "state.json").read_bytes())


def serve(site, path: str, body: bytes, status: int = 200) -> None:
    """Serve ``path`` with no ETag (before the site's own files, which carry one)."""
    site.server.clear()
    site.server.expect_request(path).respond_with_data(
        body, status=status, content_type="application/json"
    )
    site.server.expect_request(re.compile(".*")).respond_with_handler(site._serve)


@pytest.fixture
def two(sites):
    """The seed (answers 304 to a conditional GET) and OTHER (no ETag: 200, same bytes)."""
    other = SEED_JSON.replace(b"QANR5L15QE12526", b"QANR5L15QE12527").replace(
        b'"numero": "12526"', b'"numero": "12527"'
    )
    serve(sites.an, OTHER_PATH, other)
    settings = load_settings()
    archive = Archive(Path(os.environ["QARCHIVE_ARCHIVE"]))
    with archive.lock():
        reports = list(
            fetch_questions([SEED, OTHER], settings=settings, archive=archive, now=clock())
        )
    assert [report.ok for report in reports] == [True, True]
    return settings, archive


def test_a_refresh_that_finds_nothing_new_writes_no_question_file(two, sites):
    settings, archive = two
    # OTHER's author is known by reference only: the first refresh imports the
    # reference data that names it (a new version). The next finds nothing new.
    refresh(settings, archive, at=NIGHT + dt.timedelta(hours=12))
    assert archive.versions(OTHER) == [1, 2]
    questions = archive.root / "questions"
    before, top = snapshot(questions), snapshot(archive.root)
    earlier = len(sites.an.server.log)
    summary = refresh(settings, archive, at=LATER)
    assert (summary.checked, summary.unchanged, summary.failed) == (2, 2, 0)
    # Both kinds of "nothing new" were seen: a 304, and a plain 200 with the same bytes.
    tonight = [r for r, _ in sites.an.server.log[earlier:]]
    assert [r.headers.get("If-None-Match") is not None for r in tonight if r.path == JSON_PATH] == [
        True
    ]
    assert [r.path for r in tonight].count(OTHER_PATH) == 1
    assert snapshot(questions) == before  # not one file written, not even state.json
    after = snapshot(archive.root)
    changed = sorted(path for path in after if top.get(path) != after[path])
    assert changed == [CHECKS_FILE, REFRESH_LOG]  # index.sqlite untouched
    assert checks_file(archive) == {
        "schema": 1,
        "checks": {
            qid.canonical: {"checked_at": iso(LATER), "succeeded_at": iso(LATER)}
            for qid in (SEED, OTHER)
        },
    }
    # The files still say NIGHT; read_state says when the question was last checked.
    assert state_file(archive, SEED)["checked_at"] == iso(NIGHT)
    fresh = Archive(archive.root)
    for qid in (SEED, OTHER):
        state = fresh.read_state(qid)
        assert (state.checked_at, state.succeeded_at) == (LATER, LATER)
        assert state.validators == archive.read_state(qid).validators
    assert verify_archive(fresh).ok  # checks.json is no damage of any question


def test_the_checks_file_is_written_once_per_run_one_line_per_question(two, monkeypatch):
    settings, archive = two
    writes: list[int] = []
    real_flush = CheckLog.flush

    def counting(self: CheckLog) -> int:
        count = real_flush(self)
        writes.append(count)
        return count

    monkeypatch.setattr(CheckLog, "flush", counting)
    refresh(settings, archive, at=LATER)
    assert [count for count in writes if count] == [2]
    lines = (archive.root / CHECKS_FILE).read_text().splitlines()
    assert lines[0] == '{"schema": 1, "checks": {'
    assert lines[1].startswith('"15-12526QE": {"checked_at": ')
    assert lines[2].startswith('"15-12527QE": {"checked_at": ')
    assert lines[3:] == ["}}"]


def test_a_damaged_or_missing_checks_file_is_ignored_and_replaced(two):
    settings, archive = two
    path = archive.root / CHECKS_FILE
    for damage in (b"{garbage", b'{"schema": 99, "checks": {}}', b'{"schema": 1, "checks": []}'):
        path.write_bytes(damage)
        assert Archive(archive.root).read_state(SEED).checked_at == NIGHT  # from state.json
        summary = refresh(settings, archive, at=LATER)
        assert (summary.checked, summary.unchanged, summary.failed) == (2, 2, 0)
        assert checks_file(archive)["checks"][SEED.canonical]["checked_at"] == iso(LATER)
    # A damaged entry counts as none; the others are read.
    document = checks_file(archive)
    document["checks"][SEED.canonical] = {"checked_at": "yesterday", "succeeded_at": 3}
    path.write_text(json.dumps(document))
    fresh = Archive(archive.root)
    assert fresh.read_state(SEED).checked_at == NIGHT
    assert fresh.read_state(OTHER).checked_at == LATER
    path.unlink()
    assert Archive(archive.root).read_state(OTHER).checked_at == NIGHT
    assert refresh(settings, archive, at=LATER).failed == 0
    assert set(checks_file(archive)["checks"]) == {SEED.canonical, OTHER.canonical}


def test_read_state_takes_the_newer_time_of_the_two_files(two):
    _, archive = two
    earlier = NIGHT - dt.timedelta(days=3)
    with archive.lock():
        archive.record_check(SEED, at=LATER)  # state.json is not written: times only
        assert archive.read_state(SEED).checked_at == LATER  # recorded, not yet written
        assert checks_file(archive)["checks"][SEED.canonical]["checked_at"] == iso(NIGHT)
    assert checks_file(archive)["checks"][SEED.canonical]["checked_at"] == iso(LATER)
    assert state_file(archive, SEED)["checked_at"] == iso(NIGHT)
    # A checks.json older than state.json (a run that died before writing it): state.json wins.
    log = CheckLog(archive.root / CHECKS_FILE)
    log.record(SEED.canonical, CheckTimes(earlier, earlier))
    log.flush()
    state = Archive(archive.root).read_state(SEED)
    assert (state.checked_at, state.succeeded_at) == (NIGHT, NIGHT)


def test_a_failure_still_writes_state_json_and_keeps_the_last_success(two, sites):
    settings, archive = two
    refresh(settings, archive, at=LATER)  # succeeded_at = LATER, in checks.json only
    serve(sites.an, OTHER_PATH, b"", status=500)  # and its other sources answer 404
    failing = LATER + dt.timedelta(days=1)
    before = (archive.question_dir(OTHER) / "state.json").read_bytes()
    summary = refresh(settings, archive, at=failing)
    assert (summary.failed, summary.unchanged) == (1, 1)
    assert (archive.question_dir(OTHER) / "state.json").read_bytes() != before
    written = state_file(archive, OTHER)
    assert written["consecutive_failures"] == 1
    assert written["last_error"]["message"]
    # state.json carries the last success too, though only checks.json held it before.
    assert (written["checked_at"], written["succeeded_at"]) == (
        iso(failing),
        iso(LATER),
    )
    state = Archive(archive.root).read_state(OTHER)
    assert (state.checked_at, state.succeeded_at) == (failing, LATER)
    assert checks_file(archive)["checks"][OTHER.canonical] == {
        "checked_at": iso(failing),
        "succeeded_at": iso(LATER),
    }


def test_an_unreadable_state_json_is_rewritten_by_the_next_check(two):
    settings, archive = two
    path = archive.question_dir(SEED) / "state.json"
    path.write_bytes(b"\x00garbage{")
    refresh(settings, archive, at=LATER)
    assert state_file(archive, SEED)["checked_at"] == iso(LATER)
    assert verify_archive(Archive(archive.root)).ok


def test_a_single_fetch_records_its_times_in_the_checks_file_too(two, sites):
    settings, archive = two
    state = (archive.question_dir(SEED) / "state.json").read_bytes()
    with archive.lock():
        (report,) = fetch_questions([SEED], settings=settings, archive=archive, now=clock(LATER))
        assert report.ok
        assert checks_file(archive)["checks"][SEED.canonical]["checked_at"] == iso(LATER)
    assert (archive.question_dir(SEED) / "state.json").read_bytes() == state
    # Without the lock (a library caller), each check is written at once.
    archive.record_check(SEED, at=LATER + dt.timedelta(hours=1))
    assert checks_file(archive)["checks"][SEED.canonical]["checked_at"] == iso(
        LATER + dt.timedelta(hours=1)
    )


def test_a_304_that_omits_last_modified_keeps_the_stored_one(two, sites):
    settings, archive = two
    with archive.lock():
        state = archive.read_state(SEED)
        etag = state.validators[sites.an.base_url + JSON_PATH]["etag"]
        archive.record_check(
            SEED,
            at=NIGHT,
            validators={
                sites.an.base_url + JSON_PATH: {
                    "etag": etag,
                    "last_modified": "Sun, 20 Jan 2019 03:00:00 GMT",
                }
            },
        )
    before = (archive.question_dir(SEED) / "state.json").read_bytes()
    refresh(settings, archive, at=LATER)  # the test server's 304 carries the ETag alone
    assert (archive.question_dir(SEED) / "state.json").read_bytes() == before


def test_the_senat_recheck_uses_the_times_of_the_checks_file(sites):
    seed_archive(sites)  # SEQ250605001 fetched now: its ETag learnt, state.json written
    store = Archive(Path(os.environ["QARCHIVE_ARCHIVE"]))
    path = store.question_dir(PENDING) / "state.json"
    month_ago = iso(dt.datetime.now(dt.UTC) - dt.timedelta(days=30))
    old = json.loads(path.read_bytes()) | {"checked_at": month_ago, "succeeded_at": month_ago}
    path.write_text(json.dumps(old))
    (store.root / CHECKS_FILE).unlink(missing_ok=True)
    # state.json alone says a month ago: the CSV's "unchanged" is not trusted, re-fetched.
    result = run("refresh", "--chamber", "senat")
    assert result.exit_code == 0, result.stderr
    assert requests_to(sites.senat, page_path("SEQ250605001")) == [page_path("SEQ250605001")]
    assert path.read_bytes() == json.dumps(old).encode()  # a 304: state.json not rewritten
    # checks.json now says minutes ago: the next run skips it.
    sites.senat.server.clear_log()
    result = run("refresh", "--chamber", "senat")
    assert result.exit_code == 0, result.stderr
    assert requests_to(sites.senat, page_path("SEQ250605001")) == []
    assert "1 unchanged per the Sénat open data, not re-fetched" in result.stderr
