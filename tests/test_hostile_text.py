"""Issue 21, items 2 and 5: whatever a title holds, events reach the notify command and the feeds.

The pages are the seed's open data with a title made hostile here: a NUL byte
(which no environment variable can hold) and control characters (which XML 1.0
forbids).
"""

import json
import os
import shlex
import sys
from pathlib import Path

import feedparser
import pytest
from typer.testing import CliRunner

from conftest import SITES
from qarchive.cli import app
from qarchive.model.ids import parse_question_id
from qarchive.store.archive import Archive

SEED = parse_question_id("15-12526QE")
JSON_PATH = "/dyn/opendata/QANR5L15QE12526.json"
SEED_JSON = json.loads((SITES / "www.assemblee-nationale.fr" / JSON_PATH.lstrip("/")).read_bytes())
# Every C0 control but tab, newline and carriage return, DEL, a C1 control, a
# non-character: none may appear in XML 1.0.
CONTROLS = "".join(map(chr, [*range(9), 11, 12, *range(14, 32), 0x7F, 0x85, 0xFFFE]))


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def archive() -> Archive:
    return Archive(Path(os.environ["QARCHIVE_ARCHIVE"]))


def serve_title(sites, title: str) -> None:
    """The seed's open data, with this title."""
    document = json.loads(json.dumps(SEED_JSON))
    document["question"]["indexationAN"]["ANALYSE"]["ANA"] = title
    sites.an.pages[JSON_PATH] = json.dumps(document).encode()


def test_a_nul_byte_in_a_title_reaches_the_notify_command(sites, tmp_path):
    serve_title(sites, "Titre\x00avec NUL")
    out = tmp_path / "got.txt"
    script = tmp_path / "notify.py"
    script.write_text(
        "import os, sys\n"
        "with open(sys.argv[1], 'a', encoding='utf-8') as out:\n"
        "    out.write(sys.stdin.read() + os.environ['QARCHIVE_EVENT_SUMMARY'] + '\\n')\n",
        encoding="utf-8",
    )
    notify = " ".join(shlex.quote(word) for word in (sys.executable, str(script), str(out)))
    assert run("watch", "add", "15-12526QE").exit_code == 0
    result = run("refresh", "--no-discover", "--notify", notify)
    assert result.exit_code == 0, result.output
    assert "notify: 1 delivered, 0 failed, 0 waiting in the outbox" in result.stderr
    payload, summary = out.read_text(encoding="utf-8").splitlines()
    assert json.loads(payload)["title"] == "Titre\x00avec NUL"  # the JSON keeps every character
    assert summary == "15-12526QE new question, published 2018-10-02: Titre\ufffdavec NUL"
    assert json.loads(archive().layout.refresh_log.read_text().splitlines()[-1])["notified"] == 1


@pytest.mark.parametrize("watched", [False, True])
def test_control_characters_in_a_title_make_a_feed_that_reads(sites, tmp_path, watched):
    serve_title(sites, f"Titre{CONTROLS}fin")
    assert run("watch", "add", "15-12526QE").exit_code == 0
    assert run("refresh", "--no-discover").exit_code == 0
    out = tmp_path / "feed.atom"
    args = ["--watched"] if watched else ["--days", "100000"]
    result = run("feed", "-o", str(out), *args)
    assert result.exit_code == 0, result.output
    feed = feedparser.parse(out.read_bytes())
    assert not feed.bozo, feed.bozo_exception
    [entry] = feed.entries
    assert "Titre\ufffd" in entry.title and entry.title.endswith("fin")
    assert not set(entry.title) & set(CONTROLS)
