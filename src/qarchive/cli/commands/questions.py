"""Commands on one question at a time, by ID or URL: fetch, show, history, diff."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qarchive.cli.console import stdout_console
from qarchive.cli.options import (
    ArchiveOption,
    IdsArg,
    QuestionArg,
    WaitOpt,
    load_cli_settings,
    read_ids,
)
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
    wait: WaitOpt = False,
) -> None:
    """Fetch questions and save a new version of each one that changed.

    Prints one line per question (new, updated, unchanged) on stdout, errors on
    stderr; exits 1 if any question failed (the others are saved).

    Example:
        qarchive fetch 15-12526QE https://questions.assemblee-nationale.fr/q14/14-3200QE.htm
        qarchive list --unanswered --format ids | qarchive fetch -
    """
    from qarchive.cli.messages import fetch_line
    from qarchive.jobs.fetch import parse_ids, save_page
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
        typer.echo(fetch_line(report))
        return
    qids = parse_ids(read_ids(ids or []), settings=settings, archive=store)
    if not qids:
        raise UsageError("no question given: pass IDs or URLs, or '-' to read them from stdin")
    reports = _fetch_and_print(qids, settings, store, wait=wait)
    codes = [report.error.exit_code for report in reports if report.error is not None]
    if codes:
        raise typer.Exit(max(codes))


def _fetch_and_print(
    qids: list[QuestionId], settings: Settings, store: Archive, *, wait: bool
) -> list[FetchReport]:
    """Fetch under the lock, printing each question's line as it comes, then the summary."""
    from qarchive.cli.messages import fetch_line, fetch_summary
    from qarchive.cli.progress import reporter
    from qarchive.jobs.fetch import fetch_questions

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
    return reports


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


def _question_id(text: str, settings: Settings, store: Archive) -> QuestionId:
    from qarchive.jobs.resolve import resolve_question_id

    return resolve_question_id(text, archive=store, extra_hosts=settings.allowed_hosts)
