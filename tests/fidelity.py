"""One record whatever the source: what each format does not carry, declared once.

The same question parsed from the open-data JSON, the ``/dyn`` page, a legacy
page or the XML export must give the same record, except for the fields a format
does not carry. :data:`FORMAT_GAPS` lists them, per format, as dotted paths into
the record (``[]`` stands for every element of a list). A path is a gap when the
format does not carry the field at all, or carries it in a form that cannot be
compared (a rubrique capitalised for display, a legacy numeric organ id where the
open data has ``PO…``). :data:`RESOLVED_FIELDS` are the author fields the AN
reference data (:mod:`qarchive.store.references`) supplies to every AN record whatever
its format, so they are no gap once it is imported.

:func:`comparable` projects a record onto what two formats both carry; the
fidelity tests compare those projections.
"""

from __future__ import annotations

import copy
from typing import Any

from qarchive.model.question import Question, SourceFormat

__all__ = ["FORMAT_GAPS", "RESOLVED_FIELDS", "comparable", "gaps"]

_ANSWER_MINISTRY = frozenset({"answer.ministry.full_name", "answer.ministry.ref"})
_MINISTRY_DETAIL = frozenset(
    {
        "ministry_asked.full_name",
        "ministry_asked.ref",
        "ministry_responding.full_name",
        "ministry_responding.ref",
        "attribution_history",  # pages show the latest attributaire only
        *_ANSWER_MINISTRY,
    }
)
_PAGE_GAPS = frozenset(
    {
        "heading",  # no tête d'analyse on the page (XV on)
        "author.mandate_ref",
        "author.group.short",  # the full group name only
        "author.group.ref",
        "author.region",
        "published.issue",  # only inside the JO PDF's name
        "answer.published.issue",
        "closed.code",  # the label only ("Fin de mandat")
        "closed.reason",  # legacy pages: an answer's closure has its date, no label
        *_MINISTRY_DETAIL,
    }
)

FORMAT_GAPS: dict[SourceFormat, frozenset[str]] = {
    # Names people by reference only (PA…, PM…); everything else is there.
    SourceFormat.AN_OPENDATA_JSON: frozenset(
        {
            "author.name",
            "author.civility",
            "author.constituency",
            "author.department",
            "author.constituency_number",
            "author.region",
        }
    ),
    SourceFormat.AN_DYN_HTML: _PAGE_GAPS
    | {
        "analysis",  # the title only, no keywords
        "rubrique",  # capitalised as displayed: "Sécurité des biens et des personnes"
        "closed",  # no closure block beside an answer (only "Date de cloture" for others)
        "signalements",  # no label observed on the page
        "renewals",
        "errata",
    },
    SourceFormat.AN_EZ_HTM: _PAGE_GAPS
    | {
        "analysis",  # XV pages leave "Analyse >" empty and put the title under "Titre >"
        "author.constituency",  # the département alone, without the constituency number
        "author.constituency_number",
    },
    SourceFormat.AN_FICHE_HTM: _PAGE_GAPS
    | {
        "title",  # keywords only
        "author.constituency",
        "author.constituency_number",
    },
    SourceFormat.AN_QUESTION_XML: frozenset(
        {
            # Legacy numeric organ ids ("707869"), the open data's PO707869 without its prefix.
            "author.group.ref",
            "ministry_asked.ref",
            "ministry_responding.ref",
            "attribution_history[].ministry.ref",
            "answer.ministry.ref",
            # The JO issue number within the year ("19"), not the open data's "20140019".
            "published.issue",
            "answer.published.issue",
        }
    ),
    # The Sénat page names the ministry that answers, not always the one asked; the
    # senator's matricule only where it links the senator's page.
    SourceFormat.SENAT_HTML: frozenset({"ministry_asked", "author.ref"}),
    # The rolling-year CSV: no texts, no JO pages, short ministry labels only.
    SourceFormat.SENAT_OPENDATA_CSV: frozenset(
        {
            "text",
            "published.page",
            "answer.text",
            "answer.published.page",
            "answer.session_date",
            "author.published_name",  # separate Nom and Prénom columns
            "author.ref",
            "ministry_asked.full_name",
            "ministry_responding.full_name",
            "answer.ministry.full_name",
            "rubrique",
            "errata",
            "converted_to",
            "closed.reason",  # the sort label, not the page's sentence
        }
    ),
    # The SQL dump has it all but the page's typography.
    SourceFormat.SENAT_DUMP: frozenset(
        {
            "author.published_name",
            "ministry_asked.full_name",
            "ministry_responding.full_name",
            "answer.ministry.full_name",
            "closed.reason",  # the sort label ("Caduque"), not the page's sentence
        }
    ),
}

# What the AN reference data (AMO) gives every AN record whose author it knows:
# the name and civility where the source had none, the constituency of the seat and
# the group as of the publication date.
RESOLVED_FIELDS = frozenset(
    {
        "author.name",
        "author.civility",
        "author.mandate_ref",
        "author.constituency",
        "author.department",
        "author.constituency_number",
        "author.region",
        "author.group.short",
        "author.group.full",
        "author.group.ref",
    }
)


def gaps(*formats: SourceFormat, resolved: bool = False) -> frozenset[str]:
    """The fields that may differ between records of ``formats``.

    Args:
        formats: the formats compared.
        resolved: True for records saved in an archive holding the AN reference
            data, which fills :data:`RESOLVED_FIELDS` whatever the format.
    """
    found = frozenset().union(*(FORMAT_GAPS.get(fmt, frozenset()) for fmt in formats))
    return found - RESOLVED_FIELDS if resolved else found


def comparable(record: Question, ignore: frozenset[str]) -> dict[str, Any]:
    """The record's JSON without its ``source`` and without the ``ignore`` paths.

    Example:
        >>> comparable(a, gaps(a.source.format, b.source.format)) == comparable(
        ...     b, gaps(a.source.format, b.source.format))  # doctest: +SKIP
        True
    """
    data = copy.deepcopy(record.model_dump(mode="json"))
    data.pop("source", None)
    for path in ignore:
        _drop(data, path.split("."))
    return data


def _drop(node: Any, parts: list[str]) -> None:
    head, rest = parts[0], parts[1:]
    many = head.endswith("[]")
    key = head.removesuffix("[]")
    if not isinstance(node, dict) or key not in node:
        return
    if not rest:
        node.pop(key)
        return
    for child in node[key] if many and isinstance(node[key], list) else [node[key]]:
        _drop(child, rest)
