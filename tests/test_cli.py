"""End-to-end: the CLI against local servers serving fixtures at the real paths."""

import json
import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import FIXTURES
from qarchive.cli import app
from qarchive.model.ids import parse_question_id
from qarchive.store.archive import Archive

SEED = parse_question_id("15-12526QE")
JSON_PATH = "/dyn/opendata/QANR5L15QE12526.json"
DYN_PATH = "/dyn/15/questions/QANR5L15QE12526"
HTM_PATH = "/q15/15-12526QE.htm"
SEED_TEXT_START = (
    "M. Ugo Bernalicis attire l’attention de M. le ministre d’État, ministre de l’intérieur,"
)
SEED_TEXT_END = "touchant à la souveraineté de l’État."
ANSWERED_JSON = FIXTURES / "variants/an/QANR5L15QE12526.answered.json"


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def archive() -> Archive:
    return Archive(Path(os.environ["QARCHIVE_ARCHIVE"]))


def files_of(qid=SEED) -> list[str]:
    directory = archive().question_dir(qid)
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())


def test_fetch_the_seed_question(sites):
    result = run("fetch", "15-12526QE")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "15-12526QE       new       v1\n"
    assert result.stderr.startswith("1 question in ")
    assert result.stderr.endswith("s: 1 new, 0 updated, 0 unchanged, 0 failed\n")

    record = archive().read_version(SEED).record
    assert record.id == "15-12526QE"
    assert record.title == "Privatisation du centre d’appels de l’ANTS"
    assert record.author.name == "Ugo Bernalicis"
    assert record.author.civility == "M."
    assert record.author.group is not None
    assert record.author.group.full == "La France insoumise"
    assert "Nord" in (record.author.department, record.author.constituency)
    assert record.ministry_asked is not None and record.ministry_asked.name == "Intérieur"
    assert record.published.date.isoformat() == "2018-10-02"
    assert record.status == "pending"
    assert record.answer is None
    assert record.text is not None
    assert record.text.startswith(SEED_TEXT_START)
    assert record.text.endswith(SEED_TEXT_END)
    # The open data is the richest source; names came from the /dyn page.
    assert record.source.format == "an_opendata_json"
    assert record.source.url == sites.an.base_url + JSON_PATH
    assert record.source.names_from == sites.an.base_url + DYN_PATH
    assert [name.split(".", 1)[1] for name in archive().read_version(SEED).raw] == [
        "json.gz",
        "html.gz",
    ]


def test_second_fetch_writes_nothing_and_an_answer_writes_v2(sites):
    assert run("fetch", "15-12526QE").exit_code == 0
    before = files_of()
    again = run("fetch", "15-12526QE")
    assert again.exit_code == 0
    assert again.stdout == "15-12526QE       unchanged v1\n"
    assert [f for f in files_of() if f != "state.json"] == [f for f in before if f != "state.json"]

    sites.an.pages[JSON_PATH] = ANSWERED_JSON.read_bytes()
    updated = run("fetch", "15-12526QE")
    assert updated.exit_code == 0, updated.stderr
    assert updated.stdout.startswith("15-12526QE       updated   v2  (")
    assert "answer" in updated.stdout and "status" in updated.stdout
    assert archive().versions(SEED) == [1, 2]
    assert archive().read_version(SEED, 1).record.answer is None
    assert archive().read_version(SEED).record.status == "answered"

    diff = run("diff", "15-12526QE")
    assert diff.exit_code == 0, diff.stderr
    assert diff.stdout.startswith("v1 → v2: ")
    assert "answer" in diff.stdout
    assert "status" in diff.stdout and "pending" in diff.stdout and "answered" in diff.stdout
    answer = archive().read_version(SEED).record.answer
    assert answer is not None and answer.text is not None
    assert answer.text.split()[0] in diff.stdout

    history = run("history", "15-12526QE")
    assert history.exit_code == 0
    assert "v1" in history.stdout and "first version" in history.stdout
    assert "v2" in history.stdout and "answer" in history.stdout


def test_show_readable_and_json(sites):
    run("fetch", "15-12526QE")
    shown = run("show", "https://www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE12526")
    assert shown.exit_code == 0, shown.stderr
    for expected in (
        "Privatisation du centre d’appels de l’ANTS",
        "M. Ugo Bernalicis",
        "La France insoumise",
        "Intérieur",
        "2018-10-02",
        "pending",
        "OVERDUE",
        "deadline 2018-12-02",
        "Question",
    ):
        assert expected in shown.stdout
    as_json = run("show", "15-12526QE", "--json")
    assert json.loads(as_json.stdout) == archive().read_version(SEED).record.model_dump(mode="json")
    v1 = run("show", "15-12526QE", "--version", "1", "--json")
    assert v1.exit_code == 0


def test_fetch_reads_ids_from_stdin_and_dedupes(sites):
    result = run("fetch", "-", input="# my list\n15-12526QE\nQANR5L15QE12526\n\n")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "15-12526QE       new       v1\n"


def test_fetch_by_url_of_the_configured_host(sites):
    result = run("fetch", sites.an.base_url + DYN_PATH)
    assert result.exit_code == 0, result.stderr
    assert "15-12526QE" in result.stdout


def test_version_option():
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("qarchive ")


# -- errors: one line, documented exit code, nothing damaged ------------------------


def test_bad_id_exits_2_with_one_line(sites):
    result = run("fetch", "15-12526QE", "15-12526")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("Error: invalid question ID or URL '15-12526': expected ")
    assert not archive().versions(SEED)  # nothing fetched before the typo was caught


def test_no_ids_is_a_usage_error(sites):
    result = run("fetch")
    assert result.exit_code == 2
    assert "no question given" in result.stderr


def test_unknown_question_404_everywhere(sites):
    result = run("fetch", "15-99999QE")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: 15-99999QE: 15-99999QE was not found at any source (HTTP 404 from each of "
    )
    assert not (archive().root / "questions/an/15/15-99999QE").exists()


def test_one_failure_among_several_exits_1_and_saves_the_rest(sites):
    result = run("fetch", "15-99999QE", "15-12526QE")
    assert result.exit_code == 1
    assert result.stdout == "15-12526QE       new       v1\n"
    assert (
        "2 questions in " in result.stderr
        and "1 new, 0 updated, 0 unchanged, 1 failed" in result.stderr
    )
    assert archive().versions(SEED) == [1]


def test_500_then_success(sites):
    sites.an.server.expect_oneshot_request(JSON_PATH).respond_with_data("oops", status=500)
    sites.an.server.expect_oneshot_request(JSON_PATH).respond_with_data("oops", status=503)
    result = run("fetch", "15-12526QE")
    assert result.exit_code == 0, result.stderr
    assert archive().read_version(SEED).record.source.format == "an_opendata_json"


def test_429_with_retry_after(sites):
    sites.an.server.expect_oneshot_request(JSON_PATH).respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"}
    )
    started = time.monotonic()
    result = run("fetch", "15-12526QE")
    assert result.exit_code == 0, result.stderr
    assert time.monotonic() - started >= 1.0
    assert archive().read_version(SEED).record.source.format == "an_opendata_json"


def _break_every_source(sites, respond) -> None:
    sites.an.server.clear()
    sites.an_questions.server.clear()
    for site, path in ((sites.an, JSON_PATH), (sites.an, DYN_PATH), (sites.an_questions, HTM_PATH)):
        respond(site.server.expect_request(path))


def _assert_v1_untouched(before: bytes, message: str) -> None:
    assert archive().versions(SEED) == [1]
    assert (archive().question_dir(SEED) / "v0001.json").read_bytes() == before
    state = archive().read_state(SEED)
    assert state.last_error is not None and message in state.last_error.message
    assert state.consecutive_failures == 1


@pytest.mark.parametrize(
    ("respond", "message"),
    [
        (lambda h: h.respond_with_data("down", status=500), "HTTP 500 INTERNAL SERVER ERROR from"),
        (
            lambda h: h.respond_with_data("<html><body><p>lorem</p></body></html>"),
            "unrecognised page layout at",
        ),
        (
            lambda h: h.respond_with_data("\x00\x01garbage{", status=200),
            "unrecognised page layout at",
        ),
        (
            lambda h: h.respond_with_data("<html><title>503 Service Unavailable</title></html>"),
            "returned an error page",
        ),
    ],
    ids=["500", "unknown-layout", "garbage", "error-page-200"],
)
def test_failures_keep_the_archived_version(sites, respond, message):
    assert run("fetch", "15-12526QE").exit_code == 0
    before = (archive().question_dir(SEED) / "v0001.json").read_bytes()
    _break_every_source(sites, respond)
    result = run("fetch", "15-12526QE")
    assert result.exit_code == 1
    assert result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert first.startswith("Error: 15-12526QE: ") and message in first
    _assert_v1_untouched(before, message)


def test_timeout(sites, monkeypatch):
    monkeypatch.setenv("QARCHIVE_TIMEOUT", "0.2")
    monkeypatch.setenv("QARCHIVE_MAX_RETRIES", "1")
    assert run("fetch", "15-12526QE").exit_code == 0
    before = (archive().question_dir(SEED) / "v0001.json").read_bytes()

    def slow(request):
        time.sleep(0.5)
        from werkzeug import Response

        return Response("late")

    _break_every_source(sites, lambda h: h.respond_with_handler(slow))
    result = run("fetch", "15-12526QE")
    assert result.exit_code == 1
    assert "timed out after 0.2s fetching" in result.stderr
    assert "(after 2 attempts)" in result.stderr
    _assert_v1_untouched(before, "timed out")


def test_locked_archive_exits_3(sites):
    with archive().lock():
        result = run("fetch", "15-12526QE")
    assert result.exit_code == 3
    assert result.stderr.startswith("Error: the archive ")
    assert "is locked by another qarchive process; try again later or pass --wait" in result.stderr


def test_corrupt_version_exits_4_and_is_left_alone(sites):
    assert run("fetch", "15-12526QE").exit_code == 0
    path = archive().question_dir(SEED) / "v0001.json"
    path.write_bytes(path.read_bytes()[:100])
    shown = run("show", "15-12526QE")
    assert shown.exit_code == 4
    assert shown.stderr.startswith("Error: ") and "v0001.json is damaged" in shown.stderr
    fetched = run("fetch", "15-12526QE")
    assert fetched.exit_code == 4
    assert path.read_bytes().startswith(b"{") and len(path.read_bytes()) == 100
    assert archive().versions(SEED) == [1]


def test_show_of_a_question_never_fetched(sites):
    result = run("show", "15-1QE")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: 15-1QE is not in the archive {archive().root}; run: qarchive fetch 15-1QE\n"
    )


def test_from_file_replays_the_parser_offline(sites, tmp_path):
    page = FIXTURES / "sites/www.assemblee-nationale.fr" / DYN_PATH.lstrip("/")
    result = run(
        "fetch", "--from-file", str(page), "--url", "https://www.assemblee-nationale.fr" + DYN_PATH
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "15-12526QE       new       v1\n"
    record = archive().read_version(SEED).record
    assert record.source.format == "an_dyn_html"
    assert record.author.name == "Ugo Bernalicis"


def test_from_file_with_garbage(sites, tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><body>nothing here</body></html>")
    result = run("fetch", "--from-file", str(page))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: unrecognised page layout at file://")


def test_names_are_kept_when_the_page_that_gives_them_fails(sites):
    assert run("fetch", "15-12526QE").exit_code == 0
    # The /dyn and legacy pages vanish; the open data answers but names only PA000001.
    sites.an.server.clear()
    sites.an_questions.server.clear()
    sites.an.server.expect_request(JSON_PATH).respond_with_data(
        ANSWERED_JSON.read_bytes(), content_type="application/json"
    )
    result = run("fetch", "15-12526QE")
    assert result.exit_code == 0, result.stderr
    record = archive().read_version(SEED).record
    assert record.status == "answered"
    assert record.author.name == "Ugo Bernalicis"
    assert record.author.civility == "M."
    assert archive().read_version(SEED).changed == ["answer", "status", "closed"]
