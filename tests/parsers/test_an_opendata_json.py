"""The AN open-data JSON parser: the real sample, the seed fixtures, hostile variants."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qarchive.errors import ParseError, UnknownFormat
from qarchive.model.ids import Chamber
from qarchive.model.question import (
    Attribution,
    Closure,
    Erratum,
    Group,
    Ministry,
    Publication,
    Question,
    Signalement,
    Source,
    SourceFormat,
    Status,
)
from qarchive.settings import DEFAULT_AN_URL
from qarchive.sources.an.opendata_json import parse

Golden = Callable[..., None]

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SEED = FIXTURES / "sites/www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE12526.json"
SEED_ANSWERED = FIXTURES / "variants/an/QANR5L15QE12526.answered.json"
SEED_URL = f"{DEFAULT_AN_URL}/dyn/opendata/QANR5L15QE12526.json"
SAMPLE_URL = f"{DEFAULT_AN_URL}/dyn/opendata/QANR5L17QE5268.json"

ECONOMIE = Ministry(
    name="Économie, finances, souveraineté industrielle et numérique",
    full_name="Ministère de l’économie, des finances et de la souveraineté industrielle et numérique",
    ref="PO855083",
)
INTERIEUR = Ministry(name="Intérieur", full_name="Ministère de l'intérieur", ref="PO000002")


@pytest.fixture
def sample_bytes(samples_dir: Path) -> bytes:
    return (samples_dir / "an/opendata_json/QANR5L17QE5268.json").read_bytes()


@pytest.fixture
def sample(sample_bytes: bytes) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(sample_bytes)
    return data


def _parse(data: Any) -> Question:
    return parse(json.dumps(data, ensure_ascii=False).encode(), url=SAMPLE_URL)


def _info(date: str | None, page: str | None = None, num: str | None = None) -> dict[str, Any]:
    return {
        "typeJO": "JO_QUESTION",
        "dateJO": date,
        "pageJO": page,
        "numJO": num,
        "urlLegifrance": None,
        "referenceNOR": None,
    }


# -- the real sample ---------------------------------------------------------------


def test_sample_identity_and_indexation(sample_bytes: bytes) -> None:
    record = parse(sample_bytes, url=SAMPLE_URL)
    assert record.id == "17-5268QE"
    assert record.chamber is Chamber.AN
    assert (record.legislature, record.number, record.kind) == (17, 5268, "QE")
    assert record.url == f"{DEFAULT_AN_URL}/dyn/17/questions/QANR5L17QE5268"
    assert record.title == "Révision de la terminologie des diamants synthétiques"
    assert record.analysis == ["Révision de la terminologie des diamants synthétiques"]
    assert record.rubrique == "commerce et artisanat"
    assert record.heading is None  # teteAnalyse is null in XVII
    assert record.source == Source(format=SourceFormat.AN_OPENDATA_JSON, url=SAMPLE_URL)


def test_sample_author_has_refs_but_no_name(sample_bytes: bytes) -> None:
    author = parse(sample_bytes, url=SAMPLE_URL).author
    assert author.ref == "PA721764"
    assert author.mandate_ref == "PM843416"
    assert author.group == Group(short="EPR", full="Ensemble pour la République", ref="PO845407")
    assert author.name is None and author.civility is None
    assert author.constituency is None and author.department is None
    assert author.constituency_number is None and author.region is None


def test_sample_ministries_and_attribution(sample_bytes: bytes) -> None:
    record = parse(sample_bytes, url=SAMPLE_URL)
    assert record.ministry_asked == ECONOMIE
    assert record.ministry_responding == ECONOMIE
    assert record.attribution_history == [
        Attribution(ministry=ECONOMIE, date=dt.date(2025, 3, 25), jo_type="JO_QUESTION")
    ]


def test_sample_question_publication_and_text(sample_bytes: bytes) -> None:
    record = parse(sample_bytes, url=SAMPLE_URL)
    assert record.published == Publication(date=dt.date(2025, 3, 25), page=1958, issue="20250012")
    text = record.text
    assert text is not None
    assert text.startswith("Mme Olivia Grégoire interroge M. le ministre de l'économie")
    assert text.endswith("la transparence et la loyauté des transactions commerciales.")
    assert "« laboratory-grown diamond »" in text  # the <em> is gone, its words kept
    assert "<" not in text and "\n" not in text  # one paragraph in the source
    assert len(text) == 3504 - len("<em></em>")  # the raw texte is 3,504 characters


def test_sample_answer_closure_and_status(sample_bytes: bytes) -> None:
    record = parse(sample_bytes, url=SAMPLE_URL)
    answer = record.answer
    assert answer is not None
    assert answer.published == Publication(date=dt.date(2025, 6, 3), page=4348, issue="20250022")
    assert answer.ministry == ECONOMIE
    assert answer.text is not None
    assert answer.text.startswith("À la suite de la sollicitation d'un opérateur produisant")
    assert answer.text.endswith("aux côtés des diamants naturels issus de mines.")
    assert "\xa0" not in answer.text
    assert "décret n° 2002-65 du 14 janvier 2002 relatif" in answer.text  # NBSPs became spaces
    assert "« synthétique »" in answer.text
    assert "de la consomaation et de la répression" in answer.text  # the typo, as published
    assert record.status is Status.ANSWERED
    assert record.closed == Closure(
        date=dt.date(2025, 6, 3), code="REP_PUB", reason="Réponse publiée"
    )
    assert record.signalements == [] and record.renewals == [] and record.errata == []
    assert record.answer_delay_days() == 70


def test_sample_golden(sample_bytes: bytes, golden: Golden) -> None:
    golden(parse(sample_bytes, url=SAMPLE_URL), "17-5268QE.opendata_json", from_sample=True)


# -- the seed fixtures (ours, partly synthetic: see fixtures/README.md) -------------


@pytest.fixture
def seed_text(samples_dir: Path) -> str:
    """The question text of the reference seed, beside the samples in ../shared."""
    seed = samples_dir.parent / "seeds/000_8990dab98eb87932.txt"
    if not seed.is_file():
        pytest.skip(f"seed file not found at {seed}")
    return seed.read_text(encoding="utf-8").split("Texte de la question\n", 1)[1]


def test_seed_fixture_is_the_reference_question_pending() -> None:
    record = parse(SEED.read_bytes(), url=SEED_URL)
    assert record.id == "15-12526QE"
    assert record.url == f"{DEFAULT_AN_URL}/dyn/15/questions/QANR5L15QE12526"
    assert record.title == "Privatisation du centre d’appels de l’ANTS"  # via XV's ANALYSE/ANA
    assert record.analysis == ["Privatisation du centre d’appels de l’ANTS"]
    assert record.rubrique == "sécurité des biens et des personnes"
    assert record.author.ref == "PA000001" and record.author.mandate_ref == "PM000001"
    assert record.author.group == Group(short="LFI", full="La France insoumise", ref="PO000001")
    assert record.ministry_asked == INTERIEUR
    assert record.ministry_responding == INTERIEUR
    assert record.published == Publication(date=dt.date(2018, 10, 2), page=8740)
    assert record.status is Status.PENDING
    assert record.answer is None and record.closed is None
    assert record.deadline() == dt.date(2018, 12, 2)


def test_seed_fixture_text_is_the_seed_text_exactly(seed_text: str) -> None:
    record = parse(SEED.read_bytes(), url=SEED_URL)
    assert record.text == seed_text


def test_answered_variant() -> None:
    record = parse(SEED_ANSWERED.read_bytes(), url=SEED_URL)
    assert record.status is Status.ANSWERED
    assert record.answer is not None
    assert record.answer.published == Publication(date=dt.date(2019, 1, 15), page=412)
    assert record.answer.ministry == INTERIEUR
    assert record.answer.text == (
        "Réponse synthétique, écrite pour les tests de qarchive : ce n’est pas une réponse"
        " du ministère de l’intérieur.\n\n"
        "Elle n’a d’autre objet que de donner à la question de référence une réponse publiée."
    )
    assert record.closed == Closure(
        date=dt.date(2019, 1, 15), code="REP_PUB", reason="Réponse publiée"
    )
    assert record.answer_delay_days() == 105


@pytest.mark.parametrize(
    ("path", "name"),
    [
        (SEED, "15-12526QE.opendata_json"),
        (SEED_ANSWERED, "15-12526QE.answered.opendata_json"),
    ],
)
def test_seed_golden(path: Path, name: str, golden: Golden) -> None:
    golden(parse(path.read_bytes(), url=SEED_URL), name, from_sample=False)


# -- rejected content ---------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"", b"{not json", b"{}", b"[]", b"null", b'{"question": null}', b'{"question": []}',
     b"\xff\xfe\x00garbage", b"[" * 100_000],
)  # fmt: skip
def test_not_a_question_is_unknown_format(content: bytes) -> None:
    with pytest.raises(UnknownFormat):
        parse(content, url=SAMPLE_URL)


def _without_question_text(q: dict[str, Any]) -> None:
    q["textesQuestion"] = None


def _without_number(q: dict[str, Any]) -> None:
    del q["identifiant"]["numero"]


def _without_uid(q: dict[str, Any]) -> None:
    del q["uid"]


def _without_identifiant(q: dict[str, Any]) -> None:
    q["identifiant"] = None


def _with_other_uid(q: dict[str, Any]) -> None:
    q["uid"] = "QANR5L17QE5269"


def _without_publication_date(q: dict[str, Any]) -> None:
    q["textesQuestion"]["texteQuestion"]["infoJO"]["dateJO"] = None


def _with_bad_legislature(q: dict[str, Any]) -> None:
    q["identifiant"]["legislature"] = "99"


@pytest.mark.parametrize(
    "damage",
    [_without_question_text, _without_number, _without_uid, _without_identifiant,
     _with_other_uid, _without_publication_date, _with_bad_legislature],
)  # fmt: skip
def test_sample_missing_its_identity_is_unknown_format(
    sample: dict[str, Any], damage: Callable[[dict[str, Any]], None]
) -> None:
    damage(sample["question"])
    with pytest.raises(UnknownFormat):
        _parse(sample)


@pytest.mark.parametrize(
    "key",
    ["indexationAN", "auteur", "minInt", "minAttribs", "textesReponse", "cloture",
     "signalement", "renouvellements", "type"],
)  # fmt: skip
@pytest.mark.parametrize("value", [None, "x", 7, [], {}, [None], {"x": None}])
def test_odd_blocks_never_crash(sample: dict[str, Any], key: str, value: Any) -> None:
    sample["question"][key] = value
    try:
        record = _parse(sample)
    except ParseError:  # UnknownFormat included; anything else is a bug
        return
    assert record.id == "17-5268QE"


def test_null_blocks_give_an_empty_but_valid_record(sample: dict[str, Any]) -> None:
    for key in ("indexationAN", "auteur", "minInt", "minAttribs", "textesReponse", "cloture"):
        sample["question"][key] = None
    record = _parse(sample)
    assert record.title is None and record.analysis == [] and record.rubrique is None
    assert record.author.ref is None and record.author.group is None
    assert record.ministry_asked is None and record.ministry_responding is None
    assert record.attribution_history == []
    assert record.answer is None and record.closed is None
    assert record.status is Status.PENDING
    assert record.published.date == dt.date(2025, 3, 25)


# -- variants built from the sample -------------------------------------------------


def test_two_attributions_keep_history_and_the_last_responds(sample: dict[str, Any]) -> None:
    first = sample["question"]["minAttribs"]["minAttrib"]
    second = {
        "infoJO": {**_info("2025-05-06"), "typeJO": "JO_LOI_DECRET"},
        "denomination": {"organeRef": "PO999999", "abrege": "Commerce", "developpe": None},
    }
    sample["question"]["minAttribs"]["minAttrib"] = [first, second]
    record = _parse(sample)
    commerce = Ministry(name="Commerce", ref="PO999999")
    assert record.attribution_history == [
        Attribution(ministry=ECONOMIE, date=dt.date(2025, 3, 25), jo_type="JO_QUESTION"),
        Attribution(ministry=commerce, date=dt.date(2025, 5, 6), jo_type="JO_LOI_DECRET"),
    ]
    assert record.ministry_responding == commerce
    assert record.ministry_asked == ECONOMIE
    assert record.answer is not None and record.answer.ministry == commerce


def test_signalement_and_renewals(sample: dict[str, Any]) -> None:
    q = sample["question"]
    q["signalement"] = {"dateDepotSignal": "2025-05-06", "infoJO": _info("2025-05-13", "4100")}
    q["renouvellements"] = {
        "renouvellement": [
            {"dateRenouvellement": "2025-07-01"},
            {"infoJO": _info("2025-08-05")},
            "2025-09-02",
            {"unknown": "shape"},
        ]
    }
    record = _parse(sample)
    assert record.signalements == [
        Signalement(published=dt.date(2025, 5, 13), filed=dt.date(2025, 5, 6))
    ]
    assert record.renewals == [dt.date(2025, 7, 1), dt.date(2025, 8, 5), dt.date(2025, 9, 2)]
    assert record.deadline() == dt.date(2025, 5, 23)  # signalement + 10 days, before 25 May


def test_single_renewal_object(sample: dict[str, Any]) -> None:
    sample["question"]["renouvellements"] = {"renouvellement": {"dateRenouvellement": "2025-07-01"}}
    assert _parse(sample).renewals == [dt.date(2025, 7, 1)]


@pytest.mark.parametrize(
    ("code", "label", "status"),
    [
        ("FIN_MANDAT", "Fin de mandat", Status.LAPSED),
        (None, "Question caduque", Status.LAPSED),
        ("RET", "Question retirée", Status.WITHDRAWN),
        (None, "Transformée en question orale", Status.CONVERTED),
        ("XYZ", "Autre motif", Status.PENDING),
        ("REP_PUB", None, Status.ANSWERED),
    ],
)
def test_closure_labels_give_the_status(
    sample: dict[str, Any], code: str | None, label: str | None, status: Status
) -> None:
    q = sample["question"]
    q["textesReponse"] = None
    q["cloture"] = {
        "codeCloture": code,
        "libelleCloture": label,
        "dateCloture": "2027-06-21",
        "infoJO": None,
    }
    record = _parse(sample)
    assert record.status is status
    assert record.answer is None
    assert record.closed == Closure(date=dt.date(2027, 6, 21), code=code, reason=label)


def test_mojibake_is_repaired(sample: dict[str, Any]) -> None:
    q = sample["question"]
    q["textesReponse"]["texteReponse"]["texte"] = "<p>La rÃ©ponse du ministre.</p>"
    q["minInt"]["abrege"] = "Ã‰conomie"
    record = _parse(sample)
    assert record.answer is not None and record.answer.text == "La réponse du ministre."
    assert record.ministry_asked is not None and record.ministry_asked.name == "Économie"


def test_legislature_15_analysis_and_several_keywords(sample: dict[str, Any]) -> None:
    sample["question"]["indexationAN"] = {
        "rubrique": "défense",
        "teteAnalyse": "équipements",
        "ANALYSE": {"ANA": ["équipements militaires", "vieillissement"]},
    }
    record = _parse(sample)
    assert record.analysis == ["équipements militaires", "vieillissement"]
    assert record.title is None  # keywords, not a title
    assert record.heading == "équipements"


def test_question_government_has_no_written_text(sample: dict[str, Any]) -> None:
    q = copy.deepcopy(sample["question"])
    q.update(uid="QANR5L17QG77", type="QG", textesQuestion=None)
    q["identifiant"]["numero"] = "77"
    q["minAttribs"]["minAttrib"]["infoJO"] = {**_info("2024-10-03"), "typeJO": "JO_DEBAT"}
    q["textesReponse"]["texteReponse"] = {
        "infoJO": {**_info("2024-10-03", "5283"), "typeJO": "JO_DEBAT"},
        "texte": '</p><p align="CENTER"> SUJET INVENTÉ <a name=PG1></a> </p><br>'
        "<strong>Mme la présidente . </strong>La parole est à M. X.<br><br>"
        "<strong>M. X . </strong>Une question.<br> <p>",
    }
    record = _parse({"question": q})
    assert record.id == "17-77QG"
    assert record.published == Publication(date=dt.date(2024, 10, 3))
    assert record.text is None
    assert record.answer is not None and record.answer.text == (
        "SUJET INVENTÉ\n\nMme la présidente . La parole est à M. X.\n\nM. X . Une question."
    )


def test_several_texts_and_an_erratum(sample: dict[str, Any]) -> None:
    q = sample["question"]
    first = q["textesQuestion"]["texteQuestion"]
    again = {"infoJO": _info("2025-04-01", "2100"), "texte": "Autre.", "erratum": "2025-04-08"}
    q["textesQuestion"]["texteQuestion"] = [first, again]
    q["textesReponse"]["texteReponse"]["erratum"] = {"infoJO": _info("2025-06-10", "4500")}
    record = _parse(sample)
    assert record.published.date == dt.date(2025, 3, 25)  # the first one is the question
    assert record.text is not None and record.text.startswith("Mme Olivia Grégoire")
    assert record.errata == [
        Erratum(target="question", published=Publication(date=dt.date(2025, 4, 8))),
        Erratum(target="answer", published=Publication(date=dt.date(2025, 6, 10), page=4500)),
    ]


def test_utf8_bom_is_accepted(sample_bytes: bytes) -> None:
    assert parse(b"\xef\xbb\xbf" + sample_bytes, url=SAMPLE_URL).id == "17-5268QE"


@pytest.mark.parametrize(
    ("reason", "status"),
    [
        ("Retirée (fin de mandat)", Status.LAPSED),
        ("Question caduque", Status.LAPSED),
        ("Retirée (transformée en question orale)", Status.CONVERTED),
        ("Retrait à l'initiative de l'auteur", Status.WITHDRAWN),
        ("Question retirée", Status.WITHDRAWN),
        ("Quelque chose d'inconnu", Status.PENDING),
    ],
)
def test_closure_words_most_specific_first(reason: str, status: Status) -> None:
    from qarchive.sources.an._common import closure_status

    assert closure_status(None, reason, answered=False) is status
    assert closure_status("REP_PUB", reason, answered=False) is Status.ANSWERED
