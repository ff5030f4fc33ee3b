"""Open-data JSON pages for made-up AN questions, built from the seed's fixture.

The seed fixture is the only real-shaped open-data page of the local site; these
variants change its number, title, text, answer, closure and signalement so that
tests can serve several questions that evolve from one refresh to the next.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

from conftest import SITES

SEED_JSON = SITES / "www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE12526.json"
_SEED: dict[str, Any] = json.loads(SEED_JSON.read_text(encoding="utf-8"))


def opendata_path(number: int, legislature: int = 15) -> str:
    """The path the local AN site serves a question's open data at."""
    return f"/dyn/opendata/QANR5L{legislature}QE{number}.json"


def _info(day: str, page: str | None = None) -> dict[str, Any]:
    return {
        "typeJO": "JO_QUESTION",
        "dateJO": day,
        "pageJO": page,
        "numJO": None,
        "urlLegifrance": None,
        "referenceNOR": None,
    }


def opendata_page(
    number: int,
    *,
    title: str,
    text: str,
    published: str = "2019-01-08",
    legislature: int = 15,
    answer: tuple[str, str] | None = None,
    closure: tuple[str, str, str] | None = None,
    signalement: str | None = None,
    ministry: str | None = None,
) -> bytes:
    """An open-data page: ``answer`` is (JO date, text), ``closure`` (code, label, date)."""
    document = copy.deepcopy(_SEED)
    question = document["question"]
    question["uid"] = f"QANR5L{legislature}QE{number}"
    question["identifiant"].update(numero=str(number), legislature=str(legislature))
    question["indexationAN"]["ANALYSE"]["ANA"] = title
    texte = question["textesQuestion"]["texteQuestion"]
    texte["texte"] = text
    texte["infoJO"] = _info(published, "100")
    question["minAttribs"]["minAttrib"]["infoJO"]["dateJO"] = published
    if ministry is not None:
        block = {"organeRef": "PO000009", "abrege": ministry, "developpe": f"Ministère {ministry}"}
        question["minInt"] = block
        question["minAttribs"]["minAttrib"]["denomination"] = block
    if answer is not None:
        day, answer_text = answer
        question["textesReponse"] = {
            "texteReponse": {"infoJO": _info(day, "412"), "texte": f"<p>{answer_text}</p>"}
        }
        closure = ("REP_PUB", "Réponse publiée", day)
    if closure is not None:
        code, label, day = closure
        question["cloture"] = {
            "codeCloture": code,
            "libelleCloture": label,
            "dateCloture": day,
            "infoJO": _info(day),
        }
    if signalement is not None:
        question["signalement"] = {"dateDepotSignal": signalement, "infoJO": _info(signalement)}
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def publication_list(day: dt.date, numbers: list[int], legislature: int = 15) -> tuple[str, bytes]:
    """The AN's daily publication list naming these questions: (path, content)."""
    path = f"/dyn/opendata/list-publication/publication_{day.isoformat()}.csv"
    lines = [
        f"{day.isoformat()}T04:00:00;https://www.assemblee-nationale.fr/dyn/opendata/"
        f"QANR5L{legislature}QE{number}.xml"
        for number in numbers
    ]
    return path, ("\n".join(lines) + "\n").encode("utf-8")
