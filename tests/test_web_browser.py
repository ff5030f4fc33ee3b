"""The web view in a real browser: Debian's headless Chromium, driven by Playwright.

``qarchive serve`` runs in a subprocess over synthetic questions; the pages are
loaded as a user would, forms filled in and submitted, and the charts of /stats
checked for drawn pixels. No page may log an error (a Content-Security-Policy
violation would).
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from web_archive import build_web_archive
from web_server import CHROMIUM, browser, serving

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    root = tmp_path_factory.mktemp("browser") / "archive"
    build_web_archive(root, many=40)
    with serving(root) as url:
        yield url


@pytest.fixture(scope="module")
def chromium(base: str) -> Iterator[Any]:
    with browser() as launched:
        yield launched


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []

    def console(message: Any) -> None:
        if message.type == "error":
            errors.append(message.text)

    tab.on("console", console)
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], errors


def api(base: str, path: str) -> Any:
    with urllib.request.urlopen(base + path, timeout=30) as response:
        return json.load(response)


def test_the_list_filtered_from_its_form(base, page):
    page.goto(base + "/")
    page.check("input[name=unanswered]")
    page.fill("input[name=ministry]", "intérieur")
    page.select_option("select[name=sort]", "delay")
    page.click("form.filter-form button[type=submit]")
    page.wait_for_url("**/?*unanswered=1*")
    shown = page.locator("table.questions td.id").all_inner_texts()
    expected = api(base, "/.json?unanswered=1&ministry=int%C3%A9rieur&sort=delay")["rows"]
    assert shown == [row["id"] for row in expected] and shown
    # Days waiting, red once overdue: every row here is past its deadline.
    expect(page.locator("td.days.overdue").first).to_have_css("color", "rgb(192, 57, 43)")
    assert (
        page.locator("a[type='application/atom+xml']").get_attribute("href").startswith("/.atom?")
    )
    page.click("table.questions td.id a >> nth=0")
    page.wait_for_url(f"**/q/{shown[0]}")


def test_a_question_with_two_versions_and_its_diff(base, page):
    page.goto(base + "/q/15-4QE")
    assert page.locator("h1").inner_text() == "Question 15-4QE"
    versions = page.locator("ol.versions > li")
    assert versions.count() == 2
    second = versions.nth(1)
    assert "changed: answer, status, closed" in second.inner_text()
    assert second.locator(".diff .path").all_inner_texts() == ["answer", "status", "closed"]
    assert "Un troisième paragraphe, plus long" in second.locator(".added.long").inner_text()
    assert page.locator("section.answer").is_visible()
    official = page.locator("ul.links a").first.get_attribute("href")
    assert official == "https://www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE4"


def test_the_search_highlights_what_matched(base, page):
    page.goto(base + "/search")
    page.fill("input[name=q]", "délivrance")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/search?q=*")
    marks = page.locator("table.questions .snippet mark").all_inner_texts()
    assert marks and all(mark.lower() == "délivrance" for mark in marks)
    assert page.locator("td.id").first.inner_text() == "15-4QE"


def _until(page: Any, condition: Callable[[], object]) -> None:
    """Let Playwright dispatch its events until ``condition()`` holds (bounded, never red on a slow machine)."""
    deadline = time.monotonic() + 120
    while not condition():
        assert time.monotonic() < deadline, "the awaited browser event never came"
        page.wait_for_timeout(20)


def test_the_stats_charts_are_drawn(base, page):
    # The monthly figures are held back until the page has said it is still counting, so
    # the chart is drawn late, as on a slow connection. The wait is on the chart's
    # aria-busy, never on a string of JavaScript: Playwright polls those with eval(),
    # which the page's Content-Security-Policy refuses once the first check has failed.
    held: list[Any] = []
    page.route("**/stats/months.json*", lambda route: held.append(route))
    page.goto(base + "/stats")
    months = page.locator("#months-chart")
    expect(months).to_have_attribute("aria-busy", "true")
    expect(page.locator("#months-status")).to_have_text("Counting month by month…")
    _until(page, lambda: held)
    held[0].continue_()
    expect(months).to_have_attribute("aria-busy", "false", timeout=120_000)
    drawn = page.evaluate(
        """() => Object.fromEntries(Object.entries(window.qarchiveCharts).map(([name, chart]) => {
            const canvas = chart.canvas;
            const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
            return [name, {points: chart.data.datasets[0].data.length, painted}];
        }))"""
    )
    stats = api(base, "/stats.json")
    ministries = [row for row in stats["ministries"] if row["median_delay_days"] is not None]
    assert drawn["delays"]["points"] == min(20, len(ministries))
    assert drawn["months"]["points"] == len(api(base, stats["months_url"])["months"])
    assert drawn["delays"]["painted"] > 5000 and drawn["months"]["painted"] > 5000, drawn
    assert not page.locator("#months-status").is_visible()


def test_an_unknown_question_is_a_404_page(base, chromium):
    # Not the page fixture: Chromium logs the 404 itself as an error.
    tab = chromium.new_page()
    response = tab.goto(base + "/q/15-999QE")
    assert response.status == 404
    assert "15-999QE is not in the archive" in tab.locator(".error-message").inner_text()
    tab.close()
