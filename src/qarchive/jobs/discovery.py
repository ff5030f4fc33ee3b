"""What a nightly refresh needs to fetch that it does not know of: discovery, both chambers.

The AN: its daily open-data publication lists, one request a day since the last
run (:func:`discover_an`).

The Sénat: found with two requests.

The rolling-year CSV (``questions-depuis-un-an.csv``) gives the state of every
question of the last twelve months: its sort (pending, answered...) and answer
date. Comparing it with the index tells which questions are new, which changed,
and which pending ones certainly did not, so that a night costs a couple of
requests and the pages of what changed, not one page per pending question.
The yearly index page ``/questions/base/{YYYY}/`` adds questions published since
the CSV was written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from dataclasses import dataclass, field

from qarchive.errors import FetchError, ParseError
from qarchive.http import Client
from qarchive.index.lookups import question_states
from qarchive.model.ids import QuestionId, parse_question_id
from qarchive.settings import Settings
from qarchive.sources.an.discovery import ids_from_publication_list
from qarchive.sources.an.urls import publication_list_url
from qarchive.sources.senat import discovery, opendata_csv
from qarchive.sources.senat.urls import csv_url, year_index_url
from qarchive.store.archive import Archive

__all__ = ["MAX_DISCOVERY_DAYS", "SenatDiscovery", "discover_an", "discover_senat"]

MAX_DISCOVERY_DAYS = 14  # never walk back further than this through the daily lists


def discover_an(
    client: Client, settings: Settings, *, since: dt.date, today: dt.date, notes: list[str]
) -> list[QuestionId]:
    """Questions named by the AN's daily open-data publication lists from ``since`` to today.

    A day without a list (404) is skipped; any other failure is noted and ends
    the discovery, never the refresh.
    """
    found: dict[QuestionId, None] = {}
    day = max(since, today - dt.timedelta(days=MAX_DISCOVERY_DAYS))
    while day <= today:
        try:
            content = client.get(publication_list_url(day, settings)).content
        except FetchError as exc:
            if getattr(exc, "status_code", None) != 404:
                notes.append(f"discovery stopped at {day}: {exc}")
                break
        else:
            found.update(dict.fromkeys(ids_from_publication_list(content)))
        day += dt.timedelta(days=1)
    return list(found)


@dataclass(slots=True)
class SenatDiscovery:
    """New or changed Sénat questions to fetch, and those the CSV shows unchanged."""

    found: list[QuestionId] = field(default_factory=list)
    unchanged: set[QuestionId] = field(default_factory=set)


def discover_senat(
    client: Client,
    settings: Settings,
    archive: Archive,
    *,
    since: dt.date,
    today: dt.date,
    notes: list[str],
) -> SenatDiscovery:
    """Compare the Sénat's rolling-year CSV and this year's index page with the archive.

    A question is *found* when the archive lacks it and it was published or
    answered from ``since`` to ``today`` (the AN's daily lists give the same
    window), or when the CSV's status or answer date differ from the index; it is
    *unchanged* when both agree. A source that fails is noted and skipped:
    discovery never fails a refresh.
    """
    result = SenatDiscovery()
    states: dict[QuestionId, tuple[str, str | None]] = {}
    recent: set[QuestionId] = set()
    url = csv_url(settings)
    try:
        content = client.get(url).content
        for item in opendata_csv.iter_records(io.BytesIO(content), url=url):
            if isinstance(item, opendata_csv.ParsedRow):
                record = item.record
                answered = record.answer.published.date.isoformat() if record.answer else None
                qid = parse_question_id(record.id)
                states[qid] = (record.status.value, answered)
                dates = [record.published.date] + (
                    [record.answer.published.date] if record.answer else []
                )
                if any(since <= day <= today for day in dates):
                    recent.add(qid)
    except (FetchError, ParseError, ValueError) as exc:
        notes.append(f"Sénat discovery: the rolling-year CSV was skipped ({exc})")
    known = _index_states(archive, list(states))
    for qid, state in states.items():
        archived = known.get(qid.canonical)
        if archived == state:
            result.unchanged.add(qid)
        elif archived is not None or qid in recent:
            result.found.append(qid)
    index_url = year_index_url(today.year, settings)
    try:
        linked = discovery.references_from_year_index(
            client.get(index_url).content, year=today.year
        )
    except FetchError as exc:
        notes.append(f"Sénat discovery: the {today.year} index page was skipped ({exc})")
        linked = []
    in_index = _index_states(archive, linked)
    # The page lists the whole year: only months from the discovery window are new.
    window = (since.year, since.month)
    result.found += [
        qid
        for qid in linked
        if qid.canonical not in in_index and qid not in states and (qid.year, qid.month) >= window
    ]
    return result


def _index_states(archive: Archive, qids: list[QuestionId]) -> dict[str, tuple[str, str | None]]:
    """``id → (status, answer date)`` for those of ``qids`` the index holds."""
    if not qids:
        return {}
    with contextlib.closing(archive.open_index()) as connection:
        return question_states(connection, [qid.canonical for qid in qids])
