"""The AN's bulk open data: which question a zip member holds, which dataset a zip is.

A legislature's zip (``Questions_ecrites.json.zip``, and the QG and QOSD ones) holds
one JSON per question, named by its UID (``json/QANR5L17QE5268.json``): the member's
name tells the question without reading it. Pure functions over names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from qarchive.errors import InvalidQuestionId
from qarchive.model.ids import QuestionId, parse_question_id

__all__ = ["BULK_KINDS", "dataset_name", "dataset_of", "question_of_member"]

# Each kind of question and the folder and file of its zip under the legislature's
# open-data repository (samples/an/README.md §2e).
BULK_KINDS = {
    "QE": ("questions_ecrites", "Questions_ecrites.json.zip"),
    "QG": ("questions_gouvernement", "Questions_gouvernement.json.zip"),
    "QOSD": ("questions_orales_sans_debat", "Questions_orales_sans_debat.json.zip"),
}
_MEMBER = re.compile(r"(?:^|/)(QANR5L(\d{1,3})(QE|QG|QOSD)\d{1,7})\.json$")


def question_of_member(name: str) -> QuestionId | None:
    """The question a member named like ``json/QANR5L17QE5268.json`` holds, else None."""
    match = _MEMBER.search(name)
    if match is None:
        return None
    try:
        return parse_question_id(match.group(1))
    except InvalidQuestionId:
        return None


def dataset_name(legislature: int, kind: str) -> str:
    """The name a legislature's zip of one kind is remembered by: ``an-16-qe``.

    A refresh finds the questions a zip covered, and its validators, by this name.
    """
    return f"an-{int(legislature)}-{kind.lower()}"


def dataset_of(names: Iterable[str]) -> str | None:
    """``an-<legislature>-<kind>`` when the members are one legislature's questions of one kind.

    None for anything else (a hand-made zip mixing kinds or legislatures, or
    members not named by UID): such a zip is read whole at every import.
    """
    found = {(match.group(2), match.group(3)) for name in names if (match := _MEMBER.search(name))}
    if len(found) != 1:
        return None
    legislature, kind = found.pop()
    return dataset_name(int(legislature), kind)
