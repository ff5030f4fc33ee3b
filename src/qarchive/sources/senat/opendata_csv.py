"""Parser for the Sénat's ``questions-depuis-un-an.csv`` (data.senat.fr open data).

The file lists every question of the last twelve months, written and oral::

    Sort;Nature;Numéro;Référence;Titre;Nom;Prénom;Civilité;Circonscription;Groupe;
    Type Appartenance;Date de publication JO;Ministère de dépôt;Date de transmission;
    Ministère de transmission;Ministère de réponse;Date de réponse JO;
    Référence de la question rappelée;Thème(s);Thème QC;URL Question

``;``-separated, windows-1252 (labelled ISO-8859-1; a UTF-8 header switches to
UTF-8), ISO dates, possibly a few leading ``%`` comment lines. Columns are found
by name in the header, never by position. It has no texts and no JO pages: a
record from it is poorer than the page's, and :meth:`Archive.save` keeps what a
richer version knew. A bad row is reported with its line number and never stops
the file.

The helpers shared with :mod:`qarchive.sources.senat.dump` (:class:`ParsedRow`,
:class:`RowProblem`, :func:`iter_lines`, :func:`parse_date`) live here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from pydantic import ValidationError

from qarchive.errors import InvalidQuestionId, ParseError, UnknownFormat
from qarchive.model.ids import Chamber, QuestionId, parse_question_id
from qarchive.model.question import Answer, Attribution, Publication, Question, Source, SourceFormat
from qarchive.sources.senat._common import (
    identity,
    senat_author,
    senat_ministry,
    status_from_words,
)
from qarchive.sources.text import normalize_space, repair_mojibake

__all__ = [
    "DEFAULT_MAX_ROW_BYTES",
    "HEADER",
    "LineReader",
    "ParsedRow",
    "RowProblem",
    "decode_cp1252",
    "iter_lines",
    "iter_records",
    "iter_rows",
    "parse",
    "parse_date",
    "parse_senat_reference",
    "split_themes",
]

HEADER = (
    "Sort", "Nature", "Numéro", "Référence", "Titre", "Nom", "Prénom", "Civilité",
    "Circonscription", "Groupe", "Type Appartenance", "Date de publication JO",
    "Ministère de dépôt", "Date de transmission", "Ministère de transmission",
    "Ministère de réponse", "Date de réponse JO", "Référence de la question rappelée",
    "Thème(s)", "Thème QC", "URL Question",
)  # fmt: skip
DEFAULT_MAX_ROW_BYTES = 16 * 1024 * 1024  # one row (or dump line); real ones are < 100 KB

# A theme label may itself hold ", " ("Économie et finances, fiscalité"): the
# labels are joined by a comma with no space after it.
_THEME_SEPARATOR = re.compile(r",(?! )")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T][\d:.+-]*)?")
_FR_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})(?: [\d:]*)?")
_REMINDER = "Référence de la question rappelée"
_REFERENCE_IN_URL = re.compile(r"q?SEQ\w{9}", re.IGNORECASE)
# The five bytes windows-1252 leaves undefined decode, as browsers do, to C1 controls.
_UNDEFINED_CP1252 = {0xDC00 + byte: byte for byte in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


class LineReader(Protocol):
    """What the parsers read from: a file, a zip member, a wrapper counting bytes."""

    def readline(self, size: int = -1, /) -> bytes:
        """Read one line, at most ``size`` bytes of it."""
        ...


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """One question read from an open-data file, with the bytes behind it.

    ``raw`` is what to keep as the version's raw capture: for the CSV, the header
    and the row's lines as the file has them; for the dump, a small JSON document.
    ``notes`` says what was chosen where the source was ambiguous.
    """

    line: int
    record: Question
    raw: bytes
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that gave no record, and why; the rest of the file goes on."""

    line: int
    reason: str


class _LineTooLong(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def iter_lines(stream: LineReader, *, max_line: int) -> Iterator[tuple[int, bytes | None]]:
    """Yield ``(line number, bytes)`` from a binary stream, with bounded memory.

    A line longer than ``max_line`` is skipped to its end and yielded as None.
    """
    number = 0
    while True:
        line = stream.readline(max_line + 1)
        if not line:
            return
        number += 1
        if len(line) <= max_line or line.endswith(b"\n"):
            yield number, line
            continue
        while line and not line.endswith(b"\n"):  # drain the rest of the long line
            line = stream.readline(1024 * 1024)
        yield number, None


def decode_cp1252(data: bytes) -> str:
    """Decode windows-1252 as browsers do: the five undefined bytes become C1 controls."""
    return data.decode("cp1252", errors="surrogateescape").translate(_UNDEFINED_CP1252)


def _decoder(header: bytes) -> Callable[[bytes], str]:
    """UTF-8 when the header is non-ASCII valid UTF-8, windows-1252 otherwise."""
    try:
        header.decode("utf-8")
    except UnicodeDecodeError:
        return decode_cp1252
    if header.isascii():
        return decode_cp1252

    def decode_utf8(data: bytes) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return decode_cp1252(data)

    return decode_utf8


def parse_date(value: str | None) -> dt.date | None:
    """``2018-03-22``, ``2018-03-22 00:00:00`` or ``22/03/2018`` → a date; empty → None.

    Raises:
        ValueError: a value that is not such a date.
    """
    value = (value or "").strip()
    if not value:
        return None
    try:
        if match := _ISO_DATE.fullmatch(value):
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        if match := _FR_DATE.fullmatch(value):
            return dt.date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:  # 2018-02-30 and the like
        pass
    raise ValueError(f"{value!r} is not a date")


def parse_senat_reference(value: str, *, column: str) -> QuestionId:
    """The ID behind a reference column's value (``SEQ180304125``, ``qSEQ16030791G``).

    Raises:
        ValueError: the value is not a Sénat reference; the message names the column.
    """
    try:
        qid = parse_question_id(value)
    except InvalidQuestionId:
        qid = None
    if qid is None or qid.chamber is not Chamber.SENAT:
        raise ValueError(
            f"{column}: {value!r} is not a Sénat reference (SEQ, then the year and month "
            "of publication and the number, e.g. SEQ180304125)"
        )
    return qid


def split_themes(value: str | None) -> list[str]:
    """``"Budget,Économie et finances, fiscalité"`` → ``["Budget", "Économie et finances, fiscalité"]``."""
    themes = (_clean(part) for part in _THEME_SEPARATOR.split(value or ""))
    return [theme for theme in themes if theme]


class _TextLines:
    """The decoded lines fed to :mod:`csv`, remembering the raw bytes of the current row.

    An iterator class, not a generator: an exception raised here reaches the
    caller without closing the iterator, so the next row can still be read.
    """

    def __init__(self, lines: Iterator[tuple[int, bytes | None]], decode: Callable[[bytes], str]):
        self._lines = lines
        self._decode = decode
        self.consumed: list[tuple[int, bytes]] = []

    def __iter__(self) -> _TextLines:
        return self

    def __next__(self) -> str:
        number, raw = next(self._lines)
        if raw is None:
            raise _LineTooLong(number)
        self.consumed.append((number, raw))
        return self._decode(raw)

    def take(self) -> tuple[int, bytes]:
        """The first line number and the bytes of the lines read since the last take."""
        first = self.consumed[0][0] if self.consumed else 0
        raw = b"".join(data for _, data in self.consumed)
        self.consumed.clear()
        return first, raw


def iter_rows(
    stream: LineReader, *, url: str, max_row_bytes: int = DEFAULT_MAX_ROW_BYTES
) -> Iterator[tuple[int, dict[str, str], bytes] | RowProblem]:
    """Yield each data row as ``(line, {column: value}, raw bytes)``, or a problem.

    ``raw`` is the header line followed by the row's lines, as in the file.

    Raises:
        UnknownFormat: the file does not start with the ``questions-depuis-un-an`` header.
    """
    lines = iter_lines(stream, max_line=max_row_bytes)
    header_raw = b""
    for _, raw in lines:
        if raw is None:
            raise _not_the_csv(url, "the first line is not a CSV header")
        if raw.strip() and not raw.lstrip().startswith(b"%"):
            header_raw = raw
            break
    decode = _decoder(header_raw.removeprefix(b"\xef\xbb\xbf"))
    names = next(csv.reader([decode(header_raw.removeprefix(b"\xef\xbb\xbf"))], delimiter=";"), [])
    header = [normalize_space(name) for name in names]
    if "Référence" not in header or "Date de publication JO" not in header:
        raise _not_the_csv(url, "no 'Référence' and 'Date de publication JO' columns in its header")
    text = _TextLines(lines, decode)
    reader = csv.reader(text, delimiter=";", quotechar='"')
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except _LineTooLong as exc:
            text.take()
            yield RowProblem(exc.line, f"line over the {max_row_bytes}-byte cap")
            continue
        except csv.Error as exc:
            yield RowProblem(text.take()[0], f"malformed CSV row ({exc})")
            continue
        line, raw = text.take()
        if not any(field.strip() for field in fields):
            continue
        if len(fields) != len(header):
            yield RowProblem(line, f"expected {len(header)} fields, found {len(fields)}")
            continue
        yield line, dict(zip(header, fields, strict=True)), header_raw + raw


def iter_records(
    stream: LineReader, *, url: str, max_row_bytes: int = DEFAULT_MAX_ROW_BYTES
) -> Iterator[ParsedRow | RowProblem]:
    r"""Yield a record for each row of ``questions-depuis-un-an.csv``, or the row's problem.

    Args:
        stream: the file, as bytes.
        url: where the file came from; each record's ``source.url`` is ``url#REFERENCE``.
        max_row_bytes: a longer line is reported, never held in memory.

    Raises:
        UnknownFormat: the file does not start with the expected header.

    Example:
        >>> import io
        >>> data = "Référence;Date de publication JO;Sort\nSEQ180304125;2018-03-22;En cours\n"
        >>> [row.record.status for row in iter_records(io.BytesIO(data.encode("cp1252")), url="x")]
        [<Status.PENDING: 'pending'>]
    """
    for item in iter_rows(stream, url=url, max_row_bytes=max_row_bytes):
        if isinstance(item, RowProblem):
            yield item
            continue
        line, row, raw = item
        try:
            qid = _reference(row)
            record = _build(row, qid, url=f"{url}#{qid.canonical}")
        except ValueError as exc:
            yield RowProblem(line, _reason(exc))
            continue
        yield ParsedRow(line, record, raw)


def parse(content: bytes, *, url: str) -> Question:
    """Parse a one-row CSV (the header and one question), as kept in a raw capture.

    Raises:
        UnknownFormat: not the CSV's header, or no row.
        ParseError: the row does not make a valid record.
    """
    for item in iter_rows(io.BytesIO(content), url=url, max_row_bytes=len(content) + 1):
        if isinstance(item, RowProblem):
            raise ParseError(f"line {item.line} of {url}: {item.reason}", url=url)
        _, row, _ = item
        try:
            return _build(row, _reference(row), url=url)
        except ValueError as exc:
            raise ParseError(f"{url}: {_reason(exc)}", url=url) from None
    raise _not_the_csv(url, "no question row after the header")


def _not_the_csv(url: str, why: str) -> UnknownFormat:
    return UnknownFormat(f"{url} is not the Sénat's questions-depuis-un-an.csv: {why}", url=url)


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return f"invalid record ({exc.errors()[0]['msg']})"
    return str(exc)


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    return normalize_space(repair_mojibake(value)) or None


def _reference(row: dict[str, str]) -> QuestionId:
    reference, column = _clean(row.get("Référence")), "Référence"
    if reference is None:  # the page URL carries it too: .../qSEQ180304125.html
        match = _REFERENCE_IN_URL.search(row.get("URL Question") or "")
        reference, column = (match.group() if match else None), "URL Question"
    if reference is None:
        raise ValueError("no 'Référence' and no question URL")
    return parse_senat_reference(reference, column=column)


def _date(row: dict[str, str], column: str) -> dt.date | None:
    try:
        return parse_date(row.get(column))
    except ValueError as exc:
        raise ValueError(f"{column}: {exc}") from None


def _build(row: dict[str, str], qid: QuestionId, *, url: str) -> Question:
    published = _date(row, "Date de publication JO")
    if published is None:
        raise ValueError("no 'Date de publication JO'")
    answered_on = _date(row, "Date de réponse JO")
    transmitted_on = _date(row, "Date de transmission")
    asked = senat_ministry(_clean(row.get("Ministère de dépôt")))
    transmitted = senat_ministry(_clean(row.get("Ministère de transmission")))
    responding = senat_ministry(_clean(row.get("Ministère de réponse")))
    history = []
    if transmitted is not None:
        if asked is not None:
            history.append(Attribution(ministry=asked, date=published))
        history.append(Attribution(ministry=transmitted, date=transmitted_on))
    answer = None
    if answered_on is not None:
        answer = Answer(published=Publication(date=answered_on), ministry=responding)
    reminder = _clean(row.get(_REMINDER))
    return Question(
        **identity(qid, published=published, kind=_clean(row.get("Nature"))),
        title=_clean(row.get("Titre")),
        author=senat_author(
            civility=_clean(row.get("Civilité")),
            surname=_clean(row.get("Nom")),
            first_name=_clean(row.get("Prénom")),
            constituency=_clean(row.get("Circonscription")),
            group=_clean(row.get("Groupe")),
        ),
        ministry_asked=asked,
        ministry_responding=responding or transmitted or asked,
        attribution_history=history,
        published=Publication(date=published),
        answer=answer,
        status=status_from_words(_clean(row.get("Sort")), answered=answer is not None),
        themes=split_themes(row.get("Thème(s)")),
        reminder_of=parse_senat_reference(reminder, column=_REMINDER).canonical
        if reminder
        else None,
        source=Source(format=SourceFormat.SENAT_OPENDATA_CSV, url=url),
    )
