"""The one renderer: the same tables as plain lines for pipes, and drawn for a terminal."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from qarchive.cli import output
from qarchive.cli.messages import match_summary, stats_summary
from qarchive.cli.views import rows_table, stats_table

PENDING = {
    "id": "17-102260QE",
    "published": "2026-11-20",
    "days_waiting": 3,
    "overdue": False,
    "answer_delay_days": None,
    "author_civility": "Mme",
    "author_name": "Marie-Christine Bernardin-Dupont",
    "group_short": "RE",
    "ministry_responding": "Commerce extérieur et attractivité",
    "title": "Retraite   hospitalière\nde prix",
}
ANSWERED = {
    "id": "SEQ180304125",
    "published": "2018-03-01",
    "days_waiting": None,
    "overdue": False,
    "answer_delay_days": 118,
    "author_civility": "M.",
    "author_name": "Jean Bizet",
    "group_short": None,
    "ministry_responding": "Intérieur",
    "title": "Titres sécurisés",
}
CLOSED = {**ANSWERED, "id": "15-1QE", "answer_delay_days": None, "title": None}
CLOSED["author_name"] = CLOSED["author_civility"] = None


def _plain(blocks: list[Any], capsys: pytest.CaptureFixture[str]) -> list[str]:
    output.print_blocks(blocks)
    return capsys.readouterr().out.splitlines()


def test_rows_are_one_line_each_aligned_and_nothing_cut(capsys) -> None:
    assert _plain([rows_table([PENDING, ANSWERED, CLOSED])], capsys) == [
        "ID            Published    Days  Author (group)                             Ministry"
        "                            Title",
        "17-102260QE   2026-11-20      3  Mme Marie-Christine Bernardin-Dupont (RE)  "
        "Commerce extérieur et attractivité  Retraite hospitalière de prix",  # spaces folded
        "SEQ180304125  2018-03-01  ✓ 118  M. Jean Bizet                              "
        "Intérieur                           Titres sécurisés",
        "15-1QE        2018-03-01      —                                             Intérieur",
    ]


def test_search_rows_carry_their_snippet_on_the_next_line(capsys) -> None:
    table = rows_table([{**ANSWERED, "snippet": "les **titres**\nsécurisés"}], snippets=True)
    lines = _plain([table], capsys)
    assert len(lines) == 3
    assert lines[2] == "    les **titres** sécurisés"
    assert _plain([rows_table([])], capsys) == []


STATS_ROW = {
    "name": "Intérieur",
    "questions": 5,
    "answered": 3,
    "answer_rate": 0.6,
    "median_delay_days": 20.0,
    "p90_delay_days": 52.25,
    "answered_within_2_months": 2,
    "pending": 2,
    "overdue_now": 1,
}


def test_stats_table_in_a_pipe_has_one_header_line(capsys) -> None:
    rows = [STATS_ROW, {**STATS_ROW, "name": None, "answer_rate": None}]
    lines = _plain([stats_table(rows, by="ministry")], capsys)
    assert lines[0] == (
        "Ministry  Questions Answered Rate Median days P90 days ≤ 2 months Pending Overdue"
    )
    assert lines[1].split() == ["Intérieur", "5", "3", "60%", "20", "52.2", "2", "2", "1"]
    assert lines[2].split()[:4] == ["—", "5", "3", "—"]
    assert len({len(line) for line in lines}) == 1  # figures right-aligned to one edge


def test_summaries() -> None:
    assert match_summary(1, 1) == "1 question"
    assert match_summary(50, 300224) == "50 of 300224 matching questions shown"
    assert match_summary(3, -1) == "3 questions"
    assert stats_summary([{"questions": 10}], by="ministry") == "10 questions in 1 ministry"
    assert stats_summary([{"questions": 1}, {"questions": 0}], by="author") == (
        "1 question in 2 authors"
    )


def _drawn(rows: list[dict[str, Any]], width: int, monkeypatch, capsys) -> list[str]:
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", str(width))
    output.print_blocks([rows_table(rows)])
    drawn: str = capsys.readouterr().out
    return drawn.splitlines()


def test_terminal_table_wraps_at_80_columns_and_cuts_nothing(monkeypatch, capsys) -> None:
    lines = _drawn([PENDING, ANSWERED], 80, monkeypatch, capsys)
    assert all(len(line) <= 80 for line in lines)
    assert not any("…" in line for line in lines)
    starts = [lines[0].index(header) for header in ("Author", "Ministry", "Title")] + [80]
    first_row = lines[1 : next(i for i, line in enumerate(lines) if "SEQ" in line)]
    # Each column of the first row, its wrapped lines put back together: all there.
    column = [
        "".join("".join(line[a:b] for line in first_row).split())
        for a, b in itertools.pairwise(starts)
    ]
    assert column == [
        "MmeMarie-ChristineBernardin-Dupont(RE)",
        "Commerceextérieuretattractivité",
        "Retraitehospitalièredeprix",
    ]


def test_terminal_table_is_one_line_a_row_when_it_fits(monkeypatch, capsys) -> None:
    lines = _drawn([PENDING, ANSWERED], 200, monkeypatch, capsys)
    assert len(lines) == 3
    assert "Mme Marie-Christine Bernardin-Dupont (RE)" in lines[1]
    assert "Commerce extérieur et attractivité" in lines[1]
