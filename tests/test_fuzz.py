"""Hostile input: mutated real pages and arbitrary IDs never escape the error tree.

The number of cases is modest for CI; set QARCHIVE_SOAK=1 for a long run.
"""

import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qarchive.errors import FetchError, InvalidQuestionId, ParseError
from qarchive.model.ids import parse_question_id
from qarchive.settings import Settings
from qarchive.sources import parse
from qarchive.sources.an.urls import source_urls
from qarchive.store.archive import Archive

SETTINGS = Settings()

SOAK = bool(os.environ.get("QARCHIVE_SOAK"))
CASES = 5_000 if SOAK else 150
ID_CASES = 100_000 if SOAK else 3_000
TIME_BOUND = 2.0  # seconds for one parse of a mutated page (real pages take a few ms)

SAMPLES = [
    "an/opendata_json/QANR5L17QE5268.json",
    "an/dyn/QANR5L16QE200.unwrapped-from-cocoa.html",
    "an/legacy_htm/14-3200QE.unwrapped-from-cocoa.htm",
    "an/legacy_htm/11-450QE.unwrapped-from-cocoa.htm",
    "an/question_xml/q14_14-47351QE.xml",
]


@st.composite
def mutations(draw, page: bytes) -> bytes:
    """Cut, duplicate, overwrite or truncate parts of a real page."""
    data = bytearray(page)
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        start = draw(st.integers(0, len(data) - 1))
        end = min(len(data), start + draw(st.integers(1, 2_000)))
        action = draw(st.sampled_from(["delete", "duplicate", "overwrite", "truncate", "insert"]))
        if action == "delete":
            del data[start:end]
        elif action == "duplicate":
            data[start:start] = data[start:end]
        elif action == "overwrite":
            data[start:end] = draw(st.binary(min_size=end - start, max_size=end - start))
        elif action == "truncate":
            del data[start:]
        else:
            data[start:start] = draw(
                st.sampled_from(
                    [b"<", b"</div>", b"&", b"\xc3", b"\x00", b"{", b'"', b"]]>", b"<p>"]
                )
            )
    return bytes(data)


@pytest.mark.parametrize("sample", SAMPLES)
def test_mutated_pages_give_a_record_or_a_parse_error(samples_dir: Path, sample: str) -> None:
    page = (samples_dir / sample).read_bytes()

    @settings(max_examples=CASES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(mutations(page))
    def check(content: bytes) -> None:
        started = time.perf_counter()
        try:
            record = parse(content, url="https://example.invalid/page")
        except (ParseError, FetchError):  # UnknownFormat, ErrorPage: the parser's own errors
            pass
        else:
            assert record.id and record.published.date
        assert time.perf_counter() - started < TIME_BOUND

    check()


@settings(max_examples=ID_CASES, deadline=None)
@given(
    st.one_of(
        st.text(max_size=120),
        st.from_regex(r"(https?://)?[a-z.]{0,30}(/[A-Za-z0-9%._-]{0,20}){0,5}", fullmatch=True),
        st.from_regex(r"q?(SEQ|QANR5L)?\d{0,5}[-A-Za-z]{0,5}\d{0,8}", fullmatch=True),
    )
)
def test_arbitrary_ids_and_urls_never_leak(text: str) -> None:
    try:
        qid = parse_question_id(text)
    except InvalidQuestionId as exc:
        assert "\n" not in str(exc).replace(text, "")
        return
    # Whatever is accepted makes a safe path component and a safe URL path, and
    # every URL built from it goes to a configured host.
    for part in (qid.canonical, qid.uid):
        assert part.isalnum() or part.replace("-", "").isalnum()
    for source in source_urls(qid, SETTINGS):
        assert urlsplit(source.url).netloc in SETTINGS.allowed_hosts
    path = Archive(Path("/archive")).question_dir(qid)
    assert path.resolve().is_relative_to(Path("/archive/questions"))
