"""Events derived from two versions of a record (pure), and the events journal."""

import datetime as dt
import json

import pytest

from factories import NOW, answered, make_question
from qarchive.follow.events import (
    EventType,
    append_events,
    derive_events,
    event_json,
    events_between,
    read_events,
    recent_event_ids,
)
from qarchive.model.ids import parse_question_id
from qarchive.model.question import (
    Attribution,
    Closure,
    Erratum,
    Ministry,
    Publication,
    Signalement,
    Status,
)
from qarchive.store.archive import Archive
from qarchive.store.layout import EVENTS_DIR

PENDING = make_question()
SEED = parse_question_id("15-12526QE")


def derive(old, new, version=2):
    return derive_events(old, new, version=version, archived_at=NOW)


def test_first_version_is_a_new_question():
    [event] = derive(None, PENDING, version=1)
    assert event.id == "15-12526QE@v1:new_question"
    assert event.type is EventType.NEW_QUESTION
    assert event.previous_version is None
    assert event.date == dt.date(2018, 10, 2)
    assert event.summary == (
        "15-12526QE new question, published 2018-10-02: Privatisation du centre d’appels de l’ANTS"
    )
    assert event.author == "M. Ugo Bernalicis"
    assert event.ministry == "Intérieur"
    assert not event.watched


def test_an_answer_is_one_event_with_its_delay():
    [event] = derive(PENDING, answered(PENDING))
    assert event.id == "15-12526QE@v2:answered"
    assert event.type is EventType.ANSWERED
    assert event.previous_version == 1
    assert event.date == dt.date(2019, 1, 15)
    assert event.details == {"delay_days": 105}
    assert event.summary.startswith("15-12526QE answered on 2019-01-15 after 105 days: ")


@pytest.mark.parametrize(
    ("status", "kind", "reason"),
    [
        (Status.WITHDRAWN, EventType.WITHDRAWN, "Retrait à l'initiative de l'auteur"),
        (Status.LAPSED, EventType.LAPSED, "Fin de mandat"),
        (Status.CONVERTED, EventType.CONVERTED, "Transformée en question orale"),
    ],
)
def test_closures(status, kind, reason):
    closed = PENDING.model_copy(
        update={"status": status, "closed": Closure(date=dt.date(2019, 1, 10), reason=reason)}
    )
    [event] = derive(PENDING, closed)
    assert (event.type, event.date, event.details) == (
        kind,
        dt.date(2019, 1, 10),
        {"reason": reason},
    )
    assert event.summary.startswith(f"15-12526QE {kind.value} on 2019-01-10 ({reason}): ")


def test_reopened_is_a_status_change():
    closed = PENDING.model_copy(update={"status": Status.WITHDRAWN})
    [event] = derive(closed, PENDING)
    assert event.type is EventType.STATUS_CHANGED
    assert event.details == {"old": "withdrawn", "new": "pending"}


def test_renewal_signalement_reattribution_together():
    new = PENDING.model_copy(
        update={
            "renewals": [dt.date(2019, 1, 8)],
            "signalements": [Signalement(published=dt.date(2019, 1, 9))],
            "ministry_responding": Ministry(name="Économie"),
            "attribution_history": [
                Attribution(ministry=Ministry(name="Économie"), date=dt.date(2019, 1, 7))
            ],
        }
    )
    events = derive(PENDING, new, version=3)
    assert [e.id for e in events] == [
        "15-12526QE@v3:renewed",
        "15-12526QE@v3:signalee",
        "15-12526QE@v3:reattributed",
    ]
    renewed, signalee, moved = events
    assert renewed.date == dt.date(2019, 1, 8)
    assert signalee.summary.startswith(
        "15-12526QE signalée on 2019-01-09, answer due by 2019-01-19"
    )
    assert moved.details == {"old": "Intérieur", "new": "Économie"}
    assert moved.date == dt.date(2019, 1, 7)


def test_text_changes_are_errata_once_per_text():
    old = answered(PENDING, "Première rédaction.")
    new = answered(PENDING, "Rédaction corrigée.").model_copy(
        update={
            "text": "Texte corrigé.",
            "errata": [Erratum(target="answer", published=Publication(date=dt.date(2019, 2, 1)))],
        }
    )
    events = derive(old, new)
    assert [e.id for e in events] == [
        "15-12526QE@v2:text_changed:question",
        "15-12526QE@v2:text_changed:answer",
    ]
    assert events[1].date == dt.date(2019, 2, 1)
    assert events[1].summary.startswith("15-12526QE answer text changed (erratum): ")


def test_nothing_followable_changed():
    assert derive(PENDING, PENDING.model_copy(update={"rubrique": "autre"})) == []


def test_same_versions_same_ids():
    first = [e.id for e in derive(PENDING, answered(PENDING))]
    assert first == [e.id for e in derive(PENDING, answered(PENDING))]


def test_event_json_is_one_line():
    [event] = derive(PENDING, answered(PENDING))
    text = event_json(event.watched_for(["watchlist", "watchlist"]))
    assert "\n" not in text
    data = json.loads(text)
    assert data["id"] == "15-12526QE@v2:answered"
    assert data["watched_by"] == ["watchlist"]
    assert data["archived_at"] == "2026-11-23T02:00:00Z"


def test_events_between_reads_the_versions(tmp_path):
    archive = Archive(tmp_path / "a")
    with archive.lock():
        archive.save(PENDING, qid=SEED, fetched_at=NOW)
        archive.save(answered(PENDING), qid=SEED, fetched_at=NOW + dt.timedelta(hours=1))
    events = events_between(archive, SEED, 0, 2)
    assert [e.id for e in events] == ["15-12526QE@v1:new_question", "15-12526QE@v2:answered"]
    assert events[1].archived_at == NOW + dt.timedelta(hours=1)
    assert events_between(archive, SEED, 2, 2) == []


def test_journal_by_month_and_a_line_cut_short(tmp_path):
    archive = Archive(tmp_path / "a")
    [october] = derive_events(None, PENDING, version=1, archived_at=NOW - dt.timedelta(days=40))
    [november] = derive(PENDING, answered(PENDING))
    append_events(archive, [october, november])
    folder = archive.root / EVENTS_DIR
    assert sorted(p.name for p in folder.iterdir()) == ["2026-10.jsonl", "2026-11.jsonl"]
    # A crash cut the last line short: it is skipped, and the next line starts afresh.
    with open(folder / "2026-11.jsonl", "ab") as handle:
        handle.write(b'{"id": "15-1QE@v2:ans')
    [late] = derive(PENDING, PENDING.model_copy(update={"renewals": [dt.date(2019, 1, 8)]}), 3)
    append_events(archive, [late])
    found = read_events(archive)
    assert [e.id for e in found] == [october.id, november.id, late.id]
    assert [e.id for e in read_events(archive, since=NOW - dt.timedelta(days=1))] == [
        november.id,
        late.id,
    ]
    assert read_events(archive, until=NOW - dt.timedelta(days=1)) == [october]
    assert read_events(archive, watched=True) == []
    assert recent_event_ids(archive, now=NOW) == {october.id, november.id, late.id}
    assert recent_event_ids(archive, now=NOW + dt.timedelta(days=62)) == set()
