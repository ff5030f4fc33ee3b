import pytest

from qarchive.errors import ErrorPage
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
