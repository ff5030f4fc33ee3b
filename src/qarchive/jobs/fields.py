"""The field report (``qarchive verify --fields``): how complete the records are.

For each chamber and legislature, and each field of :data:`FIELD_RULES`: how many
of the questions it applies to have it (the latest version of each), how many lack
it because their source cannot hold it (a Sénat page names no ministry asked, a
government question has no written text: :mod:`qarchive.sources.coverage`), and a
few IDs of those that lack it otherwise: the real gaps. Mandatory fields
(:data:`MANDATORY`: the ID, the number, the dates, the author's name, the ministry
asked, the question's text) must have no real gap; :attr:`FieldReport.complete`
says whether they do. The version files are read as JSON, without the full
validation ``verify`` does: this is a report on content, not an integrity check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qarchive.bounded_json import read_json
from qarchive.sources.coverage import source_gaps

if TYPE_CHECKING:
    from qarchive.store.archive import Archive

__all__ = [
    "FIELD_COLUMNS",
    "FIELD_RULES",
    "MANDATORY",
    "FieldCount",
    "FieldReport",
    "FieldRule",
    "field_report",
]

EXAMPLES = 5  # IDs shown for a field under 100 %

Record = dict[str, Any]


@dataclass(frozen=True, slots=True)
class FieldRule:
    """One line of the report: a field, whether it is mandatory, and which records count."""

    name: str  # a dotted path into the record, or a name for a composite check
    mandatory: bool = False
    applies: Callable[[Record], bool] = lambda record: True
    present: Callable[[Record], bool] | None = None  # default: the value at ``name`` is set

    def has(self, record: Record) -> bool:
        """True when ``record`` carries the field."""
        if self.present is not None:
            return self.present(record)
        return _filled(_get(record, self.name))


def _get(record: Record, path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _filled(value: Any) -> bool:
    return value not in (None, "", [], {})


def _answered(record: Record) -> bool:
    return bool(record.get("status") == "answered")


def _an(record: Record) -> bool:
    return bool(record.get("chamber") == "an")


def _oral_answered(record: Record) -> bool:
    return _answered(record) and record.get("kind") in ("QG", "QOSD")


def _group_named(record: Record) -> bool:
    return _filled(_get(record, "author.group.short")) or _filled(_get(record, "author.group.full"))


FIELD_RULES: tuple[FieldRule, ...] = (
    FieldRule("id", mandatory=True),
    FieldRule("number", mandatory=True),
    FieldRule("published.date", mandatory=True),
    FieldRule("published.page"),
    FieldRule("author.name", mandatory=True),
    FieldRule("author.civility"),
    FieldRule("author.ref"),
    FieldRule("author.group", present=_group_named),
    FieldRule("author.constituency"),
    FieldRule("author.constituency_number", applies=_an),
    FieldRule("ministry_asked", mandatory=True),
    FieldRule("ministry_responding"),
    FieldRule("title"),
    FieldRule("rubrique"),
    # Every kind: a government question's missing text is its source's gap, declared.
    FieldRule("text", mandatory=True),
    FieldRule("answer.published.date", mandatory=True, applies=_answered),
    FieldRule("answer.published.page", applies=_answered),
    FieldRule("answer.text", applies=_answered),
    # The sitting where an oral question was asked and answered.
    FieldRule("answer.session_date", applies=_oral_answered),
    FieldRule("closed.date", applies=lambda record: record.get("status") != "pending"),
)
MANDATORY = tuple(rule.name for rule in FIELD_RULES if rule.mandatory)
FIELD_COLUMNS = (
    "chamber",
    "legislature",
    "field",
    "mandatory",
    "present",
    "not_in_source",
    "total",
    "percent",
    "missing_examples",
    "not_in_source_why",
)


@dataclass(frozen=True, slots=True)
class FieldCount:
    """One field in one chamber and legislature: how many records have it, of how many.

    ``present + not_in_source + missing == total``: records that have the field,
    records whose source cannot hold it (``why`` says why), and the real gaps.
    """

    chamber: str
    legislature: int
    field: str
    mandatory: bool
    present: int
    total: int
    missing_examples: tuple[str, ...]  # a few IDs of records with a real gap
    not_in_source: int = 0
    why: tuple[str, ...] = ()  # why those sources cannot hold it

    @property
    def missing(self) -> int:
        """Records that lack the field although their source can hold it."""
        return self.total - self.present - self.not_in_source

    @property
    def percent(self) -> float | None:
        """Share, in percent (one decimal), of the records whose source can hold the field.

        None when no record's source can hold it.
        """
        held = self.total - self.not_in_source
        return round(100 * self.present / held, 1) if held else None

    @property
    def short(self) -> bool:
        """True for a mandatory field with a real gap."""
        return self.mandatory and self.missing > 0

    def as_row(self, *, flat: bool = False) -> dict[str, Any]:
        """The row for any output format; ``flat`` joins the lists (CSV)."""
        examples: Any = " ".join(self.missing_examples) if flat else list(self.missing_examples)
        why: Any = " | ".join(self.why) if flat else list(self.why)
        return {
            "chamber": self.chamber,
            "legislature": self.legislature,
            "field": self.field,
            "mandatory": self.mandatory,
            "present": self.present,
            "not_in_source": self.not_in_source,
            "total": self.total,
            "percent": self.percent,
            "missing_examples": examples,
            "not_in_source_why": why,
        }


@dataclass(slots=True)
class FieldReport:
    """The report: one count per chamber, legislature and field."""

    questions: int = 0
    counts: list[FieldCount] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # latest version not readable

    @property
    def complete(self) -> bool:
        """True when every mandatory field is at 100 % and every record was read."""
        return not self.unreadable and not any(count.short for count in self.counts)


@dataclass(slots=True)
class _Tally:
    present: int = 0
    total: int = 0
    not_in_source: int = 0
    missing: list[str] = field(default_factory=list)
    why: dict[str, None] = field(default_factory=dict)  # an ordered set


def field_report(archive: Archive, *, examples: int = EXAMPLES) -> FieldReport:
    """Count, per chamber, legislature and field, the questions that have each field.

    Args:
        archive: the archive to read (no lock needed: it only reads).
        examples: how many IDs to name for each field with real gaps.

    Returns:
        The counts, in chamber, legislature and :data:`FIELD_RULES` order; fields
        that apply to no question of a legislature (no answer yet) are left out.
    """
    report = FieldReport()
    tallies: dict[tuple[str, int], dict[str, _Tally]] = {}
    for record in _latest_records(archive, report):
        report.questions += 1
        key = (str(record.get("chamber")), int(record.get("legislature") or 0))
        tally = tallies.setdefault(key, {})
        gaps = source_gaps(record)
        for rule in FIELD_RULES:
            if not rule.applies(record):
                continue
            counted = tally.setdefault(rule.name, _Tally())
            counted.total += 1
            if rule.has(record):
                counted.present += 1
            elif rule.name in gaps:
                counted.not_in_source += 1
                counted.why[gaps[rule.name]] = None
            elif len(counted.missing) < examples:
                counted.missing.append(str(record.get("id")))
    for (chamber, legislature), tally in sorted(tallies.items()):
        report.counts += [
            FieldCount(
                chamber,
                legislature,
                rule.name,
                rule.mandatory,
                count.present,
                count.total,
                tuple(count.missing),
                count.not_in_source,
                tuple(count.why),
            )
            for rule in FIELD_RULES
            if (count := tally.get(rule.name)) is not None
        ]
    return report


def _latest_records(archive: Archive, report: FieldReport) -> Iterator[Record]:
    for qid in archive.iter_ids():
        numbers = archive.versions(qid)
        if not numbers:
            continue
        path = archive.question_dir(qid) / f"v{numbers[-1]:04d}.json"
        try:
            record = read_json(path)["record"]
        except (OSError, ValueError, KeyError, TypeError):
            report.unreadable.append(qid.canonical)
            continue
        if isinstance(record, dict):
            yield record
        else:
            report.unreadable.append(qid.canonical)
