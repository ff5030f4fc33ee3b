"""What ``qarchive info`` tells: the archive in use, the settings in force, what it holds.

Read only, and cheap: the counts come from the index's tables of counts, the
last refresh from the last line of ``refresh.log.jsonl``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qarchive.follow.digest import last_digest
from qarchive.follow.notify import load_outbox
from qarchive.follow.watch import load_watchlist
from qarchive.index.filters import Filters
from qarchive.index.lookups import held_chambers, held_legislatures
from qarchive.index.query import count_questions
from qarchive.jobs.plan import last_refresh
from qarchive.settings import ENV_VARS, Settings
from qarchive.store.archive import Archive
from qarchive.store.index_access import ArchiveIndex

__all__ = ["ArchiveInfo", "Held", "describe_archive"]


@dataclass(frozen=True, slots=True)
class Held:
    """How many questions the archive holds of one chamber and legislature."""

    chamber: str
    legislature: int
    questions: int


@dataclass(slots=True)
class ArchiveInfo:
    """The archive, its settings (value and where it comes from), and what it holds."""

    archive: Path
    exists: bool
    settings: dict[str, tuple[str, str]]  # variable -> (value, from: option, variable, default)
    held: list[Held] = field(default_factory=list)
    watched_questions: int = 0
    saved_searches: int = 0
    outbox: int = 0
    last_refresh: dict[str, Any] | None = None  # the last line of refresh.log.jsonl
    last_digest: dt.datetime | None = None

    @property
    def questions(self) -> int:
        """Questions in the archive, all chambers and legislatures."""
        return sum(item.questions for item in self.held)

    def as_dict(self) -> dict[str, Any]:
        """The whole report as plain JSON values."""
        found = dataclasses.asdict(self)
        found["archive"] = str(self.archive)
        found["settings"] = {
            var: {"value": value, "from": source} for var, (value, source) in self.settings.items()
        }
        found["questions"] = self.questions
        found["last_digest"] = self.last_digest.isoformat() if self.last_digest else None
        return found


def describe_archive(settings: Settings, *, sources: dict[str, str], today: dt.date) -> ArchiveInfo:
    """The archive of ``settings``, what they say and where each value comes from.

    Args:
        settings: the settings in force.
        sources: each setting's origin (:func:`qarchive.settings.setting_sources`).
        today: the day counts are made on.

    Raises:
        ArchiveDamaged: ``watchlist.json``, ``outbox.json`` or ``digest.json`` is damaged.
    """
    root = settings.archive_dir
    values = {
        var: (str(getattr(settings, name)), sources.get(name, "default"))
        for name, var in ENV_VARS.items()
    }
    info = ArchiveInfo(archive=root, exists=root.is_dir(), settings=values)
    if not info.exists:
        return info
    archive = Archive(root)
    if archive.index_path.exists() or any(archive.iter_ids()):
        index = ArchiveIndex(root)
        with contextlib.closing(index.open_index()) as connection:
            held = {
                chamber: held_legislatures(connection, chamber)
                for chamber in held_chambers(connection)
            }
        for chamber in sorted(held):
            for legislature in sorted(held[chamber]):
                filters = Filters(chamber=chamber, legislature=legislature)
                count = count_questions(index, filters, today=today)
                info.held.append(Held(chamber, legislature, count))
    watchlist = load_watchlist(archive)
    info.watched_questions, info.saved_searches = len(watchlist.questions), len(watchlist.searches)
    info.outbox = len(load_outbox(archive).entries)
    info.last_refresh = last_refresh(archive)
    info.last_digest = last_digest(archive)
    return info
