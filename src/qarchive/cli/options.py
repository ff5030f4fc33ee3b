"""The options several commands share, declared once, and what their values become.

typer reads a command's options from its signature, so a shared option is an
``Annotated`` alias used as a parameter's type. The ten filters of ``list``,
``search``, ``stats`` and ``export`` come as one decorator, :func:`filter_options`,
that hands the command a single :class:`~qarchive.index.filters.Filters`.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import sys
import typing
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

# The library is imported inside the functions below, when a command runs.
if TYPE_CHECKING:
    from qarchive.index.filters import Filters
    from qarchive.jobs.resolve import BadLine
    from qarchive.model.ids import QuestionId
    from qarchive.settings import Settings
    from qarchive.store.archive import Archive

__all__ = [
    "AnsweredOpt",
    "ArchiveOption",
    "AuthorOpt",
    "ChamberOpt",
    "FormatOpt",
    "GroupOpt",
    "IdsArg",
    "LegislatureOpt",
    "LimitOpt",
    "MinistryOpt",
    "OutputFormat",
    "OverdueOpt",
    "QuestionArg",
    "RawCsvOpt",
    "SinceOpt",
    "UnansweredOpt",
    "UntilOpt",
    "WaitOpt",
    "collect_ids",
    "filter_options",
    "load_cli_settings",
]


class OutputFormat(StrEnum):
    """How listing commands print their rows; the values are the CLI spellings."""

    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    IDS = "ids"


ArchiveOption = Annotated[
    Path | None,
    typer.Option(
        "--archive",
        envvar="QARCHIVE_ARCHIVE",
        help="Archive directory \\[default: the platform's user data dir].",
        show_default=False,
        file_okay=False,
    ),
]
QuestionArg = Annotated[str, typer.Argument(help="Question ID or URL, e.g. 15-12526QE.")]
IdsArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="IDs or URLs; '-' reads them from stdin, one per line.", show_default=False
    ),
]

WaitOpt = Annotated[
    bool, typer.Option("--wait", help="Wait for the archive lock instead of exiting with code 3.")
]

# The filters shared by list, search, stats and export (see filter_options);
# refresh, feed and watch take a few of them.
UnansweredOpt = Annotated[bool, typer.Option("--unanswered", help="Only questions still pending.")]
AnsweredOpt = Annotated[bool, typer.Option("--answered", help="Only answered questions.")]
OverdueOpt = Annotated[
    bool, typer.Option("--overdue", help="Only pending questions past their deadline.")
]


def _chamber(text: str | None) -> str | None:
    # Checked here rather than as a choice of qarchive.model.ids.Chamber, so that the
    # command line starts without the ID parser; "sénat" is accepted too.
    if text is None:
        return None
    from qarchive.model.ids import parse_chamber

    try:
        return parse_chamber(text).value
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not one of 'an', 'senat'.") from None


ChamberOpt = Annotated[
    str | None,
    typer.Option(
        "--chamber",
        help="an or senat.",
        show_default=False,
        metavar="<an|senat>",
        callback=_chamber,
    ),
]
LegislatureOpt = Annotated[
    int | None, typer.Option("--legislature", min=1, help="Legislature number, e.g. 16.")
]
MinistryOpt = Annotated[
    str | None, typer.Option("--ministry", help="Ministry contains this (any case, any accents).")
]
AuthorOpt = Annotated[
    str | None, typer.Option("--author", help="Author's name or PA… reference contains this.")
]
GroupOpt = Annotated[
    str | None, typer.Option("--group", help="Group name or acronym contains this.")
]


def _day(text: str | None) -> dt.date | None:
    # Every command reads dates the same way (qarchive.model.dates): 2026-11-01 or 7d.
    if text is None:
        return None
    from qarchive.errors import UsageError
    from qarchive.model.dates import parse_day

    try:
        return parse_day(text, today=dt.date.today())
    except UsageError as exc:
        raise typer.BadParameter(str(exc)) from None


SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since",
        callback=_day,
        metavar="DATE",
        help="Published on or after this day (YYYY-MM-DD, or 7d, 2w: days or weeks back).",
    ),
]
UntilOpt = Annotated[
    str | None,
    typer.Option(
        "--until",
        callback=_day,
        metavar="DATE",
        help="Published on or before this day (YYYY-MM-DD, or 7d, 2w back).",
    ),
]
FormatOpt = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        "-f",
        help="table (for people: a terminal, or plain lines in a pipe), json, jsonl, csv, ids.",
        case_sensitive=False,
    ),
]
RawCsvOpt = Annotated[
    bool,
    typer.Option(
        "--raw-csv",
        help="CSV cells as archived, even those a spreadsheet would run as a formula "
        "(starting with = + - @); by default these get a ' in front.",
    ),
]
LimitOpt = Annotated[int | None, typer.Option("--limit", "-n", min=1, help="At most N rows.")]

# Name, option and default of each filter, in the order --help lists them.
_FILTER_OPTIONS: tuple[tuple[str, Any, bool | None], ...] = (
    ("unanswered", UnansweredOpt, False),
    ("answered", AnsweredOpt, False),
    ("overdue", OverdueOpt, False),
    ("chamber", ChamberOpt, None),
    ("legislature", LegislatureOpt, None),
    ("ministry", MinistryOpt, None),
    ("author", AuthorOpt, None),
    ("group", GroupOpt, None),
    ("since", SinceOpt, None),
    ("until", UntilOpt, None),
)


def filter_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give a command the ten filter options in place of its ``filters`` parameter.

    typer builds a command's options from ``inspect.signature`` and
    ``typing.get_type_hints``: the function returned shows ``--unanswered`` …
    ``--until`` where ``command`` declares ``filters`` (so ``--help`` lists them
    at that place), and calls ``command`` with their values as one ``Filters``.
    ``command``'s other annotations are resolved here, in its module; ``Filters``,
    replaced by the ten, need not be importable there (it may be named for types
    only, so that the command line starts without the index's queries).

    Args:
        command: a command with a parameter ``filters: Filters``.

    Returns:
        The command to register with typer.

    Example:
        @filter_options
        def stats(by: ByOpt = None, *, filters: Filters, archive: ArchiveOption = None) -> None:
            ...
    """
    hints = typing.get_type_hints(command, localns={"Filters": Any}, include_extras=True)
    signature = inspect.signature(command)
    parameters = [
        parameter.replace(annotation=hints.get(parameter.name, parameter.annotation))
        for parameter in signature.parameters.values()
    ]
    at = [parameter.name for parameter in parameters].index("filters")
    parameters[at : at + 1] = [
        inspect.Parameter(name, parameters[at].kind, default=default, annotation=option)
        for name, option, default in _FILTER_OPTIONS
    ]

    @functools.wraps(command)
    def run(**values: Any) -> None:
        chosen = {name: values.pop(name) for name, _, _ in _FILTER_OPTIONS}
        command(**values, filters=_filters(chosen))

    # typer reads the signature for the options, and the annotations must agree
    # with it: get_type_hints would otherwise find `filters` and not the ten.
    run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {parameter.name: parameter.annotation for parameter in parameters}
    run.__annotations__["return"] = hints.get("return", signature.return_annotation)
    return run


def _filters(values: dict[str, Any]) -> Filters:
    from qarchive.index.filters import Filters

    return Filters(**values)


def load_cli_settings(archive: Path | None) -> Settings:
    """The settings from the environment, with the archive given by ``--archive``, if any.

    Args:
        archive: the ``--archive`` option's value.

    Returns:
        The settings a command passes down to the library.

    Raises:
        UsageError: a ``QARCHIVE_*`` variable holds a value of the wrong kind.
    """
    from qarchive.settings import load_settings

    return load_settings(archive_dir=archive)


def collect_ids(
    ids: list[str], settings: Settings, store: Archive
) -> tuple[list[QuestionId], list[BadLine]]:
    """The questions named as arguments (a typo stops the run) and on stdin for '-'.

    Stdin holds one ID or URL per line; a bad line is returned with its number,
    the others are kept.
    """
    from qarchive.jobs.fetch import parse_ids
    from qarchive.jobs.resolve import resolve_lines

    qids = parse_ids([text for text in ids if text != "-"], settings=settings, archive=store)
    bad: list[BadLine] = []
    if "-" in ids:
        more, bad = resolve_lines(sys.stdin, archive=store, extra_hosts=settings.allowed_hosts)
        qids += [qid for qid in more if qid not in qids]
    return qids, bad
