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
from dataclasses import dataclass
from pathlib import Path

import pytest

from cocoa import unwrap_cocoa
from conftest import FIXTURES, SAMPLES
from qarchive.jobs.fields import FIELD_RULES
from qarchive.model.question import Question, SourceFormat, Status
from qarchive.sources import detect_format, parse
from qarchive.sources.coverage import source_gaps

GoldenCheck = Callable[..., None]

AN, LEGACY = "https://www.assemblee-nationale.fr", "https://questions.assemblee-nationale.fr"
SITES = FIXTURES / "sites"
KINDS = ("QE", "QG", "QOSD")
FORMATS = (
    SourceFormat.AN_OPENDATA_JSON,
    SourceFormat.AN_DYN_HTML,
    SourceFormat.AN_EZ_HTM,
    SourceFormat.AN_FICHE_HTM,
    SourceFormat.AN_QUESTION_XML,
)


@dataclass(frozen=True)
class Page:
    """One page of a cell: where it is, the URL it stands for, its golden file."""

    kind: str
    format: SourceFormat
    path: str  # under fixtures/ (built) or under the samples (real)
    url: str
    golden: str
    real: bool = False

    @property
    def file(self) -> Path:
        return (SAMPLES if self.real else FIXTURES) / self.path

    def id(self) -> str:
        return f"{self.kind}-{self.format.value}-{'real' if self.real else 'built'}"


def _opendata(uid: str) -> str:
    return f"{AN}/dyn/opendata/{uid}.json"


def _dyn(leg: int, uid: str) -> str:
    return f"{AN}/dyn/{leg}/questions/{uid}"


def _legacy(qid: str) -> str:
    return f"{LEGACY}/q{qid.split('-')[0]}/{qid}.htm"


J, D, E, F, X = FORMATS
BUILT = (
    Page("QE", J, "sites/www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE12526.json",
         _opendata("QANR5L15QE12526"), "15-12526QE.opendata_json"),
    Page("QE", D, "sites/www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE12526",
         _dyn(15, "QANR5L15QE12526"), "QANR5L15QE12526.dyn"),
    Page("QE", E, "sites/questions.assemblee-nationale.fr/q15/15-12526QE.htm",
         _legacy("15-12526QE"), "15-12526QE.ez"),
    Page("QE", F, "sites/questions.assemblee-nationale.fr/q11/11-450QE.htm",
         _legacy("11-450QE"), "11-450QE.fiche.built"),
    Page("QE", X, "variants/an/15-12526QE.vue.xml",
         _legacy("15-12526QE") + "/vue/xml", "15-12526QE.question_xml"),
    Page("QG", J, "sites/www.assemblee-nationale.fr/dyn/opendata/QANR5L17QG1.json",
         _opendata("QANR5L17QG1"), "17-1QG.opendata_json"),
    Page("QG", D, "sites/www.assemblee-nationale.fr/dyn/16/questions/QANR5L16QG200",
         _dyn(16, "QANR5L16QG200"), "16-200QG.dyn"),
    Page("QG", E, "sites/questions.assemblee-nationale.fr/q14/14-200QG.htm",
         _legacy("14-200QG"), "14-200QG.ez"),
    Page("QG", F, "sites/questions.assemblee-nationale.fr/q11/11-450QG.htm",
         _legacy("11-450QG"), "11-450QG.fiche"),
    Page("QG", X, "variants/an/14-200QG.vue.xml",
         _legacy("14-200QG") + "/vue/xml", "14-200QG.question_xml"),
    Page("QOSD", J, "sites/www.assemblee-nationale.fr/dyn/opendata/QANR5L16QOSD350.json",
         _opendata("QANR5L16QOSD350"), "16-350QOSD.opendata_json"),
    Page("QOSD", D, "sites/www.assemblee-nationale.fr/dyn/16/questions/QANR5L16QOSD350",
         _dyn(16, "QANR5L16QOSD350"), "16-350QOSD.dyn"),
    Page("QOSD", E, "sites/questions.assemblee-nationale.fr/q14/14-450QOSD.htm",
         _legacy("14-450QOSD"), "14-450QOSD.ez"),
    Page("QOSD", F, "sites/questions.assemblee-nationale.fr/q11/11-450QOSD.htm",
         _legacy("11-450QOSD"), "11-450QOSD.fiche"),
    Page("QOSD", X, "variants/an/14-450QOSD.vue.xml",
         _legacy("14-450QOSD") + "/vue/xml", "14-450QOSD.question_xml"),
)  # fmt: skip
# Real pages: those of the shared samples (QE), and those found elsewhere that are to be
# added there (QG, QOSD; fixtures/README.md names their repositories and commits). The
# parl-ia-ment pages are saved through TextEdit: unwrapped at test time.
REAL = (
    Page("QE", J, "an/opendata_json/QANR5L17QE5268.json", _opendata("QANR5L17QE5268"),
         "17-5268QE.opendata_json", real=True),
    Page("QE", D, "an/dyn/QANR5L16QE200.unwrapped-from-cocoa.html", _dyn(16, "QANR5L16QE200"),
         "QANR5L16QE200", real=True),
    Page("QE", E, "an/legacy_htm/14-3200QE.unwrapped-from-cocoa.htm", _legacy("14-3200QE"),
         "14-3200QE.ez", real=True),
    Page("QE", F, "an/legacy_htm/11-450QE.unwrapped-from-cocoa.htm", _legacy("11-450QE"),
         "11-450QE.fiche", real=True),
    Page("QE", X, "an/question_xml/q14_14-47351QE.xml", _legacy("14-47351QE") + "/vue/xml",
         "14-47351QE.question_xml", real=True),
    Page("QG", J, "an/opendata_json/QANR5L17QG1.json", _opendata("QANR5L17QG1"),
         "17-1QG.opendata_json.sample", real=True),
    Page("QG", D, "an/dyn/parl-ia-ment_html_16_qg.cocoa.html", _dyn(16, "QANR5L16QG200"),
         "16-200QG.dyn.sample", real=True),
    Page("QG", E, "an/legacy_htm/parl-ia-ment_html_14_qg.cocoa.html", _legacy("14-200QG"),
         "14-200QG.ez.sample", real=True),
    Page("QG", F, "an/legacy_htm/parl-ia-ment_html_11_qg.cocoa.html", _legacy("11-450QG"),
         "11-450QG.fiche.sample", real=True),
    Page("QOSD", D, "an/dyn/parl-ia-ment_html_16_qosd.cocoa.html", _dyn(16, "QANR5L16QOSD350"),
         "16-350QOSD.dyn.sample", real=True),
    Page("QOSD", E, "an/legacy_htm/parl-ia-ment_html_14_qosd.cocoa.html", _legacy("14-450QOSD"),
         "14-450QOSD.ez.sample", real=True),
    Page("QOSD", F, "an/legacy_htm/parl-ia-ment_html_11_qosd.cocoa.html", _legacy("11-450QOSD"),
         "11-450QOSD.fiche.sample", real=True),
)  # fmt: skip


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
