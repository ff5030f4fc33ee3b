"""Where each Sénat source is served, from the configured base URLs."""

from __future__ import annotations

from qarchive.model.ids import QuestionId
from qarchive.settings import Settings
from qarchive.sources.an.urls import SourceURL

__all__ = ["csv_url", "dump_url", "page_url", "source_urls", "year_index_url"]


def page_url(qid: QuestionId, settings: Settings) -> str:
    """The question's page: ``{senat_url}/questions/base/{YYYY}/qSEQ….html``."""
    return f"{settings.senat_url}/questions/base/{qid.year}/q{qid.canonical}.html"


def year_index_url(year: int, settings: Settings) -> str:
    """The page listing every question published in ``year``."""
    return f"{settings.senat_url}/questions/base/{year}/"


def csv_url(settings: Settings) -> str:
    """The rolling year of questions, ``questions-depuis-un-an.csv``."""
    return f"{settings.senat_data_url}/data/questions/questions-depuis-un-an.csv"


def dump_url(settings: Settings) -> str:
    """The full dump of every question since 1978, ``questions.zip``."""
    return f"{settings.senat_data_url}/data/questions/questions.zip"


def source_urls(qid: QuestionId, settings: Settings) -> list[SourceURL]:
    """The URLs to try for a Sénat question: its page, the one source that has it all."""
    return [SourceURL(page_url(qid, settings), "html", has_names=True)]
