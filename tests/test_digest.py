"""The digest: periods, sections, the three formats, and remembering the last one."""

import datetime as dt

import pytest

from factories import answered, make_question
from qarchive.errors import ArchiveDamaged, UsageError
from qarchive.follow.choices import DigestFormat
from qarchive.follow.digest import build_digest, last_digest, make_digest
from qarchive.follow.digest_text import render_digest
from qarchive.follow.events import append_events, derive_events
from qarchive.model.dates import parse_moment
from qarchive.store.layout import DIGEST_FILE
from small_archive import RECORDS, TODAY, build_archive
from test_cli import run

NOW = dt.datetime(2026, 11, 23, 3, 30, tzinfo=dt.UTC)
YESTERDAY = NOW - dt.timedelta(days=1)


def test_the_digest_dates():  # digest --since: the syntax of every command's dates
    assert parse_moment("1d", now=NOW) == YESTERDAY
    assert parse_moment("12h", now=NOW) == NOW - dt.timedelta(hours=12)
    assert parse_moment(" 2W ", now=NOW) == NOW - dt.timedelta(weeks=2)
    assert parse_moment("2026-11-01", now=NOW) == dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    assert parse_moment("2026-11-01T10:00", now=NOW) == dt.datetime(2026, 11, 1, 10, tzinfo=dt.UTC)
    for bad in ("yesterday", "1y", "", "-1d", "2026-13-01"):
        with pytest.raises(UsageError, match="expected YYYY-MM-DD, or a time back from now"):
            parse_moment(bad, now=NOW)


@pytest.fixture
def archive(tmp_path):
    """The small archive, plus a night of events: one watched answer, one other, one erratum."""
    store = build_archive(tmp_path / "a")
    pending = make_question(title="Titre <b>&</b> [lien](x)")
    at = NOW - dt.timedelta(hours=2)
    [watched] = derive_events(pending, answered(pending), version=2, archived_at=at)
    [other] = derive_events(
        RECORDS[3], answered(RECORDS[3]), version=2, archived_at=at + dt.timedelta(minutes=1)
    )
    [old] = derive_events(None, RECORDS[8], version=1, archived_at=NOW - dt.timedelta(days=3))
    append_events(
        store, [old.watched_for(["watchlist"]), watched.watched_for(["watchlist"]), other]
    )
    return store


def test_sections(archive):
    digest = build_digest(archive, since=YESTERDAY, until=NOW)
    assert [e.id for e in digest.watched] == ["15-12526QE@v2:answered"]
    # New answers, longest delay first: 15-4QE (published 2018-02-01) then the seed.
    assert [(e.question, e.details["delay_days"]) for e in digest.answers] == [
        ("15-4QE", 348),
        ("15-12526QE", 105),
    ]
    # 17-9QE's deadline (signalement + 10 days) is 2026-10-30: not in this period...
    assert digest.overdue == []
    # ...but in the one that started on it.
    week = build_digest(archive, since=dt.datetime(2026, 10, 30, tzinfo=dt.UTC), until=NOW)
    assert [(o.id, o.deadline.isoformat(), o.days_waiting) for o in week.overdue] == [
        ("17-9QE", "2026-10-30", 53)
    ]
    assert NOW.date() == TODAY


def test_text(archive):
    digest = build_digest(archive, since=dt.datetime(2026, 10, 30, tzinfo=dt.UTC), until=NOW)
    assert render_digest(digest) == (
        "qarchive digest, 2026-10-30 00:00 to 2026-11-23 03:30 UTC\n"
        "\n"
        "Watched questions: 2\n"
        "- 17-8QE new question, published 2026-11-01: Question 17-8QE\n"
        "  https://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE8\n"
        "- 15-12526QE answered on 2019-01-15 after 105 days: Titre <b>&</b> [lien](x)\n"
        "  https://www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE12526\n"
        "\n"
        "New answers: 2\n"
        "- 15-4QE (Intérieur) answered after 348 days: Question 15-4QE\n"
        "  https://www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE4\n"
        "- 15-12526QE (Intérieur) answered after 105 days: Titre <b>&</b> [lien](x)\n"
        "  https://www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE12526\n"
        "\n"
        "New overdue questions: 1\n"
        "- 17-9QE (Santé) due 2026-10-30, waiting 53 days: Question 17-9QE\n"
        "  https://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE9\n"
    )


def test_markdown_and_html_escape_titles(archive):
    digest = build_digest(archive, since=YESTERDAY, until=NOW)
    markdown = render_digest(digest, DigestFormat.MARKDOWN)
    assert markdown.splitlines()[:6] == [
        "## qarchive digest, 2026-11-22 03:30 to 2026-11-23 03:30 UTC",
        "",
        "### Watched questions (1)",
        "",
        "- [15-12526QE](https://www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE12526)"
        r" answered on 2019-01-15 after 105 days: Titre \<b\>&\</b\> \[lien\](x)",
        "",
    ]
    assert markdown.endswith("### New overdue questions (0)\n\nNothing in this period.\n")
    page = render_digest(digest, DigestFormat.HTML)
    assert page.startswith("<!DOCTYPE html>\n<html>")
    assert (
        '<li><a href="https://www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE12526">'
        "15-12526QE</a> answered on 2019-01-15 after 105 days: "
        "Titre &lt;b&gt;&amp;&lt;/b&gt; [lien](x)</li>"
    ) in page
    assert "<b>" not in page
    assert page.endswith("</body></html>\n")


def test_remembers_the_last_digest(archive):
    assert last_digest(archive) is None
    first = make_digest(archive, now=lambda: NOW)
    assert (first.since, first.until) == (YESTERDAY, NOW)
    assert last_digest(archive) == NOW
    later = NOW + dt.timedelta(hours=5)
    look_back = make_digest(archive, since=YESTERDAY, now=lambda: later)
    assert look_back.since == YESTERDAY and last_digest(archive) == NOW  # left alone
    second = make_digest(archive, now=lambda: later)
    assert second.since == NOW and second.empty
    assert last_digest(archive) == later


def test_a_damaged_memory(archive):
    (archive.root / DIGEST_FILE).write_text("{")
    with pytest.raises(ArchiveDamaged, match=r"digest.json is damaged \(.*\); remove it"):
        make_digest(archive, now=lambda: NOW)
    assert (archive.root / DIGEST_FILE).read_text() == "{"
    assert make_digest(archive, since=YESTERDAY, now=lambda: NOW).watched  # --since still works


def test_digest_cli_errors(sites):
    bad = run("digest", "--since", "last week")
    assert bad.exit_code == 2
    assert bad.stderr == (
        "Error: invalid value for '--since': 'last week' is not a date: expected YYYY-MM-DD, "
        "or a time back from now such as 7d, 12h or 2w (see: qarchive digest --help)\n"
    )
    empty = run("digest", "--format", "markdown", "--always")
    assert empty.exit_code == 0
    assert "### Watched questions (0)" in empty.stdout
    assert empty.stderr.endswith(": 0 watched events, 0 new answers, 0 newly overdue\n")
