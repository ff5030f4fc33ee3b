"""The ``qarchive`` command line: parse options, call the library, print the result.

Exit codes (also in README):
    0  success
    1  some items failed (the rest were done and saved)
    2  usage error (bad ID, bad option)
    3  the archive is locked by another run
    4  the archive is damaged (run ``qarchive verify``)

This module makes the typer app, maps every error to its exit code, and registers
the commands of ``qarchive.cli.commands``; :func:`main` builds only the command a
run names.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import sys
from collections.abc import Callable, Sequence
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
from qarchive.cli.commands import following, jobs, listing, questions, serving, upkeep
from qarchive.cli.help import load_help_renderer, top_level_help
from qarchive.cli.output import output_settings, say_error
from qarchive.errors import QarchiveError, UsageError

if TYPE_CHECKING:
    from typer._click import Command, Context

__all__ = ["app", "app_for", "main"]


class _QarchiveGroup(TyperGroup):
    """Maps every error to one line, ``Error: <message>``, and its exit code, once.

    :class:`QarchiveError` carries its exit code; Click's usage errors (a bad
    option, a missing argument, an unknown command) are usage errors too (exit 2),
    drawn in the same one line rather than typer's box. The root group also holds
    ``--quiet`` and ``--verbose`` for the length of the run.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        run = functools.partial(
            super().main,
            args,
            prog_name,
            complete_var,
            standalone_mode=False,
            windows_expand_args=windows_expand_args,
        )
        if not standalone_mode:
            return run(**extra)
        try:
            outcome = run(**extra)
        except typer.TyperException as exc:  # Click's usage errors (TyperException's kind)
            # no_args_is_help printed the help already (typer tells it apart by name too).
            if type(exc).__name__ != "NoArgsIsHelpError":
                say_error(_usage_message(exc))
            sys.exit(getattr(exc, "exit_code", UsageError.exit_code))
        except typer.Abort:
            say_error("aborted")
            sys.exit(1)
        # Without standalone mode, Click returns an Exit's code instead of exiting.
        sys.exit(outcome if isinstance(outcome, int) else 0)

    def invoke(self, ctx: Any) -> Any:
        # The root group holds --quiet and --verbose; a nested group (watch) keeps them.
        settings = (
            output_settings(quiet=ctx.params["quiet"], verbose=ctx.params["verbose"])
            if ctx.parent is None and "quiet" in ctx.params
            else contextlib.nullcontext()
        )
        with settings:
            try:
                return super().invoke(ctx)
            except QarchiveError as exc:
                say_error(str(exc))
                raise typer.Exit(exc.exit_code) from None

    def format_help(self, ctx: Any, formatter: Any) -> None:
        load_help_renderer()
        if ctx.parent is None:  # qarchive --help says where the archive is: worked out now
            self.help = top_level_help(_SUMMARY)
        super().format_help(ctx, formatter)


class _QarchiveCommand(TyperCommand):
    """A command whose help loads typer's renderer without its unused imports."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        load_help_renderer()
        super().format_help(ctx, formatter)


_SUMMARY = "Fetch, archive and follow French parliamentary written questions."

app = typer.Typer(
    cls=_QarchiveGroup,
    name="qarchive",
    help=_SUMMARY,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _usage_message(exc: Exception) -> str:
    """Click's message for a usage error, in one line, with where to look for help."""
    format_message = getattr(exc, "format_message", None)
    text = " ".join((format_message() if format_message else str(exc)).split())
    if text[:1].isupper() and text[1:2].islower():  # "Invalid value" -> "invalid value"
        text = text[0].lower() + text[1:]
    ctx = getattr(exc, "ctx", None)
    return f"{text} (see: {ctx.command_path} --help)" if ctx is not None else text


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
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="Print errors and data only: no counts, summaries or progress."
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            help="Also print each request (URL, status, time) and each wait, with the time.",
        ),
    ] = False,
) -> None:
    """Fetch, archive and follow French parliamentary written questions.

    Example:
        qarchive fetch 15-12526QE && qarchive show 15-12526QE
    """


watch_app = typer.Typer(
    cls=_QarchiveGroup,
    name="watch",
    help=following.WATCH_HELP,
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _register(group: typer.Typer, commands: dict[str, Callable[..., None]]) -> None:
    # Every command draws its help through _QarchiveCommand (see qarchive.cli.help).
    for name, command in commands.items():
        group.command(name, cls=_QarchiveCommand)(command)


# In the order `qarchive --help` lists them; groups (watch) come after the commands.
_register(
    app,
    {
        "fetch": questions.fetch,
        "show": questions.show,
        "history": questions.history,
        "diff": questions.diff,
        "list": listing.list_,
        "search": listing.search,
        "info": upkeep.info,
        "reindex": upkeep.reindex,
        "stats": listing.stats,
        "export": listing.export,
        "refresh": jobs.refresh,
        "import": jobs.import_,
        "feed": following.feed,
        "verify": upkeep.verify,
        "digest": following.digest,
        "serve": serving.serve,
    },
)
_register(
    watch_app,
    {"add": following.watch_add, "remove": following.watch_remove, "list": following.watch_list},
)
app.add_typer(watch_app)


class _ListingGroup(_QarchiveGroup):
    """The whole app's group, for arguments that name no command: help, --version, a typo.

    Its list of commands and Click's "Did you mean" read only names and help, so each
    command starts as a stand-in without options. typer builds a command's options
    from its signature (a cost at every run: bench/README.md); that is done only for a command
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

    typer builds every command's options from its signature at each run (a good part
    of a listing's time, bench/README.md); a run needs only its own command.
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
