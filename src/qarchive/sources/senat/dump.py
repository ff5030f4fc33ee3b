r"""Parser for the Sénat's full dump ``questions.zip``: the pg_dump text file ``questions.sql``.

Every question since 1978 is one row of ``COPY [questions.]tam_questions (…) FROM
stdin;`` and every answer one row of ``COPY … tam_reponses (…)``: TAB-separated
fields, ``\N`` for NULL, the COPY text escapes (``\t``, ``\n``, ``\\``, octal
``\123``, hex ``\x41``), a block ending with ``\.``. Column names are read from each
COPY header, never assumed. The small lookup tables (``the`` for theme codes
``#2#14#``, ``sortquestion``, ``etatquestion``, ``naturequestion``,
``tam_ministeres``) are kept in memory.

The join (``tam_reponses.idque`` → ``tam_questions.id``) must not hold the ~2 GB
file in memory, and pg_dump writes ``tam_questions`` before ``tam_reponses`` and the
theme table ``the`` after both. So both tables are spilled, row by row, to a
SQLite database the caller provides (a temporary file: see :func:`open_spill` and
:mod:`qarchive.jobs.imports.senat`), keyed and indexed; once the whole file is
read, questions are streamed back in file order, each with its answers. Python
holds one question at a time, whatever the order of the blocks.

Each question becomes a record through :mod:`~qarchive.sources.senat.dump_record`
(a question with several answers, rare, keeps the first published; the raw
capture keeps them all, and :attr:`ParsedRow.notes` says so). An answer whose
question is not in the dump is reported as a problem.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from typing import Any

from qarchive.errors import ParseError
from qarchive.sources.senat.dump_record import (
    ANSWERS,
    QUESTIONS,
    build,
    not_the_dump,
    reason,
)
from qarchive.sources.senat.opendata_csv import (
    DEFAULT_MAX_ROW_BYTES,
    LineReader,
    ParsedRow,
    RowProblem,
    decode_cp1252,
    iter_lines,
)
from qarchive.sources.text import normalize_space

__all__ = [
    "LOOKUPS",
    "MAX_LOOKUP_ROWS",
    "SpillError",
    "iter_records",
    "open_spill",
]

SpillError = sqlite3.Error  # the scratch database failed (a full disk...)

# Lookup table -> (key column, label column).
LOOKUPS = {
    "the": ("thecle", "thelib"),
    "sortquestion": ("sorquecod", "sorquelib"),
    "etatquestion": ("etaquecod", "etaquelib"),
    "naturequestion": ("natquecod", "natquelib"),
    "tam_ministeres": ("minid", "libelle"),
}
MAX_LOOKUP_ROWS = 100_000  # real lookup tables hold tens to a few thousand rows

_COPY = re.compile(
    rb'COPY\s+(?:"?\w+"?\.)?"?(?P<table>\w+)"?\s*\((?P<columns>[^)]*)\)\s+FROM\s+stdin\s*;',
    re.IGNORECASE,
)
_CLIENT_ENCODING = re.compile(rb"SET\s+client_encoding\s*=\s*'(?P<name>[\w-]+)'", re.IGNORECASE)
_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))", re.DOTALL)
_SIMPLE_ESCAPES = {b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}
_SCHEMA = """
CREATE TABLE q (seq INTEGER PRIMARY KEY, block INTEGER, line INTEGER,
                id TEXT, uuid TEXT, ref TEXT, data BLOB);
CREATE INDEX q_id ON q (id);
CREATE INDEX q_uuid ON q (uuid);
CREATE TABLE a (seq INTEGER PRIMARY KEY, block INTEGER, line INTEGER, idque TEXT, data BLOB);
CREATE INDEX a_idque ON a (idque);
"""


def open_spill(path: str) -> sqlite3.Connection:
    """The scratch database :func:`iter_records` spills rows to, in the file ``path``.

    The dump reader's own store: the only SQLite outside the index, and a
    throwaway one (the caller removes the file).
    """
    return sqlite3.connect(path)


def iter_records(
    stream: LineReader,
    *,
    url: str,
    spill: sqlite3.Connection,
    max_row_bytes: int = DEFAULT_MAX_ROW_BYTES,
) -> Iterator[ParsedRow | RowProblem]:
    """Yield a record for each question of a pg_dump ``questions.sql``, or a row's problem.

    Records come once the whole stream is read (a lookup table may come last).

    Args:
        stream: the ``.sql`` file (or the zip member), as bytes.
        url: where it came from; each record's ``source.url`` is ``url#REFERENCE``.
        spill: an empty SQLite database to spill rows to, e.g. a temporary file;
            never ``:memory:`` for a real dump, which would defeat the purpose.
        max_row_bytes: a longer line is reported, never held in memory.

    Raises:
        UnknownFormat: no ``tam_questions`` block in the stream.
        ParseError: the stream ends inside a COPY block (a truncated dump).
    """
    reader = _Reader(spill, url=url)
    yield from reader.read(iter_lines(stream, max_line=max_row_bytes))
    yield from reader.join()


class _Reader:
    """Reads the COPY blocks into the spill database and the lookups, then joins."""

    def __init__(self, spill: sqlite3.Connection, *, url: str) -> None:
        self.spill, self.url = spill, url
        self.blocks: list[list[str]] = []  # the columns of each COPY block, by block id
        self.lookups: dict[str, dict[str, str]] = {name: {} for name in LOOKUPS}
        self.latin = False
        self.questions = 0
        # A throwaway file: no journal, no syncs; pages large enough for long rows.
        spill.execute("PRAGMA page_size = 16384")
        spill.execute("PRAGMA journal_mode = OFF")
        spill.execute("PRAGMA synchronous = OFF")
        spill.execute("PRAGMA cache_size = -4096")  # KiB: SQLite's page cache stays small
        spill.executescript(_SCHEMA)

    def read(self, lines: Iterator[tuple[int, bytes | None]]) -> Iterator[RowProblem]:
        table: str | None = None
        for number, raw in lines:
            if table is None:
                if raw is not None:
                    table = self._statement(raw)
                continue
            if raw is None:
                yield RowProblem(number, f"{table}: row over the size cap")
                continue
            line = raw.rstrip(b"\r\n")
            if line == b"\\.":
                table = None
            elif problem := self._row(table, number, line):
                yield problem
        if table is not None:
            raise ParseError(f"{self.url} ends inside the COPY block of {table} (truncated?)")
        self.spill.commit()
        if not self.questions:
            raise not_the_dump(self.url, "no COPY block of tam_questions rows")

    def _statement(self, raw: bytes) -> str | None:
        if match := _COPY.match(raw):
            columns = [name.strip().strip('"') for name in match["columns"].decode().split(",")]
            self.blocks.append(columns)
            return match["table"].decode().lower()
        if match := _CLIENT_ENCODING.match(raw):
            name = match["name"].decode().upper().replace("-", "")
            self.latin = name not in ("UTF8", "UNICODE")
        return None

    def _row(self, table: str, number: int, line: bytes) -> RowProblem | None:
        block = len(self.blocks) - 1
        columns = self.blocks[block]
        if table not in (QUESTIONS, ANSWERS) and table not in LOOKUPS:
            return None
        fields = line.split(b"\t")
        if len(fields) != len(columns):
            return RowProblem(
                number, f"{table}: expected {len(columns)} fields, found {len(fields)}"
            )
        if table == QUESTIONS:
            row = self._decode(columns, fields, keep=("id", "uuid", "reference"))
            self.spill.execute(
                "INSERT INTO q (block, line, id, uuid, ref, data) VALUES (?, ?, ?, ?, ?, ?)",
                (block, number, row.get("id"), row.get("uuid"), row.get("reference"), line),
            )
            self.questions += 1
        elif table == ANSWERS:
            idque = self._decode(columns, fields, keep=("idque",)).get("idque")
            self.spill.execute(
                "INSERT INTO a (block, line, idque, data) VALUES (?, ?, ?, ?)",
                (block, number, idque, line),
            )
        else:
            key, label = LOOKUPS[table]
            row = self._decode(columns, fields, keep=(key, label))
            lookup = self.lookups[table]
            if len(lookup) >= MAX_LOOKUP_ROWS:
                return RowProblem(number, f"{table}: over {MAX_LOOKUP_ROWS} rows, ignored")
            if row.get(key) is not None and row.get(label) is not None:
                lookup[str(row[key]).strip()] = normalize_space(str(row[label]))
        return None

    def _decode(
        self, columns: list[str], fields: list[bytes], keep: tuple[str, ...] | None = None
    ) -> dict[str, str | None]:
        return {
            name: None if field == b"\\N" else self._text(_unescape(field))
            for name, field in zip(columns, fields, strict=True)
            if keep is None or name in keep
        }

    def _text(self, data: bytes) -> str:
        if not self.latin:
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                pass
        return decode_cp1252(data)

    def _load(self, block: int, data: bytes) -> dict[str, str | None]:
        return self._decode(self.blocks[block], data.split(b"\t"))

    def join(self) -> Iterator[ParsedRow | RowProblem]:
        rows = self.spill.execute("SELECT block, line, data FROM q ORDER BY seq")
        for block, line, data in rows:
            question = self._load(block, data)
            answers = []
            if question.get("id") is not None:
                found = self.spill.execute(
                    "SELECT block, data FROM a WHERE idque = ? ORDER BY seq", (question["id"],)
                )
                answers = [self._load(b, d) for b, d in found]
            document = {
                QUESTIONS: question,
                ANSWERS: answers,
                "resolved": self._resolved(question, answers),
            }
            try:
                record, notes = build(document, url=self.url, anchor=True)
            except ValueError as exc:
                yield RowProblem(line, f"{QUESTIONS}: {reason(exc)}")
                continue
            raw = json.dumps(document, ensure_ascii=False, sort_keys=True).encode()
            yield ParsedRow(line, record, raw, notes)
        orphans = self.spill.execute(
            "SELECT line, idque FROM a WHERE NOT EXISTS (SELECT 1 FROM q WHERE q.id = a.idque) "
            "ORDER BY seq"
        )
        for line, idque in orphans:
            yield RowProblem(line, f"{ANSWERS}: an answer to question id {idque}, not in the dump")

    def _resolved(
        self, question: dict[str, str | None], answers: list[dict[str, str | None]]
    ) -> dict[str, Any]:
        """The lookup labels this question uses, so that its raw capture stands alone."""
        themes, ministries = self.lookups["the"], self.lookups["tam_ministeres"]
        codes = [code.strip() for code in (question.get("themes") or "").split("#")]
        ids = [question.get(c) for c in ("mindepotid", "mintranid", "minrepid1")]
        ids += [answer.get("minrepid") for answer in answers]
        references = {}
        for column in ("uuidtrans", "uuidquerappelee"):
            if uuid := question.get(column):
                found = self.spill.execute("SELECT ref FROM q WHERE uuid = ? LIMIT 1", (uuid,))
                if (ref := found.fetchone()) is not None and ref[0]:
                    references[uuid] = ref[0]
        return {
            "sort": self.lookups["sortquestion"].get(question.get("sorquecod") or ""),
            "state": self.lookups["etatquestion"].get(question.get("etaquecod") or ""),
            "nature": self.lookups["naturequestion"].get(question.get("natquecod") or ""),
            "themes": {code: themes[code] for code in codes if code in themes},
            "ministries": {i: ministries[i] for i in ids if i is not None and i in ministries},
            "references": references,
        }


def _unescape(field: bytes) -> bytes:
    if b"\\" not in field:
        return field

    def replace(match: re.Match[bytes]) -> bytes:
        if match[1]:
            return bytes([int(match[1], 8) & 0xFF])
        if match[2]:
            return bytes([int(match[2], 16)])
        return _SIMPLE_ESCAPES.get(match[3], match[3])

    return _ESCAPE.sub(replace, field)
