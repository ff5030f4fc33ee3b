"""Untitled questions shown by their analyse or rubrique (issue 19).

Questions before the AN's 15th legislature have no title: ``list``, ``search`` and
``export`` show "[analyse] …" (else "[rubrique] …") in the same ``title`` column,
never an empty cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from typer.testing import CliRunner

from factories import NOW, make_question
from qarchive.cli import app
from qarchive.model.ids import parse_question_id
from qarchive.model.question import (
    Publication,
)
from qarchive.store.archive import Archive

TODAY = dt.date(2026, 11, 23)
ANALYSED = make_question(  # as the eZ page of a 14th-legislature question gives it
    id="14-3200QE",
    legislature=14,
    number=3200,
    title=None,
    rubrique="État",
    heading="financement",
    analysis=["rapport", "propositions"],
    published=Publication(date=dt.date(2012, 8, 21)),
)
RUBRIQUE_ONLY = make_question(
    id="11-450QE", legislature=11, number=450, title=None, rubrique="logement : aides et prêts",
    published=Publication(date=dt.date(1997, 6, 30)),
)  # fmt: skip
TITLED = make_question()
NOTHING = make_question(id="11-451QE", legislature=11, number=451, title=None)


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def _archive(tmp_path, records) -> Archive:
    archive = Archive(tmp_path / "archive")
    with archive.lock():
        for record in records:
            archive.save(record, qid=parse_question_id(record.id), fetched_at=NOW)
    return archive


def test_the_title_or_what_stands_for_it():
    assert TITLED.shown_title() == "Privatisation du centre d’appels de l’ANTS"
    assert ANALYSED.shown_title() == "[analyse] rapport. propositions"
    assert RUBRIQUE_ONLY.shown_title() == "[rubrique] logement : aides et prêts"
    assert make_question(title=None, themes=["Police et sécurité"]).shown_title() == (
        "[thème] Police et sécurité"
    )
    assert NOTHING.model_copy(update={"rubrique": None}).shown_title() is None


@pytest.fixture
def titles(tmp_path) -> Archive:
    return _archive(tmp_path, [ANALYSED, RUBRIQUE_ONLY, TITLED])


def test_list_shows_the_analyse_or_rubrique_in_every_format(titles):
    where = ("--archive", str(titles.root))
    shown = {
        row["id"]: row["title"]
        for row in json.loads(run("list", "--format", "json", *where).stdout)
    }
    assert shown == {
        "15-12526QE": "Privatisation du centre d’appels de l’ANTS",
        "14-3200QE": "[analyse] rapport. propositions",
        "11-450QE": "[rubrique] logement : aides et prêts",
    }
    rows = csv.DictReader(io.StringIO(run("list", "--format", "csv", *where).stdout))
    assert {row["id"]: row["title"] for row in rows} == shown
    table = run("list", *where).stdout.splitlines()
    assert table[0].endswith("Title")
    assert next(line for line in table if line.startswith("14-3200QE")).endswith(
        "[analyse] rapport. propositions"
    )
    assert next(line for line in table if line.startswith("11-450QE")).endswith(
        "[rubrique] logement : aides et prêts"
    )


def test_search_shows_them_too(titles):
    result = run("search", "rapport", "--format", "json", "--archive", str(titles.root))
    assert [(row["id"], row["title"]) for row in json.loads(result.stdout)] == [
        ("14-3200QE", "[analyse] rapport. propositions")
    ]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_shows_them_in_the_same_column(titles, tmp_path, fmt):
    path = tmp_path / f"out.{fmt}"
    result = run("export", "--format", fmt, "-o", str(path), "--archive", str(titles.root))
    assert result.exit_code == 0, result.stderr
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        titles_by_id = {row["id"]: row["title"] for row in rows}
    else:
        import pyarrow.parquet as pq

        table = pq.read_table(path).to_pydict()
        titles_by_id = dict(zip(table["id"], table["title"], strict=True))
    assert titles_by_id["14-3200QE"] == "[analyse] rapport. propositions"
    assert titles_by_id["11-450QE"] == "[rubrique] logement : aides et prêts"
    # The full record keeps what was published: no title.
    jsonl = tmp_path / "out.jsonl"
    run("export", "--format", "jsonl", "-o", str(jsonl), "--archive", str(titles.root))
    records = {json.loads(line)["id"]: json.loads(line) for line in jsonl.read_text().splitlines()}
    assert records["14-3200QE"]["title"] is None
