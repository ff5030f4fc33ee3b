"""The command line a daily user expects (issue 20): exports, feeds, damage, Datasette, progress.

Each test runs the command line as a user would, over a small archive or the
local copy of the sites.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json

import feedparser
import pyarrow.parquet as pq
import pytest
import rich.progress

from cli_helpers import archive, build, question, run
from conftest import FIXTURES
from qarchive.model.ids import parse_question_id

SEED = parse_question_id("15-12526QE")
JSON_PATH = "/dyn/opendata/QANR5L15QE12526.json"
ANSWERED_JSON = FIXTURES / "variants/an/QANR5L15QE12526.answered.json"


# -- 1: a feed's limit counts the entries its query keeps -------------------------------


def test_a_query_feed_keeps_its_match_whatever_the_limit(sites, tmp_path):
    build(
        [
            question("16-1QE", dt.date(2023, 1, 2), title="Hôpitaux de proximité"),
            question("16-2QE", dt.date(2023, 1, 5), title="Autre sujet"),
        ]
    )
    path = tmp_path / "h.atom"
    result = run("feed", "-o", str(path), "--days", "100000", "--query", "hôpitaux", "--limit", "1")
    assert result.exit_code == 0, result.stderr
    entries = feedparser.parse(path.read_bytes()).entries
    assert [entry.id for entry in entries] == ["urn:qarchive:16-1QE:question:2023-01-02"]


# -- 2: export to stdout, and a format that agrees with the file's name --------------------


@pytest.fixture
def one(sites, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where a file named "-" would land
    return build([question("16-1QE", dt.date(2023, 1, 2), title="Hôpitaux")])


def test_export_to_stdout_with_a_dash(one, tmp_path):
    result = run("export", "-f", "csv", "-o", "-")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["id"] for row in rows] == ["16-1QE"]
    assert result.stderr == "exported 1 question to stdout\n"
    assert not (tmp_path / "-").exists()
    jsonl = run("export", "-f", "jsonl", "-o", "-")
    assert json.loads(jsonl.stdout)["title"] == "Hôpitaux"


def test_export_takes_its_format_from_the_name_and_refuses_a_contradiction(one, tmp_path):
    result = run("export", "-o", "q.parquet")
    assert result.exit_code == 0, result.stderr
    assert pq.read_table(tmp_path / "q.parquet").column("id").to_pylist() == ["16-1QE"]
    refused = run("export", "-f", "parquet", "-o", "x.csv")
    assert refused.exit_code == 2
    assert refused.stderr == (
        "Error: --format parquet but x.csv is named as csv: rename the file or drop --format\n"
    )
    assert not (tmp_path / "x.csv").exists()
    unknown = run("export", "-o", "-")
    assert (unknown.exit_code, unknown.stderr) == (
        2,
        "Error: writing to stdout: give --format csv, jsonl or parquet\n",
    )


# -- 11: a damaged latest version has a way out ---------------------------------------------


def test_a_damaged_latest_version_is_set_aside_then_fetched_again(sites):
    assert run("fetch", "15-12526QE").exit_code == 0
    sites.an.pages[JSON_PATH] = ANSWERED_JSON.read_bytes()
    assert run("fetch", "15-12526QE").exit_code == 0
    latest = archive().question_dir(SEED) / "v0002.json"
    latest.write_text("{truncated")

    refused = run("fetch", "15-12526QE")
    assert refused.exit_code == 4
    assert "; run: qarchive verify --repair, which moves it aside (never deletes it), then " in (
        refused.stderr
    )
    repaired = run("verify", "--repair")
    assert repaired.exit_code == 0, repaired.stderr
    aside = archive().root / "damaged" / latest.relative_to(archive().root)
    assert aside.read_text() == "{truncated"  # kept, not deleted
    assert repaired.stderr.startswith(
        f"15-12526QE: its damaged latest version moved to {aside} (with the files only it "
        "needed); fetch it again: qarchive fetch 15-12526QE\n"
    )
    again = run("fetch", "15-12526QE")
    assert again.exit_code == 0, again.stderr
    assert again.stdout.startswith("15-12526QE       updated   v2  (")
    assert archive().read_version(SEED).record.status == "answered"
    assert run("verify").exit_code == 0


def test_a_damaged_folder_that_is_a_link_receives_nothing(sites, tmp_path):
    """verify --repair never moves a damaged version through a link (issue 21, item 3)."""
    assert run("fetch", "15-12526QE").exit_code == 0
    latest = archive().question_dir(SEED) / "v0001.json"
    latest.write_text("{truncated")
    outside = tmp_path / "outside"
    outside.mkdir()
    (archive().root / "damaged").symlink_to(outside)

    repaired = run("verify", "--repair")
    assert repaired.exit_code == 4
    assert "damaged version not moved aside: the way into damaged/ is a link" in repaired.stderr
    assert "Traceback" not in repaired.stderr
    assert list(outside.iterdir()) == []
    assert latest.read_text() == "{truncated"  # left where it was


# -- 12: a feed that can be published, in the tool's language ------------------------------


def test_a_feed_names_its_public_url(sites, tmp_path):
    build([question("16-1QE", dt.date(2023, 1, 2), title="Hôpitaux")])
    path = tmp_path / "feed.atom"
    url = "https://example.org/feeds/hopitaux.atom"
    result = run("feed", "-o", str(path), "--days", "100000", "--public-url", url)
    assert result.exit_code == 0, result.stderr
    parsed = feedparser.parse(path.read_bytes())
    assert parsed.feed.id == url
    assert [link.href for link in parsed.feed.links if link.rel == "self"] == [url]
    assert "file://" not in path.read_text()
    assert "published 2023-01-02" in parsed.entries[0].summary
    bad = run("feed", "-o", str(path), "--public-url", "example.org/x.atom")
    assert bad.exit_code == 2 and bad.stderr.startswith("Error: invalid value for '--public-url'")


# -- 13: the search box of datasette index.sqlite -------------------------------------------


def test_datasette_searches_the_questions_table(sites):
    from datasette.app import Datasette

    build(
        [
            question("16-1QE", dt.date(2023, 1, 2), title="Hôpitaux de proximité"),
            question("16-2QE", dt.date(2023, 1, 5), title="Autre sujet"),
        ]
    )
    site = Datasette(files=[str(archive().index_path)])  # as: datasette index.sqlite
    path = "/index/questions.json?_search=hopitaux&_shape=array&_col=id"
    found = asyncio.run(site.client.get(path)).json()
    assert [row["id"] for row in found] == ["16-1QE"]
    page = asyncio.run(site.client.get("/index/questions")).text
    assert 'name="_search"' in page  # the search box is shown


# -- 14: the progress bar names the question being fetched -----------------------------------


def test_the_progress_label_names_the_question_in_flight(sites, monkeypatch):
    from qarchive.cli import output

    labels: list[tuple[str, int]] = []
    requests = sites.an.server.log
    real_update = rich.progress.Progress.update

    def update(self, task, **fields):
        if "description" in fields:
            labels.append((fields["description"], len(requests)))
        return real_update(self, task, **fields)

    monkeypatch.setattr(output, "stderr_is_terminal", lambda: True)
    monkeypatch.setattr(rich.progress.Progress, "update", update)
    before = len(requests)
    assert run("fetch", "15-12526QE", "15-99999QE").exit_code == 1
    named = [(label, seen - before) for label, seen in labels if label.startswith("fetching ")]
    # Each label is set before the question's first request: none for the first, then
    # those of 15-12526QE (its open data and /dyn page) for the second.
    assert named == [("fetching 15-12526QE", 0), ("fetching 15-99999QE", 2)]
