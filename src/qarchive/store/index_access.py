"""The archive's index opened for reading, without loading the archive's writing side.

``list``, ``search`` and ``stats`` read only the index: :class:`ArchiveIndex` opens
it as it is when it is current, and only when it is missing or outdated loads the
archive (and Pydantic) to upgrade or rebuild it first. A listing then starts in a
fraction of the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qarchive.index.schema import IndexConnection, connect_index, index_is_current
from qarchive.store.layout import INDEX_FILE

__all__ = ["ArchiveIndex"]


@dataclass(frozen=True, slots=True)
class ArchiveIndex:
    """The index of the archive at ``root``, opened for reading (an ``IndexSource``)."""

    root: Path

    def open_index(self) -> IndexConnection:
        """A connection to the index, rebuilt first (by the archive) if missing or outdated."""
        path = self.root / INDEX_FILE
        if index_is_current(path):
            return connect_index(path)
        from qarchive.store.archive import Archive

        return Archive(self.root).open_index()

    def open_if_current(self) -> IndexConnection | None:
        """A connection to the index as it is; None when missing or outdated (nothing rebuilt)."""
        path = self.root / INDEX_FILE
        return connect_index(path) if index_is_current(path) else None
