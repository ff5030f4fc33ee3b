"""Listings and stats as text: the plain tables for pipes, and the rich table's widths."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from qarchive.cli.plain import match_summary, stats_summary, text_rows_table, text_stats_table
from qarchive.cli.render import render_rows_table

PENDING = {
    "id": "17-102260QE",
    "published": "2026-11-20",
    "days_waiting": 3,
    "overdue": False,
    "answer_delay_days": None,
    "author": "Mme Marie-Christine Bernardin-Dupont",
    "group": "RE",
    "ministry": "Commerce extérieur et attractivité",
    "title": "Retraite   hospitalière\nde prix",
}
ANSWERED = {
    "id": "SEQ180304125",
    "published": "2018-03-01",
    "days_waiting": None,
    "overdue": False,
    "answer_delay_days": 118,
    "author": "M. Jean Bizet",
    "group": None,
    "ministry": "Intérieur",
    "title": "Titres sécurisés",
}
CLOSED = {**ANSWERED, "id": "15-1QE", "answer_delay_days": None, "title": None, "author": None}


def test_rows_are_one_line_each_aligned_and_titles_never_cut() -> None:
    assert text_rows_table([PENDING, ANSWERED, CLOSED]) == [
        "ID            Published    Days  Author (group)              Ministry            Title",
        "17-102260QE   2026-11-20      3  Mme Marie-Christine Berna…  Commerce extérieu…  "
        "Retraite hospitalière de prix",  # spaces and line breaks folded
        "SEQ180304125  2018-03-01  ✓ 118  M. Jean Bizet               Intérieur           "
        "Titres sécurisés",
        "15-1QE        2018-03-01      —                              Intérieur",  # no trailing
    ]


def test_search_rows_carry_their_snippet_on_the_next_line() -> None:
    lines = text_rows_table([{**ANSWERED, "snippet": "les **titres**\nsécurisés"}], snippets=True)
    assert len(lines) == 3
    assert lines[2] == "    les **titres** sécurisés"
    assert text_rows_table([]) == []


def test_stats_table_has_the_terminal_layout() -> None:
    row = {
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
    lines = text_stats_table(iter([row, {**row, "name": None, "answer_rate": None}]), by="ministry")
    assert lines[0].split() == ["Median", "P90", "≤", "2"]
    assert lines[1].split() == [
        "Ministry",
        "Questions",
        "Answered",
        "Rate",
        "days",
        "days",
        "months",
        "Pending",
        "Overdue",
    ]
    assert lines[2].split() == ["Intérieur", "5", "3", "60%", "20", "52.2", "2", "2", "1"]
    assert lines[3].split()[:4] == ["—", "5", "3", "—"]
    assert len({len(line) for line in lines[1:]}) == 1  # figures right-aligned to one edge


def test_summaries() -> None:
    assert match_summary(1, 1) == "1 question"
    assert match_summary(50, 300224) == "50 of 300224 matching questions shown"
    assert match_summary(3, -1) == "3 questions"
    assert stats_summary([{"questions": 10}], by="ministry") == "10 questions in 1 ministry"
    assert stats_summary([{"questions": 1}, {"questions": 0}], by="author") == (
        "1 question in 2 authors"
    )


def _draw(rows: list[dict[str, Any]], width: int) -> list[str]:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(render_rows_table(rows, width=width))
    return out.getvalue().splitlines()


def test_terminal_table_keeps_room_for_titles_at_80_columns() -> None:
    # Names once took 69 of 80 columns and the title was drawn one letter a line.
    lines = _draw([PENDING, ANSWERED], 80)
    assert all(len(line) <= 80 for line in lines)
    title_start = lines[0].index("Title")
    assert 80 - title_start >= 24
    assert lines[1][title_start:].strip().startswith("Retraite")
    assert len(lines) <= 1 + 2 * 2  # each title fits in two lines


def test_terminal_table_cuts_names_only_when_needed() -> None:
    wide = _draw([PENDING], 160)
    assert "Mme Marie-Christine Berna…" in wide[1] and "Commerce extérieu…" in wide[1]
    short = _draw([ANSWERED], 80)
    assert "M. Jean Bizet" in short[1] and "Intérieur" in short[1]  # nothing cut
