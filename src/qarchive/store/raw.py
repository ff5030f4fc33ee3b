"""The raw bytes behind a version, kept gzipped beside it for re-parsing later.

A question's ``raw/`` folder holds one capture per source a version was built
from (``raw/<time>.<ext>.gz``); the version file names them.
"""

from __future__ import annotations

import datetime as dt
import functools
import gzip
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qarchive.errors import ArchiveDamaged
from qarchive.store.layout import RAW_DIR

__all__ = ["RawCapture", "raw_name", "read_raw"]


@dataclass(frozen=True, slots=True)
class RawCapture:
    """The raw bytes behind a version."""

    url: str
    content: bytes
    extension: str  # "json", "html", "htm", "xml"

    def compressed(self) -> bytes:
        """The bytes as stored: gzip, with no time in the header (the same bytes, the same file)."""
        return gzip.compress(self.content, mtime=0)


def raw_name(capture: RawCapture, at: dt.datetime, *, taken: Callable[[str], bool]) -> str:
    """The name of a new capture in its question's folder: ``raw/<time>.<ext>.gz``.

    Two versions saved at one time (a question twice in one import) must not share
    a capture, or the second would replace the bytes behind the first: a name
    ``taken`` gets a counter.
    """
    stem = f"{RAW_DIR}/{_stamp(at)}"
    name = f"{stem}.{capture.extension}.gz"
    count = 1
    while taken(name):
        count += 1
        name = f"{stem}-{count}.{capture.extension}.gz"
    return name


def read_raw(path: Path) -> bytes:
    """A capture's bytes, decompressed.

    Raises:
        ArchiveDamaged: the file is missing or does not decompress.
    """
    try:
        return gzip.decompress(path.read_bytes())
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise ArchiveDamaged(f"{path} is damaged ({exc})", path=str(path)) from None


@functools.lru_cache(maxsize=64)
def _stamp(at: dt.datetime) -> str:
    # Every question of an import shares one fetch time: formatted once.
    return at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
