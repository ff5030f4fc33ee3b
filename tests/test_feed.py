"""The Atom feed of recent events, parsed back with feedparser."""

import datetime as dt

import feedparser
import pytest

from factories import NOW, answered, make_question
from qarchive.errors import UsageError
from qarchive.follow.feed import EventKind, recent_events, write_feed
from qarchive.index.filters import Filters
from qarchive.model.ids import parse_question_id
from qarchive.model.question import Closure, Ministry, Publication, Status
from qarchive.store.archive import Archive

TODAY = dt.date(2019, 1, 20)


@pytest.fixture
def archive(tmp_path):
    store = Archive(tmp_path / "a")
    records = [
        answered(make_question()),  # published 2018-10-02, answered 2019-01-15
        make_question(
            id="15-2QE",
            number=2,
            title="Fiscalité des artisans",
            text="Les artisans.",
            published=Publication(date=dt.date(2019, 1, 8)),
            ministry_asked=Ministry(name="Économie"),
            ministry_responding=Ministry(name="Économie"),
        ),
        make_question(
            id="15-3QE",
            number=3,
            title="Hôpitaux",
            status=Status.WITHDRAWN,
            closed=Closure(date=dt.date(2019, 1, 10), reason="Retrait à l'initiative de l'auteur"),
        ),
    ]
    for record in records:
        store.save(record, qid=parse_question_id(record.id), fetched_at=NOW)
    return store


def test_recent_events_newest_first(archive):
    events = recent_events(archive, Filters(), since=dt.date(2019, 1, 1), today=TODAY)
    assert [(e.kind, e.record.id, e.date.isoformat()) for e in events] == [
        (EventKind.ANSWER, "15-12526QE", "2019-01-15"),
        (EventKind.CLOSURE, "15-3QE", "2019-01-10"),
        (EventKind.QUESTION, "15-2QE", "2019-01-08"),
    ]


def test_a_question_the_index_lists_without_its_files_is_left_out(archive):
    """One question gone from disk (the index not yet rebuilt) does not take the feed down."""
    import shutil

    shutil.rmtree(archive.question_dir(parse_question_id("15-3QE")))
    events = recent_events(archive, Filters(), since=dt.date(2019, 1, 1), today=TODAY)
    assert [e.record.id for e in events] == ["15-12526QE", "15-2QE"]


def test_filters_and_query(archive):
    by_ministry = recent_events(
        archive, Filters(ministry="economie"), since=dt.date(2019, 1, 1), today=TODAY
    )
    assert [e.record.id for e in by_ministry] == ["15-2QE"]
    by_query = recent_events(
        archive, Filters(), since=dt.date(2018, 1, 1), today=TODAY, query="artisans"
    )
    assert [e.record.id for e in by_query] == ["15-2QE"]
    with pytest.raises(UsageError):
        recent_events(archive, Filters(), since=dt.date(2018, 1, 1), today=TODAY, query='"oops')


def test_valid_atom_parsed_back(archive, tmp_path):
    events = recent_events(archive, Filters(), since=dt.date(2018, 1, 1), today=TODAY)
    path = tmp_path / "answers.atom"
    write_feed(path, events, title="qarchive", generated=NOW)
    parsed = feedparser.parse(path.read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "qarchive"
    titles = [entry.title for entry in parsed.entries]
    assert titles == [
        "15-12526QE answered on 2019-01-15 after 105 days: Privatisation du centre d’appels "
        "de l’ANTS",
        "15-3QE withdrawn on 2019-01-10 (Retrait à l'initiative de l'auteur): Hôpitaux",
        "15-2QE new question, published 2019-01-08: Fiscalité des artisans",
        "15-3QE new question, published 2018-10-02: Hôpitaux",
        "15-12526QE new question, published 2018-10-02: Privatisation du centre d’appels de l’ANTS",
    ]
    first = parsed.entries[0]
    assert first.link == "https://www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE12526"
    assert first.updated.startswith("2019-01-15")
    assert first.author == "Ugo Bernalicis"
    assert "Réponse du ministre." in first.content[0].value
    assert len({entry.id for entry in parsed.entries}) == 5


def test_an_unwritable_feed_file_is_one_line_exit_1(archive, tmp_path):
    from typer.testing import CliRunner

    from qarchive.cli import app

    (tmp_path / "a-file").write_text("not a directory")
    target = tmp_path / "a-file" / "feed.atom"
    result = CliRunner().invoke(app, ["feed", "--archive", str(archive.root), "-o", str(target)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot write {target}")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
