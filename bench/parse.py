"""Time each AN parser on its real sample page: median of many runs, by hand.

Usage: uv run python bench/parse.py [--runs N] [--samples DIR]
Results go into bench/README.md with the machine and the date.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from qarchive.sources import parse
from qarchive.sources.an import detect_format

ROOT = Path(__file__).resolve().parent.parent
# The floor is the bare parse of the bytes with no extraction at all.
FLOORS: dict[str, Callable[[bytes], object]] = {
    "json.loads": json.loads,
    "ElementTree": ET.fromstring,
    "lexbor tree": LexborHTMLParser,
}
CASES = [
    ("an_opendata_json", "an/opendata_json/QANR5L17QE5268.json", "json.loads"),
    ("an_dyn_html", "an/dyn/QANR5L16QE200.unwrapped-from-cocoa.html", "lexbor tree"),
    ("an_ez_htm", "an/legacy_htm/14-3200QE.unwrapped-from-cocoa.htm", "lexbor tree"),
    ("an_fiche_htm", "an/legacy_htm/11-450QE.unwrapped-from-cocoa.htm", "lexbor tree"),
    ("an_question_xml", "an/question_xml/q14_14-47351QE.xml", "ElementTree"),
]


def _median_ms(func: Callable[[bytes], object], content: bytes, runs: int) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        func(content)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--samples", type=Path, default=ROOT.parent / "shared" / "samples")
    args = parser.parse_args()
    print(f"{'format':<18} {'bytes':>7} {'parse ms':>9} {'floor':>12} {'floor ms':>9} {'ratio':>6}")
    for name, relative, floor in CASES:
        content = (args.samples / relative).read_bytes()
        assert detect_format(content).value == name
        url = f"https://example.invalid/{relative}"
        parse_ms = _median_ms(functools.partial(parse, url=url), content, args.runs)
        floor_ms = _median_ms(FLOORS[floor], content, args.runs)
        print(
            f"{name:<18} {len(content):>7} {parse_ms:>9.3f} {floor:>12} {floor_ms:>9.3f} "
            f"{parse_ms / floor_ms:>6.1f}"
        )


if __name__ == "__main__":
    main()
