"""The one-line messages of the commands: what a run did, in plain text.

A fetch prints one line per question on stdout; every command that changes or
checks the archive ends with a summary line on stderr, which is what cron mails.
Plain strings, no rich: the commands print them through whichever console they hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

# Each message reads a report from another wing; importing them only for types
# keeps this module as cheap to load as the commands that do not use it.
if TYPE_CHECKING:
    from qarchive.follow.digest import Digest
    from qarchive.jobs.fetch import FetchReport
    from qarchive.jobs.fields import FieldReport
    from qarchive.jobs.imports.summary import ImportSummary
    from qarchive.jobs.plan import RefreshPlan
    from qarchive.jobs.refresh import RefreshSummary
    from qarchive.jobs.verify import VerifyReport

__all__ = [
    "digest_summary",
    "fetch_line",
    "fetch_summary",
    "field_summary",
    "history_summary",
    "import_summary",
    "match_summary",
    "notify_errors",
    "plan_summary",
    "plural",
    "refresh_lines",
    "refresh_summary",
    "stats_summary",
    "verify_summary",
    "watch_summary",
]


def fetch_line(report: FetchReport) -> str:
    """One stdout line per fetched question: ``15-12526QE  new      v1``."""
    from qarchive.store.versions import SaveOutcome

    assert report.result is not None
    result = report.result
    text = f"{report.qid.canonical:<16} {result.outcome.value:<9} v{result.version}"
    if result.outcome is SaveOutcome.UPDATED and result.changed:
        text += f"  ({', '.join(result.changed)})"
    return text


def fetch_summary(reports: Sequence[FetchReport], seconds: float) -> str:
    """The one summary line of a fetch run (stderr)."""
    from qarchive.store.versions import SaveOutcome

    counts = {outcome: 0 for outcome in SaveOutcome}
    for report in reports:
        if report.result is not None:
            counts[report.result.outcome] += 1
    failed = sum(1 for report in reports if report.error is not None)
    return (
        f"{len(reports)} question{'s' if len(reports) != 1 else ''} in {seconds:.1f}s: "
        f"{counts[SaveOutcome.NEW]} new, {counts[SaveOutcome.UPDATED]} updated, "
        f"{counts[SaveOutcome.UNCHANGED]} unchanged, {failed} failed"
    )


def refresh_summary(summary: RefreshSummary) -> str:
    """The one line a refresh prints (what cron mails)."""
    answers = plural(summary.new_answers, "new answer")
    if summary.corrected_answers:
        answers += f", {plural(summary.corrected_answers, 'answer')} corrected"
    line = (
        f"refresh: {summary.checked} checked, {summary.new} new, {summary.changed} changed "
        f"({answers}), {summary.unchanged} unchanged, {summary.failed} failed "
        f"in {_duration(summary.duration_s)}"
    )
    if summary.discovered:
        line += f"; {summary.discovered} discovered"
    if summary.skipped_unchanged:
        line += f"; {summary.skipped_unchanged} unchanged per the Sénat open data, not re-fetched"
    if summary.watched:
        line += f"; {plural(len(summary.watched), 'watched event')}"
    if summary.outbox is not None:
        line += (
            f"; notify: {summary.notified} delivered, {len(summary.notify_failed)} failed, "
            f"{summary.outbox} waiting in the outbox"
        )
    if summary.failing:
        worst = ", ".join(f"{qid} ({n} runs)" for qid, n in sorted(summary.failing.items()))
        line += f"; failing run after run: {worst}"
    for note in summary.notes:
        line += f"; {note}"
    return line


def refresh_lines(summary: RefreshSummary) -> list[str]:
    """The lines a refresh prints before its summary: the events of followed questions."""
    return [f"watched: {text}" for text in summary.watched]


def notify_errors(summary: RefreshSummary) -> list[str]:
    """The notifications that failed (printed as errors), each kept in the outbox."""
    return [f"notify {failure} (kept in the outbox)" for failure in summary.notify_failed]


def import_summary(summary: ImportSummary) -> str:
    """The line after an import."""
    line = (
        f"import: {summary.read} read, {summary.new} new, {summary.updated} updated, "
        f"{summary.unchanged} unchanged, {len(summary.problems)} refused or failed"
    )
    if summary.skipped:
        line += f"; {summary.skipped} unchanged since the last import (not read)"
    if summary.named:  # reference data: archived questions that got names from it
        line += f"; {plural(summary.named, 'archived question')} named"
    return line


def plan_summary(plan: RefreshPlan) -> str:
    """The stderr line of ``refresh --dry-run``: what the night would ask for."""
    line = f"refresh plan: {plural(len(plan.alone), 'question')} to fetch one by one"
    if plan.zip_legislatures:
        *rest, last = [str(number) for number in plan.zip_legislatures]
        numbers = f"s {', '.join(rest)} and {last}" if rest else f" {last}"
        line += (
            f", {len(plan.through_zips)} to check through the AN zips of legislature"
            f"{numbers} (a conditional GET for each zip)"
        )
    return line + "; nothing fetched (the day's new questions are found when it runs)"


def verify_summary(report: VerifyReport, *, remaining: int, repaired: bool) -> str:
    """The line after a verification."""
    checked = f"verify: {report.questions} questions, {report.versions} versions checked"
    if repaired:
        fixed = len(report.problems) - remaining
        return f"{checked}; {plural(fixed, 'problem')} repaired, {remaining} remaining"
    return f"{checked}; {plural(remaining, 'problem')}" if remaining else f"{checked}; all good"


def field_summary(report: FieldReport) -> str:
    """The stderr line after ``verify --fields``."""
    short = sorted({f"{c.chamber} {c.legislature} {c.field}" for c in report.counts if c.short})
    line = f"fields: {plural(report.questions, 'question')} read"
    if report.unreadable:
        line += f", {len(report.unreadable)} unreadable ({', '.join(report.unreadable[:5])})"
    if short:
        return f"{line}; mandatory fields under 100 %: {', '.join(short)}"
    if not report.questions:
        return line
    absent = sorted(
        {
            f"{c.chamber} {c.legislature} {c.field}"
            for c in report.counts
            if c.mandatory and c.not_in_source
        }
    )
    if absent:
        return (
            f"{line}; every mandatory field at 100 % where its source holds it "
            f"(not in this source: {', '.join(absent)})"
        )
    return f"{line}; every mandatory field at 100 %"


def watch_summary(rows: Sequence[dict[str, Any]], *, waiting: int) -> str:
    """The line after ``watch list``: what is watched, what waits in the outbox."""
    questions = sum(1 for row in rows if row["watched"] == "question")
    searches = len(rows) - questions
    saved = plural(searches, "saved search", "saved searches")
    text = f"{plural(questions, 'question')} and {saved} watched"
    return f"{text}; {plural(waiting, 'event')} waiting in the outbox"


def digest_summary(digest: Digest) -> str:
    """The stderr line after ``digest``: counts and period."""
    since = digest.since.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
    return (
        f"digest since {since} UTC: {plural(len(digest.watched), 'watched event')}, "
        f"{plural(len(digest.answers), 'new answer')}, "
        f"{len(digest.overdue)} newly overdue"
    )


def match_summary(shown: int, total: int) -> str:
    """The stderr line after a listing: how many rows, out of how many matches."""
    if total < 0 or shown == total:
        return plural(shown, "question")
    return f"{shown} of {total} matching questions shown"


_STATS_PLURALS = {
    "ministry": "ministries",
    "ministry-ref": "ministries (by reference)",
    "group": "groups",
    "author": "authors",
}


def stats_summary(rows: Sequence[dict[str, Any]], *, by: str | None) -> str:
    """The stderr line after ``stats``: questions counted, and in how many groups."""
    text = plural(sum(row["questions"] for row in rows), "question")
    if by is None:
        return text
    if len(rows) != 1:
        counted = _STATS_PLURALS.get(by, f"{by}s")
    else:
        counted = "ministry (by reference)" if by == "ministry-ref" else by
    return f"{text} in {len(rows)} {counted}"


def history_summary(question_id: str, versions: int) -> str:
    """The stderr line after ``history``."""
    return f"{question_id}: {plural(versions, 'version')}"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{seconds:.1f}s"


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 question``, ``2 questions``: every count the tool prints, worded alike."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"
