"""One record whatever the source, and the rules from the field, end to end.

The seed question 15-12526QE exists in the fixtures in four formats: the
open-data JSON, the ``/dyn`` page, the legacy eZ page and the XML export (served
at its real path, ``/q15/15-12526QE.htm/vue/xml``). Parsed, or fetched into an
archive holding the AN reference data, they must give the same record except for
the fields :data:`fidelity.FORMAT_GAPS` declares.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import types
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from amo_fixture import AMO_ZIP, legislature_zip, question_json
from conftest import FIXTURES, SITES
from fidelity import FORMAT_GAPS, RESOLVED_FIELDS, comparable, gaps
from qarchive.http import Client
from qarchive.jobs.fetch import fetch_question, save_page
from qarchive.jobs.imports.dispatch import import_file
from qarchive.model.ids import parse_question_id
from qarchive.model.question import Question, SourceFormat, Status
from qarchive.model.versioning import diff_records
from qarchive.settings import load_settings
from qarchive.sources import parse
from qarchive.store.archive import Archive

NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)
SEED = parse_question_id("15-12526QE")
JSON_PATH = "/dyn/opendata/QANR5L15QE12526.json"
DYN_PATH = "/dyn/15/questions/QANR5L15QE12526"
HTM_PATH = "/q15/15-12526QE.htm"
XML_PATH = "/q15/15-12526QE.htm/vue/xml"  # the export's real path (regardscitoyens/anpy)
XML_EXPORT = FIXTURES / "variants/an/15-12526QE.vue.xml"
ANSWERED_JSON = FIXTURES / "variants/an/QANR5L15QE12526.answered.json"
ANSWERED_DYN = FIXTURES / "variants/an/QANR5L15QE12526.answered.html"
# Each format, where the site serves it, richest first (the order fetch tries them).
SOURCES: dict[SourceFormat, tuple[str, str]] = {
    SourceFormat.AN_OPENDATA_JSON: ("www.assemblee-nationale.fr", JSON_PATH),
    SourceFormat.AN_DYN_HTML: ("www.assemblee-nationale.fr", DYN_PATH),
    SourceFormat.AN_EZ_HTM: ("questions.assemblee-nationale.fr", HTM_PATH),
    SourceFormat.AN_QUESTION_XML: ("questions.assemblee-nationale.fr", XML_PATH),
}
BASE = SourceFormat.AN_OPENDATA_JSON


def _content(fmt: SourceFormat) -> bytes:
    host, path = SOURCES[fmt]
    return (
        XML_EXPORT.read_bytes()
        if fmt is SourceFormat.AN_QUESTION_XML
        else (SITES / host / path.lstrip("/")).read_bytes()
    )


def _parsed(fmt: SourceFormat) -> Question:
    host, path = SOURCES[fmt]
    return parse(_content(fmt), url=f"https://{host}{path}")


def _differences(left: Question, right: Question, ignore: frozenset[str]) -> list[Any]:
    return [
        (change.path, change.old, change.new)
        for change in diff_records(comparable(left, ignore), comparable(right, ignore))
    ]


# -- the declaration ----------------------------------------------------------------------


def _paths(model: Any, prefix: str = "") -> set[str]:
    """Every dotted path of the record model, lists of records marked with ``[]``."""
    found = set()
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        found.add(path)
        annotation = info.annotation
        union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
        for arg in typing.get_args(annotation) if union else (annotation,):
            if typing.get_origin(arg) is list:
                (item,) = typing.get_args(arg)
                if isinstance(item, type) and issubclass(item, BaseModel):
                    found |= _paths(item, path + "[].")
            elif isinstance(arg, type) and issubclass(arg, BaseModel):
                found |= _paths(arg, path + ".")
    return found


def test_every_declared_gap_is_a_field_of_the_record():
    known = _paths(Question)
    for fmt, paths in FORMAT_GAPS.items():
        assert paths <= known, f"{fmt}: {sorted(paths - known)} are not record fields"
    assert known >= RESOLVED_FIELDS
    assert "source" not in set().union(*FORMAT_GAPS.values())  # never compared anyway


def test_the_xml_export_fixture(golden):
    record = _parsed(SourceFormat.AN_QUESTION_XML)
    assert record.source.format is SourceFormat.AN_QUESTION_XML
    golden(record, "15-12526QE.question_xml", from_sample=False)


# -- parsed: each pair of formats ------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right"), list(itertools.combinations(SOURCES, 2)), ids=lambda fmt: fmt.value
)
def test_parsed_records_agree_except_for_the_declared_gaps(left, right):
    one, other = _parsed(left), _parsed(right)
    assert (one.source.format, other.source.format) == (left, right)
    assert _differences(one, other, gaps(left, right)) == []


def test_the_gaps_are_real_gaps():
    # Without the declaration the records do differ: the test above tests something.
    for fmt in SOURCES:
        if fmt is not BASE:
            assert _differences(_parsed(BASE), _parsed(fmt), frozenset()) != []


# -- fetched into an archive with the reference data ---------------------------------------


def _with_references(path: Path) -> Archive:
    archive = Archive(path)
    with archive.lock():
        import_file(AMO_ZIP, archive=archive, max_member_bytes=1_000_000, now=lambda: NOW)
    return archive


def _fetch_as(fmt: SourceFormat, sites: Any, archive: Archive) -> Question:
    """Fetch the seed question when only ``fmt`` (and poorer formats) answer."""
    settings = load_settings()
    hosts = {
        "www.assemblee-nationale.fr": sites.an,
        "questions.assemblee-nationale.fr": sites.an_questions,
    }
    with Client(settings) as client, archive.lock():
        if fmt is SourceFormat.AN_QUESTION_XML:  # not a fetch source: its real path, then save
            sites.an_questions.pages[XML_PATH] = XML_EXPORT.read_bytes()
            fetched = client.get(settings.an_questions_url + XML_PATH)
            save_page(fetched.content, url=fetched.url, archive=archive, extension="xml")
        else:
            for richer in list(SOURCES)[: list(SOURCES).index(fmt)]:
                host, path = SOURCES[richer]
                hosts[host].server.expect_oneshot_request(path).respond_with_data(
                    "gone", status=404
                )
            report = fetch_question(SEED, settings=settings, archive=archive, client=client)
            assert report.error is None
    return archive.read_version(SEED).record


def test_fetched_records_agree_and_carry_the_author_whatever_the_format(sites, tmp_path):
    records = {
        fmt: _fetch_as(fmt, sites, _with_references(tmp_path / fmt.value)) for fmt in SOURCES
    }
    assert {fmt: record.source.format for fmt, record in records.items()} == {
        fmt: fmt for fmt in SOURCES
    }
    base = records[BASE]
    for fmt, record in records.items():
        assert _differences(base, record, gaps(BASE, fmt, resolved=True)) == [], fmt
        # Name, civility, constituency and group as of the question's date, and the refs.
        assert record.author == base.author, fmt
    author = base.author
    assert (author.name, author.civility, author.ref, author.mandate_ref) == (
        "Ugo Bernalicis",
        "M.",
        "PA000001",
        "PM000001",
    )
    assert (author.constituency, author.department, author.constituency_number) == (
        "Nord (2e circonscription)",
        "Nord",
        2,
    )
    assert author.group is not None
    assert (author.group.short, author.group.full, author.group.ref) == (
        "LFI",
        "La France insoumise",
        "PO000001",
    )


# -- rules from the field ---------------------------------------------------------------------


def _fetch(sites: Any, archive: Archive) -> None:
    with Client(load_settings()) as client, archive.lock():
        report = fetch_question(SEED, settings=load_settings(), archive=archive, client=client)
    assert report.error is None, report.error


def test_a_lagging_source_never_turns_an_answered_question_pending(sites, tmp_path):
    archive = Archive(tmp_path / "a")
    sites.an.pages[JSON_PATH] = ANSWERED_JSON.read_bytes()
    _fetch(sites, archive)
    assert archive.read_version(SEED).record.status is Status.ANSWERED
    sites.an.pages[JSON_PATH] = (
        SITES / "www.assemblee-nationale.fr" / JSON_PATH.lstrip("/")
    ).read_bytes()
    _fetch(sites, archive)  # the open data lags: still pending there
    with archive.lock():  # and a bulk import of an old zip lags too
        import_file(
            legislature_zip(tmp_path / "old.zip", {12526: question_json(12526)}),
            archive=archive,
            max_member_bytes=1_000_000,
            now=lambda: NOW,
        )
    assert archive.versions(SEED) == [1]
    record = archive.read_version(SEED).record
    assert record.status is Status.ANSWERED
    assert record.answer is not None and record.answer.published.date == dt.date(2019, 1, 15)
    assert record.closed is not None and record.closed.code == "REP_PUB"


def test_a_poorer_source_never_replaces_a_known_value_with_null(sites, tmp_path):
    archive = Archive(tmp_path / "a")  # no reference data: only the page names the author
    sites.an.server.expect_oneshot_request(JSON_PATH).respond_with_data("gone", status=404)
    _fetch(sites, archive)
    assert archive.read_version(SEED).record.source.format is SourceFormat.AN_DYN_HTML
    with archive.lock():  # the open data names the author by reference only
        import_file(
            legislature_zip(
                tmp_path / "q.zip",
                {
                    12526: (
                        SITES / "www.assemblee-nationale.fr" / JSON_PATH.lstrip("/")
                    ).read_bytes()
                },
            ),
            archive=archive,
            max_member_bytes=1_000_000,
            now=lambda: NOW,
        )
    stored = archive.read_version(SEED)
    assert stored.version == 2  # the open data adds what the page lacks...
    author = stored.record.author
    assert (author.name, author.civility, author.constituency, author.department) == (
        "Ugo Bernalicis",
        "M.",
        "Nord (2e circonscription)",
        "Nord",
    )  # ...and keeps what only the page had
    assert author.mandate_ref == "PM000001"
    assert author.group is not None and author.group.short == "LFI"
    assert stored.record.ministry_asked is not None
    assert stored.record.ministry_asked.full_name == "Ministère de l'intérieur"
    assert stored.record.rubrique == "sécurité des biens et des personnes"
    assert stored.record.analysis == ["Privatisation du centre d’appels de l’ANTS"]


def test_an_answer_closing_several_questions_is_attached_to_each(tmp_path):
    text = "<p>Réponse groupée aux questions nos 101 et 102, synthétique.</p>"
    questions = {
        number: question_json(number, published=day, answered="2019-01-15", answer_text=text)
        for number, day in ((101, "2018-10-02"), (102, "2018-11-06"))
    }
    archive = Archive(tmp_path / "a")
    with archive.lock():
        import_file(
            legislature_zip(tmp_path / "q.zip", questions),
            archive=archive,
            max_member_bytes=1_000_000,
            now=lambda: NOW,
        )
    answers = [
        archive.read_version(parse_question_id(f"15-{number}QE")).record for number in (101, 102)
    ]
    for record in answers:
        assert record.status is Status.ANSWERED
        assert record.answer is not None
        assert record.answer.text == "Réponse groupée aux questions nos 101 et 102, synthétique."
        assert (record.answer.published.date, record.answer.published.page) == (
            dt.date(2019, 1, 15),
            412,
        )
    assert [record.answer_delay_days() for record in answers] == [105, 70]


@pytest.mark.parametrize(("answer_page", "expected"), [("412", 412), (None, None)])
def test_the_answer_page_is_the_answers_own_never_the_closures(answer_page, expected):
    content = question_json(9, answered="2019-01-15", answer_page=answer_page, closure_page="401")
    record = parse(content, url="https://x/QANR5L15QE9.json")
    assert record.answer is not None
    assert record.answer.published.page == expected  # 401 opens the answers section


def _answered_xml(page_reponse: str) -> bytes:
    answer = json.loads(ANSWERED_JSON.read_bytes())["question"]["textesReponse"]["texteReponse"]
    xml = XML_EXPORT.read_text(encoding="utf-8")
    closure = """    <CLOTURE>
        <DATE_JO/>
        <PAGE_JO/>
        <ABREGE/>
        <LIBELLE/>
        <NUMERO_JO/>
        <TYPE_JO/>
    </CLOTURE>
    <REPONSE>
        <TEXTE_REPONSE/>
        <DATE_JO_REPONSE/>
        <PAGE_JO_REPONSE/>
    </REPONSE>"""
    assert closure in xml
    answered = f"""    <CLOTURE>
        <DATE_JO>15/01/2019</DATE_JO>
        <PAGE_JO>401</PAGE_JO>
        <ABREGE>REP_PUB</ABREGE>
        <LIBELLE>Réponse publiée</LIBELLE>
        <NUMERO_JO/>
        <TYPE_JO>JO_QUESTION</TYPE_JO>
    </CLOTURE>
    <REPONSE>
        <TEXTE_REPONSE><![CDATA[{answer["texte"]}]]></TEXTE_REPONSE>
        <DATE_JO_REPONSE>15/01/2019</DATE_JO_REPONSE>
        <PAGE_JO_REPONSE>{page_reponse}</PAGE_JO_REPONSE>
    </REPONSE>"""
    return xml.replace(closure, answered).encode()


def test_answered_records_agree_and_take_the_answers_page():
    by_format = {
        SourceFormat.AN_OPENDATA_JSON: parse(ANSWERED_JSON.read_bytes(), url="https://x/a.json"),
        SourceFormat.AN_DYN_HTML: parse(ANSWERED_DYN.read_bytes(), url="https://x/a"),
        SourceFormat.AN_QUESTION_XML: parse(_answered_xml("412"), url="https://x/a.xml"),
    }
    for fmt, record in by_format.items():
        assert record.source.format is fmt
        assert record.answer is not None and record.answer.published.page == 412, fmt
    for left, right in itertools.combinations(by_format, 2):
        ignore = gaps(left, right)
        assert _differences(by_format[left], by_format[right], ignore) == [], (left, right)
    unpaged = parse(_answered_xml(""), url="https://x/b.xml")
    assert unpaged.answer is not None and unpaged.answer.published.page is None
