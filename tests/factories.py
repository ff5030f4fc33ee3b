"""Small hand-built records for tests that are not about parsing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from qarchive.model.ids import Chamber
from qarchive.model.question import (
    Answer,
    Author,
    Group,
    Ministry,
    Publication,
    Question,
    Source,
    SourceFormat,
    Status,
)

NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


def make_question(**overrides: Any) -> Question:
    """The seed question 15-12526QE, pending, built by hand."""
    fields: dict[str, Any] = {
        "id": "15-12526QE",
        "chamber": Chamber.AN,
        "legislature": 15,
        "number": 12526,
        "kind": "QE",
        "url": "https://www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE12526",
        "title": "Privatisation du centre d’appels de l’ANTS",
        "author": Author(
            name="Ugo Bernalicis",
            civility="M.",
            group=Group(full="La France insoumise"),
            department="Nord",
        ),
        "ministry_asked": Ministry(name="Intérieur"),
        "ministry_responding": Ministry(name="Intérieur"),
        "published": Publication(date=dt.date(2018, 10, 2)),
        "text": "M. Ugo Bernalicis attire l’attention de M. le ministre d’État…",
        "status": Status.PENDING,
        "source": Source(format=SourceFormat.AN_DYN_HTML, url="https://example/dyn"),
    }
    fields.update(overrides)
    return Question(**fields)


def answered(question: Question, text: str = "Réponse du ministre.") -> Question:
    """The same question with an answer published on 2019-01-15."""
    answer = Answer(
        published=Publication(date=dt.date(2019, 1, 15), page=412),
        ministry=question.ministry_responding,
        text=text,
    )
    return question.model_copy(update={"answer": answer, "status": Status.ANSWERED})
