"""Import a synthetic legislature zip of 50,000 questions through the CLI, by hand.

Usage: uv run python bench/import.py [--questions N] [--workdir DIR]

Measures questions per second and the peak RSS of the ``qarchive import``
process and its worker processes together, sampled every 100 ms (the archive
starts empty). Targets (issue #5): >= 2,000 questions/s and < 300 MB. Results go
into bench/README.md with the machine and the date.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures/sites/www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE12526.json"
MINISTRIES = ["Intérieur", "Économie", "Santé", "Justice", "Armées", "Agriculture", "Culture"]
WORDS = [
    "retraite",
    "hôpital",
    "école",
    "impôt",
    "transport",
    "énergie",
    "logement",
    "police",
    "agriculture",
    "eau",
]


def build_zip(path: Path, count: int) -> None:
    """A zip shaped like Questions_ecrites.json.zip: one JSON document per question."""
    template = json.loads(SEED.read_bytes())
    rng = random.Random(7)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for number in range(1, count + 1):
            question = template["question"]
            question["uid"] = f"QANR5L17QE{number}"
            question["identifiant"] = {
                "numero": str(number),
                "regime": "5eme Republique",
                "legislature": "17",
            }
            question["minInt"]["abrege"] = rng.choice(MINISTRIES)
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(80, 400)))
            question["textesQuestion"]["texteQuestion"]["texte"] = f"<p>{words}</p>"
            bundle.writestr(f"json/QANR5L17QE{number}.json", json.dumps(template))


def _tree_rss(root: int) -> int:
    """Bytes resident in ``root`` and all its descendants (Linux /proc), 0 if unknown."""
    page, total, frontier = os.sysconf("SC_PAGE_SIZE"), 0, [root]
    while frontier:
        pid = frontier.pop()
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
            for task in Path(f"/proc/{pid}/task").iterdir():
                frontier += map(int, (task / "children").read_text().split())
        except (OSError, ValueError):
            continue  # gone meanwhile
    return total


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Run ``command``: seconds, peak RSS of its process tree (bytes), its stderr."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    peak = 0
    stderr: list[str] = []
    reader = threading.Thread(
        target=lambda: stderr.append(process.stderr.read() if process.stderr else "")
    )
    reader.start()
    while process.poll() is None:
        peak = max(peak, _tree_rss(process.pid))
        time.sleep(0.1)
    reader.join()
    seconds = time.perf_counter() - started
    return seconds, peak, "".join(stderr)


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
    seconds, peak, stderr = run_measured(command, env)
    largest_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(stderr.strip().splitlines()[-1] if stderr.strip() else "(no output)")
    print(
        f"{args.questions} questions in {seconds:.1f}s: {args.questions / seconds:.0f} questions/s, "
        f"peak RSS {peak / 2**20:.0f} MB (all processes together; largest one {largest_mb:.0f} MB)"
    )
    again = time.perf_counter()
    subprocess.run(command, env=env, capture_output=True, check=True)
    print(f"second import of the same zip (nothing to write): {time.perf_counter() - again:.1f}s")
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
