"""Time every page of ``qarchive serve`` over the 1,000,000-question index of bench/list.py.

Usage: uv run python bench/serve.py [--index PATH] [--runs N] [--work DIR]

The index is only read. The pages need an archive folder: ``--work`` gets one
whose ``index.sqlite`` is a link to ``--index`` (a copy, upgraded there, when
the index is of an older schema: the original is never written), and the
version files of two synthetic questions (two versions each) for ``/q/<ID>``,
whose cost does not depend on the index. Each page is asked of the site
in-process, through Datasette's router and templates as a browser's request
would be, without a socket ("server time"), ``--runs`` times after one untimed
request (whose time is printed too: the figures of /stats are worked out
then, and kept until the index changes); the median is printed. ``/-/versions.json``, a page of Datasette's
own that reads nothing, is what routing and a response cost alone. Results go
into bench/README.md with the machine and the date.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from qarchive.index.schema import INDEX_SCHEMA_VERSION, upgrade_index
from qarchive.model.ids import Chamber, parse_question_id
from qarchive.model.question import (
    Answer,
    Author,
    Ministry,
    Publication,
    Question,
    Source,
    SourceFormat,
    Status,
)
from qarchive.settings import load_settings
from qarchive.store.archive import Archive
from qarchive.web.data import WebSource
from qarchive.web.server import make_site

DEFAULT_INDEX = Path(tempfile.gettempdir()) / "qarchive-bench-list" / "index.sqlite"
NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
PAGES = [
    "/-/versions.json",  # Datasette's own, reading nothing: the floor of any page
    "/",
    "/?unanswered=1",
    "/?overdue=1&ministry=int%C3%A9rieur",
    "/?ministry=relations&unanswered=1",
    "/?sort=delay",
    "/?unanswered=1&sort=delay",
    "/?sort=ministry",
    "/?legislature=16&answered=1",
    "/?legislature=17&sort=delay",
    "/?since=2020-01-01&until=2020-12-31",
    "/?author=martin&sort=delay",
    "/?group=lfi&since=2023-01-01",
    "/?page=200",
    "/?sort=delay&page=20",
    "/.json?unanswered=1",
    "/.csv?overdue=1&size=500",
    "/search?q=%C3%A9oliennes",
    "/search?q=%22titres+s%C3%A9curis%C3%A9s%22",
    "/search?q=h%C3%B4pital&unanswered=1",
    "/search?q=%C3%A9oliennes&page=5",
    "/search.json?q=%C3%A9oliennes",
    "/q/17-900001QE",
    "/q/17-900001QE.json",
    "/stats",
    "/stats?legislature=16",
    "/stats.json",
    "/stats/months.json",
    "/.atom?ministry=relations",
    "/search?q=ministre",  # a word in every question: the one exception
]


def _record(number: int, *, answered: bool) -> Question:
    # Synthetic: a question the benchmark writes, never a real one.
    published = Publication(date=dt.date(2024, 9, 1), page=number)
    answer = Answer(published=Publication(date=dt.date(2025, 1, 15)), text="Réponse.\n" * 40)
    return Question(
        id=f"17-{number}QE",
        chamber=Chamber.AN,
        legislature=17,
        number=number,
        kind="QE",
        url=f"https://www.assemblee-nationale.fr/dyn/17/questions/QANR5L17QE{number}",
        title="Question synthétique du banc d'essai",
        author=Author(name="Député Exemple", civility="M."),
        ministry_asked=Ministry(name="Intérieur"),
        ministry_responding=Ministry(name="Intérieur"),
        published=published,
        text="Texte synthétique.\n" * 20,
        answer=answer if answered else None,
        status=Status.ANSWERED if answered else Status.PENDING,
        source=Source(format=SourceFormat.AN_OPENDATA_JSON, url="https://example.invalid/"),
    )


def prepare(index: Path, work: Path) -> Path:
    """An archive folder over ``index`` (linked, or an upgraded copy), with two questions.

    A copy (of an index of an older schema) is kept in ``work`` for later runs.
    """
    root = work / "archive"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    archive = Archive(root)
    with archive.lock():
        for number in (900001, 900002):
            qid = parse_question_id(f"17-{number}QE")
            archive.save(_record(number, answered=False), qid=qid, fetched_at=NOW)
            archive.save(_record(number, answered=True), qid=qid, fetched_at=NOW + dt.timedelta(1))
    archive.index_path.unlink()  # the small index of these two: the big one takes its place
    if _schema(index) != INDEX_SCHEMA_VERSION:
        copy = work / "index-upgraded.sqlite"
        if not copy.exists() or _schema(copy) != INDEX_SCHEMA_VERSION:
            print(
                f"{index} is of schema {_schema(index)}: copying it to {copy}, upgrading the copy"
            )
            shutil.copyfile(index, copy)
            if not upgrade_index(copy):
                copy.unlink()
                raise SystemExit(
                    f"{index} is of schema {_schema(index)}, which schema {INDEX_SCHEMA_VERSION} "
                    "cannot be reached from in place: build a current index with bench/list.py "
                    "and give it here"
                )
        index = copy
    archive.index_path.symlink_to(index.resolve())
    return root


def _schema(index: Path) -> int:
    with contextlib.closing(sqlite3.connect(f"{index.resolve().as_uri()}?mode=ro", uri=True)) as db:
        return int(db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])


async def _time_pages(site: Any, runs: int) -> dict[str, tuple[int, float, list[float]]]:
    await site.client.get("/-/versions.json")  # Datasette's start-up, once
    found: dict[str, tuple[int, float, list[float]]] = {}
    for path in PAGES:
        start = time.perf_counter()
        status = (await site.client.get(path)).status_code  # caches empty, then filled
        first = time.perf_counter() - start
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            response = await site.client.get(path)
            times.append(time.perf_counter() - start)
            status = response.status_code
        found[path] = (status, first, times)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "qarchive-bench-serve"
    )
    args = parser.parse_args()
    root = prepare(args.index, args.work)
    source = WebSource(root, load_settings({}, archive_dir=root))
    site = make_site(source)
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}, "
        f"CPython {platform.python_version()}, SQLite {sqlite3.sqlite_version}; "
        f"{dt.date.today().isoformat()}; load {os.getloadavg()[0]:.2f}"
    )
    found = asyncio.run(_time_pages(site, args.runs))
    print(f"{'page':55s} {'status':>6s} {'first ms':>9s} {'median ms':>10s} {'best ms':>8s}")
    for path, (status, once, times) in found.items():
        median, best = statistics.median(times) * 1000, min(times) * 1000
        print(f"{path:55s} {status:6d} {once * 1000:9.1f} {median:10.1f} {best:8.1f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
