"""Synthetic open data for the benchmarks: AN questions and zips, AMO, the Sénat's CSV and pages.

Built from the project's own fixtures (``fixtures/``), never from real samples:
a question is the fixture question with another number, author, dates, ministry
and text. Zips are written with fixed member timestamps, so that the same
content gives the same member (size and CRC-32) from one build to the next, as
the AN's daily zips do for a question that did not change.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
AN_SEED = FIXTURES / "sites/www.assemblee-nationale.fr/dyn/opendata/QANR5L15QE12526.json"
AMO_MEMBERS = FIXTURES / "amo/json"
SENAT_CSV = FIXTURES / "sites/data.senat.fr/data/questions/questions-depuis-un-an.csv"
SENAT_PAGE = FIXTURES / "sites/www.senat.fr/questions/base/2018/qSEQ180304125.html"

QE_ZIP_PATH = "/static/openData/repository/{legislature}/questions/questions_ecrites/Questions_ecrites.json.zip"
AMO_ZIP_PATH = (
    "/static/openData/repository/17/amo/tous_acteurs_mandats_organes_xi_legislature/"
    "AMO30_tous_acteurs_tous_mandats_tous_organes_historique.json.zip"
)
MINISTRIES = ["Intérieur", "Économie", "Santé", "Justice", "Armées", "Agriculture", "Culture"]
WORDS = [
    "retraite",
    "hôpital",
    "école",
    "impôt",
    "transport",
    "énergie",
    "logement",
    "police",
    "agriculture",
    "eau",
]
_STAMP = (2026, 11, 23, 0, 0, 0)


def zip_of(members: dict[str, bytes]) -> bytes:
    """A deflated zip of ``members``, in name order, with fixed timestamps."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=_STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            bundle.writestr(info, members[name])
    return buffer.getvalue()


def words(rng: random.Random, low: int = 80, high: int = 400) -> str:
    """Between ``low`` and ``high`` words of a question's vocabulary."""
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


# -- the AN ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ANQuestion:
    """What varies between the synthetic AN questions."""

    number: int
    legislature: int
    author: str  # PA… reference: the open data names no author
    ministry: str
    published: dt.date
    text: str
    answered: dt.date | None = None

    @property
    def uid(self) -> str:
        return f"QANR5L{self.legislature}QE{self.number}"

    @property
    def member(self) -> str:
        """Its member's name in the legislature's zip."""
        return f"json/{self.uid}.json"

    def document(self) -> bytes:
        """The open-data JSON, shaped like the fixture question."""
        document = json.loads(AN_SEED.read_bytes())
        question = document["question"]
        question["uid"] = self.uid
        question["identifiant"] = {
            "numero": str(self.number),
            "regime": "5eme Republique",
            "legislature": str(self.legislature),
        }
        question["auteur"]["identite"] = {"acteurRef": self.author, "mandatRef": None}
        question["minInt"]["abrege"] = self.ministry
        published = self.published.isoformat()
        question["textesQuestion"]["texteQuestion"]["infoJO"]["dateJO"] = published
        question["textesQuestion"]["texteQuestion"]["texte"] = f"<p>{self.text}</p>"
        question["minAttribs"]["minAttrib"]["infoJO"]["dateJO"] = published
        if self.answered is not None:
            day = self.answered.isoformat()
            info = {"typeJO": "JO_QUESTION", "dateJO": day, "pageJO": "412", "numJO": None}
            answer = f"<p>Réponse du ministère ({self.ministry}) à la question {self.number}.</p>"
            question["textesReponse"] = {"texteReponse": {"infoJO": info, "texte": answer}}
            question["cloture"] = {
                "codeCloture": "REP_PUB",
                "libelleCloture": "Réponse publiée",
                "dateCloture": day,
                "infoJO": info | {"pageJO": "401"},
            }
        return json.dumps(document, ensure_ascii=False).encode()


def an_questions(
    count: int, *, legislature: int, pending: float, authors: int, rng: random.Random
) -> list[ANQuestion]:
    """``count`` questions published over two years, a share ``pending`` of them unanswered."""
    start = dt.date(2024, 10, 1)
    made = []
    for number in range(1, count + 1):
        published = start + dt.timedelta(days=number * 730 // count)
        answered = None
        if rng.random() >= pending:
            answered = min(
                published + dt.timedelta(days=rng.randint(20, 200)), dt.date(2026, 11, 1)
            )
        made.append(
            ANQuestion(
                number=number,
                legislature=legislature,
                author=f"PA{700000 + rng.randrange(authors):06d}",
                ministry=rng.choice(MINISTRIES),
                published=published,
                text=words(rng),
                answered=answered,
            )
        )
    return made


def amo_zip(authors: int) -> bytes:
    """An AMO zip naming ``authors`` deputies (PA700000…), with the fixture's organs."""
    template = (AMO_MEMBERS / "acteur/PA000001.json").read_text(encoding="utf-8")
    members = {
        f"json/organe/{path.name}": path.read_bytes() for path in AMO_MEMBERS.glob("organe/*.json")
    }
    for index in range(authors):
        ref = f"PA{700000 + index:06d}"
        document = json.loads(template.replace("PA000001", ref))
        ident = document["acteur"]["etatCivil"]["ident"]
        ident["nom"] = ident["alpha"] = f"Député{index}"
        ident["prenom"] = "Camille"
        members[f"json/acteur/{ref}.json"] = json.dumps(document, ensure_ascii=False).encode()
    return zip_of(members)


# -- the Sénat ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SenatQuestion:
    """What varies between the synthetic Sénat questions (written questions, QE)."""

    number: int
    published: dt.date
    title: str
    text: str
    answered: dt.date | None = None

    @property
    def reference(self) -> str:
        return f"SEQ{self.published:%y%m}{self.number:05d}"

    @property
    def path(self) -> str:
        """Its page on www.senat.fr."""
        return f"/questions/base/{self.published.year}/q{self.reference}.html"

    def row(self) -> str:
        """Its line of ``questions-depuis-un-an.csv``."""
        state = "Réponse reçue" if self.answered else "En attente de réponse"
        answered = self.answered.isoformat() if self.answered else ""
        responding = "Intérieur" if self.answered else ""
        return ";".join(
            [
                state,
                "QE",
                f"{self.number:05d}",
                self.reference,
                self.title,
                "Bonnecarrère",
                "Philippe",
                "M.",
                "Tarn",
                "UC",
                "",
                self.published.isoformat(),
                "Intérieur",
                "",
                "",
                responding,
                answered,
                "",
                "",
                "",
                f"http://www.senat.fr{self.path}",
            ]
        )

    def page(self) -> bytes:
        """Its page, shaped like the fixture page."""
        html = SENAT_PAGE.read_text(encoding="utf-8")
        html = html.replace("SEQ180304125", self.reference).replace(
            "/2018/", f"/{self.published.year}/"
        )
        html = html.replace(
            "Dysfonctionnements du site de l'agence nationale des titres sécurisés", self.title
        )
        html = html.replace("publiée le 22/03/2018", f"publiée le {self.published:%d/%m/%Y}")
        head, _, rest = html.partition('<div class="text-question">')
        _, _, rest = rest.partition("</div>")
        html = f'{head}<div class="text-question">\n<p>{self.text}</p>\n</div>{rest}'
        before, _, after = html.partition('<h2 class="title-answer">')
        _, _, after = after.partition('<p class="jo-page">- page 2390</p>')
        if self.answered is None:
            return (before + after).encode()
        answer = (
            f'<h2 class="title-answer">Réponse du Ministère de l\'intérieur publiée le '
            f'{self.answered:%d/%m/%Y}</h2>\n<div class="text-answer">\n'
            f"<p>Réponse à la question {self.number}.</p>\n</div>\n"
            '<p class="jo-page">- page 2390</p>'
        )
        return (before + answer + after).encode()


def senat_questions(
    count: int, *, today: dt.date, pending: float, rng: random.Random
) -> list[SenatQuestion]:
    """``count`` questions of the rolling year before ``today``."""
    made = []
    for number in range(1, count + 1):
        published = today - dt.timedelta(days=360 - number * 330 // count)
        answered = None
        if rng.random() >= pending:
            answered = min(published + dt.timedelta(days=rng.randint(20, 120)), today)
        title = f"Question {number} sur {rng.choice(WORDS)}"
        made.append(SenatQuestion(number, published, title, words(rng, 60, 200), answered))
    return made


def senat_csv(questions: list[SenatQuestion]) -> bytes:
    """``questions-depuis-un-an.csv``: the fixture's header, one line a question, in cp1252."""
    header = SENAT_CSV.read_bytes().split(b"\n", 1)[0].rstrip(b"\r")
    lines = [row.row().encode("cp1252") for row in questions]
    return b"\r\n".join([header, *lines]) + b"\r\n"


def senat_year_index(questions: list[SenatQuestion], year: int) -> bytes:
    """The page ``/questions/base/{year}/``: a link to every question of the year."""
    links = "\n".join(
        f'<li><a href="{question.path}">{question.title}</a></li>'
        for question in questions
        if question.published.year == year
    )
    return f"<html><body><ul>\n{links}\n</ul></body></html>".encode()
