"""Load typer's rich help renderer without the two modules help never uses.

``typer.rich_utils`` imports ``rich.markdown`` (with markdown-it) and ``rich.traceback``
(with ``rich.syntax`` and ``rich.pretty``) at module level, a large share of every
``--help`` (bench/README.md), for help text written in
"rich" markup mode, which uses neither. While ``typer.rich_utils`` is first imported,
:func:`load_help_renderer` lets it bind stand-ins that import the real class on first
use, so that typer's Markdown mode and pretty tracebacks still work if they are ever
reached. The stand-ins are taken out of ``sys.modules`` at once: any other import of
these modules gets the real ones.
"""

from __future__ import annotations

import os
import sys
import types
from typing import Any

__all__ = ["load_help_renderer", "top_level_help"]

_RENDERER = "typer.rich_utils"


class _Markdown:
    """Stands in for ``rich.markdown.Markdown``; makes a real one."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        from rich.markdown import Markdown

        return Markdown(*args, **kwargs)


class _Traceback:
    """Stands in for ``rich.traceback.Traceback``, whose only use there is this method."""

    @classmethod
    def from_exception(cls, *args: Any, **kwargs: Any) -> Any:
        from rich.traceback import Traceback

        return Traceback.from_exception(*args, **kwargs)


_STAND_INS = {"rich.markdown": ("Markdown", _Markdown), "rich.traceback": ("Traceback", _Traceback)}


def load_help_renderer() -> None:
    """Import ``typer.rich_utils`` once, binding stand-ins for the modules it does not need."""
    if _RENDERER in sys.modules:
        return
    placed = []
    for module_name, (attribute, stand_in) in _STAND_INS.items():
        if module_name not in sys.modules:  # already imported for real: nothing to save
            module = types.ModuleType(module_name, "qarchive's stand-in; see qarchive.cli.help")
            setattr(module, attribute, stand_in)
            sys.modules[module_name] = module
            placed.append(module_name)
    try:
        __import__(_RENDERER)
    finally:
        for module_name in placed:
            del sys.modules[module_name]


def top_level_help(summary: str) -> str:
    """``qarchive --help``: what it does, where the archive is, and first examples."""
    where = os.environ.get("QARCHIVE_ARCHIVE")
    if where:
        archive = f"Archive: {where} (from QARCHIVE_ARCHIVE)."
    else:
        from qarchive.settings import default_archive_dir

        archive = f"Archive: {default_archive_dir()} (set QARCHIVE_ARCHIVE or --archive)."
    return f"""{summary}

    {archive} qarchive info shows what it holds and the settings in force.

    Example:
        qarchive fetch 15-12526QE && qarchive show 15-12526QE
        qarchive list --unanswered --overdue --ministry intérieur
        qarchive search "titres sécurisés" --format json
        qarchive refresh --wait        # the nightly job, from cron
        qarchive COMMAND --help        # a command's options and examples
    """
