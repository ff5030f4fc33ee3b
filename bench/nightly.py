"""The nightly refresh at the scale of a legislature: requests and seconds a night, by hand.

Usage: uv run python bench/nightly.py [--questions N] [--senat N] [--workdir DIR]

The AN: 20,000 questions of the 17th legislature (45 % pending), authors given by
reference only, as in the open data, are imported from a synthetic
``Questions_ecrites.json.zip``. Local servers (loopback only), one per host,
serve at the real paths the legislature's zip, the reference data (AMO), each
question's open-data JSON and ``/dyn`` page, and the daily publication lists;
the zips and the reference data answer conditional GETs. ``qarchive refresh``
then runs night after night through the CLI:

1. the first night after the import;
2. a night with no change: at most 5 requests, and no file written but the run's
   line in ``refresh.log.jsonl``;
3. a night where 1 % of the pending questions got their answer upstream: the zip,
   their JSON and today's publication list change; every change must be caught
   with at most 10 + (number changed) requests;
4. a night with no change again.

The Sénat keeps its CSV-driven refresh, measured the same way on ``--senat``
questions of the rolling year imported from a synthetic
``questions-depuis-un-an.csv`` (its pages and the year's index page served), and
the seven nights after (in-process, with the clock moved a day a night), when the
CSV's unchanged pending questions are due their weekly re-read, each on a day of its
own.

The rate limit is off (QARCHIVE_RATE=0) so that seconds measure qarchive; at the
polite default of one request a second per host a night takes at least its
requests spread over the hosts, in seconds. Results go into bench/README.md with
the machine and the date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email.utils
import hashlib
import http.server
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import synthetic
from refresh import Snapshot, snapshot  # the same walk as bench/refresh.py

from qarchive.jobs.plan import RefreshOptions
from qarchive.jobs.refresh import run_refresh
from qarchive.model.ids import parse_question_id
from qarchive.settings import load_settings
from qarchive.store.archive import Archive


class Host:
    """One local host: ``pages`` served at their paths with validators; every request logged."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pages: dict[str, bytes] = {}
        self.modified: dict[str, str] = {}  # path -> Last-Modified, for those that have one
        self.log: list[tuple[str, int]] = []  # (path, status)
        self._lock = threading.Lock()
        host = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else each body waits 40 ms for a delayed ACK

            def do_GET(self) -> None:
                status, headers, body = host.answer(self.path, self.headers)
                with host._lock:
                    host.log.append((self.path, status))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Stay quiet."""

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, path: str, asked: object) -> tuple[int, dict[str, str], bytes]:
        body = self.pages.get(path)
        if body is None:
            return 404, {}, b"not found"
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        headers = {"ETag": etag}
        if path in self.modified:
            headers["Last-Modified"] = self.modified[path]
        if asked.get("If-None-Match") == etag:  # type: ignore[attr-defined]
            return 304, headers, b""
        return 200, headers, body

    def requests_since(self, mark: int) -> list[tuple[str, int]]:
        with self._lock:
            return self.log[mark:]


def http_now() -> str:
    return email.utils.format_datetime(dt.datetime.now(dt.UTC), usegmt=True)


def written(before: Snapshot, after: Snapshot) -> list[str]:
    """Files created or modified, and removed ones (marked ``-``)."""
    changed = sorted(path for path, seen in after.items() if before.get(path) != seen)
    return changed + [f"-{path}" for path in sorted(set(before) - set(after))]


def describe(files: list[str]) -> str:
    per_question = [path for path in files if path.startswith("questions" + os.sep)]
    top = [path for path in files if path not in per_question]
    shown = ", ".join(top[:6]) + (", …" if len(top) > 6 else "")
    return f"{len(per_question)} per-question files, {len(top)} others ({shown or 'none'})"


class Night:
    """Runs ``qarchive`` against the hosts and says what each run cost."""

    def __init__(self, hosts: list[Host], env: dict[str, str], archive: Path) -> None:
        self.hosts, self.env, self.archive = hosts, env, archive
        self.script = str(Path(sys.executable).with_name("qarchive"))

    def run(self, label: str, *arguments: str) -> tuple[int, list[str], dict[str, object]]:
        """One command: requests made, files written, the run's summary (from the log)."""
        marks = [len(host.log) for host in self.hosts]
        before = snapshot(self.archive)
        started = time.perf_counter()
        done = subprocess.run(
            [self.script, *arguments], env=self.env, capture_output=True, text=True
        )
        seconds = time.perf_counter() - started
        after = snapshot(self.archive)
        asked = [
            (host.name, path, status)
            for host, mark in zip(self.hosts, marks, strict=True)
            for path, status in host.requests_since(mark)
        ]
        files = written(before, after)
        kinds = Counter(f"{name} {status}" for name, _, status in asked)
        print(f"{label}: {len(asked)} requests in {seconds:.1f} s (exit {done.returncode})")
        print(f"    by host and status: {dict(sorted(kinds.items()))}")
        print(f"    written: {describe(files)}")
        last = done.stderr.strip().splitlines()[-1:] or ["(nothing on stderr)"]
        print(f"    says: {last[0]}")
        return len(asked), files, self.summary()

    def summary(self) -> dict[str, object]:
        log = self.archive / "refresh.log.jsonl"
        if not log.exists():
            return {}
        summary: dict[str, object] = json.loads(log.read_bytes().splitlines()[-1])
        return summary


def check(label: str, ok: bool) -> None:
    print(f"    {'met' if ok else 'MISSED'}: {label}")


def an_nights(workdir: Path, count: int) -> None:
    rng = random.Random(18)
    authors = 577
    questions = synthetic.an_questions(
        count, legislature=17, pending=0.45, authors=authors, rng=rng
    )
    www, data = Host("www"), Host("data")
    zip_path = synthetic.QE_ZIP_PATH.format(legislature=17)

    def publish(today: dt.date, answered_today: list[synthetic.ANQuestion]) -> None:
        members = {question.member: question.document() for question in questions}
        data.pages[zip_path] = synthetic.zip_of(members)
        data.modified[zip_path] = http_now()
        for question in questions:
            www.pages[f"/dyn/opendata/{question.uid}.json"] = members[question.member]
        lines = "".join(
            f"{today}T04:00:00;https://www.assemblee-nationale.fr/dyn/opendata/{question.uid}.xml\n"
            for question in answered_today
        )
        www.pages[f"/dyn/opendata/list-publication/publication_{today}.csv"] = lines.encode()

    today = dt.datetime.now(dt.UTC).date()
    started = time.perf_counter()
    publish(today, [])
    data.pages[synthetic.AMO_ZIP_PATH] = synthetic.amo_zip(authors)
    data.modified[synthetic.AMO_ZIP_PATH] = http_now()
    bundle = workdir / "Questions_ecrites.json.zip"
    bundle.write_bytes(data.pages[zip_path])
    print(
        f"AN: {count} questions, {len(bundle.read_bytes()) / 1e6:.0f} MB zip, built in "
        f"{time.perf_counter() - started:.0f} s"
    )

    archive = workdir / "archive-an"
    env = environment(archive, an=www.url, data=data.url, senat=www.url, senat_data=www.url)
    night = Night([www, data], env, archive)
    night.run("import", "import", str(bundle))
    night.run("first refresh after the import", "refresh")
    asked, files, _ = night.run("a night with no change", "refresh")
    check("at most 5 requests", asked <= 5)
    check("no file written but refresh.log.jsonl", files == ["refresh.log.jsonl"])

    pending = [question for question in questions if question.answered is None]
    chosen = rng.sample(range(len(questions)), k=len(questions))
    changed_numbers = [i for i in chosen if questions[i].answered is None][
        : max(1, len(pending) // 100)
    ]
    for index in changed_numbers:
        old = questions[index]
        questions[index] = synthetic.ANQuestion(
            old.number, old.legislature, old.author, old.ministry, old.published, old.text, today
        )
    publish(today, [questions[index] for index in changed_numbers])
    asked, files, summary = night.run(
        f"a night where {len(changed_numbers)} of {len(pending)} pending questions got an answer",
        "refresh",
    )
    check(f"at most 10 + {len(changed_numbers)} requests", asked <= 10 + len(changed_numbers))
    store = Archive(archive)
    caught = sum(
        1
        for index in changed_numbers
        if (stored := store.latest(parse_question_id(f"17-{questions[index].number}QE")))
        and stored.record.answer is not None
    )
    check(
        f"every change caught ({caught} of {len(changed_numbers)} answered in the archive, "
        f"{summary.get('new_answers')} new answers in the summary)",
        caught == len(changed_numbers) == summary.get("new_answers"),
    )
    asked, files, _ = night.run("a night with no change again", "refresh")
    check("at most 5 requests", asked <= 5)
    check("no file written but refresh.log.jsonl", files == ["refresh.log.jsonl"])


def senat_nights(workdir: Path, count: int) -> None:
    rng = random.Random(75)
    today = dt.datetime.now(dt.UTC).date()
    questions = synthetic.senat_questions(count, today=today, pending=0.45, rng=rng)
    site, data = Host("senat"), Host("senat-data")

    def publish() -> None:
        data.pages["/data/questions/questions-depuis-un-an.csv"] = synthetic.senat_csv(questions)
        for year in {question.published.year for question in questions}:
            site.pages[f"/questions/base/{year}/"] = synthetic.senat_year_index(questions, year)
        for question in questions:
            site.pages[question.path] = question.page()

    publish()
    csv = workdir / "questions-depuis-un-an.csv"
    csv.write_bytes(data.pages["/data/questions/questions-depuis-un-an.csv"])
    archive = workdir / "archive-senat"
    env = environment(archive, an=site.url, data=site.url, senat=site.url, senat_data=data.url)
    night = Night([site, data], env, archive)
    pending = [index for index, question in enumerate(questions) if question.answered is None]
    print(f"Sénat: {count} questions of the rolling year, {len(pending)} pending")
    night.run("import of the CSV", "import", str(csv))
    night.run("first refresh after the import", "refresh")
    night.run("a night with no change", "refresh")
    changed = rng.sample(pending, k=max(1, len(pending) // 100))
    for index in changed:
        old = questions[index]
        questions[index] = synthetic.SenatQuestion(
            old.number, old.published, old.title, old.text, today
        )
    publish()
    asked, _, summary = night.run(
        f"a night where {len(changed)} of {len(pending)} pending questions got an answer", "refresh"
    )
    check(f"at most 10 + {len(changed)} requests", asked <= 10 + len(changed))
    check(
        f"every change caught ({summary.get('new_answers')} new answers)",
        summary.get("new_answers") == len(changed),
    )
    # The week after: the pending questions the CSV shows unchanged are due their
    # weekly re-read, each on a day of its own (in-process, the clock moved a day a night).
    settings = load_settings(env)
    store = Archive(archive)
    counts = []
    started = time.perf_counter()
    for days in range(1, 8):
        marks = [len(host.log) for host in night.hosts]
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)

        def clock(at: dt.datetime = later) -> dt.datetime:
            return at

        with store.lock():
            run_refresh(store, settings, RefreshOptions(), now=clock)
        counts.append(
            sum(
                len(host.requests_since(mark))
                for host, mark in zip(night.hosts, marks, strict=True)
            )
        )
    seconds = time.perf_counter() - started
    print(
        f"the seven nights after (in-process, clock moved): requests {counts}, "
        f"{sum(counts)} in {seconds:.1f} s"
    )


def environment(
    archive: Path, *, an: str, data: str, senat: str, senat_data: str
) -> dict[str, str]:
    env = dict(os.environ, QARCHIVE_ARCHIVE=str(archive), QARCHIVE_RATE="0")
    env |= {
        "QARCHIVE_AN_URL": an,
        "QARCHIVE_AN_QUESTIONS_URL": an,
        "QARCHIVE_AN_DATA_URL": data,
        "QARCHIVE_SENAT_URL": senat,
        "QARCHIVE_SENAT_DATA_URL": senat_data,
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=20_000, help="AN questions")
    parser.add_argument("--senat", type=int, default=2_000, help="Sénat questions (0: none)")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="qarchive-bench-nightly-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if args.questions:
        an_nights(workdir, args.questions)
    if args.senat:
        senat_nights(workdir, args.senat)
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
