"""The AN reference data on disk: actors and organs, versioned, and names for the refs.

The AN open data names a question's author, group and ministries by reference only
(``PA…``, ``PM…``, ``PO…``). ``qarchive import`` of the AN "acteurs, mandats,
organes" zip (AMO; :mod:`qarchive.jobs.imports.amo`, :mod:`qarchive.sources.an.amo`)
stores each actor and organ as versioned files, like questions
(:mod:`qarchive.store.versions`)::

    <archive>/references/an/acteurs/PA000001/v0001.json
    <archive>/references/an/organes/PO000001/v0001.json
    <archive>/references/an/state.json    where the AMO came from, ETag/Last-Modified
    <archive>/references.sqlite           derived (:mod:`qarchive.index.references`)

A version is written only when an entity's content changes. :class:`ReferenceLookup`
reads them lazily (one file per actor or organ met, then dictionary lookups), and
:meth:`ReferenceLookup.resolve` gives an AN record the author's name, civility,
constituency and group **as of the question's publication date** (a deputy can
change group). Records stay keyed by reference: two homonyms stay two people.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from qarchive.bounded_json import read_json
from qarchive.errors import ArchiveDamaged, ArchiveWriteError
from qarchive.model.ids import Chamber
from qarchive.model.question import Author, Group, Question
from qarchive.model.reference import Actor, Mandate, Organ, constituency_label
from qarchive.store.files import atomic_write, dump_json, refuse_links
from qarchive.store.layout import REFERENCES_DIR, STATE_FILE, TEMP_PREFIX
from qarchive.store.versions import NewVersion, StoredVersion, VersionedStore

__all__ = ["KIND_DIRS", "ReferenceLookup", "ReferenceStore"]

KIND_DIRS: dict[type[Actor] | type[Organ], str] = {Actor: "acteurs", Organ: "organes"}
_Entity = TypeVar("_Entity", Actor, Organ)


class ReferenceStore:
    """The reference files under ``references/an``: one versioned folder per actor or organ."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.root = base.parents[len(Path(REFERENCES_DIR).parts) - 1]  # the archive's
        self._versions = {model: VersionedStore(model) for model in (Actor, Organ)}

    def holds_data(self) -> bool:
        """True when reference data was ever imported."""
        return (self.base / KIND_DIRS[Actor]).is_dir()

    def folder(self, model: type[Actor] | type[Organ], ref: str) -> Path:
        """The folder of one actor or organ."""
        return self.base / KIND_DIRS[model] / ref

    def latest(self, model: type[_Entity], ref: str) -> _Entity | None:
        """The latest version of one entity; None when absent or unreadable (verify names it)."""
        try:
            stored = self._versions[model].latest(self.folder(model, ref))
        except ArchiveDamaged:
            return None
        return None if stored is None else stored.record  # type: ignore[return-value]

    def new_version(self, entity: Actor | Organ, *, fetched_at: dt.datetime) -> NewVersion | None:
        """The next version of ``entity``'s files, not yet written; None when unchanged.

        Its bytes are ``.data(source=…)``, naming the file it was imported from.

        Raises:
            ArchiveDamaged: the latest version cannot be read; it is never written over.
        """
        versions = self._versions[type(entity)]
        folder = self.folder(type(entity), entity.ref)
        return versions.new_version(
            folder,
            entity.model_dump(mode="json"),
            latest=versions.latest(folder),
            fetched_at=fetched_at,
        )

    def latest_entities(self) -> Iterator[tuple[int, Actor | Organ]]:
        """(version, entity) of every readable actor, then every organ, by reference."""
        for model, versions in self._versions.items():
            for folder in self._folders(model):
                try:
                    stored = versions.latest(folder)
                except ArchiveDamaged:
                    continue  # verify names it
                if stored is not None:
                    yield stored.version, stored.record  # type: ignore[misc]

    def read_state(self) -> dict[str, Any]:
        """``state.json``: where the data came from, its validators; empty when unreadable."""
        try:
            state = read_json(self.base / STATE_FILE)
        except (OSError, ValueError):
            return {}  # derived: an unreadable state only costs an unconditional GET
        return state if isinstance(state, dict) else {}

    def write_state(self, *, at: dt.datetime, **updates: Any) -> None:
        """Record a check of the data (and what ``updates`` give) in ``state.json``.

        Raises:
            ArchiveWriteError: the file cannot be written.
        """
        path = self.base / STATE_FILE
        refuse_links(self.root, self.base)
        state = self.read_state() | {"checked_at": at.isoformat()}
        state.update({key: value for key, value in updates.items() if value is not None})
        try:
            atomic_write(path, dump_json(state))
        except OSError as exc:
            raise ArchiveWriteError.from_os_error(path, exc) from None

    def verify(self) -> list[tuple[Path, str, bool]]:
        """Read back every version file: (path, problem, repairable) for each fault.

        Versions must be numbered 1..n and each must read back with its content
        hash and hold the entity its folder names; temporary files left by an
        interrupted write are repairable (removed).
        """
        problems: list[tuple[Path, str, bool]] = []
        for model, versions in self._versions.items():
            for folder in self._folders(model):
                problems += [
                    (path, "temporary file left by an interrupted write", True)
                    for path in sorted(folder.glob(f"{TEMP_PREFIX}*"))
                ]
                numbers = versions.numbers(folder)
                if numbers != list(range(1, len(numbers) + 1)):
                    problems.append((folder, f"versions are not numbered 1..n: {numbers}", False))
                for number in numbers:
                    problems += _check_version(versions, folder, number)
        return problems

    def _folders(self, model: type[Actor] | type[Organ]) -> list[Path]:
        kind_dir = self.base / KIND_DIRS[model]
        return sorted(kind_dir.iterdir()) if kind_dir.is_dir() else []


def _check_version(
    versions: VersionedStore[Any], folder: Path, number: int
) -> list[tuple[Path, str, bool]]:
    try:
        stored: StoredVersion[Any] = versions.read(folder, number)
    except ArchiveDamaged as exc:
        text = str(exc)
        reason = text[text.find("(") + 1 : text.rfind(")")]
        return [(Path(exc.path or folder), f"damaged: {reason}", False)]
    if stored.record.ref != folder.name:
        return [(stored.path, f"holds {stored.record.ref}, not {folder.name}", False)]
    return []


# -- names for the refs -----------------------------------------------------------------


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

    def __init__(self, references: ReferenceStore) -> None:
        self._store = references
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
            self._organs[ref] = self._store.latest(Organ, ref)
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
            self._present = self._store.holds_data()
        return self._present

    def _known(self, ref: str) -> _Known | None:
        if ref not in self._actors:
            actor = self._store.latest(Actor, ref)
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
