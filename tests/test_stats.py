"""stats: answer rates and delays over the index, checked by hand on a small archive."""

import contextlib
import csv
import datetime as dt
import io
import json
import statistics

import pytest
from typer.testing import CliRunner

from factories import NOW
from qarchive.cli import app
from qarchive.errors import UsageError
from qarchive.index import stats
from qarchive.index.choices import StatsGroup
from qarchive.index.filters import Filters
from qarchive.index.query import count_questions, list_questions
from qarchive.index.stats import STATS_COLUMNS, StatsRow, compute_stats
from qarchive.model.ids import parse_question_id
from qarchive.model.question import Answer, Author, Ministry, Publication, Status, add_months
from qarchive.store.archive import Archive
from small_archive import RECORDS, TODAY, build_archive


@pytest.fixture
def archive(tmp_path):
    return build_archive(tmp_path / "archive")


def row(name, **figures) -> StatsRow:
    defaults = dict(ref=None, withdrawn=0, lapsed=0, converted=0)
    return StatsRow(name=name, **(defaults | figures))


def test_overall_counts_every_status_lapsed_and_withdrawn_included(archive):
    # Delays of the answered: 10, 20, 42, 60, 60. Median: the 3rd, 42. P90 at
    # position 0.9 × 4 = 3.6, between 60 and 60. Within 2 months: 15-1, 15-2,
    # 16-10 (15-3 took 60 days but 2018-12-31 + 2 months is 2019-02-28; 16-7
    # took 60 days, one more than 2023-01-05 + 2 months). Overdue: 15-4, 17-9.
    assert compute_stats(archive, Filters(), by=None, today=TODAY) == [
        row(
            "all",
            questions=10,
            answered=5,
            pending=3,
            withdrawn=1,
            lapsed=1,
            answer_rate=0.5,  # 5 / 10: the lapsed and the withdrawn stay in the denominator
            median_delay_days=42.0,
            p90_delay_days=60.0,
            answered_within_2_months=3,
            overdue_now=2,
        )
    ]


def test_by_ministry_sorted_by_questions(archive):
    assert compute_stats(archive, Filters(), by=StatsGroup.MINISTRY, today=TODAY) == [
        # delays 10, 20, 60: median 20; p90 at position 1.8: 20 + 0.8 × (60 − 20) = 52
        row(
            "Intérieur",
            questions=5,
            answered=3,
            pending=1,
            lapsed=1,
            answer_rate=0.6,
            median_delay_days=20.0,
            p90_delay_days=52.0,
            answered_within_2_months=2,
            overdue_now=1,
        ),
        row(
            "Armées",
            questions=3,
            answered=1,
            pending=1,
            withdrawn=1,
            answer_rate=0.3333,
            median_delay_days=60.0,
            p90_delay_days=60.0,
            answered_within_2_months=0,
            overdue_now=0,  # 17-8QE is not due before 2027-01-01
        ),
        row(
            "Santé",
            questions=2,
            answered=1,
            pending=1,
            answer_rate=0.5,
            median_delay_days=42.0,
            p90_delay_days=42.0,
            # 16-10QE missed its signalement's ten days but was answered within two
            # months; 17-9QE is overdue only through its signalement.
            answered_within_2_months=1,
            overdue_now=1,
        ),
    ]


def test_by_group_an_even_count_interpolates(archive):
    rows = compute_stats(archive, Filters(), by=StatsGroup.GROUP, today=TODAY)
    assert [r.name for r in rows] == ["LFI", "RN", None]  # no group: last among equals
    lfi = rows[0]
    # delays 10, 20, 42, 60: median (20 + 42) / 2 = 31; p90 at 2.7: 42 + 0.7 × 18 = 54.6
    assert (lfi.questions, lfi.answered, lfi.lapsed) == (5, 4, 1)
    assert (lfi.median_delay_days, lfi.p90_delay_days) == (31.0, 54.6)
    assert rows[2] == row(
        None,
        questions=2,
        answered=0,
        pending=2,
        answer_rate=0.0,
        median_delay_days=None,
        p90_delay_days=None,
        answered_within_2_months=0,
        overdue_now=1,
    )


def test_percentiles_are_the_inclusive_linear_quantiles():
    # The definition the module documents: statistics.quantiles(method="inclusive").
    for delays, median, p90 in (([10, 20, 60], 20.0, 52.0), ([10, 20, 42, 60], 31.0, 54.6)):
        assert statistics.median(delays) == median
        assert statistics.quantiles(delays, n=10, method="inclusive")[8] == pytest.approx(p90)


def test_by_author_keys_homonyms_by_reference(archive):
    rows = compute_stats(archive, Filters(), by=StatsGroup.AUTHOR, today=TODAY)
    assert [(r.name, r.ref, r.questions) for r in rows] == [
        ("Marine Dupont", "PA2", 3),
        ("Ugo Bernalicis", "PA1", 3),
        ("Jean Martin", None, 2),  # no reference: grouped by name
        ("Sophie Petit", "PA4", 1),
        ("Ugo Bernalicis", "PA3", 1),  # the homonym stays apart
    ]
    ugo = rows[1]
    # delays 10 and 20: median 15, p90 at 0.9: 10 + 0.9 × 10 = 19
    assert (ugo.answered, ugo.lapsed, ugo.median_delay_days, ugo.p90_delay_days) == (
        2,
        1,
        15.0,
        19.0,
    )
    assert ugo.answer_rate == 0.6667


def test_filters_are_honoured(archive):
    (l15,) = compute_stats(archive, Filters(legislature=15), by=None, today=TODAY)
    assert (l15.questions, l15.answered, l15.pending, l15.lapsed, l15.withdrawn) == (6, 3, 1, 1, 1)
    rows = compute_stats(archive, Filters(ministry="armees"), by=StatsGroup.GROUP, today=TODAY)
    assert [(r.name, r.questions) for r in rows] == [("LFI", 1), ("RN", 1), (None, 1)]
    (pending,) = compute_stats(archive, Filters(unanswered=True), by=None, today=TODAY)
    assert (pending.questions, pending.overdue_now, pending.answer_rate) == (3, 2, 0.0)
    overdue = compute_stats(archive, Filters(overdue=True), by=StatsGroup.MINISTRY, today=TODAY)
    assert [(r.name, r.questions, r.pending, r.overdue_now) for r in overdue] == [
        ("Intérieur", 1, 1, 1),  # 15-4QE
        ("Santé", 1, 1, 1),  # 17-9QE; Armées' 17-8QE is not yet due
    ]
    (none,) = compute_stats(archive, Filters(overdue=True, answered=True), by=None, today=TODAY)
    assert none.questions == 0
    with pytest.raises(UsageError):
        compute_stats(archive, Filters(answered=True, unanswered=True), by=None, today=TODAY)


def test_nothing_matching(archive):
    nothing = Filters(chamber="senat")
    assert compute_stats(archive, nothing, by=None, today=TODAY) == [
        row(
            "all",
            questions=0,
            answered=0,
            pending=0,
            answer_rate=None,
            median_delay_days=None,
            p90_delay_days=None,
            answered_within_2_months=0,
            overdue_now=0,
        )
    ]
    assert compute_stats(archive, nothing, by=StatsGroup.MINISTRY, today=TODAY) == []


def _both_ways(archive, filters, by):
    with contextlib.closing(archive.open_index()) as db:
        tallied = stats._add_up_tallies(db, filters, by, TODAY)
        scanned = stats._add_up_questions(db, filters, by, TODAY)
    return (
        sorted((tally.row() for tally in tallied.values()), key=repr),
        sorted((tally.row() for tally in scanned.values()), key=repr),
    )


TALLIED = [
    Filters(),
    Filters(legislature=15),
    Filters(chamber="an", legislature=17),
    Filters(unanswered=True),
    Filters(answered=True, legislature=16),
    Filters(chamber="senat"),
    Filters(overdue=True),  # 17-8QE is pending but not yet due: Armées has none overdue
    Filters(overdue=True, unanswered=True, legislature=17),
    Filters(overdue=True, chamber="an", legislature=15),
]


@pytest.mark.parametrize("by", [None, *StatsGroup])
def test_tallies_add_up_to_what_the_questions_give(archive, by):
    for filters in TALLIED:
        tallied, scanned = _both_ways(archive, filters, by)
        assert tallied == scanned, filters
    # Questions that change ministry, status, author, group: the tallies follow.
    moves = [
        RECORDS[3].model_copy(  # 15-4QE, pending and overdue, gets answered by Santé
            update={
                "status": Status.ANSWERED,
                "answer": Answer(published=Publication(date=dt.date(2018, 3, 30))),
                "ministry_responding": Ministry(name="Santé"),
            }
        ),
        RECORDS[0].model_copy(update={"author": Author(name="Ugo Bernalicis", ref="PA1")}),
        RECORDS[8].model_copy(update={"status": Status.WITHDRAWN}),
    ]
    with archive.lock():
        for record in moves:
            archive.save(record, qid=parse_question_id(record.id), fetched_at=NOW)
    for filters in TALLIED:
        tallied, scanned = _both_ways(archive, filters, by)
        assert tallied == scanned, filters
    assert compute_stats(archive, Filters(), by=by, today=TODAY) == compute_stats(
        archive,
        Filters(since=dt.date(1900, 1, 1)),
        by=by,
        today=TODAY,  # the scan path
    )


def test_the_summary_count_of_status_chamber_and_legislature_comes_from_the_tallies(archive):
    """list's "N matching questions" for tallied filters adds up counts: the same number."""
    cases = [
        *TALLIED,
        Filters(answered=True, chamber="an"),
        Filters(overdue=True, legislature=17),
        Filters(chamber="senat", legislature=15),  # none
    ]
    for filters in cases:
        assert filters.tallied(), filters
        listed = len(list(list_questions(archive, filters, today=TODAY)))
        assert count_questions(archive, filters, today=TODAY) == listed, filters
    assert count_questions(archive, Filters(), today=TODAY) == len(RECORDS)
    assert not Filters(overdue=True, answered=True).tallied()  # the scan says 0
    assert count_questions(archive, Filters(overdue=True, answered=True), today=TODAY) == 0


@pytest.mark.parametrize(
    ("published", "answered_on"),
    [
        (dt.date(2018, 12, 31), dt.date(2019, 2, 28)),  # 59 days, clamped to February's end
        (dt.date(2018, 12, 31), dt.date(2019, 3, 1)),  # SQLite's '+2 months' would say 3 March
        (dt.date(2019, 12, 31), dt.date(2020, 2, 29)),  # leap year
        (dt.date(2019, 12, 31), dt.date(2020, 3, 1)),
        (dt.date(2018, 1, 1), dt.date(2018, 2, 28)),  # 58 days
        (dt.date(2018, 7, 1), dt.date(2018, 9, 1)),  # 62 days
        (dt.date(2018, 7, 1), dt.date(2018, 9, 2)),  # 63 days
        (dt.date(2018, 7, 31), dt.date(2018, 9, 30)),
        (dt.date(2018, 7, 31), dt.date(2018, 10, 1)),
    ],
)
def test_within_two_months_is_add_months(tmp_path, published, answered_on):
    record = RECORDS[0].model_copy(
        update={
            "published": Publication(date=published),
            "answer": Answer(published=Publication(date=answered_on)),
            "status": Status.ANSWERED,
        }
    )
    archive = Archive(tmp_path / "one")
    with archive.lock():
        archive.save(record, qid=parse_question_id(record.id), fetched_at=NOW)
    (stats,) = compute_stats(archive, Filters(), by=None, today=TODAY)
    assert stats.answered_within_2_months == int(answered_on <= add_months(published, 2))
    assert stats.median_delay_days == (answered_on - published).days


# -- the command ---------------------------------------------------------------------


def run(archive, *args):
    return CliRunner().invoke(app, [*args, "--archive", str(archive.root)])


def test_cli_stats_table_by_ministry(archive):
    result = run(archive, "stats", "--by", "ministry")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "Ministry",
        "Questions",
        "Answered",
        "Rate",
        "Median",
        "days",
        "P90",
        "days",
        "≤",
        "2",
        "months",
        "Pending",
        "Overdue",
    ]
    assert lines[1].split()[:7] == ["Intérieur", "5", "3", "60%", "20", "52", "2"]
    assert [line.split()[0] for line in lines[2:]] == ["Armées", "Santé"]
    assert result.stderr == "10 questions in 3 ministries\n"


def test_cli_stats_without_by_is_one_row(archive):
    result = run(archive, "stats")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1].split()[:7] == ["all", "10", "5", "50%", "42", "60", "3"]
    assert result.stderr == "10 questions\n"


def test_cli_stats_json_and_csv_carry_every_figure(archive):
    as_json = run(archive, "stats", "--by", "author", "--format", "json")
    assert as_json.exit_code == 0, as_json.stderr
    expected = compute_stats(archive, Filters(), by=StatsGroup.AUTHOR, today=dt.date.today())
    assert json.loads(as_json.stdout) == [r.as_row() for r in expected]
    assert as_json.stderr == "10 questions in 5 authors\n"

    as_csv = run(archive, "stats", "--by", "group", "--legislature", "15", "--format", "csv")
    assert as_csv.exit_code == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert tuple(rows[0]) == STATS_COLUMNS
    assert [(r["name"], r["questions"], r["lapsed"], r["withdrawn"]) for r in rows] == [
        ("LFI", "3", "1", "0"),
        ("RN", "3", "0", "1"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--format", "ids"],
            "Error: stats rows have no IDs; use --format table, json, jsonl or csv\n",
        ),
        (
            ["--answered", "--unanswered"],
            "Error: --unanswered and --answered exclude each other; pass one\n",
        ),
    ],
)
def test_cli_stats_usage_errors(archive, args, message):
    result = run(archive, "stats", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == message


def test_ties_sort_by_name_ignoring_accents(tmp_path):
    archive = Archive(tmp_path / "ties")
    with archive.lock():
        for number, ministry in enumerate(["Justice", "Économie", "Agriculture"], start=1):
            record = RECORDS[0].model_copy(
                update={"id": f"15-{number}QE", "number": number, "ministry_responding": None}
            )
            record = record.model_copy(update={"ministry_asked": Ministry(name=ministry)})
            archive.save(record, qid=parse_question_id(record.id), fetched_at=NOW)
    rows = compute_stats(archive, Filters(), by=StatsGroup.MINISTRY, today=TODAY)
    assert [r.name for r in rows] == ["Agriculture", "Économie", "Justice"]
