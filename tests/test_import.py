"""Bulk import of AN open-data zips: real records, variations, hostile archives."""

import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES
from qarchive.errors import UsageError
from qarchive.index.schema import index_is_current
from qarchive.jobs.imports.dispatch import import_file
from qarchive.model.ids import parse_question_id
from qarchive.store.archive import Archive

NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)
SEED_JSON = FIXTURES / "sites/www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE12526.json"
CAP = 1_000_000


def _variant(document: dict[str, Any], number: int) -> bytes:
    question = json.loads(json.dumps(document))["question"]
    question["uid"] = f"QANR5L17QE{number}"
    question["identifiant"]["numero"] = str(number)
    return json.dumps({"question": question}).encode()


@pytest.fixture
def real_zip(samples_dir, tmp_path):
    """A legislature zip built at test time from the real record and variations."""
    real = (samples_dir / "an/opendata_json/QANR5L17QE5268.json").read_bytes()
    document = json.loads(real)
    path = tmp_path / "Questions_ecrites.json.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("json/QANR5L17QE5268.json", real)
        for number in (1, 2, 3):
            archive.writestr(f"json/QANR5L17QE{number}.json", _variant(document, number))
        archive.writestr("json/", b"")
    return path


def run(path, archive, **kwargs):
    with archive.lock():
        return import_file(path, archive=archive, max_member_bytes=CAP, now=lambda: NOW, **kwargs)


def test_import_a_legislature_zip(real_zip, tmp_path):
    archive = Archive(tmp_path / "a")
    summary = run(real_zip, archive)
    assert (summary.read, summary.new, summary.updated, summary.unchanged) == (4, 4, 0, 0)
    assert summary.problems == []
    stored = archive.read_version(parse_question_id("17-5268QE"))
    assert stored.record.status == "answered"
    assert stored.record.author.ref == "PA721764"
    assert stored.record.source.url.endswith("Questions_ecrites.json.zip#json/QANR5L17QE5268.json")
    # The raw JSON behind the version is the member, byte for byte.
    raw = archive.read_raw(parse_question_id("17-5268QE"), stored.raw[0])
    assert raw == zipfile.ZipFile(real_zip).read("json/QANR5L17QE5268.json")
    # Indexed in the same step.
    with archive.open_index() as db:
        assert db.execute("SELECT count(*) FROM questions").fetchone()[0] == 4


def test_a_zip_directory_is_read_once(real_zip, tmp_path, monkeypatch):
    # Reading the directory of a legislature's zip takes 0.1 s per 10,000 members;
    # telling AMO, Sénat and AN zips apart must not read it again each time.
    opened: list[object] = []
    real_init = zipfile.ZipFile.__init__

    def counting_init(self, *args, **kwargs):
        opened.append(args[0] if args else kwargs.get("file"))
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "__init__", counting_init)
    summary = run(real_zip, Archive(tmp_path / "a"))
    assert summary.new == 4
    assert opened == [real_zip]


def test_importing_again_writes_nothing(real_zip, tmp_path):
    archive = Archive(tmp_path / "a")
    run(real_zip, archive)
    before = sorted(p for p in archive.root.rglob("v*.json"))
    files = {path: path.stat().st_mtime_ns for path in archive.root.rglob("*") if path.is_file()}
    again = run(real_zip, archive)
    # The zip's directory says nothing changed: no member is even read.
    assert (again.read, again.new, again.updated, again.unchanged, again.skipped) == (0, 0, 0, 0, 4)
    assert {p: p.stat().st_mtime_ns for p in archive.root.rglob("*") if p.is_file()} == files
    # Without the record of the last import, every member is read, and found unchanged.
    shutil.rmtree(archive.root / "bulk")
    again = run(real_zip, archive)
    assert (again.read, again.new, again.updated, again.unchanged, again.skipped) == (4, 0, 0, 4, 0)
    assert sorted(p for p in archive.root.rglob("v*.json")) == before


def test_interrupted_import_resumes_without_duplicates(real_zip, tmp_path):
    archive = Archive(tmp_path / "a")

    def stop_after_two(done, total):
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(real_zip, archive, on_item=stop_after_two)
    assert not index_is_current(archive.index_path)  # dropped, to be rebuilt from the files
    # The interrupted batch was never made visible: nothing half-imported remains.
    assert sum(1 for _ in archive.iter_ids()) == 0
    assert not list(archive.root.rglob(".tmp-*"))
    resumed = run(real_zip, archive)
    assert (resumed.new, resumed.unchanged) == (4, 0)
    assert all(archive.versions(qid) == [1] for qid in archive.iter_ids())
    with archive.open_index() as db:
        assert db.execute("SELECT count(*) FROM questions").fetchone()[0] == 4


def test_an_import_after_a_fetch_of_the_same_content_writes_nothing(tmp_path):
    from qarchive.jobs.fetch import save_page

    archive = Archive(tmp_path / "a")
    with archive.lock():
        fetched = save_page(
            SEED_JSON.read_bytes(), url="https://x/QANR5L15QE12526.json", archive=archive
        )
    assert fetched.result is not None and fetched.result.version == 1
    path = tmp_path / "one.json"
    path.write_bytes(SEED_JSON.read_bytes())
    summary = run(path, archive)
    assert (summary.new, summary.updated, summary.unchanged) == (0, 0, 1)


def _zip(tmp_path, members, *, compression=zipfile.ZIP_DEFLATED):
    path = tmp_path / "hostile.zip"
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_hostile_members_are_refused_and_reported(tmp_path):
    seed = SEED_JSON.read_bytes()
    path = _zip(
        tmp_path,
        {
            "../../etc/evil.json": seed,
            "/abs/evil.json": seed,
            "json/readme.txt": b"hello",
            "json/bomb.json": b"{" + b" " * 5_000_000 + b"}",
            "json/huge.json": b"[" + b"1," * 600_000 + b"1]",
            "json/broken.json": b'{"question": {"uid": ',
            "json/QANR5L15QE12526.json": seed,
        },
    )
    archive = Archive(tmp_path / "a")
    summary = run(path, archive)
    reasons = {problem.member: problem.reason for problem in summary.problems}
    assert reasons["../../etc/evil.json"].startswith("refused: the name points outside")
    assert reasons["/abs/evil.json"].startswith("refused: the name points outside")
    assert reasons["json/readme.txt"] == "skipped: not a JSON file"
    assert reasons["json/bomb.json"].startswith("refused: 5000002 bytes, over the 1000000-byte cap")
    assert reasons["json/huge.json"].startswith("refused: 1200003 bytes")
    assert "unrecognised page layout" in reasons["json/broken.json"]
    assert summary.new == 1
    assert not (tmp_path / "etc").exists() and not Path("/abs").exists()


def test_compression_ratio_bomb(tmp_path):
    path = _zip(tmp_path, {"json/bomb.json": b"{" + b" " * 900_000 + b"}"})
    archive = Archive(tmp_path / "a")
    summary = run(path, archive)
    assert summary.problems[0].reason.startswith("refused: compression ratio ")
    assert "looks like a zip bomb" in summary.problems[0].reason


def test_not_a_zip_or_json(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n")
    with pytest.raises(UsageError, match="neither a zip nor a JSON file"):
        run(path, Archive(tmp_path / "a"))
    fake = tmp_path / "fake.zip"
    fake.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(UsageError, match="not a readable zip file"):
        run(fake, Archive(tmp_path / "a"))


def test_legislature_xiv_single_file_is_streamed(samples_dir, tmp_path):
    real = json.loads((samples_dir / "an/opendata_json/QANR5L17QE5268.json").read_bytes())
    questions = [json.loads(_variant(real, n))["question"] for n in (10, 11, 12)]
    path = tmp_path / "Questions_ecrites_XIV.json"
    path.write_text(json.dumps({"questionsEcrites": {"question": questions}}))
    archive = Archive(tmp_path / "a")
    summary = run(path, archive)
    assert (summary.read, summary.new, summary.problems) == (3, 3, [])
    assert [q.canonical for q in archive.iter_ids()] == ["17-10QE", "17-11QE", "17-12QE"]


ZIP_PATH = "/static/openData/repository/15/questions/questions_ecrites/Questions_ecrites.json.zip"


def test_local_copy_downloads_from_a_configured_host(sites, tmp_path):
    from qarchive.jobs.imports.dispatch import local_copy
    from qarchive.settings import load_settings

    path = _zip(tmp_path, {"json/QANR5L15QE12526.json": SEED_JSON.read_bytes()})
    data = sites.by_var["QARCHIVE_AN_DATA_URL"]
    data.pages[ZIP_PATH] = path.read_bytes()
    url = data.base_url + ZIP_PATH
    archive = Archive(tmp_path / "a")
    with local_copy(url, settings=load_settings(), workdir=archive.root) as (local, origin):
        assert origin == url and local.read_bytes() == path.read_bytes()
        summary = run(local, archive, source_url=origin)
    assert not local.exists()  # the download is removed afterwards
    assert summary.new == 1
    stored = archive.read_version(parse_question_id("15-12526QE"))
    assert stored.record.source.url == f"{url}#json/QANR5L15QE12526.json"


def test_local_copy_refuses_other_hosts_and_missing_files(sites, tmp_path):
    from qarchive.errors import HostNotAllowed
    from qarchive.jobs.imports.dispatch import local_copy
    from qarchive.settings import load_settings

    with (
        pytest.raises(HostNotAllowed),
        local_copy("https://example.org/x.zip", settings=load_settings(), workdir=tmp_path),
    ):
        pass
    with (
        pytest.raises(UsageError, match="is not a file"),
        local_copy(str(tmp_path / "nope.zip"), settings=load_settings(), workdir=tmp_path),
    ):
        pass
