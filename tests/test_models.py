import datetime as dt

from factories import answered, make_question
from qarchive.model.question import Signalement, add_months


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


def test_carry_keeps_known_values_a_poorer_source_lacks():
    from qarchive.model.question import Author, Publication, carry_known_values

    known = answered(
        make_question(
            published=Publication(date=dt.date(2018, 10, 2), page=8740),
            analysis=["ANTS"],
            author=Author(name="Ugo Bernalicis", ref="PA000001", constituency="Nord"),
        )
    )
    poorer = known.model_copy(
        update={
            "text": None,
            "published": Publication(date=known.published.date),  # no JO page
            "author": known.author.model_copy(update={"name": None, "constituency": None}),
            "analysis": [],
        }
    )
    merged = carry_known_values(poorer, known)
    assert merged.text == known.text
    assert merged.published == known.published
    assert merged.author.name == known.author.name
    assert merged.analysis == known.analysis
    # What the new source does carry wins, and its source stays its own.
    retitled = poorer.model_copy(update={"title": "Nouveau titre"})
    assert carry_known_values(retitled, known).title == "Nouveau titre"
    assert carry_known_values(retitled, known).source == poorer.source
    # Another person with the same name: author fields are never mixed.
    other = poorer.model_copy(update={"author": Author(ref="PA999999")})
    assert carry_known_values(other, known).author == Author(ref="PA999999")


def test_carry_never_downgrades_answered_to_pending():
    from qarchive.model.question import Status, carry_known_values

    known = answered(make_question())
    lagging = make_question()
    assert lagging.status is Status.PENDING and lagging.answer is None
    merged = carry_known_values(lagging, known)
    assert merged.status is Status.ANSWERED
    assert merged.answer == known.answer
    assert carry_known_values(known, None) is known
    assert carry_known_values(known, known) is known


def test_carry_drops_a_region_once_stored_as_the_constituency():
    from qarchive.model.question import Author, carry_known_values

    # What an older qarchive stored from a page showing "(Bourgogne-Franche-Comté - …)".
    misread = make_question(
        author=Author(
            name="Danielle Brulebois", ref="PA719890", constituency="Bourgogne-Franche-Comté"
        )
    )
    fixed = make_question(
        author=Author(name="Danielle Brulebois", ref="PA719890", region="Bourgogne-Franche-Comté")
    )
    merged = carry_known_values(fixed, misread)
    assert (merged.author.constituency, merged.author.region) == (None, "Bourgogne-Franche-Comté")
    # A source that names no place (the open data): the misread value goes back to a region.
    unplaced = make_question(author=Author(ref="PA719890"))
    merged = carry_known_values(unplaced, misread)
    assert (merged.author.constituency, merged.author.region) == (None, "Bourgogne-Franche-Comté")
    assert merged.author.name == "Danielle Brulebois"
    # A real constituency is still carried where the new source shows a region only.
    seated = make_question(author=Author(ref="PA719890", constituency="Jura (1re circonscription)"))
    merged = carry_known_values(fixed, seated)
    assert merged.author.constituency == "Jura (1re circonscription)"


def test_show_names_a_region_as_a_region():
    from qarchive.cli.question_views import question_view
    from qarchive.model.question import Author

    record = make_question(
        author=Author(name="Danielle Brulebois", civility="Mme", region="Bourgogne-Franche-Comté")
    )
    _, [facts, *_] = question_view(record, today=dt.date(2026, 11, 23))
    cells = [str(cell) for row in facts.rows for cell in row]  # type: ignore[union-attr]
    assert "Mme Danielle Brulebois, région Bourgogne-Franche-Comté" in cells


def test_show_names_a_closure_once_dated_or_not():
    from qarchive.cli.output import Table
    from qarchive.cli.question_views import question_view
    from qarchive.model.question import Closure, Status

    def shown(closed):
        record = make_question(status=Status.LAPSED, closed=closed)
        _, [facts, *_] = question_view(record, today=dt.date(2026, 11, 23))
        assert isinstance(facts, Table)
        return " ".join(" ".join(str(cell) for cell in row) for row in facts.rows)

    undated = shown(Closure(reason="La question est caduque"))
    assert undated.count("La question est caduque") == 1
    assert "closed (La question est caduque)" in undated
    dated = shown(Closure(date=dt.date(2020, 10, 1), reason="Fin de mandat"))
    assert dated.count("Fin de mandat") == 1
    assert "closed on 2020-10-01 (Fin de mandat)" in dated
