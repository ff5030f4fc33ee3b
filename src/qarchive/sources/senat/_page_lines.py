"""Reading the text of a Sénat question page, line by line and label by label.

:mod:`qarchive.sources.senat.page` turns the page into clean lines of text; this
module finds the question's header among them and reads what each label says.
Every template words its labels the same way ("publiée le", "- page N",
"Réponse du …", "La question est caduque"), so one reader serves them all. Each
pattern is matched against a whole line of at most ``LABEL_MAX`` characters: a
paragraph of text that merely mentions a label is never taken for one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from qarchive.errors import NotYetPublished
from qarchive.model.question import Erratum, Ministry, Publication
from qarchive.sources.senat._common import senat_ministry, unrecognised
from qarchive.sources.text import normalize_space

__all__ = ["DATE", "LABEL_MAX", "PageFacts", "parse_date", "read_lines"]

LABEL_MAX = 1000  # labels are short: longer lines are text, and cost no regex time

DATE = r"(?P<date>\d{1,2}/\d{1,2}/\d{4})"
_PAGE = r"(?:\s*[-–,]?\s*(?:page|p\.)\s*(?P<page>\d{1,6}))?"
_JO = rf"[Pp]ubli[ée]e\s+(?:le|dans\s+le\s+J\.?\s?O\.?(?:\s+Sénat)?\s+du)\s*{DATE}{_PAGE}"
_WHO = r"(?P<civ>M\.|Mme|Mlle|MM\.)\s*(?P<name>[^()]{1,150}?)\s*\((?P<where>[^()]{0,300})\)"
_OF = r"(?:du|des|de\s+la|de\s+l['’]|à\s+la|à\s+l['’]|aux|au|à|de)\s*"
_END_DOT = r"\s*\.?"

# The question's header, current template, then the 2010-2018 and c.2000s one.
_HEADER = re.compile(rf"Question\s+de\s+{_WHO}(?:\s*{_JO})?{_END_DOT}")
_OLD_HEADER = re.compile(
    rf"(?P<nature>Question[^()]{{0,80}}?)\s+[Nn]\s*[°º]\s*(?P<number>\d{{1,5}}[A-Za-z]?)"
    rf"\s+de\s+{_WHO}(?:\s*{_JO})?{_END_DOT}"
)
# Before the header: "14e législature", "Question écrite n°07859 - 17e législature".
_LEGISLATURE = re.compile(
    r"(?:.{0,200}\s[-–]\s)?(?P<leg>\d{1,2})\s*(?:e|è|ème|eme|re|er)\s*législature"
)
_NATURE = re.compile(
    r"(?P<nature>Question[^°º]{0,80}?)\s+[Nn]\s*[°º]\s*(?P<number>\d{1,5}[A-Za-z]?)\b"
)
_NATURES = (
    ("orale sans débat", "QOSD"),
    ("orale avec débat portant sur un sujet européen", "QOAE"),
    ("orale européenne", "QOAE"),
    ("orale avec débat", "QOAD"),
    ("actualité", "QG"),
    ("crible", "QC"),
    ("écrite", "QE"),
)
_KEY_ASKED = re.compile(r"Minist(?:re|ère)\s+interrogée?(?:\s*\(e\))?\s*:?\s*(?P<value>.*)")
_KEY_REASSIGNED = re.compile(r"Question\s+réattribuée\s+à\s*:?\s*(?P<value>.*)")

# After the header, one pattern per label; each is matched against a whole line.
_PAGE_LINE = re.compile(r"[-–]\s*page\s*(?P<page>\d{1,6})" + _END_DOT)
_JO_LINE = re.compile(_JO + _END_DOT)
_ANSWER = re.compile(rf"Réponse\s+{_OF}(?P<label>.{{1,400}}?)(?:\s+{_JO})?{_END_DOT}")
_SESSION = re.compile(rf"Réponse\s+apportée\s+en\s+séance\s+publique\s+le\s+{DATE}{_END_DOT}")
_PENDING = re.compile(rf"En\s+attente\s+de\s+réponse\s+{_OF}(?P<label>.{{1,400}}?){_END_DOT}")
_TRANSMITTED = re.compile(
    rf"Transmise\s+{_OF}(?P<label>.{{1,400}}?)(?:\s*,?\s+le\s+{DATE})?{_END_DOT}"
)
_CLOSURES = re.compile(
    r"La\s+question\s+est\s+caduque.{0,300}"
    r"|La\s+question\s+a\s+été\s+retirée.{0,300}"
    r"|Transformée\s+en\b.{0,300}"
)
_REMINDER = re.compile(r"Rappelle\s+la\s+question\b.{0,300}")
_THEME = re.compile(r"Concerne\s+(?:le|les)\s+thèmes?\s*:\s*(?P<theme>.{1,300})")
_ERRATUM = re.compile(rf"Erratum\b.{{0,80}}?{DATE}{_PAGE}.{{0,80}}")
_NOT_DIGITISED = re.compile(
    r"Le\s+texte\s+de\s+cette\s+(?P<what>question|réponse)\s+n['’]est\s+pas\s+disponible"
    r"\s+en\s+format\s+numérique" + _END_DOT
)
_NO_ANSWER_YET = re.compile(
    r".{0,200}réponse\s+n['’]est\s+pas\s+disponible\s+à\s+ce\s+jour.{0,200}"
)
_NOT_YET_PUBLISHED = re.compile(r"Le\s+texte\s+de\s+cette\s+question\s+sera\s+publié")
_END = re.compile(r"Page\s+mise\s+à\s+jour\s+le\b")


@dataclass
class PageFacts:
    """What the lines of text say, collected label by label."""

    legislature: int | None = None
    kind: str | None = None
    number: str | None = None
    header: re.Match[str] | None = None
    published: dt.date | None = None
    page: int | None = None
    question_lines: list[str] = field(default_factory=list)
    answer_lines: list[str] = field(default_factory=list)
    reading: str = "question"  # which text plain lines belong to: question, answer or none
    asked: Ministry | None = None
    transmitted: Ministry | None = None
    transmitted_on: dt.date | None = None
    answer_seen: bool = False
    answer_ministry: Ministry | None = None
    answer_date: dt.date | None = None
    answer_page: int | None = None
    session_date: dt.date | None = None
    no_answer_yet: bool = False
    closure: str | None = None
    reminder: str | None = None
    themes: list[str] = field(default_factory=list)
    errata: list[Erratum] = field(default_factory=list)


def read_lines(lines: list[str], *, url: str) -> PageFacts:
    """Read the lines of a page's text: the header, what precedes it and what follows.

    Args:
        lines: the page as clean text, one line per element or ``<br>``, blank
            lines between paragraphs.
        url: the page's URL, for error messages.

    Returns:
        What the labels say; the caller builds the record from it.

    Raises:
        NotYetPublished: a line says the question's text will be published later.
        UnknownFormat: no line is a question header.
    """
    for line in lines:
        if _NOT_YET_PUBLISHED.match(line):
            raise NotYetPublished(
                f"{url}: the question is not yet published, the page is no version of it "
                f"(the Sénat says {line!r})",
                url=url,
            )
    start = _find_header(lines, url=url)
    facts = PageFacts()
    _read_preamble(lines[:start], facts)
    _read_header(lines[start], facts)
    _read_body(lines[start + 1 :], facts)
    return facts


def _find_header(lines: list[str], *, url: str) -> int:
    for index, line in enumerate(lines):
        if len(line) <= LABEL_MAX and (_HEADER.fullmatch(line) or _OLD_HEADER.fullmatch(line)):
            return index
    raise unrecognised(url, "no 'Question de M. … (Département - GROUPE)' header found")


def _read_preamble(lines: list[str], facts: PageFacts) -> None:
    """Legislature, nature and number, "Les informations clés" blocks."""
    pending_key: str | None = None
    for line in (line for line in lines if line and len(line) <= LABEL_MAX):
        if pending_key is not None:  # the value under a "Ministre interrogé(e)" heading
            _read_key_value(pending_key, line, facts)
            pending_key = None
            continue
        if match := _LEGISLATURE.fullmatch(line):
            facts.legislature = int(match["leg"])
        if match := _NATURE.match(line):
            facts.kind, facts.number = _kind_of(match["nature"]), match["number"].upper()
        for key, pattern in (("asked", _KEY_ASKED), ("reassigned", _KEY_REASSIGNED)):
            if match := pattern.fullmatch(line):
                if match["value"]:
                    _read_key_value(key, match["value"], facts)
                else:
                    pending_key = key
        if match := _PENDING.fullmatch(line):
            facts.asked = facts.asked or senat_ministry(match["label"])
        elif match := _TRANSMITTED.fullmatch(line):
            _transmitted(match, facts)


def _read_key_value(key: str, value: str, facts: PageFacts) -> None:
    if key == "asked":
        facts.asked = senat_ministry(value)
    else:
        facts.transmitted = senat_ministry(value)


def _kind_of(nature: str) -> str | None:
    lowered = normalize_space(nature).lower().replace("’", "'")
    return next((kind for words, kind in _NATURES if words in lowered), None)


def _read_header(line: str, facts: PageFacts) -> None:
    match = _HEADER.fullmatch(line) or _OLD_HEADER.fullmatch(line)
    assert match is not None  # _find_header found it
    facts.header = match
    if "number" in match.re.groupindex:
        facts.kind = _kind_of(match["nature"]) or facts.kind
        facts.number = match["number"].upper()
    if match["date"]:
        facts.published, facts.page = parse_date(match["date"]), _int(match["page"])


def _read_body(lines: list[str], facts: PageFacts) -> None:
    for index, line in enumerate(lines):
        if not line:
            _add_text(facts, "")
            continue
        if _END.match(line):
            return
        if len(line) <= LABEL_MAX and (
            _read_dates(line, lines, index, facts) or _read_status(line, facts)
        ):
            continue
        _add_text(facts, line)


def _add_text(facts: PageFacts, line: str) -> None:
    if facts.reading == "question":
        facts.question_lines.append(line)
    elif facts.reading == "answer":
        facts.answer_lines.append(line)


def _read_dates(line: str, lines: list[str], index: int, facts: PageFacts) -> bool:
    """JO dates and pages of question and answer; the answer's header (``lines[index]``)."""
    in_answer = facts.answer_seen
    if (match := _PAGE_LINE.fullmatch(line) or _JO_LINE.fullmatch(line)) is not None:
        day = parse_date(match["date"]) if "date" in match.re.groupindex else None
        if in_answer:
            facts.answer_date = facts.answer_date or day
            facts.answer_page = facts.answer_page or _int(match["page"])
        else:
            facts.published = facts.published or day
            facts.page = facts.page or _int(match["page"])
        _close_text(facts)
        return True
    if match := _SESSION.fullmatch(line):
        facts.session_date = parse_date(match["date"])
        facts.answer_seen, facts.reading = True, "answer"
        return True
    if (match := _ANSWER.fullmatch(line)) is not None and (
        match["date"] or _announces_answer(lines, index + 1)
    ):
        facts.answer_seen, facts.reading = True, "answer"
        facts.answer_ministry = senat_ministry(match["label"])
        facts.answer_date, facts.answer_page = parse_date(match["date"]), _int(match["page"])
        return True
    return False


def _close_text(facts: PageFacts) -> None:
    """A JO line after a text ends it: what follows is not part of it."""
    lines = facts.answer_lines if facts.reading == "answer" else facts.question_lines
    if facts.reading != "none" and any(lines):
        facts.reading = "none"


def _announces_answer(lines: list[str], start: int) -> bool:
    """A bare "Réponse du Ministère …" heading is one when dates or placeholders follow it."""
    following = next((line for line in lines[start : start + 3] if line), "")
    return bool(
        _JO_LINE.fullmatch(following)
        or _SESSION.fullmatch(following)
        or _NOT_DIGITISED.fullmatch(following)
        or _NO_ANSWER_YET.fullmatch(following)
    )


def _read_status(line: str, facts: PageFacts) -> bool:
    """Everything else a label says: ministries, closures, rappels, themes, errata."""
    if _NOT_DIGITISED.fullmatch(line):
        return True  # the text stays None: nothing is collected for it
    if _NO_ANSWER_YET.fullmatch(line):
        facts.no_answer_yet = True
    elif match := _PENDING.fullmatch(line):
        facts.asked = facts.asked or senat_ministry(match["label"])
    elif match := _TRANSMITTED.fullmatch(line):
        _transmitted(match, facts)
    elif _CLOSURES.fullmatch(line):
        facts.closure = facts.closure or line
    elif _REMINDER.fullmatch(line):
        facts.reminder = facts.reminder or line
    elif match := _THEME.fullmatch(line):
        facts.themes.append(match["theme"].rstrip(" ."))
    elif match := _ERRATUM.fullmatch(line):
        if (day := parse_date(match["date"])) is not None:
            target = "answer" if facts.answer_seen else "question"
            published = Publication(date=day, page=_int(match["page"]))
            facts.errata.append(Erratum(target=target, published=published))
    else:
        return False
    return True


def _transmitted(match: re.Match[str], facts: PageFacts) -> None:
    facts.transmitted = senat_ministry(match["label"])
    facts.transmitted_on = parse_date(match["date"]) if match["date"] else None


def parse_date(text: str | None) -> dt.date | None:
    """A dd/mm/yyyy date, or None when absent or impossible (31/02/2018)."""
    if not text:
        return None
    day, month, year = (int(part) for part in text.split("/"))
    try:
        return dt.date(year, month, day)
    except ValueError:  # 31/02/2018 and the like
        return None


def _int(text: str | None) -> int | None:
    return int(text) if text else None
