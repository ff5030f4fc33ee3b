"""Packs: the raw bytes behind versions saved from bulk data, one zip per import or refresh.

A question saved from a legislature's zip keeps its raw JSON, but not in a file of
its own: the members that the run found new or changed go into one pack,
``raw/packs/<time>-<dataset>.zip`` (a plain zip, which any tool opens), and each
version names its member as ``pack:<pack>#<member>``. When most of a zip is new (a
first import), the pack is the downloaded zip itself, copied; otherwise a pack of
just the new or changed members is written. A pack is complete and durable before
any version names it, so a crash leaves at worst a pack no version names, which
``verify --repair`` removes.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from qarchive.errors import ArchiveDamaged, ArchiveWriteError
from qarchive.store.files import refuse_links, temp_for
from qarchive.store.layout import Layout

__all__ = ["PACK_PREFIX", "Packs", "pack_reference", "parse_pack_reference"]

PACK_PREFIX = "pack:"


def pack_reference(pack: str, member: str) -> str:
    """How a version names a member of a pack: ``pack:<pack>#<member>``."""
    return f"{PACK_PREFIX}{pack}#{member}"


def parse_pack_reference(reference: str) -> tuple[str, str] | None:
    """(pack, member) of a pack reference; None for a question's own raw file."""
    if not reference.startswith(PACK_PREFIX) or "#" not in reference:
        return None
    pack, _, member = reference[len(PACK_PREFIX) :].partition("#")
    return (pack, member) if pack and member and "/" not in pack else None


class Packs:
    """The packs of an archive."""

    def __init__(self, layout: Layout) -> None:
        self.root = layout.root
        self.folder = layout.packs
        # The last pack read, kept open: versions saved together name the same pack,
        # and a zip's directory is read once instead of once per member.
        self._open: tuple[str, zipfile.ZipFile] | None = None

    def new_name(self, at: dt.datetime, dataset: str) -> str:
        """A name for a new pack of ``dataset`` made at ``at``, unused so far."""
        stamp = at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name, count = f"{stamp}-{dataset}.zip", 1
        while (self.folder / name).exists():
            count += 1
            name = f"{stamp}-{dataset}-{count}.zip"
        return name

    def adopt(self, source: Path, name: str) -> None:
        """Keep a copy of the zip ``source`` as the pack ``name``, durable before it is named.

        Raises:
            ArchiveWriteError: the copy cannot be written; nothing is left under ``name``.
        """

        def copy(temp: Path) -> None:
            with open(source, "rb") as original, open(temp, "wb") as copied:
                shutil.copyfileobj(original, copied, 1 << 20)

        self._durable(name, copy)

    def write(self, name: str, members: Iterable[tuple[str, bytes]]) -> None:
        """Write the pack ``name`` holding ``members`` (name, bytes), durable before it is named.

        Raises:
            ArchiveWriteError: the pack cannot be written; nothing is left under ``name``.
        """

        def fill(temp: Path) -> None:
            with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as pack:
                for member, content in members:
                    pack.writestr(member, content)

        self._durable(name, fill)

    def read(self, pack: str, member: str) -> bytes:
        """The bytes of one member of a pack (checked against its CRC-32).

        Raises:
            ArchiveDamaged: the pack or the member is missing or damaged.
        """
        path = self.folder / pack
        try:
            return self._zip(pack).read(member)
        except (OSError, KeyError, zipfile.BadZipFile, EOFError) as exc:
            reason = "no such member" if isinstance(exc, KeyError) else str(exc)
            raise ArchiveDamaged(f"{path}#{member} is damaged ({reason})", path=str(path)) from None

    def _zip(self, pack: str) -> zipfile.ZipFile:
        if self._open is None or self._open[0] != pack:
            if self._open is not None:
                self._open[1].close()
                self._open = None
            self._open = (pack, zipfile.ZipFile(self.folder / pack))
        return self._open[1]

    def remove(self, pack: str) -> None:
        """Remove a pack no version names (written for members whose content did not change)."""
        if self._open is not None and self._open[0] == pack:
            self._open[1].close()
            self._open = None
        refuse_links(self.root, self.folder / pack)
        (self.folder / pack).unlink(missing_ok=True)

    def names(self) -> list[str]:
        """Every pack's name, oldest first (temporary files left out)."""
        if not self.folder.is_dir():
            return []
        return sorted(
            p.name
            for p in self.folder.iterdir()
            if p.suffix == ".zip" and not p.name.startswith(".")
        )

    def _durable(self, name: str, fill: Callable[[Path], object]) -> None:
        refuse_links(self.root, self.folder)
        path = self.folder / name
        try:
            self._fill_durably(path, fill)
        except OSError as exc:
            raise ArchiveWriteError.from_os_error(path, exc) from None

    def _fill_durably(self, path: Path, fill: Callable[[Path], object]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temp = temp_for(path)
        try:
            fill(temp)
            with open(temp, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        directory = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
