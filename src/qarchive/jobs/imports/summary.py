"""What an import did: the counts, and each member refused or failed."""

from __future__ import annotations

from dataclasses import dataclass, field

from qarchive.store.versions import SaveOutcome

__all__ = ["ImportProblem", "ImportSummary"]


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """One member that was refused or failed, and why."""

    member: str
    reason: str


@dataclass(slots=True)
class ImportSummary:
    """What an import did."""

    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    named: int = 0  # AMO import: archived questions that got their author's name
    skipped: int = 0  # members unchanged since the last import: neither read nor parsed

    def count(self, outcome: SaveOutcome) -> None:
        """Add one saved question's outcome."""
        if outcome is SaveOutcome.NEW:
            self.new += 1
        elif outcome is SaveOutcome.UPDATED:
            self.updated += 1
        else:
            self.unchanged += 1
