"""The AMO fixture: members in fixtures/amo/json/, and the zip the fake data site serves.

``fixtures/amo/json/{acteur,organe,deport}/*.json`` are the reviewable files; the
zip at the real AMO30 path under ``fixtures/sites/data.assemblee-nationale.fr`` is
built from them, byte for byte reproducibly (``pytest --update-golden`` rewrites
it, and a test checks the two agree).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from conftest import FIXTURES, SITES

AMO_MEMBERS = FIXTURES / "amo"
AMO_URL_PATH = (
    "/static/openData/repository/17/amo/tous_acteurs_mandats_organes_xi_legislature/"
    "AMO30_tous_acteurs_tous_mandats_tous_organes_historique.json.zip"
)
AMO_ZIP = SITES / "data.assemblee-nationale.fr" / AMO_URL_PATH.lstrip("/")


def amo_zip_bytes(extra: dict[str, bytes] | None = None) -> bytes:
    """The fixture zip, members in name order, fixed timestamps; ``extra`` added or replaced."""
    members = {
        path.relative_to(AMO_MEMBERS).as_posix(): path.read_bytes()
        for path in AMO_MEMBERS.rglob("*.json")
    } | (extra or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 23, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            bundle.writestr(info, members[name])
    return buffer.getvalue()


def write_amo_zip(path: Path, extra: dict[str, bytes] | None = None) -> Path:
    """Write the fixture zip (with ``extra`` members) to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(amo_zip_bytes(extra))
    return path


SEED_JSON = SITES / "www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE12526.json"
GROUPS = {
    "PO000001": ("LFI", "La France insoumise"),
    "PO000005": ("LAREM", "La République en Marche"),
    "PO000006": ("EDS", "Écologie Démocratie Solidarité"),
    "PO000008": ("LR", "Les Républicains"),
}


def question_json(
    number: int,
    *,
    author: str = "PA000001",
    mandate: str | None = "PM000001",
    group: str | None = "PO000001",
    published: str = "2018-10-02",
    answered: str | None = None,
    answer_page: str | None = "412",
    closure_page: str | None = "401",
    answer_text: str = "<p>Réponse synthétique, écrite pour les tests de qarchive.</p>",
) -> bytes:
    """A legislature-15 open-data question shaped like the seed, by another author or date.

    ``group`` is what the question's own ``auteur.groupe`` says (None: no block);
    an answered question gets a ``texteReponse`` on page ``answer_page`` and a
    ``cloture`` whose JO page, ``closure_page``, is the first page of the answers
    section, as in the real data.
    """
    document = json.loads(SEED_JSON.read_bytes())
    question = document["question"]
    question["uid"] = f"QANR5L15QE{number}"
    question["identifiant"]["numero"] = str(number)
    question["auteur"]["identite"] = {"acteurRef": author, "mandatRef": mandate}
    short, full = GROUPS.get(group or "", (None, None))
    question["auteur"]["groupe"] = (
        {"organeRef": group, "abrege": short, "developpe": full} if group else None
    )
    question["textesQuestion"]["texteQuestion"]["infoJO"]["dateJO"] = published
    question["minAttribs"]["minAttrib"]["infoJO"]["dateJO"] = published
    if answered is not None:
        info = {"typeJO": "JO_QUESTION", "dateJO": answered, "pageJO": answer_page, "numJO": None}
        question["textesReponse"] = {"texteReponse": {"infoJO": info, "texte": answer_text}}
        question["cloture"] = {
            "codeCloture": "REP_PUB",
            "libelleCloture": "Réponse publiée",
            "dateCloture": answered,
            "infoJO": info | {"pageJO": closure_page},
        }
    return json.dumps(document, ensure_ascii=False).encode()


def legislature_zip(path: Path, questions: dict[int, bytes]) -> Path:
    """A Questions_ecrites.json.zip of the given question documents."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for number, content in sorted(questions.items()):
            bundle.writestr(f"json/QANR5L15QE{number}.json", content)
    return path
