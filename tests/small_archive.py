"""A ten-question archive with known dates, statuses, ministries, groups and authors.

The figures the stats and export tests expect are worked out by hand from this
table (today = 2026-11-23):

    id      ministry   group  author (ref)            published   status     answered    delay
    15-1QE  Intérieur  LFI    Ugo Bernalicis (PA1)    2018-01-10  answered   2018-01-20  10
    15-2QE  Intérieur  LFI    Ugo Bernalicis (PA1)    2018-02-01  answered   2018-02-21  20
    15-3QE  Intérieur  RN     Marine Dupont (PA2)     2018-12-31  answered   2019-03-01  60 *
    15-4QE  Intérieur  RN     Marine Dupont (PA2)     2018-02-01  pending    (overdue)
    15-5QE  Intérieur  LFI    Ugo Bernalicis (PA1)    2018-04-01  lapsed
    15-6QE  Armées     RN     Marine Dupont (PA2)     2018-05-01  withdrawn
    16-7QE  Armées     LFI    Ugo Bernalicis (PA3) †  2023-01-05  answered   2023-03-06  60
    16-10QE Santé      LFI    Sophie Petit (PA4)      2023-02-01  answered   2023-03-15  42 ‡
    17-8QE  Armées     —      Jean Martin (no ref)    2026-11-01  pending    (not yet due)
    17-9QE  Santé      —      Jean Martin (no ref)    2026-10-01  pending    (overdue ‡)

    *  2018-12-31 + 2 months is 2019-02-28 (not SQLite's 2019-03-03): not within 2 months.
    †  a homonym of PA1: a separate author.
    ‡  signalée: the ten-day deadline passed, yet 16-10QE was answered within 2 months;
       17-9QE is overdue only because of its signalement (2026-10-20 + 10 days).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from factories import NOW, make_question
from qarchive.model.ids import parse_question_id
from qarchive.model.question import (
    Answer,
    Author,
    Closure,
    Group,
    Ministry,
    Publication,
    Question,
    Signalement,
    Status,
)
from qarchive.store.archive import Archive

__all__ = ["RECORDS", "TODAY", "build_archive"]

TODAY = dt.date(2026, 11, 23)
LFI = Group(short="LFI", full="La France insoumise")
RN = Group(short="RN", full="Rassemblement national")
UGO = Author(name="Ugo Bernalicis", civility="M.", ref="PA1", group=LFI, department="Nord")
MARINE = Author(name="Marine Dupont", civility="Mme", ref="PA2", group=RN, constituency="Var")
UGO_HOMONYM = Author(name="Ugo Bernalicis", civility="M.", ref="PA3", group=LFI)
SOPHIE = Author(name="Sophie Petit", civility="Mme", ref="PA4", group=LFI)
JEAN = Author(name="Jean Martin", civility="M.")


def _question(
    qid: str,
    ministry: str,
    author: Author,
    published: dt.date,
    *,
    status: Status = Status.PENDING,
    answered_on: dt.date | None = None,
    closed: Closure | None = None,
    signalement: dt.date | None = None,
) -> Question:
    legislature, number = qid.removesuffix("QE").split("-")
    answer = None
    if answered_on is not None:
        answer = Answer(
            published=Publication(date=answered_on, page=100 + int(number)),
            ministry=Ministry(name=ministry),
            text=f"Réponse à la question {qid}.",
        )
        closed = Closure(date=answered_on, code="REP_PUB", reason="Réponse publiée")
    return make_question(
        id=qid,
        legislature=int(legislature),
        number=int(number),
        url=f"https://www.assemblee-nationale.fr/dyn/{legislature}/questions/QANR5L{legislature}QE{number}",
        title=f"Question {qid} sur les éoliennes" if number == "7" else f"Question {qid}",
        rubrique="énergie" if number == "7" else "sécurité",
        author=author,
        ministry_asked=Ministry(name=ministry),
        ministry_responding=Ministry(name=ministry),
        published=Publication(date=published, page=int(number)),
        text=f"Texte de la question {qid}.\n\nSecond paragraphe, « guillemets », 1,5 %.",
        status=Status.ANSWERED if answer else status,
        answer=answer,
        closed=closed,
        signalements=[Signalement(published=signalement)] if signalement else [],
    )


RECORDS = [
    _question("15-1QE", "Intérieur", UGO, dt.date(2018, 1, 10), answered_on=dt.date(2018, 1, 20)),
    _question("15-2QE", "Intérieur", UGO, dt.date(2018, 2, 1), answered_on=dt.date(2018, 2, 21)),
    _question(
        "15-3QE", "Intérieur", MARINE, dt.date(2018, 12, 31), answered_on=dt.date(2019, 3, 1)
    ),
    _question("15-4QE", "Intérieur", MARINE, dt.date(2018, 2, 1)),
    _question(
        "15-5QE",
        "Intérieur",
        UGO,
        dt.date(2018, 4, 1),
        status=Status.LAPSED,
        closed=Closure(date=dt.date(2022, 6, 21), reason="Fin de mandat"),
    ),
    _question(
        "15-6QE",
        "Armées",
        MARINE,
        dt.date(2018, 5, 1),
        status=Status.WITHDRAWN,
        closed=Closure(date=dt.date(2018, 6, 1), code="RET"),
    ),
    _question(
        "16-7QE", "Armées", UGO_HOMONYM, dt.date(2023, 1, 5), answered_on=dt.date(2023, 3, 6)
    ),
    _question(
        "16-10QE",
        "Santé",
        SOPHIE,
        dt.date(2023, 2, 1),
        answered_on=dt.date(2023, 3, 15),
        signalement=dt.date(2023, 2, 10),
    ),
    _question("17-8QE", "Armées", JEAN, dt.date(2026, 11, 1)),
    _question("17-9QE", "Santé", JEAN, dt.date(2026, 10, 1), signalement=dt.date(2026, 10, 20)),
]


def build_archive(root: Path) -> Archive:
    """An archive at ``root`` holding :data:`RECORDS` (one version each) and its index."""
    archive = Archive(root)
    with archive.lock():
        for record in RECORDS:
            archive.save(record, qid=parse_question_id(record.id), fetched_at=NOW)
        archive.reindex()
    return archive
