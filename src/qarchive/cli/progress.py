"""Output of the long runs (fetch, refresh, import): results, messages, a progress bar.

Results go to stdout, messages to stderr; the bar is drawn on stderr only when it
is a terminal, so pipes and cron get plain lines.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

__all__ = ["Reporter", "reporter"]


class Reporter:
    """Prints results on stdout and messages on stderr, above a progress bar if any."""

    def __init__(self, bar: Progress | None = None, task: TaskID | None = None) -> None:
        self._bar, self._task = bar, task
        self._err = bar.console if bar is not None else Console(stderr=True, highlight=False)

    def result(self, line: str) -> None:
        """One data line on stdout (through the bar's redirect when it is live)."""
        print(line, flush=True)

    def message(self, line: str) -> None:
        """One message line on stderr."""
        self._err.print(line, markup=False, highlight=False, soft_wrap=True)

    def advance(self, name: str) -> None:
        """Move the bar one item on, naming the item just done."""
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, advance=1, description=f"fetching {name}")


@contextlib.contextmanager
def reporter(total: int) -> Iterator[Reporter]:
    """A :class:`Reporter`, with a progress bar when stderr is a terminal and total > 1.

    Pipes and cron get plain lines and no bar.
    """
    if total < 2 or not sys.stderr.isatty():
        yield Reporter()
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with bar:
        yield Reporter(bar, bar.add_task("fetching", total=total))
