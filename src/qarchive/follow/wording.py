"""How qarchive words what happened to a question, wherever it says so.

The events' summaries (notifications, ``watch``, ``digest``) and the Atom feeds'
titles use these phrases, so that one happening reads the same everywhere:
``15-12526QE answered on 2019-01-15 after 105 days: …``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qarchive.model.question import Question

__all__ = ["answered_words", "closing_words", "closure_reason", "new_question_words"]


def new_question_words(published: dt.date) -> str:
    """``new question, published 2018-10-02``."""
    return f"new question, published {published.isoformat()}"


def answered_words(day: dt.date, delay: int | None) -> str:
    """``answered on 2019-01-15 after 105 days``."""
    return f"answered on {day.isoformat()} after {delay} days"


def closing_words(status: str, day: dt.date | None, reason: str | None) -> str:
    """``withdrawn on 2019-01-10 (Retrait à l'initiative de l'auteur)``."""
    when = f" on {day.isoformat()}" if day else ""
    because = f" ({reason})" if reason else ""
    return f"{status}{when}{because}"


def closure_reason(record: Question) -> str | None:
    """Why a question was closed, as published, else its closure code."""
    closed = record.closed
    return (closed.reason or closed.code) if closed is not None else None
