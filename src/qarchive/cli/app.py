"""The ``qarchive`` command line: parse options, call the library, print the result.

Exit codes (also in README):
    0  success
    1  some items failed (the rest were done and saved)
    2  usage error (bad ID, bad option)
    3  the archive is locked by another run
    4  the archive is damaged (run ``qarchive verify``)
"""

from __future__ import annotations

import copy
import datetime as dt
import inspect
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import (
    get_command_from_info,
    get_command_name,
    get_group_from_info,
    solve_typer_info_defaults,
)
from typer.models import CommandInfo, TyperInfo

from qarchive._version import __version__
from qarchive.cli.console import stderr_console, stdout_console
from qarchive.cli.help import load_help_renderer
from qarchive.cli.options import (
    ArchiveOption,
    AuthorOpt,
    ChamberOpt,
    FormatOpt,
    GroupOpt,
    IdsArg,
    LegislatureOpt,
    LimitOpt,
    MinistryOpt,
    QuestionArg,
    WaitOpt,
    filter_options,
    load_cli_settings,
    read_ids,
)
from qarchive.cli.plain import OutputFormat
from qarchive.errors import ArchiveDamaged, QarchiveError, UsageError
from qarchive.follow.digest_text import DigestFormat
from qarchive.follow.feed import DEFAULT_DAYS as DEFAULT_FEED_DAYS
from qarchive.follow.feed import DEFAULT_LIMIT as DEFAULT_FEED_LIMIT
from qarchive.index.filters import Filters  # at run time: filter_options reads the annotations
from qarchive.index.query import SortKey
from qarchive.index.stats import StatsGroup
from qarchive.jobs.export import ExportFormat
from qarchive.jobs.plan import DEFAULT_NOTIFY_TIMEOUT, DEFAULT_RECENT_DAYS

# The library is imported inside each command, so that --help and --version do not
# pay for pydantic, httpx and SQLite (see bench/README.md).
if TYPE_CHECKING:
    from typer._click import Command, Context

    from qarchive.cli.progress import Reporter
    from qarchive.follow.watch import SavedSearch
    from qarchive.jobs.fetch import FetchReport
    from qarchive.model.ids import QuestionId
    from qarchive.settings import Settings
    from qarchive.store.archive import Archive

__all__ = ["app", "app_for", "main"]


class _QarchiveGroup(TyperGroup):
    """Maps every :class:`QarchiveError` to ``Error: <message>`` and its exit code, once."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except QarchiveError as exc:
            stderr_console().print(f"Error: {exc}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None

    def format_help(self, ctx: Any, formatter: Any) -> None:
        load_help_renderer()
        super().format_help(ctx, formatter)


class _QarchiveCommand(TyperCommand):
    """A command whose help loads typer's renderer without its unused imports."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        load_help_renderer()
        super().format_help(ctx, formatter)


app = typer.Typer(
    cls=_QarchiveGroup,
    name="qarchive",
    help="Fetch, archive and follow French parliamentary written questions.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"qarchive {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """Fetch, archive and follow French parliamentary written questions.

    Example:
        qarchive fetch 15-12526QE && qarchive show 15-12526QE
    """


@app.command()
def fetch(
    ids: IdsArg = None,
    archive: ArchiveOption = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from-file",
            exists=True,
            dir_okay=False,
            help="Parse a saved page instead of fetching.",
        ),
    ] = None,
    url: Annotated[
        str | None, typer.Option(help="With --from-file: the URL the page came from.")
    ] = None,
    wait: WaitOpt = False,
) -> None:
    """Fetch questions and save a new version of each one that changed.

    Prints one line per question (new, updated, unchanged) on stdout, errors on
    stderr; exits 1 if any question failed (the others are saved).

    Example:
        qarchive fetch 15-12526QE https://questions.assemblee-nationale.fr/q14/14-3200QE.htm
        qarchive list --unanswered --format ids | qarchive fetch -
    """
    from qarchive.cli.messages import fetch_line, fetch_summary
    from qarchive.cli.progress import reporter
    from qarchive.jobs.fetch import fetch_questions, parse_ids, save_page
    from qarchive.store.archive import Archive

    settings = load_cli_settings(archive)
    store = Archive(settings.archive_dir)
    if from_file is not None:
        if ids:
            raise UsageError("give either IDs or --from-file, not both")
        with store.lock(wait=wait):
            report = save_page(from_file.read_bytes(), url=url or from_file.as_uri(), archive=store)
        typer.echo(fetch_line(report))
        return
    qids = parse_ids(read_ids(ids or []), settings=settings, archive=store)
    if not qids:
        raise UsageError("no question given: pass IDs or URLs, or '-' to read them from stdin")
    started, reports = time.monotonic(), []
    with store.lock(wait=wait), reporter(len(qids)) as out:
        for report in fetch_questions(qids, settings=settings, archive=store):
            reports.append(report)
            out.advance(report.qid.canonical)
            if report.error is None:
                out.result(fetch_line(report))
            else:
                out.message(f"Error: {report.qid}: {report.error}")
        out.message(fetch_summary(reports, time.monotonic() - started))
    codes = [report.error.exit_code for report in reports if report.error is not None]
    if codes:
        raise typer.Exit(max(codes))


def _question_id(text: str, settings: Settings, store: Archive) -> QuestionId:
    from qarchive.jobs.resolve import resolve_question_id

    return resolve_question_id(text, archive=store, extra_hosts=settings.allowed_hosts)


@app.command()
def show(
    question: QuestionArg,
    version: Annotated[
        int | None,
        typer.Option("--version", "-v", min=1, help="Show this version (default: latest)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the record as JSON.")] = False,
    archive: ArchiveOption = None,
) -> None:
    """Show a question from the archive: author, ministries, dates, status, texts.

    Example:
        qarchive show 15-12526QE
        qarchive show 15-12526QE --version 1 --json
    """
    from qarchive.cli.render import render_question
    from qarchive.store.archive import Archive

    settings = load_cli_settings(archive)
    store = Archive(settings.archive_dir)
    qid = _question_id(question, settings, store)
    stored = store.read_version(qid, version)
    if as_json:
        typer.echo(stored.record.model_dump_json(indent=2))
    else:
        stdout_console().print(render_question(stored.record, today=dt.date.today()))


@app.command()
def history(question: QuestionArg, archive: ArchiveOption = None) -> None:
    """List the versions of a question: when each was fetched and what changed.

    Example:
        qarchive history 15-12526QE
    """
    from qarchive.cli.render import render_history
    from qarchive.store.archive import Archive

    settings = load_cli_settings(archive)
    store = Archive(settings.archive_dir)
    qid = _question_id(question, settings, store)
    versions = store.history(qid)
    if not versions:
        store.read_version(qid)  # raises NotArchived with advice
    stdout_console().print(render_history(versions))


@app.command()
def diff(
    question: QuestionArg,
    left: Annotated[
        int | None,
        typer.Argument(
            help="Older version (default: the one before the latest).", min=1, show_default=False
        ),
    ] = None,
    right: Annotated[
        int | None,
        typer.Argument(help="Newer version (default: the latest).", min=1, show_default=False),
    ] = None,
    archive: ArchiveOption = None,
) -> None:
    """Show field-level changes between two versions of a question.

    Example:
        qarchive diff 15-12526QE
        qarchive diff 15-12526QE 1 3
    """
    from qarchive.cli.render import render_diff
    from qarchive.store.archive import Archive

    settings = load_cli_settings(archive)
    store = Archive(settings.archive_dir)
    old, new, changes = store.diff(_question_id(question, settings, store), left, right)
    stdout_console().print(render_diff(changes, old, new))


def _on_terminal() -> bool:
    # Tables are drawn with rich on a terminal; pipes and files get plain aligned
    # lines (one per question, titles whole, nothing wrapped) without loading rich.
    return sys.stdout.isatty()


def _print_rows(
    rows: Iterator[dict[str, Any]], fmt: OutputFormat, *, total: int, snippets: bool = False
) -> None:
    from qarchive.cli.plain import match_summary, text_rows_table, write_lines, write_rows
    from qarchive.index.query import LIST_COLUMNS

    if fmt is OutputFormat.TABLE:
        shown = list(rows)
        if shown and _on_terminal():
            from qarchive.cli.render import render_rows_table

            out = stdout_console()
            out.print(render_rows_table(shown, snippets=snippets, width=out.width))
        else:
            write_lines(text_rows_table(shown, snippets=snippets), sys.stdout)
        count = len(shown)
    else:
        count = write_rows(
            rows, fmt, sys.stdout, columns=LIST_COLUMNS + (("snippet",) if snippets else ())
        )
    typer.echo(match_summary(count, total), err=True)


@app.command("list")
@filter_options
def list_(
    *,
    filters: Filters,
    sort: Annotated[SortKey, typer.Option("--sort", help="Order of the rows.")] = SortKey.PUBLISHED,
    limit: LimitOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
    archive: ArchiveOption = None,
) -> None:
    """List archived questions: what is unanswered, what is overdue, who is slow.

    Example:
        qarchive list --unanswered --overdue --ministry intérieur
        qarchive list --legislature 16 --sort delay --limit 20 --format csv > slow.csv
        qarchive list --unanswered --format ids | qarchive fetch -
    """
    from qarchive.index.query import count_questions, list_questions
    from qarchive.store.index_access import ArchiveIndex

    store = ArchiveIndex(load_cli_settings(archive).archive_dir)
    today = dt.date.today()
    total = count_questions(store, filters, today=today)
    _print_rows(
        list_questions(store, filters, sort=sort, limit=limit, today=today), fmt, total=total
    )


@app.command()
@filter_options
def search(
    query: Annotated[str, typer.Argument(help='Words, "phrases", OR, NOT, prefix* (FTS5).')],
    *,
    filters: Filters,
    limit: LimitOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
    archive: ArchiveOption = None,
) -> None:
    """Search question and answer texts, titles and keywords; best matches first.

    Accents and case do not matter ("securises" finds "sécurisés").

    Example:
        qarchive search "titres sécurisés"
        qarchive search '"centre d'appels" OR ANTS' --unanswered --format json
    """
    from qarchive.index.query import search_questions
    from qarchive.store.index_access import ArchiveIndex

    store = ArchiveIndex(load_cli_settings(archive).archive_dir)
    rows = search_questions(store, query, filters, limit=limit, today=dt.date.today())
    _print_rows(rows, fmt, total=-1, snippets=True)


@app.command()
def reindex(archive: ArchiveOption = None, wait: WaitOpt = False) -> None:
    """Rebuild index.sqlite (and references.sqlite) from the version files (the files are the truth).

    Example:
        qarchive reindex
    """
    from qarchive.store.archive import Archive

    store = Archive(load_cli_settings(archive).archive_dir)
    with store.lock(wait=wait):
        result = store.reindex()
        references = store.reindex_references()
    for damaged in result.damaged:
        stderr_console().print(f"Error: {damaged}", markup=False, soft_wrap=True)
    stderr_console().print(
        f"indexed {result.indexed} question(s) into {store.index_path}", markup=False
    )
    if references is not None:
        stderr_console().print(
            f"indexed {references[0]} actor(s), {references[1]} organ(s)", markup=False
        )
    if result.damaged:
        raise typer.Exit(ArchiveDamaged.exit_code)


@app.command()
@filter_options
def stats(
    by: Annotated[
        StatsGroup | None,
        typer.Option("--by", help="One row per ministry, group or author.", show_default=False),
    ] = None,
    *,
    filters: Filters,
    fmt: FormatOpt = OutputFormat.TABLE,
    archive: ArchiveOption = None,
) -> None:
    """Answer rate, median and 90th-percentile delay, overdue count: overall or per group.

    Every question counts, lapsed and withdrawn ones included. Delays are days
    from publication to answer (median and 90th percentile of the answered
    ones); "≤ 2 months" counts answers published within two months of the
    question. --format csv or json adds the withdrawn, lapsed and converted counts.

    Example:
        qarchive stats
        qarchive stats --by ministry --legislature 16
        qarchive stats --by author --group lfi --format csv > authors.csv
    """
    from qarchive.cli.plain import stats_summary, text_stats_table, write_lines, write_rows
    from qarchive.index.stats import STATS_COLUMNS, compute_stats
    from qarchive.store.index_access import ArchiveIndex

    if fmt is OutputFormat.IDS:
        raise UsageError("stats rows have no IDs; use --format table, json, jsonl or csv")
    store = ArchiveIndex(load_cli_settings(archive).archive_dir)
    found = compute_stats(store, filters, by=by, today=dt.date.today())
    rows, by_name = [row.as_row() for row in found], by.value if by is not None else None
    if fmt is OutputFormat.TABLE and _on_terminal():
        from qarchive.cli.render import render_stats_table

        out = stdout_console()
        out.print(render_stats_table(rows, by=by_name, width=out.width))
    elif fmt is OutputFormat.TABLE:
        write_lines(text_stats_table(rows, by=by_name), sys.stdout)
    else:
        write_rows(rows, fmt, sys.stdout, columns=STATS_COLUMNS)
    typer.echo(stats_summary(rows, by=by_name), err=True)


@app.command()
@filter_options
def export(
    fmt: Annotated[
        ExportFormat,
        typer.Option("--format", "-f", help="File format.", case_sensitive=False),
    ],
    output: Annotated[
        Path,
        typer.Option("--output", "-o", dir_okay=False, help="File to write (replaced when done)."),
    ],
    *,
    filters: Filters,
    archive: ArchiveOption = None,
) -> None:
    """Export questions to a CSV, JSON Lines or Parquet file, one row per question.

    JSON Lines holds each full record; CSV and Parquet hold flat columns (typed
    dates and numbers in Parquet). A damaged version file is reported and left
    out (exit 1), the rest is exported.

    Example:
        qarchive export --format parquet -o questions.parquet
        qarchive export --format csv -o pending-16.csv --legislature 16 --unanswered
    """
    from qarchive.jobs.export import export_questions
    from qarchive.store.archive import Archive

    store = Archive(load_cli_settings(archive).archive_dir)
    result = export_questions(store, filters, fmt=fmt, path=output, today=dt.date.today())
    for skipped in result.skipped:
        stderr_console().print(f"Error: {skipped}", markup=False, soft_wrap=True)
    count = f"{result.exported} question{'s' if result.exported != 1 else ''}"
    stderr_console().print(f"exported {count} to {output}", markup=False, soft_wrap=True)
    if result.skipped:
        raise typer.Exit(1)


@app.command()
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
            "--dry-run", help="Print the questions that would be re-fetched, fetch nothing."
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
    wait: WaitOpt = False,
    archive: ArchiveOption = None,
) -> None:
    """Re-fetch what can still change and discover new questions: the cron job.

    Watched questions are re-fetched first, whatever their age; their events are
    printed before the summary line. Exits 1 if any question (or notification)
    failed (the rest is saved), 3 if another run holds the archive.

    Example:
        qarchive refresh
        qarchive refresh --legislature 17 --dry-run
        qarchive refresh --notify 'jq -r .summary | mail -s "qarchive" desk@example.org'
    """
    from qarchive.cli.messages import refresh_lines, refresh_summary
    from qarchive.cli.progress import reporter
    from qarchive.jobs.plan import RefreshOptions, plan_refresh
    from qarchive.jobs.refresh import run_refresh
    from qarchive.store.archive import Archive

    settings = load_cli_settings(archive)
    store = Archive(settings.archive_dir)
    options = RefreshOptions(
        everything=everything,
        recent_days=recent_days,
        chamber=chamber.value if chamber else None,
        legislature=legislature,
        limit=limit,
        discover=discover,
        notify=notify,
        notify_timeout=notify_timeout,
    )
    if dry_run:
        for qid in plan_refresh(store, options, today=dt.date.today()):
            typer.echo(qid.canonical)
        return
    with store.lock(wait=wait), reporter(2) as out:
        summary = run_refresh(
            store, settings, options, on_report=lambda report, total: _report_refresh(out, report)
        )
        for line in refresh_lines(summary):
            out.message(line)
        out.message(refresh_summary(summary))
    if summary.damaged:
        raise ArchiveDamaged(summary.damaged[0])
    if summary.failed or summary.notify_failed:
        raise typer.Exit(1)


def _report_refresh(out: Reporter, report: FetchReport) -> None:
    from qarchive.cli.messages import fetch_line
    from qarchive.store.versions import SaveOutcome

    out.advance(report.qid.canonical)
    if report.error is not None:
        out.message(f"Error: {report.qid}: {report.error}")
    elif report.result is not None and report.result.outcome is not SaveOutcome.UNCHANGED:
        out.result(fetch_line(report))


@app.command("import")
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

    Example:
        qarchive import Questions_ecrites.json.zip
        qarchive import https://data.assemblee-nationale.fr/static/openData/repository/17/questions/questions_ecrites/Questions_ecrites.json.zip
        qarchive import https://data.senat.fr/data/questions/questions-depuis-un-an.csv
        qarchive import questions.zip
        qarchive import https://data.assemblee-nationale.fr/static/openData/repository/17/amo/tous_acteurs_mandats_organes_xi_legislature/AMO30_tous_acteurs_tous_mandats_tous_organes_historique.json.zip
    """
    from qarchive.cli.messages import import_summary
    from qarchive.cli.progress import reporter
    from qarchive.jobs.imports.an import import_file, local_copy
    from qarchive.store.archive import Archive

    settings = load_cli_settings(archive)
    store = Archive(settings.archive_dir)
    with (
        store.lock(wait=wait),
        local_copy(source, settings=settings, workdir=store.root) as (path, url),
        reporter(2) as out,
    ):
        summary = import_file(
            path,
            archive=store,
            max_member_bytes=settings.max_bytes,
            source_url=url,
            on_item=lambda done, total: out.advance(f"{done}"),
            workers=workers,
        )
        for problem in summary.problems:
            out.message(f"Error: {problem.member}: {problem.reason}")
        out.message(import_summary(summary))
    if summary.problems:
        raise typer.Exit(1)


@app.command()
def feed(
    output: Annotated[
        Path, typer.Option("--output", "-o", dir_okay=False, help="Where to write the Atom file.")
    ],
    ministry: MinistryOpt = None,
    author: AuthorOpt = None,
    group: GroupOpt = None,
    query: Annotated[
        str | None, typer.Option("--query", help="Only questions matching this search (FTS5).")
    ] = None,
    days: Annotated[
        int, typer.Option("--days", min=1, help="Events of the last N days.")
    ] = DEFAULT_FEED_DAYS,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, help="At most N entries.")
    ] = DEFAULT_FEED_LIMIT,
    title: Annotated[
        str, typer.Option("--title", help="The feed's title.")
    ] = "qarchive: questions écrites",
    watched: Annotated[
        bool,
        typer.Option("--watched", help="Events of watched questions and saved searches instead."),
    ] = False,
    archive: ArchiveOption = None,
) -> None:
    """Write an Atom feed of new questions, new answers and closures.

    Example:
        qarchive feed -o answers.atom
        qarchive feed -o interieur.atom --ministry intérieur --days 7
        qarchive feed --watched -o watched.atom
    """
    from qarchive.follow.feed import recent_events, write_feed
    from qarchive.index.filters import Filters
    from qarchive.store.archive import Archive

    store = Archive(load_cli_settings(archive).archive_dir)
    if watched:
        if any((ministry, author, group, query)):
            raise UsageError(
                "--watched takes no --ministry, --author, --group or --query: "
                "the watchlist is the filter (see: qarchive watch add --help)"
            )
        _watched_feed(store, output, days=days, limit=limit, title=title)
        return
    today = dt.date.today()
    filters = Filters(ministry=ministry, author=author, group=group)
    events = recent_events(
        store, filters, since=today - dt.timedelta(days=days), today=today, query=query, limit=limit
    )
    write_feed(output, events, title=title, generated=dt.datetime.now(dt.UTC))
    stderr_console().print(f"wrote {len(events)} event(s) to {output}", markup=False)


def _watched_feed(store: Archive, output: Path, *, days: int, limit: int, title: str) -> None:
    from qarchive.follow.feed import watched_events, write_watched_feed

    now = dt.datetime.now(dt.UTC)
    events = watched_events(store, since=now - dt.timedelta(days=days), limit=limit)
    write_watched_feed(output, events, title=title, generated=now)
    stderr_console().print(f"wrote {len(events)} watched event(s) to {output}", markup=False)


@app.command()
def verify(
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Remove temporary leftovers and rebuild the index (never deletes a version).",
        ),
    ] = False,
    fields: Annotated[
        bool,
        typer.Option(
            "--fields",
            help="Report instead how many questions have each field, per chamber and "
            "legislature; exit 1 if a mandatory field is under 100 %.",
        ),
    ] = False,
    fmt: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", help="With --fields: output format.", case_sensitive=False),
    ] = OutputFormat.TABLE,
    wait: WaitOpt = False,
    archive: ArchiveOption = None,
) -> None:
    """Check the archive: every version, raw capture and state file, and the index.

    Exits 4 if anything is damaged (after --repair: if anything remains). With
    --fields, reports how complete the records are instead, and exits 1 if a
    mandatory field (ID, number, dates, author's name, ministry asked, text of a
    written question) is missing anywhere.

    Example:
        qarchive verify
        qarchive verify --repair
        qarchive verify --fields --format json
    """
    from qarchive.cli.messages import verify_summary
    from qarchive.jobs.verify import repair_archive, verify_archive
    from qarchive.store.archive import Archive

    store = Archive(load_cli_settings(archive).archive_dir)
    if (fields and repair) or (not fields and fmt is not OutputFormat.TABLE):
        raise UsageError("--format goes with --fields, and --fields repairs nothing")
    if fields:
        _verify_fields(store, fmt)
        return
    with store.lock(wait=wait):
        report = verify_archive(store)
        problems = repair_archive(store, report) if repair else report.problems
    err = stderr_console()
    for problem in problems:
        err.print(f"Error: {problem}", markup=False, soft_wrap=True)
    err.print(verify_summary(report, remaining=len(problems), repaired=repair), markup=False)
    if problems:
        raise typer.Exit(ArchiveDamaged.exit_code)


def _verify_fields(store: Archive, fmt: OutputFormat) -> None:
    from qarchive.cli.messages import field_summary
    from qarchive.cli.plain import write_rows
    from qarchive.cli.render import render_field_report
    from qarchive.jobs.fields import FIELD_COLUMNS, field_report

    if fmt is OutputFormat.IDS:
        raise UsageError("field report rows have no IDs; use --format table, json, jsonl or csv")
    report = field_report(store)  # reads only: no lock, a refresh may run meanwhile
    if fmt is OutputFormat.TABLE:
        stdout_console().print(render_field_report(report))
    else:
        rows = (count.as_row(flat=fmt is OutputFormat.CSV) for count in report.counts)
        write_rows(rows, fmt, sys.stdout, columns=FIELD_COLUMNS)
    stderr_console().print(field_summary(report), markup=False, soft_wrap=True)
    if not report.complete:
        raise typer.Exit(1)


# -- following questions: watch, digest ------------------------------------------------

watch_app = typer.Typer(
    cls=_QarchiveGroup,
    name="watch",
    help="""Follow questions: by ID, or saved searches for new ones.

    Watched questions are re-fetched by every refresh, whatever their age; their
    events (answer, withdrawal, erratum...) and new questions matching a saved
    search go to refresh --notify, feed --watched and digest.

    Example:
        qarchive watch add 15-12526QE
        qarchive watch add --query "titres sécurisés"
        qarchive watch list
    """,
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(watch_app)

QueryOpt = Annotated[
    str | None,
    typer.Option("--query", help="Saved search: full-text query, as for qarchive search (FTS5)."),
]


def _watch_targets(
    ids: list[str] | None,
    query: str | None,
    author: str | None,
    ministry: str | None,
    archive: Path | None,
) -> tuple[Archive, list[QuestionId], SavedSearch | None]:
    from qarchive.follow.watch import SavedSearch
    from qarchive.jobs.fetch import parse_ids
    from qarchive.store.archive import Archive

    settings = load_cli_settings(archive)
    store = Archive(settings.archive_dir)
    qids = parse_ids(read_ids(ids or []), settings=settings, archive=store)
    search: SavedSearch | None = SavedSearch(query=query, author=author, ministry=ministry)
    if search is not None and search.key == (None, None, None):
        if not qids:
            raise UsageError("nothing given: pass IDs or URLs, or --query, --author or --ministry")
        search = None
    return store, qids, search


@watch_app.command("add")
def watch_add(
    ids: IdsArg = None,
    query: QueryOpt = None,
    author: AuthorOpt = None,
    ministry: MinistryOpt = None,
    wait: WaitOpt = False,
    archive: ArchiveOption = None,
) -> None:
    """Watch questions by ID or URL, or save a search for new questions.

    A question need not be archived yet: the next refresh fetches it. A saved
    search matches new questions by text (--query), author and ministry.

    Example:
        qarchive watch add 15-12526QE https://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE5268
        qarchive watch add --query '"titres sécurisés"' --ministry intérieur
    """
    from qarchive.follow.watch import add_watches

    store, qids, search = _watch_targets(ids, query, author, ministry, archive)
    with store.lock(wait=wait):
        update = add_watches(store, qids, search=search)
    err = stderr_console()
    for name in update.changed:
        err.print(f"watching {name}", markup=False)
    for name in update.unchanged:
        err.print(f"already watched: {name}", markup=False)


@watch_app.command("remove")
def watch_remove(
    ids: IdsArg = None,
    query: QueryOpt = None,
    author: AuthorOpt = None,
    ministry: MinistryOpt = None,
    wait: WaitOpt = False,
    archive: ArchiveOption = None,
) -> None:
    """Stop watching questions, or remove a saved search (same options as when added).

    Example:
        qarchive watch remove 15-12526QE
        qarchive watch remove --query '"titres sécurisés"' --ministry intérieur
    """
    from qarchive.follow.watch import remove_watches

    store, qids, search = _watch_targets(ids, query, author, ministry, archive)
    with store.lock(wait=wait):
        update = remove_watches(store, qids, search=search)
    for name in update.changed:
        stderr_console().print(f"stopped watching {name}", markup=False)


@watch_app.command("list")
def watch_list(fmt: FormatOpt = OutputFormat.TABLE, archive: ArchiveOption = None) -> None:
    """List watched questions (status, days waiting or answer delay) and saved searches.

    Example:
        qarchive watch list
        qarchive watch list --format ids | qarchive fetch -
    """
    from qarchive.cli.messages import watch_summary
    from qarchive.cli.plain import write_rows
    from qarchive.cli.render import render_watch_table
    from qarchive.follow.watch import WATCH_COLUMNS, watch_status
    from qarchive.store.archive import Archive

    status = watch_status(Archive(load_cli_settings(archive).archive_dir), today=dt.date.today())
    if fmt is OutputFormat.TABLE:
        if status.rows:
            stdout_console().print(render_watch_table(status.rows))
    else:
        rows = [row for row in status.rows if fmt is not OutputFormat.IDS or row["id"]]
        write_rows(rows, fmt, sys.stdout, columns=WATCH_COLUMNS)
    stderr_console().print(watch_summary(status.rows, waiting=status.waiting), markup=False)


@app.command()
def digest(
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="From this long ago (1d, 12h, 2w) or this date (YYYY-MM-DD) instead of "
            "the last digest; the last digest's time is then left as it was.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        DigestFormat,
        typer.Option("--format", "-f", help="text, markdown or html.", case_sensitive=False),
    ] = DigestFormat.TEXT,
    wait: WaitOpt = False,
    archive: ArchiveOption = None,
) -> None:
    """What happened since the last digest: watched events, new answers, new overdue questions.

    Prints the digest on stdout, ready for a terminal, an e-mail or a chat, and
    remembers when it ran (one day back the first time).

    Example:
        qarchive digest
        qarchive digest --since 7d --format markdown
        qarchive digest --format html | mail -M text/html -s "qarchive digest" desk@example.org
    """
    from qarchive.cli.messages import digest_summary
    from qarchive.follow.digest import make_digest, parse_since
    from qarchive.follow.digest_text import render_digest
    from qarchive.store.archive import Archive

    now = dt.datetime.now(dt.UTC)
    start = parse_since(since, now=now) if since is not None else None
    store = Archive(load_cli_settings(archive).archive_dir)
    result = make_digest(store, since=start, now=lambda: now, wait=wait)
    sys.stdout.write(render_digest(result, fmt))
    stderr_console().print(digest_summary(result), markup=False)


# Every command draws its help through _QarchiveCommand (see qarchive.cli.help);
# typer records a command declared without cls= as a TyperCommand.
for _info in (*app.registered_commands, *watch_app.registered_commands):
    if _info.cls is TyperCommand:
        _info.cls = _QarchiveCommand


class _ListingGroup(_QarchiveGroup):
    """The whole app's group, for arguments that name no command: help, --version, a typo.

    Its list of commands and Click's "Did you mean" read only names and help, so each
    command starts as a stand-in without options. typer builds a command's options
    from its signature (0.025 s for all of them); that is done only for a command
    Click resolves, after ``--`` or in shell completion.
    """

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._unbuilt = _subcommands(app)
        self.commands = {name: _stand_in(info) for name, info in self._unbuilt.items()}

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if name is not None and name in self._unbuilt:
            command = self.commands[name] = _build(self._unbuilt.pop(name))
        return name, command, rest


def _subcommands(source: typer.Typer) -> dict[str, CommandInfo | TyperInfo]:
    """The commands and groups of an app by name, in the order typer lists them."""
    found: dict[str, CommandInfo | TyperInfo] = {}
    for info in source.registered_commands:
        name = _command_name(info)
        assert name is not None, "typer needs a callback for every command"
        found[name] = info
    for group in source.registered_groups:
        # typer merges the commands of a group without a name into its parent's.
        name = solve_typer_info_defaults(group).name
        assert name, "every group of qarchive has a name"
        found[name] = group
    return found


def _stand_in(info: CommandInfo | TyperInfo) -> TyperCommand:
    """What the list of commands shows of a command, with typer's name and help."""
    if isinstance(info, TyperInfo):
        solved = solve_typer_info_defaults(info)
        name, text, short_help = solved.name, solved.help, solved.short_help
        hidden, deprecated, panel = solved.hidden, solved.deprecated, solved.rich_help_panel
    else:
        assert info.callback is not None
        name, short_help = _command_name(info), info.short_help
        text = inspect.getdoc(info.callback) if info.help is None else inspect.cleandoc(info.help)
        hidden, deprecated, panel = info.hidden, info.deprecated, info.rich_help_panel
    return TyperCommand(
        name=name,
        help=text,
        short_help=short_help,
        hidden=hidden,
        deprecated=deprecated,
        rich_help_panel=panel,
    )


def _build(info: CommandInfo | TyperInfo) -> Command:
    """The command as typer builds it within the whole app, options and all."""
    if isinstance(info, TyperInfo):
        return get_group_from_info(
            info,
            pretty_exceptions_short=app.pretty_exceptions_short,
            suggest_commands=app.suggest_commands,
            rich_markup_mode=app.rich_markup_mode,
        )
    return get_command_from_info(
        info,
        pretty_exceptions_short=app.pretty_exceptions_short,
        rich_markup_mode=app.rich_markup_mode,
    )


def _listing_app() -> typer.Typer:
    listing = copy.copy(app)
    listing.registered_commands, listing.registered_groups = [], []
    listing.info = copy.copy(app.info)
    listing.info.cls = _ListingGroup
    return listing


def app_for(args: list[str]) -> typer.Typer:
    """The app to run for these arguments: only the command they name, when they name one.

    typer builds every command's options from its signature at each run (0.04 s of
    the 0.3 s a listing takes, bench/README.md); a run needs only its own command.
    Arguments that start with an option (``--help``, ``--version``) or name no
    command get the whole app with its commands unbuilt (:class:`_ListingGroup`):
    its help lists every command, and Click suggests the nearest name for a typo.
    """
    if not args or args[0].startswith("-"):
        return _listing_app()
    commands = [info for info in app.registered_commands if _command_name(info) == args[0]]
    groups = [info for info in app.registered_groups if _group_name(info) == args[0]]
    if not commands and not groups:
        return _listing_app()
    trimmed = copy.copy(app)
    trimmed.registered_commands, trimmed.registered_groups = commands, groups
    return trimmed


def _command_name(info: CommandInfo) -> str | None:
    if info.name:
        return info.name
    # The name typer gives a command declared without one.
    return None if info.callback is None else get_command_name(info.callback.__name__)


def _group_name(info: TyperInfo) -> str | None:
    if isinstance(info.name, str):
        return info.name
    instance = info.typer_instance
    return (
        instance.info.name if instance is not None and isinstance(instance.info.name, str) else None
    )


def main() -> None:
    """Console-script entry point."""
    app_for(sys.argv[1:])()
