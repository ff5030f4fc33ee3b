"""Issue 21, item 3: nothing outside the archive is written or deleted through a link inside it.

A ``raw/`` folder, a legislature folder or the archive's ``raw/`` (its packs)
that is a symbolic link to a folder elsewhere: ``verify`` names each link,
``verify --repair`` removes nothing through one, and ``fetch`` and ``import``
write nothing through one. The folder elsewhere is the test's own.
"""

import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import FIXTURES
from qarchive.cli import app
from qarchive.model.ids import parse_question_id
from qarchive.store.archive import Archive

SEED = parse_question_id("15-12526QE")
JSON_PATH = "/dyn/opendata/QANR5L15QE12526.json"
ANSWERED = (FIXTURES / "variants/an/QANR5L15QE12526.answered.json").read_bytes()


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def archive(sites):
    assert run("fetch", "15-12526QE", "SEQ180304125").exit_code == 0
    return Archive(Path(os.environ["QARCHIVE_ARCHIVE"]))


@pytest.fixture
def elsewhere(tmp_path):
    """Someone else's folder, outside the archive, with files of their own."""
    folder = tmp_path / "elsewhere"
    (folder / "15-77QE").mkdir(parents=True)
    (folder / "15-77QE" / "notes.txt").write_text("not the archive's")
    (folder / "20190101T000000000000Z.json.gz").write_bytes(b"someone else's capture")
    (folder / ".tmp-mine").write_text("someone else's temporary file")
    return folder


def link_raw(archive: Archive, elsewhere: Path) -> Path:
    """The seed's raw/ moved into ``elsewhere``, and a link to it in its place."""
    raw = archive.question_dir(SEED) / "raw"
    for capture in raw.iterdir():
        shutil.move(capture, elsewhere / capture.name)
    raw.rmdir()
    raw.symlink_to(elsewhere, target_is_directory=True)
    return raw


def test_verify_names_a_linked_raw_folder_and_repair_removes_nothing_through_it(archive, elsewhere):
    raw = link_raw(archive, elsewhere)
    before = files(elsewhere)
    result = run("verify")
    assert result.exit_code == 4, result.output
    assert f"Error: {raw}: a symbolic link (to {elsewhere}): qarchive neither writes" in (
        result.stderr
    )
    repaired = run("verify", "--repair")
    assert repaired.exit_code == 4, repaired.output
    assert files(elsewhere) == before
    assert archive.read_version(SEED).version == 1  # read through it, as any reader may


def test_repair_removes_nothing_in_a_linked_legislature_folder(archive, elsewhere):
    legislature = archive.root / "questions/an/15"
    shutil.move(legislature / "15-12526QE", elsewhere / "15-12526QE")
    legislature.rmdir()
    legislature.symlink_to(elsewhere, target_is_directory=True)
    before = files(elsewhere)
    result = run("verify", "--repair")
    assert result.exit_code == 4, result.output
    assert f"Error: {legislature}: a symbolic link (to {elsewhere})" in result.stderr
    assert files(elsewhere) == before  # 15-77QE, a "question" with no version, is still there


def test_fetch_writes_nothing_through_a_linked_raw_folder(archive, elsewhere, sites):
    raw = link_raw(archive, elsewhere)
    before = files(elsewhere)
    sites.an.pages[JSON_PATH] = ANSWERED  # a new version, whose capture would go in raw/
    result = run("fetch", "15-12526QE", "SEQ180304125")
    assert result.exit_code == 4, result.output
    assert result.stdout == "SEQ180304125     unchanged v1\n"
    assert result.stderr.startswith(
        f"Error: 15-12526QE: {raw} is a symbolic link: qarchive never writes or deletes "
        "through a link inside the archive"
    )
    assert files(elsewhere) == before
    assert archive.versions(SEED) == [1]


def test_import_writes_no_pack_through_a_linked_raw_folder(archive, elsewhere, tmp_path):
    (archive.root / "raw").symlink_to(elsewhere, target_is_directory=True)
    before = files(elsewhere)
    document = json.loads(ANSWERED)
    path = tmp_path / "Questions_ecrites.json.zip"
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("json/QANR5L15QE12526.json", json.dumps(document))
    result = run("import", str(path))
    assert result.exit_code == 4, result.output
    assert result.stderr.startswith(f"Error: {archive.root / 'raw'} is a symbolic link")
    assert files(elsewhere) == before


def test_folders_known_not_to_be_links_are_looked_at_once(tmp_path):
    """A batch looks at each folder on the way once; a link further down is still found."""
    from qarchive.store.files import link_on_the_way

    root = tmp_path / "archive"
    (root / "questions" / "an" / "15").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "questions" / "an" / "16").symlink_to(elsewhere, target_is_directory=True)
    known: set[str] = set()
    assert link_on_the_way(root, root / "questions/an/15/15-1QE/v0001.json", known=known) is None
    assert known == {
        str(root / "questions"),
        str(root / "questions/an"),
        str(root / "questions/an/15"),
    }
    found = link_on_the_way(root, root / "questions/an/16/16-1QE", known=known)
    assert found == root / "questions/an/16"
    assert link_on_the_way(root, tmp_path / "other/file", known=known) is None  # not inside
    assert link_on_the_way(root, root, known=known) is None


def test_repair_moves_no_capture_out_of_a_linked_raw_folder(archive, elsewhere):
    # A damaged latest version is set aside with the captures only it named; with its
    # raw/ a link, those captures are someone else's files: none is moved.
    raw = link_raw(archive, elsewhere)
    before = files(elsewhere)
    (archive.question_dir(SEED) / "v0001.json").write_text("{damaged")
    repaired = run("verify", "--repair")
    assert repaired.exit_code == 4, repaired.output
    assert f"Error: {raw}: a symbolic link (to {elsewhere})" in repaired.stderr
    assert files(elsewhere) == before
