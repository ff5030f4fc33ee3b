"""Damaged version files moved out of the way, never deleted (``verify --repair``).

A question whose latest version file no longer reads back cannot be fetched
again: the next version would need the last one. Moving that file (with the raw
captures only it named, and the question's state) into ``<archive>/damaged/``,
at the same path from the archive's root, makes the version before it the
latest again, and the next ``fetch`` writes the question's current content as a
new version. Nothing is lost: the files stay there for whoever wants them.
"""

from __future__ import annotations

import os
from pathlib import Path

from qarchive.errors import ArchiveDamaged, ArchiveWriteError
from qarchive.model.ids import parse_question_id
from qarchive.store.archive import Archive
from qarchive.store.files import refuse_links, unnamed_captures
from qarchive.store.layout import STATE_FILE
from qarchive.store.versions import version_name

__all__ = ["set_aside"]


def set_aside(archive: Archive, version: Path) -> list[Path]:
    """Move a damaged version file, and the raw captures no readable version names, aside.

    Args:
        archive: the archive (the caller holds its lock).
        version: the damaged file, a question's latest version.

    Returns:
        Where each file went, the version file first (then its raw captures, the state).

    Raises:
        ArchiveWriteError: a file cannot be moved (it is left where it was).
        ArchiveDamaged: ``damaged/`` or a folder in it is a symbolic link (nothing moved).
    """
    directory = version.parent
    qid = parse_question_id(directory.name)  # a question's folder is named by its ID
    named: set[str] = set()
    known = True  # which captures the damaged version named, from what the others name
    for number in archive.versions(qid):
        if directory / version_name(number) == version:
            continue
        try:
            named.update(archive.read_version(qid, number).raw)
        except ArchiveDamaged:
            known = False  # another damaged one: its captures cannot be told apart, kept here
            break
    orphans = unnamed_captures(directory, named) if known else []
    # The state's validators describe the content of the damaged version: kept, a
    # conditional GET would be answered "not modified" and the content never come back.
    state = directory / STATE_FILE
    moved = [_move(archive, path) for path in (version, *orphans)]
    return moved + ([_move(archive, state)] if state.exists() else [])


def _move(archive: Archive, path: Path) -> Path:
    target = archive.layout.damaged / path.relative_to(archive.root)
    refuse_links(archive.root, target)  # a linked damaged/ would take the files outside
    found, suffix = target, 0
    while found.exists():  # set aside before, and fetched again since: keep both
        suffix += 1
        found = target.with_name(f"{target.name}.{suffix}")
    try:
        found.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, found)
    except OSError as exc:
        raise ArchiveWriteError.from_os_error(found, exc, action="move a damaged file to") from None
    return found
