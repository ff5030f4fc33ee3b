"""Issue 21, item 15: a corrected answer is reported as a correction, never as a new answer.

The seed is archived pending, then answered (the synthetic answer of
``fixtures/variants``), then its answer's text is corrected, several times.
"""

import json
import os
from pathlib import Path

import feedparser
from typer.testing import CliRunner

from conftest import FIXTURES
from qarchive.cli import app
from qarchive.follow.events import read_events
from qarchive.model.ids import parse_question_id
from qarchive.store.archive import Archive

SEED = parse_question_id("15-12526QE")
JSON_PATH = "/dyn/opendata/QANR5L15QE12526.json"
ANSWERED = json.loads((FIXTURES / "variants/an/QANR5L15QE12526.answered.json").read_bytes())


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def archive() -> Archive:
    return Archive(Path(os.environ["QARCHIVE_ARCHIVE"]))


def serve_answer(sites, text: str) -> None:
    document = json.loads(json.dumps(ANSWERED))
    document["question"]["textesReponse"]["texteReponse"]["texte"] = f"<p>{text}</p>"
    sites.an.pages[JSON_PATH] = json.dumps(document).encode()


def night():
    result = run("refresh", "--all", "--no-discover")
    assert result.exit_code == 0, result.output
    return result.stderr.splitlines()[-1]


def test_corrections_are_counted_and_told_as_corrections(sites, tmp_path):
    assert run("watch", "add", "15-12526QE").exit_code == 0
    assert run("fetch", "15-12526QE").exit_code == 0
    serve_answer(sites, "Première réponse.")
    assert "1 changed (1 new answer), 0 unchanged" in night()
    for number in range(1, 4):
        serve_answer(sites, f"Première réponse, corrigée {number} fois.")
        assert "1 changed (0 new answers, 1 answer corrected), 0 unchanged" in night()
    log = [json.loads(line) for line in archive().layout.refresh_log.read_text().splitlines()]
    assert [(run["new_answers"], run["corrected_answers"]) for run in log] == [
        (1, 0),
        (0, 1),
        (0, 1),
        (0, 1),
    ]
    # The events: one answer, then three corrections of its text.
    ids = [event.id for event in read_events(archive())]
    assert ids == [
        "15-12526QE@v1:new_question",
        "15-12526QE@v2:answered",
        "15-12526QE@v3:text_changed:answer",
        "15-12526QE@v4:text_changed:answer",
        "15-12526QE@v5:text_changed:answer",
    ]
    # The feed of recent answers names the answer a correction.
    out = tmp_path / "answers.atom"
    assert run("feed", "-o", str(out), "--days", "100000").exit_code == 0
    titles = {entry.title for entry in feedparser.parse(out.read_bytes()).entries}
    assert (
        "15-12526QE answer corrected on 2019-01-15: Privatisation du centre d’appels de l’ANTS"
        in titles
    )
    assert not any(" answered on " in title for title in titles)


def test_an_answer_text_filled_in_is_neither_new_nor_corrected(tmp_path):
    """The Sénat's CSV gives an answer's date, its page the text: no "answer corrected".

    Found by bench/nightly.py: the first refresh after a CSV import reported 229
    answers corrected for 229 answers whose text the pages filled in.
    """
    import datetime as dt

    from factories import NOW, answered, make_question
    from qarchive.jobs.refresh import RefreshSummary
    from qarchive.model.versioning import replaced_fields

    store = Archive(tmp_path / "a")
    pending = make_question()
    dated_only = answered(pending, text=None)  # type: ignore[arg-type]
    steps = [
        (pending, None),
        (dated_only, "new answer"),
        (answered(pending, text="Réponse."), None),
        (answered(pending, text="Réponse corrigée."), "corrected"),
    ]
    said: list[str | None] = []
    with store.lock():
        for number, (record, _) in enumerate(steps):
            result = store.save(record, qid=SEED, fetched_at=NOW + dt.timedelta(days=number))
            summary = RefreshSummary(started_at="")
            summary.count_saved(result)
            if summary.corrected_answers:
                said.append("corrected")
            elif summary.new_answers:
                said.append("new answer")
            else:
                said.append(None)
    assert said == [expected for _, expected in steps]
    assert replaced_fields({"answer": {"text": None}}, {"answer": {"text": "R"}}, ["answer"]) == []
    assert replaced_fields({"answer": {"text": "Q"}}, {"answer": {"text": "R"}}, ["answer"]) == [
        "answer"
    ]
