"""Small JSON files of the archive that are settings, not history: read them strictly.

``watchlist.json`` and ``outbox.json`` are Pydantic models with a schema number. A
file that cannot be read or does not validate is reported as damage and left as
it is, never replaced by an empty one: it holds what the user asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from qarchive.errors import ArchiveDamaged

__all__ = ["read_state_file"]


Model = TypeVar("Model", bound=BaseModel)


def read_state_file(
    path: Path,
    model: type[Model],
    *,
    schema: int,
    damaged: Callable[[Path, str], ArchiveDamaged],
) -> Model | None:
    """The file validated as ``model``, or None when there is no file.

    Raises:
        ArchiveDamaged: built by ``damaged(path, reason)``: the file cannot be read,
            does not validate, or has another schema number.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise damaged(path, str(exc)) from None
    try:
        found = model.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "file"
        raise damaged(path, f"{where}: {first['msg']}") from None
    number = getattr(found, "schema_", schema)
    if number != schema:
        raise damaged(path, f"schema {number}, expected {schema}")
    return found
