"""A Datasette plugin: the search box of ``questions`` searches its full text.

Datasette finds a table's full-text index by itself only when the index was made
with ``content="questions"``; qarchive's (``questions_fts``) holds the texts
itself and shares the questions' rowids. This plugin says so for every
database that is a qarchive index, so that ``datasette index.sqlite`` (from
qarchive's environment, which registers it as an entry point) and the
``/index`` pages of ``qarchive serve`` both search it. The same settings work
outside it as metadata (README, "The index in sqlite3 and Datasette").
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from qarchive.index.schema import is_question_index
from qarchive.web.hooks import hookimpl

__all__ = ["QUESTIONS_SEARCH", "get_metadata"]

# The table's configuration in Datasette's metadata. Raw mode: the FTS5 syntax
# of qarchive search ("phrases", OR, NOT, prefix*).
QUESTIONS_SEARCH = {"fts_table": "questions_fts", "fts_pk": "rowid", "searchmode": "raw"}


@functools.lru_cache(maxsize=64)
def _is_index(path: str, modified: float) -> bool:
    return is_question_index(Path(path))


@hookimpl
def get_metadata(datasette: Any, key: str, database: str | None, table: str | None) -> Any:
    """The search settings of ``questions``, in each database that is a qarchive index."""
    found = {}
    for name, db in datasette.databases.items():
        path = getattr(db, "path", None)
        if path is None or not Path(path).is_file():
            continue
        if _is_index(str(path), Path(path).stat().st_mtime):
            found[name] = {"tables": {"questions": dict(QUESTIONS_SEARCH)}}
    return {"databases": found} if found else {}
