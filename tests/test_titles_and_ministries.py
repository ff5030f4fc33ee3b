"""Untitled questions shown by their analyse or rubrique, and ministries counted by reference (issue 19).

Questions before the AN's 15th legislature have no title: ``list``, ``search`` and
``export`` show "[analyse] …" (else "[rubrique] …") in the same ``title`` column,
never an empty cell. Ministries change names with governments: ``stats --by
ministry`` counts names as published, ``stats --by ministry-ref`` counts the AN's
reference (PO…) under its latest name.
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
from qarchive.index.choices import StatsGroup
from qarchive.index.filters import Filters
from qarchive.index.stats import compute_stats
from qarchive.model.ids import Chamber, parse_question_id
from qarchive.model.question import (
    Answer,
    Ministry,
    Publication,
    Question,
    Source,
    SourceFormat,
    Status,
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


def _ministry(name: str, ref: str | None = None) -> Ministry:
    return Ministry(name=name, ref=ref)


def _answered(qid: str, ministry: Ministry, published: dt.date, **more) -> Question:
    legislature, number = qid.removesuffix("QE").split("-")
    return make_question(
        id=qid,
        legislature=int(legislature),
        number=int(number),
        ministry_asked=ministry,
        ministry_responding=ministry,
        published=Publication(date=published),
        answer=Answer(
            published=Publication(date=published + dt.timedelta(days=30)), ministry=ministry
        ),
        status=Status.ANSWERED,
        **more,
    )


# One ministry, one reference, three names over the years; another reference; and a
# Sénat ministry, which has no AN reference.
RENAMED = [
    _answered("16-1QE", _ministry("Intérieur et outre-mer", "PO800001"), dt.date(2023, 1, 10)),
    _answered("17-2QE", _ministry("Intérieur", "PO800001"), dt.date(2024, 10, 1)),
    _answered("17-3QE", _ministry("Intérieur", "PO800001"), dt.date(2025, 2, 3)),
    # The XML export gives the same reference without its prefix.
    _answered("17-4QE", _ministry("Intérieur", "800001"), dt.date(2024, 11, 5),
              source=Source(format=SourceFormat.AN_QUESTION_XML, url="https://example/x")),
    _answered("17-5QE", _ministry("Intérieur", "PO800002"), dt.date(2025, 3, 4)),
    _answered("15-6QE", _ministry("Intérieur", None), dt.date(2019, 3, 4)),
    make_question(
        id="SEQ020802065", chamber=Chamber.SENAT, legislature=12, number=2065,
        ministry_asked=None,
        ministry_responding=_ministry("Intérieur, de la sécurité intérieure et des libertés locales", "42"),
        published=Publication(date=dt.date(2002, 8, 29)),
    ),
]  # fmt: skip


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


@pytest.fixture
def ministries(tmp_path) -> Archive:
    return _archive(tmp_path, RENAMED)


def _rows(archive, by, **filters):
    return [
        (row.name, row.ref, row.questions)
        for row in compute_stats(archive, Filters(**filters), by=by, today=TODAY)
    ]


def test_by_name_each_name_apart(ministries):
    assert _rows(ministries, StatsGroup.MINISTRY) == [
        ("Intérieur", None, 5),
        ("Intérieur et outre-mer", None, 1),
        ("Intérieur, de la sécurité intérieure et des libertés locales", None, 1),
    ]


def test_by_reference_under_its_latest_name(ministries):
    expected = [
        # PO800001: four questions, two names; 17-3QE (2025-02-03) is its latest.
        ("Intérieur", "PO800001", 4),
        ("Intérieur", None, 1),  # no reference: by name
        ("Intérieur", "PO800002", 1),
        ("Intérieur, de la sécurité intérieure et des libertés locales", None, 1),
    ]
    assert _rows(ministries, StatsGroup.MINISTRY_REF) == expected
    # The same through the questions themselves (a text filter is not tallied).
    assert _rows(ministries, StatsGroup.MINISTRY_REF, ministry="intérieur") == expected
    # Filtered to the 16th legislature: one name, the reference's latest in the archive.
    assert _rows(ministries, StatsGroup.MINISTRY_REF, legislature=16) == [
        ("Intérieur", "PO800001", 1)
    ]


def test_the_latest_name_follows_a_new_question(ministries):
    renamed = _answered(
        "17-7QE", _ministry("Intérieur et sécurité", "PO800001"), dt.date(2026, 1, 5)
    )
    with ministries.lock():
        ministries.save(renamed, qid=parse_question_id(renamed.id), fetched_at=NOW)
    assert _rows(ministries, StatsGroup.MINISTRY_REF)[0] == ("Intérieur et sécurité", "PO800001", 5)


def test_stats_says_which_grouping_its_figures_use(ministries):
    where = ("--archive", str(ministries.root))
    by_ref = run("stats", "--by", "ministry-ref", *where)
    assert by_ref.exit_code == 0, by_ref.stderr
    assert by_ref.stdout.splitlines()[0].startswith("Ministry (by reference)")
    # One name, several references: each row says which.
    assert by_ref.stdout.splitlines()[1].startswith("Intérieur (PO800001)")
    assert by_ref.stderr == "7 questions in 4 ministries (by reference)\n"
    by_name = run("stats", "--by", "ministry", *where)
    assert by_name.stdout.splitlines()[0].startswith("Ministry ")
    assert by_name.stderr == "7 questions in 3 ministries\n"
    as_json = json.loads(run("stats", "--by", "ministry-ref", "--format", "json", *where).stdout)
    assert [(row["name"], row["ref"], row["questions"]) for row in as_json][:1] == [
        ("Intérieur", "PO800001", 4)
    ]
