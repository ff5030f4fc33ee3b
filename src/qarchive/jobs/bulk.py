"""The AN's bulk data in a nightly refresh: each kept legislature's zips, by conditional GET.

The AN publishes each legislature's questions as zips, one JSON per question
(:data:`qarchive.sources.an.bulk.BULK_KINDS`), updated daily. A refresh asks for
each zip of the legislatures the archive keeps with a conditional GET: a 304 (the
zip did not change) downloads nothing; a changed zip is downloaded and imported,
member by member only where its size or CRC-32 changed (:mod:`qarchive.jobs.imports.zips`).
The questions a checked zip holds are *covered*: their latest content is saved,
and the refresh does not ask for them one by one. A zip that cannot be had
tonight (a server error, a truncated file) is noted: its questions, as the last
import saw them, wait for the next night rather than cost a request each.

The date the current legislature's zips were last written (their Last-Modified)
tells the daily publication lists a refresh still needs: those of that day
onwards, since what was published before it is in the zips.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from qarchive.errors import ArchiveWriteError, FetchError, HTTPStatusError, UsageError
from qarchive.http import Client, Validators
from qarchive.jobs.imports.dispatch import import_file
from qarchive.jobs.imports.members import MAX_BULK_BYTES
from qarchive.model.ids import QuestionId
from qarchive.settings import Clock, Settings
from qarchive.sources.an.bulk import BULK_KINDS, dataset_name, question_of_member
from qarchive.sources.an.urls import bulk_url
from qarchive.store.archive import Archive
from qarchive.store.bulk import BulkManifests
from qarchive.store.layout import TEMP_PREFIX
from qarchive.store.versions import SaveResult

__all__ = [
    "FIRST_BULK_LEGISLATURE",
    "BulkCheck",
    "covered_by_last_imports",
    "refresh_bulk",
    "zip_legislatures",
]

FIRST_BULK_LEGISLATURE = 15  # one JSON per question in a zip since the XVth (2019)


@dataclass(slots=True)
class BulkCheck:
    """What the zips told a refresh: the questions they hold, and what went wrong."""

    covered: set[QuestionId] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    failed: int = 0  # members refused or failed, over every zip
    # The UTC day the latest legislature's zips were written (the oldest of them),
    # None when one could not be had or did not say: questions published before
    # that day are in the zips.
    as_of: dt.date | None = None


def refresh_bulk(
    archive: Archive,
    settings: Settings,
    client: Client,
    *,
    legislatures: Iterable[int],
    now: Clock,
    on_saved: Callable[[QuestionId, SaveResult], None],
    full: bool = False,
) -> BulkCheck:
    """Check and import the zips of ``legislatures``; the caller holds the lock.

    ``full``: download and read every zip whole (``refresh --all``).

    Raises:
        ArchiveWriteError: the archive cannot be written.
    """
    check = BulkCheck()
    manifests = BulkManifests(archive.layout)
    kept = zip_legislatures(legislatures)
    written: list[dt.date | None] = []  # the latest legislature's zips, as of when
    for legislature in kept:
        for kind, (folder, file) in BULK_KINDS.items():
            dataset = dataset_name(legislature, kind)
            url = bulk_url(legislature, folder, file, settings)
            manifest = manifests.read(dataset)
            known = _questions(manifest.members)
            stored = manifest.validators if manifest.url == url and not full else None
            temp = archive.root / f"{TEMP_PREFIX}bulk-{dataset}-{os.getpid()}.zip"
            try:
                fetched = client.download(
                    url, temp, max_bytes=MAX_BULK_BYTES, validators=Validators.from_stored(stored)
                )
                if legislature == kept[-1]:
                    said = fetched.validators.last_modified
                    if fetched.not_modified and stored:
                        said = said or stored.get("last_modified")
                    written.append(_day(said))
                if not fetched.not_modified:
                    summary = import_file(
                        temp,
                        archive=archive,
                        max_member_bytes=settings.max_bytes,
                        source_url=url,
                        now=now,
                        on_saved=on_saved,
                        full=full,
                        validators=fetched.validators.stored(),
                    )
                    check.failed += len(summary.problems)
                    known = _questions(manifests.read(dataset).members)
            except HTTPStatusError as exc:
                if exc.status_code not in (404, 410):  # no such dataset for the legislature
                    check.notes.append(f"{dataset} not checked tonight: {exc}")
                    check.failed += 1
                    written.append(None)
            except (FetchError, UsageError) as exc:
                check.notes.append(f"{dataset} not checked tonight: {exc}")
                check.failed += 1
                written.append(None)
            except OSError as exc:
                raise ArchiveWriteError.from_os_error(temp, exc) from None
            finally:
                with contextlib.suppress(OSError):
                    temp.unlink(missing_ok=True)
            check.covered |= known
    if written and None not in written:
        check.as_of = min(day for day in written if day is not None)
    return check


def zip_legislatures(held: Iterable[int], only: int | None = None) -> list[int]:
    """The legislatures whose zips a refresh asks for: those ``held`` that have zips, within ``only``."""
    return sorted(
        number
        for number in set(held)
        if number >= FIRST_BULK_LEGISLATURE and only in (None, number)
    )


def covered_by_last_imports(archive: Archive, legislatures: Iterable[int]) -> set[QuestionId]:
    """The questions the last imported zips of ``legislatures`` held (no request made)."""
    manifests = BulkManifests(archive.layout)
    covered: set[QuestionId] = set()
    for legislature in set(legislatures):
        for kind in BULK_KINDS:
            covered |= _questions(manifests.read(dataset_name(legislature, kind)).members)
    return covered


def _questions(members: Iterable[str]) -> set[QuestionId]:
    return {qid for name in members if (qid := question_of_member(name)) is not None}


def _day(last_modified: str | None) -> dt.date | None:
    """The UTC day of an HTTP date (``Last-Modified``); None when absent or unreadable."""
    if not last_modified:
        return None
    try:
        return email.utils.parsedate_to_datetime(last_modified).astimezone(dt.UTC).date()
    except (TypeError, ValueError):
        return None
