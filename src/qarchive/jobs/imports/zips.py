"""A legislature's zip of questions: what changed since the last import, its pack, its manifest.

The zip's central directory gives each member's size and CRC-32 without reading
it; the archive's manifest of the dataset (:mod:`qarchive.store.bulk`) gives them
as they were at the last import. A member whose pair is unchanged is neither
decompressed nor parsed. The members that are read go first into a pack
(:mod:`qarchive.store.packs`), which the versions saved from them name; the
manifest is rewritten once the whole import is kept.
"""

from __future__ import annotations

import datetime as dt
import zipfile
import zlib
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass

from qarchive.jobs.imports.members import member_problem
from qarchive.sources.an.bulk import dataset_of
from qarchive.store.archive import Archive
from qarchive.store.bulk import BulkManifest, BulkManifests, Validators

__all__ = ["ZipPlan", "plan_zip", "remember_zip"]

# A pack is the downloaded zip itself when at least this share of its members is
# read: copying the file costs less than compressing its members again.
_WHOLE_ZIP = 0.5


@dataclass(frozen=True, slots=True)
class ZipPlan:
    """Which members of a zip to read, and the pack that keeps their bytes."""

    dataset: str | None  # None: a zip of no one dataset, read whole, no manifest
    members: int  # files in the zip
    read: frozenset[str]  # the members to read: new or changed since the last import
    pack: str | None  # the pack holding them (None: nothing to read)
    previous: BulkManifest | None = None  # the dataset's manifest as the plan read it


def plan_zip(
    bundle: zipfile.ZipFile,
    *,
    archive: Archive,
    max_bytes: int,
    at: dt.datetime,
    full: bool = False,
) -> ZipPlan:
    """Compare the zip with the last import of its dataset, and pack what must be read.

    ``full``: read every member, whatever the manifest says (``refresh --all``).

    Raises:
        ArchiveWriteError: the pack cannot be written.
    """
    infos = [info for info in bundle.infolist() if not info.is_dir()]
    dataset = dataset_of(info.filename for info in infos)
    previous = None if dataset is None else BulkManifests(archive.layout).read(dataset)
    known = {} if previous is None or full else previous.members
    changed = [info for info in infos if known.get(info.filename) != (info.CRC, info.file_size)]
    if not changed:
        return ZipPlan(dataset, len(infos), frozenset(), None, previous)
    pack = archive.packs.new_name(at, dataset or "an")
    if len(changed) >= _WHOLE_ZIP * len(infos) and bundle.filename is not None:
        archive.packs.adopt(bundle.filename, pack)  # type: ignore[arg-type]
    else:
        readable = (info for info in changed if member_problem(info, max_bytes) is None)
        archive.packs.write(pack, _contents(bundle, readable))
    return ZipPlan(
        dataset, len(infos), frozenset(info.filename for info in changed), pack, previous
    )


def _contents(
    bundle: zipfile.ZipFile, infos: Iterable[zipfile.ZipInfo]
) -> Iterator[tuple[str, bytes]]:
    # A member that cannot be read is left out of the pack: reading it again for the
    # import says why, and it fails alone.
    for info in infos:
        try:
            yield info.filename, bundle.read(info)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
            continue


def remember_zip(
    bundle: zipfile.ZipFile,
    plan: ZipPlan,
    *,
    archive: Archive,
    failed: Collection[str],
    url: str | None,
    validators: Validators | None,
) -> None:
    """Rewrite the dataset's manifest after an import: every member kept, as the zip lists it.

    A member that failed is left out, so that the next import reads it again.

    Raises:
        ArchiveWriteError: the manifest cannot be written.
    """
    if plan.dataset is None:
        return
    members = {
        info.filename: (info.CRC, info.file_size)
        for info in bundle.infolist()
        if not info.is_dir() and info.filename not in failed
    }
    manifest = BulkManifest(plan.dataset, url=url, validators=validators, members=members)
    # The plan's reading is still the file's: the import holds the archive's lock.
    if plan.previous != manifest:  # a night with no change writes nothing
        BulkManifests(archive.layout).write(manifest)
