"""Import of the AN "acteurs, mandats, organes" open data (AMO), and keeping it current.

``qarchive import`` hands an AMO zip here (:func:`is_reference_file` tells it from
a zip of questions): every actor and organ is parsed
(:mod:`qarchive.sources.an.amo`) and stored as versioned files
(:mod:`qarchive.store.references`), a version written only when its content changed;
then ``references.sqlite`` is rebuilt and the archived AN questions that lack
their author's name, constituency or group get a new version with them.
``qarchive refresh`` calls :func:`refresh_references`: a conditional GET of the
zip, which rarely changes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from qarchive.errors import ArchiveDamaged, ArchiveWriteError, FetchError, ParseError, QarchiveError
from qarchive.index.lookups import unnamed_an_authors
from qarchive.jobs.enrich import enrich
from qarchive.jobs.imports.members import Member, read_members, zip_or_none
from qarchive.model.ids import Chamber, parse_question_id
from qarchive.model.reference import KEPT_ORGAN_TYPES, Actor, Organ
from qarchive.settings import Clock
from qarchive.store.batch import GroupCommit
from qarchive.store.files import refuse_links
from qarchive.store.layout import TEMP_PREFIX
from qarchive.store.references import ReferenceStore

if TYPE_CHECKING:
    from qarchive.settings import Settings
    from qarchive.store.archive import Archive

__all__ = [
    "AMO_PATH",
    "ReferenceImport",
    "amo_url",
    "import_references",
    "is_reference_file",
    "name_archived_questions",
    "refresh_references",
]

# The historical AMO dataset: every actor, mandate and organ since the XIth legislature.
AMO_PATH = (
    "/static/openData/repository/{legislature}/amo/tous_acteurs_mandats_organes_xi_legislature/"
    "AMO30_tous_acteurs_tous_mandats_tous_organes_historique.json.zip"
)
CURRENT_LEGISLATURE = 17
MAX_REFERENCE_BYTES = 200 * 1024**2  # the AMO30 zip is ~14 MB (2026)
BATCH_SIZE = 1000  # files per group commit
_MEMBER = re.compile(r"(?:^|/)json/(?:acteur|organe)/[^/]+\.json$")


def amo_url(settings: Settings, legislature: int = CURRENT_LEGISLATURE) -> str:
    """The AMO30 zip on the configured AN open-data host."""
    return settings.an_data_url + AMO_PATH.format(legislature=legislature)


@dataclass(slots=True)
class ReferenceImport:
    """What an import of reference data did."""

    read: int = 0
    new: int = 0  # actors and organs seen for the first time
    updated: int = 0  # ... whose content changed: a new version
    unchanged: int = 0
    skipped: int = 0  # entities qarchive does not keep (commissions, deports...)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (member, reason)
    named: int = 0  # archived questions that got their author's name from this data


def is_reference_file(path: Path, *, names: list[str] | None = None) -> bool:
    """True for an AMO zip (``json/acteur/…``, ``json/organe/…``) or one AMO document.

    ``names``: the members, when the caller has read the zip's directory already.
    """
    if names is not None:
        return any(_MEMBER.search(name) for name in names)
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
        if head.startswith(b"PK"):
            with zipfile.ZipFile(path) as bundle:
                return any(_MEMBER.search(name) for name in bundle.namelist())
    except (OSError, zipfile.BadZipFile):
        return False
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return re.match(rb'\{\s*"(?:acteur|organe)"\s*:', start) is not None


def import_references(
    members: Iterable[Member],
    *,
    archive: Archive,
    source_url: str,
    fetched_at: dt.datetime,
    on_item: Callable[[int, int | None], None] | None = None,
) -> ReferenceImport:
    """Store every actor and organ of an AMO import as versioned files, then use them.

    Files are staged and made durable together (one sync per batch, as a bulk
    question import does); an entity whose content is unchanged writes nothing.
    Afterwards the lookup is reloaded, ``references.sqlite`` rebuilt, and the
    archived AN questions that lack their author's name, constituency or group
    get a new version with them (:func:`name_archived_questions`). The caller
    holds the archive lock.

    Raises:
        ArchiveWriteError: the archive cannot be written; nothing half-written stays.
    """
    from qarchive.sources.an import amo  # the parsers load only when importing

    result, seen = ReferenceImport(), set()
    store = archive.reference_store
    group = GroupCommit()
    try:
        for done, member in enumerate(members, start=1):
            result.read += 1
            entity = _parse_member(member, amo.parse, source_url, result)
            if entity is not None and (type(entity), entity.ref) in seen:
                result.problems.append((member.name, f"skipped: {entity.ref} appears twice"))
            elif entity is not None:
                seen.add((type(entity), entity.ref))
                try:
                    outcome = _stage(
                        store, entity, fetched_at=fetched_at, source=source_url, group=group
                    )
                    setattr(result, outcome, getattr(result, outcome) + 1)
                except ArchiveDamaged as exc:  # never written over: verify names it
                    result.problems.append((member.name, str(exc)))
            if len(group) >= BATCH_SIZE:
                _commit(group, store.base)
            if on_item is not None:
                on_item(done, None)
        _commit(group, store.base)
    except BaseException:
        group.discard()
        raise
    store.write_state(url=source_url if source_url.startswith("http") else None, at=fetched_at)
    archive.references.reload()
    archive.reindex_references()
    result.named = name_archived_questions(archive, fetched_at=fetched_at)
    return result


def _parse_member(
    member: Member,
    parse: Callable[..., Actor | Organ | None],
    source_url: str,
    result: ReferenceImport,
) -> Actor | Organ | None:
    if member.problem is not None or member.content is None:
        result.problems.append((member.name, member.problem or "empty"))
        return None
    try:
        entity = parse(member.content, url=f"{source_url}#{member.name}")
    except (ParseError, QarchiveError) as exc:
        result.problems.append((member.name, str(exc)))
        return None
    except Exception as exc:  # one member's bug stops that member only
        result.problems.append((member.name, str(QarchiveError.unexpected(exc, what=member.name))))
        return None
    if entity is None or (isinstance(entity, Organ) and entity.kind not in KEPT_ORGAN_TYPES):
        result.skipped += 1
        return None
    return entity


def _stage(
    store: ReferenceStore,
    entity: Actor | Organ,
    *,
    fetched_at: dt.datetime,
    source: str,
    group: GroupCommit,
) -> str:
    new = store.new_version(entity, fetched_at=fetched_at)
    if new is None:
        return "unchanged"
    refuse_links(store.root, new.path.parent, known=group.not_links)
    try:
        group.stage(new.path, new.data(source=source))
    except OSError as exc:
        raise ArchiveWriteError.from_os_error(new.path.parent, exc) from None
    return new.outcome.value


def _commit(group: GroupCommit, base: Path) -> None:
    try:
        group.commit()
    except OSError as exc:
        raise ArchiveWriteError.from_os_error(base, exc) from None


def name_archived_questions(archive: Archive, *, fetched_at: dt.datetime) -> int:
    """Give a new version to each archived AN question the reference data can now name.

    Questions imported before the reference data (the open data names authors by
    reference only) are found through the index: an author reference without a
    name, a constituency or a group. Each goes through :meth:`Archive.save`, which
    resolves it; nothing is written for a question the data does not know. Hold
    the lock.

    Returns:
        How many questions got a new version.
    """
    if not (archive.layout.questions / Chamber.AN.value).is_dir():
        return 0
    connection = archive.open_index()
    try:
        ids = unnamed_an_authors(connection)
    finally:
        connection.close()
    named = 0
    with archive.index_batch():
        for text in ids:
            qid = parse_question_id(text)
            try:
                stored = archive.latest(qid)
            except QarchiveError:  # a damaged version: verify reports it
                continue
            if stored is None:
                continue
            record = enrich(stored.record, previous=stored, references=archive.references)
            if record == stored.record:
                continue
            archive.save(record, qid=qid, fetched_at=fetched_at, previous=stored)
            named += 1
    return named


def refresh_references(
    archive: Archive, settings: Settings, *, now: Clock, first_need: bool = False
) -> list[str]:
    """Bring the archive's reference data up to date; return notes for the summary line.

    The AMO zip is asked for again from where it was imported (else from
    :func:`amo_url`) with a conditional GET: a 304, the usual answer, costs nothing
    and writes nothing. A changed zip is imported like ``qarchive import`` does it.
    Without reference data, nothing is asked for, unless ``first_need`` (the archive
    holds AN questions to name): the zip is then imported a first time. A failure
    is a note, never a failure of the refresh. Hold the lock.

    Raises:
        ArchiveWriteError: the archive cannot be written.
    """
    from qarchive.http import Client, Validators

    store = archive.reference_store
    held = store.holds_data()
    if not held and not first_need:
        return []
    state = store.read_state() if held else {}
    url = state.get("url") or amo_url(settings)
    validators = Validators.from_stored(state.get("validators"))
    temp = archive.root / f"{TEMP_PREFIX}amo-{os.getpid()}.zip"
    try:
        archive.root.mkdir(parents=True, exist_ok=True)
        with Client(settings) as client:
            fetched = client.download(
                url, temp, max_bytes=MAX_REFERENCE_BYTES, validators=validators
            )
        if fetched.not_modified:
            return []
        if not is_reference_file(temp):
            return [f"reference data not refreshed: {url} is not an AMO zip"]
        with (
            zip_or_none(temp) as bundle,
            contextlib.closing(read_members(temp, settings.max_bytes, bundle)) as members,
        ):
            summary = import_references(members, archive=archive, source_url=url, fetched_at=now())
    except FetchError as exc:
        what = "refreshed" if held else "imported (authors stay known by reference)"
        return [f"reference data not {what}: {exc}"]
    except OSError as exc:
        raise ArchiveWriteError.from_os_error(temp, exc) from None
    finally:
        temp.unlink(missing_ok=True)
    store.write_state(at=now(), url=url, validators=fetched.validators.stored())
    notes = []
    if summary.new or summary.updated or summary.named:
        notes.append(
            f"reference data {'updated' if held else 'imported'} ({summary.new} new, "
            f"{summary.updated} changed actors and organs; {summary.named} questions named)"
        )
    if summary.problems:
        notes.append(f"reference data: {len(summary.problems)} members refused")
    return notes
