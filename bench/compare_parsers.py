"""qarchive's parsers side by side with anpy, BeautifulSoup and the bare parse, by hand.

Usage: uv run --group bench python bench/compare_parsers.py [--runs N] [--samples DIR]
                                                            [--profile DIR]

Needs the ``bench`` dependency group (anpy, beautifulsoup4, html5lib, lxml,
xmltodict, pyinstrument; see bench/README.md). Every contender runs in this one
process on the same bytes, in interleaved rounds (one call of each contender,
then the next round), and medians are compared, so that a burst of load on the
machine hits them all alike. Before any timing, the fields each contender
extracts are compared with qarchive's record and the differences are printed: a
fast parser that reads the wrong values proves nothing.

Contenders:
- qarchive: ``qarchive.sources.parse``, bytes to validated record (error-page
  check, format detection, parser, Pydantic validation); its parser alone too.
- anpy 0.2.1 (XML export only): ``anpy.question.parse_question(url, xml)``, which
  is xmltodict; it returns an untyped dict of strings.
- BeautifulSoup over lxml and over html5lib (HTML pages): the same fields read
  the way scrapers of these pages are written, label by label.
- the floor: the bare parse of the bytes, no extraction at all (``json.loads``,
  ``ElementTree``, a selectolax lexbor tree).

Results go into bench/README.md with the machine and the date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import re
import statistics
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from qarchive.model.question import Question
from qarchive.sources import detect_format, parse
from qarchive.sources.an import PARSERS
from qarchive.sources.errorpage import check_error_page

try:  # the bench dependency group
    import anpy.question
    from bs4 import BeautifulSoup
    from pyinstrument import Profiler
except ImportError as exc:  # pragma: no cover - a hint, not a feature
    raise SystemExit(
        f"{exc.name} is missing: run `uv sync --group bench` first (see bench/README.md)"
    ) from None

ROOT = Path(__file__).resolve().parent.parent
URL = "https://example.invalid/bench"
Fields = dict[str, str]

# Targets of issue #7: qarchive at least this many times faster than ...
TARGET_VS_HTML5LIB = 30.0
TARGET_VS_ANPY = 2.0
TARGET_VS_FLOOR = 2.0  # ... and at most this many times the floor


# -- the contenders' extractions ------------------------------------------------------

_MONTHS = {
    "janvier": 1, "février": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "août": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12,
}  # fmt: skip


def _squash(text: str | None) -> str:
    return " ".join((text or "").split())


def _date(text: str) -> str:
    """``26 juillet 2022`` or ``26/07/2022`` as ISO, the form qarchive's record has."""
    if match := re.search(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):
        day, month, year = (int(part) for part in match.groups())
    elif match := re.search(r"(\d{1,2})(?:er)?\s+([a-zéû]+)\s+(\d{4})", text):
        day, month, year = int(match[1]), _MONTHS[match[2].lower()], int(match[3])
    else:
        return ""
    return dt.date(year, month, day).isoformat()


def _match(pattern: str, text: str) -> re.Match[str]:
    """The first match of ``pattern`` in ``text``; a page that lacks it stops the bench."""
    found = re.search(pattern, text)
    if found is None:
        raise ValueError(f"{pattern!r} not found in {text[:80]!r}")
    return found


def _civility_and_name(who: str) -> tuple[str, str]:
    civility, _, name = _squash(who).partition(" ")
    return civility, name


def _text_after_label(soup: Any, label: str) -> str:
    """The text of the first element after the text node that holds ``label``."""
    node = soup.find(string=re.compile(label))
    value = node.find_next("span") if node is not None else None
    return _squash(value.get_text(" ")) if value is not None else ""


def soup_dyn(soup: Any) -> Fields:
    """The current /dyn page, as a BeautifulSoup scraper reads it."""
    block = soup.find("div", class_="_style-question")
    heading = _squash(block.find("span", class_="h4").get_text(" "))
    kind, number, title = _match(r"^(Question \w+) n°(\d+) : (.*)$", heading).groups()
    legislature = block.find(string=re.compile("Législature"))
    who, where = _match(r"^(.*?) \((.*)\)$", _text_after_label(block, "Question de")).groups()
    place, _, group = where.partition(" - ")
    civility, name = _civility_and_name(who)
    found = {
        "legislature": _match(r"^\d+", _squash(legislature))[0],
        "number": number,
        "kind": {"Question écrite": "QE"}.get(kind, kind),
        "title": title,
        "civility": civility,
        "author": name,
        "constituency": place,
        "group": group,
        "rubrique": _text_after_label(block, "Rubrique"),
        "ministry_asked": _text_after_label(block, "Ministère interrogé"),
        "ministry_responding": _text_after_label(block, "Ministère répondant"),
    }
    for link in block.find_all("a", string=re.compile("Publication de la")):
        text = _squash(link.get_text(" "))
        what = "published" if "question" in text else "answered"
        found[what] = _date(text)
        found[f"{what}_page"] = _match(r"page (\d+)", text)[1]
    asked = block.find("span", string=re.compile("Question de")).find_parent("p")
    found["text"] = _squash(asked.find_next_sibling("p").get_text(" "))
    answered = block.find("p", string=re.compile(r"Réponse\s+publiée"))
    found["answer_text"] = _squash(answered.find_next_sibling("p").get_text(" "))
    return found


def soup_ez(soup: Any) -> Fields:
    """The eZ Publish "question_*" page, as a BeautifulSoup scraper reads it."""
    author = _squash(soup.find("div", id="question_col80").get_text(" "))
    who, where = _match(r"^de (.*?) \((.*?)\s*\)$", author).groups()
    group, _, place = where.rpartition(" - ")
    civility, name = _civility_and_name(who)
    found = {
        "legislature": _match(r"^\d+", soup.find("header", class_="question_legislature").text)[0],
        "number": _match(r"\d+", soup.find(string=re.compile("Question N°")))[0],
        "kind": {"Question écrite": "QE"}[_squash(soup.find_all(id="question_col10")[1].text)],
        "civility": civility,
        "author": name,
        "group": group,
        "constituency": place,
    }
    labels = {
        "Ministère interrogé": "ministry_asked",
        "Ministère attributaire": "ministry_responding",
        "Rubrique": "rubrique",
        "Tête d'analyse": "heading",
        "Analyse": "analysis",
    }
    for span in soup.find_all("span", class_="question_big_content"):
        label = _squash(span.get_text(" ")).rstrip(" >")
        if label in labels:
            found[labels[label]] = _squash(str(span.next_sibling))
    found["analysis"] = "; ".join(word for word in re.split(r"\.\s*", found["analysis"]) if word)
    for what, label in (("published", "Question publiée"), ("answered", "Réponse publiée")):
        line = soup.find(string=re.compile(label)).parent
        day, page = line.find_all("span")[:2]
        found[what], found[f"{what}_page"] = _date(day.text), _squash(page.text)
    found["text"] = _squash(
        soup.find("h3", string="Texte de la question").find_next_sibling("p").get_text(" ")
    )
    found["answer_text"] = _squash(
        soup.find("h3", string="Texte de la réponse").find_next_sibling("div").get_text(" ")
    )
    return found


def soup_fiche(soup: Any) -> Fields:
    """The "FICHE QUESTION" page and its pseudo-tags, as a BeautifulSoup scraper reads it."""

    def tag(name: str) -> str:
        found = soup.find(name)
        return _squash(found.get_text(" ")) if found is not None else ""

    surname_first = tag("aut").split(" ")
    return {
        "legislature": tag("nleg"),
        "number": tag("num"),
        "kind": tag("nat"),
        "civility": tag("civ"),
        "author": " ".join([surname_first[-1], *surname_first[:-1]]),
        "group": tag("groupe"),
        "constituency": tag("dept"),
        "ministry_asked": tag("mini"),
        "ministry_responding": tag("mina"),
        "rubrique": tag("rub"),
        "heading": tag("tana"),
        "analysis": tag("ana"),
        "published": _date(tag("dpq")),
        "published_page": tag("pgq"),
        "answered": _date(tag("dpr")),
        "answered_page": tag("pgrep"),
        "text": tag("quest"),
        "answer_text": tag("rep"),
    }


def anpy_fields(data: dict[str, Any]) -> Fields:
    """The fields of anpy's dict; its texts are the raw HTML, tags stripped here to compare."""

    def strip(markup: str | None) -> str:
        return _squash(html.unescape(re.sub(r"<[^>]*>", " ", markup or "")))

    deposits = data["DEPOT"] if isinstance(data["DEPOT"], list) else [data["DEPOT"]]
    deposit = next(item for item in deposits if "@NUMERO" in item)
    text = next(item["TEXTE_DEPOT"] for item in deposits if "TEXTE_DEPOT" in item)
    orders = data["MINA"]["ORDRE"]
    latest = orders[-1] if isinstance(orders, list) else orders
    answer = data["REPONSE"]
    return {
        "legislature": data["LEGISLATURE"],
        "number": deposit["@NUMERO"],
        "kind": data["@TYPE"],
        "civility": data["AUTEUR"]["CIVILITE"],
        "author": f"{data['AUTEUR']['PRENOM']} {data['AUTEUR']['NOM']}",
        "group": data["GROUPE"]["LIBELLE"],
        "department": data["CIRCONSCRIPTION"]["DEPARTEMENT"],
        "ministry_asked": data["MINI"]["ABREGE"],
        "ministry_responding": latest["ABREGE"],
        "rubrique": data["INDEXATION_AN"]["@RUBRIQUE"],
        "heading": data["INDEXATION_AN"]["TETE_ANALYSE"],
        "analysis": "; ".join(data["INDEXATION_AN"]["ANALYSE"]["ANA"]),
        "published": _date(deposit["DATE_JO"]),
        "published_page": deposit["PAGE_JO"],
        "answered": _date(answer["DATE_JO_REPONSE"]),
        "answered_page": answer["PAGE_JO_REPONSE"],
        "text": strip(text),
        "answer_text": strip(answer["TEXTE_REPONSE"]),
    }


def record_fields(record: Question) -> Fields:
    """The same fields from qarchive's record, as strings."""
    author, answer = record.author, record.answer
    found = {
        "legislature": str(record.legislature),
        "number": str(record.number),
        "kind": record.kind,
        "title": record.title or "",
        "civility": author.civility or "",
        "author": author.name or "",
        "group": author.group.full or "" if author.group else "",
        "constituency": author.constituency or "",
        "department": author.department or "",
        "ministry_asked": record.ministry_asked.name if record.ministry_asked else "",
        "ministry_responding": (
            record.ministry_responding.name if record.ministry_responding else ""
        ),
        "rubrique": record.rubrique or "",
        "heading": record.heading or "",
        "analysis": "; ".join(record.analysis),
        "published": record.published.date.isoformat(),
        "published_page": str(record.published.page or ""),
        "answered": answer.published.date.isoformat() if answer else "",
        "answered_page": str(answer.published.page or "") if answer else "",
        "text": record.text or "",
        "answer_text": (answer.text or "") if answer else "",
    }
    return {key: _squash(value) for key, value in found.items()}


def differences(reference: Fields, other: Fields) -> list[str]:
    """The fields ``other`` reads differently from qarchive, one line each.

    Texts are compared word for word: paragraph breaks and the `` | `` between
    table cells are qarchive's layout, not content.
    """
    lines = []
    for key, value in other.items():
        mine = reference.get(key, "")
        if key.endswith("text"):
            mine, value = (" ".join(w for w in s.split() if w != "|") for s in (mine, value))
        if value != mine:
            lines.append(f"{key}: qarchive {_shorten(mine)!r}, other {_shorten(value)!r}")
    return lines


def _shorten(text: str) -> str:
    return text if len(text) <= 70 else f"{text[:40]}…{text[-25:]} ({len(text)} chars)"


# -- the cases ----------------------------------------------------------------------------


@dataclass
class Case:
    """One input and everything timed on it."""

    name: str
    path: str  # under the samples folder
    floor_name: str
    floor: Callable[[bytes], object]
    others: dict[str, Callable[[bytes], Fields]] = field(default_factory=dict)
    slow: frozenset[str] = frozenset()  # timed every tenth round only


def _soup(builder: str, extract: Callable[[Any], Fields]) -> Callable[[bytes], Fields]:
    return lambda content: extract(BeautifulSoup(content, builder))


def _anpy(content: bytes) -> Fields:
    return anpy_fields(anpy.question.parse_question(URL, content))


SOUP_CONTENDERS = ("BeautifulSoup + lxml", "BeautifulSoup + html5lib")
CASES = [
    Case(
        "an_question_xml",
        "an/question_xml/q14_14-47351QE.xml",
        "ElementTree",
        ET.fromstring,
        {"anpy 0.2.1 (xmltodict)": _anpy},
    ),
    *(
        Case(
            name,
            path,
            "lexbor tree",
            LexborHTMLParser,
            dict(zip(SOUP_CONTENDERS, (_soup("lxml", read), _soup("html5lib", read)), strict=True)),
            frozenset(SOUP_CONTENDERS),
        )
        for name, path, read in (
            ("an_dyn_html", "an/dyn/QANR5L16QE200.unwrapped-from-cocoa.html", soup_dyn),
            ("an_ez_htm", "an/legacy_htm/14-3200QE.unwrapped-from-cocoa.htm", soup_ez),
            ("an_fiche_htm", "an/legacy_htm/11-450QE.unwrapped-from-cocoa.htm", soup_fiche),
        )
    ),
    Case("an_opendata_json", "an/opendata_json/QANR5L17QE5268.json", "json.loads", json.loads),
]


def time_case(case: Case, content: bytes, runs: int) -> dict[str, float]:
    """Median seconds of each contender, timed in interleaved rounds."""
    parser = PARSERS[detect_format(content, url=URL)]
    contenders: dict[str, Callable[[bytes], object]] = {
        "qarchive": lambda data: parse(data, url=URL),
        "  parser alone": lambda data: parser(data, url=URL),
        "  error-page check": lambda data: check_error_page(data, url=URL),
        "  format detection": lambda data: detect_format(data, url=URL),
        **case.others,
        f"floor: {case.floor_name}": case.floor,
    }
    timings: dict[str, list[float]] = {name: [] for name in contenders}
    for func in contenders.values():  # warm-up: imports, caches, compiled regexes
        func(content)
    for round_ in range(runs):
        for name, func in contenders.items():
            if name in case.slow and round_ % 10:
                continue
            start = time.perf_counter()
            func(content)
            timings[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in timings.items()}


def report(case: Case, content: bytes, medians: dict[str, float]) -> list[str]:
    """Print the case's timings; return its lines for the targets summary."""
    mine = medians["qarchive"]
    floor = next(value for name, value in medians.items() if name.startswith("floor"))
    print(f"\n{case.name}  {case.path}  ({len(content):,} bytes)")
    for name, seconds in medians.items():
        if name == "qarchive":
            note = f"{mine / floor:.1f}× the floor"
        elif name.startswith("  "):
            note = f"{seconds / mine:.0%} of qarchive"
        elif name.startswith("floor"):
            note = ""
        else:
            note = f"{seconds / mine:.1f}× qarchive's time"
        print(f"  {name:<30} {seconds * 1000:>9.3f} ms   {note}")
    targets = [_target(case.name, "vs floor", floor / mine, 1 / TARGET_VS_FLOOR, mine / floor)]
    for name, seconds in medians.items():
        if "html5lib" in name:
            targets.append(_target(case.name, name, seconds / mine, TARGET_VS_HTML5LIB))
        elif name.startswith("anpy"):
            targets.append(_target(case.name, name, seconds / mine, TARGET_VS_ANPY))
    return targets


def _target(
    case: str, against: str, speedup: float, wanted: float, floor_ratio: float | None = None
) -> str:
    met = "met" if speedup >= wanted else "MISSED"
    if floor_ratio is not None:
        shown = f"qarchive {floor_ratio:.1f}× the floor (target ≤ {TARGET_VS_FLOOR:.0f}×)"
    else:
        shown = f"qarchive {speedup:.1f}× faster than {against} (target ≥ {wanted:.0f}×)"
    return f"  {case:<18} {shown:<64} {met}"


def check_fields(case: Case, content: bytes) -> None:
    """Print where each contender's fields differ from qarchive's record."""
    reference = record_fields(parse(content, url=URL))
    for name, extract in case.others.items():
        found = differences(reference, extract(content))
        print(f"  {case.name:<18} {name:<28} ", end="")
        print(f"{len(found)} field(s) differ:" if found else "same values", *found, sep="\n      ")


def profile(cases: list[Case], samples: Path, folder: Path, runs: int) -> None:
    """Write a pyinstrument profile of qarchive's parse of each sample, as text and HTML."""
    folder.mkdir(parents=True, exist_ok=True)
    for case in cases:
        content = (samples / case.path).read_bytes()
        profiler = Profiler(interval=0.0001)
        profiler.start()
        for _ in range(runs):
            parse(content, url=URL)
        profiler.stop()
        (folder / f"{case.name}.txt").write_text(profiler.output_text(unicode=True))
        (folder / f"{case.name}.html").write_text(profiler.output_html())
        print(f"profile of {runs} parses of {case.path}: {folder / case.name}.txt")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=300, help="rounds (BeautifulSoup: a tenth)")
    parser.add_argument("--samples", type=Path, default=ROOT.parent / "shared" / "samples")
    parser.add_argument("--profile", type=Path, help="write pyinstrument profiles here and stop")
    args = parser.parse_args()
    if args.profile:
        profile(CASES, args.samples, args.profile, args.runs)
        return
    print("Fields read by each contender, against qarchive's record:")
    for case in CASES:
        if case.others:
            check_fields(case, (args.samples / case.path).read_bytes())
    print(f"\nMedians of {args.runs} interleaved rounds (BeautifulSoup: {args.runs // 10}).")
    targets = []
    for case in CASES:
        content = (args.samples / case.path).read_bytes()
        targets += report(case, content, time_case(case, content, args.runs))
    print("\nTargets (issue #7):", *targets, sep="\n")


if __name__ == "__main__":
    main()
