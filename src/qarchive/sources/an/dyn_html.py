"""Parser for the current AN question page, ``/dyn/{leg}/questions/QANR5L{leg}QE{n}``.

The page (``samples/an/README.md`` §2c) shows the question and answer texts in
one column and "Données clés" (author, rubrique, ministries, dates) in another,
every value behind a French label ("Rubrique :", "Ministère répondant :"). Texts
are full of runs of spaces and newlines and the markup has shifted between
captures, so the parser reads labels and text, not positions: it takes the two
texts out of the tree, flattens the rest into lines and matches labels line by line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from itertools import takewhile
from typing import Any

from pydantic import ValidationError
from selectolax.lexbor import LexborHTMLParser, LexborNode

from qarchive.errors import ParseError
from qarchive.model.ids import QuestionId
from qarchive.model.places import is_region, single_department_region
from qarchive.model.question import (
    Answer,
    Author,
    Closure,
    Group,
    Ministry,
    Publication,
    Question,
    Source,
    SourceFormat,
)
from qarchive.sources.an._common import (
    closure_status,
    identity,
    page_tree,
    question_id,
    unrecognised,
)
from qarchive.sources.text import html_to_text, normalize_space, parse_french_date, split_civility

__all__ = ["parse"]

_Match = re.Match[str] | None

_NOISE = "script, style, noscript, form, button, nav, header, footer, .bloc-actions"
_DATE = r"\d{1,2}(?:er)?\s+[a-zéèûô]+\s+\d{4}"
_UID = re.compile(r"QANR5L(?P<leg>\d{1,3})(?P<kind>QE|QG|QOSD)(?P<num>\d{1,7})", re.IGNORECASE)
_HEADING = re.compile(
    r"(?P<kind>Question\s+(?:écrite|au\s+gouvernement|orale(?:\s+sans\s+débat)?))"
    r"\s*(?:n\s*[°º]\s*(?P<num>\d{1,7}))?\s*:\s*(?P<title>.*)",
    re.IGNORECASE,
)
_LEGISLATURE = re.compile(r"\b(\d{1,3})\s*(?:ème|eme|e|è)\s+législature\b", re.IGNORECASE)
_LABEL = re.compile(r"(?P<label>[^:]{2,40}?)\s*:\s*(?P<value>.*)")
_JO = re.compile(
    rf"Publication\s+de\s+la\s+(?P<what>question|réponse)\s+au\s+Journal\s+Officiel\s+du\s+"
    rf"(?P<date>{_DATE})(?:\s*,?\s*page\s+(?P<page>\d{{1,9}}))?",
    re.IGNORECASE,
)
# Oral and government questions: "…, posée en séance, et publiée le 26 octobre 2022"
# (the question) and "Réponse en séance, et publiée le 24 mai 2023" (the answer).
_IN_SESSION = r"(?:\s+en\s+séance\s*,?\s*et)?"
_PUBLISHED_ON = re.compile(
    rf"(?P<what>Question|Réponse|posée){_IN_SESSION}\s+publiée\s+le\s+(?P<date>{_DATE})", re.I
)
_ANSWER_HEADING = re.compile(
    rf"Réponse{_IN_SESSION}\s+publiée(?:\s+le)?(?:\s+{_DATE})?", re.IGNORECASE
)
# "Date de la séance : La question a été posée au Gouvernement en séance, parue dans
# le journal officiel le 26 octobre 2022": despite the label, the date is the JO's
# (NosDéputés dates the sitting of 16-200QG 25 October 2022; the open data of
# 17-1QG says JO 2024-10-03 for a question asked on 2 October 2024), and on an oral
# question it is the JO of the question, not of the answer.
_IN_JOURNAL = re.compile(rf"parue\s+dans\s+le\s+journal\s+officiel\s+le\s+({_DATE})", re.I)
_SITTING = "date de la séance"
# What follows the author's parenthesis on a government question's line.
_AFTER_AUTHOR = re.compile(r"\s*,\s*posée\s+en\s+séance\b.*", re.IGNORECASE)
_QUESTION_DE = re.compile(r"Question\s+de\s*:", re.IGNORECASE)
_KEY_DATA = re.compile(
    r"Données clés|(?:Auteur|Rubrique|Dates?|Date de cl[ôo]ture|Type de question)\s*:", re.I
)
_CLOSURE = re.compile(r"Date\s+de\s+cl[ôo]ture\s*:\s*(?P<rest>.*)", re.IGNORECASE)
_OTHER_CLOSURE = re.compile(r"\b(?:retirée|transformée)\b", re.IGNORECASE)
_CIRCONSCRIPTION = re.compile(
    r"(?P<dep>.+?)\s*\(\s*(?P<n>\d{1,2})\s*(?:e|è|ème|eme|re|ère|er)\s+circonscription\s*\)",
    re.IGNORECASE,
)
_AUTHOR = re.compile(r"(?P<who>[^()]+?)\s*\((?P<where>.*)\)")
# Places are hyphenated without spaces ("Seine-Saint-Denis"); group names may hold
# " - " themselves ("Écologiste - NUPES"), so the place ends at the first separator.
_PLACE_GROUP = re.compile(r"\s+[-–—]\s+")
_ACTOR_REF = re.compile(r"\bPA\d{1,9}\b")
_KINDS = {
    "question écrite": "QE",
    "question au gouvernement": "QG",
    "question orale sans débat": "QOSD",
    "question orale": "QOSD",  # the 16th legislature's pages say only this
}


def parse(content: bytes, *, url: str) -> Question:
    """Parse one question page of the current AN site into a record.

    Args:
        content: the page's bytes, in the charset it declares.
        url: the URL it was fetched from (kept in ``source.url``).

    Returns:
        The record; ``url`` is the question's canonical public page.

    Raises:
        UnknownFormat: the page shows no question number or uid, no legislature,
            no publication date, or an answer text without an answer date.
        ParseError: the values found do not make a valid record.

    Example:
        ``parse(page, url=".../dyn/16/questions/QANR5L16QE200").id == "16-200QE"``
    """
    tree = page_tree(content)
    block = _question_block(tree, url=url)
    question_text, answer_text = _take_texts(block)
    lines = [line.strip() for line in html_to_text(block).splitlines() if line.strip()]
    labels = _labels(lines)
    heading = next((match for line in lines if (match := _HEADING.fullmatch(line))), None)
    qid = _identity(tree, lines, labels, heading, url=url)
    published, answered = _publications(lines, labels.get(_SITTING))
    if published is None:
        raise unrecognised(url, "no publication date for the question")
    if qid.kind == "QG" and answer_text is None:
        # A QG is asked and answered in one sitting, printed once in the JO's
        # debates: the page shows that exchange after the author, where the other
        # formats (open data, legacy pages) give it as the answer, in the same JO.
        question_text, answer_text = None, question_text
        answered = answered or (published if answer_text is not None else None)
    if answer_text is not None and answered is None:
        raise unrecognised(url, "an answer text without an answer date")
    asked, responding = (
        Ministry(name=name) if name else None
        for name in (labels.get("ministère interrogé"), labels.get("ministère répondant"))
    )
    answer = None
    if answered is not None:
        answer = Answer(
            published=answered,
            ministry=responding,
            text=answer_text,
            session_date=_sitting(labels.get(_SITTING)),
        )
    closed = _closure(lines)
    try:
        return Question(
            **identity(qid),
            title=(heading["title"] or None) if heading else None,
            rubrique=labels.get("rubrique") or None,
            author=_author(lines, block),
            ministry_asked=asked,
            ministry_responding=responding,
            published=published,
            text=question_text,
            answer=answer,
            status=closure_status(None, closed.reason if closed else None, answered=bool(answer)),
            closed=closed,
            source=Source(format=SourceFormat.AN_DYN_HTML, url=url),
        )
    except ValidationError as exc:
        raise ParseError(f"invalid question record at {url}: {exc}", url=url) from None


def _question_block(tree: LexborHTMLParser, *, url: str) -> LexborNode:
    block = tree.css_first("div._style-question") or tree.css_first("main") or tree.body
    if block is None:
        raise unrecognised(url, "no HTML body")
    for node in block.css(_NOISE):
        node.decompose()
    return block


def _take_texts(block: LexborNode) -> tuple[str | None, str | None]:
    """Return the question and answer texts, and remove them from the tree.

    The question's paragraphs follow the "Question de :" paragraph; the answer's
    follow the "Réponse publiée le …" heading. Removing both keeps words of the
    texts from being read as labels or statuses.
    """
    # The "Dates :" list repeats "Réponse publiée le …" inside a longer paragraph;
    # the heading is a paragraph of its own, followed by the answer.
    heading = None
    for node in _paragraphs_starting(block, _ANSWER_HEADING):
        if _ANSWER_HEADING.fullmatch(normalize_space(node.text())) and _following(node):
            heading = node
            break
    answer_nodes = _following(heading) if heading is not None else []
    question_nodes = []
    for author in _paragraphs_starting(block, _QUESTION_DE):
        for sibling in _following(author):
            text = normalize_space(sibling.text())
            if sibling is heading or _ANSWER_HEADING.match(text) or _KEY_DATA.match(text):
                break
            question_nodes.append(sibling)
        break
    texts = [
        html_to_text("".join(node.html or "" for node in nodes)) or None
        for nodes in (question_nodes, answer_nodes)
    ]
    for node in (*question_nodes, *answer_nodes):
        node.decompose()
    return texts[0], texts[1]


def _paragraphs_starting(block: LexborNode, pattern: re.Pattern[str]) -> Iterator[LexborNode]:
    """The paragraphs (or other blocks) holding a text that starts with ``pattern``."""
    for node in block.traverse(include_text=True):
        if node.is_text_node and pattern.match((node.text_content or "").lstrip()):
            current = node.parent or node
            while current.tag not in ("p", "div", "li", "dd", "td", "section") and current.parent:
                current = current.parent
            yield current


def _following(node: LexborNode) -> list[LexborNode]:
    """The node's next siblings: elements, and text that a ``<table>`` cut out of its ``<p>``."""
    siblings, sibling = [], node.next
    while sibling is not None:
        if sibling.is_element_node or normalize_space(sibling.text_content or ""):
            siblings.append(sibling)
        sibling = sibling.next
    return siblings


def _labels(lines: list[str]) -> dict[str, str]:
    """Map each ``Label : value`` line to its value (the next line when empty)."""
    values: dict[str, str] = {}
    for index, line in enumerate(lines):
        if (match := _label(line)) is None:
            continue
        value = match["value"]
        if not value and index + 1 < len(lines) and not _label(lines[index + 1]):
            value = lines[index + 1]
        label = normalize_space(match["label"]).casefold().replace("attributaire", "répondant")
        values.setdefault(label, normalize_space(value))
    return values


def _label(line: str) -> _Match:
    """``_LABEL.fullmatch(line)``, skipping the regex for lines without a colon."""
    return _LABEL.fullmatch(line) if ":" in line else None


def _identity(
    tree: LexborHTMLParser, lines: list[str], labels: dict[str, str], heading: _Match, *, url: str
) -> QuestionId:
    holders = tree.css('div._style-question[data-id], meta[property="og:url"]')
    ids = [n.attributes.get("data-id") or n.attributes.get("content") or "" for n in holders]
    uid = next((match for text in ids if (match := _UID.search(text))), None)
    shown = next(
        (m for line in lines if "lég" in line.lower() and (m := _LEGISLATURE.search(line))), None
    )
    kind_label = labels.get("type de question") or (heading["kind"] if heading else "")
    kind = _KINDS.get(normalize_space(kind_label).casefold())
    legislature = _agree("legislature", shown[1] if shown else None, uid and uid["leg"], url=url)
    kind = _agree("kind", kind, uid and uid["kind"].upper(), url=url)
    number = _agree("number", heading["num"] if heading else None, uid and uid["num"], url=url)
    return question_id(
        int(legislature) if legislature else None, kind, int(number) if number else None, url=url
    )


def _agree(what: str, shown: str | None, uid: str | None, *, url: str) -> str | None:
    """The value the page shows or its uid holds; a page where they differ is refused."""
    if shown and uid and shown.lstrip("0") != uid.lstrip("0"):
        raise unrecognised(url, f"the page shows {what} {shown} but its uid says {uid}")
    return shown or uid


def _publications(
    lines: list[str], sitting: str | None
) -> tuple[Publication | None, Publication | None]:
    """The question's and the answer's JO publications.

    The JO links ("Publication de la question au Journal Officiel du …, page …")
    carry the page; the "… publiée le …" lines (also "posée en séance, et publiée
    le …" and "Réponse en séance, et publiée le …"), the fallback, only the date;
    the "Date de la séance" block's JO date, the last resort, the question's.
    """
    found: dict[str, Publication] = {}
    for pattern in (_JO, _PUBLISHED_ON):
        # Both patterns need "publ" (no letter of it folds oddly): a cheap test per line.
        hits = (m for line in lines if "publ" in line.lower() for m in pattern.finditer(line))
        for match in hits:
            day, page = parse_french_date(match["date"]), match.groupdict().get("page")
            if day is not None:
                key = "r" if match["what"][0] in "rR" else "q"  # Réponse, or Question/posée
                found.setdefault(key, Publication(date=day, page=int(page) if page else None))
    in_journal = _IN_JOURNAL.search(sitting or "")
    day = parse_french_date(in_journal[1]) if in_journal else None
    if day is not None:
        found.setdefault("q", Publication(date=day))
    return found.get("q"), found.get("r")


def _sitting(value: str | None) -> dt.date | None:
    """The date of the sitting, where "Date de la séance" gives one rather than the JO's."""
    if not value or _IN_JOURNAL.search(value):
        return None
    return parse_french_date(value)


def _author(lines: list[str], block: LexborNode) -> Author:
    who, where = _author_parts(lines)
    civility, name = split_civility(who) if who else (None, "")
    place, *group = _PLACE_GROUP.split(normalize_space(where or ""), maxsplit=1)
    links = block.css("a[data-document-id], a[href*='/deputes/']")
    refs = [a.attributes.get("data-document-id") or a.attributes.get("href") or "" for a in links]
    ref = next((match.group() for text in refs if (match := _ACTOR_REF.search(text))), None)
    return Author(
        name=name or None,
        civility=civility,
        ref=ref,
        group=Group(full=group[0]) if group else None,
        **_place(place),
    )


def _place(place: str) -> dict[str, Any]:
    """The author's place: a constituency, or a region where the page shows only that.

    Pages of the 16th legislature onwards print the region ("Bourgogne-Franche-Comté"),
    which is no constituency; an overseas region is also its one department.
    """
    if circonscription := _CIRCONSCRIPTION.fullmatch(place):
        return {
            "constituency": place,
            "department": circonscription["dep"],
            "constituency_number": int(circonscription["n"]),
        }
    if place and is_region(place):
        return {"region": place, "department": place if single_department_region(place) else None}
    return {"constituency": place or None}


def _author_parts(lines: list[str]) -> tuple[str | None, str | None]:
    """Split the author line into "Civ. Prénom Nom" and "Place - Group".

    The 2024 page shows ``Mme X (Ile-de-France - Renaissance)`` on one line; a
    q15 capture shows the name and ``Ardèche (3e circonscription) - Les
    Républicains`` on two lines, without the outer parentheses.
    """
    for label in ("question de", "auteur"):
        for index, line in enumerate(lines):
            found = _label(line)
            if found is None or normalize_space(found["label"]).casefold() != label:
                continue
            after = takewhile(lambda part: not _label(part), lines[index + 1 : index + 3])
            # A government question goes on: "(Place - Group), posée en séance, et publiée le …".
            rest = [_AFTER_AUTHOR.sub("", part) for part in (found["value"], *after) if part]
            if match := _AUTHOR.fullmatch(rest[0] if rest else ""):
                return match["who"], match["where"]
            if len(rest) > 1 and (_PLACE_GROUP.search(rest[1]) or "circonscription" in rest[1]):
                return rest[0], rest[1]
            if rest:
                return rest[0], None
    return None, None


def _closure(lines: list[str]) -> Closure | None:
    """The closure the page shows: "Date de cloture : 21 juin 2022 / Fin de mandat".

    Without that label, an unlabelled metadata line saying "retirée" or
    "transformée" is the closure.
    """
    for index, line in enumerate(lines):
        if line[:4].lower() == "date" and (match := _CLOSURE.fullmatch(line)):
            text = match["rest"]
            for following in lines[index + 1 : index + 3]:
                if all(_date_and_reason(text)) or any(
                    pattern.match(following) for pattern in (_KEY_DATA, _LABEL, _PUBLISHED_ON)
                ):
                    break
                text = f"{text} {following}"
            day, reason = _date_and_reason(text)
            return Closure(date=day, reason=reason)
    for line in lines:
        # Label lines hold the title, names and ministries, which may use these words.
        lowered = line.lower()  # both words hold "ret" or "tran", which fold plainly
        if (
            ("ret" in lowered or "tran" in lowered)
            and not _label(line)
            and _OTHER_CLOSURE.search(line)
        ):
            return Closure(date=parse_french_date(line), reason=line)
    return None


def _date_and_reason(text: str) -> tuple[dt.date | None, str | None]:
    reason = normalize_space(re.sub(_DATE, "", text, count=1, flags=re.IGNORECASE))
    return parse_french_date(text), reason or None
