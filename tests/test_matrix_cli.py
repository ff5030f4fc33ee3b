"""End to end, every kind of question: fetched from the local sites, and the field report.

The kind × format matrix of ``tests/parsers/test_matrix.py`` through the command line:
government and oral questions fetched like any other (issue 19), and ``verify --fields``
exiting 0 on every page of the samples and fixtures, where no mandatory field is missing
that its source holds.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cocoa import unwrap_cocoa
from conftest import FIXTURES
from factories import NOW, make_question
from matrix_pages import BUILT, REAL
from qarchive.cli import app
from qarchive.model.ids import parse_question_id
from qarchive.model.question import Author, Group, Publication, Source, SourceFormat, Status
from qarchive.store.archive import Archive

SENAT_PAGES = (
    (FIXTURES / "sites/www.senat.fr/questions/base/2018/qSEQ180304125.html", "2018/qSEQ180304125"),
    (FIXTURES / "variants/senat/qSEQ180304125.2010-2018.html", "2018/qSEQ180304125"),
)
SENAT_DATA = FIXTURES / "sites/data.senat.fr/data/questions"


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def archive() -> Archive:
    return Archive(Path(os.environ["QARCHIVE_ARCHIVE"]))


def test_government_and_oral_questions_are_fetched_answered(sites):
    result = run("fetch", "16-200QG", "16-350QOSD", "17-1QG", "14-200QG", "11-450QOSD")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "16-200QG         new       v1",
        "16-350QOSD       new       v1",
        "17-1QG           new       v1",
        "14-200QG         new       v1",
        "11-450QOSD       new       v1",
    ]
    qg = archive().read_version(parse_question_id("16-200QG")).record
    assert (qg.source.format, qg.status, qg.text) == (
        SourceFormat.AN_DYN_HTML,
        Status.ANSWERED,
        None,
    )
    assert qg.answer is not None and qg.answer.published.date == dt.date(2022, 10, 26)
    assert (qg.author.region, qg.author.constituency) == ("Nouvelle-Aquitaine", None)
    # The open data first, then the /dyn page for the names, its region included.
    qosd = archive().read_version(parse_question_id("16-350QOSD")).record
    assert qosd.source.format is SourceFormat.AN_OPENDATA_JSON
    assert qosd.source.names_from == sites.an.base_url + "/dyn/16/questions/QANR5L16QOSD350"
    assert (qosd.author.name, qosd.author.region) == (
        "Danielle Brulebois",
        "Bourgogne-Franche-Comté",
    )
    assert qosd.answer is not None and qosd.answer.published == Publication(
        date=dt.date(2023, 5, 24), page=4877
    )
    listing = run("list", "--format", "json", "--sort", "published")
    rows = {row["id"]: row for row in json.loads(listing.stdout)}
    assert {row["status"] for row in rows.values()} == {"answered"}
    assert not any(row["overdue"] or row["days_waiting"] for row in rows.values())
    assert rows["16-350QOSD"]["answer_delay_days"] == 8
    assert run("list", "--unanswered", "--format", "ids").stdout == ""


def test_a_version_misread_before_is_corrected(sites):
    # What an older qarchive saved of 16-350QOSD's /dyn page: pending, no answer, no
    # title, the region as the constituency.
    misread = make_question(
        id="16-350QOSD",
        legislature=16,
        number=350,
        kind="QOSD",
        url="https://www.assemblee-nationale.fr/dyn/16/questions/QANR5L16QOSD350",
        title=None,
        author=Author(
            name="Danielle Brulebois",
            civility="Mme",
            ref="PA719890",
            group=Group(full="Renaissance"),
            constituency="Bourgogne-Franche-Comté",
        ),
        published=Publication(date=dt.date(2023, 5, 16)),
        source=Source(format=SourceFormat.AN_DYN_HTML, url="https://example/dyn"),
    )
    store = archive()
    with store.lock():
        store.save(misread, qid=parse_question_id("16-350QOSD"), fetched_at=NOW)
    result = run("fetch", "16-350QOSD")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("16-350QOSD       updated   v2  (")
    record = store.read_version(parse_question_id("16-350QOSD")).record
    assert record.status is Status.ANSWERED and record.answer is not None
    assert record.title == "Revalorisation du Ségur du personnel du secteur social et médico-social"
    assert (record.author.constituency, record.author.region) == (None, "Bourgogne-Franche-Comté")


def _matrix_pages(tmp_path: Path) -> list[tuple[Path, str]]:
    """Every page of the matrix that is there (built ones always, real ones when present)."""
    pages = []
    for page in BUILT + REAL:
        if not page.file.is_file():
            continue
        path = page.file
        if ".cocoa." in page.path:
            path = tmp_path / f"{page.golden}.html"
            path.write_text(unwrap_cocoa(page.file.read_text(encoding="utf-8")), encoding="utf-8")
        pages.append((path, page.url))
    return pages


def _report(root: Path) -> tuple[Any, list[dict[str, Any]]]:
    result = run("verify", "--fields", "--format", "json", "--archive", str(root))
    return result, json.loads(result.stdout)


def test_verify_fields_exits_0_on_the_samples_and_fixtures(tmp_path):
    pages = _matrix_pages(tmp_path)
    pages += [
        (path, f"https://www.senat.fr/questions/base/{name}.html") for path, name in SENAT_PAGES
    ]
    declared: set[tuple[str, str]] = set()
    for number, (path, url) in enumerate(pages):
        # One archive per page: each is judged alone, not completed by another format.
        root = tmp_path / f"archive{number}"
        saved = run("fetch", "--from-file", str(path), "--url", url, "--archive", str(root))
        assert saved.exit_code == 0, (path, saved.stderr)
        result, rows = _report(root)
        assert result.exit_code == 0, (path, result.stderr)
        assert [row["field"] for row in rows if row["mandatory"] and row["missing_examples"]] == []
        declared |= {(path.name, row["field"]) for row in rows if row["not_in_source"]}
    # What the sources cannot hold was reported as such, not as a gap.
    assert ("QANR5L16QG200", "text") in declared
    assert ("qSEQ180304125.html", "ministry_asked") in declared
    assert ("QANR5L17QG1.json", "author.name") in declared
    assert ("11-450QG.htm", "title") in declared
    assert ("QANR5L16QOSD350", "answer.session_date") in declared


@pytest.mark.parametrize("data", ["questions-depuis-un-an.csv", "questions.zip"])
def test_verify_fields_exits_0_on_the_senat_open_data(tmp_path, data):
    root = str(tmp_path / "archive")
    imported = run("import", str(SENAT_DATA / data), "--archive", root)
    assert imported.exit_code == 0, imported.stderr
    result, rows = _report(Path(root))
    assert result.exit_code == 0, result.stderr

    def total(field: str, column: str) -> int:  # over the legislatures
        return sum(row[column] for row in rows if row["field"] == field)

    if data.endswith(".csv"):  # no texts in the CSV: the text is not in that source
        assert (total("text", "present"), total("text", "not_in_source")) == (0, 6)
        why = {
            reason for row in rows if row["field"] == "text" for reason in row["not_in_source_why"]
        }
        assert why == {"the Sénat CSV has neither texts nor JO pages"}
    else:  # the dump dates the sittings where oral questions were answered
        assert total("answer.session_date", "present") == total("answer.session_date", "total") == 3
