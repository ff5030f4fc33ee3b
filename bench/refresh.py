"""A nightly refresh of 10,000 archived questions against a local server, by hand.

Usage: uv run python bench/refresh.py [--questions N] [--workdir DIR] [--profile DIR]

A local server (loopback only) serves the open-data JSON of each question with an
ETag and answers conditional GETs with 304. The archive is filled by an import,
then ``qarchive refresh --no-discover`` runs three times with the rate limit off
(QARCHIVE_RATE=0): the first run learns the ETags, the next ones should write
nothing and be limited only by the round trips. Target (issue #5): 0 files
written. Every file created or modified under the archive is counted (path,
mtime_ns, size and inode before and after each run): those in the question
directories apart, then the archive-level ones by name (the run's log line and
``checks.json``, the check times of the run, are written once per run).
``--profile DIR`` runs each refresh under cProfile. Results go into
bench/README.md with the machine and the date.
"""

from __future__ import annotations

import argparse
import hashlib
import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures/sites/www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE12526.json"
_PATH = re.compile(r"/dyn/opendata/QANR5L17QE(\d+)\.json")


def question_json(number: int) -> bytes:
    """The same synthetic record for a number, every time it is asked for."""
    document = json.loads(SEED.read_bytes())
    document["question"]["uid"] = f"QANR5L17QE{number}"
    document["question"]["identifiant"] = {
        "numero": str(number),
        "regime": "5eme Republique",
        "legislature": "17",
    }
    return json.dumps(document).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    """Serves question JSON with ETags; 404 for everything else."""

    protocol_version = "HTTP/1.1"
    # The headers and the body go out in two writes: with Nagle's algorithm the body
    # waits for the client's delayed ACK of the headers, 40 ms on Linux, which made
    # every 200 cost 40 ms (the first run's 52 ms a question). Real servers set it too.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        match = _PATH.fullmatch(self.path)
        if match is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = question_json(int(match.group(1)))
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("ETag", etag)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet."""


Snapshot = dict[str, tuple[int, int, int]]


def snapshot(root: Path) -> Snapshot:
    """Every file under ``root``: relative path -> (mtime_ns, size, inode)."""
    found: Snapshot = {}
    for directory, _, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            try:
                stat = os.stat(path)
            except FileNotFoundError:  # a temporary file gone meanwhile
                continue
            found[os.path.relpath(path, root)] = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    return found


def written(before: Snapshot, after: Snapshot) -> str:
    """Files created or modified (and removed), per question and at the archive's top level."""
    touched = sorted(path for path, seen in after.items() if before.get(path) != seen)
    removed = sorted(set(before) - set(after))
    per_question = [path for path in touched if path.startswith("questions" + os.sep)]
    top = [path for path in touched if not path.startswith("questions" + os.sep)]
    new = sum(1 for path in per_question if path not in before)
    names = ", ".join(top) or "none"
    text = (
        f"{len(per_question)} per-question files written ({new} new), "
        f"{len(top)} archive-level ({names})"
    )
    return text + (f", {len(removed)} removed" if removed else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--profile", type=Path, default=None, help="write a cProfile of each run here"
    )
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="qarchive-bench-refresh-"))
    workdir.mkdir(parents=True, exist_ok=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    archive = workdir / "archive"
    env = dict(os.environ, QARCHIVE_ARCHIVE=str(archive), QARCHIVE_RATE="0")
    env |= {
        f"QARCHIVE_{name}_URL": base
        for name in ("AN", "AN_QUESTIONS", "AN_DATA", "SENAT", "SENAT_DATA")
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    script = str(Path(sys.executable).with_name("qarchive"))
    if not archive.exists():
        bundle = workdir / "questions.zip"
        with zipfile.ZipFile(bundle, "w") as out:
            for number in range(1, args.questions + 1):
                out.writestr(f"json/QANR5L17QE{number}.json", question_json(number))
        subprocess.run([script, "import", str(bundle)], env=env, check=True, capture_output=True)
    for run in (1, 2, 3):
        before = snapshot(archive)
        started = time.perf_counter()
        command = [script, "refresh", "--no-discover"]
        if args.profile is not None:
            args.profile.mkdir(parents=True, exist_ok=True)
            profile = str(args.profile / f"run{run}.prof")
            command = [sys.executable, "-m", "cProfile", "-o", profile, *command]
        result = subprocess.run(
            command,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        print(
            f"run {run}: {seconds:.1f}s, {args.questions / seconds:.0f} questions/s, "
            + written(before, snapshot(archive))
        )
        print("   ", result.stderr.strip().splitlines()[-1])
    server.shutdown()


if __name__ == "__main__":
    main()
