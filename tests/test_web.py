"""The web view without a browser: its JSON, CSV and Atom API, errors, escaping, headers.

The site runs in-process (Datasette's own test client, no socket) over an
archive of synthetic questions (``web_archive``), with today pinned.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import hashlib
import io
import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import feedparser
import pytest
from typer.testing import CliRunner

from qarchive.cli import app
from qarchive.index.choices import SortKey
from qarchive.index.filters import Filters
from qarchive.index.query import list_questions
from qarchive.index.stats import compute_stats
from qarchive.model.columns import LIST_COLUMNS
from qarchive.settings import load_settings
from qarchive.store.index_access import ArchiveIndex
from qarchive.web.data import WebSource
from qarchive.web.server import bind, is_loopback, make_site
from web_archive import HOSTILE_TITLE, TODAY, build_web_archive
from web_server import serving

MARCH, DECEMBER = dt.date(2018, 3, 1), dt.date(2018, 12, 31)


@pytest.fixture(scope="module")
def archive_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("web") / "archive"
    build_web_archive(root)
    return root


@pytest.fixture(scope="module")
def site(archive_root: Path) -> Any:
    settings = load_settings({}, archive_dir=archive_root)
    return make_site(WebSource(archive_root, settings, today=lambda: TODAY))


def get(site: Any, path: str) -> Any:
    return asyncio.run(site.client.get(path))


def get_json(site: Any, path: str, status: int = 200) -> Any:
    response = get(site, path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    return response.json()


def ids(rows: Any) -> list[str]:
    return [row["id"] for row in rows]


def test_the_list_takes_the_filters_of_qarchive_list(site, archive_root):
    index = ArchiveIndex(archive_root)
    for query, filters in [
        ("", Filters()),
        ("?unanswered=1", Filters(unanswered=True)),
        ("?overdue=true&ministry=INTERIEUR", Filters(overdue=True, ministry="INTERIEUR")),
        ("?chamber=s%C3%A9nat", Filters(chamber="senat")),
        ("?legislature=16&answered=1", Filters(legislature=16, answered=True)),
        ("?author=bernalicis&group=lfi", Filters(author="bernalicis", group="lfi")),
        ("?since=2018-03-01&until=2018-12-31", Filters(since=MARCH, until=DECEMBER)),
    ]:
        found = get_json(site, f"/.json{query}")
        expected = ids(list_questions(index, filters, limit=50, today=TODAY))
        assert ids(found["rows"]) == expected, query
        assert found["total"] == len(expected)


def test_sorts_and_pages(site, archive_root):
    index = ArchiveIndex(archive_root)
    for sort in ("published", "delay", "ministry"):
        every = ids(get_json(site, f"/.json?sort={sort}&size=500")["rows"])
        pages, path = [], f"/.json?sort={sort}&size=3"
        while path:
            found = get_json(site, path)
            pages += ids(found["rows"])
            path = found["next_url"]
        assert pages == every
        assert len(every) == 12
    expected = ids(
        list_questions(index, Filters(), sort=SortKey.DELAY, limit=3, offset=3, today=TODAY)
    )
    assert ids(get_json(site, "/.json?sort=delay&size=3&page=2")["rows"]) == expected


def test_the_list_as_csv(site):
    response = get(site, "/.csv?unanswered=1&sort=delay")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["id"] for row in rows] == ids(
        get_json(site, "/.json?unanswered=1&sort=delay")["rows"]
    )
    assert rows[0]["overdue"] in ("true", "false")
    assert tuple(rows[0]) == LIST_COLUMNS  # the names of qarchive list --format csv


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?legislature=abc", "legislature must be a whole number, got 'abc'"),
        ("?legislature=0", "legislature must be between 1 and 999, got '0'"),
        ("?since=2018-13-01", "since must be a date YYYY-MM-DD, got '2018-13-01'"),
        ("?since=2019-01-01&until=2018-01-01", "since (2019-01-01) is after until (2018-01-01)"),
        ("?chamber=bundestag", "chamber must be an or senat, got 'bundestag'"),
        ("?unanswered=maybe", "unanswered must be 1 or 0 (true or false), got 'maybe'"),
        ("?unanswered=1&answered=1", "unanswered and answered exclude each other; pass one"),
        ("?sort=title", "sort must be one of published, delay, ministry, got 'title'"),
        ("?page=0", "page must be between 1 and 1000000, got '0'"),
        ("?size=100000", "size must be between 1 and 500, got '100000'"),
        ("?ministery=x", "unknown parameter 'ministery'; this page takes: unanswered,"),
    ],
)
def test_bad_parameters_are_a_clear_400(site, query, message):
    found = get_json(site, f"/.json{query}", status=400)
    assert found["error"].startswith(message)
    page = get(site, f"/{query}")
    assert page.status_code == 400
    assert "Traceback" not in page.text
    assert "Bad request" in page.text
    assert message.split(",")[0].replace("'", "&#39;") in page.text


def test_search_highlights_the_match_and_counts(site):
    found = get_json(site, "/search.json?q=delivrance")
    assert ids(found["rows"]) == ["15-4QE"]
    assert "**délivrance**" in found["rows"][0]["snippet"]
    page = get(site, "/search?q=paragraphe&size=2")
    assert "<mark>" in page.text
    assert re.search(r"\d+ matches\b", page.text) and "matchs" not in page.text
    one = get(site, "/search?q=delivrance").text
    assert re.search(r'class="count">\s*1 match\s', one)
    assert get_json(site, "/search.json?q=paragraphe")["total"] >= 3
    assert get_json(site, "/search.json?q=paragraphe&unanswered=1")["total"] >= 1
    bad = get_json(site, '/search.json?q="unclosed', status=400)
    assert bad["error"].startswith("invalid search query")
    assert get_json(site, "/search.json")["rows"] == []
    assert get(site, "/search.csv?q=paragraphe").text.startswith("id,chamber,")


def test_the_atom_feed_of_a_filter(site):
    response = get(site, "/.atom?days=30")
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert [entry.id for entry in feed.entries] == ["urn:qarchive:17-8QE:question:2026-11-01"]
    empty = feedparser.parse(get(site, "/.atom?days=30&ministry=sant%C3%A9").content)
    assert empty.entries == []
    answers = feedparser.parse(get(site, "/search.atom?q=question&days=3650").content)
    assert any(" answered on " in entry.title for entry in answers.entries)
    assert 'rel="alternate" type="application/atom+xml"' in get(site, "/?ministry=x").text


def test_a_question_with_its_versions_and_diff(site):
    found = get_json(site, "/q/15-4QE.json")
    assert found["id"] == "15-4QE"
    assert found["record"]["status"] == "answered"
    assert found["deadline"] == "2018-04-01"
    assert found["answer_delay_days"] == 348
    assert [v["version"] for v in found["versions"]] == [1, 2]
    assert found["versions"][1]["changed"] == ["answer", "status", "closed"]
    assert [c["path"] for c in found["versions"][1]["changes"]] == ["answer", "status", "closed"]
    assert {link["url"] for link in found["links"]} >= {
        "https://www.assemblee-nationale.fr/dyn/15/questions/QANR5L15QE4"
    }
    page = get(site, "/q/15-4QE").text
    assert "Un troisième paragraphe, plus long" in page
    assert "v2" in page and "changed: answer, status, closed" in page
    senat = get(site, "/q/SEQ180304125").text
    assert "aux questions écrites" in senat  # the erratum, as a line diff
    assert 'class="added">+M. Jean Exemple' in senat


def test_question_addresses(site):
    moved = get(site, "/q/15-4qe")
    assert moved.status_code == 301
    assert moved.headers["location"] == "/q/15-4QE"
    missing = get(site, "/q/15-999QE")
    assert missing.status_code == 404
    assert "15-999QE is not in the archive" in missing.text
    garbage = get_json(site, "/q/not-an-id.json", status=404)
    assert "expected an Assemblée nationale question ID" in garbage["error"]
    assert get(site, "/q/<script>").status_code == 404
    assert "<script>" not in get(site, "/q/%3Cscript%3E").text.split("<main>")[1]


def test_texts_from_the_sources_are_escaped(site):
    for path in ("/q/15-11QE", "/?size=500", "/search?q=balises"):
        page = get(site, path).text
        assert '<script>alert("title")</script>' not in page
        assert "<b>balises</b>" not in page
        assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in page, path
    question = get(site, "/q/15-11QE").text
    assert '<img src=x onerror="alert(1)">' not in question
    assert "&lt;img src=x onerror=" in question
    assert get_json(site, "/q/15-11QE.json")["record"]["title"] == HOSTILE_TITLE


def test_every_page_sends_a_content_security_policy(site):
    for path in ("/", "/.json", "/search?q=x", "/q/15-4QE", "/stats", "/q/nope", "/?page=x"):
        policy = get(site, path).headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy, path
        assert "unsafe-inline" not in policy
    # Datasette's own pages keep their inline scripts, and load nothing from elsewhere.
    for path in ("/index", "/index/questions", "/-/versions"):
        policy = get(site, path).headers["content-security-policy"]
        assert "default-src 'self'" in policy, path


def test_stats_and_its_months(site, archive_root):
    found = get_json(site, "/stats.json")
    index = ArchiveIndex(archive_root)
    assert found["overall"] == compute_stats(index, Filters(), today=TODAY)[0].as_row()
    assert [row["name"] for row in found["ministries"]][:2] == ["Intérieur", "Armées"]
    assert [(row["chamber"], row["legislature"]) for row in found["legislatures"]] == [
        ("an", 17),
        ("an", 16),
        ("an", 15),
        ("senat", 15),
    ]
    assert sum(row["questions"] for row in found["legislatures"]) == 12
    rows = get_json(site, found["months_url"])["months"]
    assert rows[0]["month"] == "2018-01" and rows[-1]["month"] == "2026-11"
    by_month = {row["month"]: row for row in rows}
    # 15-4QE is past its deadline (2018-04-01) at the end of April; by June, 15-11QE,
    # SEQ180304125 and 15-5QE too (15-6QE was withdrawn before its deadline).
    assert [by_month[month]["overdue"] for month in ("2018-03", "2018-04", "2018-06")] == [0, 1, 4]
    assert by_month["2019-01"]["answered"] == 1
    assert sum(row["published"] for row in rows) == 12
    assert rows[-1]["overdue"] == found["overall"]["overdue_now"]
    sixteen = get_json(site, "/stats.json?legislature=16")
    assert sixteen["overall"]["questions"] == 2
    assert get_json(site, "/stats.json?sort=x", status=400)["error"].startswith("unknown parameter")
    page = get(site, "/stats").text
    assert 'id="delays-chart"' in page and "/-/qarchive/vendor/chart.js/chart.umd.min.js" in page


def test_static_files_ship_with_the_package(site):
    chart = get(site, "/-/qarchive/vendor/chart.js/chart.umd.min.js")
    assert chart.status_code == 200 and chart.text.startswith("/*!\n * Chart.js v4")
    assert get(site, "/-/qarchive/qarchive.css").status_code == 200
    assert get(site, "/-/qarchive/../../web/data.py").status_code == 404


def test_no_page_writes(archive_root, site):
    def snapshot() -> dict[str, str]:
        return {
            str(path.relative_to(archive_root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(archive_root.rglob("*"))
            if path.is_file()
        }

    before = snapshot()
    for path in (
        "/",
        "/?sort=delay",
        "/search?q=x",
        "/q/15-4QE",
        "/stats",
        "/.atom",
        "/index/questions",
    ):
        assert get(site, path).status_code == 200
    # Datasette writes nothing either: no POST is accepted that could.
    assert asyncio.run(site.client.post("/index/questions", data={"x": "1"})).status_code >= 400
    assert snapshot() == before


def test_loopback_and_ports():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.1")
    taken = bind("127.0.0.1", 0)
    try:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            app, ["serve", "--port", str(port), "--archive", "/nonexistent/x"]
        )
        assert result.exit_code == 2
        assert result.stderr == (
            f"Error: port {port} on 127.0.0.1 is already in use; pass another: --port {port + 1}\n"
        )
    finally:
        taken.close()


@pytest.mark.slow
def test_serving_beyond_this_machine_warns_even_when_quiet(archive_root):
    # --quiet drops counts and summaries, never where the site is or who can read it.
    said: list[str] = []
    with serving(archive_root, host="0.0.0.0", before=["--quiet"], said=said) as base:
        assert said[0] == (
            "Warning: serving on 0.0.0.0: anyone who can reach this machine can read the archive\n"
        )
        port = base.rsplit(":", 1)[1]
        assert said[1] == (
            f"Serving {archive_root} at http://0.0.0.0:{port}/ (read-only; Ctrl-C to stop)\n"
        )
        with urllib.request.urlopen(f"{base}/stats.json", timeout=30) as response:
            assert json.load(response)["overall"]["questions"] > 0


def test_the_command_line_does_not_load_datasette(tmp_path):
    build_web_archive(tmp_path)
    code = (
        "import sys; from qarchive.cli import main\n"
        "for argv in (['--help'], ['list', '--archive', sys.argv[1]], ['serve', '--help']):\n"
        "    sys.argv = ['qarchive', *argv]\n"
        "    try: main()\n"
        "    except SystemExit as exit: assert not exit.code, exit.code\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('datasette', 'uvicorn')]\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_json_is_json(site):
    for path in ("/.json", "/search.json?q=x", "/q/15-4QE.json", "/stats.json"):
        json.loads(get(site, path).text)


@pytest.mark.slow
def test_the_wheel_ships_templates_and_assets_and_serves_from_them(tmp_path, archive_root):
    import shutil
    import zipfile

    root = Path(__file__).resolve().parent.parent
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    subprocess.run(
        [uv, "build", "--wheel", "--out-dir", str(tmp_path / "dist"), str(root)],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("qarchive-*.whl")
    installed = tmp_path / "installed"
    zipfile.ZipFile(wheel).extractall(installed)
    # The installed package alone (its dependencies from this environment) serves a page.
    code = (
        "import sys, asyncio; sys.path.insert(0, sys.argv[1])\n"
        "from pathlib import Path\n"
        "import qarchive.web.server as server\n"
        "assert str(server.TEMPLATES).startswith(sys.argv[1]), server.TEMPLATES\n"
        "from qarchive.settings import load_settings\n"
        "from qarchive.web.data import WebSource\n"
        "root = Path(sys.argv[2])\n"
        "site = server.make_site(WebSource(root, load_settings({}, archive_dir=root)))\n"
        "for path in ('/', '/stats', '/-/qarchive/vendor/chart.js/chart.umd.min.js'):\n"
        "    assert asyncio.run(site.client.get(path)).status_code == 200, path\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(installed), str(archive_root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (installed / "qarchive/web/static/vendor/chart.js/LICENSE.md").is_file()
