"""The nightly refresh reads the AN's zips first: a night costs what changed, not what exists.

A local data site serves a legislature's Questions_ecrites.json.zip at its real
path (and the reference data, AMO); each test counts the requests every site saw
and the files the archive changed.
"""

import datetime as dt
import email.utils
import io
import json
import zipfile
from pathlib import Path

import pytest

from amo_fixture import AMO_URL_PATH, question_json
from qarchive.model.ids import parse_question_id
from qarchive.store.archive import Archive
from qarchive.store.bulk import BulkManifests
from test_cli import run

ZIP_PATH = "/static/openData/repository/15/questions/questions_ecrites/Questions_ecrites.json.zip"
NUMBERS = range(1, 7)


def qid(number: int):
    return parse_question_id(f"15-{number}QE")


def zip_bytes(questions: dict[int, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for number, content in sorted(questions.items()):
            bundle.writestr(f"json/QANR5L15QE{number}.json", content)
    return buffer.getvalue()


def questions(**answered: str) -> dict[int, bytes]:
    """The six questions; ``q3="2019-01-20"`` answers question 3 on that day."""
    return {n: question_json(n, answered=answered.get(f"q{n}")) for n in NUMBERS}


def requests(sites) -> int:
    return sum(len(site.server.log) for site in sites.by_var.values())


def files(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(root)): (path.stat().st_mtime_ns, path.stat().st_size)
        for path in root.rglob("*")
        if path.is_file()
    }


def archive() -> Archive:
    from test_cli import archive as cli_archive

    return cli_archive()


@pytest.fixture
def imported(sites, tmp_path):
    """An archive filled by `qarchive import` of the zip the data site serves, then one refresh."""
    data = sites.by_var["QARCHIVE_AN_DATA_URL"]
    data.pages[ZIP_PATH] = zip_bytes(questions())
    local = tmp_path / "Questions_ecrites.json.zip"
    local.write_bytes(data.pages[ZIP_PATH])
    assert run("import", str(local)).exit_code == 0
    first = run("refresh", "--no-discover")  # the first night after the import
    assert first.exit_code == 0, first.stderr
    return data


def test_the_first_night_after_an_import_reads_no_member_again(sites, tmp_path):
    data = sites.by_var["QARCHIVE_AN_DATA_URL"]
    data.pages[ZIP_PATH] = zip_bytes(questions())
    local = tmp_path / "Questions_ecrites.json.zip"
    local.write_bytes(data.pages[ZIP_PATH])
    assert run("import", str(local)).exit_code == 0
    before = requests(sites)
    night = run("refresh", "--no-discover")
    assert night.exit_code == 0, night.stderr
    # The reference data (to name the authors the open data gives by reference), the
    # QE zip (downloaded once: the local import had no validators), QG and QOSD (404).
    paths = [request.path for request, _ in data.server.log]
    assert paths[-4:-3][0].endswith("historique.json.zip")
    assert paths[-3:] == [
        ZIP_PATH,
        ZIP_PATH.replace(
            "questions_ecrites/Questions_ecrites", "questions_gouvernement/Questions_gouvernement"
        ),
        ZIP_PATH.replace(
            "questions_ecrites/Questions_ecrites",
            "questions_orales_sans_debat/Questions_orales_sans_debat",
        ),
    ]
    assert requests(sites) - before == 4  # nothing asked question by question
    assert "6 checked" in night.stderr
    # The zip's members were not read again: no pack but the import's.
    assert len(archive().packs.names()) == 1
    for number in NUMBERS:  # named from the reference data, in one new version each
        assert archive().read_version(qid(number)).record.author.name is not None


def test_a_night_with_no_change_costs_a_few_requests_and_writes_nothing(imported, sites):
    root = archive().root
    before_files, before_requests = files(root), requests(sites)
    night = run("refresh")  # discovery too: the day's publication list
    assert night.exit_code == 0, night.stderr
    assert night.stdout == ""
    assert (
        f"{len(NUMBERS)} checked, 0 new, 0 changed (0 new answers), {len(NUMBERS)} unchanged"
        in (night.stderr)
    )
    assert requests(sites) - before_requests <= 5
    changed = sorted(path for path, seen in files(root).items() if before_files.get(path) != seen)
    assert changed == ["refresh.log.jsonl"]  # its one line, and no other file
    assert [
        request.headers.get("If-None-Match") is not None for request, _ in imported.server.log[-3:]
    ] == [
        True,
        False,
        False,
    ]


def test_some_members_changed_only_they_are_read(imported, sites):
    imported.pages[ZIP_PATH] = zip_bytes(questions(q2="2019-01-20", q5="2019-01-21"))
    before = requests(sites)
    night = run("refresh", "--no-discover")
    assert night.exit_code == 0, night.stderr
    assert night.stdout.splitlines() == [
        "15-2QE           updated   v3  (answer, status, closed)",
        "15-5QE           updated   v3  (answer, status, closed)",
    ]
    assert "2 changed (2 new answers)" in night.stderr
    assert f"{len(NUMBERS) - 2} unchanged" in night.stderr  # the rest of the zip's members
    assert requests(sites) - before <= 10 + 2
    # One pack for the night, holding the two members read.
    packs = archive().packs.names()
    assert len(packs) == 2
    with zipfile.ZipFile(archive().packs.folder / packs[-1]) as pack:
        assert pack.namelist() == ["json/QANR5L15QE2.json", "json/QANR5L15QE5.json"]
    stored = archive().read_version(qid(2))
    assert stored.raw == [f"pack:{packs[-1]}#json/QANR5L15QE2.json"]
    assert json.loads(archive().read_raw(qid(2), stored.raw[0]))["question"]["uid"] == "QANR5L15QE2"
    # The night's events are those of the versions saved from the zip.
    assert "no events" not in night.stderr
    events = [
        json.loads(line)
        for path in (archive().root / "events").glob("*.jsonl")
        for line in path.read_text().splitlines()
    ]
    answered = [
        (event["question"], event["version"]) for event in events if event["type"] == "answered"
    ]
    assert answered == [("15-2QE", 3), ("15-5QE", 3)]


def test_a_member_gone_from_the_zip_keeps_its_versions_and_is_fetched_alone(imported, sites):
    gone = questions()
    del gone[3]
    imported.pages[ZIP_PATH] = zip_bytes(gone)
    versions = archive().versions(qid(3))
    night = run("refresh", "--no-discover")
    assert night.exit_code == 1  # its own page is not served here
    assert archive().versions(qid(3)) == versions
    asked = [request.path for request, _ in sites.an.server.log]
    assert "/dyn/opendata/QANR5L15QE3.json" in asked  # the zip lacks it: asked for alone
    assert not any("QANR5L15QE4" in path for path in asked)  # the others: covered
    manifest = BulkManifests(archive().layout).read("an-15-qe")
    assert "json/QANR5L15QE3.json" not in manifest.members


@pytest.mark.parametrize("damage", ["truncated", "garbage", "bad member CRC"])
def test_a_damaged_zip_is_refused_nothing_is_lost_and_the_next_night_recovers(
    imported, sites, damage
):
    good = zip_bytes(questions(q2="2019-01-20"))
    if damage == "truncated":
        bad = good[: len(good) // 2]
    elif damage == "garbage":
        bad = b"PK\x03\x04" + b"\x00" * 100
    else:  # a member whose bytes no longer match its CRC-32
        index = good.index(b"json/QANR5L15QE2.json") + len("json/QANR5L15QE2.json")
        bad = good[: index + 20] + bytes([good[index + 20] ^ 0xFF]) + good[index + 21 :]
    root = archive().root
    versions = {path: path.read_bytes() for path in root.rglob("v*.json")}
    imported.pages[ZIP_PATH] = bad
    night = run("refresh", "--no-discover")
    assert night.exit_code == 1, night.stderr
    assert "an-15-qe" in night.stderr or "QANR5L15QE2" in night.stderr
    assert {path: path.read_bytes() for path in root.rglob("v*.json")} == versions
    check = run("verify")
    assert check.exit_code == 0, check.stderr
    imported.pages[ZIP_PATH] = good
    recovered = run("refresh", "--no-discover")
    assert recovered.exit_code == 0, recovered.stderr
    assert recovered.stdout == "15-2QE           updated   v3  (answer, status, closed)\n"


def test_a_question_fetched_alone_then_seen_in_the_zip_gets_no_new_version(sites, tmp_path):
    data = sites.by_var["QARCHIVE_AN_DATA_URL"]
    assert run("import", data.base_url + AMO_URL_PATH).exit_code == 0  # names its author
    sites.an.pages["/dyn/opendata/QANR5L15QE7.json"] = question_json(7)
    assert run("fetch", "15-7QE").exit_code == 0
    data.pages[ZIP_PATH] = zip_bytes({7: question_json(7)})
    night = run("refresh", "--no-discover")
    assert night.exit_code == 0, night.stderr
    assert night.stdout == ""  # the zip's member holds what the page gave: no new version
    assert archive().versions(qid(7)) == [1]
    asked = len(sites.an.server.log)
    again = run("refresh", "--no-discover")
    assert again.exit_code == 0 and again.stdout == ""
    assert archive().versions(qid(7)) == [1]
    assert sites.an.server.log[asked:] == []  # covered by the zip: not asked for alone


def test_an_unreachable_data_host_is_said_in_one_line_and_fast(imported, sites, monkeypatch):
    monkeypatch.setenv("QARCHIVE_AN_DATA_URL", "http://127.0.0.1:9")  # discard: refused
    night = run("refresh", "--no-discover")
    assert night.exit_code == 1
    assert "an-15-qe not checked tonight: cannot reach 127.0.0.1:9: it refused the connection" in (
        night.stderr
    )


def _last_run(days_ago: int) -> None:
    """Make the refresh log say the last run was ``days_ago`` days ago."""
    started = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
    with (archive().root / "refresh.log.jsonl").open("a", encoding="utf-8") as log:
        log.write(json.dumps({"started_at": started.isoformat()}) + "\n")


def _lists_read(sites, since: int) -> list[str]:
    return [
        request.path.rsplit("_", 1)[-1]
        for request, _ in sites.an.server.log[since:]
        if "list-publication" in request.path
    ]


@pytest.mark.parametrize("written_days_ago", [0, 2])
def test_the_daily_lists_are_read_from_the_day_the_zip_was_written(
    imported, sites, written_days_ago
):
    # Three nights missed: the lists of those days are read only from the day the
    # zip was written, whose content holds what was published before it.
    today = dt.datetime.now(dt.UTC).date()
    written = dt.datetime.now(dt.UTC) - dt.timedelta(days=written_days_ago)
    imported.headers[ZIP_PATH] = {"Last-Modified": email.utils.format_datetime(written, True)}
    imported.pages[ZIP_PATH] = zip_bytes(questions(q2="2019-01-20"))
    expected = [
        f"{today - dt.timedelta(days=back)}.csv" for back in range(written_days_ago, -1, -1)
    ]
    for night in ("the zip changed", "the zip did not change"):
        _last_run(days_ago=3)
        asked = len(sites.an.server.log)
        result = run("refresh")
        assert result.exit_code == 0, result.stderr
        assert _lists_read(sites, asked) == expected, night
    # The second night's zip was not modified (304, no Last-Modified sent with it):
    # the date kept from the night before served.
    assert imported.server.log[-3][1].status_code == 304


def test_the_daily_lists_are_all_read_when_a_zip_could_not_be_had(imported, sites):
    imported.pages[ZIP_PATH] = b"PK\x03\x04 truncated"
    imported.headers[ZIP_PATH] = {
        "Last-Modified": email.utils.format_datetime(dt.datetime.now(dt.UTC), True)
    }
    _last_run(2)
    asked = len(sites.an.server.log)
    result = run("refresh")
    assert result.exit_code == 1
    assert len(_lists_read(sites, asked)) == 3  # two days ago, yesterday, today


def test_a_watched_question_follows_the_zip_like_the_others(imported, sites):
    assert run("watch", "add", "15-3QE").exit_code == 0
    imported.pages[ZIP_PATH] = zip_bytes(questions(q3="2019-01-20"))
    asked = len(sites.an.server.log)
    night = run("refresh", "--no-discover")
    assert night.exit_code == 0, night.stderr
    assert sites.an.server.log[asked:] == []  # not asked for alone: the zip holds it
    assert archive().read_version(qid(3)).record.answer is not None
    events = [
        json.loads(line)
        for path in (archive().root / "events").glob("*.jsonl")
        for line in path.read_text().splitlines()
    ]
    watched = [event for event in events if event["question"] == "15-3QE" and event["watched_by"]]
    assert [event["type"] for event in watched] == ["answered"]


def test_a_dry_run_says_what_the_zips_will_check_and_what_is_fetched_alone(imported, sites):
    # A question fetched by page, in a legislature whose zips were never imported.
    assert run("fetch", "16-350QOSD").exit_code == 0
    before = requests(sites)
    plan = run("refresh", "--dry-run", "--all")
    assert plan.exit_code == 0, plan.stderr
    assert plan.stdout == "16-350QOSD\n"  # the zip's six are not fetched one by one
    assert plan.stderr == (
        "refresh plan: 1 question to fetch one by one, 6 to check through the AN zips of "
        "legislatures 15 and 16 (a conditional GET for each zip); nothing fetched (the day's "
        "new questions are found when it runs)\n"
    )
    assert requests(sites) == before
