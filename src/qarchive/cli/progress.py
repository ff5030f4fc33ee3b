"""Output of the long runs (fetch, refresh, import): results, messages, a progress bar.

Results go to stdout, messages to stderr (:mod:`qarchive.cli.output`); the bar is
drawn on stderr only when it is a terminal and not ``--quiet``, so pipes and cron
get plain lines.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from qarchive.cli import output
from qarchive.cli.output import is_quiet, printable, say, say_error

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

__all__ = ["Reporter", "reporter"]


class Reporter:
    """Prints results on stdout and messages on stderr, above a progress bar if any."""

    def __init__(self, verb: str, bar: Progress | None = None, task: TaskID | None = None) -> None:
        self._verb, self._bar, self._task = verb, bar, task

    def result(self, line: str) -> None:
        """One data line on stdout."""
        if self._bar is not None and output.stdout_is_terminal():
            # The same terminal as the bar: printed above it, so that it is not drawn over.
            self._bar.console.print(printable(line), markup=False, highlight=False, soft_wrap=True)
        else:
            sys.stdout.write(printable(line) + "\n")
            sys.stdout.flush()

    def message(self, line: str) -> None:
        """One message line on stderr, unless ``--quiet``."""
        if self._bar is None:
            say(line)
        elif not is_quiet():
            self._bar.console.print(printable(line), markup=False, highlight=False, soft_wrap=True)

    def error(self, message: str) -> None:
        """``Error: message`` on stderr, even with ``--quiet``."""
        if self._bar is None:
            say_error(message)
        else:
            text = printable("Error: " + message)
            self._bar.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def start(self, name: object) -> None:
        """Name on the bar the item now being worked on."""
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, description=f"{self._verb} {name}")

    def advance(self) -> None:
        """Move the bar one item on."""
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, advance=1)


@contextlib.contextmanager
def reporter(total: int | None, *, verb: str = "fetching") -> Iterator[Reporter]:
    """A :class:`Reporter`, with a progress bar when stderr is a terminal.

    ``total``: the items to come (None when not known in advance); a single
    item, or none, gets no bar. Pipes, cron and ``--quiet`` get plain lines and no bar.
    """
    if (total is not None and total < 2) or is_quiet() or not output.stderr_is_terminal():
        yield Reporter(verb)
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    # Results are written to stdout by the Reporter, never through the bar: rich
    # would otherwise send them to the bar's console, stderr.
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        redirect_stdout=False,
        redirect_stderr=False,
    )
    with bar:
        yield Reporter(verb, bar, bar.add_task(verb, total=total))
