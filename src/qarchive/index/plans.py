"""How a listing with a limit reads the index: which index to walk, and the delay order.

A page of 50 rows out of a million must not sort the million. SQLite cannot
tell, without knowing how many questions a filter keeps, whether to walk an
index in the order asked and stop at the limit or to look the matching rows up
and sort them; and it cannot walk any index for the delay order, whose key
(days waiting) depends on today. These functions say it: :func:`walk_index`
names the index for the order asked, :func:`delay_branches` splits the delay
order into parts that each follow an index.
"""

from __future__ import annotations

from dataclasses import dataclass

from qarchive.index.choices import SortKey
from qarchive.index.filters import Filters, Matches
from qarchive.index.rows import TEXT_FILTERS

__all__ = ["DelayBranch", "delay_branches", "text_index", "walk_index"]

# Every status a question can have (qarchive.model.question.Status, without pydantic).
_STATUSES = ("pending", "answered", "withdrawn", "lapsed", "converted")


def text_index(matches: Matches, *, rows: int | None, total: int) -> str | None:
    """The index of the text filter to look matches up by, or None to walk the order.

    Walking the order and stopping after ``rows`` reads about ``rows × total /
    matching`` rows; looking the matching ones up and sorting them reads
    ``matching``. ``rows`` None: every row is wanted, so the lookup wins.
    """
    selective = matches.most_selective()
    if selective is None:
        return None
    if rows is None or selective[1] ** 2 <= rows * total:
        return f"questions_{TEXT_FILTERS[selective[0]]}"
    return None


def walk_index(filters: Filters, sort: SortKey) -> str:
    """The index that gives ``sort``'s order (the delay order excepted) for these filters.

    A legislature is a range of publication dates: walking every question newest
    first would pass all of a later legislature's before the first row of an
    earlier one, so a legislature filter walks its own index.
    """
    if sort is SortKey.MINISTRY:
        return "questions_ministry_published"
    if filters.legislature is not None:
        return "questions_legislature_published"
    if filters.unanswered or filters.answered or filters.overdue:
        return "questions_status_published"
    return "questions_published"


@dataclass(frozen=True, slots=True)
class DelayBranch:
    """One part of the delay order: its rows, their sort key and order, the index they follow."""

    condition: str  # over ``questions`` q, besides the filters
    key: str  # the delay-order key of these rows ("?" stands for today)
    order: str  # their order, that of the whole listing within the part
    index: str
    keyed: bool  # False: the key is NULL, after every keyed row


def delay_branches(filters: Filters) -> list[DelayBranch]:
    """The parts of the delay order (see :data:`qarchive.index.query` ``_ORDER``) for ``filters``.

    The order's key is the answer delay where there is one, else the days a
    pending question has waited, else nothing (last). Per status, the rows with
    a delay follow the index (status, answer_delay_days) from the longest; the
    pending ones without follow the publication date from the oldest (the
    longest wait); the others, keyed NULL, come last, oldest first. Statuses the
    filters exclude have no part: a part whose rows no filter can match would
    walk its whole index for nothing.
    """
    if filters.unanswered or filters.overdue:
        statuses: tuple[str, ...] = ("pending",)
    elif filters.answered:
        statuses = ("answered",)
    else:
        statuses = _STATUSES
    waiting_index = (
        "questions_legislature_published"
        if filters.legislature is not None
        else "questions_status_published"
    )
    branches = [
        DelayBranch(
            condition=f"q.status = '{status}' AND q.answer_delay_days IS NOT NULL",
            key="q.answer_delay_days",
            order="q.answer_delay_days DESC, q.published, q.id",
            index="questions_status_delay",
            keyed=True,
        )
        for status in statuses
    ]
    if "pending" in statuses:
        branches.append(
            DelayBranch(
                condition="q.status = 'pending' AND q.answer_delay_days IS NULL",
                key="CAST(julianday(?) - julianday(q.published) AS INTEGER)",
                order="q.published, q.id",
                index=waiting_index,
                keyed=True,
            )
        )
    for status in statuses:
        if status != "pending":
            # An answered question nearly always has a delay, the others nearly never:
            # look the few up by delay (NULL first), or walk the status by date.
            index = (
                "questions_status_delay" if status == "answered" else "questions_status_published"
            )
            branches.append(
                DelayBranch(
                    condition=f"q.status = '{status}' AND q.answer_delay_days IS NULL",
                    key="NULL",
                    order="q.published, q.id",
                    index=index,
                    keyed=False,
                )
            )
    return branches
