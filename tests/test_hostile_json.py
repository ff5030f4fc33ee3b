"""Issue 21, items 1 and 7: JSON nested without end, from outside and inside the archive.

Every JSON qarchive reads goes through :mod:`qarchive.bounded_json`, which refuses
a document nested deeper than ``MAX_DEPTH`` before parsing it: a nesting bomb is
one refused member or one damaged file, never a RecursionError or a gigabyte.
"""

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import FIXTURES
from qarchive.bounded_json import MAX_DEPTH, DepthLimited, JSONTooDeep, load_json
from qarchive.cli import app
from qarchive.model.ids import parse_question_id
from qarchive.store.archive import Archive

SEED_JSON = FIXTURES / "sites/www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE12526.json"
SEED = parse_question_id("15-12526QE")
# 6,000 levels in 12 KB: json.loads overflows the stack, ijson's paths of every
# level take hundreds of megabytes before it does.
BOMB = b"[" * 6000 + b"]" * 6000


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def _depth(document: bytes) -> int:
    """The nesting depth, by a plain character walk (what the fast measure must agree with)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in document.decode():
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


# Strings full of what a measure without a parser could mistake for structure.
_tricky = st.text(alphabet='[]{}"\\aé\u2028', max_size=8)
_documents = st.recursive(
    st.none() | st.integers() | _tricky,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_tricky, inner, max_size=3),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(_documents, st.integers(1, 9), st.booleans(), st.data())
def test_the_depth_is_measured_as_a_parser_sees_it(document, piece, ascii_only, data):
    raw = json.dumps(document, ensure_ascii=ascii_only).encode()
    depth = _depth(raw)
    limit = data.draw(st.integers(0, depth + 1))
    stream = DepthLimited(io.BytesIO(raw), max_depth=limit)
    if depth > limit:
        with pytest.raises(JSONTooDeep):
            load_json(raw, max_depth=limit)
        with pytest.raises(JSONTooDeep):
            while stream.read(piece):
                pass
    else:
        assert load_json(raw, max_depth=limit) == document
        assert b"".join(iter(lambda: stream.read(piece), b"")) == raw


def test_a_lone_surrogate_reads_as_a_replacement_character():
    # Half a UTF-16 pair cannot be written as UTF-8: a version holding it could not be saved.
    assert load_json(rb'{"t": "a\ud800b \ud83d\ude00"}') == {"t": "a\ufffdb \U0001f600"}


def _xiv_file(*questions: bytes) -> bytes:
    return b'{"questionsEcrites": {"question": [' + b", ".join(questions) + b"]}}"


def test_a_nesting_bomb_in_the_xiv_file_fails_alone(tmp_path):
    seed = json.loads(SEED_JSON.read_bytes())["question"]
    path = tmp_path / "Questions_ecrites_XIV.json"
    path.write_bytes(_xiv_file(json.dumps(seed).encode(), BOMB))
    result = run("import", str(path), "--archive", str(tmp_path / "a"))
    assert result.exit_code == 1, result.output
    assert f"Error: {path.name}[1]: refused: JSON nested deeper than {MAX_DEPTH} levels" in (
        result.stderr
    )
    assert "Traceback" not in result.output
    assert result.stderr.endswith(
        "import: 2 read, 1 new, 0 updated, 0 unchanged, 1 refused or failed\n"
    )
    assert Archive(tmp_path / "a").versions(SEED) == [1]


def test_a_nesting_bomb_in_a_zip_member_fails_alone(tmp_path):
    path = tmp_path / "Questions_ecrites.json.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("json/bomb.json", _xiv_file(BOMB))
        bundle.writestr("json/QANR5L15QE12526.json", SEED_JSON.read_bytes())
    result = run("import", str(path), "--archive", str(tmp_path / "a"))
    assert result.exit_code == 1, result.output
    assert "Error: json/bomb.json[0]: refused: JSON nested deeper than" in result.stderr
    assert "Traceback" not in result.output
    assert Archive(tmp_path / "a").versions(SEED) == [1]


def test_an_open_data_page_nested_without_end_is_a_parse_error():
    from qarchive.errors import UnknownFormat
    from qarchive.sources import parse

    with pytest.raises(UnknownFormat, match="nested deeper than"):
        parse(b'{"question": ' + BOMB + b"}", url="https://x/QANR5L15QE1.json")


@pytest.fixture
def two_questions(sites):
    """An archive holding the seed and the Sénat seed, fetched from the local sites."""
    assert run("fetch", "15-12526QE", "SEQ180304125").exit_code == 0
    return Archive(Path(os.environ["QARCHIVE_ARCHIVE"]))


def test_a_version_nested_without_end_is_damage_that_verify_reports(two_questions):
    archive = two_questions
    version = archive.question_dir(SEED) / "v0001.json"
    version.write_bytes(b'{"schema": 1, "record": ' + BOMB + b"}")
    result = run("verify")
    assert result.exit_code == 4, result.output
    assert f"Error: {version}: damaged: JSON nested deeper than {MAX_DEPTH} levels" in (
        result.stderr
    )
    assert "Traceback" not in result.output
    # Every other question is still shown and listed.
    assert run("show", "SEQ180304125").exit_code == 0
    shown = run("show", "15-12526QE")
    assert shown.exit_code == 4 and shown.stderr.startswith(f"Error: {version} is damaged")


def test_a_checks_file_nested_without_end_stops_no_fetch_and_verify_names_it(two_questions):
    archive = two_questions
    archive.layout.checks.write_bytes(b'{"schema": 1, "checks": ' + BOMB + b"}")
    result = run("fetch", "15-12526QE")
    assert result.exit_code == 0, result.output
    # The fetch wrote the file anew: its check time is all it holds.
    assert list(json.loads(archive.layout.checks.read_bytes())["checks"]) == ["15-12526QE"]
    archive.layout.checks.write_bytes(b'{"schema": 1, "checks": ' + BOMB + b"}")
    result = run("verify")
    assert result.exit_code == 4, result.output
    assert f"Error: {archive.layout.checks}: unreadable check times (JSON nested deeper" in (
        result.stderr
    )
    repaired = run("verify", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert not archive.layout.checks.exists()


# Runs a command and prints its exit code, its stderr and its own peak memory. A
# process's peak counts the memory of the process it was started from (the kernel
# keeps it across fork and exec), so the import is started from this small one, not
# from pytest's worker, whose hundreds of megabytes it would otherwise report.
_MEASURE = """
import json, os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
errors = child.stderr.read().decode()
_, status, usage = os.wait4(child.pid, 0)
child.returncode = os.waitstatus_to_exitcode(status)
print(json.dumps([child.returncode, errors, usage.ru_maxrss]))
"""


@pytest.mark.slow
def test_a_nesting_bomb_costs_no_memory_to_speak_of(tmp_path):
    # 40 KB, 20,000 levels: ijson alone once took a gigabyte on it.
    path = tmp_path / "Questions_ecrites_XIV.json"
    path.write_bytes(_xiv_file(b"[" * 20_000 + b"]" * 20_000))
    command = [sys.executable, "-m", "qarchive", "import", str(path)]
    command += ["--archive", str(tmp_path / "a")]
    measured = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command], capture_output=True, check=True
    )
    code, errors, peak_kb = json.loads(measured.stdout)
    assert code == 1, errors
    assert "refused: JSON nested deeper than" in errors
    assert peak_kb < 200 * 1024, f"{peak_kb // 1024} MB"  # kilobytes on Linux
