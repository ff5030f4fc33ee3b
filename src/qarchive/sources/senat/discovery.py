"""Find Sénat questions to fetch, cheaply: the rolling-year CSV and the yearly index pages.

Pure functions over bytes, for ``refresh`` to call after fetching
:func:`~qarchive.sources.senat.urls.csv_url` or
:func:`~qarchive.sources.senat.urls.year_index_url`. The ``/basile/`` search is
never used: robots.txt disallows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from qarchive.errors import InvalidQuestionId
from qarchive.model.ids import Chamber, QuestionId, parse_question_id
from qarchive.sources.senat.opendata_csv import LineReader, RowProblem, iter_rows

__all__ = ["references_from_csv", "references_from_year_index"]

_REFERENCE_IN_URL = re.compile(r"q?SEQ\w{9}", re.IGNORECASE)
# A page name anywhere in the markup: href="qSEQ180304125.html", an absolute URL,
# "visio.do?id=qSEQ16030791G&…". The real index markup was not seen: match names,
# not elements.
_PAGE_NAME = re.compile(rb"(?<![A-Za-z0-9])qSEQ(\d{8}[0-9A-Za-z])(?![A-Za-z0-9])", re.IGNORECASE)


def references_from_csv(
    stream: LineReader, *, url: str = "questions-depuis-un-an.csv"
) -> list[QuestionId]:
    r"""Every question reference in ``questions-depuis-un-an.csv``, in file order, once each.

    Only the ``Référence`` column is read (the ``URL Question`` column where it is
    empty); rows without a valid reference are skipped.

    Raises:
        UnknownFormat: the content does not start with the CSV's header (an error
            page served in its place, for instance).

    Example:
        >>> import io
        >>> data = "Référence;Date de publication JO\nSEQ180304125;2018-03-22\n"
        >>> references_from_csv(io.BytesIO(data.encode("cp1252")))[0].canonical
        'SEQ180304125'
    """
    found = []
    for item in iter_rows(stream, url=url):
        if isinstance(item, RowProblem):
            continue
        row = item[1]
        reference = (row.get("Référence") or "").strip()
        if not reference and (match := _REFERENCE_IN_URL.search(row.get("URL Question") or "")):
            reference = match.group()
        found.append(reference)
    return _unique(found)


def references_from_year_index(html: bytes, *, year: int) -> list[QuestionId]:
    """The questions a yearly index page ``/questions/base/{YYYY}/`` links to, once each.

    Links to questions of other years (a rappel pointing back) are left out.

    Example:
        >>> page = b'<a href="/questions/base/2018/qSEQ180304125.html">ANTS</a>'
        >>> [q.canonical for q in references_from_year_index(page, year=2018)]
        ['SEQ180304125']
    """
    names = ("SEQ" + match.group(1).decode() for match in _PAGE_NAME.finditer(html))
    return [qid for qid in _unique(names) if qid.year == year]


def _unique(references: Iterable[str]) -> list[QuestionId]:
    seen: dict[QuestionId, None] = {}
    for reference in references:
        try:
            qid = parse_question_id(reference)
        except InvalidQuestionId:
            continue
        if qid.chamber is Chamber.SENAT:
            seen.setdefault(qid, None)
    return list(seen)
