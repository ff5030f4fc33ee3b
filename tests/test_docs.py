"""The docs cannot drift: every command and option is in the README, with an example."""

import os
import re
import subprocess
import sys
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


# -- the README's output conventions, example by example ---------------------------------

CONVENTIONS = README.split("\n## Output conventions\n", 1)[1].split("\n## ", 1)[0]


def _console_examples(text: str) -> list[tuple[str, list[str]]]:
    """Each ``$ command`` of the section's console blocks, with the lines it shows."""
    examples: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                examples.append((line[2:], []))
            else:
                examples[-1][1].append(line)
    return examples


def test_the_output_conventions_hold_example_by_example(sites, tmp_path):
    examples = _console_examples(CONVENTIONS)
    assert len(examples) >= 12
    # One shell runs them in order, as a reader would type them: `echo $?` sees the
    # command before it. Each one's output (stdout and stderr, as they come) is cut
    # off by a marker line.
    script = "".join(
        f"{{ {command}\n}} 2>&1; status=$?; echo '@@@ {index}'; (exit $status)\n"
        for index, (command, _) in enumerate(examples)
    )
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    outputs = re.split(r"^@@@ \d+\n", done.stdout, flags=re.M)[:-1]
    assert len(outputs) == len(examples), done.stdout + done.stderr
    for (command, expected), got in zip(examples, outputs, strict=True):
        assert got.splitlines() == expected, f"$ {command}"


def test_the_conventions_name_every_command_that_prints_data():
    for name in ("fetch", "show", "history", "diff", "list", "search", "stats", "refresh"):
        assert f"`{name}`" in CONVENTIONS, name


def test_the_readme_metadata_gives_any_datasette_the_search_box(sites):
    import asyncio
    import datetime as dt
    import json

    from datasette.app import Datasette
    from datasette.plugins import pm

    from cli_helpers import build, question

    store = build(
        [
            question("16-1QE", dt.date(2023, 1, 2), title="Hôpitaux de proximité"),
            question("16-2QE", dt.date(2023, 1, 5), title="Autre sujet"),
        ]
    )
    found = re.search(r"echo '(.*)' > index-metadata.json", README)
    assert found, "the README's metadata for a Datasette outside qarchive's environment"
    plugin = pm.unregister(name="qarchive_search")  # as a Datasette installed elsewhere
    try:
        site = Datasette(files=[str(store.index_path)], metadata=json.loads(found.group(1)))
        path = "/index/questions.json?_search=hopitaux&_shape=array&_col=id"
        rows = asyncio.run(site.client.get(path)).json()
    finally:
        if plugin is not None:
            pm.register(plugin, name="qarchive_search")
    assert [row["id"] for row in rows] == ["16-1QE"]
