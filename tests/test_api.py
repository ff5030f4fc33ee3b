import ast
import importlib
import pkgutil
import re
from pathlib import Path

import qarchive

SRC = Path(qarchive.__file__).parent


def test_all_is_sorted_and_complete():
    assert qarchive.__all__ == sorted(qarchive.__all__, key=str)
    for name in qarchive.__all__:
        assert getattr(qarchive, name) is not None  # every lazy name resolves
    public = sorted(
        name
        for name in vars(qarchive)
        if (not name.startswith("_") or name == "__version__")
        and not isinstance(vars(qarchive)[name], type(qarchive))
        and name not in ("annotations", "importlib", "TYPE_CHECKING", "Any")
    )
    assert public == sorted(qarchive.__all__)
    assert dir(qarchive) == sorted(qarchive.__all__)


def test_every_module_declares_all():
    for info in pkgutil.walk_packages([str(SRC)], prefix="qarchive."):
        module = importlib.import_module(info.name)
        assert hasattr(module, "__all__"), f"{info.name} has no __all__"


def test_exit_codes_live_on_the_exceptions():
    assert qarchive.QarchiveError("x").exit_code == 1
    assert qarchive.InvalidQuestionId("x").exit_code == 2
    assert qarchive.ArchiveLocked("x").exit_code == 3
    assert qarchive.ArchiveDamaged("x").exit_code == 4


def _python_files(folder: Path):
    return [p for p in folder.rglob("*.py")]


def test_only_the_cli_exits_and_only_the_cli_uses_typer_or_rich():
    for path in _python_files(SRC):
        text = path.read_text()
        in_cli = SRC / "cli" in path.parents
        if not in_cli:
            assert not re.search(r"sys\.exit|typer\.Exit", text), path
            assert not re.search(r"^\s*(import|from) (typer|rich)\b", text, re.M), path
        assert not re.search(r"^\s*(import|from) click\b", text, re.M), path


def test_cli_does_not_do_io_itself():
    for path in _python_files(SRC / "cli"):
        text = path.read_text()
        assert not re.search(r"^\s*(import|from) (httpx|selectolax|sqlite3)\b", text, re.M), path


def test_parsers_are_pure():
    for path in _python_files(SRC / "sources"):
        text = path.read_text()
        assert not re.search(r"\bhttpx\b|\bopen\(|datetime\.now|\bPath\(", text), path


def _code_strings(path: Path) -> list[str]:
    """String literals of a module, docstrings excepted (examples may show URLs)."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_base_urls_only_in_settings():
    for path in _python_files(SRC):
        if path.name in ("settings.py", "ids.py"):
            continue  # ids.py recognises the real hosts in URLs that users paste
        for literal in _code_strings(path):
            assert not re.search(r"https?://[a-z.]*(assemblee-nationale|senat)\.fr", literal), path


def test_no_module_is_over_450_lines():
    # One job per module (~400 lines): a module that grows past this is split by job.
    sizes = {path: len(path.read_text().splitlines()) for path in _python_files(SRC)}
    assert {str(path): lines for path, lines in sizes.items() if lines > 450} == {}
