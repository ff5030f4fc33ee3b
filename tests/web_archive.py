"""Archives for the web view's tests and screenshots: synthetic questions only.

:func:`build_web_archive` holds the ten questions of ``small_archive`` plus:

- 15-4QE in two versions: pending, then answered (the answer's text appears);
- SEQ180304125, a Sénat question in two versions: an erratum rewrote a paragraph;
- 15-11QE, whose title and text hold HTML and script, to check that pages escape them.

With ``many``, that many more questions (seeded, so the same every time) spread
over ministries, groups, legislatures and delays, for charts worth looking at.
Every text is written here; none comes from the real samples.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from factories import NOW, make_question
from qarchive.model.ids import Chamber, parse_question_id
from qarchive.model.question import (
    Answer,
    Author,
    Closure,
    Group,
    Ministry,
    Publication,
    Question,
    Source,
    SourceFormat,
    Status,
)
from qarchive.store.archive import Archive
from small_archive import RECORDS, TODAY

__all__ = ["HOSTILE_TITLE", "TODAY", "build_web_archive"]

HOSTILE_TITLE = '<script>alert("title")</script> Les <b>balises</b> & « entités »'
ANSWER_TEXT = (
    "Réponse synthétique, écrite pour les tests de qarchive : elle n'est pas celle du ministère.\n"
    "Le second paragraphe précise que les délais de délivrance des titres ont été réduits.\n"
    "Un troisième paragraphe, plus long, décrit les moyens engagés et le calendrier retenu."
)
SENAT_TEXT_V1 = (
    "M. Jean Exemple attire l'attention de Mme la ministre sur les délais de réponse.\n"
    "Il lui demande de lui indiquer les mesures envisagées pour les réduire."
)
SENAT_TEXT_V2 = (
    "M. Jean Exemple attire l'attention de Mme la ministre sur les délais de réponse aux questions écrites.\n"
    "Il lui demande de lui indiquer les mesures envisagées pour les réduire."
)
LATER = NOW + dt.timedelta(days=1)


def _answer(record: Question, on: dt.date, text: str) -> Question:
    answer = Answer(
        published=Publication(date=on, page=412), ministry=record.ministry_responding, text=text
    )
    closed = Closure(date=on, code="REP_PUB", reason="Réponse publiée")
    return record.model_copy(update={"answer": answer, "status": Status.ANSWERED, "closed": closed})


def _senat(text: str) -> Question:
    return make_question(
        id="SEQ180304125",
        chamber=Chamber.SENAT,
        legislature=15,
        number=4125,
        url="https://www.senat.fr/questions/base/2018/qSEQ180304125.html",
        title="Délais de réponse aux questions écrites",
        rubrique="Parlement",
        author=Author(
            name="Jean Exemple",
            civility="M.",
            group=Group(short="EX", full="Groupe exemple"),
            department="Yonne",
        ),
        ministry_asked=Ministry(name="Relations avec le Parlement"),
        ministry_responding=Ministry(name="Relations avec le Parlement"),
        published=Publication(date=dt.date(2018, 3, 22), page=1234),
        text=text,
        source=Source(
            format=SourceFormat.SENAT_HTML,
            url="https://www.senat.fr/questions/base/2018/qSEQ180304125.html",
        ),
    )


def _hostile() -> Question:
    return make_question(
        id="15-11QE",
        number=11,
        legislature=15,
        url="https://www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE11",
        title=HOSTILE_TITLE,
        rubrique="<i>sécurité</i>",
        text='Texte avec <img src=x onerror="alert(1)"> et </p><script>alert(2)</script> dedans.',
        published=Publication(date=dt.date(2018, 3, 1)),
    )


_MINISTRIES = [
    "Intérieur",
    "Armées",
    "Santé",
    "Économie",
    "Justice",
    "Éducation nationale",
    "Culture",
    "Agriculture",
]
_GROUPS = [
    Group(short="LFI", full="La France insoumise"),
    Group(short="RN", full="Rassemblement national"),
    Group(short="EPR", full="Ensemble pour la République"),
    Group(short="LR", full="Les Républicains"),
]


def _synthetic(count: int) -> list[Question]:
    chance = random.Random(22)
    records = []
    for number in range(100, 100 + count):
        legislature = chance.choice([15, 15, 16, 17])
        start = {15: dt.date(2017, 7, 1), 16: dt.date(2022, 7, 1), 17: dt.date(2024, 7, 20)}[
            legislature
        ]
        end = {15: dt.date(2022, 6, 1), 16: dt.date(2024, 6, 1), 17: TODAY}[legislature]
        published = start + dt.timedelta(days=chance.randrange((end - start).days))
        ministry = chance.choices(_MINISTRIES, weights=[8, 3, 5, 4, 3, 3, 1, 2])[0]
        record = make_question(
            id=f"{legislature}-{number}QE",
            number=number,
            legislature=legislature,
            url=f"https://www.assemblee-nationale.fr/dyn/{legislature}/questions/QANR5L{legislature}QE{number}",
            title=f"Question synthétique n° {number} : {chance.choice(['éoliennes', 'hôpitaux', 'écoles', 'routes', 'police', 'titres sécurisés'])}",
            author=Author(
                name=f"Député {chance.choice('ABCDEFGH')}",
                civility="M.",
                group=chance.choice(_GROUPS),
            ),
            ministry_asked=Ministry(name=ministry),
            ministry_responding=Ministry(name=ministry),
            published=Publication(date=published),
            text=f"Texte synthétique de la question {number}.",
        )
        delay = int(chance.lognormvariate(4.6 + 0.1 * _MINISTRIES.index(ministry), 0.5))
        if published + dt.timedelta(days=delay) < TODAY and chance.random() < 0.75:
            record = _answer(
                record, published + dt.timedelta(days=delay), f"Réponse synthétique {number}."
            )
        elif chance.random() < 0.1:
            closed = Closure(date=end, reason="Fin de mandat")
            record = record.model_copy(update={"status": Status.LAPSED, "closed": closed})
        records.append(record)
    return records


def build_web_archive(root: Path, *, many: int = 0, hostile: bool = True) -> Archive:
    """The archive described above, at ``root``, with its index (without 15-11QE: ``hostile``)."""
    archive = Archive(root)
    pending = next(record for record in RECORDS if record.id == "15-4QE")
    extra = [_hostile()] if hostile else []
    with archive.lock():
        for record in [*RECORDS, _senat(SENAT_TEXT_V1), *extra, *_synthetic(many)]:
            archive.save(record, qid=parse_question_id(record.id), fetched_at=NOW)
        answered = _answer(pending, dt.date(2019, 1, 15), ANSWER_TEXT)
        archive.save(answered, qid=parse_question_id("15-4QE"), fetched_at=LATER)
        archive.save(_senat(SENAT_TEXT_V2), qid=parse_question_id("SEQ180304125"), fetched_at=LATER)
    return archive
