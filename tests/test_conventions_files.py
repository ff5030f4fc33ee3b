"""The command line a daily user expects (issue 20): exports, feeds, damage, Datasette, progress.

Each test runs the command line as a user would, over a small archive or the
local copy of the sites.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pyarrow.parquet as pq
import pytest

from cli_helpers import build, question, run

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
