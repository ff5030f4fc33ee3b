"""From what a user typed to a question ID, with the archive's help for bare numbers.

:func:`qarchive.model.ids.parse_question_id` accepts only forms that name a question on
their own. A bare Sénat number (``04125``, ``0791G``) does not: numbering restarts
with each legislature. It is accepted here when the archive holds exactly one
Sénat question with that number, and refused with the candidates otherwise.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass

from qarchive.errors import InvalidQuestionId
from qarchive.index.lookups import senat_numbered
from qarchive.index.schema import IndexFailure
from qarchive.model.ids import ACCEPTED_FORMS, QuestionId, bare_number, parse_question_id
from qarchive.store.archive import Archive
from qarchive.store.index_access import ArchiveIndex

__all__ = ["BadLine", "resolve_lines", "resolve_question_id"]

_SHOWN_CANDIDATES = 5


def resolve_question_id(
    text: str, *, archive: Archive | None, extra_hosts: Iterable[str] = ()
) -> QuestionId:
    """Parse ``text`` like :func:`parse_question_id`, resolving a bare Sénat number.

    Raises:
        InvalidQuestionId: the text is in no accepted form, or a bare number that
            the archive does not resolve to exactly one question.
    """
    try:
        return parse_question_id(text, extra_hosts=extra_hosts)
    except InvalidQuestionId as refused:
        number = bare_number(text)
        if archive is None or number is None:
            raise
        candidates = _senat_candidates(archive, *number)
        if len(candidates) == 1:
            return parse_question_id(candidates[0])
        if not candidates:
            raise InvalidQuestionId(
                f"{refused} (no Sénat question numbered {text.strip()!r} in the archive)",
                question_id=text,
            ) from None
        shown = ", ".join(candidates[:_SHOWN_CANDIDATES])
        more = f" and {len(candidates) - _SHOWN_CANDIDATES} more" if len(candidates) > 5 else ""
        raise InvalidQuestionId(
            f"{text.strip()!r} matches {len(candidates)} Sénat questions in the archive "
            f"({shown}{more}): type the reference of the one you mean",
            question_id=text,
        ) from None


def _senat_candidates(archive: Archive, kind: str, number: int) -> list[str]:
    # Read the index as it is: a typed number never waits for the lock or a rebuild.
    try:
        connection = ArchiveIndex(archive.root).open_if_current()
        if connection is None:
            return []
        with contextlib.closing(connection):
            return senat_numbered(connection, kind, number)
    except IndexFailure:
        return []  # no usable index: the plain refusal says what to type


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line of a list of IDs (``fetch -``) that names no question."""

    number: int
    text: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.number}: {self.reason}"


# The forms a refused line could have taken, shorter than ACCEPTED_FORMS: one per line.
_SHORT_FORMS = "expected an ID such as 15-12526QE or SEQ180304125, or a question's URL"


def resolve_lines(
    lines: Iterable[str], *, archive: Archive | None, extra_hosts: Iterable[str] = ()
) -> tuple[list[QuestionId], list[BadLine]]:
    """The questions a list names, one ID or URL per line, and the lines that name none.

    Blank lines and ``#`` comments are skipped; a bad line does not stop the
    others (a list of thousands is not thrown away for one typo). Duplicates are
    kept once, in their first place.

    Example:
        >>> qids, bad = resolve_lines(["15-12526QE", "oops # typo"], archive=None)
        >>> [qid.canonical for qid in qids], [str(line) for line in bad]  # doctest: +ELLIPSIS
        (['15-12526QE'], ["line 2: invalid question ID or URL 'oops': expected an ID such as ..."])
    """
    hosts = tuple(extra_hosts)
    found: dict[QuestionId, None] = {}
    bad: list[BadLine] = []
    for number, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            found.setdefault(resolve_question_id(text, archive=archive, extra_hosts=hosts), None)
        except InvalidQuestionId as exc:
            reason = str(exc).replace(f"expected {ACCEPTED_FORMS}", _SHORT_FORMS)
            bad.append(BadLine(number, text, reason))
    return list(found), bad
