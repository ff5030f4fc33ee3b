"""refresh, import, feed and verify through the CLI: output lines and exit codes."""

import re
import zipfile

import feedparser

from conftest import FIXTURES
from test_cli import ANSWERED_JSON, JSON_PATH, SEED, archive, run

SEED_JSON = FIXTURES / "sites/www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE12526.json"
SUMMARY = re.compile(
    r"^refresh: (\d+) checked, (\d+) new, (\d+) changed \((\d+) new answers?\), "
    r"(\d+) unchanged, (\d+) failed in [\d.]+s"
)


def counts(stderr: str) -> tuple[str, ...]:
    match = SUMMARY.match(stderr)
    assert match is not None, stderr
    return match.groups()


def test_refresh_from_cron(sites):
    assert run("fetch", "15-12526QE").exit_code == 0
    quiet = run("refresh", "--no-discover")
    assert quiet.exit_code == 0, quiet.stderr
    assert quiet.stdout == ""  # nothing changed: nothing on stdout
    assert counts(quiet.stderr) == ("1", "0", "0", "0", "1", "0")
    sites.an.pages[JSON_PATH] = ANSWERED_JSON.read_bytes()
    changed = run("refresh", "--no-discover")
    assert changed.stdout == "15-12526QE       updated   v2  (answer, status, closed)\n"
    assert counts(changed.stderr) == ("1", "0", "1", "1", "0", "0")
    # Answered in 2019: no longer re-checked, unless --all.
    assert run("refresh", "--dry-run").stdout == ""
    assert run("refresh", "--dry-run", "--all").stdout == "15-12526QE\n"


def test_refresh_failure_exits_1_and_lock_exits_3(sites):
    assert run("fetch", "15-12526QE").exit_code == 0
    sites.an.server.clear()
    sites.an_questions.server.clear()
    failed = run("refresh", "--no-discover")
    assert failed.exit_code == 1
    assert failed.stderr.splitlines()[0].startswith("Error: 15-12526QE: ")
    assert archive().versions(SEED) == [1]
    with archive().lock():
        locked = run("refresh")
    assert locked.exit_code == 3
    assert "locked by another qarchive process" in locked.stderr


def test_import_and_verify(sites, tmp_path):
    bundle = tmp_path / "Questions_ecrites.json.zip"
    with zipfile.ZipFile(bundle, "w") as out:
        out.writestr("json/QANR5L15QE12526.json", SEED_JSON.read_bytes())
        out.writestr("../evil.json", SEED_JSON.read_bytes())
    result = run("import", str(bundle))
    assert result.exit_code == 1  # one member refused; the rest imported
    assert result.stderr.splitlines() == [
        "Error: ../evil.json: refused: the name points outside the archive (path traversal)",
        "import: 2 read, 1 new, 0 updated, 0 unchanged, 1 refused or failed",
    ]
    assert archive().versions(SEED) == [1]
    ok = run("verify")
    assert ok.exit_code == 0
    assert ok.stderr == "verify: 1 questions, 1 versions checked; all good\n"
    (archive().question_dir(SEED) / "v0001.json").write_text("{")
    damaged = run("verify")
    assert damaged.exit_code == 4
    assert damaged.stderr.splitlines()[0].startswith(
        f"Error: {archive().question_dir(SEED)}/v0001.json: damaged"
    )


def test_import_of_a_missing_file_is_a_usage_error(sites, tmp_path):
    result = run("import", str(tmp_path / "nope.zip"))
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"Error: {tmp_path / 'nope.zip'} is not a file; give a zip or JSON file, or its URL\n"
    )


def test_feed(sites, tmp_path):
    assert run("fetch", "15-12526QE").exit_code == 0
    path = tmp_path / "answers.atom"
    result = run("feed", "-o", str(path), "--days", "5000")
    assert result.exit_code == 0
    assert result.stderr == f"wrote 1 event to {path}\n"
    parsed = feedparser.parse(path.read_bytes())
    assert parsed.bozo == 0
    assert [entry.title for entry in parsed.entries] == [
        "15-12526QE new question, published 2018-10-02: Privatisation du centre d’appels de l’ANTS"
    ]
