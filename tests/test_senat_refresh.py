"""The nightly refresh on Sénat questions: discovery from the open data, few requests.

The local data.senat.fr serves the rolling-year CSV fixture (six questions: the seed,
answered, and five invented ones); pages for the invented ones are built here.
"""

import datetime as dt
import os
import re
from pathlib import Path

from typer.testing import CliRunner

from qarchive.cli import app
from qarchive.jobs.refresh import senat_recheck_due
from qarchive.model.ids import QuestionId, parse_question_id
from qarchive.model.question import Status
from qarchive.store.archive import Archive

SEED = parse_question_id("SEQ180304125")
PENDING = parse_question_id("SEQ250605001")
CSV_PATH = "/data/questions/questions-depuis-un-an.csv"
CSV_FILE = Path(__file__).parents[1] / "fixtures/sites/data.senat.fr" / CSV_PATH.lstrip("/")
CSV_REFERENCES = [
    "SEQ180304125",
    "SEQ250605001",
    "SEQ250605002",
    "SEQ250905861",
    "SEQ25100512G",
    "SEQ25100771S",
]


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def archive() -> Archive:
    return Archive(Path(os.environ["QARCHIVE_ARCHIVE"]))


def page_path(reference: str) -> str:
    qid = parse_question_id(reference)
    return f"/questions/base/{qid.year}/q{qid.canonical}.html"


def pending_page(
    answer: str | None = None, reference: str = "SEQ250605001", published: str = "12/06/2025"
) -> bytes:
    """A question of Mme Lefèvre in the current template, pending or answered."""
    tail = (
        "<h2>En attente de réponse du Ministère de la santé et de l'accès aux soins</h2>"
        if answer is None
        else f"<h2>Réponse du Ministère de la santé et de l'accès aux soins publiée le {answer}"
        "</h2><p>Le Gouvernement a renforcé l'offre de soins dans les zones rurales.</p>"
        "<p>- page 5120</p>"
    )
    return (
        "<html><head><meta charset='utf-8'><title>Accès aux soins - Sénat</title>"
        f"<link rel='canonical' href='https://www.senat.fr{page_path(reference)}'>"
        "</head><body><h1>Mise en œuvre de l’accès aux soins dans les zones rurales</h1>"
        "<h2>Question de Mme LEFÈVRE Hélène (Côtes-d'Armor - Les Républicains) "
        f"publiée le {published}</h2><p>Mme Hélène Lefèvre attire l'attention de Mme la ministre "
        "sur l'accès aux soins dans les zones rurales.</p><p>- page 3012</p>"
        f"{tail}<p>Page mise à jour le</p></body></html>"
    ).encode()


def requests_to(site, pattern: str) -> list[str]:
    return [request.path for request, _ in site.server.log if re.fullmatch(pattern, request.path)]


def seed_archive(sites) -> None:
    """The seed (answered) and SEQ250605001 (pending), fetched from their pages."""
    sites.senat.pages[page_path("SEQ250605001")] = pending_page()
    result = run("fetch", "SEQ180304125", "SEQ250605001")
    assert result.exit_code == 0, result.stderr
    sites.senat.server.clear_log()


def test_discovery_fetches_what_the_csv_shows_new_or_changed_and_skips_the_rest(sites):
    seed_archive(sites)
    # Upstream, the pending question got its answer; the CSV says so too. A question
    # published today appears in the CSV; the four invented 2025 ones, never archived
    # and older than the discovery window, are left alone (no crawl of the whole year).
    today = dt.date.today()
    new_ref = f"SEQ{today:%y%m}09999"
    sites.senat.pages[page_path("SEQ250605001")] = pending_page(answer="02/10/2025")
    sites.senat.pages[page_path(new_ref)] = pending_page(
        reference=new_ref, published=f"{today:%d/%m/%Y}"
    )
    csv = CSV_FILE.read_bytes().decode("cp1252")
    csv = csv.replace(
        "En attente de réponse;QE;05001;SEQ250605001",
        "Réponse reçue;QE;05001;SEQ250605001",
    ).replace(
        "2025-06-12;Santé et accès aux soins;;;;;;Santé",
        "2025-06-12;Santé et accès aux soins;;;Santé et accès aux soins;2025-10-02;;Santé",
    )
    csv += (
        f"En attente de réponse;QE;09999;{new_ref};Accès aux soins (suite);Lefèvre;Hélène;Mme;"
        f"Côtes-d'Armor;Les Républicains;;{today.isoformat()};Santé et accès aux soins;;;;;;"
        f"Santé;;http://www.senat.fr{page_path(new_ref)}\r\n"
    )
    sites.senat_data.pages[CSV_PATH] = csv.encode("cp1252")

    result = run("refresh", "--chamber", "senat")
    assert result.exit_code == 0, result.stderr

    assert archive().versions(PENDING) == [1, 2]
    record = archive().read_version(PENDING).record
    assert record.status is Status.ANSWERED
    assert record.answer is not None and record.answer.published.date == dt.date(2025, 10, 2)
    assert archive().versions(parse_question_id(new_ref)) == [1]
    assert archive().versions(SEED) == [1]
    # The seed is answered and unchanged per the CSV: its page was not requested.
    fetched = requests_to(sites.senat, r"/questions/base/\d{4}/qSEQ\w+\.html")
    assert sorted(fetched) == sorted([page_path("SEQ250605001"), page_path(new_ref)])
    assert requests_to(sites.senat_data, CSV_PATH) == [CSV_PATH]
    summary = result.stderr.strip().splitlines()[-1]
    assert "1 new, 1 changed (1 new answer)" in summary
    assert "1 discovered" in summary
    assert f"the {today.year} index page was skipped" in summary


def test_a_pending_question_the_csv_shows_unchanged_is_not_refetched_for_a_week(sites):
    seed_archive(sites)
    sites.senat.server.clear_log()
    result = run("refresh", "--chamber", "senat", "--no-discover")
    assert result.exit_code == 0, result.stderr
    # Without discovery, the pending question is re-fetched as on any night.
    assert requests_to(sites.senat, page_path("SEQ250605001")) == [page_path("SEQ250605001")]

    sites.senat.server.clear_log()
    result = run("refresh", "--chamber", "senat")
    fetched = requests_to(sites.senat, r"/questions/base/\d{4}/qSEQ\w+\.html")
    # With it, the CSV vouches for SEQ250605001, checked minutes ago: not re-fetched.
    assert page_path("SEQ250605001") not in fetched
    assert "1 unchanged per the Sénat open data, not re-fetched" in result.stderr
    assert archive().versions(PENDING) == [1]


def test_the_yearly_index_page_adds_questions_the_csv_does_not_have_yet(sites):
    seed_archive(sites)
    year = dt.date.today().year
    yy = year % 100
    new_ref = f"SEQ{yy:02d}{dt.date.today().month:02d}00001"
    sites.senat.pages[f"/questions/base/{year}/"] = (
        f"<html><body><ul><li><a href='/questions/base/{year}/q{new_ref}.html'>Nouvelle</a></li>"
        f"<li><a href='/questions/base/2025/qSEQ250605001.html'>rappel</a></li></ul></body></html>"
    ).encode()
    result = run("refresh", "--chamber", "senat")
    assert result.exit_code == 1, result.stderr  # no page yet for the invented questions
    fetched = requests_to(sites.senat, r"/questions/base/\d{4}/qSEQ\w+\.html")
    assert page_path(new_ref) in fetched
    assert fetched.count(page_path("SEQ250605001")) == 0  # in the CSV, unchanged, recent


def test_an_unreadable_csv_is_noted_and_the_refresh_goes_on(sites):
    seed_archive(sites)
    sites.senat_data.pages[CSV_PATH] = b"<html><title>Maintenance</title></html>"
    result = run("refresh", "--chamber", "senat")
    assert result.exit_code == 0, result.stderr
    assert "the rolling-year CSV was skipped" in result.stderr
    assert "Traceback" not in result.stderr
    # The pending question is re-fetched as it would be without the open data.
    assert requests_to(sites.senat, page_path("SEQ250605001")) == [page_path("SEQ250605001")]


def test_an_archive_for_the_an_asks_nothing_of_the_senat(sites):
    assert run("fetch", "15-12526QE").exit_code == 0
    result = run("refresh")
    assert result.exit_code == 0, result.stderr
    assert sites.senat_data.server.log == []
    assert sites.senat.server.log == []
    # Named, the Sénat is discovered even in an archive that holds none of it yet.
    assert run("refresh", "--chamber", "senat").exit_code == 0
    assert requests_to(sites.senat_data, CSV_PATH) == [CSV_PATH]


def test_a_rolling_year_checked_in_one_night_is_re_read_a_seventh_each_night():
    # After an import, every pending question is checked on the same night; each is
    # re-read within the week, on a day of its own, not all of them on the eighth night.
    questions = [
        parse_question_id(f"SEQ25{month:02d}{n:05d}") for month in (1, 6) for n in range(1, 351)
    ]
    first = dt.date(2026, 12, 7)
    checked = dict.fromkeys(questions, first)
    nights: list[int] = []
    read_on: dict[QuestionId, list[dt.date]] = {qid: [] for qid in questions}
    for day in (first + dt.timedelta(days=n) for n in range(1, 29)):
        due = [qid for qid in questions if senat_recheck_due(qid, checked[qid], day)]
        nights.append(len(due))
        for qid in due:
            checked[qid] = day
            read_on[qid].append(day)
    assert max(nights) <= 2 * len(questions) // 7  # about a seventh a night
    for qid, days in read_on.items():
        gaps = [(b - a).days for a, b in zip([first, *days], days, strict=False)]
        assert gaps and max(gaps) <= 7, (qid, gaps)  # never longer than a week


def test_a_missed_night_is_caught_up_the_day_after():
    qid = parse_question_id("SEQ250605001")
    checked = dt.date(2026, 12, 1)
    own = next(
        d
        for d in (checked + dt.timedelta(days=n) for n in range(1, 8))
        if senat_recheck_due(qid, checked, d)
    )
    assert not senat_recheck_due(qid, checked, checked)  # checked today
    assert senat_recheck_due(qid, checked, checked + dt.timedelta(days=8))  # its day was missed
    assert (own - checked).days <= 7
