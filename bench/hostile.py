"""Hostile content, damaged archives and kills against qarchive, by hand: README "Reliability".

Usage: uv run python bench/hostile.py [--kills N] [--rounds N] [--workdir DIR] [--seed N]

Everything happens in a temporary folder (or --workdir) and on loopback: one
local server stands for every configured site, serving the project's fixture
pages and pages this script makes hostile. Nothing is downloaded; nothing is
written outside the folder (a folder of "someone else's" files sits beside each
archive, and every case checks it is untouched).

Three parts, each counted:

- hostile cases: the command line, in this process, on a fresh copy of a small
  archive, against one hostile input each (nested JSON and HTML, control
  characters, damaged zips, links inside the archive, broken indexes, trickling
  servers, lying --url, a full disk). A case passes when the command ends within
  its time, with a documented exit code and no traceback, every version archived
  before is byte-for-byte the same, and nothing outside the archive changed;
- kills: ``kill -9`` of fetch, refresh, import, reindex and verify --repair at a
  random moment; a kill is survived when every version written before it is
  intact, every version file reads back, and verify, after --repair, is clean;
- concurrent readers: a process holding the index open while ``reindex`` and
  an import write it; a round passes when both end well and the index is sound.

The last lines are the figures, with the machine and the date.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import platform
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from qarchive.cli import app
from qarchive.jobs.verify import repair_archive, verify_archive
from qarchive.store.archive import Archive

ROOT = Path(__file__).resolve().parent.parent
SITES = ROOT / "fixtures/sites"
OPENDATA = "/dyn/opendata/QANR5L15QE12526.json"
SENAT = "/questions/base/2018/qSEQ180304125.html"
DATA = "/static/openData/repository/15/questions/questions_ecrites/Questions_ecrites.json.zip"
SEED = json.loads((SITES / "www.assemblee-nationale.fr" / OPENDATA.lstrip("/")).read_bytes())
SENAT_PAGE = (SITES / "www.senat.fr" / SENAT.lstrip("/")).read_bytes()
CODES = {0, 1, 2, 3, 4}  # README, "When things go wrong"
URL_VARS = ("AN", "AN_QUESTIONS", "AN_DATA", "SENAT", "SENAT_DATA")


def question(number: int, title: str | None = None) -> bytes:
    document = json.loads(json.dumps(SEED))
    document["question"]["uid"] = f"QANR5L15QE{number}"
    document["question"]["identifiant"]["numero"] = str(number)
    if title is not None:
        document["question"]["indexationAN"]["ANALYSE"]["ANA"] = title
    return json.dumps(document).encode()


def zip_of(members: dict[str, bytes] | list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        warnings.simplefilter("ignore")  # "Duplicate name": on purpose
        for name, content in members.items() if isinstance(members, dict) else members:
            bundle.writestr(name, content)
    return buffer.getvalue()


class Site(BaseHTTPRequestHandler):
    """Every configured host at once: the fixtures, overridden by ``pages``; ``slow`` trickles."""

    pages: dict[str, bytes] = {}  # noqa: RUF012 (the server's, set by the script)
    slow: set[str] = set()  # noqa: RUF012
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = self.pages.get(self.path)
        for host in SITES.iterdir() if body is None else ():
            local = host / self.path.lstrip("/")
            if local.is_file() and local.resolve().is_relative_to(host):
                body = local.read_bytes()
        head = f"HTTP/1.1 {404 if body is None else 200} X\r\nContent-Length: {len(body or b'')}\r\n\r\n"
        with contextlib.suppress(OSError):
            if self.path in self.slow:  # a byte every 0.2 s: within any read timeout
                for byte in head.encode() + (body or b""):
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.2)
            else:
                self.wfile.write(head.encode() + (body or b""))

    def log_message(self, format: str, *args: object) -> None:
        pass


class Server(ThreadingHTTPServer):
    """The local site; a client that hangs up (a deadline kept) is no error worth a trace."""

    def handle_error(self, request: object, client_address: object) -> None:
        pass


@dataclass
class Outcome:
    code: int | None  # None: still running at its limit
    stdout: str = ""
    stderr: str = ""
    traceback: str | None = None


@dataclass
class Lab:
    work: Path
    server: ThreadingHTTPServer
    base: Path = field(init=False)
    env: dict[str, str] = field(init=False)
    tally: dict[str, list[int]] = field(default_factory=dict)  # group -> [tried, passed]
    failures: list[str] = field(default_factory=list)
    last: Outcome = field(default_factory=lambda: Outcome(0))
    # The case's archive and the folder beside it, and their files as the first command found them.
    _case: tuple[Path, Path] | None = None
    _before: tuple[dict[Path, bytes], dict[Path, bytes]] | None = None

    def __post_init__(self) -> None:
        url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.env = {f"QARCHIVE_{name}_URL": url for name in URL_VARS}
        self.env |= {"QARCHIVE_RATE": "0", "QARCHIVE_RETRY_BACKOFF": "0.01"}
        self.env |= {"QARCHIVE_TIMEOUT": "2", "QARCHIVE_MAX_RETRIES": "1"}
        self.base = self.work / "base"
        self.env["QARCHIVE_ARCHIVE"] = str(self.base)
        for args in (["fetch", "15-12526QE", "SEQ180304125"], ["watch", "add", "15-12526QE"]):
            assert self.run(args).code == 0, f"setting up: qarchive {' '.join(args)}"

    @property
    def url(self) -> str:
        return self.env["QARCHIVE_AN_URL"]

    def run(self, args: list[str], archive: Path | None = None, limit: float = 60) -> Outcome:
        env = self.env | ({"QARCHIVE_ARCHIVE": str(archive)} if archive else {})
        done: list[Outcome] = []

        def invoke() -> None:
            result = CliRunner().invoke(app, args, env=env)
            crash = result.exception if not isinstance(result.exception, SystemExit) else None
            trace = f"{type(crash).__name__}: {crash}" if crash is not None else None
            done.append(Outcome(result.exit_code, result.stdout, result.stderr, trace))

        thread = threading.Thread(target=invoke, daemon=True)
        thread.start()
        thread.join(limit)
        return done[0] if done else Outcome(None)

    @contextlib.contextmanager
    def case(self, group: str, name: str) -> Iterator[Path]:
        """A fresh copy of the archive, someone else's folder beside it, and the checks after."""
        folder = self.work / f"case-{sum(t for t, _ in self.tally.values())}"
        archive, elsewhere = folder / "archive", folder / "elsewhere"
        shutil.copytree(self.base, archive)
        (elsewhere / "15-77QE").mkdir(parents=True)
        (elsewhere / "15-77QE/notes.txt").write_text("someone else's")
        (elsewhere / "capture.json.gz").write_bytes(b"someone else's")
        (elsewhere / "index.sqlite").write_bytes(b"someone else's")
        Site.pages.clear()
        Site.slow.clear()
        self.last, self._case, self._before = Outcome(0), (archive, elsewhere), None
        problems: list[str] = []
        try:
            yield archive
        except AssertionError as exc:
            problems.append(str(exc) or "an expectation failed")
        nothing: dict[Path, bytes] = {}
        versions, outside = self._before or (nothing, _files(elsewhere, "*"))
        out = self.last
        if out.code is None:
            problems.append("still running at its time limit")
        elif out.traceback is not None:
            problems.append(f"traceback: {out.traceback}")
        elif out.code not in CODES:
            problems.append(f"exit code {out.code}")
        if any(line.lstrip().startswith(("Traceback", "╭")) for line in out.stderr.splitlines()):
            problems.append("a traceback on stderr")
        changed = [p for p, data in versions.items() if not p.exists() or p.read_bytes() != data]
        problems += [f"version changed: {path}" for path in changed]
        if _files(elsewhere, "*") != outside:
            problems.append("a file outside the archive was written or deleted")
        tried_passed = self.tally.setdefault(group, [0, 0])
        tried_passed[0] += 1
        tried_passed[1] += not problems
        self.failures += [f"{group}: {name}: {problem}" for problem in problems]

    def cli(self, args: list[str], archive: Path, limit: float = 60) -> Outcome:
        """Run a command of the case; the first one takes the snapshot the case is judged by."""
        if self._before is None and self._case is not None:
            self._before = (_files(self._case[0], "v*.json"), _files(self._case[1], "*"))
        self.last = self.run(args, archive, limit)
        return self.last


def _files(folder: Path, pattern: str) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in folder.rglob(pattern) if p.is_file() and not p.is_symlink()}


# -- the hostile cases ---------------------------------------------------------------


def nesting(lab: Lab) -> None:
    for depth in (100, 1_200, 20_000, 200_000):
        bomb = b"[" * depth + b"]" * depth
        xiv = b'{"questionsEcrites": {"question": [' + question(1) + b", " + bomb + b"]}}"
        inputs = {
            "a question's JSON": b'{"question": ' + bomb + b"}",
            "the XIV file": xiv,
            "a zip member": zip_of({"json/QANR5L15QE1.json": b'{"question": ' + bomb + b"}"}),
            "the XIV file in a zip": zip_of({"json/xiv.json": xiv}),
        }
        for name, content in inputs.items():
            with lab.case("nested JSON, imported", f"{name}, depth {depth}") as archive:
                path = archive.parent / ("in.zip" if content[:2] == b"PK" else "in.json")
                path.write_bytes(content)
                assert lab.cli(["import", str(path)], archive).code in (0, 1)
        files = {
            "a version": "questions/an/15/15-12526QE/v0001.json",
            "state.json": "questions/an/15/15-12526QE/state.json",
            "checks.json": "checks.json",
            "watchlist.json": "watchlist.json",
            "outbox.json": "outbox.json",
            "digest.json": "digest.json",
            "refresh.log.jsonl": "refresh.log.jsonl",
            "the events journal": f"events/{dt.datetime.now(dt.UTC):%Y-%m}.jsonl",
        }
        for name, relative in files.items():
            for command in (["verify"], ["fetch", "SEQ180304125"], ["refresh", "--no-discover"]):
                with lab.case("nested JSON in the archive", f"{name}, {command[0]}") as archive:
                    (archive / relative).parent.mkdir(parents=True, exist_ok=True)
                    (archive / relative).write_bytes(b'{"schema": 1, "x": ' + bomb + b"}\n")
                    lab.cli(command, archive)


def deep_html(lab: Lab) -> None:
    words = b"M. Philippe Bonnecarr"
    for tag in (b"span", b"div", b"b", b"li", b"td", b"blockquote"):
        for depth in (1_200, 50_000):
            nested = b"<" + tag + b">"
            page = SENAT_PAGE.replace(words, nested * depth + words, 1)
            with lab.case("nested HTML", f"<{tag.decode()}> x {depth}") as archive:
                Site.pages[SENAT] = page
                out = lab.cli(["fetch", "SEQ180304125", "15-12526QE"], archive)
                assert "15-12526QE" in out.stdout, "the next question was not fetched"


def characters(lab: Lab, notify: str) -> None:
    titles = {
        "NUL": "a\x00b",
        "C0 controls": "".join(map(chr, range(32))),
        "DEL and C1": "\x7f\x85\x9b[2J",
        "terminal escapes": "\x1b]0;pwned\x07\x1b[2J\x1b[31m",
        "lone surrogate": "\ud800",
        "non-characters": "\ufffe\uffff",
        "bidi overrides": "\u202e\u2066abc",
        "a 1 MB title": "x" * 1_000_000,
    }
    commands = [
        ["refresh", "--no-discover", "--notify", notify],
        ["feed", "-o", "FEED", "--days", "100000"],
        ["feed", "--watched", "-o", "FEED"],
        ["list"],
        ["show", "15-12526QE"],
        ["export", "--format", "csv", "-o", "FEED"],
        ["digest", "--since", "1d"],
    ]
    for name, title in titles.items():
        for command in commands:
            with lab.case("hostile characters", f"{name}, {command[0]}") as archive:
                Site.pages[OPENDATA] = question(12526, title)
                lab.cli(["fetch", "15-12526QE"], archive)
                args = [str(archive.parent / "out") if arg == "FEED" else arg for arg in command]
                assert lab.cli(args, archive).code == 0, f"exit {lab.last.code}"


def zips(lab: Lab) -> None:
    good = zip_of({f"json/QANR5L15QE{n}.json": question(n) for n in (1, 2, 3)})
    index = good.index(b"json/QANR5L15QE2.json")
    damaged = {
        "bad CRC": good[: index + 40] + bytes([good[index + 40] ^ 0xFF]) + good[index + 41 :],
        "encrypted flag": good.replace(
            b"PK\x03\x04\x14\x00\x00\x00", b"PK\x03\x04\x14\x00\x01\x00", 1
        ),
        "truncated": good[: len(good) // 2],
        "no central directory": good[: good.index(b"PK\x01\x02")],
        "garbage after PK": b"PK\x03\x04" + os.urandom(2000),
        "path traversal": zip_of({"../../evil.json": question(4), "/abs/evil.json": question(5)}),
        "ratio bomb": zip_of({"json/bomb.json": b"{" + b" " * 5_000_000 + b"}"}),
        "empty": zip_of({}),
        "a folder named .json": zip_of({"json/x.json/": b""}),
        "the same member twice": zip_of([("json/QANR5L15QE1.json", question(1))] * 2),
    }
    for name, content in damaged.items():
        with lab.case("damaged zips", name) as archive:
            path = archive.parent / "Questions_ecrites.json.zip"
            path.write_bytes(content)
            lab.cli(["import", str(path)], archive)


def links(lab: Lab) -> None:
    places = {
        "a raw/ folder": "questions/an/15/15-12526QE/raw",
        "a legislature folder": "questions/an/15",
        "a question folder": "questions/an/15/15-12526QE",
        "the packs' raw/": "raw",
        "bulk/": "bulk",
        "events/": "events",
        "references/": "references",
        "index.sqlite": "index.sqlite",
        "refresh.log.jsonl": "refresh.log.jsonl",
        "checks.json": "checks.json",
        "watchlist.json": "watchlist.json",
    }
    commands = [
        ["fetch", "15-12526QE"],
        ["refresh", "--no-discover"],
        ["import", "DATA"],
        ["verify", "--repair"],
        ["reindex"],
        ["watch", "add", "SEQ180304125"],
    ]
    for name, relative in places.items():
        for command in commands:
            with lab.case("links inside the archive", f"{name}, {command[0]}") as archive:
                Site.pages[OPENDATA] = question(12526, "Un titre changé")
                Site.pages[DATA] = zip_of({"json/QANR5L15QE9.json": question(9)})
                link, elsewhere = archive / relative, archive.parent / "elsewhere"
                if link.is_dir():  # a folder: a link to someone else's folder
                    shutil.rmtree(link)
                    link.symlink_to(elsewhere, target_is_directory=True)
                else:  # a file: a link to someone else's file of that name, there or not
                    link.unlink(missing_ok=True)
                    link.symlink_to(elsewhere / link.name)
                args = [lab.url + DATA if arg == "DATA" else arg for arg in command]
                lab.cli(args, archive)


def indexes(lab: Lab) -> None:
    def drop(table: str) -> Callable[[Path], None]:
        def damage(path: Path) -> None:
            with contextlib.closing(sqlite3.connect(path)) as db, db:
                db.execute(f"DROP TABLE {table}")

        return damage

    def folder(path: Path) -> None:
        path.unlink()
        path.mkdir()

    def garbage(path: Path) -> None:
        path.write_bytes(os.urandom(8192))

    def truncated(path: Path) -> None:
        path.write_bytes(path.read_bytes()[:3000])

    tables = ("questions", "questions_fts", "filter_values", "stats_tallies", "stats_totals")
    damages = {f"no {table}": drop(table) for table in (*tables, "meta")}
    damages |= {"an empty folder": folder, "garbage": garbage, "truncated": truncated}
    for name, damage in damages.items():
        for command in (["list"], ["search", "ANTS"], ["stats"], ["verify", "--repair"]):
            with lab.case("broken indexes", f"{name}, {command[0]}") as archive:
                damage(archive / "index.sqlite")
                assert lab.cli(command, archive).code == 0, f"exit {lab.last.code}"


def servers_and_urls(lab: Lab) -> None:
    lab.env["QARCHIVE_DEADLINE"] = lab.env["QARCHIVE_DOWNLOAD_DEADLINE"] = "2"
    dyn, legacy = "/dyn/15/questions/QANR5L15QE12526", "/q15/15-12526QE.htm"
    for paths, args in (
        ({OPENDATA, dyn, legacy}, ["fetch", "15-12526QE"]),
        ({DATA}, ["import", lab.url + DATA]),
    ):
        with lab.case("trickling servers", args[0]) as archive:
            Site.slow.update(paths)
            Site.pages[DATA] = zip_of({"json/QANR5L15QE1.json": question(1)})
            assert lab.cli(args, archive, limit=60).code == 1
    del lab.env["QARCHIVE_DEADLINE"], lab.env["QARCHIVE_DOWNLOAD_DEADLINE"]
    page = SITES / "www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE12526"
    for url in (
        "file:///etc/passwd", "https://example.org/dyn/15/questions/QANR5L15QE12526",
        "https://www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE1", "javascript:alert(1)",
        "ftp://www.assemblee-nationale.fr/x", "", "https://" + "a" * 100_000,
        "https://user:pw@www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE12526",
        "https://www.senat.fr/questions/base/2018/qSEQ180304125.html",
    ):  # fmt: skip
        with lab.case("lying --url", url[:40]) as archive:
            assert lab.cli(["fetch", "--from-file", str(page), "--url", url], archive).code == 2


def full_disk(lab: Lab) -> None:
    real = sqlite3.connect

    def full(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection: sqlite3.Connection = real(*args, **kwargs)
        connection.execute("PRAGMA max_page_count = 1")  # no database can grow
        return connection

    zipped = zip_of({"json/QANR5L15QE8.json": question(8)})
    for command in (["list"], ["reindex"], ["verify", "--repair"], ["digest"], ["import", "Z"]):
        with lab.case("a full disk (SQLite)", command[0]) as archive:
            (archive.parent / "in.zip").write_bytes(zipped)
            if command[0] != "import":
                (archive / "index.sqlite").unlink()
            args = [str(archive.parent / "in.zip") if arg == "Z" else arg for arg in command]
            sqlite3.connect = full  # type: ignore[assignment]
            try:
                assert lab.cli(args, archive).code == 1, f"exit {lab.last.code}"
            finally:
                sqlite3.connect = real
            assert "database or disk is full" in lab.last.stderr


# -- kills and concurrent readers ---------------------------------------------------------


def kills(lab: Lab, count: int, rng: random.Random) -> tuple[int, int, list[str]]:
    """Kill runs at random moments; (kills that landed mid-run, of those survived, problems)."""
    landed = survived = 0
    problems: list[str] = []
    big = lab.work / "big"  # 400 questions: every command below runs for seconds
    shutil.copytree(lab.base, big)
    zipped = lab.work / "many.zip"
    zipped.write_bytes(zip_of({f"json/QANR5L15QE{n}.json": question(n) for n in range(1, 401)}))
    assert lab.run(["import", str(zipped)], big).code == 0
    commands = [["import", str(zipped)], ["reindex"], ["verify", "--repair"]]
    commands += [["fetch", *(f"15-{n}QE" for n in range(1, 80))], ["refresh", "--no-discover"]]
    round_ = 0
    while landed < count and round_ < 3 * count:
        archive = lab.work / f"kill-{round_}"
        shutil.copytree(big, archive, symlinks=True)
        versions = _files(archive, "v*.json")
        Site.pages.clear()
        for n in range(1, 401):  # every question changed: each run has versions to write
            Site.pages[f"/dyn/opendata/QANR5L15QE{n}.json"] = question(n, f"Tour {round_}")
        zipped.write_bytes(
            zip_of({f"json/QANR5L15QE{n}.json": question(n, f"T{round_}") for n in range(1, 401)})
        )
        command = commands[round_ % len(commands)]
        round_ += 1
        env = os.environ | lab.env | {"QARCHIVE_ARCHIVE": str(archive)}
        cli = [sys.executable, "-c", "from qarchive.cli import main; main()", *command]
        process = subprocess.Popen(cli, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.5, 3.0))  # a random moment: this is a benchmark, not a test
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            landed += 1
        process.communicate()
        found = _after_kill(archive, versions)
        survived += process.returncode == -signal.SIGKILL and not found
        problems += [f"kill {round_} ({command[0]}): {problem}" for problem in found]
        shutil.rmtree(archive)
    return landed, survived, problems


def _after_kill(root: Path, versions: dict[Path, bytes]) -> list[str]:
    found = [f"version changed: {p}" for p, d in versions.items() if p.read_bytes() != d]
    archive = Archive(root)
    with archive.lock():
        report = verify_archive(archive)
        found += [
            f"after the kill: {problem}" for problem in report.problems if not problem.repairable
        ]
        found += [f"after repair: {problem}" for problem in repair_archive(archive, report)]
        found += [f"verify after repair: {p}" for p in verify_archive(archive).problems]
    return found


_READER = """
import sys
from pathlib import Path
from qarchive.store.archive import Archive
connection = Archive(Path(sys.argv[1])).open_index()  # held open across the reindex
connection.execute("SELECT count(*) FROM questions").fetchone()
print("open", flush=True)
stop = Path(sys.argv[2])
while not stop.exists():
    connection.execute("SELECT count(*), max(title) FROM questions").fetchone()
"""


def readers(lab: Lab, rounds: int) -> tuple[int, list[str]]:
    """A reader holds the index open while reindex rebuilds it, then an import writes it.

    The import's transaction is large enough to spill pages into the file before
    its commit: its journal is there for a while, as in a real import.
    """
    passed, problems = 0, []
    for round_ in range(rounds):
        archive, stop = lab.work / f"reader-{round_}", lab.work / f"reader-{round_}.stop"
        shutil.copytree(lab.base, archive)
        zipped = archive.parent / f"reader-{round_}.zip"
        members = {f"json/QANR5L15QE{n}.json": question(n, f"R{round_}") for n in range(1, 1501)}
        zipped.write_bytes(zip_of(members))
        reader = subprocess.Popen(
            [sys.executable, "-c", _READER, str(archive), str(stop)],
            env=os.environ | lab.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert reader.stdout is not None and reader.stdout.readline() == b"open\n"
        outcomes = {"reindex": lab.run(["reindex"], archive)}
        outcomes["import"] = lab.run(["import", str(zipped), "--workers", "0"], archive)
        stop.touch()
        _, errors = reader.communicate()
        with contextlib.closing(sqlite3.connect(archive / "index.sqlite")) as db:
            sound = db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        found = [
            f"{name} exited {out.code}: {out.traceback or out.stderr.strip()[-200:]}"
            for name, out in outcomes.items()
            if out.code != 0
        ]
        found += (
            []
            if reader.returncode == 0
            else [f"reader: {errors.decode().strip().splitlines()[-1]}"]
        )
        found += [] if sound else ["index.sqlite is malformed"]
        passed += not found
        problems += [f"reader round {round_}: {problem}" for problem in found]
        shutil.rmtree(archive)
        zipped.unlink()
    return passed, problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=16, help="concurrent reader rounds")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--seed", type=int, default=21)
    options = parser.parse_args()
    server = Server(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with contextlib.ExitStack() as stack:
        work = options.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        work.mkdir(parents=True, exist_ok=True)
        lab = Lab(work, server)
        notify = f"{sys.executable} -c 'import sys; sys.stdin.read()'"
        started = time.monotonic()
        for part in (nesting, deep_html, zips, links, indexes, servers_and_urls, full_disk):
            part(lab)
            print(f"{part.__name__}: done in {time.monotonic() - started:.0f} s", file=sys.stderr)
        characters(lab, notify)
        landed, survived, kill_problems = kills(lab, options.kills, random.Random(options.seed))
        passed, reader_problems = readers(lab, options.rounds)
        server.shutdown()
    for problem in [*lab.failures, *kill_problems, *reader_problems]:
        print(f"FAILED {problem}")
    for group, (tried, ok) in lab.tally.items():
        print(f"{group}: {ok} of {tried} cases passed")
    tried = sum(t for t, _ in lab.tally.values())
    ok = sum(p for _, p in lab.tally.values())
    print(f"hostile cases: {ok} of {tried} passed")
    print(f"kills: {survived} of {landed} kill -9 mid-run survived")
    print(f"concurrent readers: {passed} of {options.rounds} rounds sound")
    machine = f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}, Python {platform.python_version()}"
    print(f"{machine}; {dt.date.today().isoformat()}; {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
