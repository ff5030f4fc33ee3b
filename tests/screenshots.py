"""Screenshots of the web view for the README, from an archive of synthetic questions.

Usage: uv run python tests/screenshots.py [OUT_DIR]   (default: docs/)
Writes serve-list.png, serve-question.png and serve-stats.png.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from web_archive import build_web_archive
from web_server import browser, serving

PAGES = {
    "serve-list.png": "/?unanswered=1&sort=delay&size=15",
    "serve-question.png": "/q/15-4QE",
    "serve-stats.png": "/stats",
}


def main() -> None:
    out = Path(
        sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "docs"
    )
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp) / "archive"
        build_web_archive(root, many=300, hostile=False)
        with serving(root) as base, browser() as chromium:
            page = chromium.new_page(viewport={"width": 1280, "height": 900})
            for name, path in PAGES.items():
                page.goto(base + path)
                if path == "/stats":
                    page.locator("#months-chart[aria-busy=false]").wait_for(state="attached")
                page.screenshot(path=str(out / name), full_page=True)
                print(out / name)


if __name__ == "__main__":
    main()
