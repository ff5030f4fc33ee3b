"""Commands on one question at a time, by ID or URL: fetch, show, history, diff."""

from __future__ import annotations

import collections
import datetime as dt
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qarchive.cli.options import (
    ArchiveOption,
    FormatOpt,
    IdsArg,
    OutputFormat,
    QuestionArg,
    RawCsvOpt,
    WaitOpt,
    collect_ids,
    load_cli_settings,
)
from qarchive.cli.output import print_blocks, printable, say, say_error, write_rows
from qarchive.errors import UsageError

# The library is imported inside each command, so that --help and --version do not
# pay for pydantic, httpx and SQLite (see bench/README.md).
if TYPE_CHECKING:
    from qarchive.jobs.fetch import FetchReport
    from qarchive.model.ids import QuestionId
    from qarchive.settings import Settings
    from qarchive.store.archive import Archive

__all__ = ["diff", "fetch", "history", "show"]


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
    fmt: FormatOpt = OutputFormat.TABLE,
    raw_csv: RawCsvOpt = False,
    wait: WaitOpt = False,
) -> None:
    """Fetch questions and save a new version of each one that changed.

    Prints one line per question (new, updated, unchanged) on stdout, errors on
    stderr; exits 1 if any question failed (the others are saved). With '-', a
    line that names no question is reported with its number, the others are
    fetched, and the exit code is 2.

    Example:
        qarchive fetch 15-12526QE SEQ180304125
        qarchive list --unanswered --format ids | qarchive fetch -
    """
    from qarchive.jobs.fetch import save_page
    from qarchive.store.archive import Archive

    settings = load_cli_settings(archive)
    store = Archive(settings.archive_dir)
    if from_file is not None:
        if ids:
            raise UsageError("give either IDs or --from-file, not both")
        with store.lock(wait=wait):
            hosts = None if url is None else settings.allowed_hosts  # a file's own URI: no check
            content = from_file.read_bytes()
            report = save_page(content, url=url or from_file.as_uri(), archive=store, hosts=hosts)
        _print_fetched([report], fmt, raw_csv)
        return
    qids, bad = collect_ids(ids or [], settings, store)
    for line in bad:
        say_error(f"stdin {line}")
    if not qids and not bad:
        raise UsageError("no question given: pass IDs or URLs, or '-' to read them from stdin")
    reports = _fetch_and_print(qids, settings, store, wait=wait, fmt=fmt, raw_csv=raw_csv)
    codes = [report.error.exit_code for report in reports if report.error is not None]
    codes += [UsageError.exit_code] if bad else []
    if codes:
        raise typer.Exit(max(codes))


def _print_fetched(reports: Iterable[FetchReport], fmt: OutputFormat, raw_csv: bool) -> None:
    from qarchive.cli.messages import fetch_line
    from qarchive.cli.views import fetch_row
    from qarchive.model.columns import FETCH_COLUMNS

    if fmt is OutputFormat.TABLE:
        for report in reports:
            if report.error is None:
                typer.echo(printable(fetch_line(report)))
        return
    rows = (fetch_row(report) for report in reports)
    write_rows(rows, fmt, sys.stdout, columns=FETCH_COLUMNS, raw_csv=raw_csv)


def _fetch_and_print(
    qids: list[QuestionId],
    settings: Settings,
    store: Archive,
    *,
    wait: bool,
    fmt: OutputFormat,
    raw_csv: bool,
) -> list[FetchReport]:
    """Fetch under the lock, printing each question's line as it comes, then the summary."""
    from qarchive.cli.messages import fetch_line, fetch_summary
    from qarchive.cli.progress import Reporter, reporter
    from qarchive.jobs.fetch import fetch_questions

    started, reports = time.monotonic(), []

    def fetched(out: Reporter) -> Iterator[FetchReport]:
        found = fetch_questions(qids, settings=settings, archive=store, on_start=out.start)
        for report in found:
            reports.append(report)
            out.advance()
            if report.error is not None:
                out.error(f"{report.qid}: {report.error}")
            elif fmt is OutputFormat.TABLE:
                out.result(fetch_line(report))
            yield report

    with store.lock(wait=wait), reporter(len(qids)) as out:
        if fmt is OutputFormat.TABLE:
            collections.deque(fetched(out), maxlen=0)
        else:
            _print_fetched(fetched(out), fmt, raw_csv)
        out.message(fetch_summary(reports, time.monotonic() - started))
    return reports


def show(
    question: QuestionArg,
    version: Annotated[
        int | None,
        typer.Option("--version", "-v", min=1, help="Show this version (default: latest)."),
    ] = None,
    fmt: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            "-f",
            help="table (for people) or json (the record, as archived).",
            case_sensitive=False,
        ),
    ] = OutputFormat.TABLE,
    as_json: Annotated[
        bool, typer.Option("--json", help="The same as --format json.", hidden=True)
    ] = False,
    archive: ArchiveOption = None,
) -> None:
    """Show a question from the archive: author, ministries, dates, status, texts.

    Example:
        qarchive show 15-12526QE
        qarchive show 15-12526QE --version 1 --format json
    """
    from qarchive.store.archive import Archive

    if as_json:
        fmt = OutputFormat.JSON
    if fmt not in (OutputFormat.TABLE, OutputFormat.JSON):
        raise UsageError("show prints one record: use --format table or json")
    settings = load_cli_settings(archive)
    store = Archive(settings.archive_dir)
    stored = store.read_version(_question_id(question, settings, store), version)
    if fmt is OutputFormat.JSON:
        typer.echo(stored.record.model_dump_json(indent=2))
        return
    from qarchive.cli.question_views import question_view

    title, blocks = question_view(stored.record, today=dt.date.today())
    print_blocks(blocks, title=title)


def history(
    question: QuestionArg,
    fmt: FormatOpt = OutputFormat.TABLE,
    raw_csv: RawCsvOpt = False,
    archive: ArchiveOption = None,
) -> None:
    """List the versions of a question: when each was fetched and what changed.

    Example:
        qarchive history 15-12526QE
        qarchive history 15-12526QE --format json
    """
    from qarchive.cli.messages import history_summary
    from qarchive.cli.question_views import history_rows, history_table
    from qarchive.model.columns import HISTORY_COLUMNS
    from qarchive.store.archive import Archive

    settings = load_cli_settings(archive)
    store = Archive(settings.archive_dir)
    qid = _question_id(question, settings, store)
    versions = store.history(qid)
    if not versions:
        store.read_version(qid)  # raises NotArchived with advice
    rows = history_rows(versions)
    if fmt is OutputFormat.TABLE:
        print_blocks([history_table(rows)])
    else:
        write_rows(rows, fmt, sys.stdout, columns=HISTORY_COLUMNS, raw_csv=raw_csv)
    say(history_summary(qid.canonical, len(rows)))


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
    fmt: FormatOpt = OutputFormat.TABLE,
    raw_csv: RawCsvOpt = False,
    archive: ArchiveOption = None,
) -> None:
    """Show field-level changes between two versions of a question.

    Example:
        qarchive diff 15-12526QE
        qarchive diff 15-12526QE 1 3 --format json
    """
    from qarchive.cli.question_views import diff_rows, diff_view
    from qarchive.model.columns import DIFF_COLUMNS
    from qarchive.store.archive import Archive

    if fmt is OutputFormat.IDS:
        raise UsageError("diff rows have no IDs; use --format table, json, jsonl or csv")
    settings = load_cli_settings(archive)
    store = Archive(settings.archive_dir)
    old, new, changes = store.diff(_question_id(question, settings, store), left, right)
    if fmt is OutputFormat.TABLE:
        print_blocks(diff_view(changes, old, new))
    else:
        write_rows(diff_rows(changes), fmt, sys.stdout, columns=DIFF_COLUMNS, raw_csv=raw_csv)


def _question_id(text: str, settings: Settings, store: Archive) -> QuestionId:
    from qarchive.jobs.resolve import resolve_question_id

    return resolve_question_id(text, archive=store, extra_hosts=settings.allowed_hosts)
