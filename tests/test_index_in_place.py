"""Issue 21, items 6 and 10: the index is replaced in its own file; a broken one is rebuilt.

Item 6, step by step in one process (SQLite's locks and journals behave the same
between connections of a process as between processes): a reader holds the
index open, ``reindex`` rebuilds it, a writer starts a transaction big enough to
spill pages into the file, and the reader reads. When ``reindex`` renamed a new
file over the old one, the reader, still on the old file, took the writer's
journal for a crash leftover, rolled it into its file and deleted it: the writer
then failed with "disk I/O error".
"""

import contextlib
import sqlite3

import pytest
from typer.testing import CliRunner

from qarchive.cli import app
from qarchive.index.schema import index_is_current
from small_archive import RECORDS, build_archive


@pytest.fixture
def archive(tmp_path, monkeypatch):
    monkeypatch.setenv("QARCHIVE_ARCHIVE", str(tmp_path / "archive"))
    return build_archive(tmp_path / "archive")


def _count(connection):
    return connection.execute("SELECT count(*) FROM questions").fetchone()[0]


def test_a_reader_open_across_a_reindex_leaves_the_next_writer_its_journal(archive):
    reader = archive.open_index()
    assert _count(reader) == len(RECORDS)
    reader.execute("PRAGMA busy_timeout = 0")  # told at once that a writer holds the file
    with archive.lock():
        archive.reindex()
    writer = sqlite3.connect(archive.index_path, isolation_level=None)
    writer.execute("PRAGMA cache_size = 2")  # pages spill into the file: a real journal
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM questions WHERE id = ?", (RECORDS[0].id,))
    writer.execute("CREATE TABLE filler (x)")
    writer.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,) for _ in range(2000)])
    journal = archive.index_path.with_name("index.sqlite-journal")
    assert journal.exists()
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        _count(reader)  # the writer's file, locked: the reader waits its turn
    assert journal.exists()
    writer.execute("COMMIT")
    writer.close()
    assert _count(reader) == len(RECORDS) - 1  # the same file: it sees the commit
    reader.close()
    with contextlib.closing(sqlite3.connect(archive.index_path)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.parametrize("table", ["questions_fts", "filter_values", "stats_totals", "meta"])
def test_an_index_missing_a_table_is_rebuilt(archive, table):
    with contextlib.closing(sqlite3.connect(archive.index_path)) as db, db:
        db.execute(f"DROP TABLE {table}")
    assert not index_is_current(archive.index_path)
    for command in (["list"], ["search", "hôpitaux"], ["stats"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 0, result.output
    assert index_is_current(archive.index_path)


def test_an_index_that_is_an_empty_folder_is_rebuilt(archive):
    archive.index_path.unlink()
    archive.index_path.mkdir()
    result = CliRunner().invoke(app, ["list", "--format", "ids"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.split()) == len(RECORDS)
    assert index_is_current(archive.index_path)


def test_an_index_that_is_a_folder_with_files_is_named_and_left_alone(archive):
    archive.index_path.unlink()
    (archive.index_path / "notes.txt").parent.mkdir()
    (archive.index_path / "notes.txt").write_text("mine")
    result = CliRunner().invoke(app, ["list"])
    assert result.exit_code == 4, result.output
    assert result.stderr == (
        f"Error: {archive.index_path} is a folder, not a database: move it out of the "
        "archive, then run: qarchive reindex\n"
    )
    assert (archive.index_path / "notes.txt").read_text() == "mine"
