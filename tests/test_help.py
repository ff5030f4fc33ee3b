"""Help is drawn by typer's rich renderer, loaded without rich.markdown and rich.traceback.

Arguments that name no command get the app with its commands unbuilt (``cli.app_for``);
it prints what the whole app prints.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qarchive.cli import help as _help

_RUN = (
    "import sys\n"
    "{preload}"
    "from qarchive.cli import main\n"
    "sys.argv = ['qarchive', *sys.argv[1:]]\n"
    "try:\n"
    "    main()\n"
    "except SystemExit as exit:\n"
    "    assert not exit.code, exit.code\n"
    "loaded = sorted(m for m in ('rich.markdown', 'rich.traceback') if m in sys.modules)\n"
    "print('LOADED', loaded, file=sys.stderr)\n"
)


def _help_text(argv: list[str], *, preload: str = "") -> tuple[str, str]:
    env = {**os.environ, "COLUMNS": "100", "TERM": "dumb"}
    done = subprocess.run(
        [sys.executable, "-c", _RUN.format(preload=preload), *argv],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, done.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "argv", [["--help"], ["list", "--help"], ["watch", "--help"], ["watch", "add", "-h"]]
)
def test_help_skips_the_unused_modules_and_reads_the_same(argv: list[str]) -> None:
    light, loaded = _help_text(argv)
    assert loaded == "LOADED []"
    assert "Usage: qarchive" in light
    # The same help as typer draws with the real modules imported beforehand.
    full, loaded = _help_text(argv, preload="import rich.markdown, rich.traceback\n")
    assert loaded == "LOADED ['rich.markdown', 'rich.traceback']"
    assert light == full


def test_stand_ins_make_the_real_objects() -> None:
    from rich.markdown import Markdown
    from rich.traceback import Traceback

    assert isinstance(_help._Markdown("*bold*"), Markdown)
    try:
        raise ValueError("boom")
    except ValueError as exc:
        traceback = _help._Traceback.from_exception(type(exc), exc, exc.__traceback__)
    assert isinstance(traceback, Traceback)


def test_stand_ins_leave_sys_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("typer.rich_utils", "rich.markdown", "rich.traceback"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    _help.load_help_renderer()
    renderer = sys.modules["typer.rich_utils"]
    assert "rich.markdown" not in sys.modules
    assert "rich.traceback" not in sys.modules
    assert renderer.Markdown is _help._Markdown
    _help.load_help_renderer()  # once loaded, nothing more happens
    assert sys.modules["typer.rich_utils"] is renderer


def test_a_run_builds_only_the_command_it_names() -> None:
    import typer.main
    from typer.core import TyperGroup

    from qarchive.cli import app, app_for

    whole = typer.main.get_command(app)
    assert isinstance(whole, TyperGroup)
    assert len(whole.commands) > 10
    for name, command in whole.commands.items():
        alone = typer.main.get_command(app_for([name, "--help"]))
        assert isinstance(alone, TyperGroup)
        assert list(alone.commands) == [name]
        assert [p.opts for p in alone.commands[name].params] == [p.opts for p in command.params]
    # The arguments that name no command list them all, with no options built.
    for args in ([], ["--help"], ["--version"], ["-h", "list"], ["lst"], ["15-12526QE"]):
        listing = typer.main.get_command(app_for(args))
        assert isinstance(listing, TyperGroup)
        assert list(listing.commands) == list(whole.commands), args
        assert not any(command.params for command in listing.commands.values()), args


def test_the_listing_shows_what_typer_builds_and_builds_what_it_resolves() -> None:
    import typer.main
    from typer.core import TyperGroup

    from qarchive.cli import app, app_for

    whole = typer.main.get_command(app)
    listing = typer.main.get_command(app_for(["--help"]))
    assert isinstance(whole, TyperGroup)
    assert isinstance(listing, TyperGroup)
    fields = ("name", "help", "short_help", "hidden", "deprecated", "rich_help_panel")
    for name, command in whole.commands.items():
        shown = listing.commands[name]
        assert [getattr(shown, f) for f in fields] == [getattr(command, f) for f in fields]
    for name in ("list", "watch"):
        with listing.make_context("qarchive", [name, "--help"]) as ctx:
            resolved, built, rest = listing.resolve_command(ctx, [name, "--help"])
        assert (resolved, rest) == (name, ["--help"])
        assert built is listing.commands[name]
        assert type(built) is type(whole.commands[name])
        assert [p.opts for p in built.params] == [p.opts for p in whole.commands[name].params]


_ENTRY = "import sys\nfrom qarchive.cli import app, main\nsys.argv[0] = 'qarchive'\n{entry}()\n"


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        (["--help"], {}),
        ([], {}),
        (["-h"], {"COLUMNS": "60"}),
        (["--version"], {}),
        (["lst"], {}),
        (["--help", "list"], {}),
        (["watch", "--help"], {}),
        (["--", "lst"], {}),
        ([], {"_QARCHIVE_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "qarchive "}),
        ([], {"_QARCHIVE_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "qarchive list --"}),
    ],
)
def test_main_prints_what_the_whole_app_prints(
    argv: list[str], env: dict[str, str], tmp_path: Path
) -> None:
    env = {**os.environ, "COLUMNS": "100", "QARCHIVE_ARCHIVE": str(tmp_path), **env}
    main, whole = (
        subprocess.run(
            [sys.executable, "-c", _ENTRY.format(entry=entry), *argv],
            capture_output=True,
            env=env,
            check=False,
        )
        for entry in ("main", "app")
    )
    assert main.stdout + main.stderr
    assert (main.returncode, main.stdout, main.stderr) == (
        whole.returncode,
        whole.stdout,
        whole.stderr,
    )


@pytest.mark.parametrize(
    ("argv", "code", "expected"),
    [
        (["lst"], 2, "Did you mean 'list'?"),
        (["--", "list", "--format", "ids"], 0, "0 questions"),
        (["watch", "lst"], 2, "Error: no such command 'lst'"),
        (["--version"], 0, "qarchive "),
        (["watch", "list"], 0, "0 questions and 0 saved searches watched"),
    ],
)
def test_main_runs_the_trimmed_app_like_the_whole_one(
    argv: list[str], code: int, expected: str, tmp_path: Path
) -> None:
    env = {**os.environ, "COLUMNS": "100", "QARCHIVE_ARCHIVE": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", "from qarchive.cli import main; main()", *argv],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == code, done.stderr
    assert expected in done.stdout + done.stderr


def test_python_dash_m_runs_the_same_command_line(tmp_path: Path) -> None:
    env = {**os.environ, "QARCHIVE_ARCHIVE": str(tmp_path), "COLUMNS": "100"}
    version = subprocess.run(
        [sys.executable, "-m", "qarchive", "--version"], capture_output=True, text=True, env=env
    )
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("qarchive ")
    listing = subprocess.run(
        [sys.executable, "-m", "qarchive", "list", "--format", "ids"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert listing.returncode == 0, listing.stderr
    assert listing.stderr == "0 questions\n"
