"""The one way the command line writes: data on stdout, messages on stderr, terminal or pipe.

Every command prints through this module, so that the conventions of the README
("Output conventions") hold for all of them:

- data (rows, a question, a diff) goes to stdout, messages (counts, summaries,
  errors) to stderr; stdout is flushed before each message, so that the two keep
  their order when they go to the same place (``2>&1``, cron's mail);
- human output is made of :class:`Table` and :class:`Line` blocks, drawn by
  :func:`print_blocks`: on a terminal with rich, wrapped to its width and nothing
  cut; in a pipe or a file as plain lines, each row whole on one line, aligned,
  without styles, boxes or trailing spaces;
- machine formats (:func:`write_rows`: json, jsonl, csv, ids) use the column names
  of :mod:`qarchive.model.columns`;
- text from the archive never drives the terminal (:func:`printable`);
- ``--quiet`` silences the messages that are not errors, ``--verbose`` shows each
  request (:func:`output_settings`).

Nothing here imports rich at module level: a listing in a pipe never loads it.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from qarchive.cli.options import OutputFormat

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.text import Text

__all__ = [
    "MATCH_STYLE",
    "Block",
    "Cell",
    "Column",
    "Line",
    "Styled",
    "Table",
    "is_quiet",
    "notice",
    "output_settings",
    "print_blocks",
    "printable",
    "say",
    "say_error",
    "stderr_is_terminal",
    "stdout_is_terminal",
    "write_human",
    "write_rows",
]

# A cell styled so: its text marks matched words **like this** (a search's snippet).
MATCH_STYLE = "match"


@dataclass(frozen=True, slots=True)
class Styled:
    """Text with a rich style for a terminal; a pipe gets the text alone."""

    text: str
    style: str = ""


Cell = str | Styled


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a :class:`Table`.

    ``wrap``: a long text (a title, a name) that a terminal table wraps to its
    width; the other columns never wrap. ``width``: a fixed width on a terminal,
    the header wrapping within it (the stats figures).
    """

    header: str
    right: bool = False
    wrap: bool = False
    width: int | None = None


@dataclass(frozen=True, slots=True)
class Table:
    """Rows of cells under headers; ``notes`` holds a line shown under some rows."""

    columns: tuple[Column, ...]
    rows: Sequence[tuple[Cell, ...]]
    notes: Mapping[int, Cell] = field(default_factory=dict)  # row index -> its note
    header: bool = True
    gap: int = 2  # spaces between columns


@dataclass(frozen=True, slots=True)
class Line:
    """A line (or a paragraph) of text, indented by ``indent`` spaces."""

    text: str
    style: str = ""
    indent: int = 0


Block = Table | Line

# -- what reaches a terminal ----------------------------------------------------------

# C0 controls but tab and newline, DEL, C1 controls (0x9b alone starts an escape
# sequence on some terminals), and the bidirectional overrides that reorder what
# is shown: written as \x1b, \u202e... so that nothing is hidden either.
_CONTROLS = [
    *(code for code in range(0x20) if chr(code) not in "\t\n"),
    *range(0x7F, 0xA0),
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
]
_ESCAPES = {code: ascii(chr(code))[1:-1] for code in _CONTROLS}


def printable(text: str) -> str:
    r"""``text`` safe to print on a terminal: control characters shown as escapes.

    Titles and texts come from the parliaments' sites; an escape sequence in one
    could set the window's title or clear the screen. Line ends are kept (``\r\n``
    and ``\r`` become ``\n``), as are tabs.

    Example:
        >>> printable("Titre\x1b]0;pwned\x07 ok\r\n")
        'Titre\\x1b]0;pwned\\x07 ok\n'
    """
    if text.isprintable():
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n").translate(_ESCAPES)


def _one_line(text: str) -> str:
    return " ".join(printable(text).split())


def _width(text: str) -> int:
    # Terminal cells: combining accents take none, wide (East Asian) letters two.
    return sum(
        0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
        for char in text
    )


def stdout_is_terminal() -> bool:
    """True when stdout is a terminal: human output is then drawn with rich."""
    return sys.stdout.isatty()


def stderr_is_terminal() -> bool:
    """True when stderr is a terminal: long runs then show a progress bar."""
    return sys.stderr.isatty()


# -- messages ---------------------------------------------------------------------------

# Set for one run of the command line by qarchive.cli.app (reset when it ends), so
# that nothing leaks from one run to the next in the same process (tests).
_QUIET: contextvars.ContextVar[bool] = contextvars.ContextVar("qarchive_quiet", default=False)


def is_quiet() -> bool:
    """True under ``--quiet``: only errors and data are printed."""
    return _QUIET.get()


@contextlib.contextmanager
def output_settings(*, quiet: bool = False, verbose: bool = False) -> Iterator[None]:
    """``--quiet`` and ``--verbose`` for the length of one run.

    ``verbose`` shows the library's log (each request, each wait before a retry)
    on stderr, with the time; otherwise a terminal is shown the long waits alone.
    """
    token = _QUIET.set(quiet)
    logger = logging.getLogger("qarchive")
    handler: logging.Handler | None = None
    level = logger.level
    if verbose:
        handler = _StderrLines(logging.DEBUG)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    elif not quiet and stderr_is_terminal():
        # On a terminal, a wait of more than a couple of seconds says what it waits
        # for (the client logs those at INFO); in cron only the summary is mailed.
        handler = _StderrLines(logging.INFO)
        handler.setFormatter(logging.Formatter("%(message)s"))
    if handler is not None:
        logger.addHandler(handler)
        logger.setLevel(handler.level)
    try:
        yield
    finally:
        _QUIET.reset(token)
        if handler is not None:
            logger.removeHandler(handler)
            logger.setLevel(level)


class _StderrLines(logging.Handler):
    """Each record as one line on whatever ``sys.stderr`` is when it is emitted.

    Looked up at each record, not kept: a progress bar replaces ``sys.stderr`` while
    it runs, so that lines written meanwhile are printed above it, not through it.
    """

    def emit(self, record: logging.LogRecord) -> None:
        try:
            _to_stderr(self.format(record))
        except Exception:  # logging must never break a run
            self.handleError(record)


def say(message: str) -> None:
    """A message on stderr (a count, a summary), unless ``--quiet``."""
    if not is_quiet():
        _to_stderr(message)


def notice(message: str) -> None:
    """A message on stderr that ``--quiet`` keeps: where a server listens, a warning."""
    _to_stderr(message)


def say_error(message: str) -> None:
    """``Error: message`` on stderr, always: one line."""
    _to_stderr("Error: " + " ".join(message.split("\n")))


def _to_stderr(message: str) -> None:
    sys.stdout.flush()
    sys.stderr.write(printable(message) + "\n")
    sys.stderr.flush()


def write_human(text: str) -> None:
    """Text for people on stdout (a digest), control characters escaped."""
    sys.stdout.write(printable(text))


# -- machine formats --------------------------------------------------------------------


def write_rows(
    rows: Iterable[dict[str, Any]],
    fmt: OutputFormat,
    stream: TextIO,
    *,
    columns: Sequence[str],
    raw_csv: bool = False,
) -> int:
    """Stream rows to ``stream`` in a machine format; return how many were written.

    JSON is written incrementally (``[]`` when there are no rows); ``ids`` writes
    one ID per line, ready for ``qarchive fetch -``. CSV cells are written as
    :func:`qarchive.model.columns.csv_cell` says (formulas neutralised unless
    ``raw_csv``). ``table`` is not a machine format: use :func:`print_blocks`.
    """
    import csv  # the machine formats only: a table in a pipe loads neither
    import json

    from qarchive.model.columns import csv_cell, json_value

    count = 0
    if fmt is OutputFormat.CSV:
        writer = csv.writer(stream)
        writer.writerow(columns)
    elif fmt is OutputFormat.JSON:
        stream.write("[")
    for row in rows:
        if fmt is OutputFormat.CSV:
            writer.writerow([csv_cell(row.get(column), raw=raw_csv) for column in columns])
        elif fmt is OutputFormat.IDS:
            stream.write(f"{row['id']}\n")
        else:
            picked = {column: json_value(row.get(column)) for column in columns}
            text = json.dumps(picked, ensure_ascii=False)
            if fmt is OutputFormat.JSON:
                stream.write(("," if count else "") + "\n  " + text)
            elif fmt is OutputFormat.JSONL:
                stream.write(text + "\n")
            else:
                raise ValueError(f"write_rows does not stream {fmt}")
        count += 1
    if fmt is OutputFormat.JSON:
        stream.write("\n]\n" if count else "]\n")
    return count


# -- the human output: one renderer for a terminal and for a pipe -------------------------


def print_blocks(blocks: Sequence[Block], *, title: str | None = None) -> None:
    """Draw tables and lines on stdout: with rich on a terminal, as plain lines elsewhere.

    A table without rows prints nothing (the count on stderr says so). ``title``
    frames the blocks in a panel on a terminal (``show``); a pipe gets it as the
    first line.
    """
    blocks = [block for block in blocks if not isinstance(block, Table) or block.rows]
    if not blocks:
        return
    if stdout_is_terminal():
        _print_rich(blocks, title)
        return
    lines = [_one_line(title)] if title else []
    for block in blocks:
        lines += _plain_table(block) if isinstance(block, Table) else _plain_line(block)
    sys.stdout.write("".join(line + "\n" for line in lines))


def _text(cell: Cell) -> str:
    return cell.text if isinstance(cell, Styled) else cell


def _plain_table(table: Table) -> list[str]:
    headers = [printable(column.header) for column in table.columns]
    rows = [[_one_line(_text(cell)) for cell in row] for row in table.rows]
    widths = [
        max(_width(row[i]) for row in ([headers, *rows] if table.header else rows))
        for i in range(len(table.columns))
    ]

    def aligned(cells: list[str]) -> str:
        parts = []
        for cell, width, column in zip(cells, widths, table.columns, strict=True):
            pad = " " * (width - _width(cell))
            parts.append(pad + cell if column.right else cell + pad)
        return (" " * table.gap).join(parts).rstrip()

    lines = [aligned(headers)] if table.header else []
    for index, cells in enumerate(rows):
        lines.append(aligned(cells))
        note = table.notes.get(index)
        if note is not None:
            lines.append("    " + _one_line(_text(note)))
    return lines


def _plain_line(line: Line) -> list[str]:
    return [(" " * line.indent + part).rstrip() for part in printable(line.text).split("\n")]


def _print_rich(blocks: Sequence[Block], title: str | None) -> None:
    from rich.console import Console, Group, NewLine
    from rich.padding import Padding
    from rich.panel import Panel

    parts: list[RenderableType] = []
    for block in blocks:
        if isinstance(block, Table):
            parts.append(_rich_table(block))
        elif not block.text:
            parts.append(NewLine())  # an empty Text would take no line in a group
        else:
            text = _rich_text(Styled(block.text, block.style))
            parts.append(Padding(text, (0, 0, 0, block.indent), expand=False))
    console = Console(highlight=False)
    if title is None:
        console.print(*parts)
    else:
        heading = _rich_text(Styled(title, "bold"))
        console.print(Panel(Group(*parts), title=heading, title_align="left"))


def _rich_table(table: Table) -> RenderableType:
    from rich.table import Table as RichTable

    drawn = RichTable(
        show_edge=False,
        pad_edge=False,
        box=None,
        header_style="bold",
        show_header=table.header,
        padding=(0, table.gap, 0, 0),
    )
    for column in table.columns:
        drawn.add_column(
            printable(column.header),
            justify="right" if column.right else "left",
            no_wrap=not column.wrap and column.width is None,
            overflow="fold",
            width=column.width,
        )
    for index, row in enumerate(table.rows):
        cells = [_rich_text(_folded(cell)) for cell in row]
        note = table.notes.get(index)
        if note is not None:  # under the last cell, the widest text
            cells[-1].append("\n")
            cells[-1].append_text(_rich_text(note))
        drawn.add_row(*cells)
    return drawn


def _folded(cell: Cell) -> Cell:
    # A cell is one value: its line breaks and runs of spaces are one space, as in a pipe.
    if isinstance(cell, Styled):
        return Styled(" ".join(cell.text.split()), cell.style)
    return " ".join(cell.split())


def _rich_text(cell: Cell) -> Text:
    from rich.text import Text

    if not isinstance(cell, Styled):
        return Text(printable(cell))
    if cell.style != MATCH_STYLE:
        return Text(printable(cell.text), style=cell.style)
    # The index marks matches **like this**: highlighted instead.
    text = Text(style="dim")
    for index, part in enumerate(printable(cell.text).split("**")):
        text.append(part, style="bold yellow" if index % 2 else "dim")
    return text
