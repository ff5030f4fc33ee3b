"""The /dyn parser on oral (QOSD) and government (QG) questions: their own wording (issue 19).

These pages say "Question orale n° …", "…, posée en séance, et publiée le …" and
"Réponse en séance, et publiée le …" instead of the written questions' labels. The
pages are ours, built in the layout of real 16th-legislature pages (fixtures/README.md);
the variants are made from them here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from qarchive.errors import UnknownFormat
from qarchive.model.question import Answer, Author, Group, Ministry, Publication, Status
from qarchive.sources.an import dyn_html

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "fixtures/sites/www.assemblee-nationale.fr/dyn/16/questions"
QG_URL = "https://www.assemblee-nationale.fr/dyn/16/questions/QANR5L16QG200"
QOSD_URL = "https://www.assemblee-nationale.fr/dyn/16/questions/QANR5L16QOSD350"
SOLIDARITES = Ministry(name="Solidarités, autonomie et personnes handicapées")
INTERIEUR = Ministry(name="Intérieur et outre-mer")
ANSWER_HEADING = "Réponse  en séance, et publiée                                                     le 24 mai 2023"


def qg_page() -> str:
    return (PAGES / "QANR5L16QG200").read_text(encoding="utf-8")


def qosd_page() -> str:
    return (PAGES / "QANR5L16QOSD350").read_text(encoding="utf-8")


def parse(page: str, url: str):
    return dyn_html.parse(page.encode("utf-8"), url=url)


def test_a_government_question_is_answered_in_its_sitting() -> None:
    record = parse(qg_page(), QG_URL)
    assert (record.id, record.kind, record.status) == ("16-200QG", "QG", Status.ANSWERED)
    assert (
        record.title
        == "PROJET DE LOI D'ORIENTATION ET DE PROGRAMMATION DU MINISTÈRE DE L'INTÉRIEUR"
    )
    assert record.published == Publication(date=dt.date(2022, 10, 26))
    # Asked aloud: no written text; the exchange is the answer, in the same JO.
    assert record.text is None
    assert record.answer is not None
    assert record.answer.published == Publication(date=dt.date(2022, 10, 26))
    assert record.answer.ministry == INTERIEUR
    assert record.answer.text is not None
    assert record.answer.text.startswith(
        "PROJET DE LOI D'ORIENTATION ET DE PROGRAMMATION DU MINISTÈRE DE L'INTÉRIEUR\n\n"
    )
    assert "Réponse synthétique : ce n’est pas ce que le ministre a répondu." in record.answer.text
    # The page's "Date de la séance" gives the JO's date, not the sitting's.
    assert record.answer.session_date is None
    assert (record.ministry_asked, record.ministry_responding) == (INTERIEUR, INTERIEUR)
    assert record.rubrique == "Sécurité des biens et des personnes"


def test_the_sitting_wording_does_not_leak_into_the_author() -> None:
    author = parse(qg_page(), QG_URL).author
    assert author == Author(
        name="Sacha Houlié",
        civility="M.",
        ref="PA722150",
        group=Group(full="Renaissance"),
        region="Nouvelle-Aquitaine",  # the page shows a region: never stored as a seat
    )


def test_an_oral_question_answered_in_the_sitting() -> None:
    record = parse(qosd_page(), QOSD_URL)
    assert (record.id, record.kind, record.status) == ("16-350QOSD", "QOSD", Status.ANSWERED)
    assert record.title == "Revalorisation du Ségur du personnel du secteur social et médico-social"
    assert record.published == Publication(date=dt.date(2023, 5, 16))
    assert record.text == (
        "Question synthétique, écrite pour les tests de qarchive : ce n’est pas le texte que "
        "la députée a publié."
    )
    assert record.answer == Answer(
        published=Publication(date=dt.date(2023, 5, 24)),
        ministry=SOLIDARITES,
        text="TITRE SYNTHÉTIQUE\nMme la présidente. Texte synthétique, écrit pour les tests de "
        "qarchive.\n\nMme Danielle Brulebois. Question synthétique, posée de nouveau en séance."
        "\n\nMme la ministre déléguée. Réponse synthétique : ce n’est pas ce que la ministre a "
        "répondu.",
    )
    assert record.author.region == "Bourgogne-Franche-Comté"
    assert record.author.constituency is None
    assert record.answer_delay_days() == 8


def test_an_oral_question_not_yet_answered_is_pending() -> None:
    page = qosd_page()
    start = page.index('<div>\n<div class="_pa-small">\n<p class="_colored-green _bold">')
    end = page.index('<div class="ha-grid-item size-1">')
    record = parse(page[:start] + "</div>\n" + page[end:], QOSD_URL)
    assert (record.status, record.answer) == (Status.PENDING, None)
    assert record.text is not None and record.text.startswith("Question synthétique")


def test_the_answers_jo_link_gives_its_page() -> None:
    link = (
        '<a class="link" href="https://questions.assemblee-nationale.fr/static/16/questions/jo/'
        'jo_anq_202321.pdf">\n    Publication de la réponse au Journal Officiel\n'
        "    du 24 mai 2023, page 4877</a>\n<br/>\n"
    )
    page = qosd_page().replace("du 16 mai 2023</a>\n<br/>\n", "du 16 mai 2023</a>\n<br/>\n" + link)
    answer = parse(page, QOSD_URL).answer
    assert answer is not None and answer.published == Publication(
        date=dt.date(2023, 5, 24), page=4877
    )


def test_a_sitting_date_given_as_a_date_is_the_sitting() -> None:
    # Should the block give the sitting's own date, it is kept as the answer's sitting.
    sentence = "La question a été posée au Gouvernement en séance, parue dans le journal officiel le 26 octobre 2022"
    assert sentence in qg_page()
    record = parse(qg_page().replace(sentence, "25 octobre 2022"), QG_URL)
    assert record.answer is not None and record.answer.session_date == dt.date(2022, 10, 25)
    assert record.published.date == dt.date(2022, 10, 26)


def test_the_jo_of_the_sitting_dates_a_question_that_shows_no_other_date() -> None:
    page = qg_page().replace(", posée en séance, et publiée le 26 octobre 2022", "")
    record = parse(page, QG_URL)
    assert record.published.date == dt.date(2022, 10, 26)
    assert record.answer is not None and record.answer.published.date == dt.date(2022, 10, 26)
    assert record.author.name == "Sacha Houlié"


def test_a_government_question_without_any_date_is_refused() -> None:
    page = (
        qg_page()
        .replace(", posée en séance, et publiée le 26 octobre 2022", "")
        .replace(
            "parue dans le journal officiel le 26 octobre 2022", "parue dans le journal officiel"
        )
    )
    with pytest.raises(UnknownFormat, match="no publication date for the question"):
        parse(page, QG_URL)


def test_a_government_question_without_its_exchange_is_pending() -> None:
    page = qg_page()
    start = page.index('<p class="_pa-small"><br/>')
    end = page.index("</div>", start)
    record = parse(page[:start] + page[end:], QG_URL)
    assert (record.status, record.answer, record.text) == (Status.PENDING, None, None)


@pytest.mark.parametrize(
    ("heading", "type_label"),
    [
        ("Question orale n°350 :", "Question orale"),
        ("Question orale sans débat n°350 :", "Question orale sans débat"),
    ],
)
def test_both_spellings_of_an_oral_question(heading: str, type_label: str) -> None:
    page = qosd_page().replace("Question orale n°350 :", heading)
    page = page.replace(
        '<span class="_regular">Question orale</span>',
        f'<span class="_regular">{type_label}</span>',
    )
    record = parse(page, QOSD_URL)
    assert (record.kind, record.number, record.title) == (
        "QOSD",
        350,
        "Revalorisation du Ségur du personnel du secteur social et médico-social",
    )


def test_an_oral_question_whose_uid_says_otherwise_is_refused() -> None:
    page = qosd_page().replace('data-id="QANR5L16QOSD350', 'data-id="QANR5L16QE350')
    page = page.replace(
        'content="https://www.assemblee-nationale.fr/dyn/16/questions/QANR5L16QOSD350"', ""
    )
    with pytest.raises(UnknownFormat, match="kind QOSD but its uid says QE"):
        parse(page, QOSD_URL)


def test_the_answer_heading_is_not_read_as_the_question() -> None:
    assert ANSWER_HEADING in qosd_page()
    record = parse(qosd_page(), QOSD_URL)
    assert record.text is not None and "Réponse" not in record.text
