"""Commands that keep the archive sound: reindex, verify.

The version files are the truth; the index is rebuilt from them, and ``verify``
checks both (exit code 4 when something is damaged).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from qarchive.cli.console import stderr_console, stdout_console
from qarchive.cli.options import ArchiveOption, OutputFormat, WaitOpt, load_cli_settings
from qarchive.errors import ArchiveDamaged, UsageError

# The library is imported inside each command, so that --help and --version do not
# pay for pydantic, httpx and SQLite (see bench/README.md).
if TYPE_CHECKING:
    from qarchive.store.archive import Archive

__all__ = ["reindex", "verify"]


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
    err = stderr_console()
    for damaged in result.damaged:
        err.print(f"Error: {damaged}", markup=False, soft_wrap=True)
    err.print(f"indexed {result.indexed} question(s) into {store.index_path}", markup=False)
    if references is not None:
        err.print(f"indexed {references[0]} actor(s), {references[1]} organ(s)", markup=False)
    if result.damaged:
        raise typer.Exit(ArchiveDamaged.exit_code)


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
            "legislature, and which lack it because their source cannot hold it; exit 1 "
            "if a mandatory field is missing where its source holds it.",
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
    mandatory field (ID, number, dates, author's name, ministry asked, the
    question's text) is missing where its source holds it; a field a source
    cannot hold (a Sénat page's ministry asked, a QG's written text) is reported
    as "not in this source".

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
