"""Commands on the questions the filters select: list, search, stats, export.

``list``, ``search`` and ``stats`` read the index alone, so they start without
pydantic; on a terminal they draw rich tables, in a pipe plain aligned lines
without loading rich (``qarchive.cli.output``).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from qarchive.cli.options import (
    ArchiveOption,
    FormatOpt,
    LimitOpt,
    OutputFormat,
    RawCsvOpt,
    filter_options,
    load_cli_settings,
)
from qarchive.cli.output import say, say_error, stdout_is_terminal
from qarchive.errors import UsageError

# The choices the signatures name come from light modules, at start; the library
# itself is imported inside each command, when it runs.
from qarchive.index.choices import SortKey, StatsGroup
from qarchive.jobs.choices import ExportFormat

if TYPE_CHECKING:
    from qarchive.index.filters import Filters

__all__ = ["export", "list_", "search", "stats"]


@filter_options
def list_(
    *,
    filters: Filters,
    sort: Annotated[SortKey, typer.Option("--sort", help="Order of the rows.")] = SortKey.PUBLISHED,
    limit: LimitOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
    raw_csv: RawCsvOpt = False,
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
    rows = list_questions(store, filters, sort=sort, limit=limit, today=today)
    _print_rows(rows, fmt, total=total, raw_csv=raw_csv)


@filter_options
def search(
    query: Annotated[str, typer.Argument(help='Words, "phrases", OR, NOT, prefix* (FTS5).')],
    *,
    filters: Filters,
    limit: LimitOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
    raw_csv: RawCsvOpt = False,
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
    _print_rows(rows, fmt, total=-1, raw_csv=raw_csv, snippets=True)


@filter_options
def stats(
    by: Annotated[
        StatsGroup | None,
        typer.Option(
            "--by",
            help="One row per ministry (by name), ministry-ref (by the AN's reference, "
            "under its latest name), group or author.",
            show_default=False,
        ),
    ] = None,
    *,
    filters: Filters,
    fmt: FormatOpt = OutputFormat.TABLE,
    raw_csv: RawCsvOpt = False,
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
        qarchive stats --by ministry-ref
        qarchive stats --by author --group lfi --format csv > authors.csv
    """
    from qarchive.index.stats import compute_stats
    from qarchive.store.index_access import ArchiveIndex

    if fmt is OutputFormat.IDS:
        raise UsageError("stats rows have no IDs; use --format table, json, jsonl or csv")
    store = ArchiveIndex(load_cli_settings(archive).archive_dir)
    found = compute_stats(store, filters, by=by, today=dt.date.today())
    by_name = by.value if by is not None else None
    _print_stats([row.as_row() for row in found], fmt, by=by_name, raw_csv=raw_csv)


@filter_options
def export(
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            dir_okay=False,
            help="File to write (replaced when done); '-' for stdout.",
        ),
    ],
    fmt: Annotated[
        ExportFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="File format \\[default: the output's suffix: .csv, .jsonl, .parquet].",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    raw_csv: RawCsvOpt = False,
    *,
    filters: Filters,
    archive: ArchiveOption = None,
) -> None:
    """Export questions to a CSV, JSON Lines or Parquet file, one row per question.

    JSON Lines holds each full record; CSV and Parquet hold flat columns (typed
    dates and numbers in Parquet). A damaged version file is reported and left
    out (exit 1), the rest is exported.

    Example:
        qarchive export -o questions.parquet
        qarchive export -o pending-16.csv --legislature 16 --unanswered
        qarchive export -f csv -o - --answered | head
    """
    from qarchive.jobs.export import export_questions, write_export
    from qarchive.store.archive import Archive

    to_stdout = str(output) == "-"
    fmt = _export_format(fmt, None if to_stdout else output.name)
    if to_stdout and fmt is ExportFormat.PARQUET and stdout_is_terminal():
        raise UsageError("Parquet is binary: redirect stdout to a file, or give -o FILE")
    store = Archive(load_cli_settings(archive).archive_dir)
    today = dt.date.today()
    if to_stdout:
        result = write_export(
            store, filters, sys.stdout.buffer, fmt=fmt, today=today, raw_csv=raw_csv
        )
        sys.stdout.flush()
    else:
        result = export_questions(
            store, filters, fmt=fmt, path=output, today=today, raw_csv=raw_csv
        )
    for skipped in result.skipped:
        say_error(str(skipped))
    count = f"{result.exported} question{'s' if result.exported != 1 else ''}"
    say(f"exported {count} to {'stdout' if to_stdout else output}")
    if result.skipped:
        raise typer.Exit(1)


def _export_format(given: ExportFormat | None, name: str | None) -> ExportFormat:
    """The format asked for, or the one the file's name says; refused when they disagree."""
    named = ExportFormat.for_name(name) if name is not None else None
    if given is not None and named is not None and given is not named:
        raise UsageError(
            f"--format {given} but {name} is named as {named}: rename the file or drop --format"
        )
    found = given or named
    if found is None:
        where = f"cannot tell the format of {name}" if name else "writing to stdout"
        raise UsageError(f"{where}: give --format csv, jsonl or parquet")
    return found


def _print_rows(
    rows: Iterator[dict[str, Any]],
    fmt: OutputFormat,
    *,
    total: int,
    raw_csv: bool,
    snippets: bool = False,
) -> None:
    from qarchive.cli.messages import match_summary
    from qarchive.cli.output import print_blocks, say, write_rows
    from qarchive.model.columns import LIST_COLUMNS, SEARCH_COLUMNS

    if fmt is OutputFormat.TABLE:
        from qarchive.cli.views import rows_table

        table = rows_table(rows, snippets=snippets)
        print_blocks([table])
        count = len(table.rows)
    else:
        columns = SEARCH_COLUMNS if snippets else LIST_COLUMNS
        count = write_rows(rows, fmt, sys.stdout, columns=columns, raw_csv=raw_csv)
    say(match_summary(count, total))


def _print_stats(
    rows: list[dict[str, Any]], fmt: OutputFormat, *, by: str | None, raw_csv: bool
) -> None:
    from qarchive.cli.messages import stats_summary
    from qarchive.cli.output import print_blocks, say, write_rows
    from qarchive.index.stats import STATS_COLUMNS

    if fmt is OutputFormat.TABLE:
        from qarchive.cli.views import stats_table

        print_blocks([stats_table(rows, by=by)])
    else:
        write_rows(rows, fmt, sys.stdout, columns=STATS_COLUMNS, raw_csv=raw_csv)
    say(stats_summary(rows, by=by))
