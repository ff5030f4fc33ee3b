"""Issue 21, item 4: a Sénat page of 1,200 nested ``<span>`` once stopped ``fetch A B`` before B."""

import os
from pathlib import Path

from typer.testing import CliRunner

from conftest import FIXTURES, SITES
from qarchive.cli import app
from qarchive.model.ids import parse_question_id
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
