"""Where each AN format of a question is served, from the configured base URLs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from qarchive.model.ids import QuestionId
from qarchive.settings import Settings

__all__ = ["SourceURL", "bulk_url", "publication_list_url", "source_urls"]


@dataclass(frozen=True, slots=True)
class SourceURL:
    """One place to fetch a question from; ``extension`` names its raw capture."""

    url: str
    extension: str
    has_names: bool  # does this format name the author (not just a PA… reference)?


def source_urls(qid: QuestionId, settings: Settings) -> list[SourceURL]:
    """The URLs to try for an AN question, richest source first.

    The open-data JSON carries the attribution history, signalements and closure
    code; the ``/dyn`` page and the legacy ``.htm`` carry names, and are the only
    source for old legislatures.
    """
    return [
        SourceURL(f"{settings.an_url}/dyn/opendata/{qid.uid}.json", "json", has_names=False),
        SourceURL(f"{settings.an_url}/dyn/{qid.legislature}/questions/{qid.uid}", "html", True),
        SourceURL(
            f"{settings.an_questions_url}/q{qid.legislature}/{qid.canonical}.htm", "htm", True
        ),
    ]


def publication_list_url(day: dt.date, settings: Settings) -> str:
    """The AN's open-data list of what was published on ``day`` (a CSV naming questions)."""
    return f"{settings.an_url}/dyn/opendata/list-publication/publication_{day.isoformat()}.csv"


def bulk_url(legislature: int, folder: str, file: str, settings: Settings) -> str:
    """A legislature's zip of questions of one kind on the AN's open-data host."""
    return (
        f"{settings.an_data_url}/static/openData/repository/{legislature}/questions/{folder}/{file}"
    )
