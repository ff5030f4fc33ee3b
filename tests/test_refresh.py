"""The nightly refresh against local copies of the AN sites."""

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from factories import make_question
from qarchive.jobs.fetch import fetch_questions
from qarchive.jobs.plan import RefreshOptions, plan_refresh
from qarchive.jobs.refresh import run_refresh
from qarchive.model.ids import parse_question_id
from qarchive.settings import load_settings
from qarchive.store.archive import Archive
from qarchive.store.layout import REFRESH_LOG
from test_cli import ANSWERED_JSON, JSON_PATH, SEED

NIGHT = dt.datetime(2019, 1, 20, 3, 30, tzinfo=dt.UTC)
OTHER = parse_question_id("15-1QE")  # archived, but its pages have since vanished


def clock(at=NIGHT):
    return lambda: at


@pytest.fixture
def setup(sites):
    settings = load_settings()
    archive = Archive(Path(os.environ["QARCHIVE_ARCHIVE"]))
    with archive.lock():
        reports = list(fetch_questions([SEED], settings=settings, archive=archive, now=clock()))
    assert reports[0].ok
    return settings, archive


def files(archive):
    return sorted(
        str(p.relative_to(archive.root))
        for p in (archive.root / "questions").rglob("*")
        if p.is_file() and p.name != "state.json"
    )


def refresh(settings, archive, at=NIGHT, **options):
    with archive.lock():
        return run_refresh(archive, settings, RefreshOptions(**options), now=clock(at))


def test_nothing_new_writes_nothing_and_uses_conditional_get(setup, sites):
    settings, archive = setup
    before = files(archive)
    summary = refresh(settings, archive)
    assert (summary.checked, summary.new, summary.changed, summary.unchanged, summary.failed) == (
        1,
        0,
        0,
        1,
        0,
    )
    assert files(archive) == before
    json_requests = [r for r, _ in sites.an.server.log if r.path == JSON_PATH]
    assert json_requests[-1].headers.get("If-None-Match")  # a conditional GET
    again = refresh(settings, archive)
    assert again.unchanged == 1 and files(archive) == before


def test_an_answer_upstream_makes_one_new_version(setup, sites):
    settings, archive = setup
    sites.an.pages[JSON_PATH] = ANSWERED_JSON.read_bytes()
    summary = refresh(settings, archive)
    assert (summary.changed, summary.new_answers, summary.unchanged) == (1, 1, 0)
    assert archive.versions(SEED) == [1, 2]
    # Answered five days ago: still re-checked for errata, and nothing changed.
    assert refresh(settings, archive).unchanged == 1
    assert archive.versions(SEED) == [1, 2]
    # Long after the answer, it is no longer selected (unless --all).
    later = NIGHT + dt.timedelta(days=60)
    assert refresh(settings, archive, at=later).checked == 0
    assert refresh(settings, archive, at=later, everything=True).checked == 1


def test_one_failing_question_does_not_stop_the_others(setup, sites):
    settings, archive = setup
    with archive.lock():
        archive.save(make_question(id="15-1QE", number=1), qid=OTHER, fetched_at=NIGHT)
    sites.an.pages[JSON_PATH] = ANSWERED_JSON.read_bytes()
    summaries = [refresh(settings, archive) for _ in range(3)]
    first = summaries[0]
    assert (first.checked, first.changed, first.failed) == (2, 1, 1)
    assert archive.versions(OTHER) == [1]  # the last good version is kept
    state = archive.read_state(OTHER)
    assert state.consecutive_failures == 3
    assert state.last_error is not None and "not found at any source" in state.last_error.message
    assert summaries[-1].failing == {"15-1QE": 3}
    assert summaries[0].failing == {}


def test_discovery_from_the_daily_publication_list(sites, tmp_path):
    settings = load_settings()
    archive = Archive(tmp_path / "empty")
    day = "/dyn/opendata/list-publication/publication_2019-01-20.csv"
    sites.an.pages[day] = (
        b"2019-01-20T04:00:00;https://www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE12526.xml\n"
        b"2019-01-20T04:00:01;https://www.assemblee-nationale.fr/dyn/opendata/AMANR5L15PO1.xml\n"
    )
    summary = refresh(settings, archive)
    assert (summary.discovered, summary.new, summary.failed) == (1, 1, 0)
    assert archive.versions(SEED) == [1]
    assert refresh(settings, archive, discover=False).checked == 1


def test_each_run_appends_a_json_log_line(setup):
    settings, archive = setup
    refresh(settings, archive)
    refresh(settings, archive)
    lines = (archive.root / REFRESH_LOG).read_text().splitlines()
    assert len(lines) == 2
    entry = json.loads(lines[-1])
    assert entry["started_at"] == NIGHT.isoformat()
    assert {"checked", "new", "changed", "new_answers", "unchanged", "failed", "duration_s"} <= set(
        entry
    )


def test_plan_filters(setup):
    _, archive = setup
    with archive.lock():
        archive.save(make_question(id="15-1QE", number=1), qid=OTHER, fetched_at=NIGHT)
    today = NIGHT.date()
    # Same publication date: ordered by ID.
    assert plan_refresh(archive, RefreshOptions(), today=today) == [SEED, OTHER]
    assert plan_refresh(archive, RefreshOptions(limit=1), today=today) == [SEED]
    assert plan_refresh(archive, RefreshOptions(legislature=16), today=today) == []
