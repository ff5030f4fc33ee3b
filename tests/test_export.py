"""export: CSV, JSON Lines and Parquet read back equal to the records."""

import csv
import datetime as dt
import json
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from qarchive.cli import app
from qarchive.errors import ArchiveDamaged, NotArchived, UsageError
from qarchive.index.filters import Filters
from qarchive.jobs.choices import ExportFormat
from qarchive.jobs.export import EXPORT_COLUMNS, export_questions
from qarchive.model.ids import parse_question_id
from qarchive.model.question import Question
from small_archive import RECORDS, TODAY, build_archive

# Oldest first; 15-2QE and 15-4QE share a publication date and sort by ID.
ORDER = [
    "15-1QE",
    "15-2QE",
    "15-4QE",
    "15-5QE",
    "15-6QE",
    "15-3QE",
    "16-7QE",
    "16-10QE",
    "17-9QE",
    "17-8QE",
]
BY_ID = {record.id: record for record in RECORDS}
DATE_COLUMNS = {"published", "answered", "closed", "deadline"}
INT_COLUMNS = {
    "legislature",
    "number",
    "published_page",
    "answer_page",
    "answer_delay_days",
    "version",
}


def flat(record: Question) -> dict[str, Any]:
    """The flat export row of a record, written out independently of the exporter."""
    author, group, answer, closed = (
        record.author,
        record.author.group,
        record.answer,
        record.closed,
    )
    return {
        "id": record.id,
        "chamber": record.chamber.value,
        "legislature": record.legislature,
        "number": record.number,
        "kind": record.kind,
        "title": record.title,
        "rubrique": record.rubrique,
        "author_name": author.name,
        "author_civility": author.civility,
        "author_ref": author.ref,
        "group_short": group.short if group else None,
        "group_full": group.full if group else None,
        "constituency": author.constituency or author.department,
        "ministry_asked": record.ministry_asked.name if record.ministry_asked else None,
        "ministry_responding": (
            record.ministry_responding.name if record.ministry_responding else None
        ),
        "published": record.published.date,
        "published_page": record.published.page,
        "answered": answer.published.date if answer else None,
        "answer_page": answer.published.page if answer else None,
        "answer_delay_days": record.answer_delay_days(),
        "status": record.status.value,
        "closed": closed.date if closed else None,
        "closed_reason": (closed.reason or closed.code) if closed else None,
        "deadline": record.deadline(),
        "question_text": record.text,
        "answer_text": answer.text if answer else None,
        "url": record.url,
        "version": 1,
    }


def as_csv_text(row: dict[str, Any]) -> dict[str, str]:
    return {
        key: "" if value is None else value.isoformat() if key in DATE_COLUMNS else str(value)
        for key, value in row.items()
    }


@pytest.fixture
def archive(tmp_path):
    return build_archive(tmp_path / "archive")


def export(archive, tmp_path, fmt, filters=None, **options):
    path = tmp_path / f"out.{fmt}"
    result = export_questions(
        archive, filters or Filters(), fmt=fmt, path=path, today=TODAY, **options
    )
    return result, path


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_flat_columns():
    assert tuple(flat(RECORDS[0])) == EXPORT_COLUMNS


def test_csv_reads_back_equal_to_the_records(archive, tmp_path):
    result, path = export(archive, tmp_path, ExportFormat.CSV)
    assert (result.exported, result.skipped) == (10, [])
    with open(path, encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == list(EXPORT_COLUMNS)
    rows = read_csv(path)
    assert rows == [as_csv_text(flat(BY_ID[qid])) for qid in ORDER]
    # A few cells pinned by hand, not through flat():
    late = rows[ORDER.index("15-3QE")]
    assert (late["published"], late["answered"], late["answer_delay_days"]) == (
        "2018-12-31",
        "2019-03-01",
        "60",
    )
    assert (late["deadline"], late["closed_reason"], late["status"]) == (
        "2019-02-28",
        "Réponse publiée",
        "answered",
    )
    withdrawn = rows[ORDER.index("15-6QE")]
    assert (withdrawn["closed"], withdrawn["closed_reason"], withdrawn["answered"]) == (
        "2018-06-01",
        "RET",
        "",
    )
    assert rows[0]["constituency"] == "Nord"  # the department when no constituency
    assert rows[0]["question_text"].count("\n") == 2  # paragraphs survive the quoting


def test_jsonl_is_the_full_record_per_line(archive, tmp_path):
    result, path = export(archive, tmp_path, ExportFormat.JSONL)
    assert result.exported == 10
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        BY_ID[qid].model_dump(mode="json") for qid in ORDER
    ]


def test_parquet_has_real_types_and_reads_back_equal(archive, tmp_path):
    result, path = export(archive, tmp_path, ExportFormat.PARQUET)
    assert result.exported == 10
    table = pq.read_table(path)
    assert table.column_names == list(EXPORT_COLUMNS)
    for field in table.schema:
        if field.name in DATE_COLUMNS:
            assert field.type == pa.date32(), field.name
        elif field.name in INT_COLUMNS:
            assert field.type == pa.int32(), field.name
        else:
            assert field.type == pa.string(), field.name
    assert table.to_pylist() == [flat(BY_ID[qid]) for qid in ORDER]
    assert table.to_pylist()[0]["published"] == dt.date(2018, 1, 10)


@pytest.mark.parametrize("batch_size", [1, 2, 3, 100])
def test_batches_give_the_same_rows(archive, tmp_path, batch_size):
    # A batch boundary between 15-2QE and 15-4QE (same date) must not lose or repeat one.
    result, path = export(archive, tmp_path, ExportFormat.PARQUET, batch_size=batch_size)
    assert result.exported == 10
    assert pq.read_table(path).column("id").to_pylist() == ORDER


def test_filters_are_honoured(archive, tmp_path):
    filters = Filters(ministry="armees", answered=True)
    _, path = export(archive, tmp_path, ExportFormat.CSV, filters)
    assert [row["id"] for row in read_csv(path)] == ["16-7QE"]
    _, path = export(archive, tmp_path, ExportFormat.JSONL, Filters(overdue=True))
    ids = [json.loads(line)["id"] for line in path.read_text().splitlines()]
    assert ids == ["15-4QE", "17-9QE"]
    with pytest.raises(UsageError):
        export(archive, tmp_path, ExportFormat.CSV, Filters(answered=True, unanswered=True))


def test_an_empty_export_is_a_valid_empty_file(archive, tmp_path):
    nothing = Filters(chamber="senat")
    result, path = export(archive, tmp_path, ExportFormat.CSV, nothing)
    assert result.exported == 0
    assert path.read_bytes() == (",".join(EXPORT_COLUMNS) + "\r\n").encode()  # RFC 4180
    _, path = export(archive, tmp_path, ExportFormat.JSONL, nothing)
    assert path.read_bytes() == b""
    _, path = export(archive, tmp_path, ExportFormat.PARQUET, nothing)
    table = pq.read_table(path)
    assert table.num_rows == 0
    assert table.column_names == list(EXPORT_COLUMNS)
    assert table.schema.field("deadline").type == pa.date32()


def test_a_damaged_or_missing_version_is_skipped_and_reported(archive, tmp_path):
    damaged = archive.question_dir(parse_question_id("15-3QE")) / "v0001.json"
    damaged.write_text("{not json")
    gone = archive.question_dir(parse_question_id("17-8QE"))
    for file in gone.iterdir():
        file.unlink()
    result, path = export(archive, tmp_path, ExportFormat.CSV)
    assert result.exported == 8
    assert [type(error) for error in result.skipped] == [ArchiveDamaged, NotArchived]
    assert result.skipped[0].path == str(damaged)
    assert [row["id"] for row in read_csv(path)] == [
        qid for qid in ORDER if qid not in ("15-3QE", "17-8QE")
    ]


def test_a_failed_export_leaves_the_old_file_and_no_temp_file(archive, tmp_path, monkeypatch):
    path = tmp_path / "out.parquet"
    path.write_text("the previous export\n")
    # A question that cannot be read is left out (the export goes on): the writing fails here.
    from qarchive.jobs import export

    real, calls = export._flat_row, []

    def failing(stored):
        calls.append(stored)
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return real(stored)

    monkeypatch.setattr(export, "_flat_row", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        export_questions(
            archive, Filters(), fmt=ExportFormat.PARQUET, path=path, today=TODAY, batch_size=2
        )
    assert path.read_text() == "the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive", "out.parquet"]


def test_a_missing_directory_is_a_usage_error(archive, tmp_path):
    with pytest.raises(UsageError, match=r"the directory .*nowhere does not exist"):
        export_questions(
            archive,
            Filters(),
            fmt=ExportFormat.CSV,
            path=tmp_path / "nowhere" / "out.csv",
            today=TODAY,
        )


# -- the command ---------------------------------------------------------------------


def run(archive, *args):
    return CliRunner().invoke(app, [*args, "--archive", str(archive.root)])


def test_cli_export_csv(archive, tmp_path):
    path = tmp_path / "questions.csv"
    result = run(archive, "export", "--format", "csv", "-o", str(path))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == f"exported 10 questions to {path}\n"
    assert [row["id"] for row in read_csv(path)] == ORDER


def test_cli_export_parquet_with_filters(archive, tmp_path):
    path = tmp_path / "l16.parquet"
    result = run(archive, "export", "-f", "parquet", "--output", str(path), "--legislature", "16")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"exported 2 questions to {path}\n"
    assert pq.read_table(path).column("id").to_pylist() == ["16-7QE", "16-10QE"]


def test_cli_export_one_question(archive, tmp_path):
    path = tmp_path / "one.jsonl"
    result = run(archive, "export", "-f", "jsonl", "-o", str(path), "--author", "sophie")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"exported 1 question to {path}\n"


def test_cli_export_damaged_exits_1_after_exporting_the_rest(archive, tmp_path):
    damaged = archive.question_dir(parse_question_id("15-3QE")) / "v0001.json"
    damaged.write_text("{not json")
    path = tmp_path / "questions.jsonl"
    result = run(archive, "export", "--format", "jsonl", "-o", str(path))
    assert result.exit_code == 1
    errors, summary = result.stderr.splitlines()
    assert errors.startswith(f"Error: {damaged} is damaged (")
    assert errors.endswith(
        "; run: qarchive verify --repair, which moves it aside (never deletes it), then fetch or import it again"
    )
    assert summary == f"exported 9 questions to {path}"
    assert len(path.read_text().splitlines()) == 9


def test_cli_export_usage_errors(archive, tmp_path):
    missing_format = run(archive, "export", "-o", str(tmp_path / "x.txt"))
    assert missing_format.exit_code == 2
    assert missing_format.stderr == (
        "Error: cannot tell the format of x.txt: give --format csv, jsonl or parquet\n"
    )
    nowhere = tmp_path / "nowhere" / "x.csv"
    no_dir = run(archive, "export", "--format", "csv", "-o", str(nowhere))
    assert no_dir.exit_code == 2
    assert no_dir.stderr == (
        f"Error: cannot write {nowhere}: the directory {nowhere.parent} does not exist\n"
    )
