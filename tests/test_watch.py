"""The watchlist: the library, the ``watch`` commands, and following questions end to end."""

import datetime as dt
import json
import shlex
import sys

import feedparser
import pytest

from factories import NOW
from qarchive.errors import ArchiveDamaged, UsageError
from qarchive.follow.watch import (
    SavedSearch,
    add_watches,
    load_watchlist,
    match_searches,
    remove_watches,
    watch_status,
)
from qarchive.model.ids import parse_question_id
from qarchive.store.archive import Archive
from qarchive.store.layout import WATCHLIST_FILE
from question_pages import opendata_page, opendata_path, publication_list
from small_archive import TODAY, build_archive
from test_cli import ANSWERED_JSON, JSON_PATH, archive, run

Q1, Q4, Q7, Q9 = (parse_question_id(text) for text in ("15-1QE", "15-4QE", "16-7QE", "17-9QE"))


@pytest.fixture
def small(tmp_path):
    return build_archive(tmp_path / "small")


def clock(at=NOW):
    return lambda: at


# -- the library ----------------------------------------------------------------------


def test_add_list_remove(small):
    senat = parse_question_id("SEQ180304125")
    update = add_watches(small, [Q4, Q9, parse_question_id("15-99QE"), senat], now=clock())
    assert (update.changed, update.unchanged, update.version) == (
        ["15-4QE", "17-9QE", "15-99QE", "SEQ180304125"],
        [],
        1,
    )
    again = add_watches(small, [Q4], search=SavedSearch(query=" éoliennes "), now=clock())
    assert (again.changed, again.unchanged, again.version) == (
        ['search "éoliennes"'],
        ["15-4QE"],
        2,
    )
    status = watch_status(small, today=TODAY)
    assert (status.version, status.waiting) == (2, 0)
    rows = {row["id"]: row for row in status.rows if row["watched"] == "question"}
    assert rows["15-4QE"]["status"] == "pending" and rows["15-4QE"]["days_waiting"] == 3217
    assert rows["15-4QE"]["overdue"] is True
    assert rows["15-99QE"]["status"] == rows["SEQ180304125"]["status"] == "not archived"
    [search] = [row for row in status.rows if row["watched"] == "search"]
    assert search["query"] == "éoliennes"
    removed = remove_watches(small, [Q4], search=SavedSearch(query="éoliennes"))
    assert (removed.changed, removed.version) == (["15-4QE", 'search "éoliennes"'], 3)
    assert [entry.id for entry in load_watchlist(small).questions] == [
        "17-9QE",
        "15-99QE",
        "SEQ180304125",
    ]


def test_the_file_is_pinned_and_written_atomically(small):
    add_watches(small, [Q9], search=SavedSearch(author="dupont"), now=clock())
    document = json.loads((small.root / WATCHLIST_FILE).read_text(encoding="utf-8"))
    assert document == {
        "schema": 1,
        "version": 1,
        "updated_at": "2026-11-23T02:00:00Z",
        "questions": [{"id": "17-9QE", "added_at": "2026-11-23T02:00:00Z", "seen_version": 1}],
        "searches": [
            {
                "query": None,
                "author": "dupont",
                "ministry": None,
                "added_at": "2026-11-23T02:00:00Z",
            }
        ],
    }
    assert not list(small.root.glob(".tmp-*"))


def test_removing_what_is_not_watched_changes_nothing(small):
    add_watches(small, [Q4], now=clock())
    before = (small.root / WATCHLIST_FILE).read_bytes()
    with pytest.raises(UsageError, match=r"^17-9QE is not on the watchlist \(nothing removed\)"):
        remove_watches(small, [Q4, Q9])
    with pytest.raises(UsageError, match=r'^no saved search "x" on the watchlist'):
        remove_watches(small, search=SavedSearch(query="x"))
    assert (small.root / WATCHLIST_FILE).read_bytes() == before


def test_bad_searches_are_refused(small):
    with pytest.raises(UsageError, match="needs --query, --author or --ministry"):
        add_watches(small, search=SavedSearch(query="  "))
    with pytest.raises(UsageError, match="invalid search query"):
        add_watches(small, search=SavedSearch(query='"oops'))
    assert not (small.root / WATCHLIST_FILE).exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "file: Invalid JSON"),
        (b'{"schema": 1, "questions": [{"id": "15-12526"}]}', "questions.0.id"),
        (b'{"schema": 9}', "schema 9, expected 1"),
        (b'{"schema": 1, "extra": 1}', "extra: Extra inputs are not permitted"),
    ],
)
def test_a_damaged_watchlist(small, content, reason):
    (small.root / WATCHLIST_FILE).write_bytes(content)
    with pytest.raises(ArchiveDamaged, match=r"watchlist.json is damaged \(") as caught:
        add_watches(small, [Q4])
    assert reason in str(caught.value)
    assert (small.root / WATCHLIST_FILE).read_bytes() == content


def test_match_searches_through_the_index(small):
    searches = [
        SavedSearch(query="eoliennes"),
        SavedSearch(author="bernalicis", ministry="armees"),
        SavedSearch(ministry="sante"),
    ]
    found = match_searches(small, searches, [Q1, Q4, Q7, Q9], today=TODAY)
    assert found == {
        "16-7QE": ['search "eoliennes"', "search author bernalicis, ministry armees"],
        "17-9QE": ["search ministry sante"],
    }
    notes: list[str] = []
    assert match_searches(small, [SavedSearch(query='"x')], [Q1], today=TODAY, notes=notes) == {}
    assert notes and notes[0].startswith('saved search ""x" skipped: ')


# -- the watch commands ------------------------------------------------------------------


def test_watch_commands(sites):
    assert run("fetch", "15-12526QE").exit_code == 0
    added = run(
        "watch", "add", "15-12526QE", "https://questions.assemblee-nationale.fr/q15/15-2QE.htm"
    )
    assert added.exit_code == 0, added.stderr
    assert added.stderr == "watching 15-12526QE\nwatching 15-2QE\n"
    search = run("watch", "add", "--query", "titres sécurisés", "--ministry", "intérieur")
    assert search.stderr == 'watching search "titres sécurisés", ministry intérieur\n'
    assert run("watch", "add", "15-12526QE").stderr == "already watched: 15-12526QE\n"

    listed = run("watch", "list")
    assert listed.exit_code == 0
    days = (dt.date.today() - dt.date(2018, 10, 2)).days
    # In a pipe: plain lines, one per question, titles whole, no trailing spaces.
    assert listed.stdout.splitlines() == [
        "ID          Status        Days  Ministry   Title",
        f"15-12526QE  pending       {days}  Intérieur  Privatisation du centre d’appels de l’ANTS",
        "15-2QE      not archived     —",
        "",
        "Saved search        Author  Ministry   Added",
        f'"titres sécurisés"  —       intérieur  {dt.date.today().isoformat()}',
    ]
    assert (
        listed.stderr == "2 questions and 1 saved search watched; 0 events waiting in the outbox\n"
    )
    assert run("watch", "list", "--format", "ids").stdout == "15-12526QE\n15-2QE\n"
    as_json = json.loads(run("watch", "list", "--format", "json").stdout)
    assert [(row["watched"], row["id"], row["query"]) for row in as_json] == [
        ("question", "15-12526QE", None),
        ("question", "15-2QE", None),
        ("search", None, "titres sécurisés"),
    ]

    removed = run(
        "watch", "remove", "15-2QE", "--query", "titres sécurisés", "--ministry", "intérieur"
    )
    assert removed.exit_code == 0, removed.stderr
    assert removed.stderr == (
        'stopped watching 15-2QE\nstopped watching search "titres sécurisés", ministry intérieur\n'
    )
    assert run("watch", "list", "-f", "ids").stdout == "15-12526QE\n"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["watch", "remove", "15-1QE"],
            2,
            "Error: 15-1QE is not on the watchlist (nothing removed); see: qarchive watch list\n",
        ),
        (["watch", "add", "15-12526"], 2, "Error: invalid question ID or URL '15-12526': "),
        (["watch", "remove", "../../etc"], 2, "Error: invalid question ID or URL"),
        (
            ["watch", "add"],
            2,
            "Error: nothing given: pass IDs or URLs, or --query, --author or --ministry\n",
        ),
        (["watch", "add", "--query", "a AND"], 2, "Error: invalid search query 'a AND'"),
        (["watch", "remove", "--query", "x"], 2, 'Error: no saved search "x" on the watchlist'),
    ],
)
def test_watch_bad_input_is_one_line(sites, args, code, message):
    assert run("watch", "add", "15-12526QE").exit_code == 0
    before = (archive().root / WATCHLIST_FILE).read_bytes()
    result = run(*args)
    assert result.exit_code == code
    assert result.stderr.startswith(message)
    assert len(result.stderr.splitlines()) == 1
    assert result.stdout == ""
    assert (archive().root / WATCHLIST_FILE).read_bytes() == before


def test_watch_damaged_file_and_lock(sites):
    path = archive().root / WATCHLIST_FILE
    path.parent.mkdir(parents=True)
    path.write_text('{"schema": 1, "questions": 3}')
    for args in (["watch", "list"], ["watch", "add", "15-1QE"], ["watch", "remove", "15-1QE"]):
        result = run(*args)
        assert result.exit_code == 4, args
        assert result.stderr == (
            f"Error: {path} is damaged (questions: Input should be a valid array); fix it by hand "
            "or move it aside to start an empty watchlist\n"
        )
    assert path.read_text() == '{"schema": 1, "questions": 3}'
    path.unlink()
    with archive().lock():
        locked = run("watch", "add", "15-1QE")
    assert locked.exit_code == 3
    assert "locked by another qarchive process" in locked.stderr
    assert not path.exists()


# -- end to end: a few refreshes through the CLI -------------------------------------------


APPEND = "import sys; open(sys.argv[1], 'a', encoding='utf-8').write(sys.stdin.read())"
FAIL = "import sys; sys.stdin.read(); sys.exit('webhook down')"


def notify_command(tmp_path, code, *args):
    script = tmp_path / f"notify-{len(code)}.py"
    script.write_text(code, encoding="utf-8")
    return " ".join(shlex.quote(word) for word in (sys.executable, str(script), *args))


def test_following_questions_through_the_cli(sites, tmp_path):
    out = tmp_path / "notified.jsonl"
    ok, failing = notify_command(tmp_path, APPEND, str(out)), notify_command(tmp_path, FAIL)
    sites.an.pages[opendata_path(2)] = opendata_page(2, title="Hôpitaux", text="Les hôpitaux.")
    assert run("fetch", "15-12526QE", "15-2QE").exit_code == 0
    assert run("watch", "add", "15-12526QE", "15-2QE").exit_code == 0
    assert run("watch", "add", "--query", "mutuelles").exit_code == 0
    assert run("digest").exit_code == 0  # the first digest: nothing yet, and remembered

    # Night 1: an answer, a withdrawal, a new question matching the saved search.
    sites.an.pages[JSON_PATH] = ANSWERED_JSON.read_bytes()
    sites.an.pages[opendata_path(2)] = opendata_page(
        2, title="Hôpitaux", text="Les hôpitaux.", closure=("RET", "Retrait", "2019-01-18")
    )
    sites.an.pages[opendata_path(3)] = opendata_page(
        3, title="Étudiants", text="Les mutuelles étudiantes.", published="2019-01-15"
    )
    today = dt.datetime.now(dt.UTC).date()
    for day in (today - dt.timedelta(days=1), today):
        path, content = publication_list(day, [3])
        sites.an.pages[path] = content
    night = run("refresh", "--notify", ok)
    assert night.exit_code == 0, night.stderr
    # Watched questions are fetched first. 15-2QE's author was known by reference only:
    # the night's first step, importing the reference data, named it (v2); the
    # seed's author gets the data's references with its answer.
    assert night.stdout.splitlines()[:2] == [
        "15-12526QE       updated   v2  (author, answer, status, closed)",
        "15-2QE           updated   v3  (status, closed)",
    ]
    lines = night.stderr.splitlines()
    assert lines[:3] == [
        "watched: 15-12526QE answered on 2019-01-15 after 105 days: "
        "Privatisation du centre d’appels de l’ANTS",
        "watched: 15-2QE withdrawn on 2019-01-18 (Retrait): Hôpitaux",
        "watched: 15-3QE new question, published 2019-01-15: Étudiants",
    ]
    assert lines[3].startswith("refresh: 3 checked, 1 new, 2 changed (1 new answer)")
    assert lines[3].endswith(
        "; 1 discovered; 3 watched events; notify: 3 delivered, 0 failed, 0 waiting in the outbox"
        "; reference data imported (13 new, 0 changed actors and organs; 1 questions named)"
    )
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3

    # Night 2: 15-3QE is answered while the webhook is down: exit 1, kept.
    sites.an.pages[opendata_path(3)] = opendata_page(
        3,
        title="Étudiants",
        text="Les mutuelles étudiantes.",
        published="2019-01-15",
        answer=("2019-01-22", "Réponse."),
    )
    down = run("refresh", "--notify", failing)
    assert down.exit_code == 1
    assert down.stderr.splitlines()[:2] == [
        "watched: 15-3QE answered on 2019-01-22 after 7 days: Étudiants",
        "Error: notify 15-3QE@v2:answered: exit 1: webhook down (kept in the outbox)",
    ]
    assert "notify: 0 delivered, 1 failed, 1 waiting in the outbox" in down.stderr
    assert run("watch", "list").stderr.endswith("1 event waiting in the outbox\n")

    # Night 3: delivered; night 4: nothing left.
    assert run("refresh", "--notify", ok).exit_code == 0
    last = run("refresh", "--notify", ok)
    assert "notify: 0 delivered, 0 failed, 0 waiting" in last.stderr
    ids = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(ids[:3]) == [  # in the order they were queued
        "15-12526QE@v2:answered",
        "15-2QE@v3:withdrawn",
        "15-3QE@v1:new_question",
    ]
    assert ids[3] == "15-3QE@v2:answered"

    # The feed of watched events: the same four, once each.
    atom = tmp_path / "watched.atom"
    fed = run("feed", "--watched", "-o", str(atom))
    assert fed.exit_code == 0 and fed.stderr == f"wrote 4 watched events to {atom}\n"
    parsed = feedparser.parse(atom.read_bytes())
    assert parsed.bozo == 0
    assert sorted(entry.id for entry in parsed.entries) == sorted(
        f"urn:qarchive:event:{event_id}" for event_id in ids
    )
    assert parsed.entries[0].title == "15-3QE answered on 2019-01-22 after 7 days: Étudiants"

    # The digest since the first one: the four watched events, the two answers.
    digest = run("digest")
    assert digest.exit_code == 0, digest.stderr
    text = digest.stdout
    assert "Watched questions: 4\n" in text
    assert "- 15-3QE answered on 2019-01-22 after 7 days: Étudiants\n" in text
    assert "New answers: 2\n- 15-12526QE (Intérieur) answered after 105 days: " in text
    assert digest.stderr.endswith(": 4 watched events, 2 new answers, 0 newly overdue\n")
    again = run("digest")  # nothing since: nothing printed, cron mails nothing
    assert (again.exit_code, again.stdout, again.stderr) == (0, "", "")
    forced = run("digest", "--always")
    assert "Watched questions: none" in forced.stdout and "New answers: none" in forced.stdout
    look_back = run("digest", "--since", "1d", "--format", "markdown")
    assert "### Watched questions (4)" in look_back.stdout
    assert run("digest").stdout == ""  # a look back moved nothing: still nothing new


def test_feed_watched_unwritable_is_one_line(sites, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = run("feed", "--watched", "-o", str(blocker / "x.atom"))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot write {blocker / 'x.atom'}: ")
    assert len(result.stderr.splitlines()) == 1


def test_feed_watched_refuses_other_filters(sites, tmp_path):
    result = run("feed", "--watched", "-o", str(tmp_path / "x.atom"), "--ministry", "santé")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --watched takes no --ministry, --author, --group")
    assert not (tmp_path / "x.atom").exists()


def test_refresh_with_a_damaged_watchlist_archives_then_exits_4(sites):
    assert run("fetch", "15-12526QE").exit_code == 0
    path = archive().root / WATCHLIST_FILE
    path.write_text("[]")
    sites.an.pages[JSON_PATH] = ANSWERED_JSON.read_bytes()
    result = run("refresh", "--no-discover")
    assert result.exit_code == 4
    assert result.stdout == "15-12526QE       updated   v2  (answer, status, closed)\n"
    assert result.stderr.splitlines()[-1].startswith(f"Error: {path} is damaged (file: ")
    assert path.read_text() == "[]"
    assert run("refresh", "--dry-run").exit_code == 4
    assert run("refresh", "--notify", " ").stderr.startswith("Error: --notify needs a command")


def test_watched_events_are_in_the_archive_not_elsewhere(sites):
    assert run("fetch", "15-12526QE").exit_code == 0
    assert run("watch", "add", "15-12526QE").exit_code == 0
    sites.an.pages[JSON_PATH] = ANSWERED_JSON.read_bytes()
    assert run("refresh", "--no-discover").exit_code == 0
    root = archive().root
    names = sorted(p.name for p in root.iterdir())
    assert {"watchlist.json", "outbox.json", "events"} <= set(names)
    assert run("verify").exit_code == 0
    # Without --notify the event waits in the outbox for the first run that has it.
    assert run("watch", "list").stderr.endswith("1 event waiting in the outbox\n")
    assert Archive(root).versions(parse_question_id("15-12526QE")) == [1, 2]
