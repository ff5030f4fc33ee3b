"""Sénat open data: questions-depuis-un-an.csv, the pg_dump questions.zip, import, discovery."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import sqlite3
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import FIXTURES, SAMPLES
from qarchive.cli import app
from qarchive.errors import ParseError, UnknownFormat
from qarchive.jobs.imports import senat as importer
from qarchive.jobs.imports.dispatch import import_file
from qarchive.model.ids import parse_question_id
from qarchive.settings import load_settings
from qarchive.sources.senat import discovery, dump, dump_record, opendata_csv, urls
from qarchive.sources.senat.opendata_csv import HEADER, ParsedRow, RowProblem
from qarchive.sources.text import normalize_text
from qarchive.store.archive import Archive

DATA = FIXTURES / "sites/data.senat.fr/data/questions"
CSV_FILE = DATA / "questions-depuis-un-an.csv"
ZIP_FILE = DATA / "questions.zip"
SEED_FILE = SAMPLES.parent / "seeds" / "003_4e78118be521d1a9.txt"
URL = "https://data.senat.fr/data/questions/questions-depuis-un-an.csv"
DUMP_URL = "https://data.senat.fr/data/questions/questions.zip"
SEED_TITLE = "Dysfonctionnements du site de l'agence nationale des titres sécurisés"


# -- expected records -------------------------------------------------------------------


def _author(name, civility, group, place, ref=None):
    return {
        "name": name, "civility": civility, "ref": ref, "mandate_ref": None,
        "group": {"short": group, "full": None, "ref": None}, "constituency": place,
        "department": place, "constituency_number": None, "region": None, "published_name": None,
    }  # fmt: skip


def _ministry(name):
    return {"name": name, "full_name": None, "ref": None}


def _pub(date, page=None):
    return {"date": date, "page": page, "issue": None}


def _answer(date, ministry, page=None, text=None, session=None):
    return {"published": _pub(date, page), "ministry": _ministry(ministry), "text": text,
            "session_date": session}  # fmt: skip


def _record(ref, number, kind, legislature, **fields):
    year = ("19" if ref[3] >= "7" else "20") + ref[3:5]
    record = {
        "id": ref, "chamber": "senat", "legislature": legislature, "number": number,
        "kind": kind, "url": f"https://www.senat.fr/questions/base/{year}/q{ref}.html",
        "title": None, "rubrique": None, "heading": None, "analysis": [], "author": None,
        "ministry_asked": None, "ministry_responding": None, "attribution_history": [],
        "published": None, "text": None, "answer": None, "status": None, "closed": None,
        "signalements": [], "renewals": [], "errata": [], "themes": [], "reminder_of": None,
        "converted_to": None, "source": None,
    }  # fmt: skip
    record.update(fields)
    return record


ECO, TAXES = "Économie, finances et industrie", "Économie et finances, fiscalité"
LEFEVRE = _author("Hélène Lefèvre", "Mme", "Les Républicains", "Côtes-d'Armor")
SOINS = "Mise en œuvre de l’accès aux soins dans les zones rurales"

# What the CSV says of each of its six rows; the dump says all that and more.
CSV_EXPECTED = {
    "SEQ180304125": _record(
        "SEQ180304125", 4125, "QE", 15, title=SEED_TITLE,
        author=_author("Philippe Bonnecarrère", "M.", "UC", "Tarn"),
        ministry_asked=_ministry("Intérieur"), ministry_responding=_ministry("Intérieur"),
        published=_pub("2018-03-22"), answer=_answer("2018-05-17", "Intérieur"),
        status="answered",
    ),
    "SEQ250605001": _record(
        "SEQ250605001", 5001, "QE", 17, title=SOINS, author=LEFEVRE,
        ministry_asked=_ministry("Santé et accès aux soins"),
        ministry_responding=_ministry("Santé et accès aux soins"),
        published=_pub("2025-06-12"), status="pending", themes=["Santé"],
    ),
    "SEQ250605002": _record(
        "SEQ250605002", 5002, "QE", 17,
        title="Taxe de séjour ; barèmes applicables aux gîtes ruraux",
        author=_author("Jean-Loïc Marchand", "M.", "UC", "Manche"),
        ministry_asked=_ministry(ECO), ministry_responding=_ministry("Action et comptes publics"),
        attribution_history=[
            {"ministry": _ministry(ECO), "date": "2025-06-12", "jo_type": None},
            {"ministry": _ministry("Action et comptes publics"), "date": "2025-07-03",
             "jo_type": None},
        ],
        published=_pub("2025-06-12"), answer=_answer("2025-09-18", "Action et comptes publics"),
        status="answered", themes=[TAXES, "Tourisme"],
    ),
    "SEQ250905861": _record(
        "SEQ250905861", 5861, "QE", 17, title=SOINS, author=LEFEVRE,
        ministry_asked=_ministry("Santé et accès aux soins"),
        ministry_responding=_ministry("Santé et accès aux soins"),
        published=_pub("2025-09-11"), status="pending", themes=["Santé"],
        reminder_of="SEQ250605001",
    ),
    "SEQ25100512G": _record(
        "SEQ25100512G", 512, "QG", 17, title="Chômage des jeunes",
        author=_author("Maëlle Perrin-Aubert", "Mme", "SER", "Ille-et-Vilaine"),
        ministry_asked=_ministry("Premier ministre"),
        ministry_responding=_ministry("Travail et solidarités"),
        published=_pub("2025-10-22"), answer=_answer("2025-10-22", "Travail et solidarités"),
        status="answered", themes=["Travail"],
    ),
    "SEQ25100771S": _record(
        "SEQ25100771S", 771, "QOSD", 17,
        title="Lissage conjoncturel des recettes des collectivités",
        author=_author("Noémie Vallée-Rœsch", "Mme", "CRCE-K", "Seine-Maritime"),
        ministry_asked=_ministry(ECO), ministry_responding=_ministry("Industrie"),
        published=_pub("2025-10-23"), answer=_answer("2025-11-05", "Industrie"),
        status="answered", themes=[TAXES, "Collectivités territoriales"],
    ),
}  # fmt: skip


def _richer(ref, **fields):
    """The CSV's record for ``ref`` with what the dump adds."""
    record = json.loads(json.dumps(CSV_EXPECTED[ref]))
    for key, value in fields.items():
        if isinstance(value, dict) and isinstance(record.get(key), dict):
            record[key] = {**record[key], **value}
        else:
            record[key] = value
    return record


def _seed_texts():
    """The seed's two texts, paragraphs separated by a blank line (as the page parser gives)."""
    seed = SEED_FILE.read_text(encoding="utf-8")
    question, answer = seed.split("Réponse du Ministère de l'intérieur publiée le 17/05/2018")
    paragraphs = [p.strip() for p in question.split("- page 1320")[0].split("\n\n")[1:]]
    question = "\n\n".join(p for p in paragraphs if p)
    return normalize_text(question), normalize_text(answer.split("- page 2390")[0])  # NBSPs


GARNIER = _author("Étienne Garnier", "M.", "Les Républicains", "Côte-d'Or", "90006F")
DUMP_EXTRA = {
    "SEQ180304125": _richer(
        "SEQ180304125", published=_pub("2018-03-22", 1320), text="<seed question>",
        answer=_answer("2018-05-17", "Intérieur", 2390, "<seed answer>"),
    ),
    "SEQ250605001": _richer(
        "SEQ250605001", rubrique="Santé", author={"ref": "90001A"},
        published=_pub("2025-06-12", 2871),
        text="Mme Hélène Lefèvre attire l'attention de Mme la ministre sur l’accès aux soins "
        "(texte synthétique).\n\nLe tableau de bord indique : délai moyen 21 jours \\ 35 jours "
        "en zone rurale.\n\nElle lui demande quelles mesures sont prévues.",
    ),
    "SEQ250605002": _richer(
        "SEQ250605002", author={"ref": "90002B"}, published=_pub("2025-06-12", 2873),
        text="M. Jean-Loïc Marchand interroge M. le ministre sur les barèmes de la taxe de séjour "
        "(texte synthétique).",
        answer=_answer("2025-09-18", "Action et comptes publics", 4410,
                       "Les barèmes de la taxe de séjour sont fixés par la loi (texte synthétique)."),
        errata=[{"target": "answer", "published": _pub("2025-09-25", 4602)}],
    ),
    "SEQ250905861": _richer(
        "SEQ250905861", rubrique="Santé", author={"ref": "90001A"},
        published=_pub("2025-09-11", 4102),
        text="Mme Hélène Lefèvre rappelle à Mme la ministre les termes de sa question n° 05001 "
        "(texte synthétique).",
    ),
    "SEQ25100512G": _richer(
        "SEQ25100512G", author={"ref": "90003C"},
        text="Ma question s'adresse à M. le Premier ministre (texte synthétique).",
        answer=_answer("2025-10-22", "Travail et solidarités", 5077,
                       "Monsieur le sénateur, la question est importante (texte synthétique).",
                       "2025-10-22"),
    ),
    "SEQ25100771S": _richer(
        "SEQ25100771S", author={"ref": "90004D"}, published=_pub("2025-10-23", 5120),
        text="Mme Noémie Vallée-Rœsch interroge M. le ministre (texte synthétique).",
        answer=_answer("2025-11-05", "Industrie", 5302,
                       "Madame la sénatrice, le dispositif de lissage (texte synthétique).",
                       "2025-11-04"),
    ),
    "SEQ190209150": _record(
        "SEQ190209150", 9150, "QE", 15, title="Entretien des digues du Gers",
        rubrique="Environnement",
        author=_author("Armelle Dupuis-Maréchal", "Mme", "RDSE", "Gers", "90005E"),
        ministry_asked=_ministry("Transition écologique et solidaire"),
        ministry_responding=_ministry("Transition écologique et solidaire"),
        published=_pub("2019-02-28", 1098),
        text="Mme Armelle Dupuis-Maréchal attire l'attention de M. le ministre (texte synthétique).",
        status="lapsed", closed={"date": "2021-10-01", "code": None, "reason": "Caduque"},
        errata=[{"target": "question", "published": _pub("2019-03-07", 1240)}],
        themes=["Environnement"],
    ),
    "SEQ200214402": _record(
        "SEQ200214402", 14402, "QE", 15, title="Avenir des musées de France", author=GARNIER,
        ministry_asked=_ministry("Culture"), ministry_responding=_ministry("Culture"),
        published=_pub("2020-02-27", 980),
        text="M. Étienne Garnier interroge M. le ministre de la culture (texte synthétique).",
        status="converted",
        closed={"date": "2020-05-06", "code": None, "reason": "Transformée en question orale"},
        converted_to="SEQ20051123S",
    ),
    "SEQ20051123S": _record(
        "SEQ20051123S", 1123, "QOSD", 15, title="Avenir des musées de France", author=GARNIER,
        ministry_asked=_ministry("Culture"), ministry_responding=_ministry("Culture"),
        published=_pub("2020-05-07", 2077),
        text="M. Étienne Garnier interroge M. le ministre de la culture (texte synthétique).",
        answer=_answer("2020-06-10", "Culture", 2790,
                       "Monsieur le sénateur, les musées (texte synthétique).", "2020-06-09"),
        status="answered",
    ),
    "SEQ231008412": _record(
        "SEQ231008412", 8412, "QE", 16, title="Desserte ferroviaire du Morvan",
        author=_author("Lucien Bastide", "M.", "NI", "Nièvre", "90007G"),
        ministry_asked=_ministry("Transports"), ministry_responding=_ministry("Transports"),
        published=_pub("2023-10-19", 6001),
        text="M. Lucien Bastide attire l'attention de M. le ministre (texte synthétique).",
        status="withdrawn", closed={"date": "2023-12-01", "code": None, "reason": "Retirée"},
    ),
}  # fmt: skip
SEED_TEXT_FINGERPRINTS = {
    "question": (1357, "3599db9e8cdafdbf"),
    "answer": (4033, "f15cd50377b07477"),
}


def _check(record, expected, *, source_format, url):
    data = record.model_dump(mode="json")
    expected = {**expected, "source": {"format": source_format, "url": url, "names_from": None}}
    if expected.get("text") == "<seed question>":  # long texts: compared below
        _check_seed_texts(data)
        expected["text"], expected["answer"] = (
            data["text"],
            {**expected["answer"], "text": data["answer"]["text"]},
        )
    assert data == expected


def _check_seed_texts(data):
    for name, text in (("question", data["text"]), ("answer", data["answer"]["text"])):
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        assert (len(text), digest) == SEED_TEXT_FINGERPRINTS[name]
    if SEED_FILE.exists():
        assert (data["text"], data["answer"]["text"]) == _seed_texts()
    assert data["text"].count("\n\n") == 4  # five paragraphs, as on the page


# -- the CSV ----------------------------------------------------------------------------


def _csv_items(data: bytes, url: str = URL) -> list[ParsedRow | RowProblem]:
    return list(opendata_csv.iter_records(io.BytesIO(data), url=url))


def _parsed(items: list[ParsedRow | RowProblem]) -> list[ParsedRow]:
    assert all(isinstance(item, ParsedRow) for item in items), items
    return [item for item in items if isinstance(item, ParsedRow)]


def test_csv_fixture_every_row_every_field():
    items = _parsed(_csv_items(CSV_FILE.read_bytes()))
    assert [item.line for item in items] == [2, 3, 4, 5, 6, 7]
    assert [item.record.id for item in items] == list(CSV_EXPECTED)
    for item in items:
        expected = CSV_EXPECTED[item.record.id]
        _check(item.record, expected, source_format="senat_opendata_csv",
               url=f"{URL}#{item.record.id}")  # fmt: skip


def test_csv_fixture_is_windows_1252_with_crlf():
    data = CSV_FILE.read_bytes()
    assert "Mise en œuvre de l’accès".encode("cp1252") in data  # œ = 0x9C, ’ = 0x92: not Latin-1
    assert data.count(b"\r\n") == 7
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


def test_csv_raw_capture_is_the_header_and_the_row_and_replays():
    items = _parsed(_csv_items(CSV_FILE.read_bytes()))
    lines = CSV_FILE.read_bytes().splitlines(keepends=True)
    for item in items:
        assert item.raw == lines[0] + lines[item.line - 1]
        replayed = opendata_csv.parse(item.raw, url=item.record.source.url)
        assert replayed == item.record


def _row(columns: dict[str, str] | None = None, /, **values: str) -> str:
    """A CSV line: the seed's values, with ``columns`` (exact names) and ``values``
    (``Date_de_réponse_JO`` for "Date de réponse JO") in their place."""
    base = dict(zip(HEADER, [
        "Réponse reçue", "QE", "04125", "SEQ180304125", SEED_TITLE, "Bonnecarrère", "Philippe",
        "M.", "Tarn", "UC", "", "2018-03-22", "Intérieur", "", "", "Intérieur", "2018-05-17",
        "", "", "", "http://www.senat.fr/questions/base/2018/qSEQ180304125.html",
    ], strict=True))  # fmt: skip
    changes = {**(columns or {}), **{key.replace("_", " "): v for key, v in values.items()}}
    assert set(changes) <= set(HEADER), set(changes) - set(HEADER)
    base.update(changes)
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerow(base.values())
    return out.getvalue()


def _csv(*rows: str, prefix: str = "", encoding: str = "cp1252") -> bytes:
    return (prefix + ";".join(HEADER) + "\r\n" + "".join(rows)).encode(encoding)


def test_csv_comment_lines_utf8_and_bom_give_the_same_records():
    plain = _parsed(_csv_items(CSV_FILE.read_bytes()))
    text = CSV_FILE.read_bytes().decode("cp1252")
    commented = "% Sénat - questions depuis un an\r\n% extraction du 20/11/2026\r\n" + text
    for data in (commented.encode("cp1252"), text.encode("utf-8"), text.encode("utf-8-sig")):
        items = _parsed(_csv_items(data))
        assert [item.record for item in items] == [item.record for item in plain]
    assert [item.line for item in _csv_items(commented.encode("cp1252"))] == list(range(4, 10))


def test_csv_bad_rows_are_reported_with_their_line_and_never_stop_the_file():
    data = _csv(
        _row(Référence="SEQ250605001", Numéro="05001"),
        "only;three;fields\r\n",
        _row(Date_de_publication_JO="22/13/2018"),
        _row(Date_de_publication_JO=""),
        _row(Référence="", URL_Question=""),
        _row(Référence="SEQ189904125"),
        _row(Date_de_réponse_JO="demain"),
        "\r\n",
        _row(Référence="SEQ250605002", Titre="Titre sur\r\ndeux lignes; avec point-virgule"),
        _row(Référence="SEQ250905861", Référence_de_la_question_rappelée="n° 64"),
        _row(
            Référence="", URL_Question="http://www.senat.fr/questions/base/2018/qSEQ180304125.html"
        ),
    )
    items = _csv_items(data)
    problems = [(item.line, item.reason) for item in items if isinstance(item, RowProblem)]
    not_a_reference = (
        "is not a Sénat reference (SEQ, then the year and month of publication and the "
        "number, e.g. SEQ180304125)"
    )
    assert problems == [
        (3, "expected 21 fields, found 3"),
        (4, "Date de publication JO: '22/13/2018' is not a date"),
        (5, "no 'Date de publication JO'"),
        (6, "no 'Référence' and no question URL"),
        (7, f"Référence: 'SEQ189904125' {not_a_reference}"),
        (8, "Date de réponse JO: 'demain' is not a date"),
        (12, f"Référence de la question rappelée: 'n° 64' {not_a_reference}"),
    ]
    records = {item.line: item.record for item in items if isinstance(item, ParsedRow)}
    assert sorted(records) == [2, 10, 13]
    assert records[10].title == "Titre sur deux lignes; avec point-virgule"
    assert records[13].id == "SEQ180304125"  # the reference taken from the URL


def test_csv_undecodable_bytes_and_overlong_lines_are_not_fatal():
    data = _csv(_row(Titre="Cas limite"), _row(Référence="SEQ250605002"))
    data = data.replace(b"Cas limite", b"Cas \x81 limite")  # undefined in windows-1252
    assert _parsed(_csv_items(data))[0].record.title == "Cas \x81 limite"
    long_row = _row(Titre="x" * 5000)
    data = _csv(_row(), long_row, _row(Référence="SEQ250605002"))
    items = list(opendata_csv.iter_records(io.BytesIO(data), url=URL, max_row_bytes=1000))
    assert [type(item).__name__ for item in items] == ["ParsedRow", "RowProblem", "ParsedRow"]
    assert items[1] == RowProblem(3, "line over the 1000-byte cap")


@pytest.mark.parametrize(
    ("sort", "answered", "status"),
    [
        ("Retirée", "", "withdrawn"),
        ("Caduque", "", "lapsed"),
        ("Transformée en question orale", "", "converted"),
        ("En cours", "", "pending"),
        ("En attente de réponse", "2018-05-17", "answered"),  # an answer date wins
    ],
)
def test_csv_statuses(sort, answered, status):
    item = _parsed(_csv_items(_csv(_row(Sort=sort, Date_de_réponse_JO=answered))))[0]
    assert item.record.status == status
    assert (item.record.answer is not None) == bool(answered)


def test_csv_that_is_not_the_questions_file():
    for data in (b"", b"a,b\n1,2\n", b"<html><title>Erreur</title></html>", b"% only\n"):
        with pytest.raises(UnknownFormat, match=r"is not the Sénat's questions-depuis-un-an\.csv"):
            _csv_items(data)
    with pytest.raises(UnknownFormat, match="no question row"):
        opendata_csv.parse(_csv(), url=URL)
    with pytest.raises(ParseError, match=r"line 2 of .*expected 21 fields"):
        opendata_csv.parse(_csv("a;b\r\n"), url=URL)


def test_csv_rows_rebuilt_from_the_real_derived_sample(samples_dir):
    """Values of the real CSV (as a third party exported them), rebuilt into rows at test time."""
    sample = samples_dir / "senat/opendata_questions-depuis-un-an_derived_excerpt.json"
    rows = []
    for item in json.loads(sample.read_text(encoding="utf-8"))["questions_ecrites"]:
        first, _, last = item["senateur_nom"].partition(" ")

        def iso(value):
            return "-".join(reversed(value.split("/"))) if value else ""

        rows.append(_row(
            {"Thème(s)": item["themes"]},
            Sort="Réponse reçue" if item["date_reponse"] else "En attente de réponse",
            Nature={"G": "QG", "S": "QOSD"}.get(item["numero"][-1], "QE"),
            Numéro=item["numero"], Référence=item["url"].rsplit("/q", 1)[1][:-5],
            Titre=item["titre"], Nom=last, Prénom=first, Civilité="Mme",
            Circonscription=item["senateur_dept"], Groupe=item["groupe_politique"],
            Date_de_publication_JO=iso(item["date_publication"]),
            Ministère_de_dépôt=item["ministre_interroge"],
            Ministère_de_réponse=item["ministre_reponse"] or "",
            Date_de_réponse_JO=iso(item["date_reponse"]),
            URL_Question=item["url"].replace("https://", "http://"),
        ))  # fmt: skip
    records = {item.record.id: item.record for item in _parsed(_csv_items(_csv(*rows)))}
    assert len(records) == 8
    assert all(record.legislature == 17 for record in records.values())
    moved = records["SEQ251006436"]
    assert moved.ministry_asked and moved.ministry_responding
    assert (moved.ministry_asked.name, moved.ministry_responding.name) == (
        "Intelligence artificielle et numérique", "Action et comptes publics")  # fmt: skip
    assert moved.themes == ["Économie et finances, fiscalité"]
    assert records["SEQ251006518"].themes == [
        "Police et sécurité",
        "Économie et finances, fiscalité",
    ]
    assert records["SEQ260709662"].themes == [
        "Justice", "Économie et finances, fiscalité", "Collectivités territoriales"]  # fmt: skip
    qg, qosd = records["SEQ25100505G"], records["SEQ25100766S"]
    assert qg.answer is not None and qg.answer.published.date.isoformat() == "2025-10-30"
    assert (qg.kind, qg.number) == ("QG", 505)
    assert (qosd.kind, qosd.number, qosd.status) == ("QOSD", 766, "answered")
    assert records["SEQ251006438"].status == "pending" and records["SEQ251006438"].answer is None


# -- the dump ---------------------------------------------------------------------------


def _fixture_sql() -> str:
    with zipfile.ZipFile(ZIP_FILE) as bundle:
        assert bundle.namelist() == ["questions.sql"]
        return bundle.read("questions.sql").decode("utf-8")


def _dump_items(sql: str | bytes, tmp_path: Path, url: str = DUMP_URL):
    data = sql.encode("utf-8") if isinstance(sql, str) else sql
    spill = sqlite3.connect(tmp_path / f"spill-{len(list(tmp_path.iterdir()))}.sqlite")
    try:
        return list(dump.iter_records(io.BytesIO(data), url=url, spill=spill))
    finally:
        spill.close()


def _blocks(sql: str) -> tuple[str, dict[str, str]]:
    found = {
        match["table"]: match.group()
        for match in re.finditer(r"COPY (?:questions\.)?(?P<table>\w+) \(.*?\n\\\.\n", sql, re.S)
    }
    head = sql[: sql.index("COPY ")]
    return head, found


def test_dump_fixture_every_row_every_field(tmp_path):
    items = _dump_items(_fixture_sql(), tmp_path)
    assert all(isinstance(item, ParsedRow) for item in items)
    assert [item.record.id for item in items] == list(DUMP_EXTRA)
    for item in items:
        _check(item.record, DUMP_EXTRA[item.record.id], source_format="senat_dump",
               url=f"{DUMP_URL}#{item.record.id}")  # fmt: skip
    notes = {item.record.id: item.notes for item in items if item.notes}
    assert notes == {"SEQ250605002": ("2 answers; kept the first published (2025-09-18)",)}


def test_dump_raw_capture_is_the_rows_and_replays(tmp_path):
    for item in _dump_items(_fixture_sql(), tmp_path):
        document = json.loads(item.raw)
        assert document["tam_questions"]["reference"] == item.record.id
        assert len(document["tam_questions"]) == 58  # every column, for re-parsing later
        assert dump_record.parse(item.raw, url=item.record.source.url) == item.record
        if item.record.id == "SEQ250605002":
            assert [a["pagejorep"] for a in document["tam_reponses"]] == ["4980", "4410"]
            assert document["resolved"]["themes"] == {"3": TAXES, "12": "Tourisme"}
    with pytest.raises(UnknownFormat):
        dump_record.parse(b"not json", url="x")
    with pytest.raises(ParseError, match="no datejodepot"):
        dump_record.parse(
            json.dumps({"tam_questions": {"reference": "SEQ180304125"}}).encode(), url="x"
        )


def test_dump_any_block_order_gives_the_same_records(tmp_path):
    sql = _fixture_sql()
    head, blocks = _blocks(sql)
    expected = [item.record for item in _dump_items(sql, tmp_path)]
    for order in (
        ["tam_reponses", "the", "tam_ministeres", "sortquestion", "tam_questions"],
        ["the", "tam_questions", "sortquestion", "tam_reponses", "tam_ministeres"],
    ):
        reordered = head + "".join(blocks[name] + "\n" for name in order)
        reordered += "".join(b for name, b in blocks.items() if name not in order)
        assert [item.record for item in _dump_items(reordered, tmp_path)] == expected


def test_dump_columns_are_read_from_the_header(tmp_path):
    sql = _fixture_sql()
    block = _blocks(sql)[1]["tam_questions"]
    header, *rows, _end = block.split("\n")[:-1]
    columns = header[header.index("(") + 1 : header.index(")")].split(", ")
    order = list(reversed(range(len(columns))))
    shuffled = "\n".join(
        [header.replace(", ".join(columns), ", ".join(f'"{columns[i]}"' for i in order))]
        + ["\t".join(row.split("\t")[i] for i in order) for row in rows]
        + ["\\.", ""]
    )
    shuffled_sql = sql.replace(block, shuffled.replace("COPY questions.", "COPY "))
    assert shuffled_sql != sql
    expected = [item.record for item in _dump_items(sql, tmp_path)]
    assert [item.record for item in _dump_items(shuffled_sql, tmp_path)] == expected


Q_COLUMNS = "id, reference, numero, datejodepot, natquecod, legislature, titre, nom, txtque, themes"


def _mini_dump(*question_rows: str, answers: tuple[str, ...] = (), extra: str = "") -> str:
    return (
        extra
        + f"COPY tam_questions ({Q_COLUMNS}) FROM stdin;\n"
        + "".join(row + "\n" for row in question_rows)
        + "\\.\nCOPY tam_reponses (idque, datejorep, txtrep, pagejorep) FROM stdin;\n"
        + "".join(row + "\n" for row in answers)
        + "\\.\n"
    )


def test_dump_escapes_and_nulls(tmp_path):
    text = r"Tab\there, newline\nnext, back\\slash, octal \101\102, hex \x43, \N inside, \\N"
    sql = _mini_dump(
        f"1\tSEQ180304125\t04125\t2018-03-22 00:00:00\tQE\t15\tTitre\\tà tab\tNom\t{text}\t\\N",
        "2\t\\N\t04126\t2018-03-22 00:00:00\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N",
        answers=("1\t2018-05-17 00:00:00\tR\\351ponse en octal latin-1\t\\N",),
    )
    first, second = (item.record for item in _dump_items(sql, tmp_path))
    assert first.title == "Titre à tab"
    # pg COPY: \N alone is NULL, inside a field it is "N"; \\N is a backslash and N.
    assert first.text == "Tab here, newline\n\nnext, back\\slash, octal AB, hex C, N inside, \\N"
    assert first.answer.text == "Réponse en octal latin-1"  # a lone byte: windows-1252
    assert first.answer.published.page is None
    # NULLs everywhere: the reference rebuilt from numero and date, the kind from the number.
    assert (second.id, second.kind, second.legislature, second.title) == (
        "SEQ180304126", "QE", 15, None)  # fmt: skip
    assert second.author.name is None and second.text is None and second.themes == []


def test_dump_problems_never_stop_the_file(tmp_path):
    sql = _mini_dump(
        "1\tSEQ180304125\t04125\t2018-03-22 00:00:00\tQE\t15\tT\tN\t\\N\t\\N",
        "2\tSEQ180304126\t04126\tjamais\tQE\t15\tT\tN\t\\N\t\\N",
        "3\ttoo\tfew",
        "4\tSEQ189904127\t04127\t2018-03-22 00:00:00\tQE\t15\tT\tN\t\\N\t\\N",
        "5\tSEQ180304128\t04128\t2018-03-22 00:00:00\tQE\t15\tT\tN\t\\N\t\\N",
        answers=(
            "999\t2018-05-17 00:00:00\torphan\t1",
            "5\t2018-05-17\ttwo\t2",
            "5\t2018-04-30\tone\t1",
        ),
    )
    items = _dump_items(sql, tmp_path)
    problems = [(item.line, item.reason) for item in items if isinstance(item, RowProblem)]
    assert problems[0] == (4, "tam_questions: expected 10 fields, found 3")
    assert problems[1] == (3, "tam_questions: datejodepot: 'jamais' is not a date")
    assert problems[2] == (
        5,
        "tam_questions: reference: 'SEQ189904127' is not a Sénat reference "
        "(SEQ, then the year and month of publication and the number, "
        "e.g. SEQ180304125)",
    )
    assert problems[3] == (9, "tam_reponses: an answer to question id 999, not in the dump")
    records = [item.record for item in items if isinstance(item, ParsedRow)]
    assert [r.id for r in records] == ["SEQ180304125", "SEQ180304128"]
    assert records[0].answer is None  # a question with no answer
    assert records[1].answer and records[1].answer.text == "one"  # the first published kept
    assert items[-2].notes == ("2 answers; kept the first published (2018-04-30)",)


def test_dump_truncated_empty_and_latin1(tmp_path):
    truncated = _mini_dump("1\tSEQ180304125\t04125\t2018-03-22\tQE\t15\tT\tN\t\\N\t\\N")[:-3]
    with pytest.raises(ParseError, match="ends inside the COPY block of tam_reponses"):
        _dump_items(truncated, tmp_path)
    with pytest.raises(UnknownFormat, match="not the Sénat's questions dump: no COPY block"):
        _dump_items("-- PostgreSQL database dump\nSET client_encoding = 'UTF8';\n", tmp_path)
    latin = _mini_dump(
        "1\tSEQ180304125\t04125\t2018-03-22\tQE\t15\tS\u00e9nat \u0153uvre\tN\t\\N\t\\N",
        extra="SET client_encoding = 'WIN1252';\n",
    ).encode("cp1252")
    assert _dump_items(latin, tmp_path)[0].record.title == "Sénat œuvre"


def _write_big_dump(path: Path, count: int) -> int:
    """Answers first (the worst order for a join), ~2 KB of text per row."""
    filler = "Texte synthétique de remplissage pour mesurer la mémoire. " * 35
    with open(path, "w", encoding="utf-8") as out:
        out.write(
            "COPY tam_reponses (idque, datejorep, txtrep, pagejorep, minreplib) FROM stdin;\n"
        )
        for i in range(1, count + 1):
            out.write(
                f"{i}\t2020-03-{1 + i % 28:02d} 00:00:00\tRéponse {i}. {filler}\t{i}\tCulture\n"
            )
        out.write("\\.\n")
        out.write(f"COPY tam_questions ({Q_COLUMNS}) FROM stdin;\n")
        for i in range(1, count + 1):
            out.write(f"{i}\tSEQ2001{i:05d}\t{i:05d}\t2020-01-15 00:00:00\tQE\t15\tQuestion {i}"
                      f"\tNom\tQuestion {i}. {filler}\t\\N\n")  # fmt: skip
        out.write("\\.\n")
    return path.stat().st_size


def test_dump_join_memory_is_bounded(tmp_path):
    path = tmp_path / "big.sql"
    size = _write_big_dump(path, 2000)
    assert size > 8_000_000
    spill = sqlite3.connect(tmp_path / "spill.sqlite")
    count, answered = 0, 0
    tracemalloc.start()
    try:
        with open(path, "rb") as stream:
            for item in dump.iter_records(stream, url="file:big.sql", spill=spill):
                assert isinstance(item, ParsedRow)
                count += 1
                text = item.record.answer.text if item.record.answer else None
                answered += (text or "").startswith(f"Réponse {item.record.number}.")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        spill.close()
    assert (count, answered) == (2000, 2000)
    # ~80 KB measured, the same for 1,000 or 3,000 rows: one question at a time.
    assert peak < 500_000, f"peak {peak} bytes for a {size}-byte dump"


# -- import through the CLI -------------------------------------------------------------


def _run(*args: str):
    return CliRunner().invoke(app, list(args))


def _archive() -> Archive:
    return Archive(Path(os.environ["QARCHIVE_ARCHIVE"]))


def _version_files() -> list[Path]:
    return sorted(_archive().root.rglob("v*.json"))


def test_import_the_csv(sites):
    result = _run("import", str(CSV_FILE))
    assert result.exit_code == 0, result.output
    assert result.stderr == "import: 6 read, 6 new, 0 updated, 0 unchanged, 0 refused or failed\n"
    archive = _archive()
    assert sorted(q.canonical for q in archive.iter_ids()) == sorted(CSV_EXPECTED)
    stored = archive.read_version(parse_question_id("SEQ250605002"))
    origin = CSV_FILE.resolve().as_uri()
    _check(stored.record, CSV_EXPECTED["SEQ250605002"], source_format="senat_opendata_csv",
           url=f"{origin}#SEQ250605002")  # fmt: skip
    raw = archive.read_raw(parse_question_id("SEQ250605002"), stored.raw[0])
    lines = CSV_FILE.read_bytes().splitlines(keepends=True)
    assert raw == lines[0] + lines[3]  # the header and the row: parseable alone
    # In the import's pack, as for the AN's zips: no raw/ folder per question.
    (pack,) = archive.packs.names()
    assert pack.endswith("-senat-csv.zip")
    assert stored.raw == [f"pack:{pack}#rows/4-SEQ250605002.csv"]
    assert not list(archive.layout.questions.rglob("raw"))
    again = _run("import", str(CSV_FILE))
    assert again.stderr == "import: 6 read, 0 new, 0 updated, 6 unchanged, 0 refused or failed\n"
    assert len(_version_files()) == 6
    assert archive.packs.names() == [pack]  # the second import's pack, named by none, is gone
    assert _run("verify").exit_code == 0


def test_import_the_dump_zip_then_the_csv_writes_nothing(sites):
    result = _run("import", str(ZIP_FILE))
    assert result.exit_code == 0, result.output
    assert result.stderr == "import: 10 read, 10 new, 0 updated, 0 unchanged, 0 refused or failed\n"
    archive = _archive()
    seed = archive.read_version(parse_question_id("SEQ180304125"))
    assert seed.raw[0].startswith("pack:") and seed.raw[0].endswith("-SEQ180304125.json")
    assert json.loads(archive.read_raw(parse_question_id("SEQ180304125"), seed.raw[0]))[
        "tam_reponses"][0]["pagejorep"] == "2390"  # fmt: skip
    assert not list(archive.root.glob(".tmp-*"))  # the spill file is gone
    before = {path: path.read_bytes() for path in _version_files()}
    for source, read in ((ZIP_FILE, 10), (CSV_FILE, 6)):  # a re-import, and the poorer CSV
        again = _run("import", str(source))
        assert again.exit_code == 0  # the README shows this exact line for the CSV:
        assert again.stderr == (
            f"import: {read} read, 0 new, 0 updated, {read} unchanged, 0 refused or failed\n"
        )
    assert {path: path.read_bytes() for path in _version_files()} == before
    _check(archive.read_version(parse_question_id("SEQ180304125")).record,
           DUMP_EXTRA["SEQ180304125"], source_format="senat_dump",
           url=f"{ZIP_FILE.resolve().as_uri()}#SEQ180304125")  # fmt: skip
    listed = _run("list", "--chamber", "senat", "--unanswered", "--format", "ids")
    assert sorted(listed.stdout.split()) == ["SEQ250605001", "SEQ250905861"]


def test_import_the_csv_then_the_dump_adds_the_texts(sites):
    _run("import", str(CSV_FILE))
    result = _run("import", str(ZIP_FILE))
    assert result.stderr == "import: 10 read, 4 new, 6 updated, 0 unchanged, 0 refused or failed\n"
    seed = _archive().read_version(parse_question_id("SEQ180304125"))
    assert seed.version == 2 and "text" in seed.changed
    assert seed.record.answer and seed.record.answer.published.page == 2390


def test_a_newer_csv_answer_keeps_what_the_dump_knew(sites, tmp_path):
    _run("import", str(ZIP_FILE))
    newer = tmp_path / "questions-depuis-un-an.csv"
    text = CSV_FILE.read_bytes().decode("cp1252")
    answered = text.replace(
        "En attente de réponse;QE;05001;SEQ250605001", "Réponse reçue;QE;05001;SEQ250605001"
    ).replace(
        "Santé et accès aux soins;;;;;;Santé",
        "Santé et accès aux soins;;;Santé et accès aux soins;2025-08-28;;Santé",
    )
    newer.write_bytes(answered.encode("cp1252"))
    result = _run("import", str(newer))
    assert result.stderr == "import: 6 read, 0 new, 1 updated, 5 unchanged, 0 refused or failed\n"
    stored = _archive().read_version(parse_question_id("SEQ250605001"))
    assert stored.version == 2 and stored.record.status == "answered"
    assert stored.record.text == DUMP_EXTRA["SEQ250605001"]["text"]  # kept from the dump
    assert stored.record.author.ref == "90001A" and stored.record.published.page == 2871


def test_import_a_bare_sql_and_a_csv_by_its_header(sites, tmp_path):
    sql = tmp_path / "dump.txt"
    sql.write_text(_fixture_sql(), encoding="utf-8")
    assert _run("import", str(sql)).stderr.startswith("import: 10 read, 10 new")
    renamed = tmp_path / "export"
    renamed.write_bytes(CSV_FILE.read_bytes())
    assert _run("import", str(renamed)).stderr.startswith("import: 6 read, 0 new, 0 updated, 6")


def test_import_the_dump_from_its_url(sites):
    settings = load_settings()
    assert urls.dump_url(settings).startswith(sites.by_var["QARCHIVE_SENAT_DATA_URL"].base_url)
    for url in (urls.dump_url(settings), urls.csv_url(settings)):
        result = _run("import", url)
        assert result.exit_code == 0, result.output
    stored = _archive().read_version(parse_question_id("SEQ180304125"))
    assert stored.record.source.url == f"{urls.dump_url(settings)}#SEQ180304125"


def test_import_reports_bad_rows_and_exits_1(sites, tmp_path):
    path = tmp_path / "q.csv"
    path.write_bytes(_csv(_row(), "x;y\r\n", _row(Référence="SEQ250605002")))
    result = _run("import", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: q.csv:3: expected 21 fields, found 2",
        "import: 3 read, 2 new, 0 updated, 0 unchanged, 1 refused or failed",
    ]


def _zip(tmp_path: Path, members: dict[str, bytes]) -> Path:
    path = tmp_path / "questions.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return path


def test_dump_zip_safety(sites, tmp_path, monkeypatch):
    sql = _fixture_sql().encode()
    path = _zip(tmp_path, {
        "../../evil.sql": sql, "/abs/evil.sql": sql, "LISEZMOI.txt": b"hello",
        "bomb.sql": b"--" + b" " * 3_000_000 + b"\n", "questions.sql": sql,
    })  # fmt: skip
    result = _run("import", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: ../../evil.sql: refused: the name points outside the archive (path traversal)",
        "Error: /abs/evil.sql: refused: the name points outside the archive (path traversal)",
        "Error: LISEZMOI.txt: skipped: not a SQL file",
        f"Error: bomb.sql: refused: compression ratio {3_000_003 / zipfile.ZipFile(path).getinfo('bomb.sql').compress_size:.0f}:1 looks like a zip bomb",
        "import: 14 read, 10 new, 0 updated, 0 unchanged, 4 refused or failed",
    ]
    assert not (tmp_path.parent / "evil.sql").exists() and not Path("/abs").exists()
    # The size cap allows the real dump (~2 GB); smaller here to test it.
    monkeypatch.setattr(importer, "MAX_DUMP_BYTES", 1000)
    capped = _run("import", str(_zip(tmp_path, {"questions.sql": sql})))
    assert capped.stderr.splitlines()[0] == (
        f"Error: questions.sql: refused: {len(sql)} bytes, over the 1000-byte cap"
    )
    assert importer.MAX_DUMP_BYTES == 1000  # and the stream itself is capped too:
    stream = importer._Capped(io.BytesIO(sql), 1000)
    with pytest.raises(importer._OverCap):
        while stream.readline(100):
            pass


def test_dump_zip_truncated_or_broken(sites, tmp_path):
    sql = _fixture_sql()
    cut = sql.index("\\.\n", sql.index("COPY questions.tam_questions"))
    path = _zip(tmp_path, {"questions.sql": sql[:cut].encode()})
    result = _run("import", str(path))
    assert result.exit_code == 1
    assert (
        result.stderr.splitlines()[0].startswith("Error: questions.sql: file://")
        and "ends inside the COPY block of tam_questions (truncated?)" in result.stderr
    )
    assert not list(_archive().root.glob(".tmp-*")) and not _version_files()


def test_interrupted_dump_import_leaves_no_spill_and_resumes(tmp_path):
    archive = Archive(tmp_path / "a")

    def stop(done, total):
        if done == 3:
            raise KeyboardInterrupt

    with archive.lock(), pytest.raises(KeyboardInterrupt):
        import_file(ZIP_FILE, archive=archive, max_member_bytes=1_000_000, on_item=stop)
    assert not list(archive.root.glob(".tmp-*"))
    assert sum(1 for _ in archive.iter_ids()) == 0  # the batch was never made visible
    with archive.lock():
        summary = import_file(ZIP_FILE, archive=archive, max_member_bytes=1_000_000)
    assert (summary.new, summary.problems) == (10, [])


# -- discovery and URLs -----------------------------------------------------------------


def test_references_from_csv():
    found = discovery.references_from_csv(io.BytesIO(CSV_FILE.read_bytes()))
    assert [qid.canonical for qid in found] == list(CSV_EXPECTED)
    data = _csv(
        _row(), _row(), "bad;row\r\n", _row(Référence="junk", URL_Question=""),
        _row(Référence="", URL_Question="http://www.senat.fr/questions/base/2025/qSEQ25100512G.html"),
        prefix="% commentaire\r\n",
    )  # fmt: skip
    found = discovery.references_from_csv(io.BytesIO(data))
    assert [qid.canonical for qid in found] == ["SEQ180304125", "SEQ25100512G"]
    with pytest.raises(UnknownFormat):
        discovery.references_from_csv(io.BytesIO(b"<html>Erreur 503</html>"))


def test_references_from_year_index():
    page = b"""<html><body><h2>Questions publi\xe9es dans le JO du 22/03/2018</h2>
    <ul><li><a href="/questions/base/2018/qSEQ180304125.html">ANTS</a></li>
    <li><a href='qSEQ18030412G.html'>QG</a></li>
    <li><a href="https://www.senat.fr/questions/base/2018/QSEQ180304126.HTML">upper</a></li>
    <li><a href="http://www2.senat.fr/basile/visio.do?id=qSEQ18030791S&idtable=q1">old</a></li>
    <li><a href="/questions/base/2018/qSEQ180304125.html">again</a></li>
    <li>Rappelle <a href="/questions/base/2017/qSEQ171101780.html">2017</a></li>
    <li><a href="/questions/base/2018/qSEQ181304125.html">month 13</a></li>
    <li><a href="/questions/base/2018/xqSEQ180304999.html">not a name</a></li>
    </ul></body></html>"""
    found = discovery.references_from_year_index(page, year=2018)
    assert [qid.canonical for qid in found] == [
        "SEQ180304125", "SEQ18030412G", "SEQ180304126", "SEQ18030791S",
    ]  # fmt: skip
    assert discovery.references_from_year_index(page, year=2017)[0].canonical == "SEQ171101780"
    assert discovery.references_from_year_index(b"<html></html>", year=2018) == []


def test_urls():
    settings = load_settings(
        {}, senat_url="http://127.0.0.1:1", senat_data_url="http://127.0.0.1:2/"
    )
    qid = parse_question_id("SEQ180304125")
    assert (
        urls.page_url(qid, settings) == "http://127.0.0.1:1/questions/base/2018/qSEQ180304125.html"
    )
    assert urls.year_index_url(2018, settings) == "http://127.0.0.1:1/questions/base/2018/"
    assert urls.csv_url(settings) == "http://127.0.0.1:2/data/questions/questions-depuis-un-an.csv"
    assert urls.dump_url(settings) == "http://127.0.0.1:2/data/questions/questions.zip"
    assert urls.csv_url(load_settings({})) == URL and urls.dump_url(load_settings({})) == DUMP_URL


@pytest.mark.parametrize(("rows", "size", "packs"), [(2, 1 << 20, 3), (1000, 1, 6)])
def test_rows_wait_for_their_pack_within_a_bound(sites, monkeypatch, rows, size, packs):
    """A pack is written every PACK_ROWS rows or PACK_BYTES bytes, the last one at the end."""
    from qarchive.jobs.imports import senat

    monkeypatch.setattr(senat, "PACK_ROWS", rows)
    monkeypatch.setattr(senat, "PACK_BYTES", size)
    assert _run("import", str(CSV_FILE)).exit_code == 0
    archive = _archive()
    names = archive.packs.names()
    assert len(names) == packs
    named = {archive.read_version(qid).raw[0].split("#")[0] for qid in archive.iter_ids()}
    assert named == {f"pack:{name}" for name in names}  # every pack named, each row in one
    assert _run("verify").exit_code == 0
