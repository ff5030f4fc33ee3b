import pytest
from hypothesis import given
from hypothesis import strategies as st

from qarchive.errors import InvalidQuestionId
from qarchive.ids import ACCEPTED_FORMS, Chamber, QuestionId, parse_question_id

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
        ("15-0QE", ""),
        ("", ""),
        ("15-12526QX", ""),
        ("SEQ180304125", "Sénat questions are not supported yet"),
        ("https://www.senat.fr/questions/base/2018/qSEQ180304125.html", "Sénat questions"),
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
        QuestionId(Chamber.SENAT, 15, "QE", 1)


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
