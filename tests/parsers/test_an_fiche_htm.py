"""The "FICHE QUESTION" pseudo-tag parser, on the real 11-450QE page and hostile variants."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from cocoa import unwrap_cocoa
from qarchive.errors import UnknownFormat
from qarchive.model.question import (
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
from qarchive.sources.an import detect_format, fiche_htm

SAMPLE = "an/legacy_htm/11-450QE.unwrapped-from-cocoa.htm"
WRAPPED = "an/legacy_htm/parl-ia-ment_html_11_qe.cocoa.html"
SAMPLE_URL = "https://questions.assemblee-nationale.fr/q11/11-450QE.htm"

GoldenCheck = Callable[..., None]  # the conftest `golden` fixture


@pytest.fixture
def page(samples_dir: Path) -> str:
    return (samples_dir / SAMPLE).read_text(encoding="utf-8")


def parse(text: str | bytes) -> Question:
    return fiche_htm.parse(text.encode("utf-8") if isinstance(text, str) else text, url=SAMPLE_URL)


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def unanswered(page: str) -> str:
    """The sample as it would be before the answer: empty answer tags, no closure code."""
    page = re.sub(r"<dpr>.*?</dpr>|<pgrep>.*?</pgrep>", "", page)
    page = re.sub(r"<rep>.*?</rep>", "<rep></rep>", page, flags=re.DOTALL)
    page = replace_once(page, "<codret>REP_PUB</codret>", "<codret></codret>")
    return replace_once(page, "<reponse>O</reponse>", "<reponse>N</reponse>")


def test_sample_every_field(page: str) -> None:
    record = parse(page)

    assert record.id == "11-450QE"
    assert record.chamber == "an"
    assert (record.legislature, record.number, record.kind) == (11, 450, "QE")
    assert record.url == "https://www.assemblee-nationale.fr/dyn/11/questions/QANR5L11QE450"
    assert record.title is None
    assert record.rubrique == "logement : aides et prêts"
    assert record.heading == "APL"
    assert record.analysis == ["calcul"]
    author = record.author
    assert author.name == "Muguette Jacquaint"
    assert author.civility == "Mme"
    assert author.ref is None
    assert author.mandate_ref is None
    assert author.group == Group(short="COM", full="Communiste")
    assert author.department == "Seine-Saint-Denis"
    assert author.constituency == "Seine-Saint-Denis"
    assert author.constituency_number is None
    assert author.region == "Ile-de-France"
    assert record.ministry_asked == Ministry(name="logement")
    assert record.ministry_responding == Ministry(name="logement")
    assert record.attribution_history == []
    assert record.published == Publication(date=dt.date(1997, 6, 30), page=2254)
    assert record.text is not None
    assert record.text.startswith(
        "Mme Muguette Jacquaint attire l'attention de M. le secrétaire d'Etat"
    )
    assert record.text.endswith("afin de recevoir ces nouveaux critères d'attribution d'APL.")
    assert record.answer is not None
    assert record.answer.published == Publication(date=dt.date(1997, 9, 22), page=3099)
    assert record.answer.ministry == Ministry(name="logement")
    assert record.answer.text is not None
    assert record.answer.text.startswith("Les mesures prises concernant la base de ressources")
    assert record.answer.text.endswith("d'avoir accès au logement et de s'y maintenir.")
    assert "« évaluation forfaitaire »" in record.answer.text
    assert record.status is Status.ANSWERED
    assert record.closed == Closure(date=dt.date(1997, 9, 22), code="REP_PUB")
    assert (record.signalements, record.renewals, record.errata) == ([], [], [])
    assert record.source.format is SourceFormat.AN_FICHE_HTM
    assert record.source.url == SAMPLE_URL


def test_sample_golden(page: str, golden: GoldenCheck) -> None:
    golden(parse(page), "11-450QE.fiche", from_sample=True)


def test_sample_is_detected_as_this_format(page: str) -> None:
    assert detect_format(page.encode("utf-8")) is SourceFormat.AN_FICHE_HTM


def test_cocoa_wrapped_copy_gives_the_same_record(samples_dir: Path, page: str) -> None:
    unwrapped = unwrap_cocoa((samples_dir / WRAPPED).read_text(encoding="utf-8"))
    record = parse(unwrapped)

    assert record.id == "11-450QE"
    assert record.author.name == "Muguette Jacquaint"
    assert record.published.date == dt.date(1997, 6, 30)
    assert record.answer is not None and record.answer.published.page == 3099
    # The un-wrapped sample was made the same way, bar NBSPs: the records agree.
    assert record == parse(page)


def test_upper_case_pseudo_tags_give_the_same_record(page: str) -> None:
    shouting = re.sub(r"</?[a-z]+", lambda match: match.group().upper(), page)
    assert "<NUM>450</NUM>" in shouting and "<QUEST><HTML>" in shouting

    assert parse(shouting) == parse(page)


def test_windows_1252_bytes_give_the_same_record(page: str) -> None:
    assert parse(page.encode("cp1252")) == parse(page)


def test_mojibake_is_repaired(page: str) -> None:
    double_encoded = page.encode("utf-8").decode("cp1252").encode("utf-8")
    assert parse(double_encoded) == parse(page)


@pytest.mark.parametrize("tag", ["num", "dpq"])
def test_page_without_number_or_publication_date_is_refused(page: str, tag: str) -> None:
    with pytest.raises(UnknownFormat, match="unrecognised page layout"):
        parse(re.sub(rf"<{tag}>.*?</{tag}>", f"<{tag}></{tag}>", page))


def test_unanswered(page: str) -> None:
    record = parse(unanswered(page))

    assert record.answer is None
    assert record.status is Status.PENDING
    assert record.closed is None


@pytest.mark.parametrize(
    ("cause", "status"),
    [("retrait à l'initiative de l'auteur", Status.WITHDRAWN), ("fin de mandat", Status.LAPSED)],
)
def test_withdrawal_tags(page: str, cause: str, status: Status) -> None:
    page = replace_once(unanswered(page), "<dret></dret>", "<dret>14/04/1998</dret>")
    record = parse(replace_once(page, "<cret></cret>", f"<cret>{cause}</cret>"))

    assert record.status is status
    assert record.closed == Closure(date=dt.date(1998, 4, 14), reason=cause)


def test_other_event_tags(page: str) -> None:
    for old, new in [
        ("<dsign></dsign>", "<dsign>20/07/1997</dsign>"),
        ("<draps></draps>", "<draps>28/07/1997</draps>"),
        ("<dca></dca>", "<dca>07/07/1997</dca>"),
        ("<derq></derq>", "<derq>14/07/1997</derq>"),
        ("<pgerq></pgerq>", "<pgerq>2400</pgerq>"),
        ("<derr></derr>", "<derr>29/09/1997</derr>"),
        ("<pgerrep></pgerrep>", "<pgerrep>3200</pgerrep>"),
    ]:
        page = replace_once(page, old, new)
    record = parse(page)

    assert record.signalements == [Signalement(published=dt.date(1997, 7, 20))]
    assert record.renewals == [dt.date(1997, 7, 28)]
    assert record.attribution_history == [
        Attribution(ministry=Ministry(name="logement"), date=dt.date(1997, 7, 7))
    ]
    assert record.errata == [
        Erratum(target="question", published=Publication(date=dt.date(1997, 7, 14), page=2400)),
        Erratum(target="answer", published=Publication(date=dt.date(1997, 9, 29), page=3200)),
    ]
    assert record.status is Status.ANSWERED


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        ("Le Ray Philippe", "Philippe Le Ray"),
        ("Cornut-Gentille François", "François Cornut-Gentille"),
        ("Martin Jean-Pierre", "Jean-Pierre Martin"),
        ("Jacquaint", "Jacquaint"),
    ],
)
def test_author_surname_first(page: str, published: str, expected: str) -> None:
    page = replace_once(page, "<aut>Jacquaint Muguette</aut>", f"<aut>{published}</aut>")
    assert parse(page).author.name == expected


def test_free_text_words_are_not_a_lapse(page: str) -> None:
    page = replace_once(unanswered(page), "<ana>calcul</ana>", "<ana>mesure caduque</ana>")
    record = parse(page)

    assert record.status is Status.PENDING
    assert record.analysis == ["mesure caduque"]


def test_truncated_page_keeps_what_it_has(page: str) -> None:
    record = parse(page[: page.index("Les mesures prises")])

    assert record.id == "11-450QE"
    assert record.answer is not None
    assert record.answer.published.date == dt.date(1997, 9, 22)
    assert record.answer.text is None  # <rep> never closes
    assert record.author.group == Group(full="Communiste")  # <grp> was past the cut
    assert record.status is Status.ANSWERED


def test_huge_page_with_unclosed_tags_parses_in_linear_time(page: str) -> None:
    # Thousands of unclosed <quest> before a megabyte of text: a (.*?) per tag
    # took minutes here.
    hostile = page.replace("<comprep>", "<quest>" * 2000 + "z" * 1_000_000 + "<comprep>")
    assert parse(hostile).published.page == 2254


@pytest.mark.parametrize(
    ("markup", "lapsed"),
    [
        ("<td>Fin de mandat le 01/02/2003</td>", True),
        ("<table><td>fin de <b>man</b>dat</td></table>", False),  # cells: nodes apart
        ("fin de <b>man</b>dat", True),  # not outside a table
        ("fin de ma<!-- x -->ndat", True),  # comments are dropped
        ("fin de ma<script>x</script>ndat", True),  # so are scripts
        ("fin de ma<template>x</template>ndat", True),  # and templates
        ("<table>fin de ma<col> ndat</table>", True),  # foster parenting; the space in <col>
        ("fin de <svg>ma<![CDATA[ndat]]></svg>", True),  # CDATA
        ("fin de &#109;andat", True),  # references
        ("fin de m\x00andat", True),  # NUL, dropped
        ("FIN DE MANDAT", True),
        ("question caduque", True),
        ("ca<i>du</i>que", True),
        ("<table><td>ca<b>du</b>que</td></table>", False),
    ],
)
def test_lapse_found_however_its_words_are_spelled(page: str, markup: str, lapsed: bool) -> None:
    # The lapse check reads the source first and builds no tree unless the words
    # may be there (fiche_htm._cannot_name_lapse): it must never rule out a lapse
    # that html_to_text and find_lapse would find.
    page = replace_once(unanswered(page), "</body>", f"<p>{markup}</p></body>")
    assert not fiche_htm._cannot_name_lapse(page)
    assert parse(page).status is (Status.LAPSED if lapsed else Status.PENDING)


def test_lapse_check_skips_the_sample(page: str) -> None:
    # The sample, answered or not, names no lapse outside its free text.
    spans = {name: fiche_htm._inner_span(page, name) for name in ("quest", "rep")}
    assert fiche_htm._cannot_name_lapse(
        fiche_htm._without_texts(page, spans["quest"], spans["rep"])
    )
    assert fiche_htm._cannot_name_lapse(unanswered(page))
