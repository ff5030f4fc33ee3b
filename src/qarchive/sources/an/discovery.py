"""Find AN questions to fetch, cheaply: the daily open-data publication lists.

Pure functions over bytes, for ``refresh`` to call after fetching
:func:`~qarchive.sources.an.urls.publication_list_url`.
"""

from __future__ import annotations

import re

from qarchive.model.ids import QuestionId, parse_question_id

__all__ = ["ids_from_publication_list"]

_UID = re.compile(r"QANR5L\d{1,3}(?:QE|QG|QOSD)\d{1,7}")


def ids_from_publication_list(content: bytes) -> list[QuestionId]:
    """The questions a day's publication list names, in order, once each."""
    text = content.decode("utf-8", errors="replace")
    return list(dict.fromkeys(parse_question_id(uid) for uid in _UID.findall(text)))
