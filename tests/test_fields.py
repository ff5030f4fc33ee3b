"""The field report, ``qarchive verify --fields``: per chamber, legislature and field."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from amo_fixture import AMO_ZIP, legislature_zip, question_json
from factories import NOW, make_question
from qarchive.cli import app
from qarchive.jobs.fields import FIELD_RULES, MANDATORY, field_report
from qarchive.jobs.imports.dispatch import import_file
from qarchive.model.ids import parse_question_id
from qarchive.model.question import Answer, Publication, Status
from qarchive.store.archive import Archive

# A synthetic legislature: four deputies (two homonyms, one who changed group),
# pending and answered questions.
QUESTIONS = {
    1: question_json(1),
    2: question_json(2, published="2019-02-05", answered="2019-04-02"),
    3: question_json(3, author="PA000002", mandate="PM000002", group=None, published="2020-06-02"),
    4: question_json(4, author="PA000003", mandate="PM000003", group="PO000008"),
    5: question_json(5, author="PA000004", mandate=None, group=None, published="2021-03-09"),
}


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def _import(archive: Archive, path: Path) -> None:
    with archive.lock():
        import_file(path, archive=archive, max_member_bytes=1_000_000, now=lambda: NOW)


def _rows(result) -> dict[str, dict[str, Any]]:
    assert result.stdout.strip(), result.stderr
    return {row["field"]: row for row in json.loads(result.stdout)}


def test_a_legislature_plus_the_reference_data_is_complete(tmp_path):
    archive = Archive(tmp_path / "a")
    _import(archive, legislature_zip(tmp_path / "q.zip", QUESTIONS))
    _import(archive, AMO_ZIP)
    where = ("--archive", str(archive.root))
    result = run("verify", "--fields", "--format", "json", *where)
    assert result.exit_code == 0, result.stderr
    rows = _rows(result)
    for field in ("author.name", "author.group", "author.constituency", *MANDATORY):
        if field in rows:
            row = rows[field]
            assert (row["percent"], row["missing_examples"]) == (100.0, []), field
    assert rows["author.name"] | {"missing_examples": None} == {
        "chamber": "an",
        "legislature": 15,
        "field": "author.name",
        "mandatory": True,
        "present": 5,
        "not_in_source": 0,
        "total": 5,
        "percent": 100.0,
        "missing_examples": None,
        "not_in_source_why": [],
    }
    assert (rows["answer.published.date"]["total"], rows["answer.published.page"]["present"]) == (
        1,
        1,
    )
    assert result.stderr == "fields: 5 questions read; every mandatory field at 100 %\n"
    table = run("verify", "--fields", *where)
    assert table.exit_code == 0, table.stderr
    assert "author.name *" in table.stdout and "100 %" in table.stdout


def test_without_the_reference_data_names_are_not_in_the_source(tmp_path):
    # The open data names authors by reference only: no real gap, exit 0, and the
    # report says where the names are (issue 19: only real gaps exit 1).
    archive = Archive(tmp_path / "a")
    _import(archive, legislature_zip(tmp_path / "q.zip", QUESTIONS))
    where = ("--archive", str(archive.root))
    result = run("verify", "--fields", "--format", "json", *where)
    assert result.exit_code == 0, result.stderr
    rows = _rows(result)
    name = rows["author.name"]
    assert (name["present"], name["not_in_source"], name["total"]) == (0, 5, 5)
    assert (name["percent"], name["missing_examples"]) == (None, [])
    assert name["not_in_source_why"] == [
        "the AN open data names the author by reference only (PA…): import the AN "
        "reference data (AMO zip) to name them"
    ]
    assert rows["author.group"]["present"] == 3  # the open data gave three groups
    assert rows["author.group"]["missing_examples"] == ["15-3QE", "15-5QE"]  # gaps, reported
    assert result.stderr == (
        "fields: 5 questions read; every mandatory field at 100 % where its source "
        "holds it (not in this source: an 15 author.name)\n"
    )
    table = run("verify", "--fields", *where)
    assert table.exit_code == 0
    line = next(line for line in table.stdout.splitlines() if "author.name" in line)
    assert line.split() == ["an", "15", "author.name", "*", "0", "5", "—", "5"]
    assert "Not in this source:" in table.stdout
    assert "import the AN reference data" in " ".join(table.stdout.split())


def test_a_real_gap_in_a_mandatory_field_exits_1(tmp_path):
    archive = Archive(tmp_path / "a")
    _save(archive, text=None)  # a written question from a /dyn page, which shows the text
    result = run("verify", "--fields", "--format", "json", "--archive", str(archive.root))
    assert result.exit_code == 1
    text = _rows(result)["text"]
    assert (text["present"], text["not_in_source"], text["missing_examples"]) == (
        0,
        0,
        ["15-12526QE"],
    )
    assert result.stderr == ("fields: 1 question read; mandatory fields under 100 %: an 15 text\n")


def test_csv_joins_the_examples_and_ids_is_refused(tmp_path):
    archive = Archive(tmp_path / "a")
    _import(archive, legislature_zip(tmp_path / "q.zip", {1: QUESTIONS[1]}))
    _save(archive, id="15-2QE", number=2, text=None)
    _save(archive, id="15-3QE", number=3, text=None)
    result = run("verify", "--fields", "--format", "csv", "--archive", str(archive.root))
    rows = {row["field"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["text"]["missing_examples"] == "15-2QE 15-3QE"
    assert rows["id"]["missing_examples"] == ""
    assert (rows["author.name"]["not_in_source"], rows["author.name"]["percent"]) == ("1", "100.0")
    assert rows["author.civility"]["not_in_source_why"].startswith("the AN open data names")
    assert rows["author.civility"]["percent"] == "100.0"
    refused = run("verify", "--fields", "--format", "ids", "--archive", str(archive.root))
    assert refused.exit_code == 2
    assert "verify's rows have no IDs" in refused.stderr


def _save(archive: Archive, **overrides) -> None:
    record = make_question(**overrides)
    with archive.lock():
        archive.save(record, qid=parse_question_id(record.id), fetched_at=NOW)


def test_which_records_each_field_applies_to(tmp_path):
    archive = Archive(tmp_path / "a")
    _save(archive)  # a pending QE with its text
    _save(archive, id="15-7QG", number=7, kind="QG", text=None)  # a QG has no written text
    answer = Answer(published=Publication(date=dt.date(2019, 1, 15), page=412))
    _save(archive, id="15-8QE", number=8, status=Status.ANSWERED, answer=answer)
    _save(archive, id="15-9QE", number=9, status=Status.ANSWERED)  # closed without an answer
    _save(archive, id="16-10QE", legislature=16, number=10, text=None)
    report = field_report(archive)
    counts = {(c.legislature, c.field): c for c in report.counts}
    text = counts[15, "text"]
    assert (text.present, text.not_in_source, text.total, text.missing) == (3, 1, 4, 0)
    assert text.why == (
        "a government question is asked aloud: its only text is the exchange in the "
        "sitting, kept as the answer",
    )
    assert (
        counts[15, "answer.published.date"].present,
        counts[15, "answer.published.date"].total,
    ) == (1, 2)
    assert counts[15, "answer.published.date"].missing_examples == ("15-9QE",)
    assert counts[16, "text"].short and counts[16, "text"].missing_examples == ("16-10QE",)
    assert (16, "answer.published.date") not in counts  # no answered question there
    assert [c.field for c in report.counts if c.legislature == 16][:3] == [
        "id",
        "number",
        "published.date",
    ]
    assert not report.complete
    assert {rule.name for rule in FIELD_RULES} >= set(MANDATORY)


def test_what_a_source_cannot_hold_is_no_gap(tmp_path):
    """A Sénat page names no ministry asked, an AN /dyn page no sitting date: not gaps."""
    from qarchive.model.ids import Chamber
    from qarchive.model.question import Source, SourceFormat

    archive = Archive(tmp_path / "a")
    senat = Source(format=SourceFormat.SENAT_HTML, url="https://www.senat.fr/q.html")
    _save(
        archive,
        id="SEQ180304125",
        chamber=Chamber.SENAT,
        number=4125,
        ministry_asked=None,
        source=senat,
    )
    answer = Answer(published=Publication(date=dt.date(2023, 5, 24)))
    _save(
        archive,
        id="16-350QOSD",
        legislature=16,
        number=350,
        kind="QOSD",
        status=Status.ANSWERED,
        answer=answer,
    )
    report = field_report(archive)
    counts = {(c.chamber, c.field): c for c in report.counts}
    asked = counts["senat", "ministry_asked"]
    assert (asked.present, asked.not_in_source, asked.missing, asked.short) == (0, 1, 0, False)
    assert asked.why == ("a Sénat page names the ministry that answers, not the one asked",)
    sitting = counts["an", "answer.session_date"]
    assert (sitting.present, sitting.not_in_source, sitting.percent) == (0, 1, None)
    assert report.complete
    result = run("verify", "--fields", "--archive", str(archive.root))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == (
        "fields: 2 questions read; every mandatory field at 100 % where its source holds "
        "it (not in this source: senat 15 ministry_asked)\n"
    )


def test_odd_values_in_a_version_file_are_counted_not_a_crash(tmp_path):
    # The report reads JSON without validation: a hand-edited file may hold anything.
    archive = Archive(tmp_path / "a")
    _save(archive)
    path = archive.question_dir(parse_question_id("15-12526QE")) / "v0001.json"
    stored = json.loads(path.read_bytes())
    stored["record"] |= {"kind": [], "status": {}, "text": None, "source": {"format": ["x"]}}
    path.write_text(json.dumps(stored), encoding="utf-8")
    result = run("verify", "--fields", "--format", "json", "--archive", str(archive.root))
    assert result.exit_code == 1, result.stderr  # the text is missing, and no source explains it
    assert result.stderr.endswith("mandatory fields under 100 %: an 15 text\n")


def test_an_unreadable_version_is_named(tmp_path):
    archive = Archive(tmp_path / "a")
    _save(archive)
    (archive.question_dir(parse_question_id("15-12526QE")) / "v0001.json").write_bytes(b"{")
    report = field_report(archive)
    assert (report.questions, report.unreadable, report.complete) == (0, ["15-12526QE"], False)
    result = run("verify", "--fields", "--archive", str(archive.root))
    assert result.exit_code == 1
    assert "1 unreadable (15-12526QE)" in result.stderr


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_an_empty_archive_reports_nothing(tmp_path, fmt):
    result = run("verify", "--fields", "--format", fmt, "--archive", str(tmp_path / "a"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout in ("[]\n", "")
    assert result.stderr == "fields: 0 questions read\n"


def test_options_that_do_not_go_together(tmp_path):
    result = run("verify", "--fields", "--repair", "--archive", str(tmp_path / "a"))
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --fields repairs nothing: run verify --repair, then verify --fields\n"
    )
