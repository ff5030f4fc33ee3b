"""The field report (``qarchive verify --fields``): how complete the records are.

For each chamber and legislature, and each field of :data:`FIELD_RULES`: how many
of the questions it applies to have it (the latest version of each), and a few IDs
of those that do not. Mandatory fields (:data:`MANDATORY`: the ID, the number, the
dates, the author's name, the ministry asked, the text of a written question) must
be at 100 %; :attr:`FieldReport.complete` says whether they are. The version files
are read as JSON, without the full validation ``verify`` does: this is a report on
content, not an integrity check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qarchive.bounded_json import read_json

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
    FieldRule("text", mandatory=True, applies=lambda record: record.get("kind") == "QE"),
    FieldRule("answer.published.date", mandatory=True, applies=_answered),
    FieldRule("answer.published.page", applies=_answered),
    FieldRule("answer.text", applies=_answered),
    FieldRule("closed.date", applies=lambda record: record.get("status") != "pending"),
)
MANDATORY = tuple(rule.name for rule in FIELD_RULES if rule.mandatory)
FIELD_COLUMNS = (
    "chamber",
    "legislature",
    "field",
    "mandatory",
    "present",
    "total",
    "percent",
    "missing_examples",
)


@dataclass(frozen=True, slots=True)
class FieldCount:
    """One field in one chamber and legislature: how many records have it, of how many."""

    chamber: str
    legislature: int
    field: str
    mandatory: bool
    present: int
    total: int
    missing_examples: tuple[str, ...]  # a few IDs of records without it

    @property
    def percent(self) -> float:
        """Share of the records that have the field, in percent (one decimal)."""
        return round(100 * self.present / self.total, 1) if self.total else 100.0

    @property
    def short(self) -> bool:
        """True for a mandatory field under 100 %."""
        return self.mandatory and self.present < self.total

    def as_row(self, *, flat: bool = False) -> dict[str, Any]:
        """The row for any output format; ``flat`` joins the example IDs (CSV)."""
        examples: Any = " ".join(self.missing_examples) if flat else list(self.missing_examples)
        return {
            "chamber": self.chamber,
            "legislature": self.legislature,
            "field": self.field,
            "mandatory": self.mandatory,
            "present": self.present,
            "total": self.total,
            "percent": self.percent,
            "missing_examples": examples,
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


def field_report(archive: Archive, *, examples: int = EXAMPLES) -> FieldReport:
    """Count, per chamber, legislature and field, the questions that have each field.

    Args:
        archive: the archive to read (no lock needed: it only reads).
        examples: how many IDs to name for each field under 100 %.

    Returns:
        The counts, in chamber, legislature and :data:`FIELD_RULES` order; fields
        that apply to no question of a legislature (no answer yet) are left out.
    """
    report = FieldReport()
    tallies: dict[tuple[str, int], dict[str, tuple[int, int, list[str]]]] = {}
    for record in _latest_records(archive, report):
        report.questions += 1
        key = (str(record.get("chamber")), int(record.get("legislature") or 0))
        tally = tallies.setdefault(key, {})
        for rule in FIELD_RULES:
            if not rule.applies(record):
                continue
            present, total, missing = tally.get(rule.name, (0, 0, []))
            if rule.has(record):
                present += 1
            elif len(missing) < examples:
                missing.append(str(record.get("id")))
            tally[rule.name] = (present, total + 1, missing)
    for (chamber, legislature), tally in sorted(tallies.items()):
        report.counts += [
            FieldCount(chamber, legislature, rule.name, rule.mandatory, *_unpack(tally[rule.name]))
            for rule in FIELD_RULES
            if rule.name in tally
        ]
    return report


def _unpack(tally: tuple[int, int, list[str]]) -> tuple[int, int, tuple[str, ...]]:
    present, total, missing = tally
    return present, total, tuple(missing)


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
