"""The current AN page parser (/dyn/…), on the real 16-200QE page, our seed pages, hostile variants."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from cocoa import unwrap_cocoa
from qarchive.errors import UnknownFormat
from qarchive.model.ids import Chamber
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
from qarchive.sources.an import detect_format, dyn_html

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = "an/dyn/QANR5L16QE200.unwrapped-from-cocoa.html"
WRAPPED = "an/dyn/parl-ia-ment_html_16_qe.cocoa.html"
SAMPLE_URL = "https://www.assemblee-nationale.fr/dyn/16/questions/QANR5L16QE200"
SEED_PAGE = ROOT / "fixtures/sites/www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE12526"
ANSWERED_PAGE = ROOT / "fixtures/variants/an/QANR5L15QE12526.answered.html"
CLOSED_PAGE = ROOT / "fixtures/variants/an/QANR5L15QE12526.closed.html"
SEED_URL = "https://www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE12526"
SEED_TITLE = "Privatisation du centre d’appels de l’ANTS"
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
SEED_AUTHOR = Author(
    name="Ugo Bernalicis",
    civility="M.",
    ref="PA000001",  # synthetic, shared with the open-data fixture (fixtures/README.md)
    group=Group(full="La France insoumise"),
    constituency="Nord (2e circonscription)",
    department="Nord",
    constituency_number=2,
)
INTERIEUR = Ministry(name="Intérieur")
AGRICULTURE = Ministry(name="Agriculture et souveraineté alimentaire")

GoldenCheck = Callable[..., None]  # the conftest `golden` fixture


def parse(page: str | bytes, url: str = SAMPLE_URL) -> Question:
    return dyn_html.parse(page.encode("utf-8") if isinstance(page, str) else page, url=url)


def seed(path: Path = SEED_PAGE) -> str:
    return path.read_text(encoding="utf-8")


@pytest.fixture
def page(samples_dir: Path) -> str:
    return (samples_dir / SAMPLE).read_text(encoding="utf-8")


@pytest.fixture
def record(page: str) -> Question:
    return parse(page)


# -- the real page of 16-200QE ----------------------------------------------------------


def test_sample_identity(record: Question) -> None:
    assert record.id == "16-200QE"
    assert record.chamber is Chamber.AN
    assert (record.legislature, record.number, record.kind) == (16, 200, "QE")
    assert record.url == SAMPLE_URL
    assert record.source == Source(format=SourceFormat.AN_DYN_HTML, url=SAMPLE_URL)


def test_sample_metadata(record: Question) -> None:
    assert record.title == "Agriculture biologique"
    assert record.rubrique == "Agriculture"
    assert record.heading is None
    assert record.analysis == []
    assert record.author == Author(
        name="Marie-Pierre Rixain",
        civility="Mme",
        ref="PA722252",
        group=Group(full="Renaissance"),
        region="Ile-de-France",  # a region, not a constituency (issue 19)
    )
    assert record.ministry_asked == AGRICULTURE
    assert record.ministry_responding == AGRICULTURE
    assert record.attribution_history == []
    assert record.signalements == []
    assert record.renewals == []
    assert record.errata == []


def test_sample_publication_and_answer(record: Question) -> None:
    # The JO issue is left unset: jo_anq_202229.pdf -> numJO 20220029 is only inferred.
    assert record.published == Publication(date=dt.date(2022, 7, 26), page=3501)
    assert record.answer is not None
    assert record.answer.published == Publication(date=dt.date(2022, 9, 27), page=4253)
    assert record.answer.ministry == AGRICULTURE
    assert record.status is Status.ANSWERED
    assert record.closed is None


def test_sample_texts(record: Question) -> None:
    assert record.text is not None
    assert record.text.startswith("Mme Marie-Pierre Rixain appelle l'attention de M. le ministre")
    assert record.text.endswith(
        "en matière d'agriculture biologique et de transition agro-écologique."
    )
    assert record.answer is not None and record.answer.text is not None
    assert record.answer.text.startswith("Le secteur biologique a connu, entre 2015 et 2020,")
    assert record.answer.text.endswith("renouer avec la croissance observée ces dernières années.")
    # Neither text swallowed the labels, the other text or the key data.
    for text in (record.text, record.answer.text):
        assert "Question de" not in text
        assert "Données clés" not in text
    assert "Le secteur biologique" not in record.text
    assert "Rixain appelle" not in record.answer.text


def test_sample_has_no_runs_of_spaces(record: Question) -> None:
    def strings(value: object) -> list[str]:
        if isinstance(value, dict):
            return [s for item in value.values() for s in strings(item)]
        if isinstance(value, list):
            return [s for item in value for s in strings(item)]
        return [value] if isinstance(value, str) else []

    for value in strings(record.model_dump(mode="json")):
        assert value == value.strip()
        assert "  " not in value and "\u00a0" not in value and "\t" not in value, value[:80]
        assert "\n\n\n" not in value


def test_sample_golden(record: Question, golden: GoldenCheck) -> None:
    golden(record, "QANR5L16QE200", from_sample=True)


def test_sample_is_detected_as_dyn_html(page: str) -> None:
    assert detect_format(page.encode("utf-8")) is SourceFormat.AN_DYN_HTML


def test_cocoa_wrapped_original_gives_the_same_record(samples_dir: Path, record: Question) -> None:
    unwrapped = unwrap_cocoa((samples_dir / WRAPPED).read_text(encoding="utf-8"))
    assert "&lt;" not in unwrapped and 'class="p1"' not in unwrapped
    assert parse(unwrapped) == record


def test_windows_1252_page_gives_the_same_record(page: str, record: Question) -> None:
    latin = page.replace('charset="utf-8"', 'charset="windows-1252"').replace(
        "charset=utf-8", "charset=windows-1252"
    )
    assert latin.count("windows-1252") == 2
    assert parse(latin.encode("cp1252")) == record


# -- hostile variants of the real page ----------------------------------------------------


def test_page_without_number_or_uid_is_refused(page: str) -> None:
    stripped = page.replace("QANR5L16QE200", "").replace("n°200", "")
    assert "200" not in stripped.split("Question écrite", 1)[1].split("Agriculture", 1)[0]
    with pytest.raises(UnknownFormat, match="no legislature or question number"):
        parse(stripped)


def test_page_without_publication_date_is_refused(page: str) -> None:
    with pytest.raises(UnknownFormat, match="no publication date"):
        parse(page.replace("26 juillet 2022", ""))


def test_page_whose_uid_and_heading_disagree_is_refused(page: str) -> None:
    with pytest.raises(UnknownFormat, match="number 201 but its uid says 200"):
        parse(page.replace("Question écrite n°200", "Question écrite n°201"))


def test_answer_text_without_answer_date_is_refused(page: str) -> None:
    with pytest.raises(UnknownFormat, match="answer text without an answer date"):
        parse(page.replace("27 septembre 2022", ""))


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\xff\xfe garbage \x81",
        b"<html><head><title>Accueil</title></head><body><p>Bonjour</p></body></html>",
        b'<div class="an-bloc _style-question"><p>Rien ici.</p></div>',
        b"<html><body><main><p>Question de : M. X (Nord - Groupe)</p></main></body></html>",
    ],
)
def test_garbage_is_refused(content: bytes) -> None:
    with pytest.raises(UnknownFormat):
        dyn_html.parse(content, url="https://example.test/garbage")


def test_uid_in_og_url_only_is_enough(page: str, record: Question) -> None:
    stripped = re.sub(r'data-id="[^"]*"', "", page).replace("n°200", "")
    assert "QANR5L16QE200" in stripped.split("og:url")[0]
    assert parse(stripped) == record


def test_closure_paragraph_after_the_question_is_not_question_text() -> None:
    closure = '<p class="h6">Date de cloture : <span>21 juin 2022</span> Fin de mandat</p>'
    page = seed().replace(f"{SEED_TEXT}</p>", f"{SEED_TEXT}</p>\n{closure}")
    record = parse(page, SEED_URL)
    assert record.text == SEED_TEXT
    assert record.closed == Closure(date=dt.date(2022, 6, 21), reason="Fin de mandat")


# -- our seed pages for 15-12526QE -----------------------------------------------------


def test_seed_page() -> None:
    record = parse(seed(), SEED_URL)
    assert record.id == "15-12526QE"
    assert (record.legislature, record.number, record.kind) == (15, 12526, "QE")
    assert record.url == SEED_URL
    assert record.title == SEED_TITLE
    assert record.rubrique == "Sécurité des biens et des personnes"
    assert record.author == SEED_AUTHOR
    assert record.ministry_asked == INTERIEUR
    assert record.ministry_responding == INTERIEUR
    assert record.published == Publication(date=dt.date(2018, 10, 2), page=8740)
    assert record.text == SEED_TEXT
    assert record.answer is None
    assert record.status is Status.PENDING
    assert record.closed is None
    assert detect_format(SEED_PAGE.read_bytes()) is SourceFormat.AN_DYN_HTML


def test_answered_variant() -> None:
    record = parse(seed(ANSWERED_PAGE), SEED_URL)
    assert record.text == SEED_TEXT
    assert record.answer == Answer(
        published=Publication(date=dt.date(2019, 1, 15), page=412),
        ministry=INTERIEUR,
        text=(
            "Réponse synthétique, écrite pour les tests de qarchive : ce n’est pas une "
            "réponse du ministère de l’intérieur.\n\n"
            "Elle n’a d’autre objet que de donner à la question de référence une réponse publiée."
        ),
    )
    assert record.status is Status.ANSWERED
    assert record.closed is None


def test_closed_variant() -> None:
    # Also the q15 arrangement: name and "Place - Group" on two lines, "Date :".
    record = parse(seed(CLOSED_PAGE), SEED_URL)
    assert record.author == SEED_AUTHOR
    assert record.text == SEED_TEXT
    assert record.answer is None
    assert record.status is Status.LAPSED
    assert record.closed == Closure(date=dt.date(2022, 6, 21), reason="Fin de mandat")


@pytest.mark.parametrize(
    ("path", "name"),
    [
        (SEED_PAGE, "QANR5L15QE12526.dyn"),
        (ANSWERED_PAGE, "QANR5L15QE12526.answered.dyn"),
        (CLOSED_PAGE, "QANR5L15QE12526.closed.dyn"),
    ],
)
def test_seed_golden(path: Path, name: str, golden: GoldenCheck) -> None:
    golden(parse(seed(path), SEED_URL), name, from_sample=False)


# -- variants built from the seed page -------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "status"),
    [
        ("Fin de mandat", Status.LAPSED),
        ("Question retirée", Status.WITHDRAWN),
        ("Transformée en question orale", Status.CONVERTED),
    ],
)
def test_closure_reasons(reason: str, status: Status) -> None:
    record = parse(seed(CLOSED_PAGE).replace("Fin de mandat", reason), SEED_URL)
    assert record.status is status
    assert record.closed == Closure(date=dt.date(2022, 6, 21), reason=reason)


def test_closure_on_one_line() -> None:
    one_line = '<p class="h6">Date de cloture : <span>21 juin 2022 Fin de mandat</span></p>'
    page = seed().replace(
        "2 octobre 2018</a></span>\n</p>", f"2 octobre 2018</a></span>\n</p>{one_line}"
    )
    assert one_line in page
    record = parse(page, SEED_URL)
    assert record.text == SEED_TEXT
    assert record.closed == Closure(date=dt.date(2022, 6, 21), reason="Fin de mandat")
    assert record.status is Status.LAPSED


def test_words_in_title_and_text_are_not_a_status() -> None:
    page = (
        seed()
        .replace(SEED_TITLE, "Question retirée, transformée")
        .replace("Il veut savoir", "La demande retirée et transformée, il veut savoir")
    )
    record = parse(page, SEED_URL)
    assert record.title == "Question retirée, transformée"
    assert record.status is Status.PENDING
    assert record.closed is None


@pytest.mark.parametrize(
    ("label", "kind"),
    [("Question au Gouvernement", "QG"), ("Question orale sans débat", "QOSD")],
)
def test_other_kinds(label: str, kind: str) -> None:
    page = seed().replace("QANR5L15QE12526", f"QANR5L15{kind}12526")
    page = page.replace("Question écrite", label)
    record = parse(page, SEED_URL)
    assert (record.id, record.kind) == (f"15-12526{kind}", kind)


def test_kind_label_disagreeing_with_uid_is_refused() -> None:
    with pytest.raises(UnknownFormat, match="kind QG but its uid says QE"):
        parse(seed().replace("Question écrite", "Question au Gouvernement"), SEED_URL)


@pytest.mark.parametrize(
    ("where", "place", "department", "number", "region", "group"),
    [
        (
            "Seine-Saint-Denis (9e circonscription) - La France insoumise - Nouveau Front Populaire",
            "Seine-Saint-Denis (9e circonscription)",
            "Seine-Saint-Denis",
            9,
            None,
            "La France insoumise - Nouveau Front Populaire",
        ),
        (
            "Alpes-de-Haute-Provence (1re circonscription) - Écologiste - NUPES",
            "Alpes-de-Haute-Provence (1re circonscription)",
            "Alpes-de-Haute-Provence",
            1,
            None,
            "Écologiste - NUPES",
        ),
        # A page that shows only a region stores a region, never a constituency.
        ("Ile-de-France - Renaissance", None, None, None, "Ile-de-France", "Renaissance"),
        ("Île-de-France - Renaissance", None, None, None, "Île-de-France", "Renaissance"),
        (
            "Bourgogne-Franche-Comté - Renaissance",
            None,
            None,
            None,
            "Bourgogne-Franche-Comté",
            "Renaissance",
        ),
        ("Provence-Alpes-Côte d'Azur - RN", None, None, None, "Provence-Alpes-Côte d'Azur", "RN"),
        # An overseas region is its one department too.
        ("Guadeloupe - GDR", None, "Guadeloupe", None, "Guadeloupe", "GDR"),
        (
            "Guadeloupe (2e circonscription) - GDR",
            "Guadeloupe (2e circonscription)",
            "Guadeloupe",
            2,
            None,
            "GDR",
        ),
        ("Nord", "Nord", None, None, None, None),
        ("Haute-Corse - LIOT", "Haute-Corse", None, None, None, "LIOT"),
    ],
)
def test_author_place_and_group(
    where: str,
    place: str | None,
    department: str | None,
    number: int | None,
    region: str | None,
    group: str | None,
) -> None:
    page = seed().replace("Nord (2e circonscription) - La France insoumise", where)
    author = parse(page, SEED_URL).author
    assert (
        author.constituency,
        author.department,
        author.constituency_number,
        author.region,
    ) == (place, department, number, region)
    assert author.group == (Group(full=group) if group else None)
    assert (author.name, author.civility, author.ref) == ("Ugo Bernalicis", "M.", "PA000001")


def test_question_in_several_paragraphs() -> None:
    split = SEED_TEXT.index("Les bugs")
    paragraphs = f'<p class="_pa-small">{SEED_TEXT[:split]}</p>\n<p class="_pa-small">{SEED_TEXT[split:]}</p>'
    page = seed().replace(f'<p class="_pa-small">{SEED_TEXT}</p>', paragraphs)
    expected = SEED_TEXT[:split].rstrip() + "\n\n" + SEED_TEXT[split:]
    assert parse(page, SEED_URL).text == expected
    # The open-data HTML pasted inside the paragraph: <p> in <p> splits the tree.
    nested = f'<p class="_pa-small"><p>{SEED_TEXT[:split]}</p><p>{SEED_TEXT[split:]}</p></p>'
    page = seed().replace(f'<p class="_pa-small">{SEED_TEXT}</p>', nested)
    assert parse(page, SEED_URL).text == expected


def test_answer_with_table_and_spaces() -> None:
    page = seed(ANSWERED_PAGE).replace(
        "Elle n’a d’autre objet",
        "Chiffres :<table><tr><td>2018</td><td>12\u00a0000</td></tr>"
        "<tr><td>2019</td><td>  9 000 </td></tr></table>Elle   n’a d’autre objet",
    )
    answer = parse(page, SEED_URL).answer
    assert answer is not None and answer.text is not None
    assert "Chiffres :\n\n2018 | 12 000\n2019 | 9 000\n\nElle n’a d’autre objet" in answer.text


def test_answer_date_from_the_dates_list_when_no_jo_link() -> None:
    page = re.sub(
        r'<a class="link" href="[^"]*jo_anq_201902\.pdf">\s*Publication de la réponse[^<]*</a>',
        "",
        seed(ANSWERED_PAGE),
    )
    answer = parse(page, SEED_URL).answer
    assert answer is not None
    assert answer.published == Publication(date=dt.date(2019, 1, 15))


def test_question_date_from_the_dates_list_when_no_jo_link() -> None:
    page = re.sub(r"Publication de la question[^<]*</a>", "</a>", seed())
    assert parse(page, SEED_URL).published == Publication(date=dt.date(2018, 10, 2))
