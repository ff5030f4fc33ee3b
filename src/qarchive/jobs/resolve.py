"""From what a user typed to a question ID, with the archive's help for bare numbers.

:func:`qarchive.model.ids.parse_question_id` accepts only forms that name a question on
their own. A bare Sénat number (``04125``, ``0791G``) does not: numbering restarts
with each legislature. It is accepted here when the archive holds exactly one
Sénat question with that number, and refused with the candidates otherwise.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from qarchive.errors import InvalidQuestionId
from qarchive.index.lookups import senat_numbered
from qarchive.index.schema import IndexFailure
from qarchive.model.ids import QuestionId, bare_number, parse_question_id
from qarchive.store.archive import Archive
from qarchive.store.index_access import ArchiveIndex

__all__ = ["resolve_question_id"]

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
