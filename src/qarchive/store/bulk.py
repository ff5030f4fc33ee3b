"""What the last import of each bulk file held: ``bulk/<dataset>.json``.

For each dataset (a legislature's zip of questions: ``an-17-QE``...), the size and
CRC-32 of every member imported, as the zip's central directory gives them, and
the validators of the URL it came from. The next import of a zip of the same
dataset reads only the members whose size or CRC changed, and a refresh asks for
the zip with a conditional GET: a night with no change downloads nothing and
reads nothing. The file is derived data: a missing or unreadable one only means
that the next import reads every member again (and finds them unchanged).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qarchive.bounded_json import read_json
from qarchive.errors import ArchiveWriteError
from qarchive.store.files import atomic_write, compact_json, refuse_links
from qarchive.store.layout import Layout
from qarchive.store.state import Validators

__all__ = ["BULK_SCHEMA", "BulkManifest", "BulkManifests", "Validators"]

BULK_SCHEMA = 1
_DATASET = re.compile(r"[a-z0-9-]{1,40}")


@dataclass(slots=True)
class BulkManifest:
    """One dataset's last import: its members' (CRC-32, size), where it came from."""

    dataset: str
    url: str | None = None
    validators: Validators | None = None
    members: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (crc, size)

    def document(self) -> dict[str, Any]:
        """The JSON document, one member per line."""
        return {
            "schema": BULK_SCHEMA,
            "dataset": self.dataset,
            "url": self.url,
            "validators": self.validators,
            "members": {name: list(value) for name, value in sorted(self.members.items())},
        }


class BulkManifests:
    """The manifests of an archive's bulk imports, one file per dataset."""

    def __init__(self, layout: Layout) -> None:
        self.folder = layout.bulk

    def read(self, dataset: str) -> BulkManifest:
        """The dataset's manifest; an empty one when there is none or it cannot be read."""
        path = self._path(dataset)
        try:
            document = read_json(path)
            members = {
                str(name): (int(value[0]), int(value[1]))
                for name, value in document["members"].items()
            }
            validators = document.get("validators")
            return BulkManifest(
                dataset,
                url=document.get("url"),
                validators=dict(validators) if isinstance(validators, dict) else None,
                members=members,
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            return BulkManifest(dataset)  # derived: every member is read again

    def write(self, manifest: BulkManifest) -> None:
        """Replace the dataset's manifest (atomically).

        Raises:
            ArchiveWriteError: the file cannot be written; the old one is kept.
        """
        path = self._path(manifest.dataset)
        refuse_links(self.folder.parent, self.folder)
        try:
            atomic_write(path, compact_json(manifest.document()))
        except OSError as exc:
            raise ArchiveWriteError.from_os_error(path, exc) from None

    def _path(self, dataset: str) -> Path:
        if not _DATASET.fullmatch(dataset):  # names come from member names: never trust them
            raise ValueError(f"not a dataset name: {dataset!r}")
        return self.folder / f"{dataset}.json"
