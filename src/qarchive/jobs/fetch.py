"""The main job: fetch a question, parse it, enrich it, save a version if it changed.

``fetch → detect → parse → enrich → save``, with each step its own module; this
one only orders them, chooses among sources and records the outcome of each
check (:meth:`qarchive.store.archive.Archive.record_check`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from qarchive.errors import (
    ArchiveDamaged,
    ArchiveWriteError,
    FetchError,
    HTTPStatusError,
    InvalidQuestionId,
    ParseError,
    QarchiveError,
    UsageError,
)
from qarchive.http import Client, Fetched, Validators
from qarchive.jobs.enrich import enrich, save_question
from qarchive.jobs.resolve import resolve_question_id
from qarchive.model.ids import Chamber, QuestionId, parse_question_id
from qarchive.model.question import AUTHOR_PLACE_FIELDS, Question
from qarchive.settings import Clock, Settings, utc_now
from qarchive.sources import parse
from qarchive.sources.an import urls as an_urls
from qarchive.sources.an.urls import SourceURL
from qarchive.sources.senat import urls as senat_urls
from qarchive.store.archive import Archive
from qarchive.store.raw import RawCapture
from qarchive.store.state import ErrorInfo
from qarchive.store.versions import SaveOutcome, SaveResult

__all__ = [
    "FetchReport",
    "fetch_question",
    "fetch_questions",
    "name_questions",
    "parse_ids",
    "save_page",
]

_NOT_FOUND = frozenset({404, 410})


@dataclass(frozen=True, slots=True)
class FetchReport:
    """What happened to one question of a fetch run."""

    qid: QuestionId
    result: SaveResult | None = None
    error: QarchiveError | None = None
    source_url: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the question was fetched (whether or not it changed)."""
        return self.error is None


def parse_ids(
    texts: Iterable[str], *, settings: Settings, archive: Archive | None = None
) -> list[QuestionId]:
    """Parse every ID or URL first, so a typo stops the run before any request.

    Duplicates (the same question in two spellings) are fetched once. With an
    ``archive``, a bare Sénat number it holds once is accepted
    (:func:`resolve_question_id`).

    Raises:
        InvalidQuestionId: for the first text in no accepted form.
    """
    seen: dict[QuestionId, None] = {}
    for text in texts:
        qid = resolve_question_id(text, archive=archive, extra_hosts=settings.allowed_hosts)
        seen.setdefault(qid, None)
    return list(seen)


def source_urls(qid: QuestionId, settings: Settings) -> list[SourceURL]:
    """The places to fetch a question from, richest first, for either chamber."""
    if qid.chamber is Chamber.SENAT:
        return senat_urls.source_urls(qid, settings)
    return an_urls.source_urls(qid, settings)


def fetch_questions(
    qids: Iterable[QuestionId],
    *,
    settings: Settings,
    archive: Archive,
    client: Client | None = None,
    now: Clock = utc_now,
    on_start: Callable[[QuestionId], None] | None = None,
) -> Iterator[FetchReport]:
    """Fetch each question and save what changed; yields one report per question.

    ``on_start`` is called with each question before its first request (a
    progress bar names the question being fetched).

    Failures are reported, recorded in ``state.json`` and never stop the run,
    except an archive that cannot be written (disk full, read-only): every next
    question would fail the same way. The caller holds the archive lock. The
    check times are written to ``checks.json`` once, when the last question is done.

    Raises:
        ArchiveWriteError: a file of the archive cannot be written.
    """
    owned = client is None
    http = client if client is not None else Client(settings)
    try:
        with archive.checks_flushed():
            for qid in qids:
                if on_start is not None:
                    on_start(qid)
                try:
                    report = fetch_question(
                        qid, settings=settings, archive=archive, client=http, now=now
                    )
                except ArchiveWriteError:
                    raise
                except QarchiveError as exc:
                    report = _failed(archive, qid, exc, now)
                except Exception as exc:  # one question's bug stops that question only
                    report = _failed(
                        archive, qid, QarchiveError.unexpected(exc, what=str(qid)), now
                    )
                yield report
    finally:
        if owned:
            http.close()


def _failed(archive: Archive, qid: QuestionId, exc: QarchiveError, now: Clock) -> FetchReport:
    """Record a failed check in the question's state (unless it is damaged); its report."""
    if not isinstance(exc, ArchiveDamaged):
        error = ErrorInfo(at=now(), message=str(exc), url=exc.url)
        with contextlib.suppress(ArchiveDamaged):  # a state that cannot be written: said once
            archive.record_check(qid, at=now(), error=error)
    return FetchReport(qid, error=exc)


def fetch_question(
    qid: QuestionId,
    *,
    settings: Settings,
    archive: Archive,
    client: Client,
    now: Clock = utc_now,
) -> FetchReport:
    """Fetch one question from the first source that answers and parses, and save it.

    Sources are tried richest first (AN: open-data JSON, ``/dyn`` page, legacy
    ``.htm``; Sénat: the question page). When the chosen source names the author only by reference, the
    name is filled from a page that shows it (``source.names_from``).

    Raises:
        FetchError: no source answered (the most telling error is raised).
        ParseError: sources answered but none in a known layout.
        ArchiveDamaged: the current version on disk cannot be read.
    """
    state = archive.read_state(qid)
    # Read once, before any request: the answer to a conditional GET, the enrichment
    # and the save all start from it (and a damaged version is reported, not hidden).
    previous = archive.latest(qid)
    candidates = source_urls(qid, settings)
    errors: list[QarchiveError] = []
    for index, source in enumerate(candidates):
        # Validators only with a version to fall back on: a 304 must have something to keep.
        stored = Validators.from_stored(state.validators_for(source.url)) if previous else None
        try:
            fetched = client.get(source.url, validators=stored)
            if fetched.not_modified and previous is not None:
                found = _freshened(stored, fetched.validators)
                archive.record_check(qid, at=now(), validators={source.url: found.stored()})
                result = SaveResult(SaveOutcome.UNCHANGED, previous.version)
                return FetchReport(
                    qid, result=result, source_url=source.url, notes=["not modified"]
                )
            record = _parse_checked(fetched, qid)
        except (FetchError, ParseError) as exc:
            errors.append(exc)
            continue
        raw = [RawCapture(fetched.url, fetched.content, source.extension)]
        notes: list[str] = []
        record = enrich(record, previous=previous, references=archive.references)
        # The open data names the author by reference only: a page that prints the
        # name is fetched when neither the last version nor the reference data has it,
        # once per question (a page that answers 404 tonight will tomorrow too).
        names_tried = record.author.name is None and state.names_tried_at is None
        if names_tried:
            record = _fill_names(record, qid, candidates[index + 1 :], client, raw, notes)
        result = archive.save(record, qid=qid, fetched_at=now(), raw=raw, previous=previous)
        validators = {source.url: fetched.validators.stored()}
        archive.record_check(qid, at=now(), validators=validators, names_tried=names_tried)
        return FetchReport(qid, result=result, source_url=fetched.url, notes=notes)
    raise _most_telling(qid, errors)


def name_questions(
    qids: Iterable[QuestionId],
    *,
    settings: Settings,
    archive: Archive,
    client: Client,
    now: Clock = utc_now,
) -> Iterator[FetchReport]:
    """Give archived questions their author's name from a page, once per question.

    For questions saved from bulk data while no reference data names their
    author: the pages that print names are tried once (recorded in ``state.json``),
    never night after night. The caller holds the lock.

    Raises:
        ArchiveWriteError: the archive cannot be written.
    """
    for qid in qids:
        try:
            report = _name_question(qid, settings=settings, archive=archive, client=client, now=now)
        except ArchiveWriteError:
            raise
        except QarchiveError as exc:
            report = FetchReport(qid, error=exc)
        except Exception as exc:  # one question's bug stops that question only
            report = FetchReport(qid, error=QarchiveError.unexpected(exc, what=str(qid)))
        if report is not None:
            yield report


def _name_question(
    qid: QuestionId, *, settings: Settings, archive: Archive, client: Client, now: Clock
) -> FetchReport | None:
    previous = archive.latest(qid)
    if previous is None or previous.record.author.name is not None:
        return None
    if archive.read_state(qid).names_tried_at is not None:
        return None
    raw: list[RawCapture] = []
    notes: list[str] = []
    pages = source_urls(qid, settings)
    record = _fill_names(previous.record, qid, pages, client, raw, notes)
    record = enrich(record, previous=previous, references=archive.references)
    result = archive.save(record, qid=qid, fetched_at=now(), raw=raw, previous=previous)
    archive.record_check(qid, at=now(), names_tried=True)
    return FetchReport(qid, result=result, notes=notes)


def _freshened(stored: Validators | None, answered: Validators) -> Validators:
    """The validators after a 304: the answer's, and the stored ones it does not repeat.

    A server need not repeat Last-Modified in a 304 (RFC 9110 §15.4.5); what the
    answer leaves out still describes the unchanged resource (RFC 9111 §4.3.4).
    """
    if stored is None:
        return answered
    return Validators(
        etag=answered.etag or stored.etag,
        last_modified=answered.last_modified or stored.last_modified,
    )


def _parse_checked(fetched: Fetched, qid: QuestionId) -> Question:
    record = parse(fetched.content, url=fetched.url)
    if record.id != qid.canonical:
        raise ParseError(f"{fetched.url} holds question {record.id}, not {qid}", url=fetched.url)
    return record


def _fill_names(
    record: Question,
    qid: QuestionId,
    pages: list[SourceURL],
    client: Client,
    raw: list[RawCapture],
    notes: list[str],
) -> Question:
    """Take the author's name and place from a page; keep the references on failure."""
    for page in (p for p in pages if p.has_names):
        try:
            fetched = client.get(page.url)
            named = _parse_checked(fetched, qid)
        except (FetchError, ParseError) as exc:
            notes.append(f"names not filled from {page.url}: {exc}")
            continue
        if named.author.name is None or (
            named.author.ref is not None and named.author.ref != record.author.ref
        ):
            continue  # a different person (homonyms exist): never mix two records
        author = record.author.model_copy(
            update={
                key: getattr(named.author, key)
                for key in AUTHOR_PLACE_FIELDS
                if getattr(named.author, key) is not None
            }
        )
        raw.append(RawCapture(fetched.url, fetched.content, page.extension))
        source = record.source.model_copy(update={"names_from": fetched.url})
        return record.model_copy(update={"author": author, "source": source})
    notes.append("author known only by reference")
    return record


def _most_telling(qid: QuestionId, errors: list[QarchiveError]) -> QarchiveError:
    telling = [
        e for e in errors if not (isinstance(e, HTTPStatusError) and e.status_code in _NOT_FOUND)
    ]
    if telling:
        return telling[0]
    # Only 404s and 410s are left: name the statuses actually received.
    statuses = sorted({e.status_code for e in errors if isinstance(e, HTTPStatusError)}) or [404]
    return HTTPStatusError(
        f"{qid} was not found at any source (HTTP {'/'.join(map(str, statuses))} from each of "
        f"{', '.join(e.url or '?' for e in errors)})",
        status_code=statuses[0],
        url=errors[0].url if errors else None,
    )


def _check_page_url(url: str, qid: QuestionId, hosts: Collection[str]) -> None:
    try:
        named = parse_question_id(url, extra_hosts=hosts)
    except InvalidQuestionId as exc:
        reason = str(exc).partition(": expected ")[0]  # the list of every form: not here
        raise UsageError(
            f"--url: {reason}; give the address the page of {qid} came from, on the "
            f"configured hosts ({', '.join(sorted(hosts))})"
        ) from None
    if named != qid:
        raise UsageError(
            f"--url {url!r} is the address of {named}, but the page holds {qid}: give the "
            f"address the page of {qid} came from"
        )
    if "@" in urlsplit(url).netloc:  # a user name or password: no site's own address has one
        raise UsageError(f"--url {url!r} is not a site's own address: it names a user")


def save_page(
    content: bytes,
    *,
    url: str,
    archive: Archive,
    now: Clock = utc_now,
    extension: str = "html",
    hosts: Collection[str] | None = None,
) -> FetchReport:
    """Run the parse-and-save half of the pipeline on saved bytes (``--from-file``).

    With ``hosts`` (``--url``: where the user says the page came from), ``url``
    must be an address of the page's own question, on one of ``hosts`` or on the
    parliament's sites: it becomes the record's source, which nothing else checks.

    Raises:
        ParseError: the content is not a question in a known layout.
        UsageError: ``url`` is not an address of the page's question.
    """
    record = parse(content, url=url)
    qid = parse_question_id(record.id)
    if hosts is not None:
        _check_page_url(url, qid, hosts)
    result = save_question(
        archive, record, qid=qid, fetched_at=now(), raw=[RawCapture(url, content, extension)]
    )
    return FetchReport(qid, result=result, source_url=url)
