"""Commands about the archive itself: info, reindex, verify.

``info`` says which archive is in use and what it holds. The version files are
the truth; the index is rebuilt from them, and ``verify`` checks both (exit
code 4 when something is damaged).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from qarchive.cli.messages import plural
from qarchive.cli.options import (
    ArchiveOption,
    FormatOpt,
    OutputFormat,
    RawCsvOpt,
    WaitOpt,
    load_cli_settings,
)
from qarchive.cli.output import say, say_error
from qarchive.errors import ArchiveDamaged, UsageError

# The library is imported inside each command, so that --help and --version do not
# pay for pydantic, httpx and SQLite (see bench/README.md).
if TYPE_CHECKING:
    from qarchive.store.archive import Archive

__all__ = ["info", "reindex", "verify"]


def info(
    fmt: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", help="table (for people) or json.", case_sensitive=False),
    ] = OutputFormat.TABLE,
    archive: ArchiveOption = None,
) -> None:
    """Show the archive in use, the settings in force (and where each comes from), what it holds.

    Example:
        qarchive info
        qarchive info --format json
    """
    import datetime as dt
    import json
    import os

    from qarchive.cli.output import print_blocks
    from qarchive.cli.views import info_view
    from qarchive.jobs.info import describe_archive
    from qarchive.settings import setting_sources

    if fmt not in (OutputFormat.TABLE, OutputFormat.JSON):
        raise UsageError("info prints one report: use --format table or json")
    settings = load_cli_settings(archive)
    # --archive is also read from QARCHIVE_ARCHIVE: an option only when they differ.
    given = archive is not None and str(archive) != os.environ.get("QARCHIVE_ARCHIVE")
    sources = setting_sources(overridden=["archive_dir"] if given else [])
    found = describe_archive(settings, sources=sources, today=dt.date.today())
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps(found.as_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        print_blocks(info_view(found))


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
        say_error(str(damaged))
    say(f"indexed {plural(result.indexed, 'question')} into {store.index_path}")
    if references is not None:
        say(f"indexed {plural(references[0], 'actor')}, {plural(references[1], 'organ')}")
    if result.damaged:
        raise typer.Exit(ArchiveDamaged.exit_code)


def verify(
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Remove temporary leftovers, move a damaged latest version aside (into "
            "damaged/, to fetch it again) and rebuild the index; never deletes a version.",
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
    fmt: FormatOpt = OutputFormat.TABLE,
    raw_csv: RawCsvOpt = False,
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
    if fields and repair:
        raise UsageError("--fields repairs nothing: run verify --repair, then verify --fields")
    if fmt is OutputFormat.IDS:
        raise UsageError("verify's rows have no IDs; use --format table, json, jsonl or csv")
    if fields:
        _verify_fields(store, fmt, raw_csv)
        return
    with store.lock(wait=wait):
        report = verify_archive(store)
        problems = repair_archive(store, report) if repair else report.problems
    for question, moved in report.moved.items():
        say(
            f"{question}: its damaged latest version moved to {moved[0]} (with the files "
            f"only it needed); fetch it again: qarchive fetch {question}"
        )
    if fmt is OutputFormat.TABLE:
        for problem in problems:
            say_error(str(problem))
    else:
        from qarchive.cli.output import write_rows
        from qarchive.model.columns import VERIFY_COLUMNS

        rows = (
            {"path": str(p.path), "problem": p.message, "repairable": p.repairable}
            for p in problems
        )
        write_rows(rows, fmt, sys.stdout, columns=VERIFY_COLUMNS, raw_csv=raw_csv)
    say(verify_summary(report, remaining=len(problems), repaired=repair))
    if problems:
        raise typer.Exit(ArchiveDamaged.exit_code)


def _verify_fields(store: Archive, fmt: OutputFormat, raw_csv: bool) -> None:
    from qarchive.cli.messages import field_summary
    from qarchive.cli.output import print_blocks, write_rows
    from qarchive.cli.views import field_table
    from qarchive.jobs.fields import FIELD_COLUMNS, field_report

    report = field_report(store)  # reads only: no lock, a refresh may run meanwhile
    if fmt is OutputFormat.TABLE:
        print_blocks(field_table(report))
    else:
        rows = (count.as_row(flat=fmt is OutputFormat.CSV) for count in report.counts)
        write_rows(rows, fmt, sys.stdout, columns=FIELD_COLUMNS, raw_csv=raw_csv)
    say(field_summary(report))
    if not report.complete:
        raise typer.Exit(1)
