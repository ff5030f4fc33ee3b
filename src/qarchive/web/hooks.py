"""Datasette's marker of a hook implementation, typed (Datasette ships no types).

A module of its own, light at import: the search-box plugin that ``datasette``
loads for every run in qarchive's environment needs it without the web pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from datasette import hookimpl as _datasette_hookimpl

__all__ = ["hookimpl"]

_Hook = TypeVar("_Hook", bound=Callable[..., Any])


def hookimpl(function: _Hook) -> _Hook:
    """Mark ``function`` as the implementation of the Datasette hook of its name."""
    return cast(_Hook, _datasette_hookimpl(function))
