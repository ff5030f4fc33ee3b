"""Every kind of AN question through every format: the kind × format matrix (issue 19).

Each cell (QE, QG, QOSD × open-data JSON, ``/dyn`` page, eZ page, FICHE page, XML
export) holds a page we built in the real layout (``fixtures/``, always there), and
a real page where one was found (read from ``../shared/samples`` at test time,
skipped where it is not there yet: fixtures/README.md lists where each is). Every
page is checked field by field against its golden file, and against what
:mod:`qarchive.sources.coverage` declares its source cannot hold: a field missing
from a page must be one its source does not carry.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cocoa import unwrap_cocoa
from conftest import SAMPLES
from matrix_pages import BUILT, FORMATS, KINDS, REAL, Page
from qarchive.jobs.fields import FIELD_RULES
from qarchive.model.question import Question, Status
from qarchive.sources import detect_format, parse
from qarchive.sources.coverage import source_gaps

GoldenCheck = Callable[..., None]


def _content(page: Page) -> bytes:
    if page.real and not page.file.is_file():
        pytest.skip(
            f"real page {page.path} is not in the shared samples ({SAMPLES}) yet; "
            "fixtures/README.md says where it is"
        )
    content = page.file.read_bytes()
    if ".cocoa." in page.path:
        content = unwrap_cocoa(content.decode("utf-8")).encode("utf-8")
    return content


def _parsed(page: Page) -> Question:
    content = _content(page)
    assert detect_format(content, url=page.url) is page.format
    return parse(content, url=page.url)


def test_every_cell_has_a_built_page() -> None:
    cells = {(page.kind, page.format) for page in BUILT}
    assert cells == {(kind, fmt) for kind in KINDS for fmt in FORMATS}
    assert all(page.file.is_file() for page in BUILT)


@pytest.mark.parametrize("page", BUILT + REAL, ids=Page.id)
def test_page_gives_every_field(page: Page, golden: GoldenCheck) -> None:
    record = _parsed(page)
    assert (record.kind, record.source.format, record.source.url) == (
        page.kind,
        page.format,
        page.url,
    )
    golden(record, page.golden, from_sample=page.real)


@pytest.mark.parametrize("page", BUILT + REAL, ids=Page.id)
def test_a_missing_field_is_one_its_source_cannot_hold(page: Page) -> None:
    record = _parsed(page).model_dump(mode="json")
    gaps = source_gaps(record)
    unexplained = [
        rule.name
        for rule in FIELD_RULES
        if rule.applies(record) and not rule.has(record) and rule.name not in gaps
    ]
    assert unexplained == []


@pytest.mark.parametrize("page", [page for page in BUILT + REAL if page.kind != "QE"], ids=Page.id)
def test_oral_and_government_questions_are_answered_in_the_sitting(page: Page) -> None:
    # Every QG and QOSD page of the matrix was answered: the status, the answer's
    # date and text are there, and a QG's only text is the exchange (the answer).
    record = _parsed(page)
    assert record.status is Status.ANSWERED
    assert record.answer is not None and record.answer.text
    assert record.answer.published.date >= record.published.date
    if page.kind == "QG":
        assert record.text is None
        assert record.answer.published.date == record.published.date  # one sitting, one JO
    else:
        assert record.text


# The same question through several formats agrees on what both carry.
SAME_QUESTION = {
    "16-350QOSD": ("16-350QOSD.dyn", "16-350QOSD.opendata_json"),
    "14-200QG": ("14-200QG.ez", "14-200QG.question_xml"),
    "14-450QOSD": ("14-450QOSD.ez", "14-450QOSD.question_xml"),
}


@pytest.mark.parametrize("qid", sorted(SAME_QUESTION))
def test_formats_agree_on_the_same_question(qid: str) -> None:
    by_golden = {page.golden: page for page in BUILT}
    first, second = (_parsed(by_golden[name]) for name in SAME_QUESTION[qid])
    for record in (first, second):
        assert record.id == qid
    for part in (
        lambda q: (q.kind, q.legislature, q.number, q.status),
        lambda q: q.published.date,
        lambda q: q.answer.published.date if q.answer else None,
        lambda q: q.ministry_asked.name if q.ministry_asked else None,
        lambda q: q.author.ref,
        lambda q: q.title,
    ):
        assert part(first) == part(second)
    if first.analysis and second.analysis:  # the /dyn page shows no analyse
        assert (first.heading, first.analysis) == (second.heading, second.analysis)
