"""Parser for the legacy eZ Publish pages of ``questions.assemblee-nationale.fr/qNN/…htm``.

Two markups served these URLs (see ``samples/an/README.md`` §2a-2 and §2a-3): the
"question_*" layout of about 2016-2024 (``header.question_legislature``,
``span.question_big_content`` labels) and the older 2012-2016 one (``span.contenu``
values, dates separated by ``<br />``, ``div.contenutexte`` texts). Both label
every value the same way ("Rubrique >", "Question publiée au JO le :"), so the
parser reads the page as text and matches labels, not classes: the texts are
taken out first, the rest is flattened into lines and read label by label.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from qarchive.model.question import Question, SourceFormat
from qarchive.sources.an._common import page_tree, unrecognised
from qarchive.sources.an._legacy import (
    ODD_CASE,
    LegacyFields,
    Part,
    build_question,
    find_lapse,
    kind_from_label,
    make_publication,
    parse_dates,
    split_analysis,
)
from qarchive.sources.text import html_to_text, normalize_space, split_civility

__all__ = ["parse"]

_NOISE = "script, style, noscript, form, button, nav, footer, header.site-header"
_QUESTION_HEADING = "texte de la question"
_ANSWER_HEADING = "texte de la réponse"
_LABELS = r"Ministère interrogé|Ministère attributaire|Rubrique|Tête d['’]analyse|Titre|Analyse"
_LABELLED = re.compile(
    rf"(?<![\w'’])(?P<label>{_LABELS})\s*>\s*(?P<value>.*?)\s*(?=(?:{_LABELS})\s*>|$)",
    re.MULTILINE,
)
_EVENT_TAIL = (
    r"\s*:?\s*(?P<date>\d{1,2}/\d{1,2}/\d{4})"
    r"(?:\s*page\s*:?\s*(?P<page>\d+))?"
    r"(?:\s*\(\s*(?P<motif>[^)]*?)\s*\))?"
)
_EVENT_LABELS = {
    "published": r"Question publiée au JO le",
    "answered": r"Réponse publiée au JO le",
    "withdrawn": r"Question retirée le",
    "attribution": r"Date de changement d['’]attribution",
    "signalement": r"Date de signalement",
    "renewal": r"Date de renouvellement",
    "erratum_answer": r"Erratum de la réponse publiée? au JO le",
    "erratum_question": r"Erratum de la question publiée? au JO le",
}
_EVENTS = {
    key: re.compile(label + _EVENT_TAIL, re.IGNORECASE) for key, label in _EVENT_LABELS.items()
}
# What each label starts with, lower-cased: the text before its first regex operator.
_EVENT_PREFIXES = {
    key: re.split(r"\[|.\?", label, maxsplit=1)[0].lower() for key, label in _EVENT_LABELS.items()
}
_NUMBER = re.compile(r"Question\s+N\s*[°º]\s*:?\s*(\d+)", re.IGNORECASE)
_LEGISLATURE = re.compile(r"(\d+)\s*(?:ème|e|è)\s+législature", re.IGNORECASE)
# Bounded repeats keep a long stray line from making the match quadratic.
_AUTHOR = re.compile(
    r"de\s+(?P<who>(?:M\.|Mme|Mlle|MM\.)\s[^()]{1,150}?)\s*(?:\((?P<where>.{0,300})\))?",
    re.IGNORECASE,
)
_ACTOR_REF = re.compile(r"OMC_(PA\d+)")
# What the page shows in the answer box while there is no answer yet.
_NO_ANSWER = re.compile(r"alert[ée]\s*\(\s*e\s*\)\s*de\s+la\s+r[ée]ponse", re.IGNORECASE)


def parse(content: bytes, *, url: str) -> Question:
    """Parse one question page in either eZ Publish layout.

    Args:
        content: the page's bytes, in any charset the AN has used.
        url: the URL it was fetched from, kept as the record's source.

    Returns:
        The record, with ``source.format`` ``an_ez_htm``.

    Raises:
        UnknownFormat: the page shows no legislature, question number or
            publication date.

    """
    root = _content_root(page_tree(content), url=url)
    fields = LegacyFields()
    fields.text = _take_text(root, _QUESTION_HEADING)
    answer_text = _take_text(root, _ANSWER_HEADING)
    if answer_text is not None and _NO_ANSWER.search(answer_text):
        answer_text = None
    meta = html_to_text(root)
    # Table cells come out joined by " | "; each cell is a line of its own here.
    lines = [line.strip() for line in re.split(r"\n| \| ", meta) if line.strip()]
    _read_header(lines, root, fields)
    _read_labels(lines, fields)
    _read_events(meta, fields, answer_text)
    # Titles, rubriques and keywords are free text too: only the other lines may
    # announce a lapse.
    fields.lapse = find_lapse(
        "\n".join(line for line in lines if ">" not in line or not _LABELLED.search(line))
    )
    return build_question(fields, fmt=SourceFormat.AN_EZ_HTM, url=url)


def _content_root(tree: LexborHTMLParser, *, url: str) -> LexborNode:
    marker = tree.css_first("header.question_legislature")
    root = marker.parent if marker is not None else tree.body
    if root is None:
        raise unrecognised(url, "no HTML body")
    for node in root.css(_NOISE):
        node.decompose()
    return root


def _take_text(root: LexborNode, heading: str) -> str | None:
    """Return the text under ``heading`` and remove heading and text from the tree.

    2016+ pages put the text in the heading's following siblings (``h3 + p``);
    older ones in the next sibling of the heading's parent (``div.contenutexte``).
    """
    title = _find_heading(root, heading)
    if title is None:
        return None
    node, body = title, _following(title)
    for _ in range(3):
        if body or node.parent is None or node.parent is root:
            break
        node = node.parent
        body = _following(node)[:1]
    text = html_to_text("".join(part.html or "" for part in body))
    for part in (node, *body):
        part.decompose()
    return text or None


def _find_heading(root: LexborNode, heading: str) -> LexborNode | None:
    # Both headings start with "texte", which no other letters casefold into:
    # a text node without it in ASCII letters cannot be the heading.
    for node in root.traverse(include_text=True):
        if node.is_text_node:
            text = node.text_content or ""
            if "texte" in text.lower() and normalize_space(text).casefold() == heading:
                return node.parent
    return None


def _following(node: LexborNode) -> list[LexborNode]:
    siblings = []
    sibling = node.next
    while sibling is not None:
        if sibling.is_element_node or (
            sibling.is_text_node and (sibling.text_content or "").strip()
        ):
            siblings.append(sibling)
        sibling = sibling.next
    return siblings


def _read_header(lines: list[str], root: LexborNode, fields: LegacyFields) -> None:
    text = "\n".join(lines)
    if match := _LEGISLATURE.search(text):
        fields.legislature = int(match.group(1))
    if match := _NUMBER.search(text):
        fields.number = int(match.group(1))
    fields.kind = next(
        (kind for line in lines if line.startswith("Question") and (kind := kind_from_label(line))),
        None,
    )
    author = next((match for line in lines if (match := _AUTHOR.fullmatch(line))), None)
    if author is None:
        return
    civility, name = split_civility(author["who"])
    group, place = _split_where(author["where"])
    fields.author = {
        "name": name,
        "civility": civility,
        "ref": _actor_ref(root),
        "group": {"full": group} if group else None,
        "constituency": place,
        "department": place,
    }


def _split_where(where: str | None) -> tuple[str | None, str | None]:
    """Split "(Union pour un Mouvement Populaire - Morbihan)": group, then département."""
    where = normalize_space(where or "")
    if not where:
        return None, None
    group, sep, place = where.rpartition(" - ")
    if not sep:
        return where, None
    return group or None, place or None


def _actor_ref(root: LexborNode) -> str | None:
    for link in root.css('a[href*="OMC_"]'):
        if match := _ACTOR_REF.search(link.attributes.get("href") or ""):
            return match.group(1)
    return None


def _read_labels(lines: list[str], fields: LegacyFields) -> None:
    values: dict[str, str] = {}
    for line in lines:
        for match in _LABELLED.finditer(line) if ">" in line else ():
            label = match["label"].replace("’", "'")
            values.setdefault(label, normalize_space(match["value"]))
    if asked := values.get("Ministère interrogé"):
        fields.ministry_asked = {"name": asked}
    if responding := values.get("Ministère attributaire"):
        fields.ministry_responding = {"name": responding}
    fields.rubrique = values.get("Rubrique") or None
    fields.heading = values.get("Tête d'analyse") or None
    # Legislature 15 pages put the question's title where "Tête d'analyse" was.
    fields.title = values.get("Titre") or None
    fields.analysis = split_analysis(values.get("Analyse"))


def _read_events(meta: str, fields: LegacyFields, answer_text: str | None) -> None:
    # Eight case-insensitive searches cost more than the rest of the page: each is
    # run only where its label's first words appear.
    lowered, odd = meta.lower(), any(char in meta for char in ODD_CASE)
    found = {
        key: list(pattern.finditer(meta)) if odd or _EVENT_PREFIXES[key] in lowered else []
        for key, pattern in _EVENTS.items()
    }
    if found["published"]:
        fields.published = make_publication(
            found["published"][0]["date"], found["published"][0]["page"]
        )
    if found["answered"]:
        first = found["answered"][0]
        published = make_publication(first["date"], first["page"])
        # An answer needs its JO date; a text without one cannot make an Answer.
        if published is not None:
            fields.answer = {
                "published": published,
                "ministry": fields.ministry_responding,
                "text": answer_text,
            }
    if found["withdrawn"]:
        first = found["withdrawn"][0]
        fields.withdrawal = _closure(first["date"], first["motif"])
    fields.attribution_changes = [d for m in found["attribution"] for d in parse_dates(m["date"])]
    fields.signalements = [
        {"published": d} for m in found["signalement"] for d in parse_dates(m["date"])
    ]
    fields.renewals = [d for m in found["renewal"] for d in parse_dates(m["date"])]
    for key, target in (("erratum_question", "question"), ("erratum_answer", "answer")):
        for match in found[key]:
            if (published := make_publication(match["date"], match["page"])) is not None:
                fields.errata.append({"target": target, "published": published})


def _closure(day: str, motif: str | None) -> Part:
    dates = parse_dates(day)
    return {"date": dates[0] if dates else None, "reason": normalize_space(motif or "") or None}
