"""Issue 21, item 14: ``fetch --from-file F --url U`` takes only an address of F's own question.

``U`` becomes the record's source, which nothing else checks: a ``file:`` URL,
another host or another question's address would be archived as the truth.
"""

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import SITES
from qarchive.cli import app
from qarchive.model.ids import parse_question_id
from qarchive.store.archive import Archive

DYN_PATH = "/dyn/15/questions/QANR5L15QE12526"
PAGE = SITES / "www.assemblee-nationale.fr" / DYN_PATH.lstrip("/")


def run(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "only http and https URLs"),
        (
            "https://example.org" + DYN_PATH,
            "example.org is not an Assemblée nationale or Sénat site",
        ),
        ("https://www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE1", "15-1QE"),
        ("https://www.senat.fr/questions/base/2018/qSEQ180304125.html", "SEQ180304125"),
        ("https://me:pw@www.assemblee-nationale.fr" + DYN_PATH, "it names a user"),
    ],
)
def test_an_address_that_is_not_the_pages_question_is_refused(sites, url, reason):
    result = run("fetch", "--from-file", str(PAGE), "--url", url)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: --url")
    assert len(result.stderr.splitlines()) == 1
    assert reason in result.stderr
    assert not Archive(Path(os.environ["QARCHIVE_ARCHIVE"])).root.joinpath("questions").exists()


@pytest.mark.parametrize("local", [False, True])
def test_the_pages_own_address_is_kept_on_the_parliaments_or_the_configured_hosts(sites, local):
    host = sites.an.base_url if local else "https://www.assemblee-nationale.fr"
    result = run("fetch", "--from-file", str(PAGE), "--url", host + DYN_PATH)
    assert result.exit_code == 0, result.output
    archive = Archive(Path(os.environ["QARCHIVE_ARCHIVE"]))
    record = archive.read_version(parse_question_id("15-12526QE")).record
    assert record.source.url == host + DYN_PATH
