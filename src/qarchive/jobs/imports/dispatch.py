"""``qarchive import``: tell what an open-data file is, and hand it to its importer.

AN questions (a legislature's zip, one JSON, legislature XIV's file:
:mod:`qarchive.jobs.imports.an`), the Sénat's rolling-year CSV and full dump
(:mod:`qarchive.jobs.imports.senat`), or the AN reference data, AMO
(:mod:`qarchive.jobs.imports.amo`). A URL is downloaded first (:func:`local_copy`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from qarchive.errors import UsageError
from qarchive.http import Client
from qarchive.jobs.imports.amo import import_references, is_reference_file
from qarchive.jobs.imports.an import QuestionsRun, import_questions
from qarchive.jobs.imports.members import MAX_BULK_BYTES, read_members, zip_or_none
from qarchive.jobs.imports.senat import SenatRun, import_senat, senat_format
from qarchive.jobs.imports.summary import ImportProblem, ImportSummary
from qarchive.model.ids import QuestionId
from qarchive.settings import Clock, Settings, utc_now
from qarchive.store.archive import Archive
from qarchive.store.bulk import Validators
from qarchive.store.layout import TEMP_PREFIX
from qarchive.store.versions import SaveResult

__all__ = ["import_file", "local_copy"]


def import_file(
    path: Path,
    *,
    archive: Archive,
    max_member_bytes: int,
    source_url: str | None = None,
    now: Clock = utc_now,
    on_item: Callable[[int, int | None], None] | None = None,
    workers: int | None = None,
    on_saved: Callable[[QuestionId, SaveResult], None] | None = None,
    full: bool = False,
    validators: Validators | None = None,
) -> ImportSummary:
    """Import every question (or actor and organ) of an open-data file into the archive.

    The caller holds the archive lock.

    Args:
        path: a ``.zip`` of per-question JSON files, a per-question ``.json``, or the
            legislature-XIV ``.json`` holding ``questionsEcrites.question[]``; or a
            Sénat ``questions-depuis-un-an.csv``, ``questions.zip`` or ``questions.sql``;
            or the AN actors and organs zip, AMO (:mod:`qarchive.jobs.imports.amo`).
        archive: where to save.
        max_member_bytes: refuse any single question larger than this.
        source_url: where the file came from, kept in each record's source.
        now: the clock, for ``fetched_at``.
        on_item: called after each question with (done, total or None), for progress.
        workers: worker processes for AN questions (:func:`qarchive.jobs.imports.an.import_questions`).
        on_saved: called with each AN question saved from a zip (new, updated or unchanged).
        full: read every member of an AN zip, even those unchanged since the last import.
        validators: the zip's HTTP validators, kept for the next conditional GET.

    Raises:
        UsageError: the file is not a zip or JSON file qarchive can import.
        ArchiveWriteError: the archive cannot be written (disk full, read-only).
    """
    summary = ImportSummary()
    origin = source_url or path.resolve().as_uri()
    fetched_at = now()
    # A zip's directory is read once (its cost grows with the members:
    # bench/README.md), and each step below looks at it.
    with zip_or_none(path) as bundle:
        names = None if bundle is None else bundle.namelist()
        if is_reference_file(path, names=names):  # AN actors, mandates and organs
            with contextlib.closing(read_members(path, max_member_bytes, bundle)) as members:
                found = import_references(
                    members,
                    archive=archive,
                    source_url=origin,
                    fetched_at=fetched_at,
                    on_item=on_item,
                )
            problems = [ImportProblem(member, reason) for member, reason in found.problems]
            return ImportSummary(
                found.read, found.new, found.updated, found.unchanged, problems, found.named
            )
        if (senat := senat_format(path, names)) is not None:
            run = SenatRun(archive, origin, fetched_at, summary, max_member_bytes, on_item)
            with archive.index_batch():
                import_senat(path, senat, run, bundle)
            return summary
        with archive.index_batch() as batch:
            questions = QuestionsRun(
                archive,
                batch,
                origin,
                fetched_at,
                summary,
                max_member_bytes,
                on_item,
                on_saved=on_saved,
                full=full,
                url=source_url,
                validators=validators,
            )
            import_questions(path, questions, workers=workers, bundle=bundle)
    return summary


@contextlib.contextmanager
def local_copy(
    source: str, *, settings: Settings, workdir: Path
) -> Iterator[tuple[Path, str | None]]:
    """A local path for ``source``: the file itself, or a download of its URL.

    A download goes to a temporary file in ``workdir`` (the archive, so that it
    is on the same disk) and is removed afterwards.

    Raises:
        UsageError: a local file that does not exist.
        FetchError: the download failed (host not configured, HTTP error, ...).
    """
    if "://" not in source:
        path = Path(source)
        if not path.is_file():
            raise UsageError(f"{source} is not a file; give a zip or JSON file, or its URL")
        yield path, None
        return
    workdir.mkdir(parents=True, exist_ok=True)
    temp = workdir / f"{TEMP_PREFIX}import-{os.getpid()}"
    try:
        with Client(settings) as client:
            client.download(source, temp, max_bytes=MAX_BULK_BYTES)
        yield temp, source
    finally:
        temp.unlink(missing_ok=True)
