"""The SQLite index and the list/search queries over it."""

import datetime as dt
import json
import sqlite3

import pytest
from typer.testing import CliRunner

from factories import NOW, answered, make_question
from qarchive.cli import app
from qarchive.errors import UsageError
from qarchive.index.choices import SortKey, StatsGroup
from qarchive.index.filters import Filters
from qarchive.index.query import (
    count_matches,
    count_questions,
    list_questions,
    search_questions,
)
from qarchive.index.rows import TEXT_FILTERS, fold
from qarchive.index.schema import INDEX_SCHEMA_VERSION, upgrade_index
from qarchive.index.stats import compute_stats
from qarchive.index.tallies import TALLY_GROUPINGS, TOTAL_COLUMNS, within_two_months_sql
from qarchive.model.ids import parse_question_id
from qarchive.model.question import Answer, Author, Closure, Group, Ministry, Publication, Status
from qarchive.store.archive import Archive
from qarchive.store.index_access import ArchiveIndex

TODAY = dt.date(2019, 3, 1)


def _q(number, *, ministry, group, author, published, title, text, ref=None, leg=15):
    return make_question(
        id=f"{leg}-{number}QE",
        number=number,
        legislature=leg,
        url=f"https://www.assemblee-nationale.fr/dyn/{leg}/questions/QANR5L{leg}QE{number}",
        title=title,
        text=text,
        author=Author(
            name=author, civility="M.", ref=ref, group=Group(short=group[0], full=group[1])
        ),
        ministry_asked=Ministry(name=ministry),
        ministry_responding=Ministry(name=ministry),
        published=Publication(date=published),
    )


LFI = ("LFI", "La France insoumise")
LR = ("LR", "Les Républicains")
RECORDS = [
    # pending, overdue on TODAY (deadline 2018-12-02)
    _q(
        1,
        ministry="Intérieur",
        group=LFI,
        author="Ugo Bernalicis",
        ref="PA1",
        published=dt.date(2018, 10, 2),
        title="Titres sécurisés et ANTS",
        text="Le centre d'appels de l'ANTS est privatisé.",
    ),
    # pending, not yet overdue (deadline 2019-03-15)
    _q(
        2,
        ministry="Économie",
        group=LR,
        author="Éric Pauget",
        ref="PA2",
        published=dt.date(2019, 1, 15),
        title="Fiscalité des artisans",
        text="Les artisans et les titres-restaurant.",
    ),
    # answered after 105 days
    answered(
        _q(
            3,
            ministry="Intérieur",
            group=LR,
            author="Éric Pauget",
            ref="PA2",
            published=dt.date(2018, 10, 2),
            title="Permis de conduire",
            text="Les délais de délivrance des titres sécurisés explosent.",
        )
    ),
    # lapsed
    _q(
        4,
        ministry="Santé",
        group=LFI,
        author="Ugo Bernalicis",
        ref="PA1",
        published=dt.date(2017, 9, 1),
        title="Hôpitaux",
        text="Les urgences.",
        leg=15,
    ).model_copy(
        update={
            "status": Status.LAPSED,
            "closed": Closure(date=dt.date(2022, 6, 21), reason="Fin de mandat"),
        }
    ),
    # another legislature
    _q(
        5,
        ministry="Intérieur",
        group=LFI,
        author="Mathilde Panot",
        ref="PA3",
        published=dt.date(2023, 2, 1),
        title="Police",
        text="La police.",
        leg=16,
    ),
]


@pytest.fixture
def archive(tmp_path):
    store = Archive(tmp_path / "archive")
    store.reindex()  # an empty, current index: later saves update it incrementally
    for record in RECORDS:
        store.save(record, qid=parse_question_id(record.id), fetched_at=NOW)
    return store


def ids(rows):
    return [row["id"] for row in rows]


def _dump(path):
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT * FROM questions ORDER BY id").fetchall()
        fts = db.execute("SELECT * FROM questions_fts ORDER BY id").fetchall()
        values = db.execute("SELECT * FROM filter_values ORDER BY filter, folded").fetchall()
        tallies = db.execute(f"SELECT * FROM stats_tallies ORDER BY {TALLY_ORDER}").fetchall()
        totals = db.execute(f"SELECT * FROM stats_totals ORDER BY {TOTAL_ORDER}").fetchall()
    return rows, fts, values, tallies, totals


TALLY_ORDER = "grouping, key, name, ref, status, delay, within, chamber, legislature"
TOTAL_ORDER = ", ".join(TOTAL_COLUMNS)


def _recomputed(path):
    """filter_values, stats_tallies and stats_totals worked out afresh from the questions rows."""
    groupings = " UNION ALL ".join(
        f"SELECT '{grouping}' AS grouping, ifnull({key.format(r='q')}, x'') AS key, "
        f"ifnull({name.format(r='q')}, x'') AS name, ifnull({ref.format(r='q')}, x'') AS ref, "
        "q.status AS status, ifnull(q.answer_delay_days, x'') AS delay, "
        f"{within_two_months_sql('q')} AS within, "
        "q.chamber AS chamber, q.legislature AS legislature FROM questions q"
        for grouping, (key, name, ref) in TALLY_GROUPINGS.items()
    )
    values = " UNION ALL ".join(
        f"SELECT '{name}' AS filter, {column} AS folded FROM questions"
        for name, column in TEXT_FILTERS.items()
    )
    with sqlite3.connect(path) as db:
        tallies = db.execute(
            f"SELECT {TALLY_ORDER}, count(*) FROM ({groupings}) "
            f"GROUP BY {TALLY_ORDER} ORDER BY {TALLY_ORDER}"
        ).fetchall()
        totals = db.execute(
            f"SELECT {TOTAL_ORDER}, count(*) FROM ({groupings}) "
            f"GROUP BY {TOTAL_ORDER} ORDER BY {TOTAL_ORDER}"
        ).fetchall()
        found = db.execute(
            f"SELECT filter, folded, count(*) FROM ({values}) "
            "GROUP BY filter, folded ORDER BY filter, folded"
        ).fetchall()
    return found, tallies, totals


def test_incremental_index_equals_a_rebuild(archive, tmp_path):
    incremental = _dump(archive.index_path)
    assert len(incremental[0]) == 5
    result = archive.reindex()
    assert (result.indexed, result.damaged) == (5, [])
    assert _dump(archive.index_path) == incremental


def test_tallies_and_filter_values_stay_exact_through_updates(archive):
    assert _dump(archive.index_path)[2:] == _recomputed(archive.index_path)
    moves = [
        # pending → answered: status, delay, "within two months" change
        answered(RECORDS[0]),
        # another ministry, group and author at once
        RECORDS[1].model_copy(
            update={
                "ministry_responding": Ministry(name="Santé"),
                "author": Author(
                    name="Jean Lassalle", ref="PA9", group=Group(short="LIOT", full="LIOT")
                ),
            }
        ),
        # no group any more (a NULL key), and lapsed
        RECORDS[2].model_copy(
            update={
                "author": Author(name="Éric Pauget", ref="PA2"),
                "status": Status.LAPSED,
                "answer": None,
            }
        ),
        # an answer within two months by the calendar rule (delay 59 to 62 days)
        RECORDS[4].model_copy(
            update={
                "answer": Answer(published=Publication(date=dt.date(2023, 4, 1))),
                "status": Status.ANSWERED,
            }
        ),
    ]
    for record in moves:
        archive.save(record, qid=parse_question_id(record.id), fetched_at=NOW)
        assert _dump(archive.index_path)[2:] == _recomputed(archive.index_path), record.id
    incremental = _dump(archive.index_path)
    archive.reindex()
    assert _dump(archive.index_path) == incremental
    with sqlite3.connect(archive.index_path) as db:  # a deleted row leaves no count behind
        db.execute("DELETE FROM questions WHERE id = '15-2QE'")
    recomputed = _recomputed(archive.index_path)
    assert _dump(archive.index_path)[2:] == recomputed
    assert ("author", "jean lassalle pa9", 1) not in recomputed[0]


def test_new_version_replaces_the_row(archive):
    record = answered(RECORDS[0])
    archive.save(record, qid=parse_question_id(record.id), fetched_at=NOW)
    rows = {row["id"]: row for row in list_questions(archive, Filters(), today=TODAY)}
    assert rows["15-1QE"]["status"] == "answered"
    assert rows["15-1QE"]["answer_delay_days"] == 105


def test_schema_is_pinned(archive):
    with sqlite3.connect(archive.index_path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(questions)")]
        meta = dict(db.execute("SELECT key, value FROM meta"))
    assert columns == [
        "id",
        "chamber",
        "legislature",
        "number",
        "kind",
        "title",
        "rubrique",
        "author_name",
        "author_civility",
        "author_ref",
        "group_short",
        "group_full",
        "constituency",
        "ministry_asked",
        "ministry_responding",
        "ministry_ref",
        "published",
        "published_page",
        "answered",
        "answer_page",
        "answer_delay_days",
        "deadline",
        "status",
        "closed",
        "closed_reason",
        "url",
        "version",
        "fetched_at",
        "author_search",
        "group_search",
        "ministry_search",
    ]
    assert meta["schema_version"] == str(INDEX_SCHEMA_VERSION)


def test_missing_or_outdated_index_is_rebuilt(archive):
    archive.index_path.unlink()
    assert ids(list_questions(archive, Filters(), today=TODAY)) != []
    with sqlite3.connect(archive.index_path) as db:
        db.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
        db.execute("DELETE FROM questions")
    assert len(ids(list_questions(archive, Filters(), today=TODAY))) == 5


def test_a_schema_5_index_is_rebuilt_with_references_and_stand_in_titles(archive):
    # What 6 and 7 add is only in the files: an index of 5 is rebuilt, not relabelled.
    expected = _dump(archive.index_path)
    with sqlite3.connect(archive.index_path) as db:
        db.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")
        db.execute("DELETE FROM questions WHERE id = '15-1QE'")  # what a rebuild puts back
    db.close()
    inode = archive.index_path.stat().st_ino
    assert not upgrade_index(archive.index_path)
    rows = compute_stats(ArchiveIndex(archive.root), Filters(), by=StatsGroup.MINISTRY, today=TODAY)
    assert [(row.name, row.questions) for row in rows] == [
        ("Intérieur", 3),
        ("Économie", 1),
        ("Santé", 1),
    ]
    assert archive.index_path.stat().st_ino == inode  # rebuilt inside its own file (issue 21)
    assert _dump(archive.index_path) == expected
    with sqlite3.connect(archive.index_path) as db:
        assert dict(db.execute("SELECT key, value FROM meta"))["schema_version"] == str(
            INDEX_SCHEMA_VERSION
        )
    db.close()


def test_an_upgrade_runs_in_one_transaction(archive, monkeypatch):
    """An upgrade step applies in place, or not at all (the index is then rebuilt)."""
    from qarchive.index import schema

    def add_a_table(connection):
        connection.execute("CREATE TABLE upgraded (x)")

    def fail_half_way(connection):
        connection.execute("CREATE TABLE half_done (x)")
        connection.execute("SELECT * FROM no_such_table")

    previous = INDEX_SCHEMA_VERSION - 1
    for step, upgraded in ((fail_half_way, False), (add_a_table, True)):
        with sqlite3.connect(archive.index_path) as db:
            db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(previous),))
        db.close()
        monkeypatch.setattr(schema, "_UPGRADES", {previous: step})
        inode = archive.index_path.stat().st_ino
        assert upgrade_index(archive.index_path) is upgraded
        with sqlite3.connect(archive.index_path) as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            version = dict(db.execute("SELECT key, value FROM meta"))["schema_version"]
        db.close()
        assert archive.index_path.stat().st_ino == inode
        assert "half_done" not in tables  # rolled back
        assert ("upgraded" in tables, version) == (
            (True, str(INDEX_SCHEMA_VERSION)) if upgraded else (False, str(previous))
        )


def test_an_index_from_a_newer_qarchive_is_rebuilt_not_relabelled(archive):
    expected = _dump(archive.index_path)
    with sqlite3.connect(archive.index_path) as db:
        db.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'",
            (str(INDEX_SCHEMA_VERSION + 1),),
        )
        db.execute("DELETE FROM questions WHERE id = '15-1QE'")  # what a rebuild puts back
    db.close()
    assert not upgrade_index(archive.index_path)
    assert len(ids(list_questions(archive, Filters(), today=TODAY))) == 5
    assert _dump(archive.index_path) == expected


def test_reindex_reports_damaged_versions_and_indexes_the_rest(archive):
    path = archive.question_dir(parse_question_id("15-2QE")) / "v0001.json"
    path.write_text("{broken")
    result = archive.reindex()
    assert result.indexed == 4
    assert [str(error.path) for error in result.damaged] == [str(path)]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), ["16-5QE", "15-2QE", "15-1QE", "15-3QE", "15-4QE"]),
        (Filters(unanswered=True), ["16-5QE", "15-2QE", "15-1QE"]),
        (Filters(answered=True), ["15-3QE"]),
        (Filters(overdue=True), ["15-1QE"]),
        (Filters(chamber="an", legislature=16), ["16-5QE"]),
        (Filters(ministry="interieur"), ["16-5QE", "15-1QE", "15-3QE"]),
        (Filters(ministry="ÉCONOMIE"), ["15-2QE"]),
        (Filters(author="eric pauget"), ["15-2QE", "15-3QE"]),
        (Filters(author="PA1"), ["15-1QE", "15-4QE"]),
        (Filters(group="insoumise"), ["16-5QE", "15-1QE", "15-4QE"]),
        (Filters(group="lr"), ["15-2QE", "15-3QE"]),
        (
            Filters(since=dt.date(2018, 10, 2), until=dt.date(2019, 1, 15)),
            ["15-2QE", "15-1QE", "15-3QE"],
        ),
        (Filters(ministry="100%_"), []),
    ],
)
def test_filters(archive, filters, expected):
    assert ids(list_questions(archive, filters, today=TODAY)) == expected
    assert count_questions(archive, filters, today=TODAY) == len(expected)


def _reference(archive, filters, sort, limit):
    """The IDs a listing must give, by a LIKE over every row (no filter_values, no plan)."""
    clauses, params = ["1"], []
    for column, text in (
        ("ministry_search", filters.ministry),
        ("author_search", filters.author),
        ("group_search", filters.group),
    ):
        if text:
            clauses.append(f"q.{column} LIKE ?")
            params.append(f"%{fold(text)}%")
    where, where_params = Filters(
        unanswered=filters.unanswered,
        answered=filters.answered,
        overdue=filters.overdue,
        legislature=filters.legislature,
        since=filters.since,
        until=filters.until,
    ).where(TODAY)
    order = {
        SortKey.PUBLISHED: "q.published DESC, q.id",
        SortKey.DELAY: "COALESCE(q.answer_delay_days, CASE WHEN q.status = 'pending' "
        "THEN CAST(julianday(?) - julianday(q.published) AS INTEGER) END) DESC, q.published, q.id",
        SortKey.MINISTRY: "q.ministry_search, q.published, q.id",
    }[sort]
    sort_params = [TODAY.isoformat()] if sort is SortKey.DELAY else []
    sql = f"SELECT q.id FROM questions q WHERE {where} AND {' AND '.join(clauses)} ORDER BY {order}"
    with sqlite3.connect(archive.index_path) as db:
        found = [row[0] for row in db.execute(sql, [*where_params, *params, *sort_params])]
    return found if limit is None else found[:limit]


PLANNED = [
    Filters(),
    Filters(unanswered=True),
    Filters(overdue=True),
    Filters(ministry="interieur"),
    Filters(ministry="intérieur", overdue=True),
    Filters(ministry="INTERIEUR", unanswered=True, legislature=15),
    Filters(ministry="e"),  # every ministry with an e: most questions
    Filters(ministry="e", answered=True),
    Filters(ministry="sante", unanswered=True),
    Filters(author="pauget"),
    Filters(author="pa", group="lr"),
    Filters(author="u", group="insoumise", unanswered=True),
    Filters(group="l", ministry="i", since=dt.date(2018, 10, 2)),
    Filters(ministry="nothing like this", unanswered=True),
    Filters(legislature=15),
    Filters(legislature=16, unanswered=True),
    Filters(answered=True),
    Filters(since=dt.date(2018, 10, 2), until=dt.date(2019, 1, 15)),
]


@pytest.mark.parametrize("filters", PLANNED)
@pytest.mark.parametrize("sort", list(SortKey))
def test_every_plan_lists_what_a_full_scan_finds(archive, filters, sort):
    everything = _reference(archive, filters, sort, None)
    for limit in (None, 1, 2, 3, 10):
        for offset in (0, 1, 2, 4, 7):
            end = None if limit is None else offset + limit
            found = list_questions(
                archive, filters, sort=sort, limit=limit, offset=offset, today=TODAY
            )
            assert ids(found) == everything[offset:end], (limit, offset)
    assert count_questions(archive, filters, today=TODAY) == len(
        _reference(archive, filters, sort, None)
    )


def test_where_without_looked_up_values_matches_the_same(archive):
    # export, feed and refresh call where() alone: the subquery form over filter_values.
    for filters in PLANNED:
        where, params = filters.where(TODAY)
        with sqlite3.connect(archive.index_path) as db:
            found = [
                row[0]
                for row in db.execute(
                    f"SELECT q.id FROM questions q WHERE {where} ORDER BY q.published DESC, q.id",
                    params,
                )
            ]
        assert found == _reference(archive, filters, SortKey.PUBLISHED, None), filters


def test_unanswered_and_answered_together_is_a_usage_error(archive):
    with pytest.raises(UsageError, match="exclude each other"):
        list(list_questions(archive, Filters(unanswered=True, answered=True), today=TODAY))


def test_sorts_and_limit(archive):
    by_delay = list(
        list_questions(archive, Filters(legislature=15), sort=SortKey.DELAY, today=TODAY)
    )
    # 15-4QE is lapsed: no wait, no delay; it sorts last.
    assert ids(by_delay) == ["15-1QE", "15-3QE", "15-2QE", "15-4QE"]
    assert [row["days_waiting"] for row in by_delay] == [150, None, 45, None]
    by_ministry = list_questions(archive, Filters(), sort=SortKey.MINISTRY, today=TODAY)
    assert [row["ministry_responding"] for row in by_ministry] == [
        "Économie",
        "Intérieur",
        "Intérieur",
        "Intérieur",
        "Santé",
    ]
    assert ids(list_questions(archive, Filters(), limit=2, today=TODAY)) == ["16-5QE", "15-2QE"]


def test_row_shape(archive):
    row = next(iter(list_questions(archive, Filters(overdue=True), today=TODAY)))
    # The columns of qarchive.model.columns.LIST_COLUMNS, named as the export names them.
    assert row == {
        "id": "15-1QE",
        "chamber": "an",
        "legislature": 15,
        "number": 1,
        "kind": "QE",
        "published": "2018-10-02",
        "days_waiting": 150,
        "overdue": True,
        "status": "pending",
        "answered": None,
        "answer_delay_days": None,
        "deadline": "2018-12-02",
        "author_civility": "M.",
        "author_name": "Ugo Bernalicis",
        "author_ref": "PA1",
        "group_short": "LFI",
        "group_full": "La France insoumise",
        "ministry_asked": "Intérieur",
        "ministry_responding": "Intérieur",
        "title": "Titres sécurisés et ANTS",
        "rubrique": None,
        "url": "https://www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE1",
    }


def test_search_folds_accents_and_ranks_titles_first(archive):
    rows = list(search_questions(archive, "titres securises", Filters(), today=TODAY))
    assert ids(rows) == ["15-1QE", "15-3QE"]  # title match before text match
    assert "**titres**" in rows[1]["snippet"].lower() or "**Titres**" in rows[1]["snippet"]
    assert "**sécurisés**" in rows[1]["snippet"]


def test_search_with_filters_phrases_and_prefixes(archive):
    assert ids(search_questions(archive, "titres", Filters(unanswered=True), today=TODAY)) == [
        "15-1QE",
        "15-2QE",
    ]
    assert ids(search_questions(archive, '"centre d\'appels"', Filters(), today=TODAY)) == [
        "15-1QE"
    ]
    assert ids(search_questions(archive, "urgen*", Filters(), today=TODAY)) == ["15-4QE"]
    assert set(ids(search_questions(archive, "titres NOT ants", Filters(), today=TODAY))) == {
        "15-3QE",
        "15-2QE",
    }


@pytest.mark.parametrize("query", ["titres", "les OR la", "titres OR police OR urgences", "xyz"])
@pytest.mark.parametrize("filters", [Filters(), Filters(unanswered=True), Filters(ministry="i")])
def test_search_with_a_limit_gives_the_head_of_the_full_ranking(archive, query, filters):
    everything = list(search_questions(archive, query, filters, today=TODAY))
    for limit in range(1, len(everything) + 2):
        head = list(search_questions(archive, query, filters, limit=limit, today=TODAY))
        assert head == everything[:limit]
        for offset in range(len(everything) + 1):
            page = search_questions(
                archive, query, filters, limit=limit, offset=offset, today=TODAY
            )
            assert list(page) == everything[offset : offset + limit]
    assert list(search_questions(archive, query, filters, offset=1, today=TODAY)) == everything[1:]
    assert count_matches(archive, query, filters, today=TODAY) == len(everything)


def test_search_ranking_ties_go_newest_first(tmp_path):
    store = Archive(tmp_path / "ties")
    store.reindex()
    # Forty questions with the same title and text score the same; the newest first,
    # even when the first pass must widen its window to see every tie.
    for number in range(1, 41):
        record = RECORDS[0].model_copy(
            update={
                "id": f"15-{number}QE",
                "number": number,
                "title": "Même titre",
                "text": "Même texte.",
                "published": Publication(date=dt.date(2018, 1, 1) + dt.timedelta(days=number)),
            }
        )
        store.save(record, qid=parse_question_id(record.id), fetched_at=NOW)
    found = ids(search_questions(store, "titre", Filters(), limit=3, today=TODAY))
    assert found == ["15-40QE", "15-39QE", "15-38QE"]


def test_bad_search_syntax_is_a_usage_error(archive):
    with pytest.raises(
        UsageError, match=r"^invalid search query 'titres AND \(' \(fts5: syntax error"
    ):
        list(search_questions(archive, "titres AND (", Filters(), today=TODAY))


def test_fold():
    assert fold("Économie, ÉTAT et Intérieur") == "economie, etat et interieur"
    assert fold(None) == ""


# -- through the CLI ------------------------------------------------------------------


def run(archive, *args):
    return CliRunner().invoke(app, [*args, "--archive", str(archive.root)])


def test_cli_list_formats(archive):
    as_json = run(archive, "list", "--legislature", "15", "--format", "json")
    assert as_json.exit_code == 0, as_json.stderr
    assert [row["id"] for row in json.loads(as_json.stdout)] == [
        "15-2QE",
        "15-1QE",
        "15-3QE",
        "15-4QE",
    ]
    assert as_json.stderr == "4 questions\n"
    jsonl = run(archive, "list", "--answered", "--format", "jsonl")
    assert [json.loads(line)["id"] for line in jsonl.stdout.splitlines()] == ["15-3QE"]
    as_csv = run(archive, "list", "--group", "LR", "--format", "csv")
    lines = as_csv.stdout.splitlines()
    assert (
        lines[0]
        == "id,chamber,legislature,number,kind,published,days_waiting,overdue,status,answered,"
        "answer_delay_days,deadline,author_civility,author_name,author_ref,group_short,group_full,"
        "ministry_asked,ministry_responding,title,rubrique,url"
    )
    assert len(lines) == 3
    id_list = run(archive, "list", "--unanswered", "--format", "ids", "--limit", "2")
    assert id_list.stdout == "16-5QE\n15-2QE\n"
    assert id_list.stderr == "2 of 3 matching questions shown\n"


def test_cli_empty_json_is_an_empty_array(archive):
    result = run(archive, "list", "--ministry", "nothing like this", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    assert result.stderr == "0 questions\n"


def test_cli_table(archive):
    result = run(archive, "list", "--overdue")
    assert result.exit_code == 0
    assert "15-1QE" in result.stdout and "M. Ugo Bernalicis (LFI)" in result.stdout
    assert "Intérieur" in result.stdout and "15-3QE" not in result.stdout  # answered


def test_cli_search_and_bad_query(archive):
    ok = run(archive, "search", "urgences", "--format", "jsonl")
    assert ok.exit_code == 0
    assert json.loads(ok.stdout)["snippet"] == "Les **urgences**."
    bad = run(archive, "search", '"unterminated')
    assert bad.exit_code == 2
    assert bad.stderr.startswith("Error: invalid search query ")


def test_cli_bad_option_values_exit_2(archive):
    assert run(archive, "list", "--since", "yesterday").exit_code == 2
    assert run(archive, "list", "--format", "xml").exit_code == 2
    assert run(archive, "list", "--sort", "random").exit_code == 2
    result = run(archive, "list", "--unanswered", "--answered")
    assert result.exit_code == 2
    assert result.stderr == "Error: --unanswered and --answered exclude each other; pass one\n"


def test_cli_reindex(archive):
    archive.index_path.unlink()
    result = run(archive, "reindex")
    assert result.exit_code == 0
    assert result.stderr == f"indexed 5 questions into {archive.index_path}\n"
    path = archive.question_dir(parse_question_id("15-2QE")) / "v0001.json"
    path.write_text("{broken")
    damaged = run(archive, "reindex")
    assert damaged.exit_code == 4
    assert damaged.stderr.startswith(f"Error: {path} is damaged")


def _triggers(path):
    with sqlite3.connect(path) as db:
        return db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()


def test_a_batch_counts_tallies_in_bulk_as_the_triggers_would(archive, tmp_path):
    """index_batch drops the counting triggers and counts its rows at each commit."""
    triggers = _triggers(archive.index_path)
    assert len(triggers) == 9  # insert, delete and update for each of the three tables
    moves = [
        answered(RECORDS[0]),  # a row replaced: its old counts go, its new ones come
        RECORDS[1].model_copy(
            update={"author": Author(name="Jean Lassalle", ref="PA9", group=None)}
        ),
        _q(  # a new row
            6,
            ministry="Culture",
            group=LR,
            author="Éric Pauget",
            ref="PA2",
            published=dt.date(2019, 1, 2),
            title="Musées",
            text="Les musées.",
        ),
    ]
    with archive.lock(), archive.index_batch(every=2):  # a commit inside, one at the end
        for record in moves:
            archive.save(record, qid=parse_question_id(record.id), fetched_at=NOW)
        archive.save(  # the same question again in the same batch: counted once
            answered(RECORDS[0]).model_copy(update={"title": "Titres"}),
            qid=parse_question_id(RECORDS[0].id),
            fetched_at=NOW,
        )
    assert _dump(archive.index_path)[2:] == _recomputed(archive.index_path)
    assert _triggers(archive.index_path) == triggers  # every commit holds them
    found = _recomputed(archive.index_path)[0]
    assert ("author", "jean lassalle pa9", 1) in found
    incremental = _dump(archive.index_path)
    archive.reindex()  # a rebuild counts in bulk too: the same rows
    assert _dump(archive.index_path) == incremental
    # One question at a time again: the triggers count.
    record = RECORDS[2].model_copy(update={"ministry_responding": Ministry(name="Santé")})
    archive.save(record, qid=parse_question_id(record.id), fetched_at=NOW)
    assert _dump(archive.index_path)[2:] == _recomputed(archive.index_path)
