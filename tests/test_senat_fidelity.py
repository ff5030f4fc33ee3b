"""One Sénat record whatever the source: the page, the rolling-year CSV, the SQL dump.

The three fixtures of the seed SEQ180304125 agree on every field except those
``fidelity.FORMAT_GAPS`` declares; imports after a fetch write only what
a source adds, and a later fetch of the page takes nothing away.
"""

import io
import os
import sqlite3
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import FIXTURES
from fidelity import comparable, gaps
from qarchive.cli import app
from qarchive.model.ids import parse_question_id
from qarchive.model.question import Question
from qarchive.sources import parse
from qarchive.sources.senat import dump, opendata_csv
from qarchive.store.archive import Archive

SEED = parse_question_id("SEQ180304125")
SENAT = FIXTURES / "sites/www.senat.fr"
DATA = FIXTURES / "sites/data.senat.fr/data/questions"
PAGE = SENAT / "questions/base/2018/qSEQ180304125.html"
OLD_PAGE = FIXTURES / "variants/senat/qSEQ180304125.2010-2018.html"


def from_page(path: Path = PAGE) -> Question:
    return parse(
        path.read_bytes(), url="https://www.senat.fr/questions/base/2018/qSEQ180304125.html"
    )


def from_csv() -> Question:
    rows = opendata_csv.iter_records(
        io.BytesIO((DATA / "questions-depuis-un-an.csv").read_bytes()), url="csv"
    )
    return next(
        r.record
        for r in rows
        if isinstance(r, opendata_csv.ParsedRow) and r.record.id == SEED.canonical
    )


def from_dump() -> Question:
    with (
        zipfile.ZipFile(DATA / "questions.zip") as archive,
        archive.open(archive.namelist()[0]) as stream,
    ):
        rows = list(dump.iter_records(stream, url="dump", spill=sqlite3.connect(":memory:")))
    return next(
        r.record
        for r in rows
        if isinstance(r, opendata_csv.ParsedRow) and r.record.id == SEED.canonical
    )


@pytest.mark.parametrize(
    ("left", "right"),
    [(from_page, from_csv), (from_page, from_dump), (from_csv, from_dump)],
    ids=["page-csv", "page-dump", "csv-dump"],
)
def test_each_pair_of_sources_agrees_but_for_declared_gaps(left, right):
    a, b = left(), right()
    ignore = gaps(a.source.format, b.source.format)
    assert comparable(a, ignore) == comparable(b, ignore)
    # The gaps are real differences, not a blanket: the shared core is all there.
    kept = comparable(a, ignore)
    assert kept["author"]["name"] == "Philippe Bonnecarrère"
    assert kept["published"]["date"] == "2018-03-22"
    assert kept["answer"]["published"]["date"] == "2018-05-17"
    assert kept["ministry_responding"]["name"] == "Intérieur"


def test_the_2010_2018_page_agrees_with_the_dump():
    old, full = from_page(OLD_PAGE), from_dump()
    ignore = gaps(old.source.format, full.source.format)
    assert comparable(old, ignore) == comparable(full, ignore)


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_fetch_then_imports_then_fetch_only_ever_add(sites):
    store = Archive(Path(os.environ["QARCHIVE_ARCHIVE"]))
    assert run("fetch", "SEQ180304125").exit_code == 0
    page_record = store.read_version(SEED).record
    assert page_record.ministry_asked is None  # the page names the answering ministry only

    result = run("import", str(DATA / "questions.zip"))
    assert result.exit_code == 0, result.stderr
    assert store.versions(SEED) == [1, 2]  # the dump adds the ministry asked
    stored = store.read_version(SEED)
    assert stored.changed == ["ministry_asked"]
    assert stored.record.ministry_asked is not None
    assert stored.record.ministry_asked.name == "Intérieur"
    # Nothing the page gave was lost to the dump's plainer spellings.
    assert stored.record.author.published_name == "BONNECARRÈRE Philippe"
    assert stored.record.answer == page_record.answer

    assert run("import", str(DATA / "questions-depuis-un-an.csv")).exit_code == 0
    assert run("fetch", "SEQ180304125").exit_code == 0
    assert store.versions(SEED) == [1, 2]  # the CSV and the page again: nothing new
