import datetime as dt

from factories import answered, make_question
from qarchive.models import Signalement, add_months


def test_add_months_clamps_to_month_end():
    assert add_months(dt.date(2018, 10, 2), 2) == dt.date(2018, 12, 2)
    assert add_months(dt.date(2018, 12, 31), 2) == dt.date(2019, 2, 28)
    assert add_months(dt.date(2019, 12, 31), 2) == dt.date(2020, 2, 29)
    assert add_months(dt.date(2018, 11, 15), 2) == dt.date(2019, 1, 15)


def test_deadline_overdue_and_waiting():
    question = make_question()
    assert question.deadline() == dt.date(2018, 12, 2)
    assert not question.is_overdue(dt.date(2018, 12, 2))
    assert question.is_overdue(dt.date(2018, 12, 3))
    assert question.days_waiting(dt.date(2018, 10, 12)) == 10
    assert question.answer_delay_days() is None


def test_signalement_shortens_the_deadline_to_ten_days():
    question = make_question(signalements=[Signalement(published=dt.date(2018, 10, 9))])
    assert question.deadline() == dt.date(2018, 10, 19)


def test_answered_question_has_a_delay_and_is_never_overdue():
    question = answered(make_question())
    assert question.answer_delay_days() == 105
    assert not question.is_overdue(dt.date(2030, 1, 1))
    assert question.days_waiting(dt.date(2030, 1, 1)) is None


def test_derived_values_are_not_serialised():
    dumped = make_question().model_dump(mode="json")
    assert not {"deadline", "overdue", "answer_delay_days"} & set(dumped)
    assert dumped["published"] == {"date": "2018-10-02", "page": None, "issue": None}
