"""AN reference data (AMO): parsing, versioned files, names for the refs, refresh, verify."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from amo_fixture import (
    AMO_MEMBERS,
    AMO_URL_PATH,
    AMO_ZIP,
    SEED_JSON,
    amo_zip_bytes,
    legislature_zip,
    question_json,
    write_amo_zip,
)
from qarchive.cli import app
from qarchive.errors import ParseError, UnknownFormat
from qarchive.jobs.imports.dispatch import import_file
from qarchive.model.ids import parse_question_id
from qarchive.model.reference import Actor, Mandate, Organ
from qarchive.sources.an import amo
from qarchive.store.archive import Archive
from qarchive.store.layout import REFERENCES_DIR

NOW = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)
SEED = parse_question_id("15-12526QE")
CAP = 1_000_000
# --from-file --url must name the page's question, on a host qarchive knows.
OPENDATA_8 = "https://www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE8.json"


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def load(archive: Archive, path: Path, *, now: dt.datetime = NOW, url: str | None = None):
    with archive.lock():
        return import_file(
            path, archive=archive, max_member_bytes=CAP, now=lambda: now, source_url=url
        )


def member(name: str) -> bytes:
    return (AMO_MEMBERS / name).read_bytes()


def test_the_served_zip_is_built_from_the_fixture_members(request):
    if request.config.getoption("--update-golden"):
        write_amo_zip(AMO_ZIP)
    assert AMO_ZIP.read_bytes() == amo_zip_bytes(), "run pytest --update-golden to rebuild it"


# -- the parser ----------------------------------------------------------------------


def test_parse_an_actor_in_the_real_shape():
    actor = amo.parse(member("json/acteur/PA000001.json"), url="x#json/acteur/PA000001.json")
    assert isinstance(actor, Actor)
    assert (actor.ref, actor.civility, actor.name) == ("PA000001", "M.", "Ugo Bernalicis")
    # uid is {"@xsi:type": "IdActeur_type", "#text": ...}; the commission (COMPER) and
    # friendship-group (GA) mandates are not kept.
    assert [(m.ref, m.organ_type) for m in actor.mandates] == [
        ("PM000001", "ASSEMBLEE"),
        ("PM000010", "GP"),
        ("PM000011", "GP"),
    ]
    seat = actor.mandates[0]
    assert seat == Mandate(
        ref="PM000001",
        organ_type="ASSEMBLEE",
        organ_refs=["PO000003"],
        legislature=15,
        start=dt.date(2017, 6, 21),
        end=dt.date(2022, 6, 21),
        quality="membre",
        region="Hauts-de-France",
        department="Nord",
        department_code="59",
        constituency_number=2,
    )


def test_parse_a_lone_mandate_and_a_list_of_organ_refs():
    actor = amo.parse(member("json/acteur/PA000005.json"), url="x")
    assert isinstance(actor, Actor)
    (mandate,) = actor.mandates
    assert mandate.organ_type == "GOUVERNEMENT"
    assert mandate.organ_refs == ["PO000009", "PO000002"]
    assert mandate.legislature is None


def test_parse_organs_and_skip_other_entities():
    group = amo.parse(member("json/organe/PO000001.json"), url="x")
    assert group == Organ(
        ref="PO000001",
        kind="GP",
        name="La France insoumise",
        short="LFI",
        abridged="LFI",
        legislature=15,
        start=dt.date(2017, 6, 27),
        end=dt.date(2022, 6, 21),
    )
    assert amo.parse(member("json/deport/DPTR5L15PA000001D0001.json"), url="x") is None


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"not json", UnknownFormat),
        (b'{"acteur": {}, "organe": {}}', UnknownFormat),
        (b'{"acteur": 3}', UnknownFormat),
        (b'{"acteur": {"uid": {"@xsi:nil": "true"}}}', ParseError),
        (b'{"organe": {"uid": "PO1"}}', ParseError),  # no codeType
        (b'{"acteur": {"uid": "PM12"}}', ParseError),  # not an actor reference
    ],
)
def test_parse_refuses_what_is_not_an_actor_or_organ(content, error):
    with pytest.raises(error):
        amo.parse(content, url="x")


def test_odd_values_are_absent_not_errors():
    content = json.dumps(
        {
            "acteur": {
                "uid": "PA7",
                "etatCivil": {"ident": {"civ": {"@xsi:nil": "true"}, "prenom": 12, "nom": "X"}},
                "mandats": {
                    "mandat": [
                        None,
                        "garbage",
                        {"uid": "PM1", "typeOrgane": "GP", "dateDebut": "2017-13-45"},
                        {
                            "uid": "PM2",
                            "typeOrgane": "ASSEMBLEE",
                            "dateDebut": "2024-07-07T00:00:00",
                            "election": {"lieu": {"numCirco": "deux"}},
                            "organes": {"organeRef": ["PO1", "nope", None]},
                        },
                    ]
                },
            }
        }
    ).encode()
    actor = amo.parse(content, url="x")
    assert isinstance(actor, Actor)
    assert (actor.civility, actor.first_name, actor.last_name) == (None, "12", "X")
    first, second = actor.mandates
    assert first.start is None
    assert (second.start, second.constituency_number, second.organ_refs) == (
        dt.date(2024, 7, 7),
        None,
        ["PO1"],
    )


# -- the files in the archive --------------------------------------------------------------


def test_import_writes_one_versioned_file_per_actor_and_organ(tmp_path):
    archive = Archive(tmp_path / "a")
    summary = load(archive, AMO_ZIP, url="https://data.example" + AMO_URL_PATH)
    # 5 actors, 8 organs kept; the commission organ and the deport are skipped.
    assert (summary.read, summary.new, summary.unchanged, summary.problems) == (15, 13, 0, [])
    base = archive.root / REFERENCES_DIR
    assert sorted(p.name for p in (base / "acteurs").iterdir()) == [
        f"PA00000{n}" for n in range(1, 6)
    ]
    assert not (base / "organes" / "PO000007").exists()
    document = json.loads((base / "acteurs/PA000001/v0001.json").read_bytes())
    assert list(document) == [
        "schema",
        "version",
        "fetched_at",
        "content_hash",
        "changed",
        "source",
        "record",
    ]
    assert (document["schema"], document["version"], document["changed"]) == (1, 1, [])
    assert document["fetched_at"] == NOW.isoformat()
    assert document["source"].endswith(AMO_URL_PATH)
    assert document["content_hash"].startswith("sha256:")
    assert document["record"]["ref"] == "PA000001"
    state = json.loads((base / "state.json").read_bytes())
    assert state["url"] == "https://data.example" + AMO_URL_PATH


def test_importing_again_writes_nothing_and_a_change_makes_one_version(tmp_path):
    archive = Archive(tmp_path / "a")
    load(archive, AMO_ZIP)
    before = sorted(archive.root.rglob("v*.json"))
    again = load(archive, AMO_ZIP)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 13)
    assert sorted(archive.root.rglob("v*.json")) == before

    renamed = json.loads(member("json/organe/PO000001.json"))
    renamed["organe"]["libelle"] = "La France insoumise (renommé)"
    changed = write_amo_zip(
        tmp_path / "amo.zip", {"json/organe/PO000001.json": json.dumps(renamed).encode()}
    )
    later = load(archive, changed, now=NOW + dt.timedelta(days=1))
    assert (later.new, later.updated, later.unchanged) == (0, 1, 12)
    version = json.loads(
        (archive.root / REFERENCES_DIR / "organes/PO000001/v0002.json").read_bytes()
    )
    assert version["changed"] == ["name"]


def test_reference_index_for_datasette(tmp_path):
    archive = Archive(tmp_path / "a")
    load(archive, AMO_ZIP)
    with sqlite3.connect(archive.root / "references.sqlite") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        assert {"actors", "mandates", "organs", "memberships", "meta"} <= tables
        rows = db.execute(
            "SELECT actor, organ_short, organ, start_date, end_date FROM memberships "
            "WHERE actor_ref = 'PA000002' AND organ_type = 'GP' ORDER BY start_date"
        ).fetchall()
    assert rows == [
        ("Jeanne Exemple", "NI", "Non inscrit", "2017-06-21", "2017-06-26"),
        ("Jeanne Exemple", "LAREM", "La République en Marche", "2017-06-27", "2020-05-19"),
        ("Jeanne Exemple", "EDS", "Écologie Démocratie Solidarité", "2020-05-19", "2020-10-13"),
        ("Jeanne Exemple", "LAREM", "La République en Marche", "2020-10-14", "2022-06-21"),
    ]
    (archive.root / "references.sqlite").unlink()
    assert archive.reindex_references() == (5, 8)
    assert Archive(tmp_path / "empty").reindex_references() is None


def test_hostile_and_broken_members_are_reported(tmp_path):
    path = write_amo_zip(
        tmp_path / "amo.zip",
        {
            "../../evil/json/acteur/PA9.json": member("json/acteur/PA000001.json"),
            "json/acteur/PA000099.json": b'{"acteur": {"uid": ',
            "json/acteur/PA000001-copy.json": member("json/acteur/PA000001.json"),
        },
    )
    archive = Archive(tmp_path / "a")
    summary = load(archive, path)
    reasons = {problem.member: problem.reason for problem in summary.problems}
    assert reasons["../../evil/json/acteur/PA9.json"].startswith("refused: the name points outside")
    assert "not valid JSON" in reasons["json/acteur/PA000099.json"]
    assert reasons["json/acteur/PA000001.json"] == "skipped: PA000001 appears twice"
    assert summary.new == 13
    assert not (tmp_path / "evil").exists()


def test_a_damaged_reference_version_is_never_written_over(tmp_path):
    archive = Archive(tmp_path / "a")
    load(archive, AMO_ZIP)
    damaged = archive.root / REFERENCES_DIR / "acteurs/PA000001/v0001.json"
    damaged.write_bytes(b"{broken")
    summary = load(archive, AMO_ZIP)
    assert [problem.member for problem in summary.problems] == ["json/acteur/PA000001.json"]
    assert damaged.read_bytes() == b"{broken"
    assert Archive(archive.root).references.actor("PA000001") is None  # unreadable: unknown
    result = run("verify", "--archive", str(archive.root))
    assert result.exit_code == 4
    assert "acteurs/PA000001/v0001.json: damaged" in result.stderr


def test_verify_repairs_temporary_reference_files(tmp_path):
    archive = Archive(tmp_path / "a")
    load(archive, AMO_ZIP)
    leftover = archive.root / REFERENCES_DIR / "organes/PO000001/.tmp-v0002.json.1.ab"
    leftover.write_bytes(b"half")
    assert run("verify", "--archive", str(archive.root)).exit_code == 4
    repaired = run("verify", "--repair", "--archive", str(archive.root))
    assert repaired.exit_code == 0, repaired.stderr
    assert not leftover.exists()


def test_reindex_rebuilds_the_reference_index(tmp_path):
    archive = Archive(tmp_path / "a")
    load(archive, AMO_ZIP)
    (archive.root / "references.sqlite").unlink()
    result = run("reindex", "--archive", str(archive.root))
    assert result.exit_code == 0, result.stderr
    assert "indexed 5 actors, 8 organs" in result.stderr
    assert (archive.root / "references.sqlite").exists()


# -- names for the refs, in Archive.save --------------------------------------------------


def test_questions_imported_before_the_reference_data_get_their_names(tmp_path):
    archive = Archive(tmp_path / "a")
    load(archive, legislature_zip(tmp_path / "q.zip", {12526: SEED_JSON.read_bytes()}))
    assert archive.read_version(SEED).record.author.name is None
    summary = load(archive, AMO_ZIP, now=NOW + dt.timedelta(hours=1))
    assert summary.named == 1
    stored = archive.read_version(SEED)
    assert (stored.version, stored.changed) == (2, ["author"])
    author = stored.record.author
    assert (author.name, author.civility, author.ref) == ("Ugo Bernalicis", "M.", "PA000001")
    assert (author.department, author.constituency_number, author.region) == (
        "Nord",
        2,
        "Hauts-de-France",
    )
    assert author.constituency == "Nord (2e circonscription)"
    assert author.group is not None
    assert (author.group.short, author.group.full, author.group.ref) == (
        "LFI",
        "La France insoumise",
        "PO000001",
    )
    # Ministries keep the names the question published.
    assert stored.record.ministry_asked is not None
    assert stored.record.ministry_asked.full_name == "Ministère de l'intérieur"
    # Nothing left to name: a second import writes nothing.
    assert load(archive, AMO_ZIP).named == 0
    assert archive.versions(SEED) == [1, 2]


def test_show_displays_the_name_and_constituency_not_a_ref(tmp_path):
    archive = Archive(tmp_path / "a")
    load(archive, AMO_ZIP)
    load(archive, legislature_zip(tmp_path / "q.zip", {12526: SEED_JSON.read_bytes()}))
    result = run("show", "15-12526QE", "--archive", str(archive.root))
    assert result.exit_code == 0, result.stderr
    author = next(line for line in result.stdout.splitlines() if line.startswith("Author"))
    shown = " ".join(author.split())  # in a pipe, one line per fact
    assert shown == "Author M. Ugo Bernalicis, La France insoumise, Nord (2e circonscription)"
    assert "PA000001" not in result.stdout


def _imported(tmp_path, questions):
    archive = Archive(tmp_path / "a")
    load(archive, AMO_ZIP)
    load(archive, legislature_zip(tmp_path / "q.zip", questions))
    return archive


def test_the_group_is_the_one_of_the_publication_date(tmp_path):
    # The open data of each question names the group she sits in today (LREM):
    # the reference data knows she sat with EDS from 19 May to 13 October 2020.
    dates = {1: "2019-03-05", 2: "2020-05-19", 3: "2020-07-01", 4: "2021-01-12"}
    archive = _imported(
        tmp_path,
        {
            n: question_json(
                n, author="PA000002", mandate="PM000002", group="PO000005", published=day
            )
            for n, day in dates.items()
        },
    )
    groups = {
        n: archive.read_version(parse_question_id(f"15-{n}QE")).record.author.group for n in dates
    }
    assert {n: (g.short, g.ref) for n, g in groups.items() if g} == {
        1: ("LAREM", "PO000005"),
        2: ("EDS", "PO000006"),  # both mandates run that day: the one that starts wins
        3: ("EDS", "PO000006"),
        4: ("LAREM", "PO000005"),
    }
    author = archive.read_version(parse_question_id("15-3QE")).record.author
    assert (author.name, author.constituency) == ("Jeanne Exemple", "Gironde (3e circonscription)")


def test_homonyms_stay_two_people(tmp_path):
    archive = _imported(
        tmp_path,
        {
            1: question_json(1, author="PA000003", mandate="PM000003", group=None),
            2: question_json(2, author="PA000004", mandate="PM000004", group=None),
        },
    )
    first, second = (
        archive.read_version(parse_question_id(f"15-{n}QE")).record.author for n in (1, 2)
    )
    assert first.name == second.name == "Paul Martin"
    assert (first.ref, first.constituency, first.group and first.group.short) == (
        "PA000003",
        "Ain (1re circonscription)",
        "LR",
    )
    assert (second.ref, second.constituency, second.group and second.group.short) == (
        "PA000004",
        "Somme (4e circonscription)",
        "LAREM",
    )
    where = ["--archive", str(archive.root), "--format", "ids"]
    assert run("list", "--author", "paul martin", *where).stdout.split() == ["15-1QE", "15-2QE"]
    assert run("list", "--author", "pa000004", *where).stdout.split() == ["15-2QE"]
    stats = run("stats", "--by", "author", "--archive", str(archive.root), "--format", "json")
    assert stats.exit_code == 0, stats.stderr
    rows = {row["ref"]: (row["name"], row["questions"]) for row in json.loads(stats.stdout)}
    assert rows == {"PA000003": ("Paul Martin", 1), "PA000004": ("Paul Martin", 1)}


def test_the_mandate_the_question_names_wins(tmp_path):
    archive = Archive(tmp_path / "a")
    load(archive, AMO_ZIP)
    lookup = Archive(archive.root).references
    from qarchive.sources.an import opendata_json

    record = opendata_json.parse(question_json(5, mandate="PM000001"), url="x")
    # A published name is kept as published; only what is missing is filled.
    named = record.model_copy(
        update={"author": record.author.model_copy(update={"name": "Ugo BERNALICIS"})}
    )
    resolved = lookup.resolve(named)
    assert resolved.author.name == "Ugo BERNALICIS"
    assert resolved.author.mandate_ref == "PM000001"
    assert resolved.author.constituency == "Nord (2e circonscription)"


def test_what_the_reference_data_does_not_know_is_left_alone(tmp_path):
    from qarchive.sources.an import opendata_json

    archive = Archive(tmp_path / "a")
    record = opendata_json.parse(question_json(6, author="PA000777", mandate=None), url="x")
    assert Archive(archive.root).references.resolve(record) is record  # no reference data
    load(archive, AMO_ZIP)
    assert archive.references.resolve(record) is record  # an unknown actor
    # Before the deputy's first seat (and group): the name only.
    early = opendata_json.parse(question_json(7, mandate=None, published="2016-01-05"), url="x")
    author = archive.references.resolve(early).author
    assert (author.name, author.constituency, author.mandate_ref) == ("Ugo Bernalicis", None, None)
    assert author.group is not None and author.group.ref == "PO000001"  # as published


def test_every_save_path_resolves(sites, tmp_path):
    archive_dir = Path(os.environ["QARCHIVE_ARCHIVE"])
    load(Archive(archive_dir), AMO_ZIP)
    fetched = run("fetch", "15-12526QE")
    assert fetched.exit_code == 0, fetched.stderr
    record = Archive(archive_dir).read_version(SEED).record
    assert record.author.region == "Hauts-de-France"  # only the reference data has it
    page = tmp_path / "page.json"
    page.write_bytes(question_json(8))
    saved = run("fetch", "--from-file", str(page), "--url", OPENDATA_8)
    assert saved.exit_code == 0, saved.stderr
    other = Archive(archive_dir).read_version(parse_question_id("15-8QE")).record
    assert other.author.constituency == "Nord (2e circonscription)"


def test_no_names_page_is_fetched_when_the_reference_data_names_the_author(sites):
    archive_dir = Path(os.environ["QARCHIVE_ARCHIVE"])
    load(Archive(archive_dir), AMO_ZIP)
    fetched = run("fetch", "15-12526QE")
    assert fetched.exit_code == 0, fetched.stderr
    requested = [request.path for site in sites.by_var.values() for request, _ in site.server.log]
    assert requested == ["/dyn/opendata/QANR5L15QE12526.json"]  # the open data alone
    record = Archive(archive_dir).read_version(SEED).record
    assert record.author.name is not None and record.author.region == "Hauts-de-France"
    assert record.source.names_from is None
    assert "author known only by reference" not in fetched.stdout + fetched.stderr


# -- refresh: a conditional GET of the AMO zip -------------------------------------------


def _data_site(sites):
    return sites.by_var["QARCHIVE_AN_DATA_URL"]


def _amo_requests(sites) -> list[str]:
    return [
        request.headers.get("If-None-Match") or "-"
        for request, _ in _data_site(sites).server.log
        if request.path == AMO_URL_PATH
    ]


def test_refresh_keeps_the_reference_data_current(sites):
    url = _data_site(sites).base_url + AMO_URL_PATH
    imported = run("import", url)
    assert imported.exit_code == 0, imported.stderr
    first = run("refresh", "--no-discover")
    assert first.exit_code == 0, first.stderr
    assert "reference data" not in first.stderr  # the same zip: nothing changed
    second = run("refresh", "--no-discover")
    assert second.exit_code == 0, second.stderr
    # The import's download, an unconditional GET, then a conditional one (304).
    assert _amo_requests(sites)[1:] == ["-", '"' + _etag(AMO_ZIP.read_bytes()) + '"']

    renamed = json.loads(member("json/acteur/PA000003.json"))
    renamed["acteur"]["etatCivil"]["ident"]["nom"] = "Martin-Durand"
    _data_site(sites).pages[AMO_URL_PATH] = amo_zip_bytes(
        {"json/acteur/PA000003.json": json.dumps(renamed).encode()}
    )
    third = run("refresh", "--no-discover")
    assert third.exit_code == 0, third.stderr
    assert "reference data updated (0 new, 1 changed actors and organs; 0 questions named)" in (
        third.stderr
    )
    archive = Archive(Path(os.environ["QARCHIVE_ARCHIVE"]))
    renamed_actor = Archive(archive.root).references.actor("PA000003")
    assert renamed_actor is not None and renamed_actor.last_name == "Martin-Durand"


def _etag(body: bytes) -> str:
    import hashlib

    return hashlib.sha256(body).hexdigest()[:16]


def test_refresh_without_reference_data_asks_for_none(sites):
    assert run("refresh", "--no-discover").exit_code == 0
    assert _amo_requests(sites) == []


def test_a_failing_reference_refresh_is_a_note_not_a_failure(sites, tmp_path):
    load(Archive(Path(os.environ["QARCHIVE_ARCHIVE"])), AMO_ZIP)
    _data_site(sites).server.expect_oneshot_request(AMO_URL_PATH).respond_with_data(
        "no", status=404
    )
    result = run("refresh", "--no-discover")
    assert result.exit_code == 0, result.stderr
    assert "reference data not refreshed: HTTP 404" in result.stderr


def test_a_zip_that_is_not_amo_is_not_imported_as_reference_data(sites, tmp_path):
    load(Archive(Path(os.environ["QARCHIVE_ARCHIVE"])), AMO_ZIP)
    with zipfile.ZipFile(tmp_path / "q.zip", "w") as bundle:
        bundle.writestr("json/QANR5L15QE1.json", question_json(1))
    _data_site(sites).pages[AMO_URL_PATH] = (tmp_path / "q.zip").read_bytes()
    result = run("refresh", "--no-discover")
    assert result.exit_code == 0, result.stderr
    assert "is not an AMO zip" in result.stderr
    assert not Archive(Path(os.environ["QARCHIVE_ARCHIVE"])).versions(parse_question_id("15-1QE"))
