"""Reference data: the AN's actors and organs, versioned on disk, and names for the refs.

The AN open data names a question's author, group and ministries by reference only
(``PA…``, ``PM…``, ``PO…``). ``qarchive import`` of the AN "acteurs, mandats,
organes" zip (AMO; :mod:`qarchive.jobs.imports.amo`, :mod:`qarchive.sources.an.amo`)
stores each actor and organ as versioned files, like questions::

    <archive>/references/an/acteurs/PA000001/v0001.json   {"schema", "version", "fetched_at",
    <archive>/references/an/organes/PO000001/v0001.json    "content_hash", "changed", "source",
                                                           "record"}
    <archive>/references/an/state.json    where the AMO came from, ETag/Last-Modified
    <archive>/references.sqlite           derived: tables actors, mandates, organs

A version is written only when an entity's content changes. :class:`ReferenceLookup`
reads them lazily (one file per actor or organ met, then dictionary lookups), and
:meth:`ReferenceLookup.resolve` gives every AN record, in :meth:`Archive.save
<qarchive.store.archive.Archive.save>`, the author's name, civility, constituency and
group **as of the question's publication date** (a deputy can change group).
Records stay keyed by reference: two homonyms stay two people.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from qarchive._version import __version__
from qarchive.model.ids import Chamber
from qarchive.model.question import Author, Group, Question
from qarchive.model.reference import Actor, Mandate, Organ, constituency_label
from qarchive.model.versioning import record_hash
from qarchive.store.files import TEMP_PREFIX

__all__ = [
    "KIND_DIRS",
    "REFERENCES_DIR",
    "REFERENCE_INDEX_FILE",
    "REFERENCE_SCHEMA",
    "ReferenceLookup",
    "rebuild_reference_index",
    "verify_references",
    "version_numbers",
]

REFERENCES_DIR = Path("references") / "an"
REFERENCE_INDEX_FILE = "references.sqlite"
REFERENCE_SCHEMA = 1
KIND_DIRS: dict[type[Actor] | type[Organ], str] = {Actor: "acteurs", Organ: "organes"}
_VERSION_FILE = re.compile(r"v(\d{4,})\.json")
_Entity = TypeVar("_Entity", Actor, Organ)


# -- reading: the lookup behind Archive.save -----------------------------------------


@dataclass(frozen=True, slots=True)
class _Known:
    """An actor, with its seats (ASSEMBLEE) and group memberships (GP), oldest first."""

    actor: Actor
    seats: tuple[Mandate, ...]
    groups: tuple[Mandate, ...]


class ReferenceLookup:
    """Names for AN references, read from the archive's reference files on first use.

    Cheap to create (nothing is read until a record needs it); each actor or organ
    is read once, then served from memory. An archive without reference data costs
    one directory check per lookup object.
    """

    def __init__(self, root: Path) -> None:
        self._dir = Path(root) / REFERENCES_DIR
        self._present: bool | None = None
        self._actors: dict[str, _Known | None] = {}
        self._organs: dict[str, Organ | None] = {}
        self._resolved: dict[tuple[Author, str | None, str | None], Author] = {}

    def reload(self) -> None:
        """Forget what was read (after an import of new reference data)."""
        self._present = None
        self._actors.clear()
        self._organs.clear()
        self._resolved.clear()

    def actor(self, ref: str) -> Actor | None:
        """The actor ``PA…``, or None when the reference data does not know it."""
        known = self._known(ref)
        return known.actor if known else None

    def organ(self, ref: str) -> Organ | None:
        """The organ ``PO…``, or None when the reference data does not know it."""
        if ref not in self._organs:
            self._organs[ref] = _read_latest(self._dir / "organes" / ref, Organ)
        return self._organs[ref]

    def resolve(self, record: Question) -> Question:
        """The record with its author named and placed as of its publication date.

        For an AN record whose author reference the reference data knows: the name
        and civility where the source gave none (they are kept as published
        otherwise); the constituency (department, number, region) of the seat held
        on the publication date (the mandate ``mandate_ref`` names, else the one
        running that day); and the group of the group mandate running that day,
        with its sigle, full name and reference. Ministries keep the names the
        source published. Anything else is returned unchanged.

        Example:
            >>> archive.references.resolve(record).author.name  # doctest: +SKIP
            'Ugo Bernalicis'
        """
        ref = record.author.ref
        if record.chamber is not Chamber.AN or ref is None or not self._has_data():
            return record
        known = self._known(ref)
        if known is None:
            return record
        day, author = record.published.date, record.author
        seat, membership = _seat(known, day, author.mandate_ref), _running(known.groups, day)
        # Most records of an import share an author block: resolve each one once.
        key = (author, seat.ref if seat else None, membership.ref if membership else None)
        resolved = self._resolved.get(key)
        if resolved is None:
            resolved = self._resolved[key] = self._author(author, known.actor, seat, membership)
        return record if resolved is author else record.model_copy(update={"author": resolved})

    def _has_data(self) -> bool:
        if self._present is None:
            self._present = (self._dir / "acteurs").is_dir()
        return self._present

    def _known(self, ref: str) -> _Known | None:
        if ref not in self._actors:
            actor = _read_latest(self._dir / "acteurs" / ref, Actor)
            self._actors[ref] = None if actor is None else _index_actor(actor)
        return self._actors[ref]

    def _author(
        self, author: Author, actor: Actor, seat: Mandate | None, membership: Mandate | None
    ) -> Author:
        update: dict[str, Any] = {}
        if author.name is None:
            update["name"] = actor.name
        if author.civility is None:
            update["civility"] = actor.civility
        if seat is not None:
            if author.mandate_ref is None:
                update["mandate_ref"] = seat.ref
            if seat.department is not None:
                update.update(
                    department=seat.department,
                    constituency_number=seat.constituency_number,
                    constituency=constituency_label(seat.department, seat.constituency_number),
                    region=seat.region or author.region,
                )
        if membership is not None and membership.organ_refs:
            update["group"] = self._group(membership.organ_refs[0], author.group)
        resolved = author.model_copy(update=update)
        return author if resolved == author else resolved

    def _group(self, ref: str, published: Group | None) -> Group:
        organ = self.organ(ref)
        if organ is not None:
            return Group(short=organ.short, full=organ.name, ref=ref)
        if published is not None and published.ref == ref:
            return published
        return Group(ref=ref)


def _index_actor(actor: Actor) -> _Known:
    def by_start(kind: str) -> tuple[Mandate, ...]:
        found = [m for m in actor.mandates if m.organ_type == kind]
        return tuple(sorted(found, key=lambda m: (m.start or dt.date.min, m.ref)))

    return _Known(actor, by_start("ASSEMBLEE"), by_start("GP"))


def _running(mandates: tuple[Mandate, ...], day: dt.date) -> Mandate | None:
    """The mandate running on ``day``; of two (a change of group that day), the later."""
    found = None
    for mandate in mandates:
        if mandate.covers(day):
            found = mandate
    return found


def _seat(known: _Known, day: dt.date, mandate_ref: str | None) -> Mandate | None:
    if mandate_ref is not None:
        for seat in known.seats:
            if seat.ref == mandate_ref:
                return seat
    return _running(known.seats, day)


def _read_latest(directory: Path, model: type[_Entity]) -> _Entity | None:
    """The latest version of one entity; None when absent or unreadable (verify names it)."""
    try:
        numbers = version_numbers(directory)
        if not numbers:
            return None
        data = json.loads((directory / f"v{numbers[-1]:04d}.json").read_bytes())
        return model.model_validate(data["record"])
    except (OSError, ValueError, KeyError, TypeError, ValidationError):
        return None


def version_numbers(directory: Path) -> list[int]:
    """The version numbers of one actor's or organ's directory, ascending."""
    if not directory.is_dir():
        return []
    found = (_VERSION_FILE.fullmatch(entry.name) for entry in directory.iterdir())
    return sorted(int(match.group(1)) for match in found if match)


# -- derived: references.sqlite, for datasette and sqlite3 ---------------------------

_INDEX_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE actors (
    ref TEXT PRIMARY KEY, civility TEXT, first_name TEXT, last_name TEXT, name TEXT,
    version INTEGER NOT NULL
);
CREATE TABLE organs (
    ref TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT, short TEXT, abridged TEXT,
    legislature INTEGER, start_date TEXT, end_date TEXT, parent TEXT, version INTEGER NOT NULL
);
CREATE TABLE mandates (
    ref TEXT NOT NULL, actor_ref TEXT NOT NULL, organ_ref TEXT, organ_type TEXT NOT NULL,
    legislature INTEGER, start_date TEXT, end_date TEXT, quality TEXT,
    region TEXT, department TEXT, department_code TEXT, constituency_number INTEGER
);
CREATE INDEX mandates_actor ON mandates (actor_ref);
CREATE INDEX mandates_organ ON mandates (organ_ref);
CREATE VIEW memberships AS
    SELECT a.name AS actor, m.actor_ref, m.organ_type, o.short AS organ_short,
           o.name AS organ, m.organ_ref, m.start_date, m.end_date, m.quality,
           m.department, m.constituency_number
    FROM mandates m JOIN actors a ON a.ref = m.actor_ref LEFT JOIN organs o ON o.ref = m.organ_ref;
"""


def rebuild_reference_index(root: Path) -> tuple[int, int] | None:
    """Rebuild ``references.sqlite`` from the reference files alone.

    Tables ``actors``, ``mandates`` (one row per mandate and organ) and ``organs``,
    plus a view ``memberships`` with readable names. Written beside its place and
    renamed over it. An entity whose latest version is unreadable is left out
    (``qarchive verify`` names it).

    Returns:
        (actors, organs) indexed, or None when the archive has no reference data.
    """
    base = Path(root) / REFERENCES_DIR
    if not base.is_dir():
        return None
    path = Path(root) / REFERENCE_INDEX_FILE
    temp = path.with_name(f"{TEMP_PREFIX}{path.name}.{os.getpid()}")
    temp.unlink(missing_ok=True)
    counts = [0, 0]
    try:
        with contextlib.closing(sqlite3.connect(temp)) as db, db:
            db.executescript(_INDEX_SCHEMA)
            db.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("schema_version", str(REFERENCE_SCHEMA)), ("written_by", __version__)],
            )
            for number, entity in _latest_entities(base):
                counts[isinstance(entity, Organ)] += 1
                _insert(db, entity, number)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return counts[0], counts[1]


def _latest_entities(base: Path) -> Iterator[tuple[int, Actor | Organ]]:
    yield from _latest_of(base, Actor)
    yield from _latest_of(base, Organ)


def _latest_of(base: Path, model: type[_Entity]) -> Iterator[tuple[int, _Entity]]:
    kind_dir = base / KIND_DIRS[model]
    for directory in sorted(kind_dir.iterdir()) if kind_dir.is_dir() else []:
        entity = _read_latest(directory, model)
        if entity is not None:
            yield version_numbers(directory)[-1], entity


def _insert(db: sqlite3.Connection, entity: Actor | Organ, version: int) -> None:
    if isinstance(entity, Organ):
        db.execute(
            "INSERT INTO organs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entity.ref,
                entity.kind,
                entity.name,
                entity.short,
                entity.abridged,
                entity.legislature,
                _iso(entity.start),
                _iso(entity.end),
                entity.parent,
                version,
            ),
        )
        return
    db.execute(
        "INSERT INTO actors VALUES (?, ?, ?, ?, ?, ?)",
        (entity.ref, entity.civility, entity.first_name, entity.last_name, entity.name, version),
    )
    db.executemany(
        "INSERT INTO mandates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                mandate.ref,
                entity.ref,
                organ,
                mandate.organ_type,
                mandate.legislature,
                _iso(mandate.start),
                _iso(mandate.end),
                mandate.quality,
                mandate.region,
                mandate.department,
                mandate.department_code,
                mandate.constituency_number,
            )
            for mandate in entity.mandates
            for organ in _or_none(mandate.organ_refs)
        ],
    )


def _or_none(refs: list[str]) -> list[str | None]:
    return list(refs) if refs else [None]


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


# -- verify ----------------------------------------------------------------------


def verify_references(root: Path) -> list[tuple[Path, str, bool]]:
    """Read back every reference version file: (path, problem, repairable) for each fault.

    Versions must be numbered 1..n and each must read back with its content hash;
    temporary files left by an interrupted write are repairable (removed).
    """
    base = Path(root) / REFERENCES_DIR
    problems: list[tuple[Path, str, bool]] = []
    for model in (Actor, Organ):
        kind_dir = base / KIND_DIRS[model]
        for directory in sorted(kind_dir.iterdir()) if kind_dir.is_dir() else []:
            problems += [
                (path, "temporary file left by an interrupted write", True)
                for path in sorted(directory.glob(f"{TEMP_PREFIX}*"))
            ]
            numbers = version_numbers(directory)
            if numbers != list(range(1, len(numbers) + 1)):
                problems.append((directory, f"versions are not numbered 1..n: {numbers}", False))
            problems += [
                (directory / f"v{n:04d}.json", reason, False)
                for n in numbers
                if (reason := _check_version(directory / f"v{n:04d}.json", n, model)) is not None
            ]
    return problems


def _check_version(path: Path, number: int, model: type[Actor] | type[Organ]) -> str | None:
    try:
        data = json.loads(path.read_bytes())
        if data.get("schema") != REFERENCE_SCHEMA or data.get("version") != number:
            return f"damaged: schema {data.get('schema')!r}, version {data.get('version')!r}"
        entity = model.model_validate(data["record"])
        if record_hash(data["record"]) != data["content_hash"]:
            return "damaged: content hash does not match the record"
        if entity.ref != path.parent.name:
            return f"holds {entity.ref}, not {path.parent.name}"
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ValidationError) as exc:
        reason = type(exc).__name__ if isinstance(exc, ValidationError) else str(exc)
        return f"damaged: {reason.splitlines()[0] if reason else type(exc).__name__}"
    return None
