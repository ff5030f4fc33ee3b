"""Reference records: the AN's actors (deputies, ministers) with their mandates, and organs.

They come from the AN "acteurs, mandats, organes" open data (AMO) and serve to
name what the question records give only by reference: ``PA…`` (an actor),
``PM…`` (a mandate), ``PO…`` (an organ: the Assemblée of a legislature, a
political group, a ministry...). Values are kept as published; dates are
:class:`datetime.date`. Only the mandates and organs that questions refer to are
kept (see :data:`KEPT_ORGAN_TYPES`); the rest of the dataset (friendship groups,
commissions, addresses) is left out.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["KEPT_ORGAN_TYPES", "Actor", "Mandate", "Organ", "constituency_label"]

# typeOrgane / codeType values kept: the seat (ASSEMBLEE: an elected deputy of one
# legislature, with the constituency), the political group (GP), and the
# government and its ministries (GOUVERNEMENT, MINISTERE), which answer questions.
KEPT_ORGAN_TYPES = frozenset({"ASSEMBLEE", "GP", "GOUVERNEMENT", "MINISTERE"})


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Mandate(_Record):
    """One mandate of an actor: in which organ, from when to when, as what."""

    ref: str  # PM…
    organ_type: str  # typeOrgane: ASSEMBLEE, GP, GOUVERNEMENT, MINISTERE
    organ_refs: list[str] = Field(default_factory=list)  # organes.organeRef (PO…)
    legislature: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None  # None while the mandate runs
    quality: str | None = None  # infosQualite.codeQualite: "Membre", "Président"...
    # Where a deputy was elected (ASSEMBLEE mandates: election.lieu).
    region: str | None = None
    department: str | None = None
    department_code: str | None = None
    constituency_number: int | None = None

    def covers(self, day: dt.date) -> bool:
        """True when the mandate runs on ``day`` (both ends included)."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


class Actor(_Record):
    """A person in the AN's reference data, keyed by the ``PA…`` reference."""

    ref: str  # PA…
    civility: str | None = None  # "M.", "Mme"
    first_name: str | None = None
    last_name: str | None = None
    mandates: list[Mandate] = Field(default_factory=list)

    @property
    def name(self) -> str | None:
        """The display name, "Prénom Nom", as question records spell authors."""
        return " ".join(part for part in (self.first_name, self.last_name) if part) or None


class Organ(_Record):
    """An organ: the Assemblée of a legislature, a group, a government, a ministry."""

    ref: str  # PO…
    kind: str  # codeType: ASSEMBLEE, GP, GOUVERNEMENT, MINISTERE
    name: str | None = None  # libelle: "La France insoumise", "Ministère de l'intérieur"
    short: str | None = None  # libelleAbrev: "LFI", "SOC-A" (the group's sigle)
    abridged: str | None = None  # libelleAbrege: "Intérieur" (for groups it may merge two)
    legislature: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    parent: str | None = None  # organeParent (PO…)


def constituency_label(department: str | None, number: int | None) -> str | None:
    """The place as the AN pages print it: "Nord (2e circonscription)", "Ain (1re …)"."""
    if department is None or number is None:
        return department
    return f"{department} ({number}{'re' if number == 1 else 'e'} circonscription)"
