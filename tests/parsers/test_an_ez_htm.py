"""The eZ Publish "question_*" parser, on the real 14-3200QE page, our seed page and hostile variants."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from cocoa import unwrap_cocoa
from qarchive.errors import UnknownFormat
from qarchive.model.question import (
    Answer,
    Attribution,
    Closure,
    Erratum,
    Group,
    Ministry,
    Publication,
    Question,
    Signalement,
    SourceFormat,
    Status,
)
from qarchive.sources.an import detect_format, ez_htm

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = "an/legacy_htm/14-3200QE.unwrapped-from-cocoa.htm"
WRAPPED = "an/legacy_htm/parl-ia-ment_html_14_qe.cocoa.html"
SAMPLE_URL = "https://questions.assemblee-nationale.fr/q14/14-3200QE.htm"
SEED_PAGE = ROOT / "fixtures/sites/questions.assemblee-nationale.fr/q15/15-12526QE.htm"
SEED_URL = "https://questions.assemblee-nationale.fr/q15/15-12526QE.htm"
SEED_TEXT = (
    "M. Ugo Bernalicis attire l’attention de M. le ministre d’État, ministre de l’intérieur, "
    "sur la privatisation du centre d’appels de l’ANTS (Agence nationale des titres sécurisés). "
    "La fermeture des services d’accueil en préfectures et sous-préfectures des guichets de "
    "demandes de cartes grises et de permis de conduire et la dématérialisation des procédures "
    "ont contraint l’ensemble des usagers à réaliser leurs démarches intégralement en ligne. "
    "Cette transformation s’affichait comme permettant une simplification pour l’usager. Les "
    "bugs informatiques, le manque de moyens ont entraîné des retards dans la délivrance des "
    "certificats d’immatriculation. Des entreprises se proposent comme intermédiaires pour "
    "réaliser les démarches administratives nécessaires. Les services préfectoraux ont été "
    "remplacés par des Centres d’expertise et de ressources des titres (CERT), plateformes de "
    "téléprocédures, qui traitent les demandes collectées sur le site de l’ANTS. L’ANTS est "
    "désormais la seule à offrir une interface, téléphonique et électronique, avec le public. "
    "L’ANTS a choisi d’externaliser son centre d’appels et l’a confié depuis le 16 août 2018, "
    "via un appel d’offres, à la société The Marketing group, détenue par la société INTELCIA, "
    "elle-même détenue par ALTICE, société dirigée par M. Patrick Drahi. Après avoir sabordé "
    "l’accompagnement administratif discrètement et provoqué l’intermédiation croissante des "
    "entreprises privées, l’État privatise ce qui reste de l’accueil téléphonique. Ce "
    "changement intervient dans un contexte où les retards dans le traitement et la délivrance "
    "des certificats d’immatriculation sont nombreux. Il veut savoir si le Gouvernement va "
    "procéder à la réorganisation de l’ensemble de la procédure de traitement des demandes de "
    "titres sécurisés en privilégiant le service public dans un domaine de compétence "
    "stratégique et touchant à la souveraineté de l’État."
)
ANSWER_DIV = (
    '<div>Réponse publiée au JO le : <span class="question_big_content">05/02/2013</span>'
    '  page : <span class="question_big_content">1324</span></div>'
)
PLACEHOLDER = '<div class="reponse_contenu">\n  Être alerté(e) de la réponse\n</div>'

GoldenCheck = Callable[..., None]  # the conftest `golden` fixture


@pytest.fixture
def page(samples_dir: Path) -> str:
    return (samples_dir / SAMPLE).read_text(encoding="utf-8")


def parse(text: str | bytes, url: str = SAMPLE_URL) -> Question:
    return ez_htm.parse(text.encode("utf-8") if isinstance(text, str) else text, url=url)


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def unanswered(page: str) -> str:
    """The sample as it would be before the answer: no date, the placeholder box."""
    page = replace_once(page, ANSWER_DIV, "")
    return re.sub(r'<div class="reponse_contenu">.*?</div>', PLACEHOLDER, page, flags=re.DOTALL)


def with_events(page: str, *divs: str) -> str:
    """Add lines to the dates block, as the layout does for retraits, signalements…"""
    anchor = '<div class="question_publish_date">\n'
    return replace_once(page, anchor, anchor + "".join(f"<div>{div}</div>\n" for div in divs))


def test_sample_every_field(page: str) -> None:
    record = parse(page)

    assert record.id == "14-3200QE"
    assert record.chamber == "an"
    assert (record.legislature, record.number, record.kind) == (14, 3200, "QE")
    assert record.url == "https://www.assemblee-nationale.fr/dyn/14/questions/QANR5L14QE3200"
    assert record.title is None
    assert record.rubrique == "État"
    assert record.heading == "financement"
    assert record.analysis == ["rapport", "propositions"]
    author = record.author
    assert author.name == "Philippe Le Ray"
    assert author.civility == "M."
    assert author.ref == "PA607603"
    assert author.mandate_ref is None
    assert author.group == Group(full="Union pour un Mouvement Populaire")
    assert author.department == "Morbihan"
    assert author.constituency == "Morbihan"
    assert author.constituency_number is None
    assert author.region is None
    assert record.ministry_asked == Ministry(name="Économie et finances")
    assert record.ministry_responding == Ministry(name="Économie et finances")
    assert record.attribution_history == []
    assert record.published == Publication(date=dt.date(2012, 8, 21), page=4774)
    assert record.text is not None
    assert record.text.startswith("M. Philippe Le Ray attire l'attention de M. le ministre")
    assert record.text.endswith(
        "Il lui demande si le Gouvernement entend mettre en œuvre cette recommandation."
    )
    assert "« L'État et le financement de l'économie de juillet 2012 »" in record.text
    assert "\n" not in record.text
    assert record.answer is not None
    assert record.answer.published == Publication(date=dt.date(2013, 2, 5), page=1324)
    assert record.answer.ministry == Ministry(name="Économie et finances")
    assert record.answer.text is not None
    assert record.answer.text.startswith(
        "Comme le ministre de l'économie et des finances l'a souligné"
    )
    assert record.answer.text.endswith("de leur caractère stratégique et de leur rentabilité.")
    assert record.status is Status.ANSWERED
    assert record.closed == Closure(date=dt.date(2013, 2, 5))
    assert (record.signalements, record.renewals, record.errata) == ([], [], [])
    assert record.source.format is SourceFormat.AN_EZ_HTM
    assert record.source.url == SAMPLE_URL
    assert record.source.names_from is None


def test_sample_golden(page: str, golden: GoldenCheck) -> None:
    golden(parse(page), "14-3200QE.ez", from_sample=True)


def test_sample_is_detected_as_this_format(page: str) -> None:
    assert detect_format(page.encode("utf-8")) is SourceFormat.AN_EZ_HTM


def test_cocoa_wrapped_copy_gives_the_same_key_fields(samples_dir: Path, page: str) -> None:
    unwrapped = unwrap_cocoa((samples_dir / WRAPPED).read_text(encoding="utf-8"))
    record, expected = parse(unwrapped), parse(page)

    assert record.id == "14-3200QE"
    assert record.author == expected.author
    assert record.author.ref == "PA607603"
    assert (record.rubrique, record.heading, record.analysis) == (
        "État",
        "financement",
        ["rapport", "propositions"],
    )
    assert record.published == expected.published
    assert record.answer == expected.answer
    assert record.text == expected.text
    assert record.status is Status.ANSWERED


def test_windows_1252_bytes_under_a_utf8_meta_give_the_same_record(page: str) -> None:
    assert parse(page.encode("cp1252")) == parse(page)


def test_mojibake_is_repaired(page: str) -> None:
    double_encoded = page.encode("utf-8").decode("cp1252").encode("utf-8")
    assert "Ã©" in double_encoded.decode("utf-8")
    assert parse(double_encoded) == parse(page)


def test_placeholder_means_no_answer(page: str) -> None:
    record = parse(unanswered(page))

    assert record.answer is None
    assert record.status is Status.PENDING
    assert record.closed is None
    assert record.text == parse(page).text


def test_lapse_words_in_the_question_text_are_not_a_lapse(page: str) -> None:
    page = replace_once(page, "cette recommandation.", "cette recommandation devenue caduque.")
    record = parse(unanswered(page))

    assert record.status is Status.PENDING
    assert record.closed is None


@pytest.mark.parametrize("name", ["Question N° 3200", "21/08/2012"])
def test_page_without_number_or_publication_date_is_refused(page: str, name: str) -> None:
    with pytest.raises(UnknownFormat, match="unrecognised page layout"):
        parse(replace_once(page, name, ""))


def test_non_question_page_is_refused() -> None:
    with pytest.raises(UnknownFormat):
        parse("<html><body><p>Aucune question</p></body></html>")


@pytest.mark.parametrize(
    ("motif", "status"),
    [
        ("retrait à l'initiative de l'auteur", Status.WITHDRAWN),
        ("Fin de mandat", Status.LAPSED),
        ("Caducité", Status.LAPSED),
        ("transformée en question orale", Status.CONVERTED),
    ],
)
def test_withdrawal_line(page: str, motif: str, status: Status) -> None:
    page = with_events(unanswered(page), f"Question retirée le : 17/06/2013 ( {motif} )")
    record = parse(page)

    assert record.status is status
    assert record.closed == Closure(date=dt.date(2013, 6, 17), reason=motif)
    assert record.answer is None


def test_fin_de_mandat_line_means_lapsed(page: str) -> None:
    record = parse(with_events(unanswered(page), "Date de clôture : 19/06/2017 Fin de mandat"))

    assert record.status is Status.LAPSED
    assert record.closed == Closure(date=dt.date(2017, 6, 19), reason="Fin de mandat")


def test_answer_wins_over_a_lapse_line(page: str) -> None:
    record = parse(with_events(page, "Fin de mandat"))

    assert record.status is Status.ANSWERED
    assert record.closed == Closure(date=dt.date(2013, 2, 5))


def test_other_event_lines(page: str) -> None:
    page = with_events(
        page,
        "Date de changement d'attribution : 20/11/2012",
        "Date de signalement : 04/12/2012",
        "Date de renouvellement : 27/11/2012",
        "Date de renouvellement : 22/01/2013",
        "Erratum de la question publié au JO le : 28/08/2012 page : 4850",
        "Erratum de la réponse publié au JO le : 12/02/2013 page : 1500",
    )
    record = parse(page)

    assert record.attribution_history == [
        Attribution(ministry=Ministry(name="Économie et finances"), date=dt.date(2012, 11, 20))
    ]
    assert record.signalements == [Signalement(published=dt.date(2012, 12, 4))]
    assert record.renewals == [dt.date(2012, 11, 27), dt.date(2013, 1, 22)]
    assert record.errata == [
        Erratum(target="question", published=Publication(date=dt.date(2012, 8, 28), page=4850)),
        Erratum(target="answer", published=Publication(date=dt.date(2013, 2, 12), page=1500)),
    ]
    assert record.status is Status.ANSWERED


@pytest.mark.parametrize(
    ("label", "kind"),
    [("Question au Gouvernement", "QG"), ("Question orale sans débat", "QOSD")],
)
def test_other_kinds(page: str, label: str, kind: str) -> None:
    record = parse(replace_once(page, ">Question écrite</div>", f">{label}</div>"))

    assert (record.id, record.kind) == (f"14-3200{kind}", kind)


# The 2012-2016 markup (samples/an/README.md §2a-2) was never saved; this page is
# written from the anpy and nosdeputes.fr parsers: labels ending " >" followed by
# span.contenu, all dates in one element split by <br />, texts in div.contenutexte.
OLD_LAYOUT = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>Question N° 12345</title></head><body>
<div id="menu"><a href="/questions">Questions écrites</a></div>
<div id="corps"><h1>14ème législature</h1>
<table><tr><td>Question N° : <b>12345</b></td>
<td>de <b>M.&nbsp;Jean Dupont</b> ( Socialiste, républicain et citoyen - Gironde )</td>
<td><b>Question écrite</b></td></tr></table>
<p>Ministère interrogé > <span class="contenu">Défense</span></p>
<p>Ministère attributaire > <span class="contenu">Défense et anciens combattants</span></p>
<p>Rubrique > <span class="contenu">défense</span></p>
<p>Tête d'analyse > <span class="contenu">matériel</span></p>
<p>Analyse > <span class="contenu">équipements militaires. vieillissement. bilan</span></p>
<p>Question publiée au JO le : 02/07/2013 page : 6850<br />Réponse publiée au JO le :
15/10/2013 page : 10789<br />Date de changement d'attribution : 03/09/2013<br />Date de
signalement : 01/10/2013<br />Date de renouvellement : 08/10/2013<br />Erratum de la réponse
publié au JO le : 22/10/2013 page : 11001</p>
<div><h2>Texte de la question</h2></div>
<div class="contenutexte">M. Jean Dupont interroge M. le ministre.<br />Il demande un bilan.</div>
<div><h2>Texte de la réponse</h2></div>
<div class="contenutexte">Le ministre a l'honneur de faire connaître un bilan.</div>
</div></body></html>"""


def test_older_ez_layout_with_span_contenu() -> None:
    record = parse(OLD_LAYOUT, url="https://questions.assemblee-nationale.fr/q14/14-12345QE.htm")

    assert record.id == "14-12345QE"
    assert (record.author.civility, record.author.name) == ("M.", "Jean Dupont")
    assert record.author.group == Group(full="Socialiste, républicain et citoyen")
    assert record.author.department == "Gironde"
    assert record.ministry_asked == Ministry(name="Défense")
    assert record.ministry_responding == Ministry(name="Défense et anciens combattants")
    assert (record.rubrique, record.heading) == ("défense", "matériel")
    assert record.analysis == ["équipements militaires", "vieillissement", "bilan"]
    assert record.published == Publication(date=dt.date(2013, 7, 2), page=6850)
    assert record.text == "M. Jean Dupont interroge M. le ministre.\nIl demande un bilan."
    assert record.answer == Answer(
        published=Publication(date=dt.date(2013, 10, 15), page=10789),
        ministry=Ministry(name="Défense et anciens combattants"),
        text="Le ministre a l'honneur de faire connaître un bilan.",
    )
    assert record.status is Status.ANSWERED
    assert record.attribution_history[0].date == dt.date(2013, 9, 3)
    assert record.signalements == [Signalement(published=dt.date(2013, 10, 1))]
    assert record.renewals == [dt.date(2013, 10, 8)]
    assert record.errata == [
        Erratum(target="answer", published=Publication(date=dt.date(2013, 10, 22), page=11001))
    ]


def test_seed_page() -> None:
    record = parse(SEED_PAGE.read_bytes(), url=SEED_URL)

    assert record.id == "15-12526QE"
    assert (record.legislature, record.number, record.kind) == (15, 12526, "QE")
    assert record.title == "Privatisation du centre d’appels de l’ANTS"
    assert record.heading is None
    assert record.analysis == []
    assert (record.author.civility, record.author.name) == ("M.", "Ugo Bernalicis")
    assert record.author.group == Group(full="La France insoumise")
    assert record.author.department == "Nord"
    assert record.author.ref == "PA000001"  # the acteurRef of the open-data fixture
    assert record.rubrique == "sécurité des biens et des personnes"
    assert record.ministry_asked == Ministry(name="Intérieur")
    assert record.ministry_responding == Ministry(name="Intérieur")
    assert record.published.date == dt.date(2018, 10, 2)
    assert record.status is Status.PENDING
    assert record.answer is None
    assert record.closed is None
    assert record.text == SEED_TEXT
    assert record.source.format is SourceFormat.AN_EZ_HTM
    assert detect_format(SEED_PAGE.read_bytes()) is SourceFormat.AN_EZ_HTM


def test_seed_page_golden(golden: GoldenCheck) -> None:
    golden(parse(SEED_PAGE.read_bytes(), url=SEED_URL), "15-12526QE.ez", from_sample=False)


def test_huge_stray_lines_do_not_blow_up(page: str) -> None:
    junk = "<div>de M. " + "x" * 200_000 + " Rubrique > " * 2000 + "(" + "y - " * 50_000 + "</div>"
    page = replace_once(
        page, '<section class="question_answer">', junk + '<section class="question_answer">'
    )
    record = parse(page)

    assert record.author.name == "Philippe Le Ray"
    assert record.published.page == 4774


def test_older_ez_layout_is_detected() -> None:
    assert detect_format(OLD_LAYOUT.encode()) is SourceFormat.AN_EZ_HTM
