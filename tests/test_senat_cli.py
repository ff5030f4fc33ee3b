"""End-to-end: the Sénat seed through fetch, show, history, list, stats, search, export.

The local server serves ``fixtures/sites/www.senat.fr/questions/base/2018/qSEQ180304125.html``
(a page written from the seed; the seed's real number is unknown, see fixtures/README.md).
"""

import csv
import io
import json
import os
from pathlib import Path

from typer.testing import CliRunner

from qarchive.cli import app
from qarchive.model.ids import parse_question_id
from qarchive.model.question import Status
from qarchive.store.archive import Archive

SEED = parse_question_id("SEQ180304125")
PAGE_PATH = "/questions/base/2018/qSEQ180304125.html"
SEED_FILE = Path(__file__).parents[1] / "fixtures/sites/www.senat.fr" / PAGE_PATH.lstrip("/")
TEXT_START = "M. Philippe Bonnecarrère attire l'attention de M. le ministre d'État, ministre de"
TEXT_END = "face à une évolution plus digitale de la société."
ANSWER_START = "La réforme des préfectures dite « plan préfectures nouvelle génération »"
ANSWER_END = "pour les exploitants d'auto-écoles et les candidats au permis de conduire."


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def archive() -> Archive:
    return Archive(Path(os.environ["QARCHIVE_ARCHIVE"]))


def test_fetch_the_senat_seed_writes_the_whole_record(sites):
    result = run("fetch", "SEQ180304125")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "SEQ180304125     new       v1\n"

    stored = archive().read_version(SEED)
    record = stored.record
    assert archive().question_dir(SEED).relative_to(archive().root).as_posix() == (
        "questions/senat/2018/SEQ180304125"
    )
    assert (record.id, record.chamber, record.kind, record.number) == (
        "SEQ180304125",
        "senat",
        "QE",
        4125,
    )
    assert record.legislature == 15
    assert record.url == "https://www.senat.fr/questions/base/2018/qSEQ180304125.html"
    assert record.author.name == "Philippe Bonnecarrère"
    assert record.author.civility == "M."
    assert record.author.published_name == "BONNECARRÈRE Philippe"
    assert record.author.group is not None and record.author.group.short == "UC"
    assert record.author.department == "Tarn"
    assert record.published.date.isoformat() == "2018-03-22"
    assert record.published.page == 1320
    assert record.status is Status.ANSWERED
    assert record.answer is not None
    assert record.answer.published.date.isoformat() == "2018-05-17"
    assert record.answer.published.page == 2390
    assert record.answer.ministry is not None
    assert record.answer.ministry.name == "Intérieur"
    assert record.answer.ministry.full_name == "Ministère de l'intérieur"
    assert record.ministry_responding is not None
    assert record.ministry_responding.name == "Intérieur"
    assert record.text is not None
    assert record.text.startswith(TEXT_START)
    assert record.text.endswith(TEXT_END)
    assert record.text.count("\n\n") == 4  # five paragraphs, as in the seed
    assert record.answer.text is not None
    assert record.answer.text.startswith(ANSWER_START)
    assert record.answer.text.endswith(ANSWER_END)
    assert record.answer_delay_days() == 56
    assert record.source.format == "senat_html"
    assert record.source.url == sites.senat.base_url + PAGE_PATH
    assert stored.raw and archive().read_raw(SEED, stored.raw[0]) == SEED_FILE.read_bytes()

    again = run("fetch", "https://www.senat.fr/questions/base/2018/qSEQ180304125.html")
    assert again.exit_code == 0, again.stderr
    assert "unchanged" in again.stdout
    assert archive().versions(SEED) == [1]


def test_show_history_and_bare_number(sites):
    assert run("fetch", "qSEQ180304125").exit_code == 0
    shown = run("show", "SEQ180304125")
    assert shown.exit_code == 0, shown.stderr
    for expected in (
        "SEQ180304125 (QE, 15e législature)",
        "M. Philippe Bonnecarrère, UC, Tarn",
        "BONNECARRÈRE Philippe",
        "2018-03-22, page 1320",
        "answered after 56 days",
        "plan préfectures nouvelle génération",
    ):
        assert expected in shown.stdout, expected
    as_json = json.loads(run("show", "SEQ180304125", "--json").stdout)
    assert as_json["author"]["name"] == "Philippe Bonnecarrère"

    # The archive resolves a bare number it holds once; the same record comes back.
    by_number = run("show", "04125", "--json")
    assert by_number.exit_code == 0, by_number.stderr
    assert json.loads(by_number.stdout) == as_json
    unknown = run("show", "04126")
    assert unknown.exit_code == 2
    assert "no Sénat question numbered '04126' in the archive" in unknown.stderr
    assert "SEQ180304125" in unknown.stderr  # says what to type

    history = run("history", "SEQ180304125")
    assert history.exit_code == 0, history.stderr
    assert "v1" in history.stdout and "first version" in history.stdout


def test_list_stats_search_export_treat_senat_records_like_an_ones(sites, tmp_path):
    assert run("fetch", "SEQ180304125", "15-12526QE").exit_code == 0

    pending = run("list", "--chamber", "senat", "--unanswered", "--format", "ids")
    assert pending.exit_code == 0, pending.stderr
    assert pending.stdout == ""  # the seed is answered
    answered = run("list", "--chamber", "senat", "--answered", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(answered.stdout)))
    assert [
        (r["id"], r["chamber"], r["ministry_responding"], r["answer_delay_days"]) for r in rows
    ] == [("SEQ180304125", "senat", "Intérieur", "56")]
    assert run("list", "--chamber", "an", "--format", "ids").stdout == "15-12526QE\n"

    stats = run("stats", "--chamber", "senat", "--by", "ministry", "--format", "json")
    assert stats.exit_code == 0, stats.stderr
    (row,) = json.loads(stats.stdout)
    assert row["name"] == "Intérieur"
    assert row["questions"] == 1 and row["answered"] == 1
    assert row["median_delay_days"] == 56

    found = run("search", "titres sécurisés", "--chamber", "senat", "--format", "ids")
    assert found.exit_code == 0, found.stderr
    assert found.stdout == "SEQ180304125\n"

    out = tmp_path / "senat.jsonl"
    exported = run("export", "--format", "jsonl", "--chamber", "senat", "-o", str(out))
    assert exported.exit_code == 0, exported.stderr
    (line,) = out.read_text(encoding="utf-8").splitlines()
    assert json.loads(line) == archive().read_version(SEED).record.model_dump(mode="json")


def test_a_senat_page_that_is_not_yet_published_is_not_a_version(sites):
    sites.senat.pages[PAGE_PATH] = (
        "<html><head><meta charset='utf-8'><title>Sénat</title></head><body>"
        "<h1>Question écrite</h1><p>Le texte de cette question sera publié dès sa "
        "parution au Journal officiel.</p></body></html>"
    ).encode()
    result = run("fetch", "SEQ180304125")
    assert result.exit_code == 1
    assert "not yet published" in result.stderr.lower() or "pas encore" in result.stderr
    assert "Traceback" not in result.stderr
    assert archive().versions(SEED) == []


def test_a_missing_senat_page_is_a_clear_404(sites):
    result = run("fetch", "SEQ180304126")
    assert result.exit_code == 1
    assert "SEQ180304126 was not found at any source (HTTP 404" in result.stderr
    assert archive().versions(parse_question_id("SEQ180304126")) == []
