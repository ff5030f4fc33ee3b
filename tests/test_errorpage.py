import json
from pathlib import Path

import pytest

from qarchive.errors import ErrorPage, UnknownFormat
from qarchive.sources import parse
from qarchive.sources.errorpage import check_error_page


@pytest.mark.parametrize(
    "page",
    [
        b"<html><body><h1>The page cannot be found</h1></body></html>",
        b"<html><head><title>503 Service Unavailable</title></head></html>",
        b"<html><head><title>404 Not Found</title></head></html>",
        b"<html><body>Error 503 Service Unavailable</body></html>",
        "<p>Aucun résultat ne correspond à votre recherche</p>".encode(),
        "<p>Aucun résultat ne correspond à votre recherche</p>".encode("latin-1"),
        b"<p>Le site est actuellement en maintenance</p>",
        "<html><head><title>Page introuvable - Assemblée</title></head></html>".encode(),
        b"<HTML><HEAD><TITLE>Maintenance</TITLE></HEAD></HTML>",
    ],
)
def test_error_pages_served_with_200_are_refused(page):
    with pytest.raises(
        ErrorPage, match=r"^https://x/q returned an error page \(.+\) with status 200$"
    ):
        check_error_page(page, url="https://x/q")


def test_a_question_quoting_such_words_deep_in_its_text_is_fine():
    page = b"<html><head><title>Question</title></head><body>" + b"x" * 9000
    page += b"<p>the page cannot be found</p></body></html>"
    check_error_page(page, url="https://x/q")


def test_ordinary_page_passes():
    check_error_page(b"<html><head><title>Question n\xc2\xb0200</title></head></html>", url="u")


# -- through the parsers: a question is never taken for an error page ---------------

FIXTURES = Path(__file__).parent.parent / "fixtures"
DYN = FIXTURES / "variants/an/QANR5L15QE12526.closed.html"
OPEN_DATA = FIXTURES / "sites/www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE12526.json"


def test_a_question_titled_maintenance_is_a_question():
    # The dyn page's <title> holds the question's title, here one about maintenance.
    page = DYN.read_bytes().replace(
        "Privatisation du centre d’appels de l’ANTS".encode(), b"Maintenance des ascenseurs"
    )
    assert b"<title>Question n\xc2\xb012526 : Maintenance des ascenseurs" in page
    record = parse(page, url="https://x/q")
    assert record.id == "15-12526QE"
    assert record.title == "Maintenance des ascenseurs"


def test_a_record_quoting_an_error_message_is_a_question():
    record = json.loads(OPEN_DATA.read_bytes())
    texts = record["question"]["textesQuestion"]["texteQuestion"]
    first = texts[0] if isinstance(texts, list) else texts
    first["texte"] = (
        "Le site de l'ANTS affiche « service unavailable » ; le site est actuellement en "
        "maintenance. " + first["texte"]
    )
    parsed = parse(json.dumps(record).encode(), url="https://x/q.json")
    assert parsed.text is not None and parsed.text.startswith("Le site de l'ANTS affiche")


def test_what_does_not_parse_is_named_as_the_error_page_it_is():
    page = b"<html><head><title>Maintenance</title></head><body>Revenez plus tard</body></html>"
    with pytest.raises(ErrorPage, match=r"'<title>maintenance'"):
        parse(page, url="https://x/q")
    with pytest.raises(UnknownFormat):
        parse(b"<html><head><title>Accueil</title></head></html>", url="https://x/q")
