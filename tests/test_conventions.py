"""The command line a daily user expects (issue 20): formats, errors, pipes, dates, cron.

Each test runs the command line as a user would (in this process, stdout a pipe;
or on a pseudo-terminal) over a small archive or the local copy of the sites.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from itertools import pairwise

import pytest
from typer.main import get_command

from cli_helpers import archive, build, in_terminal, question, run
from factories import answered
from qarchive.cli import app
from qarchive.model.ids import parse_question_id
from qarchive.model.question import Author, Group, Ministry

LONG_AUTHOR = Author(
    name="Marie-Christine Bernardin-Dupont", civility="Mme", group=Group(short="LIOT")
)
LONG_MINISTRY = Ministry(name="Économie, finances et souveraineté industrielle et numérique")
BOXES = re.compile("[┏┃━│─╭╰┗┡╇]")
NOW_LATER = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def two(sites):
    """An answered question with long names, and a pending one: two versions of the first."""
    first = question(
        "16-1QE",
        dt.date(2018, 11, 10),
        title="Hôpitaux de proximité",
        author=LONG_AUTHOR,
        ministry_asked=LONG_MINISTRY,
        ministry_responding=LONG_MINISTRY,
    )
    store = build([first, question("16-2QE", dt.date(2023, 3, 1), title="Autre sujet")])
    # answered() answers on 2019-01-15: a second version of 16-1QE.
    with store.lock():
        store.save(answered(first), qid=parse_question_id("16-1QE"), fetched_at=NOW_LATER)
    return store


# -- 3: one renderer decides table or plain lines, for every command -------------------


def test_in_a_pipe_every_table_is_plain_whole_lines(two):
    listed = run("list")
    assert listed.exit_code == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if line.startswith("16-1QE"))
    assert "Mme Marie-Christine Bernardin-Dupont (LIOT)" in row
    assert LONG_MINISTRY.name in row and "…" not in listed.stdout
    for args in (["history", "16-1QE"], ["watch", "list"], ["verify", "--fields"], ["stats"]):
        run("watch", "add", "16-1QE")
        shown = run(*args)
        assert shown.stdout and not BOXES.search(shown.stdout), (args, shown.stdout)
        assert all(line == line.rstrip() for line in shown.stdout.splitlines()), args
    diff = run("diff", "16-1QE")
    assert diff.exit_code == 0, diff.stderr
    assert "answer" in diff.stdout
    assert all(line == line.rstrip() for line in diff.stdout.splitlines())


def test_on_an_80_column_terminal_names_wrap_and_nothing_is_cut(two):
    lines = in_terminal("list").splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert "…" not in "".join(lines)
    header = lines[0]
    starts = [header.index(name) for name in ("Author", "Ministry", "Title")] + [80]
    start = next(i for i, line in enumerate(lines) if line.startswith("16-1QE"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i][:1].strip()), len(lines))
    row = lines[start:end]  # the row of 16-1QE, its wrapped lines included
    cells = ["".join("".join(line[a:b] for line in row).split()) for a, b in pairwise(starts)]
    assert cells[0] == "".join(["Mme", "Marie-Christine", "Bernardin-Dupont", "(LIOT)"])
    assert cells[1] == "".join(LONG_MINISTRY.name.split())


# -- 4: usage errors are one line ---------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["list", "--since", "2018-13-01"],
            "Error: invalid value for '--since': '2018-13-01' is not a date: expected "
            "YYYY-MM-DD, or a time back from now such as 7d, 12h or 2w "
            "(see: qarchive list --help)",
        ),
        (["lst"], "Error: no such command 'lst'. Did you mean 'list'? (see: qarchive --help)"),
        (["show"], "Error: missing argument 'question'. (see: qarchive show --help)"),
        (
            ["stats", "--by", "colour"],
            "Error: invalid value for '--by': 'colour' is not one of 'ministry', 'ministry-ref', 'group', "
            "'author'. (see: qarchive stats --help)",
        ),
    ],
)
def test_a_usage_error_is_one_line_on_stderr(sites, args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert (result.stdout, result.stderr) == ("", message + "\n")


# -- 5: help at 80 columns --------------------------------------------------------------


def _commands():
    group = get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        if hasattr(command, "commands"):
            yield from ((f"{name} {sub}", c) for sub, c in command.commands.items())
        else:
            yield name, command


@pytest.mark.parametrize(("name", "command"), list(_commands()), ids=lambda x: str(x)[:20])
def test_help_examples_stay_whole_at_80_columns(sites, name, command):
    shown = run(*name.split(), "--help", env={"COLUMNS": "80"})
    assert shown.exit_code == 0
    lines = [line.strip() for line in shown.stdout.splitlines()]
    examples = command.help.split("Example:", 1)[1].strip().splitlines()
    for example in examples:
        assert example.strip() in lines, f"{name} --help breaks: {example.strip()}"


def test_top_level_help_says_where_the_archive_is_with_examples(sites, monkeypatch):
    shown = run("--help", env={"COLUMNS": "80"})
    text = "".join(shown.stdout.split())  # a long path may wrap
    assert "".join(f"Archive: {archive().root} (from QARCHIVE_ARCHIVE)".split()) in text
    assert "qarchivelist--unanswered--overdue" in text and "Example:" in text


# -- 6: every command that prints data has --format, with one vocabulary -----------------


def test_json_from_history_diff_verify_fetch_and_the_refresh_plan(two, sites):
    history = json.loads(run("history", "16-1QE", "--format", "json").stdout)
    assert [(row["version"], row["changed"]) for row in history] == [
        (1, []),
        (2, ["answer", "status"]),
    ]
    diff = json.loads(run("diff", "16-1QE", "--format", "json").stdout)
    assert {row["field"] for row in diff} == {"answer", "status"}
    assert run("verify", "--format", "json").stdout == "[]\n"
    fetched = run("fetch", "15-12526QE", "--format", "jsonl")
    row = json.loads(fetched.stdout)
    assert (row["id"], row["outcome"], row["version"], row["error"]) == (
        "15-12526QE",
        "new",
        1,
        None,
    )
    plan = json.loads(run("refresh", "--dry-run", "--format", "json").stdout)
    assert {row["id"] for row in plan} >= {"16-2QE", "15-12526QE"}
    assert json.loads(run("show", "16-2QE", "--format", "json").stdout)["id"] == "16-2QE"


def test_list_and_export_name_and_write_the_same_columns_alike(two, tmp_path):
    from qarchive.model.columns import EXPORT_COLUMNS, LIST_COLUMNS

    listed = list(csv.DictReader(io.StringIO(run("list", "--format", "csv").stdout)))
    path = tmp_path / "all.csv"
    assert run("export", "-f", "csv", "-o", str(path)).exit_code == 0
    exported = {row["id"]: row for row in csv.DictReader(io.StringIO(path.read_text()))}
    shared = [name for name in LIST_COLUMNS if name in EXPORT_COLUMNS]
    assert {"author_name", "ministry_responding", "group_short"} <= set(shared)
    for row in listed:
        assert {name: row[name] for name in shared} == {
            name: exported[row["id"]][name] for name in shared
        }
    assert {row["overdue"] for row in listed} <= {"true", "false"}  # never True/False


# -- 7: one syntax of dates; contradictions said ------------------------------------------


def test_every_command_takes_days_back_and_sénat(two):
    days = (dt.date.today() - dt.date(2023, 2, 1)).days  # 16-2QE was published after
    recent = run("list", "--since", f"{days}d", "--format", "ids")
    assert (recent.exit_code, recent.stdout) == (0, "16-2QE\n")
    assert run("stats", "--since", f"{days}d").stderr == "1 question\n"
    for args in (["list"], ["stats"], ["refresh", "--dry-run"]):
        assert run(*args, "--chamber", "sénat").exit_code == 0, args


def test_since_after_until_is_said(two):
    result = run("list", "--since", "2024-01-01", "--until", "2023-01-01")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --since 2024-01-01 is after --until 2023-01-01: no question can match\n"
    )


# -- 8: a bad line of fetch - ----------------------------------------------------------------


def test_one_bad_line_of_stdin_is_named_and_the_rest_fetched(sites):
    result = run("fetch", "-", input="15-12526QE\nnot an id\nSEQ180304125\n")
    assert result.exit_code == 2
    assert sorted(result.stdout.split()[::3]) == ["15-12526QE", "SEQ180304125"]
    error = result.stderr.splitlines()[0]
    assert error == (
        "Error: stdin line 2: invalid question ID or URL 'not an id': expected an ID such as "
        "15-12526QE or SEQ180304125, or a question's URL"
    )
    assert archive().versions(parse_question_id("SEQ180304125")) == [1]


# -- 9: an empty digest prints nothing -------------------------------------------------------


def test_a_digest_of_nothing_prints_nothing_unless_asked(sites):
    quiet = run("digest")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    forced = run("digest", "--always")
    assert "Watched questions: none" in forced.stdout
    assert forced.stderr.endswith("0 watched events, 0 new answers, 0 newly overdue\n")


# -- 10: --verbose, --quiet, info --------------------------------------------------------------


def test_verbose_shows_each_request_and_quiet_only_data(sites):
    verbose = run("--verbose", "fetch", "15-12526QE")
    assert verbose.exit_code == 0, verbose.stderr
    url = f"{sites.an.base_url}/dyn/opendata/QANR5L15QE12526.json"
    assert re.search(rf"^\d\d:\d\d:\d\d GET {re.escape(url)}: 200 in ", verbose.stderr, re.M)
    quiet = run("--quiet", "fetch", "15-12526QE")
    assert (quiet.stdout, quiet.stderr) == ("15-12526QE       unchanged v1\n", "")
    assert run("-q", "fetch", "15-1QE").stderr.startswith("Error: ")  # errors still show


def test_info_says_which_archive_what_settings_and_what_it_holds(two):
    shown = run("info")
    assert shown.exit_code == 0, shown.stderr
    lines = [" ".join(line.split()) for line in shown.stdout.splitlines()]
    assert f"Archive {archive().root}" in lines
    assert "Questions 2 (an 16: 2)" in lines
    assert "QARCHIVE_RATE 0.0 QARCHIVE_RATE" in lines
    assert "QARCHIVE_MAX_RETRIES 4 default" in lines
    found = json.loads(run("info", "--format", "json").stdout)
    assert (found["questions"], found["settings"]["QARCHIVE_ARCHIVE"]["from"]) == (
        2,
        "QARCHIVE_ARCHIVE",
    )


def test_info_reads_a_hostile_refresh_log_as_no_refresh(two):
    # The log's last line is read with the depth-bounded JSON reader, as refresh reads it.
    log = archive().layout.refresh_log
    log.write_bytes(b'{"started_at": "2026-01-01T00:00:00+00:00"}\n' + b"[" * 200_000 + b"\n")
    shown = run("info")
    assert shown.exit_code == 0, shown.stderr
    assert "Last refresh never" in [" ".join(line.split()) for line in shown.stdout.splitlines()]


# -- 21.11: the data never drives the terminal -------------------------------------------------

HOSTILE = "Titre\x1b]0;pwned\x07 et \x1b[2J écran\x9b31m"


def test_control_characters_of_the_data_are_shown_escaped(sites):
    build([question("16-3QE", dt.date(2023, 1, 1), title=HOSTILE, text=f"Texte {HOSTILE}")])
    run("watch", "add", "16-3QE")
    for args in (["list"], ["search", "titre"], ["show", "16-3QE"], ["watch", "list"]):
        shown = run(*args)
        assert shown.exit_code == 0, (args, shown.stderr)
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", shown.stdout), args
        assert "Titre\\x1b]0;pwned\\x07 et \\x1b[2J écran\\x9b31m" in shown.stdout, args


# -- 21.12: CSV formulas neutralised, unless asked ---------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example","x")'


def test_csv_cells_a_spreadsheet_would_run_get_a_quote(sites, tmp_path):
    author = Author(name="@SUM(1+1)", civility="M.")
    build([question("16-4QE", dt.date(2023, 1, 1), title=FORMULA, author=author)])
    listed = next(csv.DictReader(io.StringIO(run("list", "--format", "csv").stdout)))
    assert (listed["title"], listed["author_name"]) == ("'" + FORMULA, "'@SUM(1+1)")
    path = tmp_path / "q.csv"
    assert run("export", "-f", "csv", "-o", str(path)).exit_code == 0
    exported = next(csv.DictReader(io.StringIO(path.read_text())))
    assert (exported["title"], exported["author_name"]) == ("'" + FORMULA, "'@SUM(1+1)")
    raw = next(csv.DictReader(io.StringIO(run("list", "-f", "csv", "--raw-csv").stdout)))
    assert raw["title"] == FORMULA
    assert run("export", "-f", "csv", "-o", str(path), "--raw-csv").exit_code == 0
    assert next(csv.DictReader(io.StringIO(path.read_text())))["title"] == FORMULA
