"""What the library logs, shown on a terminal: the waits of the HTTP client.

The library logs through :mod:`logging` (``qarchive.http`` says when it waits more
than a couple of seconds, for a retry or for the rate limit) and prints nothing
itself. On a terminal a user sees those waits as they happen, one line each, so
that a slow run says what it is waiting for; in cron (stderr not a terminal) the
summary line alone is mailed.
"""

from __future__ import annotations

import logging
import sys

__all__ = ["show_waits"]


class _StderrLines(logging.Handler):
    """Each record as one line on whatever ``sys.stderr`` is when it is emitted.

    Looked up at each record, not kept: a progress bar replaces ``sys.stderr`` while
    it runs, so that lines written meanwhile are printed above it, not through it.
    """

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:  # logging must never break a run
            self.handleError(record)


def show_waits(*, terminal: bool | None = None) -> None:
    """On a terminal (``terminal``: None to ask stderr), print the library's waits."""
    if terminal is None:
        terminal = sys.stderr.isatty()
    logger = logging.getLogger("qarchive")
    if not terminal or any(isinstance(handler, _StderrLines) for handler in logger.handlers):
        return
    handler = _StderrLines(logging.INFO)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
