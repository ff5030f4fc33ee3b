"""Issue 21, item 9: SQLite's "database or disk is full" is the one-line write error.

The disk is made full for SQLite alone: every connection gets a ``max_page_count``
that lets no database grow, which makes SQLite fail exactly as on a full disk
(SQLITE_FULL, "database or disk is full").
"""

import json
import sqlite3
import zipfile

import pytest
from typer.testing import CliRunner

from conftest import FIXTURES
from qarchive.cli import app
from small_archive import RECORDS, build_archive

FULL = "database or disk is full; free some space, then run: qarchive verify"


@pytest.fixture
def archive(sites, tmp_path, monkeypatch):
    archive = build_archive(tmp_path / "archive")
    monkeypatch.setenv("QARCHIVE_ARCHIVE", str(archive.root))
    return archive


class FullDisk:
    """Makes SQLite's disk full (:meth:`fill`), and gives the room back (:meth:`free`)."""

    def __init__(self, monkeypatch) -> None:
        self._monkeypatch = monkeypatch
        self._real = sqlite3.connect

    def _connect(self, *args, **kwargs):
        connection = self._real(*args, **kwargs)
        connection.execute("PRAGMA max_page_count = 1")  # never below the file's size
        return connection

    def fill(self) -> None:
        self._monkeypatch.setattr(sqlite3, "connect", self._connect)

    def free(self) -> None:
        self._monkeypatch.setattr(sqlite3, "connect", self._real)


@pytest.fixture
def full_disk(monkeypatch):
    return FullDisk(monkeypatch)


def assert_one_line(result, path) -> None:
    assert result.exit_code == 1, result.output
    assert result.stderr == f"Error: cannot write {path}: {FULL}\n"


@pytest.mark.parametrize(
    "command",
    [["list"], ["reindex"], ["verify", "--repair"], ["digest"], ["refresh", "--no-discover"]],
)
def test_no_index_and_no_space_is_one_line(archive, full_disk, command):
    archive.index_path.unlink()
    full_disk.fill()
    result = CliRunner().invoke(app, command)
    if command[0] == "verify":  # the problem it found is said first
        assert result.exit_code == 1, result.output
        assert result.stderr.endswith(f"Error: cannot write {archive.index_path}: {FULL}\n")
        return
    assert_one_line(result, archive.index_path)


def test_a_full_disk_during_an_import_is_one_line_and_loses_nothing(archive, full_disk, tmp_path):
    seed = json.loads((FIXTURES / "variants/an/QANR5L15QE12526.answered.json").read_bytes())
    path = tmp_path / "Questions_ecrites.json.zip"
    with zipfile.ZipFile(path, "w") as bundle:
        for number in range(900, 905):
            seed["question"]["uid"] = f"QANR5L15QE{number}"
            seed["question"]["identifiant"]["numero"] = str(number)
            bundle.writestr(f"json/QANR5L15QE{number}.json", json.dumps(seed))
    before = {path: path.read_bytes() for path in archive.root.rglob("v*.json")}
    full_disk.fill()
    result = CliRunner().invoke(app, ["import", str(path)])
    assert_one_line(result, archive.index_path)
    assert {path: path.read_bytes() for path in before} == before
    assert len(before) == len(RECORDS)
    # Once there is room, verify finds the files sound and repair makes the index whole.
    full_disk.free()
    repaired = CliRunner().invoke(app, ["verify", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert CliRunner().invoke(app, ["verify"]).exit_code == 0
