"""Notifications: real commands, the outbox, and several refreshes against the local sites.

Each notify command here is a real process (``sys.executable`` running a small
script) that appends the event it reads on stdin to a file, or fails in one of
the ways a real command fails.
"""

import datetime as dt
import json
import os
import shlex
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from factories import NOW, answered, make_question
from qarchive.errors import ArchiveDamaged, UsageError
from qarchive.follow.digest import make_digest
from qarchive.follow.events import derive_events, read_events
from qarchive.follow.notify import (
    MAX_FAILURES_IN_A_ROW,
    deliver_outbox,
    load_outbox,
    queue_events,
    run_command,
)
from qarchive.follow.watch import SavedSearch, add_watches, load_watchlist
from qarchive.jobs.fetch import fetch_questions
from qarchive.jobs.plan import RefreshOptions, plan_refresh
from qarchive.jobs.refresh import run_refresh
from qarchive.model.ids import parse_question_id
from qarchive.settings import load_settings
from qarchive.store.archive import Archive
from qarchive.store.layout import OUTBOX_FILE, REFRESH_LOG
from question_pages import opendata_page, opendata_path, publication_list
from test_cli import ANSWERED_JSON, JSON_PATH, SEED

NIGHT = dt.datetime(2019, 1, 20, 3, 30, tzinfo=dt.UTC)
Q2, Q3, Q4 = (parse_question_id(f"15-{n}QE") for n in (2, 3, 4))
[EVENT] = derive_events(make_question(), answered(make_question()), version=2, archived_at=NOW)

APPEND = "import sys; open(sys.argv[1], 'a', encoding='utf-8').write(sys.stdin.read())"
FAIL = "import sys; sys.stdin.read(); print('endpoint said no', file=sys.stderr); sys.exit(3)"


def command(tmp_path: Path, code: str, *args: str) -> str:
    """A shell command running ``code`` with the current Python."""
    script = tmp_path / f"notify-{abs(hash(code))}.py"
    script.write_text(code, encoding="utf-8")
    words = [sys.executable, str(script), *args]
    return " ".join(shlex.quote(word) for word in words)


def received(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# -- one command --------------------------------------------------------------------


def test_the_event_arrives_on_stdin_with_variables(tmp_path):
    out = tmp_path / "got.txt"
    code = (
        "import os, sys; data = sys.stdin.read(); "
        "open(sys.argv[1], 'w', encoding='utf-8').write(data + os.environ['QARCHIVE_EVENT_ID'] "
        "+ '|' + os.environ['QARCHIVE_EVENT_TYPE'] + '|' + os.environ['QARCHIVE_EVENT_SUMMARY'])"
    )
    assert run_command(command(tmp_path, code, str(out)), EVENT, timeout=20) is None
    payload, variables = out.read_text(encoding="utf-8").split("\n")
    assert json.loads(payload)["id"] == "15-12526QE@v2:answered"
    assert variables == f"15-12526QE@v2:answered|answered|{EVENT.summary}"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (FAIL, "exit 3: endpoint said no"),
        ("import sys; sys.exit(1)", "exit 1"),
        ("import time; time.sleep(30)", "timed out after 0.5s"),
    ],
)
def test_failures_are_one_line(tmp_path, code, expected):
    assert run_command(command(tmp_path, code), EVENT, timeout=0.5) == expected


def test_timeout_kills_the_whole_command(tmp_path):
    started = time.monotonic()
    shell = f"{command(tmp_path, 'import time; time.sleep(30)')} | cat"
    assert run_command(shell, EVENT, timeout=0.5) == "timed out after 0.5s"
    assert time.monotonic() - started < 10


def test_a_missing_program(tmp_path):
    error = run_command("qarchive-no-such-program --x", EVENT, timeout=5)
    assert error is not None
    assert error.startswith("exit 127: ") and "not found" in error


def test_a_command_that_ignores_stdin(tmp_path):
    assert run_command("true", EVENT, timeout=5) is None


# -- the outbox ---------------------------------------------------------------------


def test_outbox_keeps_failures_and_stops_after_failures_in_a_row(tmp_path):
    archive = Archive(tmp_path / "a")
    events = [EVENT.model_copy(update={"id": f"e{n}"}) for n in range(5)]
    assert queue_events(archive, events, now=lambda: NOW) == 5
    assert queue_events(archive, events[:2], now=lambda: NOW) == 0  # never twice
    report = deliver_outbox(archive, command(tmp_path, FAIL), timeout=20, now=lambda: NOW)
    assert len(report.failed) == MAX_FAILURES_IN_A_ROW
    assert report.failed[0] == "e0: exit 3: endpoint said no"
    assert (report.delivered, report.waiting) == ([], 5)
    entries = load_outbox(archive).entries
    assert [entry.attempts for entry in entries] == [1, 1, 1, 0, 0]
    assert entries[0].last_error == "exit 3: endpoint said no"
    out = tmp_path / "got.jsonl"
    report = deliver_outbox(archive, command(tmp_path, APPEND, str(out)), timeout=20)
    assert (report.delivered, report.failed, report.waiting) == (
        ["e0", "e1", "e2", "e3", "e4"],
        [],
        0,
    )
    assert [event["id"] for event in received(out)] == ["e0", "e1", "e2", "e3", "e4"]
    assert load_outbox(archive).entries == []


def test_a_damaged_outbox_is_left_alone(tmp_path):
    archive = Archive(tmp_path / "a")
    archive.root.mkdir(parents=True)
    (archive.root / OUTBOX_FILE).write_text('{"schema": 1, "entries": [{"event": 3}]}')
    with pytest.raises(ArchiveDamaged, match=r"outbox.json is damaged \(entries.0.event"):
        queue_events(archive, [EVENT])
    with pytest.raises(UsageError, match="--notify needs a command"):
        deliver_outbox(archive, "  ", timeout=20)
    assert (archive.root / OUTBOX_FILE).read_text() == '{"schema": 1, "entries": [{"event": 3}]}'


# -- refreshes against the local sites ------------------------------------------------


@pytest.fixture
def follow(sites):
    """SEED and 15-2QE archived (pending) and watched; a saved search for "mutuelles"."""
    settings = load_settings()
    archive = Archive(Path(os.environ["QARCHIVE_ARCHIVE"]))
    sites.an.pages[opendata_path(2)] = opendata_page(2, title="Hôpitaux", text="Les hôpitaux.")
    before = NIGHT - dt.timedelta(days=2)
    with archive.lock():
        reports = list(
            fetch_questions([SEED, Q2], settings=settings, archive=archive, now=lambda: before)
        )
    assert all(report.ok for report in reports)
    add_watches(archive, [SEED, Q2], now=lambda: before)
    add_watches(archive, search=SavedSearch(query="mutuelles"), now=lambda: before)
    return settings, archive


def refresh(settings, archive, at, **options):
    with archive.lock():
        return run_refresh(archive, settings, RefreshOptions(**options), now=lambda: at)


def night_one(sites):
    """SEED is answered, 15-2QE withdrawn, 15-3QE (about mutuelles) and 15-4QE published."""
    sites.an.pages[JSON_PATH] = ANSWERED_JSON.read_bytes()
    sites.an.pages[opendata_path(2)] = opendata_page(
        2,
        title="Hôpitaux",
        text="Les hôpitaux.",
        closure=("RET", "Retrait à l'initiative de l'auteur", "2019-01-18"),
    )
    sites.an.pages[opendata_path(3)] = opendata_page(
        3, title="Étudiants", text="La situation des mutuelles étudiantes.", published="2019-01-15"
    )
    sites.an.pages[opendata_path(4)] = opendata_page(
        4, title="Routes", text="L'entretien des routes.", published="2019-01-15"
    )
    path, content = publication_list(NIGHT.date(), [3, 4])
    sites.an.pages[path] = content


def test_refreshes_notify_each_event_once_and_retry_failures(follow, sites, tmp_path):
    settings, archive = follow
    out = tmp_path / "notified.jsonl"
    ok = command(tmp_path, APPEND, str(out))
    night_one(sites)

    first = refresh(settings, archive, NIGHT, notify=ok)
    assert (first.checked, first.new, first.changed, first.discovered) == (4, 2, 2, 2)
    assert first.watched == [  # the watchlist's first, then the saved searches'
        "15-12526QE answered on 2019-01-15 after 105 days: "
        "Privatisation du centre d’appels de l’ANTS",
        "15-2QE withdrawn on 2019-01-18 (Retrait à l'initiative de l'auteur): Hôpitaux",
        "15-3QE new question, published 2019-01-15: Étudiants",
    ]
    assert (first.notified, first.notify_failed, first.outbox) == (3, [], 0)
    assert first.events == 4  # 15-4QE's arrival is journaled, not followed
    got = received(out)
    # 15-2QE's author was known by reference only: the night first imported the
    # reference data, which named it (v2); its withdrawal is v3.
    assert sorted(event["id"] for event in got) == [
        "15-12526QE@v2:answered",
        "15-2QE@v3:withdrawn",
        "15-3QE@v1:new_question",
    ]
    by_id = {event["id"]: event for event in got}
    assert by_id["15-3QE@v1:new_question"]["watched_by"] == ['search "mutuelles"']
    assert by_id["15-2QE@v3:withdrawn"]["watched_by"] == ["watchlist"]
    assert by_id["15-12526QE@v2:answered"]["details"] == {"delay_days": 105}

    # Nothing new: nothing notified again, even with a different command.
    second = refresh(settings, archive, NIGHT + dt.timedelta(days=1), notify=ok)
    assert (second.watched, second.notified, second.outbox) == ([], 0, 0)
    assert len(received(out)) == 3

    # 15-3QE (followed through the saved search) is answered; the command fails.
    sites.an.pages[opendata_path(3)] = opendata_page(
        3,
        title="Étudiants",
        text="La situation des mutuelles étudiantes.",
        published="2019-01-15",
        answer=("2019-01-22", "Réponse."),
    )
    third = refresh(settings, archive, NIGHT + dt.timedelta(days=2), notify=command(tmp_path, FAIL))
    assert third.watched == ["15-3QE answered on 2019-01-22 after 7 days: Étudiants"]
    assert third.notify_failed == ["15-3QE@v2:answered: exit 3: endpoint said no"]
    assert (third.notified, third.outbox) == (0, 1)
    assert len(received(out)) == 3
    [entry] = load_outbox(archive).entries
    assert (entry.event.id, entry.attempts) == ("15-3QE@v2:answered", 1)

    # The next run delivers it, once; the run after has nothing left.
    fourth = refresh(settings, archive, NIGHT + dt.timedelta(days=3), notify=ok)
    assert (fourth.watched, fourth.notified, fourth.notify_failed, fourth.outbox) == ([], 1, [], 0)
    fifth = refresh(settings, archive, NIGHT + dt.timedelta(days=4), notify=ok)
    assert fifth.notified == 0
    ids = [event["id"] for event in received(out)]
    assert len(ids) == len(set(ids)) == 4
    assert ids[-1] == "15-3QE@v2:answered"

    # The journal has every event once; the log line names the watched events.
    journal = read_events(archive)
    assert len(journal) == len({e.id for e in journal}) == 5
    log = json.loads((archive.root / REFRESH_LOG).read_text().splitlines()[2])
    assert log["notify_failed"] == ["15-3QE@v2:answered: exit 3: endpoint said no"]
    assert log["watched"] == ["15-3QE answered on 2019-01-22 after 7 days: Étudiants"]


def test_watched_questions_are_rechecked_whatever_their_age(follow, sites):
    settings, archive = follow
    night_one(sites)
    refresh(settings, archive, NIGHT)
    # A year on, SEED (answered) and 15-2QE (withdrawn) are no longer "recent",
    # yet being watched they are still checked, first.
    later = NIGHT + dt.timedelta(days=365)
    sites.an.pages[opendata_path(2)] = opendata_page(
        2,
        title="Hôpitaux",
        text="Les hôpitaux, texte rectifié.",
        closure=("RET", "Retrait à l'initiative de l'auteur", "2019-01-18"),
    )
    options = RefreshOptions(discover=False)
    assert plan_refresh(archive, options, today=later.date(), watched=[]) == [Q3, Q4]
    assert plan_refresh(archive, options, today=later.date()) == [SEED, Q2, Q3, Q4]
    assert plan_refresh(archive, RefreshOptions(legislature=16), today=later.date()) == []
    summary = refresh(settings, archive, later, discover=False)
    assert summary.checked == 4
    assert summary.watched == ["15-2QE question text changed (erratum): Hôpitaux"]


def test_versions_saved_by_fetch_are_reported_by_the_next_refresh(follow, sites, tmp_path):
    settings, archive = follow
    sites.an.pages[JSON_PATH] = ANSWERED_JSON.read_bytes()
    with archive.lock():
        list(fetch_questions([SEED], settings=settings, archive=archive, now=lambda: NIGHT))
    # A digest between the fetch and the refresh has nothing yet...
    assert make_digest(archive, now=lambda: NIGHT + dt.timedelta(minutes=30)).empty
    summary = refresh(settings, archive, NIGHT + dt.timedelta(hours=1), discover=False)
    assert summary.changed == 0
    assert summary.watched == [
        "15-12526QE answered on 2019-01-15 after 105 days: "
        "Privatisation du centre d’appels de l’ANTS"
    ]
    [event] = read_events(archive, watched=True)
    assert event.archived_at == NIGHT  # the version's time
    assert event.recorded_at == NIGHT + dt.timedelta(hours=1)  # when the refresh found it
    # ...and the next one has it, though the version is older than the last digest.
    digest = make_digest(archive, now=lambda: NIGHT + dt.timedelta(hours=2))
    assert [e.id for e in digest.watched] == ["15-12526QE@v2:answered"]
    again = refresh(settings, archive, NIGHT + dt.timedelta(hours=2), discover=False)
    assert again.watched == []


def test_a_run_killed_before_the_watchlist_is_saved_repeats_nothing(follow, sites, tmp_path):
    settings, archive = follow
    out = tmp_path / "notified.jsonl"
    ok = command(tmp_path, APPEND, str(out))
    night_one(sites)
    watchlist = archive.root / "watchlist.json"
    saved = tmp_path / "watchlist.before.json"
    shutil.copy(watchlist, saved)
    refresh(settings, archive, NIGHT, notify=ok)
    assert len(received(out)) == 3
    # As if the run had died after journaling and notifying, before the new
    # seen_version was written: the events are derived again, and dropped.
    shutil.copy(saved, watchlist)
    again = refresh(settings, archive, NIGHT + dt.timedelta(hours=1), notify=ok)
    assert (again.watched, again.notified) == ([], 0)
    assert len(received(out)) == 3
    assert load_watchlist(archive).find(SEED).seen_version == 2  # type: ignore[union-attr]


def test_a_damaged_watchlist_never_stops_the_archiving(follow, sites):
    settings, archive = follow
    night_one(sites)
    watchlist = archive.root / "watchlist.json"
    watchlist.write_text('{"schema": 1, "questions": [{"id": "../../etc"}]}')
    summary = refresh(settings, archive, NIGHT)
    assert summary.changed == 2 and summary.new == 2  # archived as usual
    assert summary.events == 0 and summary.watched == []
    [damage] = summary.damaged
    assert "watchlist.json is damaged (questions.0.id: Value error, not a question ID" in damage
    assert watchlist.read_text() == '{"schema": 1, "questions": [{"id": "../../etc"}]}'
