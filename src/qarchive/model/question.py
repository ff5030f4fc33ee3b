"""The record: one Pydantic model for a written question, whatever its source.

Field names are English, values are as published (ministry names, group names,
rubriques are not translated or rewritten). Dates are :class:`datetime.date`.
Derived values (deadline, overdue, answer delay) are methods, not stored fields,
so that a change of rule never rewrites the archive.
"""

from __future__ import annotations

import calendar
import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from qarchive.model.ids import Chamber
from qarchive.model.places import is_region_only

__all__ = [
    "ANSWER_MONTHS",
    "AUTHOR_PLACE_FIELDS",
    "SIGNALEMENT_DAYS",
    "STAND_IN_MARKS",
    "Answer",
    "Attribution",
    "Author",
    "Closure",
    "Erratum",
    "Group",
    "Ministry",
    "Publication",
    "Question",
    "Signalement",
    "Source",
    "SourceFormat",
    "Status",
    "add_months",
    "carry_known_values",
]

ANSWER_MONTHS = 2  # AN règlement art. 135, Sénat règlement art. 75
SIGNALEMENT_DAYS = 10  # a question "signalée" by a group must be answered within 10 days
# What stands for a missing title, marked as what it is: the words the sources use.
STAND_IN_MARKS = ("[analyse]", "[rubrique]", "[thème]")


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Status(StrEnum):
    """Where a question stands."""

    PENDING = "pending"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"
    LAPSED = "lapsed"  # fin de mandat, caduque
    CONVERTED = "converted"  # transformed into an oral question


class SourceFormat(StrEnum):
    """The content formats qarchive can parse, named by chamber and layout."""

    AN_OPENDATA_JSON = "an_opendata_json"
    AN_DYN_HTML = "an_dyn_html"
    AN_EZ_HTM = "an_ez_htm"
    AN_FICHE_HTM = "an_fiche_htm"
    AN_QUESTION_XML = "an_question_xml"
    SENAT_HTML = "senat_html"
    SENAT_OPENDATA_CSV = "senat_opendata_csv"
    SENAT_DUMP = "senat_dump"


class Publication(_Record):
    """A publication in the Journal officiel: date, page and issue where known."""

    date: dt.date
    page: int | None = None
    issue: str | None = None  # the JO issue number as published (e.g. "20250012")


class Group(_Record):
    """A political group, short and full names as published."""

    short: str | None = None
    full: str | None = None
    ref: str | None = None  # AN organe reference, PO…


class Author(_Record):
    """The member of parliament who asked the question."""

    name: str | None = None  # display form, "Prénom Nom"
    civility: str | None = None  # "M.", "Mme"
    ref: str | None = None  # AN acteur reference PA…, or the Sénat matricule (14263U)
    mandate_ref: str | None = None  # AN mandat reference, PM…
    group: Group | None = None
    constituency: str | None = None  # the place as the source shows it
    department: str | None = None
    constituency_number: int | None = None
    region: str | None = None
    published_name: str | None = None  # as printed where it differs: "BONNECARRÈRE Philippe"


class Ministry(_Record):
    """A ministry: the short name as published, and the full one where given."""

    name: str
    full_name: str | None = None
    ref: str | None = None  # AN organe reference, PO…, or a legacy numeric id


class Attribution(_Record):
    """One entry of the attribution history: which ministry, from when."""

    ministry: Ministry
    date: dt.date | None = None
    jo_type: str | None = None  # JO_QUESTION, or JO_LOI_DECRET for a decree of attributions


class Answer(_Record):
    """The minister's answer."""

    published: Publication
    ministry: Ministry | None = None
    text: str | None = None
    session_date: dt.date | None = None  # an oral answer given in séance publique that day


class Closure(_Record):
    """Why and when the question stopped being open."""

    date: dt.date | None = None
    code: str | None = None  # REP_PUB, ...
    reason: str | None = None  # as published: "Réponse publiée", "Fin de mandat"


class Signalement(_Record):
    """A group's "signalement", which shortens the answer deadline to ten days."""

    published: dt.date | None = None  # JO date of the signalement list
    filed: dt.date | None = None  # date the group filed it


class Erratum(_Record):
    """An erratum published for the question or for its answer."""

    target: str  # "question" or "answer"
    published: Publication


class Source(_Record):
    """Where the record came from: the format detected and the URL fetched."""

    format: SourceFormat
    url: str
    names_from: str | None = None  # a second page that supplied names the first lacked


class Question(_Record):
    """A written (or oral) question, as published, with its answer if any."""

    id: str
    chamber: Chamber
    legislature: int
    number: int
    kind: str
    url: str
    title: str | None = None
    rubrique: str | None = None
    heading: str | None = None  # "tête d'analyse"
    analysis: list[str] = Field(default_factory=list)
    author: Author
    ministry_asked: Ministry | None = None
    ministry_responding: Ministry | None = None
    attribution_history: list[Attribution] = Field(default_factory=list)
    published: Publication
    text: str | None = None
    answer: Answer | None = None
    status: Status
    closed: Closure | None = None
    signalements: list[Signalement] = Field(default_factory=list)
    renewals: list[dt.date] = Field(default_factory=list)
    errata: list[Erratum] = Field(default_factory=list)
    themes: list[str] = Field(default_factory=list)  # Sénat "thèmes", as published
    reminder_of: str | None = None  # ID of the question a Sénat "rappel" asks again
    converted_to: str | None = None  # ID of the oral question this one became
    source: Source

    def shown_ministry(self) -> Ministry | None:
        """The ministry shown as responding: the one named, else the one asked.

        Until a question is attributed, the ministry it was asked of is the one
        expected to answer; listings, the index, exports and feeds all show it so.
        """
        return self.ministry_responding or self.ministry_asked

    def shown_title(self) -> str | None:
        """The title, or where there is none what stands for it, marked as such.

        Questions before the AN's 15th legislature have no title, only an analyse
        (keywords) and a rubrique; old Sénat ones only thèmes. Listings and exports
        show ``[analyse] médecins. dépassement d'honoraires``, else ``[rubrique]
        défense``, else ``[thème] …`` (:data:`STAND_IN_MARKS`), never an empty cell
        while there is something to show; None when there is nothing.
        """
        if self.title:
            return self.title
        analyse, rubrique, theme = STAND_IN_MARKS
        if self.analysis:
            return f"{analyse} {'. '.join(self.analysis)}"
        if self.rubrique:
            return f"{rubrique} {self.rubrique}"
        if self.themes:
            return f"{theme} {'; '.join(self.themes)}"  # labels hold commas
        return None

    def deadline(self) -> dt.date:
        """The date by which the government should answer.

        Two months after publication, or ten days after a signalement's JO date
        when that is earlier.
        """
        due = add_months(self.published.date, ANSWER_MONTHS)
        for signalement in self.signalements:
            if signalement.published is not None:
                due = min(due, signalement.published + dt.timedelta(days=SIGNALEMENT_DAYS))
        return due

    def answer_delay_days(self) -> int | None:
        """Days from publication to the answer, or None when unanswered."""
        if self.answer is None:
            return None
        return (self.answer.published.date - self.published.date).days

    def days_waiting(self, today: dt.date) -> int | None:
        """Days since publication for a pending question, else None."""
        if self.status is not Status.PENDING:
            return None
        return (today - self.published.date).days

    def is_overdue(self, today: dt.date) -> bool:
        """True when the question is pending past its deadline."""
        return self.status is Status.PENDING and today > self.deadline()


def add_months(day: dt.date, months: int) -> dt.date:
    """Add calendar months, clamping to the month's last day (31 Dec + 2 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# The author fields a page gives and the open data does not.
AUTHOR_PLACE_FIELDS = (
    "name",
    "civility",
    "constituency",
    "department",
    "constituency_number",
    "region",
)


def carry_known_values(record: Question, previous: Question | None) -> Question:
    """Merge what the previous version knew into a record from a poorer or lagging source.

    Rules from the field, for every source and every way of saving:

    - never replace a known value with null or an empty list (the open data names
      authors only by reference, the Sénat CSV has no texts or JO pages, a page
      that fails one night must not erase a name);
    - never downgrade answered to pending because a source lags: the known answer
      and status are kept;
    - author fields are carried only for the same person: two records whose
      author references differ are never mixed (homonyms exist);
    - an AN constituency that is a region (the one the new record names, or one
      that is no département) is carried as the region it was: an older qarchive
      misread a ``/dyn`` page's region as a constituency.

    The record's ``source`` is its own.
    """
    if previous is None:
        return record
    new = record.model_dump(mode="json")
    old = previous.model_dump(mode="json")
    merged = dict(new)
    if (
        old["status"] == Status.ANSWERED
        and new["status"] == Status.PENDING
        and new["answer"] is None
    ):
        for key in ("status", "answer", "closed"):
            merged[key] = old[key]
    old_ref, new_ref = old["author"].get("ref"), new["author"].get("ref")
    same_person = old_ref is None or new_ref is None or old_ref == new_ref
    for key, value in merged.items():
        if key == "source" or (key == "author" and not same_person):
            continue
        merged[key] = _merge_known(value, old.get(key))
    if same_person and new["chamber"] == Chamber.AN:
        _no_region_as_seat(merged["author"], new["author"])
    if merged == new:
        return record
    return Question.model_validate(merged)


def _no_region_as_seat(merged: dict[str, Any], new: dict[str, Any]) -> None:
    """Never carry over, as a constituency, what was a region.

    Before qarchive told them apart, a ``/dyn`` page that shows only a region had
    it stored as the constituency: carrying that value over would keep the error
    in every later version. A carried constituency that is the region the new
    record names, or a region that is no département (a constituency is never
    named so), goes back to being a region.
    """
    carried = merged.get("constituency")
    if not carried or new.get("constituency") is not None:
        return
    if carried == new.get("region") or is_region_only(carried):
        merged["constituency"] = None
        merged["region"] = merged.get("region") or carried


def _merge_known(new: Any, old: Any) -> Any:
    if new is None or new == []:
        return old if old not in (None, []) else new
    if isinstance(new, dict) and isinstance(old, dict):
        return {key: _merge_known(value, old.get(key)) for key, value in new.items()}
    return new
