"""The pages of the kind × format matrix (issue 19): built ones in fixtures/, real ones in the samples.

Shared by ``tests/parsers/test_matrix.py`` (each page, field by field) and
``tests/test_matrix_cli.py`` (the command line over them).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conftest import FIXTURES, SAMPLES
from qarchive.model.question import SourceFormat

__all__ = ["BUILT", "FORMATS", "KINDS", "REAL", "Page"]

AN, LEGACY = "https://www.assemblee-nationale.fr", "https://questions.assemblee-nationale.fr"
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
