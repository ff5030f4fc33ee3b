"""Keeping ``index.sqlite`` and ``references.sqlite`` in step with the archive's files.

The files are the truth and both databases are derived: rebuilt from the files
alone (:func:`rebuild_index`, :func:`rebuild_reference_index`), upgraded in place
when a migration exists, and updated with each version saved (:func:`update_index`).
An index that fails to update is dropped, never left silently stale: it is rebuilt
when next read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from qarchive.errors import ArchiveDamaged, ArchiveWriteError
from qarchive.index.inplace import mark_stale
from qarchive.index.references import write_reference_index
from qarchive.index.rows import IndexEntry, index_entry
from qarchive.index.schema import (
    IndexFailure,
    connect_index,
    upgrade_index,
    upsert_entry,
    write_failure,
    write_index,
)
from qarchive.model.question import Question
from qarchive.store.files import temp_for
from qarchive.store.references import ReferenceStore
from qarchive.store.versions import StoredVersion

__all__ = [
    "ReindexResult",
    "index_written",
    "make_current",
    "rebuild_index",
    "rebuild_reference_index",
    "update_index",
]


@dataclass(frozen=True, slots=True)
class ReindexResult:
    """What a rebuild of the index found: questions indexed, damaged files skipped."""

    indexed: int
    damaged: list[ArchiveDamaged]


def rebuild_index(
    path: Path, latest: Iterable[StoredVersion[Question] | ArchiveDamaged]
) -> ReindexResult:
    """Write ``index.sqlite`` at ``path`` from every question's latest version.

    A question whose latest version is damaged (given as its error) is left out
    and reported.
    """
    damaged: list[ArchiveDamaged] = []

    def entries() -> Iterator[IndexEntry]:
        for stored in latest:
            if isinstance(stored, ArchiveDamaged):
                damaged.append(stored)
            else:
                yield index_entry(
                    stored.record, version=stored.version, fetched_at=stored.fetched_at
                )

    with index_written(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        count = write_index(path, entries(), temp=temp_for(path))
    return ReindexResult(count, damaged)


def rebuild_reference_index(path: Path, store: ReferenceStore) -> tuple[int, int] | None:
    """Write ``references.sqlite`` from the reference files; (actors, organs) indexed.

    None when the archive holds no reference data. An entity whose latest version
    is unreadable is left out (``qarchive verify`` names it).
    """
    if not store.base.is_dir():
        return None
    with index_written(path):
        return write_reference_index(path, store.latest_entities(), temp=temp_for(path))


@contextlib.contextmanager
def index_written(path: Path) -> Iterator[None]:
    """Let a write of the database at ``path`` fail as the archive's files do.

    A full disk, a read-only archive: :class:`ArchiveWriteError`, one line and
    the advice, where SQLite said "database or disk is full" with a traceback.

    Raises:
        ArchiveWriteError: the block failed to write the file.
    """
    try:
        yield
    except IndexFailure as exc:
        error = write_failure(exc, path)
        if error is None:
            raise
        raise error from None
    except OSError as exc:
        raise ArchiveWriteError.from_os_error(path, exc) from None


def make_current(path: Path, rebuild: Callable[[], object]) -> None:
    """Upgrade an outdated index in place; ``rebuild`` a missing one (or one of no upgrade).

    The caller holds the archive's lock.
    """
    if not upgrade_index(path):
        rebuild()


def update_index(path: Path, entry: IndexEntry, rebuild: Callable[[], object]) -> None:
    """Write a version's row into the index (made current first); drop the index if that fails.

    The version is saved by then, and the index is rebuilt from the files (which
    hold it) when next read. The caller holds the archive's lock.
    """
    try:
        make_current(path, rebuild)
        with contextlib.closing(connect_index(path)) as connection, connection:
            upsert_entry(connection, entry)
    except (IndexFailure, OSError, ArchiveDamaged, ArchiveWriteError):
        mark_stale(path)  # in its own file: an open reader must not lose it
