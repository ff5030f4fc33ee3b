"""One versioned store: a folder per record, a JSON file per version, written only on change.

Questions (:mod:`qarchive.store.archive`) and the AN reference data
(:mod:`qarchive.store.references`) are kept the same way::

    <folder>/v0001.json   {"schema": 1, "version": 1, "fetched_at": "…", "content_hash": "sha256:…",
                           "changed": […], "raw": […] or "source": "…", "record": {…}}

``content_hash`` is :func:`qarchive.model.versioning.record_hash` of ``record``: a
new version is written only when it differs from the latest one's, and
``changed`` names the top-level fields that changed. Reading a version checks its
schema, its number and its hash: a file that fails is reported as damaged, never
read as if it were sound, and never written over.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from qarchive.bounded_json import read_json
from qarchive.errors import ArchiveDamaged
from qarchive.model.versioning import changed_fields, record_hash, replaced_fields
from qarchive.store.files import compact_json

__all__ = [
    "VERSION_SCHEMA",
    "NewVersion",
    "SaveOutcome",
    "SaveResult",
    "StoredVersion",
    "VersionedStore",
    "version_name",
    "version_numbers",
]

VERSION_SCHEMA = 1
_VERSION_FILE = re.compile(r"v(\d{4,})\.json")
RecordT = TypeVar("RecordT", bound=BaseModel)


class SaveOutcome(StrEnum):
    """What a save did."""

    NEW = "new"  # first version of this record
    UPDATED = "updated"  # content changed: a new version
    UNCHANGED = "unchanged"  # same content hash: nothing written


@dataclass(frozen=True, slots=True)
class SaveResult:
    """The outcome of a save, the version now current and what changed.

    ``replaced``: the changed fields that held a value before (a corrected answer),
    as opposed to those filled in (a new answer).
    """

    outcome: SaveOutcome
    version: int
    changed: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StoredVersion(Generic[RecordT]):
    """One version file read back."""

    version: int
    fetched_at: dt.datetime
    content_hash: str
    changed: list[str]
    record: RecordT
    record_json: dict[str, Any]
    path: Path
    raw: list[str] = field(default_factory=list)  # questions: the raw captures behind it
    source: str | None = None  # reference data: the file it was imported from


@dataclass(frozen=True, slots=True)
class NewVersion:
    """A version worked out, not yet written: where it goes, and its document."""

    outcome: SaveOutcome
    number: int
    changed: list[str]
    path: Path
    content_hash: str
    record_json: dict[str, Any]
    fetched_at: dt.datetime
    replaced: list[str] = field(default_factory=list)  # of ``changed``: held a value before

    def data(self, **extras: Any) -> bytes:
        """The version file's bytes.

        ``extras`` are the keys it holds besides the common ones (``raw`` for a
        question, ``source`` for reference data).
        """
        document = {
            "schema": VERSION_SCHEMA,
            "version": self.number,
            "fetched_at": self.fetched_at.isoformat(),
            "content_hash": self.content_hash,
            "changed": self.changed,
            **extras,
            "record": self.record_json,
        }
        return compact_json(document)


def version_name(number: int) -> str:
    """The file name of version ``number``: ``v0001.json``."""
    return f"v{number:04d}.json"


def version_numbers(directory: Path) -> list[int] | None:
    """The version numbers in a record's folder, ascending; None when there is no folder."""
    try:
        names = os.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return None
    found = (_VERSION_FILE.fullmatch(name) for name in names)
    return sorted(int(match.group(1)) for match in found if match)


class VersionedStore(Generic[RecordT]):
    """Versions of records of one model, each record in its own folder.

    Example:
        >>> store = VersionedStore(Question)  # doctest: +SKIP
        >>> store.latest(folder).record.title  # doctest: +SKIP
    """

    def __init__(self, model: type[RecordT]) -> None:
        self.model = model

    def numbers(self, directory: Path) -> list[int]:
        """The version numbers in ``directory``, ascending (empty without a folder)."""
        return version_numbers(directory) or []

    def read(self, directory: Path, number: int) -> StoredVersion[RecordT]:
        """Read version ``number`` of the record in ``directory``, checked.

        Raises:
            ArchiveDamaged: the file cannot be read as a valid version (unreadable
                JSON, another schema or number, a record that does not validate,
                a content hash that does not match).
        """
        path = directory / version_name(number)
        try:
            data = read_json(path)
            if data.get("schema") != VERSION_SCHEMA or data.get("version") != number:
                raise ValueError(f"schema {data.get('schema')!r}, version {data.get('version')!r}")
            record = self.model.model_validate(data["record"])
            stored_hash = data["content_hash"]
            if record_hash(data["record"]) != stored_hash:
                raise ValueError("content hash does not match the record")
            return StoredVersion(
                version=number,
                fetched_at=dt.datetime.fromisoformat(data["fetched_at"]),
                content_hash=stored_hash,
                changed=list(data.get("changed", [])),
                record=record,
                record_json=data["record"],
                path=path,
                raw=list(data.get("raw", [])),
                source=data.get("source"),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError, ValidationError) as exc:
            reason = type(exc).__name__ if isinstance(exc, ValidationError) else str(exc)
            reason = reason.splitlines()[0] if reason else type(exc).__name__
            raise ArchiveDamaged(
                f"{path} is damaged ({reason}); run: qarchive verify --repair, which moves "
                "it aside (never deletes it), then fetch or import it again",
                path=str(path),
            ) from None

    def latest(self, directory: Path) -> StoredVersion[RecordT] | None:
        """The latest version in ``directory`` (None when there is none).

        Raises:
            ArchiveDamaged: the latest version cannot be read.
        """
        numbers = self.numbers(directory)
        return self.read(directory, numbers[-1]) if numbers else None

    def new_version(
        self,
        directory: Path,
        record_json: dict[str, Any],
        *,
        latest: StoredVersion[RecordT] | None,
        fetched_at: dt.datetime,
    ) -> NewVersion | None:
        """The next version of a record whose latest version is ``latest``; None if unchanged."""
        content_hash = record_hash(record_json)
        if latest is not None and latest.content_hash == content_hash:
            return None
        number = 1 if latest is None else latest.version + 1
        changed = [] if latest is None else changed_fields(latest.record_json, record_json)
        replaced = (
            [] if latest is None else replaced_fields(latest.record_json, record_json, changed)
        )
        outcome = SaveOutcome.NEW if latest is None else SaveOutcome.UPDATED
        path = directory / version_name(number)
        return NewVersion(
            outcome, number, changed, path, content_hash, record_json, fetched_at, replaced
        )
