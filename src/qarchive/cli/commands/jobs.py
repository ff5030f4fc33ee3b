"""The bulk runs: refresh (the cron job) and import (open-data files).

Both hold the archive's lock for the whole run, print a line per change on
stdout and their messages and summary on stderr, with a progress bar on a
terminal (``qarchive.cli.progress``).
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from qarchive.cli.options import (
    ArchiveOption,
    ChamberOpt,
    FormatOpt,
    LegislatureOpt,
    LimitOpt,
    OutputFormat,
    RawCsvOpt,
    WaitOpt,
    load_cli_settings,
)
from qarchive.errors import ArchiveDamaged
from qarchive.jobs.choices import DEFAULT_NOTIFY_TIMEOUT, DEFAULT_RECENT_DAYS

# The library is imported inside each command, so that --help and --version do not
# pay for pydantic, httpx and SQLite (see bench/README.md).
if TYPE_CHECKING:
    from qarchive.cli.progress import Reporter
    from qarchive.jobs.fetch import FetchReport
    from qarchive.jobs.plan import RefreshOptions
    from qarchive.jobs.refresh import RefreshSummary
    from qarchive.settings import Settings
    from qarchive.store.archive import Archive

__all__ = ["import_", "refresh"]


def refresh(
    everything: Annotated[
        bool, typer.Option("--all", help="Re-fetch every archived question, closed ones too.")
    ] = False,
    recent_days: Annotated[
        int,
        typer.Option(
            "--recent-days",
            min=0,
            help="Also re-check questions answered or closed in the last N days (errata).",
        ),
    ] = DEFAULT_RECENT_DAYS,
    chamber: ChamberOpt = None,
    legislature: LegislatureOpt = None,
    limit: LimitOpt = None,
    discover: Annotated[
        bool,
        typer.Option(
            "--discover/--no-discover",
            help="Look for new questions in the AN daily publication lists.",
        ),
    ] = True,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Print the questions that would be fetched one by one (those the AN zips "
            "held are checked through the zips), fetch nothing.",
        ),
    ] = False,
    notify: Annotated[
        str | None,
        typer.Option(
            "--notify",
            metavar="CMD",
            help="Run this shell command once per event of a watched question, "
            "the event as JSON on stdin; failures stay in the outbox for the next run.",
        ),
    ] = None,
    notify_timeout: Annotated[
        float,
        typer.Option(
            "--notify-timeout", min=0.1, help="Seconds before one notify command is killed."
        ),
    ] = DEFAULT_NOTIFY_TIMEOUT,
    fmt: FormatOpt = OutputFormat.TABLE,
    raw_csv: RawCsvOpt = False,
    wait: WaitOpt = False,
    archive: ArchiveOption = None,
) -> None:
    """Re-fetch what can still change and discover new questions: the cron job.

    Watched questions are re-fetched first, whatever their age; their events are
    printed before the summary line. Exits 1 if any question (or notification)
    failed (the rest is saved), 3 if another run holds the archive.

    Example:
        qarchive refresh
        qarchive refresh --legislature 17 --dry-run --format json
        qarchive refresh --notify 'mail -s "$QARCHIVE_EVENT_SUMMARY" me@x.org'
    """
    from qarchive.jobs.plan import RefreshOptions, refresh_plan
    from qarchive.store.archive import Archive

    settings = load_cli_settings(archive)
    store = Archive(settings.archive_dir)
    options = RefreshOptions(
        everything=everything,
        recent_days=recent_days,
        chamber=chamber,
        legislature=legislature,
        limit=limit,
        discover=discover,
        notify=notify,
        notify_timeout=notify_timeout,
    )
    if dry_run:
        from qarchive.cli.messages import plan_summary
        from qarchive.cli.output import say, write_rows
        from qarchive.model.columns import PLAN_COLUMNS

        plan = refresh_plan(store, options, today=dt.date.today())
        rows = ({"id": qid.canonical} for qid in plan.alone)
        shown = OutputFormat.IDS if fmt is OutputFormat.TABLE else fmt  # one column: IDs
        write_rows(rows, shown, sys.stdout, columns=PLAN_COLUMNS, raw_csv=raw_csv)
        say(plan_summary(plan))
        return
    summary = _refresh_and_print(store, settings, options, wait=wait, fmt=fmt, raw_csv=raw_csv)
    if summary.damaged:
        raise ArchiveDamaged(summary.damaged[0])
    if summary.failed or summary.notify_failed:
        raise typer.Exit(1)


def import_(
    source: Annotated[
        str,
        typer.Argument(
            help="An open-data file (zip, JSON, CSV or SQL), or its URL on a configured host."
        ),
    ],
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=0,
            max=8,
            help="Worker processes for an AN questions zip, 0 to 8 (default: one per CPU, "
            "at most 4, from 2,000 questions; 0: none).",
            show_default=False,
        ),
    ] = None,
    wait: WaitOpt = False,
    archive: ArchiveOption = None,
) -> None:
    """Import open data: AN legislature zips, XIV's big JSON, the Sénat's CSV and dump.

    The Sénat files are the rolling-year questions-depuis-un-an.csv (no texts) and
    the full dump questions.zip (or the questions.sql inside it), streamed.

    Also the AN "acteurs, mandats, organes" zip (AMO30): the reference data that
    names the authors and groups the open data gives only by reference
    (PA…, PO…); archived questions that lacked those names get a new version.

    A file may be given by its URL on data.assemblee-nationale.fr or
    data.senat.fr (the README lists them), and is downloaded first.

    Example:
        qarchive import Questions_ecrites.json.zip
        qarchive import questions-depuis-un-an.csv
        qarchive import https://data.senat.fr/data/questions/questions.zip
    """
    from qarchive.cli.messages import import_summary
    from qarchive.cli.progress import reporter
    from qarchive.jobs.imports.dispatch import import_file, local_copy
    from qarchive.store.archive import Archive

    settings = load_cli_settings(archive)
    store = Archive(settings.archive_dir)
    with (
        store.lock(wait=wait),
        local_copy(source, settings=settings, workdir=store.root) as (path, url),
        reporter(None, verb="importing") as out,
    ):
        summary = import_file(
            path,
            archive=store,
            max_member_bytes=settings.max_bytes,
            source_url=url,
            on_item=lambda done, total: out.advance(),
            workers=workers,
        )
        for problem in summary.problems:
            out.error(f"{problem.member}: {problem.reason}")
        out.message(import_summary(summary))
    if summary.problems:
        raise typer.Exit(1)


def _refresh_and_print(
    store: Archive,
    settings: Settings,
    options: RefreshOptions,
    *,
    wait: bool,
    fmt: OutputFormat,
    raw_csv: bool,
) -> RefreshSummary:
    """Refresh under the lock, printing each change as it comes, then the events and summary."""
    from qarchive.cli.messages import notify_errors, refresh_lines, refresh_summary
    from qarchive.cli.output import write_rows
    from qarchive.cli.progress import reporter
    from qarchive.cli.views import fetch_row
    from qarchive.jobs.refresh import run_refresh
    from qarchive.model.columns import FETCH_COLUMNS

    with store.lock(wait=wait), reporter(None) as out:
        changed: list[FetchReport] = []
        summary = run_refresh(
            store,
            settings,
            options,
            on_report=lambda report, total: _report_refresh(out, report, fmt, changed),
            on_start=out.start,
        )
        if fmt is not OutputFormat.TABLE:
            rows = (fetch_row(report) for report in changed)
            write_rows(rows, fmt, sys.stdout, columns=FETCH_COLUMNS, raw_csv=raw_csv)
        for line in refresh_lines(summary):
            out.message(line)
        for failure in notify_errors(summary):
            out.error(failure)
        out.message(refresh_summary(summary))
    return summary


def _report_refresh(
    out: Reporter, report: FetchReport, fmt: OutputFormat, changed: list[FetchReport]
) -> None:
    from qarchive.cli.messages import fetch_line
    from qarchive.store.versions import SaveOutcome

    out.advance()
    if report.error is not None:
        out.error(f"{report.qid}: {report.error}")
    if report.result is not None and report.result.outcome is SaveOutcome.UNCHANGED:
        return
    if fmt is OutputFormat.TABLE and report.error is None:
        out.result(fetch_line(report))
    elif fmt is not OutputFormat.TABLE:
        changed.append(report)  # machine formats: written at the end, JSON whole
