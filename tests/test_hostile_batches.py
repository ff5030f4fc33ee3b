"""Issue 21, item 4: one bad question fails alone, in every command that handles many.

A Sénat page of 1,200 nested ``<span>`` once overflowed the text walker's
recursion and stopped ``fetch A B`` before B, and ``refresh`` every night. The
walker is iterative now; and whatever a question's content makes fail in a way no
check foresaw, ``fetch``, ``refresh``, ``import``, ``verify`` and ``export`` name it
in one line and go on with the others.
"""

import json
import os
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import FIXTURES, SITES
from qarchive.cli import app
from qarchive.model.ids import parse_question_id
from qarchive.model.question import SourceFormat
from qarchive.store.archive import Archive

AN = parse_question_id("15-12526QE")
SENAT = parse_question_id("SEQ180304125")
SENAT_PATH = "/questions/base/2018/qSEQ180304125.html"
SENAT_PAGE = (SITES / "www.senat.fr" / SENAT_PATH.lstrip("/")).read_bytes()
SEED_JSON = FIXTURES / "sites/www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE12526.json"
BROKEN = "maximum recursion depth exceeded"


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def archive() -> Archive:
    return Archive(Path(os.environ["QARCHIVE_ARCHIVE"]))


def test_a_page_of_a_thousand_nested_spans_parses(sites):
    nested = b"<span>" * 1200 + b"M. Philippe Bonnecarr" + b"</span>" * 1200
    sites.senat.pages[SENAT_PATH] = SENAT_PAGE.replace(b"M. Philippe Bonnecarr", nested, 1)
    result = run("fetch", "SEQ180304125", "15-12526QE")
    assert result.exit_code == 0, result.output
    assert result.stdout == "SEQ180304125     new       v1\n15-12526QE       new       v1\n"
    text = archive().read_version(SENAT).record.text
    assert text is not None and text.startswith("M. Philippe Bonnecarrère attire l'attention")


@pytest.fixture
def broken_senat_parser(monkeypatch):
    """The Sénat parser fails as no check foresaw (what the nested spans once did)."""
    from qarchive import sources

    def broken(content, *, url):
        raise RecursionError(BROKEN)

    def break_it():
        monkeypatch.setitem(sources.PARSERS, SourceFormat.SENAT_HTML, broken)

    return break_it


def test_fetch_names_the_question_a_parser_failed_on_and_fetches_the_next(
    sites, broken_senat_parser
):
    broken_senat_parser()
    result = run("fetch", "SEQ180304125", "15-12526QE")
    assert result.exit_code == 1, result.output
    assert result.stdout == "15-12526QE       new       v1\n"
    url = sites.senat.base_url + SENAT_PATH
    assert result.stderr.startswith(
        f"Error: SEQ180304125: {url}: unexpected RecursionError ({BROKEN}); "
        "please report it to qarchive\n"
    )
    assert result.stderr.splitlines()[-1].endswith(": 1 new, 0 updated, 0 unchanged, 1 failed")
    assert archive().read_state(SENAT).last_error is None  # never archived: no state


def test_refresh_goes_on_past_the_question_and_logs_the_night(sites, broken_senat_parser):
    assert run("fetch", "SEQ180304125", "15-12526QE").exit_code == 0
    sites.senat.pages[SENAT_PATH] = SENAT_PAGE + b"<!-- served again: no 304 -->"
    broken_senat_parser()
    result = run("refresh", "--all", "--no-discover")
    assert result.exit_code == 1, result.output
    assert f"unexpected RecursionError ({BROKEN})" in result.stderr
    assert "Traceback" not in result.output
    assert "refresh: 2 checked, 0 new, 0 changed (0 new answers), 1 unchanged, 1 failed" in (
        result.stderr
    )
    log = archive().layout.refresh_log.read_text().splitlines()
    assert json.loads(log[-1])["failed"] == 1
    error = archive().read_state(SENAT).last_error
    assert error is not None and "unexpected RecursionError" in error.message


def test_import_goes_on_past_the_member(tmp_path, monkeypatch):
    from qarchive.sources.an import opendata_json

    real = opendata_json.parse

    def parse(content, *, url):
        if url.endswith("#json/QANR5L15QE1.json"):
            raise RecursionError(BROKEN)
        return real(content, url=url)

    monkeypatch.setattr(opendata_json, "parse", parse)
    seed = json.loads(SEED_JSON.read_bytes())
    path = tmp_path / "Questions_ecrites.json.zip"
    with zipfile.ZipFile(path, "w") as bundle:
        for number in (1, 12526):
            seed["question"]["uid"] = f"QANR5L15QE{number}"
            seed["question"]["identifiant"]["numero"] = str(number)
            bundle.writestr(f"json/QANR5L15QE{number}.json", json.dumps(seed))
    result = run("import", str(path), "--archive", str(tmp_path / "a"))
    assert result.exit_code == 1, result.output
    assert f"Error: json/QANR5L15QE1.json: {path.resolve().as_uri()}#json/QANR5L15QE1.json: " in (
        result.stderr
    )
    assert "import: 2 read, 1 new, 0 updated, 0 unchanged, 1 refused or failed" in result.stderr
    assert Archive(tmp_path / "a").versions(AN) == [1]


@pytest.fixture
def one_unreadable(sites, monkeypatch):
    """Two questions archived; reading the Sénat one then fails as nothing foresaw."""
    assert run("fetch", "SEQ180304125", "15-12526QE").exit_code == 0
    real = Archive.read_version

    def read_version(self, qid, version=None):
        if qid == SENAT:
            raise RecursionError(BROKEN)
        return real(self, qid, version)

    monkeypatch.setattr(Archive, "read_version", read_version)


def test_verify_reports_the_question_and_checks_the_others(one_unreadable):
    result = run("verify")
    assert result.exit_code == 4, result.output
    folder = archive().question_dir(SENAT)
    assert result.stderr.startswith(
        f"Error: {folder}: could not be checked: unexpected RecursionError ({BROKEN});"
    )
    assert "verify: 2 questions, 2 versions checked" in result.stderr


def test_export_leaves_the_question_out_and_writes_the_others(one_unreadable, tmp_path):
    out = tmp_path / "out.csv"
    result = run("export", "--format", "csv", "-o", str(out))
    assert result.exit_code == 1, result.output
    assert f"Error: SEQ180304125: unexpected RecursionError ({BROKEN})" in result.stderr
    assert [line.split(",")[0] for line in out.read_text().splitlines()] == ["id", "15-12526QE"]
