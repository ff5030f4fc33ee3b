"""Import a synthetic legislature zip of 50,000 questions through the CLI, by hand.

Usage: uv run python bench/import.py [--questions N] [--workdir DIR]

Measures questions per second and the peak RSS of the ``qarchive import``
process and its worker processes together, sampled every 100 ms (the archive
starts empty), against the floor of the same run: every member unzipped and
``json.loads``-ed in one process. Then the bytes on disk per question (as ``du``
counts them: allocated blocks) and a second import of the same zip. Targets
(issue 18): >= 2,000 questions/s, within 6x the floor, < 300 MB, the second import
under a tenth of the first, and at most half the disk a question took before the
packs (about 25 KB: two directories, a version file and a gzip, and its share of
the index). Disk is given whole and part by part. Results go into
bench/README.md with the machine and the date. Run it with another checkout's
Python (``/other/.venv/bin/python bench/import.py``) to measure that one's
``qarchive`` on the same zip.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import synthetic


def build_zip(path: Path, count: int) -> None:
    """A zip shaped like Questions_ecrites.json.zip: one JSON document per question."""
    rng = random.Random(7)
    questions = synthetic.an_questions(count, legislature=17, pending=0.45, authors=577, rng=rng)
    path.write_bytes(
        synthetic.zip_of({question.member: question.document() for question in questions})
    )


def _tree_rss(root: int) -> dict[int, int]:
    """Bytes resident in ``root`` and each of its descendants (Linux /proc), by process."""
    page, found, frontier = os.sysconf("SC_PAGE_SIZE"), {}, [root]
    while frontier:
        pid = frontier.pop()
        try:
            found[pid] = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
            for task in Path(f"/proc/{pid}/task").iterdir():
                frontier += map(int, (task / "children").read_text().split())
        except (OSError, ValueError):
            continue  # gone meanwhile
    return found


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, int, int, str]:
    """Run ``command``: seconds, peak RSS of its process tree and of its largest process, stderr."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    peak, largest = 0, 0
    stderr: list[str] = []
    reader = threading.Thread(
        target=lambda: stderr.append(process.stderr.read() if process.stderr else "")
    )
    reader.start()
    while process.poll() is None:
        sizes = _tree_rss(process.pid)
        peak = max(peak, sum(sizes.values()))
        largest = max(largest, *sizes.values(), 0)
        time.sleep(0.1)
    reader.join()
    seconds = time.perf_counter() - started
    return seconds, peak, largest, "".join(stderr)


def floor_seconds(bundle: Path) -> float:
    """Unzip and json.loads every member, in this process: what any import must do."""
    started = time.perf_counter()
    with zipfile.ZipFile(bundle) as archive:
        for info in archive.infolist():
            json.loads(archive.read(info))
    return time.perf_counter() - started


def disk_bytes(root: Path) -> int:
    """Bytes allocated on disk under ``root`` (what ``du`` counts), folders included."""
    total = 0
    for directory, folders, files in os.walk(root):
        for name in [*folders, *files]:
            total += os.lstat(os.path.join(directory, name)).st_blocks * 512
    return total + os.lstat(root).st_blocks * 512


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=50_000)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="qarchive-bench-import-"))
    workdir.mkdir(parents=True, exist_ok=True)
    bundle = workdir / "Questions_ecrites.json.zip"
    if bundle.exists() and len(zipfile.ZipFile(bundle).namelist()) != args.questions:
        bundle.unlink()  # built for another --questions
    if not bundle.exists():
        started = time.perf_counter()
        build_zip(bundle, args.questions)
        print(
            f"built {bundle} ({bundle.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.0f}s"
        )
    archive = workdir / "archive"
    shutil.rmtree(archive, ignore_errors=True)
    env = dict(os.environ, QARCHIVE_ARCHIVE=str(archive))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [str(Path(sys.executable).with_name("qarchive")), "import", str(bundle)]
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    floor = floor_seconds(bundle)
    print(f"floor: unzip + json.loads of every member in {floor:.1f}s")
    seconds, peak, largest, stderr = run_measured(command, env)
    largest_mb = largest / 2**20
    print(stderr.strip().splitlines()[-1] if stderr.strip() else "(no output)")
    print(
        f"{args.questions} questions in {seconds:.1f}s: {args.questions / seconds:.0f} questions/s, "
        f"peak RSS {peak / 2**20:.0f} MB (all processes together; largest one {largest_mb:.0f} MB)"
    )
    print(f"import / floor: {seconds / floor:.1f}x")
    used = disk_bytes(archive)
    print(f"on disk: {used / 2**20:.0f} MiB, {used / args.questions / 1024:.1f} KiB a question")
    parts = {"questions": 0, "raw": 0, "index.sqlite": 0}
    for name in parts:
        if (archive / name).is_dir():
            parts[name] = disk_bytes(archive / name)
        elif (archive / name).exists():
            parts[name] = (archive / name).stat().st_blocks * 512
    print(
        "    of which "
        + ", ".join(f"{name} {size / args.questions / 1024:.1f}" for name, size in parts.items())
        + " KiB a question"
    )
    again = time.perf_counter()
    subprocess.run(command, env=env, capture_output=True, check=True)
    second = time.perf_counter() - again
    print(
        f"second import of the same zip (nothing to write): {second:.1f}s, {second / seconds:.2f} of the first"
    )
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
