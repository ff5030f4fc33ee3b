"""``references.sqlite``: the AN reference data as tables, for datasette and sqlite3.

Derived from the reference files (:mod:`qarchive.store.references`) and rebuilt
whole after each import of them, or by ``qarchive reindex``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from qarchive._version import __version__
from qarchive.index.inplace import replace_database
from qarchive.model.reference import Actor, Organ

__all__ = ["REFERENCE_INDEX_SCHEMA", "write_reference_index"]

REFERENCE_INDEX_SCHEMA = 1
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


def write_reference_index(
    path: Path, entities: Iterable[tuple[int, Actor | Organ]], *, temp: Path
) -> tuple[int, int]:
    """Write ``references.sqlite`` at ``path`` from (version, entity) pairs.

    Tables ``actors``, ``mandates`` (one row per mandate and organ) and ``organs``,
    plus a view ``memberships`` with readable names. Written to ``temp`` (beside
    ``path``) and copied into it (:func:`qarchive.index.inplace.replace_database`).

    Returns:
        (actors, organs) indexed.
    """
    temp.unlink(missing_ok=True)
    counts = [0, 0]
    try:
        with contextlib.closing(sqlite3.connect(temp)) as db, db:
            db.executescript(_INDEX_SCHEMA)
            db.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("schema_version", str(REFERENCE_INDEX_SCHEMA)), ("written_by", __version__)],
            )
            for number, entity in entities:
                counts[isinstance(entity, Organ)] += 1
                _insert(db, entity, number)
        replace_database(temp, path)  # in the same file: open readers stay sound
    finally:
        temp.unlink(missing_ok=True)
    return counts[0], counts[1]


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
