"""The settings object: defaults, environment variables, checks and their messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qarchive.cli import app
from qarchive.errors import UsageError
from qarchive.settings import (
    DEFAULT_AN_URL,
    DEFAULT_MAX_RETRIES,
    DEFAULT_RATE,
    ENV_VARS,
    Settings,
    load_settings,
)
from qarchive.store.archive import Archive


def test_defaults_without_environment(tmp_path: Path) -> None:
    settings = load_settings({}, archive_dir=tmp_path)
    assert settings.archive_dir == tmp_path
    assert settings.an_url == DEFAULT_AN_URL
    assert settings.rate == DEFAULT_RATE
    assert settings.max_retries == DEFAULT_MAX_RETRIES
    assert settings.user_agent.startswith("qarchive/")


def test_environment_values_are_converted() -> None:
    env = {
        "QARCHIVE_ARCHIVE": "/srv/questions",
        "QARCHIVE_AN_URL": "http://127.0.0.1:8080/",
        "QARCHIVE_RATE": "0",
        "QARCHIVE_TIMEOUT": "2.5",
        "QARCHIVE_MAX_RETRIES": "7",
        "QARCHIVE_MAX_BYTES": "1000",
    }
    settings = load_settings(env)
    assert settings.archive_dir == Path("/srv/questions")
    assert settings.an_url == "http://127.0.0.1:8080"  # the trailing slash goes
    assert (settings.rate, settings.timeout) == (0.0, 2.5)
    assert (settings.max_retries, settings.max_bytes) == (7, 1000)
    assert isinstance(settings.max_retries, int) and isinstance(settings.rate, float)
    assert "127.0.0.1:8080" in settings.allowed_hosts


def test_overrides_win_over_the_environment_and_none_is_ignored(tmp_path: Path) -> None:
    env = {"QARCHIVE_ARCHIVE": "/elsewhere", "QARCHIVE_RATE": "3"}
    settings = load_settings(env, archive_dir=tmp_path, rate=None)
    assert settings.archive_dir == tmp_path
    assert settings.rate == 3.0


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("QARCHIVE_RATE", "fast", "invalid setting QARCHIVE_RATE: expected a number, got 'fast'"),
        ("QARCHIVE_RATE", "-1", "invalid setting QARCHIVE_RATE: expected at least 0, got '-1'"),
        ("QARCHIVE_RATE", "nan", "invalid setting QARCHIVE_RATE: expected a number, got 'nan'"),
        ("QARCHIVE_TIMEOUT", "0", "invalid setting QARCHIVE_TIMEOUT: expected more than 0"),
        ("QARCHIVE_MAX_RETRIES", "2.5", "QARCHIVE_MAX_RETRIES: expected a whole number"),
        (
            "QARCHIVE_MAX_RETRIES",
            "21",
            "QARCHIVE_MAX_RETRIES: expected at least 0 and at most 20, got '21'",
        ),
        ("QARCHIVE_MAX_BYTES", "inf", "QARCHIVE_MAX_BYTES: expected a whole number"),
        ("QARCHIVE_AN_URL", "ftp://x", "QARCHIVE_AN_URL: expected an http(s) base URL"),
        ("QARCHIVE_SENAT_DATA_URL", "data.senat.fr", "QARCHIVE_SENAT_DATA_URL: expected an"),
    ],
)
def test_a_bad_value_names_its_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        load_settings({variable: value})
    assert message in str(caught.value)
    assert caught.value.exit_code == 2


def test_direct_construction_is_checked_too() -> None:
    with pytest.raises(UsageError, match="invalid setting QARCHIVE_RATE: expected a number"):
        Settings(rate=True)
    with pytest.raises(UsageError, match="unknown setting 'colour'"):
        load_settings({}, colour="red")


def test_frozen_and_replace_checks_the_new_value(tmp_path: Path) -> None:
    settings = load_settings({}, archive_dir=tmp_path)
    with pytest.raises(AttributeError):
        settings.rate = 5.0  # type: ignore[misc]
    bigger = settings.replace(max_bytes=10**9)
    assert (bigger.max_bytes, settings.max_bytes) == (10**9, load_settings({}).max_bytes)
    with pytest.raises(UsageError, match="QARCHIVE_MAX_BYTES"):
        settings.replace(max_bytes=0)
    assert hash(settings) == hash(load_settings({}, archive_dir=tmp_path))


def test_every_setting_has_a_variable() -> None:
    names = {name for name in Settings.__dataclass_fields__ if name != "user_agent"}
    assert names == set(ENV_VARS)


def test_cli_reports_a_bad_variable_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QARCHIVE_TIMEOUT", "soon")
    result = CliRunner().invoke(app, ["list", "--archive", str(tmp_path)])
    assert result.exit_code == 2
    assert (
        result.stderr == "Error: invalid setting QARCHIVE_TIMEOUT: expected a number, got 'soon'\n"
    )


def test_read_only_commands_do_not_import_pydantic(tmp_path: Path) -> None:
    # list, search and stats read the index alone; Pydantic costs ~0.15 s at start-up.
    Archive(tmp_path).reindex()  # an empty index: a missing one is rebuilt by Archive
    code = (
        "import sys; from qarchive.cli import main\n"
        "root = sys.argv[1]\n"
        "for argv in (['list'], ['search', 'x'], ['stats']):\n"
        "    sys.argv = ['qarchive', *argv, '--archive', root]\n"
        "    try: main()\n"
        "    except SystemExit as exit: assert not exit.code, exit.code\n"
        "assert 'pydantic' not in sys.modules, 'pydantic was imported'\n"
        "assert 'qarchive.model.question' not in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
