"""What each source can hold: the fields a chamber, kind and format does not carry.

A record lacks a field for one of two reasons: its source does not carry it (a
Sénat page names the ministry that answers, never the one asked; a government
question has no written text; the AN open data names the author by reference
only), or something went wrong (a parser missed it, a page was cut). Only the
second is a gap to act on. ``qarchive verify --fields`` counts the first as "not
in this source" and exits 1 only for the second; the parser tests check every
page of the kind × format matrix against the same declaration, so that it stays
true.

Each :class:`SourceGap` is drawn from pages seen (``../shared/samples`` and the
real pages listed in ``fixtures/README.md``), never guessed from one record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qarchive.model.question import SourceFormat

__all__ = ["SOURCE_GAPS", "SourceGap", "source_gaps"]

_ALL_AN = frozenset(
    {
        SourceFormat.AN_OPENDATA_JSON,
        SourceFormat.AN_DYN_HTML,
        SourceFormat.AN_EZ_HTM,
        SourceFormat.AN_FICHE_HTM,
        SourceFormat.AN_QUESTION_XML,
    }
)
_ALL_SENAT = frozenset(
    {SourceFormat.SENAT_HTML, SourceFormat.SENAT_OPENDATA_CSV, SourceFormat.SENAT_DUMP}
)
_ORAL = frozenset({"QG", "QOSD"})


@dataclass(frozen=True, slots=True)
class SourceGap:
    """Fields that records of some formats (and kinds, statuses, legislatures) cannot hold.

    ``kinds`` and ``statuses`` None mean every one; ``before_legislature`` limits the
    gap to questions of earlier legislatures.
    """

    fields: tuple[str, ...]
    formats: frozenset[SourceFormat]
    why: str
    kinds: frozenset[str] | None = None
    statuses: frozenset[str] | None = None
    before_legislature: int | None = None

    def covers(self, record: Mapping[str, Any]) -> bool:
        """Whether ``record`` (a record's JSON) comes from a source this gap describes."""
        # The field report reads version files without validating them: any value
        # may be of any type, and only strings can be looked up in the sets.
        source = record.get("source")
        fmt = _text(source.get("format")) if isinstance(source, Mapping) else None
        legislature = record.get("legislature")
        return (
            fmt in self.formats
            and (self.kinds is None or _text(record.get("kind")) in self.kinds)
            and (self.statuses is None or _text(record.get("status")) in self.statuses)
            and (
                self.before_legislature is None
                or (isinstance(legislature, int) and legislature < self.before_legislature)
            )
        )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


SOURCE_GAPS: tuple[SourceGap, ...] = (
    SourceGap(
        ("author.name", "author.civility", "author.constituency", "author.constituency_number"),
        frozenset({SourceFormat.AN_OPENDATA_JSON}),
        "the AN open data names the author by reference only (PA…): import the AN "
        "reference data (AMO zip) to name them",
    ),
    SourceGap(
        ("title",),
        _ALL_AN,
        "AN questions before the 15th legislature have no title, only a rubrique and an analyse",
        before_legislature=15,
    ),
    SourceGap(
        ("text",),
        _ALL_AN,
        "a government question is asked aloud: its only text is the exchange in the "
        "sitting, kept as the answer",
        kinds=frozenset({"QG"}),
    ),
    SourceGap(
        ("published.page",),
        _ALL_AN - {SourceFormat.AN_FICHE_HTM},
        "a government question appears in the debates' JO: the page given is the answer's",
        kinds=frozenset({"QG"}),
    ),
    SourceGap(
        ("published.page", "answer.published.page"),
        frozenset({SourceFormat.AN_DYN_HTML}),
        "the /dyn page dates an oral question's JO issues without their pages",
        kinds=_ORAL,
    ),
    SourceGap(
        ("answer.session_date",),
        _ALL_AN,
        "the AN gives the date of the JO that reports the sitting, not the sitting's "
        "(its 'Date de la séance' is that JO's date)",
        kinds=_ORAL,
    ),
    SourceGap(
        ("author.constituency", "author.constituency_number"),
        frozenset({SourceFormat.AN_DYN_HTML}),
        "/dyn pages of the 16th legislature onwards show the author's region only",
    ),
    SourceGap(
        ("author.constituency_number",),
        frozenset({SourceFormat.AN_EZ_HTM, SourceFormat.AN_FICHE_HTM}),
        "legacy pages show the département, not the constituency's number",
    ),
    SourceGap(
        ("author.ref",),
        frozenset({SourceFormat.AN_FICHE_HTM}),
        "FICHE QUESTION pages give no acteur reference",
    ),
    SourceGap(
        ("closed.date",),
        frozenset({SourceFormat.AN_DYN_HTML}),
        "the /dyn page shows a closure only for a question closed without an answer",
        statuses=frozenset({"answered"}),
    ),
    SourceGap(
        ("ministry_asked",),
        frozenset({SourceFormat.SENAT_HTML}),
        "a Sénat page names the ministry that answers, not the one asked",
    ),
    SourceGap(
        ("rubrique",),
        frozenset({SourceFormat.SENAT_HTML, SourceFormat.SENAT_OPENDATA_CSV}),
        "the Sénat files questions under thèmes, not AN rubriques",
    ),
    SourceGap(
        ("closed.date",),
        frozenset({SourceFormat.SENAT_HTML}),
        "a Sénat page dates no closure ('La question est caduque' has no date)",
    ),
    SourceGap(
        ("closed.date",),
        _ALL_SENAT,
        "the Sénat records an answer, not a closure",
        statuses=frozenset({"answered"}),
    ),
    SourceGap(
        ("author.ref",),
        frozenset({SourceFormat.SENAT_HTML, SourceFormat.SENAT_OPENDATA_CSV}),
        "Sénat pages link the senator (and so give the matricule) only on some "
        "templates; the CSV has no matricule",
    ),
    SourceGap(
        ("published.page", "text", "answer.published.page", "answer.text"),
        frozenset({SourceFormat.SENAT_OPENDATA_CSV}),
        "the Sénat CSV has neither texts nor JO pages",
    ),
)


def source_gaps(record: Mapping[str, Any]) -> dict[str, str]:
    """The fields ``record``'s source cannot hold, each with why (the first reason that applies).

    Example:
        ``source_gaps(senat_page_record)["ministry_asked"]`` explains that a Sénat
        page names the ministry that answers, not the one asked.
    """
    gaps: dict[str, str] = {}
    for gap in SOURCE_GAPS:
        if gap.covers(record):
            for name in gap.fields:
                gaps.setdefault(name, gap.why)
    return gaps
