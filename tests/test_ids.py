import pytest
from hypothesis import given
from hypothesis import strategies as st

from qarchive.errors import InvalidQuestionId
from qarchive.model.ids import ACCEPTED_FORMS, Chamber, QuestionId, parse_question_id

SEED = QuestionId(Chamber.AN, 15, "QE", 12526)


@pytest.mark.parametrize(
    "text",
    [
        "15-12526QE",
        "15-12526qe",
        "  15-12526QE\n",
        "QANR5L15QE12526",
        "qanr5l15qe12526",
        "http://questions.assemblee-nationale.fr/q15/15-12526QE.htm",
        "https://questions.assemblee-nationale.fr/q15/15-12526QE.htm",
        "https://questions.assemblee-nationale.fr/q15/15-12526QE.htm/vue/xml",
        "https://www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE12526",
        "http://www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE12526",
        "https://www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE12526.pdf",
        "https://www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE12526.json",
        "https://www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE12526.xml",
        "HTTPS://WWW.ASSEMBLEE-NATIONALE.FR/dyn/opendata/qanr5l15qe12526.json",
    ],
)
def test_every_form_of_the_seed_gives_the_canonical_id(text):
    qid = parse_question_id(text)
    assert qid == SEED
    assert str(qid) == qid.canonical == "15-12526QE"
    assert qid.uid == "QANR5L15QE12526"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("16-200QG", "16-200QG"), ("14-47351qosd", "14-47351QOSD"), ("QANR5L17QG1", "17-1QG")],
)
def test_other_kinds(text, canonical):
    assert parse_question_id(text).canonical == canonical


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("15-12526", ""),
        ("../../etc", ""),
        ("99999-1QE", ""),
        ("999-1QE", "no legislature 999; the 17th sits since 2024-07-18"),
        ("0-1QE", "no legislature 0"),
        ("QANR5L31QE1", "no legislature 31"),
        ("15-0QE", "question number 0"),
        ("", ""),
        ("15-12526QX", ""),
        ("SEQ181304125", "month 13 in a Sénat reference"),
        ("SEQ180300000", "question number 0"),
        ("SEQ1803041250", ""),
        ("SEQ1803412G", ""),
        ("https://www.senat.fr/questions/base/2018/index.html", "not the address of a question"),
        ("https://www.senat.fr/basile/visio.do?id=nothing", "not the address of a question"),
        ("https://example.org/q15/15-12526QE.htm", "example.org is not an Assemblée nationale"),
        ("ftp://questions.assemblee-nationale.fr/q15/15-12526QE.htm", "only http and https"),
        (
            "https://www.assemblee-nationale.fr/dyn/deputes/PA720892",
            "not the address of a question",
        ),
        ("https://questions.assemblee-nationale.fr/q15/../../etc/passwd", "not the address"),
    ],
)
def test_invalid_input_names_the_accepted_forms(text, reason):
    with pytest.raises(InvalidQuestionId) as caught:
        parse_question_id(text)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"invalid question ID or URL {text.strip()!r}")
    assert reason in message
    assert message.endswith(f"expected {ACCEPTED_FORMS}")
    assert caught.value.exit_code == 2


def test_url_whose_path_legislature_disagrees_is_refused():
    with pytest.raises(InvalidQuestionId, match="names legislature 14 but the question belongs"):
        parse_question_id("https://www.assemblee-nationale.fr/dyn/14/questions/QANR5L15QE12526")


def test_configured_hosts_are_accepted_only_when_passed():
    url = "http://127.0.0.1:8080/dyn/15/questions/QANR5L15QE12526"
    assert parse_question_id(url, extra_hosts={"127.0.0.1:8080"}) == SEED
    with pytest.raises(InvalidQuestionId):
        parse_question_id(url)


def test_direct_construction_is_validated_too():
    with pytest.raises(InvalidQuestionId):
        QuestionId(Chamber.AN, 15, "../x", 1)
    with pytest.raises(InvalidQuestionId):
        QuestionId(Chamber.SENAT, 15, "QE", 1)  # no month
    with pytest.raises(InvalidQuestionId):
        QuestionId.senat(2018, 3, "QE", 100_000)
    with pytest.raises(InvalidQuestionId):
        QuestionId.senat(2018, 3, "QG", 10_000)  # four digits before the letter
    with pytest.raises(InvalidQuestionId):
        QuestionId(Chamber.AN, 15, "QE", 1, 2018, 3)


SENAT_SEED = QuestionId.senat(2018, 3, "QE", 4125)


@pytest.mark.parametrize(
    "text",
    [
        "SEQ180304125",
        "seq180304125",
        "qSEQ180304125",
        " qSEQ180304125.html ",
        "https://www.senat.fr/questions/base/2018/qSEQ180304125.html",
        "http://senat.fr/questions/base/2018/qSEQ180304125.html",
        "https://www2.senat.fr/questions/base/2018/qseq180304125.html",
        "http://conferenceconsensuslogement.senat.fr/questions/base/2018/qSEQ180304125.html",
        "http://www.senat.fr/basile/visio.do?id=qSEQ180304125&idtable=q358",
    ],
)
def test_every_form_of_the_senat_seed_gives_its_reference(text):
    qid = parse_question_id(text)
    assert qid == SENAT_SEED
    assert str(qid) == qid.uid == "SEQ180304125"
    assert (qid.chamber, qid.year, qid.month, qid.kind, qid.number) == (
        Chamber.SENAT,
        2018,
        3,
        "QE",
        4125,
    )
    assert qid.legislature == 15
    assert qid.partition == "2018"
    assert qid.senat_number == "04125"


@pytest.mark.parametrize(
    ("text", "canonical", "kind", "year", "legislature"),
    [
        ("qSEQ16030791G", "SEQ16030791G", "QG", 2016, 14),
        ("qSEQ14050767S", "SEQ14050767S", "QOSD", 2014, 14),
        ("qSEQ87120275S", "SEQ87120275S", "QOSD", 1987, 8),
        ("qSEQ800302705", "SEQ800302705", "QE", 1980, 6),
        ("qSEQ020238665", "SEQ020238665", "QE", 2002, 11),
        ("qSEQ020802065", "SEQ020802065", "QE", 2002, 12),
        ("qSEQ251006436", "SEQ251006436", "QE", 2025, 17),
    ],
)
def test_senat_kinds_years_and_legislatures(text, canonical, kind, year, legislature):
    qid = parse_question_id(text)
    assert (qid.canonical, qid.kind, qid.year, qid.legislature) == (
        canonical,
        kind,
        year,
        legislature,
    )


@pytest.mark.parametrize("text", ["04125", "4125", "0791G", " 12526 "])
def test_a_bare_number_is_refused_with_what_to_type(text):
    with pytest.raises(InvalidQuestionId) as caught:
        parse_question_id(text)
    message = str(caught.value)
    assert "bare number" in message and "SEQ180304125" in message and "15-12526QE" in message


def test_a_senat_url_whose_year_disagrees_is_refused():
    with pytest.raises(InvalidQuestionId, match="names year 2017 but the reference"):
        parse_question_id("https://www.senat.fr/questions/base/2017/qSEQ180304125.html")


def test_configured_senat_host_is_accepted():
    url = "http://127.0.0.1:8080/questions/base/2018/qSEQ180304125.html"
    assert parse_question_id(url, extra_hosts={"127.0.0.1:8080"}) == SENAT_SEED


senat_ids = st.builds(
    lambda year, month, kind, num: QuestionId.senat(
        year, month, kind, num % (99_999 if kind == "QE" else 9_999) + 1
    ),
    st.integers(1978, 2077),
    st.integers(1, 12),
    st.sampled_from(["QE", "QG", "QOSD", "QC"]),
    st.integers(0, 99_998),
)


@given(senat_ids, st.sampled_from(["http", "https"]), st.booleans())
def test_round_trip_senat_reference_and_url(qid, scheme, upper):
    page = f"{scheme}://www.senat.fr/questions/base/{qid.year}/q{qid.canonical}.html"
    for form in (qid.canonical, "q" + qid.canonical, page):
        typed = form.upper() if upper and "://" not in form else form
        assert parse_question_id(typed) == qid


ids = st.builds(
    lambda leg, kind, num: QuestionId(Chamber.AN, leg, kind, num),
    st.integers(1, 30),
    st.sampled_from(["QE", "QG", "QOSD"]),
    st.integers(1, 999_999),
)


@given(ids, st.sampled_from(["http", "https"]), st.booleans())
def test_round_trip_id_url_uid(qid, scheme, upper):
    forms = [
        qid.canonical,
        qid.uid,
        f"{scheme}://questions.assemblee-nationale.fr/q{qid.legislature}/{qid.canonical}.htm",
        f"{scheme}://www.assemblee-nationale.fr/dyn/{qid.legislature}/questions/{qid.uid}",
        f"{scheme}://www.assemblee-nationale.fr/dyn/opendata/{qid.uid}.json",
    ]
    for form in forms:
        typed = form.upper() if upper and "://" not in form else form
        assert parse_question_id(typed) == qid
    assert parse_question_id(qid.canonical).uid == qid.uid


@given(st.text(max_size=80))
def test_arbitrary_text_is_parsed_or_refused_cleanly(text):
    try:
        qid = parse_question_id(text)
    except InvalidQuestionId:
        return
    # Whatever is accepted is safe to put in a path: no separators, no dots.
    assert "/" not in qid.canonical and ".." not in qid.canonical
