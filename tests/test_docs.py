"""The docs cannot drift: every command and option is in the README, with an example."""

import re
from pathlib import Path

import pytest
from typer.main import get_command

from qarchive.cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
CLICK_APP = get_command(app)
COMMANDS = sorted(CLICK_APP.commands)  # type: ignore[attr-defined]


def test_readme_starts_with_the_two_setup_commands():
    head = README.split("\n## ", 1)[0]
    assert "uv run qarchive fetch 15-12526QE" in head
    assert "uv run pytest" in head


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_documented_with_an_example(name):
    command = CLICK_APP.commands[name]  # type: ignore[attr-defined]
    assert command.help and "Example:" in command.help, f"{name} --help has no Example block"
    assert re.search(rf"qarchive {name}\b", README), f"README does not show qarchive {name}"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_long_option_is_in_the_readme(name):
    command = CLICK_APP.commands[name]  # type: ignore[attr-defined]
    for param in command.params:
        for opt in param.opts:
            if opt.startswith("--") and opt != "--help":
                assert opt in README, f"{name} {opt} is not in README.md"


def test_exit_codes_are_documented():
    for code in ("0", "1", "2", "3", "4"):
        assert re.search(rf"^\| {code} \|", README, re.M), f"exit code {code} not in README table"
