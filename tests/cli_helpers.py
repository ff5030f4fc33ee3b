"""What the tests of the command line's conventions share: running it, small archives."""

from __future__ import annotations

import datetime as dt
import os
import pty
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from factories import NOW, make_question
from qarchive.cli import app
from qarchive.model.ids import parse_question_id
from qarchive.model.question import Question
from qarchive.store.archive import Archive

__all__ = ["archive", "build", "in_terminal", "question", "run"]


def run(*args: str, input: str | None = None, env: Mapping[str, str] | None = None) -> Any:
    """The command line in this process, stdout and stderr apart (a pipe, for qarchive)."""
    return CliRunner().invoke(app, list(args), input=input, env=dict(env or {}))


def archive() -> Archive:
    """The archive the ``sites`` fixture points QARCHIVE_ARCHIVE at."""
    return Archive(Path(os.environ["QARCHIVE_ARCHIVE"]))


def question(qid: str, published: dt.date, **overrides: Any) -> Question:
    """A pending AN question ``qid`` published on that day."""
    legislature, number = qid.removesuffix("QE").split("-")
    return make_question(
        id=qid,
        legislature=int(legislature),
        number=int(number),
        url=f"https://www.assemblee-nationale.fr/dyn/{legislature}/questions/QANR5L{legislature}QE{number}",
        published={"date": published},
        **overrides,
    )


def build(records: Iterable[Question]) -> Archive:
    """The archive of the ``sites`` fixture, holding ``records`` (one version each)."""
    store = archive()
    with store.lock():
        for record in records:
            store.save(record, qid=parse_question_id(record.id), fetched_at=NOW)
    return store


def in_terminal(*args: str, columns: int = 80) -> str:
    """What ``qarchive args`` prints on a terminal ``columns`` wide (a pseudo-terminal)."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": str(columns), "LINES": "50", "TERM": "dumb", "NO_COLOR": "1"}
    command = [sys.executable, "-c", "from qarchive.cli import main; main()", *args]
    with subprocess.Popen(command, stdout=follower, stderr=subprocess.DEVNULL, env=env) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: everything was read
                break
            if not chunk:
                break
            chunks.append(chunk)
    os.close(leader)
    assert process.returncode == 0, b"".join(chunks).decode()
    return b"".join(chunks).decode().replace("\r\n", "\n")
