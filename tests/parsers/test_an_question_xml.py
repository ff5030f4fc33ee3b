"""The AN legacy per-question XML parser: the real sample and hostile variants."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from qarchive.errors import ParseError, UnknownFormat
from qarchive.model.ids import Chamber
from qarchive.model.question import (
    Attribution,
    Closure,
    Erratum,
    Group,
    Ministry,
    Publication,
    Signalement,
    Source,
    SourceFormat,
    Status,
)
from qarchive.settings import DEFAULT_AN_QUESTIONS_URL, DEFAULT_AN_URL
from qarchive.sources.an.question_xml import parse

Golden = Callable[..., None]

URL = f"{DEFAULT_AN_QUESTIONS_URL}/q14/14-47351QE.htm/vue/xml"
DEFENSE_1 = Ministry(name="Défense", full_name="Ministère de la défense", ref="653280")
DEFENSE_2 = Ministry(name="Défense", full_name="Ministère de la défense", ref="700737")

# The answer's table, one line per row, cells joined by " | ", as read in the sample.
TABLE_ROWS = [
    "TYPE DE MATÉRIEL | NOMBRE DE MATÉRIEL en service | TAUX DE DISPONIBILITÉ moyen (en %)"
    " | ÂGE MOYEN des matériels (en années)"
    " | COÛT UNITAIRE DU MAINTIEN en condition opérationnelle en 2013 (en euros)",
    "au 31-12-2012 | au 31-12-2013 | sur la durée de l'année 2012 | sur la durée de l'année 2013",
    "AMX30B2 DT (char télécommandé, équipé d'outils de déminage pour permettre la création"
    " de brèches) | 10 | 10 | 23,30 | 37,60 | 12 | 194 588",
    "BUFFALO (équipement de protection contre les engins explosifs)"
    " | 5 | 5 | 44,50 | 25,40 | 5 | 30 262",
    "DISPERSEUR (équipement permettant la réalisation rapide d'un champ de mines antichars)"
    " | 18 | 15 | 46,30 | 40,30 | 16 | pas de marché",
    "EBG (engin destiné à appuyer les unités blindées en zone avant)"
    " | 42 | 42 | 22,00 | 24,90 | 20 | 190 013",
    "EFA (engin amphibie et ambidrome destiné à faire franchir tous les véhicules en dotation"
    " dans l'armée de terre) | 30 | 30 | 30,80 | 37,40 | 25 | 200 000",
    "EGAME (aide au déploiement - franchissement de brèches, amélioration du terrain,"
    " terrassement, création et amélioration de plateformes) | 35 | 35 | 63,50 | 53,70 | 5"
    " | 228 400",
    "EGRAP (aide au déploiement -aménagement et protection du terrain)"
    " | 138 | 138 | 67,90 | 53,70 | 4 | 2 756",
    "EMAD (aide au déploiement - aménagement et protection du terrain)"
    " | 45 | 45 | 32,70 | 28,10 | 17 | 12 191",
    "MADEZ (matériel de déminage de zone destiné à permettre le déploiement et l'installation"
    " d'unités) | 8 | 8 | 18,40 | 19,50 | 20 | 3 700",
    "MATEM (aide au déploiement - matériel de traitement de l'eau)"
    " | 10 | 7 | 0,00 | 9,00 | 20 | 19 000",
    "PFM (aide au franchissement par la pose d'un pont flottant)"
    " | 70 | 70 | 54,60 | 50,00 | 25 | 6 143",
    "SDPMAC (système permettant de neutraliser, par le tir de roquettes, les mines antichars"
    " enfouies ou dispersées au sol) | 12 | 12 | 11,90 | 9,20 | 6 | 200 000",
    "SOUVIM 2 (véhicule de détection multifonctions pour l'ouverture d'itinéraires)"
    " | 8 | 8 | 71,10 | 29,50 | 4 | 275 000",
    "SPRAT (aide au franchissement des coupures par la pose rapide de travures pour les"
    " véhicules chenillés ou à roues) | 8 | 10 | 100,00 | 96,50 | 2 | 309 500",
    "VAB Génie | 314 | 302 | 43,10 | 36,70 | 30 | 28 972",
    "VBHP (véhicule blindé d'accompagnement des détachements - ouverture d'itinéraires piégés)"
    " | 15 | 14 | 70,30 | 11,30 | 4 | 125 000",
]


@pytest.fixture
def sample(samples_dir: Path) -> str:
    return (samples_dir / "an/question_xml/q14_14-47351QE.xml").read_text(encoding="utf-8")


# -- the real sample ---------------------------------------------------------------


def test_sample_identity_and_indexation(sample: str) -> None:
    record = parse(sample.encode(), url=URL)
    assert record.id == "14-47351QE"
    assert record.chamber is Chamber.AN
    assert (record.legislature, record.number, record.kind) == (14, 47351, "QE")
    assert record.url == f"{DEFAULT_AN_URL}/dyn/14/questions/QANR5L14QE47351"
    assert record.title is None
    assert record.rubrique == "défense"
    assert record.heading == "équipements"
    assert record.analysis == ["équipements militaires", "vieillissement", "bilan"]
    assert record.source == Source(format=SourceFormat.AN_QUESTION_XML, url=URL)


def test_sample_author(sample: str) -> None:
    author = parse(sample.encode(), url=URL).author
    assert author.name == "François Cornut-Gentille"
    assert author.civility == "M."
    assert author.ref == "PA923"
    assert author.mandate_ref == "PM645363"
    # The group at export time, not in 2014; its numeric id is kept as published.
    assert author.group == Group(short="LES-REP", full="Les Républicains", ref="707869")
    assert author.constituency == "Haute-Marne (2e circonscription)"
    assert author.department == "Haute-Marne"
    assert author.constituency_number == 2
    assert author.region == "Alsace - Champagne-Ardenne - Lorraine"


def test_sample_ministries_and_attribution_history(sample: str) -> None:
    record = parse(sample.encode(), url=URL)
    assert record.ministry_asked == DEFENSE_1
    assert record.attribution_history == [
        Attribution(ministry=DEFENSE_1, date=dt.date(2014, 1, 7), jo_type="JO_QUESTION"),
        Attribution(ministry=DEFENSE_2, date=dt.date(2014, 4, 3), jo_type="JO_LOI_DECRET"),
    ]
    assert record.ministry_responding == DEFENSE_2


def test_sample_question(sample: str) -> None:
    record = parse(sample.encode(), url=URL)
    assert record.published == Publication(date=dt.date(2014, 1, 7), page=18, issue="1")
    assert record.text == (
        "M. François Cornut-Gentille interroge M. le ministre de la défense sur les équipements"
        " des unités du génie de l'armée de terre. Afin d'évaluer le coût du vieillissement des"
        " équipements militaires, il lui demande de préciser le nombre et le taux de"
        " disponibilité au 31 décembre 2012 et au 31 décembre 2013, le coût du MCO pour l'année"
        " 2013 et l'âge moyen de chacun des équipements des unités du génie de l'armée de terre."
    )


def test_sample_answer_keeps_the_table_readable(sample: str) -> None:
    answer = parse(sample.encode(), url=URL).answer
    assert answer is not None
    assert answer.published == Publication(date=dt.date(2014, 5, 13), page=3858)
    assert answer.published.issue is None  # CLOTURE's NUMERO_JO 19 is not the answer's
    assert answer.ministry == DEFENSE_2
    intro, table = (answer.text or "").split("\n\n")
    assert intro == (
        "Les données relatives aux équipements du génie dédiés à l'agencement de l'espace"
        " terrestre sollicitées par l'honorable parlementaire figurent dans le tableau suivant :"
    )
    assert table.split("\n") == TABLE_ROWS  # &#160; became a space; </br> and rowspan=2" survive


def test_sample_status_closure_renewal_and_empty_blocks(sample: str) -> None:
    record = parse(sample.encode(), url=URL)
    assert record.status is Status.ANSWERED
    assert record.closed == Closure(
        date=dt.date(2014, 5, 13), code="REP_PUB", reason="Réponse publiée"
    )
    assert record.renewals == [dt.date(2014, 4, 15)]
    assert record.signalements == []  # present but empty in the sample
    assert record.errata == []  # both present but empty
    assert record.answer_delay_days() == 126


def test_sample_golden(sample: str, golden: Golden) -> None:
    golden(parse(sample.encode(), url=URL), "14-47351QE.question_xml", from_sample=True)


# -- rejected content ---------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"<QUESTION TYPE='QE'><LEGISLATURE>14</LEGISLATURE>",  # truncated
        b"<QUESTION TYPE='QE'><A></B></QUESTION>",  # malformed
        b"<html><body>Erreur</body></html>",  # another root
        b'<?xml version="1.0" encoding="x-unknown"?><QUESTION/>',
        b"<QUESTION TYPE='QE'/>",  # no legislature, no number
        b"<QUESTION TYPE='QX'><LEGISLATURE>14</LEGISLATURE><DEPOT NUMERO='1'>"
        b"<DATE_JO>07/01/2014</DATE_JO></DEPOT></QUESTION>",  # unknown kind
        b"<QUESTION TYPE='QE'><LEGISLATURE>14</LEGISLATURE><DEPOT NUMERO='1'>"
        b"<DATE_JO/></DEPOT></QUESTION>",  # no publication date
    ],
)
def test_not_a_question_is_unknown_format(content: bytes) -> None:
    with pytest.raises(UnknownFormat):
        parse(content, url=URL)


def test_entity_expansion_is_refused() -> None:
    # The "billion laughs": each entity is ten of the previous one, 10**9 in all.
    entities = '<!ENTITY e0 "lol">' + "".join(
        f'<!ENTITY e{n} "{f"&e{n - 1};" * 10}">' for n in range(1, 10)
    )
    bomb = f"<!DOCTYPE QUESTION [{entities}]><QUESTION TYPE='QE'>&e9;</QUESTION>"
    with pytest.raises(UnknownFormat):
        parse(bomb.encode(), url=URL)


@pytest.mark.parametrize(
    "tag",
    ["AUTEUR", "GROUPE", "CIRCONSCRIPTION", "INDEXATION_AN", "MINI", "MINA", "CLOTURE",
     "REPONSE", "RENOUVELLEMENT", "SIGNALEMENT", "ERRATUM_QUESTION"],
)  # fmt: skip
def test_missing_or_emptied_blocks_never_crash(sample: str, tag: str) -> None:
    for xml in (
        re.sub(rf"<{tag}\b.*?</{tag}>", "", sample, flags=re.DOTALL),
        re.sub(rf"(<{tag}\b[^>]*>).*?(</{tag}>)", r"\1\2", sample, flags=re.DOTALL),
    ):
        try:
            record = parse(xml.encode(), url=URL)
        except ParseError:  # UnknownFormat included; anything else is a bug
            continue
        assert record.id == "14-47351QE"


# -- variants built from the sample -------------------------------------------------


def _replace_block(xml: str, tag: str, block: str) -> str:
    return re.sub(rf"<{tag}>.*?</{tag}>", block, xml, count=1, flags=re.DOTALL)


def test_withdrawn_question(sample: str) -> None:
    xml = _replace_block(sample, "REPONSE", "")
    xml = _replace_block(
        xml,
        "CLOTURE",
        "<CLOTURE><DATE_JO>17/06/2014</DATE_JO><PAGE_JO/><ABREGE>RET</ABREGE>"
        "<LIBELLE>Retirée par l'auteur</LIBELLE><NUMERO_JO/><TYPE_JO/></CLOTURE>",
    )
    record = parse(xml.encode(), url=URL)
    assert record.answer is None
    assert record.status is Status.WITHDRAWN
    assert record.closed == Closure(
        date=dt.date(2014, 6, 17), code="RET", reason="Retirée par l'auteur"
    )


def test_unanswered_question_without_closure(sample: str) -> None:
    xml = _replace_block(_replace_block(sample, "REPONSE", ""), "CLOTURE", "")
    record = parse(xml.encode(), url=URL)
    assert record.answer is None and record.closed is None
    assert record.status is Status.PENDING


def test_filled_signalement_and_errata(sample: str) -> None:
    xml = _replace_block(
        sample,
        "SIGNALEMENT",
        "<SIGNALEMENT><DATE_JO>18/03/2014</DATE_JO><DATE_DEPOT_SIGNAL>11/03/2014"
        "</DATE_DEPOT_SIGNAL><TYPE_JO>JO_QUESTION</TYPE_JO><NUMERO_JO>11</NUMERO_JO></SIGNALEMENT>",
    )
    xml = _replace_block(
        xml,
        "ERRATUM_QUESTION",
        "<ERRATUM_QUESTION><DATE_JO>14/01/2014</DATE_JO><PAGE_JO>352</PAGE_JO>"
        "<TYPE_JO>JO_QUESTION</TYPE_JO></ERRATUM_QUESTION>",
    )
    xml = _replace_block(
        xml,
        "ERRATUM_REPONSE",
        "<ERRATUM_REPONSE><DATE_JO>20/05/2014</DATE_JO><PAGE_JO/><TYPE_JO/></ERRATUM_REPONSE>",
    )
    record = parse(xml.encode(), url=URL)
    assert record.signalements == [
        Signalement(published=dt.date(2014, 3, 18), filed=dt.date(2014, 3, 11))
    ]
    assert record.deadline() == dt.date(2014, 3, 7)  # two months after 7 January come first
    assert record.errata == [
        Erratum(target="question", published=Publication(date=dt.date(2014, 1, 14), page=352)),
        Erratum(target="answer", published=Publication(date=dt.date(2014, 5, 20))),
    ]


def test_orders_are_sorted_by_number(sample: str) -> None:
    xml = _replace_block(
        sample,
        "RENOUVELLEMENT",
        "<RENOUVELLEMENT>"
        '<ORDRE NUMERO="2"><DATE_RENOUVELLEMENT>15/07/2014</DATE_RENOUVELLEMENT></ORDRE>'
        '<ORDRE NUMERO="1"><DATE_RENOUVELLEMENT>15/04/2014</DATE_RENOUVELLEMENT></ORDRE>'
        '<ORDRE NUMERO="3"><DATE_RENOUVELLEMENT/></ORDRE>'
        "</RENOUVELLEMENT>",
    )
    assert parse(xml.encode(), url=URL).renewals == [dt.date(2014, 4, 15), dt.date(2014, 7, 15)]


def test_first_constituency_and_mojibake(sample: str) -> None:
    xml = sample.replace('NUMERO_CIRCONSCRIPTION="2"', 'NUMERO_CIRCONSCRIPTION="1"')
    xml = xml.replace("<![CDATA[M. François", "<![CDATA[La rÃ©ponse. M. François")
    record = parse(xml.encode(), url=URL)
    assert record.author.constituency == "Haute-Marne (1re circonscription)"
    assert record.text is not None and record.text.startswith("La réponse. M. François")
