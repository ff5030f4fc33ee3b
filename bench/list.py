"""Time list, search and stats over a synthetic index of 1,000,000 questions, by hand.

Usage: uv run python bench/list.py [--questions N] [--runs N] [--archive DIR] [--rebuild]

The index is written directly (bulk SQL into the schema of ``qarchive.index.schema``, whose
triggers fill ``filter_values``, ``stats_tallies`` and ``stats_totals`` as rows go
in), with no version files: ``list``, ``search`` and ``stats`` read only the index.
Titles and texts are drawn word by word from a Zipf-distributed vocabulary (50,000
word forms, real French ones at the top ranks; questions of 80–350 words, answers of
100–400, "éoliennes" in about 0.75 % of the questions), rubriques from 84 real ones.
The index is kept in ``--archive`` and reused by later runs of the same size (an
index of an older schema is upgraded in place, as qarchive does, when it can be).
Each command then runs through the installed console script in a fresh process (what
a user waits for), and in-process through the library (the query alone).
Results go into bench/README.md with the machine and the date.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import math
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from functools import partial
from itertools import accumulate
from pathlib import Path
from typing import Any

from qarchive.index import rows as qrows
from qarchive.index import schema as qindex
from qarchive.index.choices import StatsGroup
from qarchive.index.filters import Filters
from qarchive.index.query import list_questions, search_questions
from qarchive.index.stats import compute_stats
from qarchive.model.question import add_months
from qarchive.store.archive import Archive

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).with_name("qarchive")  # the venv's console script
TODAY = dt.date.today()
SEED = 20261123

# (legislature, first day, last day, share of the questions)
LEGISLATURES = [
    (14, dt.date(2012, 6, 26), dt.date(2017, 6, 20), 0.38),
    (15, dt.date(2017, 6, 27), dt.date(2022, 6, 21), 0.32),
    (16, dt.date(2022, 6, 28), dt.date(2024, 6, 9), 0.12),
    (17, dt.date(2024, 7, 18), TODAY - dt.timedelta(days=3), 0.18),
]
MINISTRIES = [
    "Intérieur", "Santé et prévention", "Économie, finances", "Travail, plein emploi",
    "Agriculture et souveraineté alimentaire", "Éducation nationale", "Transition écologique",
    "Armées", "Justice", "Solidarités", "Transports", "Logement", "Culture",
    "Enseignement supérieur", "Europe et affaires étrangères", "Comptes publics",
    "Collectivités territoriales", "Numérique", "Sports", "Outre-mer", "Personnes handicapées",
    "Ruralité", "Commerce", "Tourisme", "Mer", "Anciens combattants", "Jeunesse",
    "Industrie", "Énergie", "Fonction publique", "Égalité femmes-hommes", "Famille",
    "Petite enfance", "Retraites", "Ville", "Biodiversité", "Forêt", "PME", "Consommation",
    "Relations avec le Parlement",
]  # fmt: skip
GROUPS = [
    ("RE", "Renaissance"), ("RN", "Rassemblement national"), ("LFI", "La France insoumise"),
    ("SOC", "Socialistes et apparentés"), ("LR", "Les Républicains"), ("DEM", "Démocrate"),
    ("HOR", "Horizons"), ("ECO", "Écologiste"), ("GDR", "Gauche démocrate et républicaine"),
    ("LIOT", "Libertés, indépendants, outre-mer et territoires"), ("UDI", "UDI et indépendants"),
    ("NI", "Non inscrit"),
]  # fmt: skip
FIRST = ["Marie", "Jean", "Sophie", "Pierre", "Nathalie", "Philippe", "Isabelle", "Michel",
         "Catherine", "Alain", "Sylvie", "Éric", "Valérie", "Laurent", "Christine", "Thierry"]  # fmt: skip
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
        "Leroy", "Moreau", "Simon", "Laurent", "Lefèbvre", "Michel", "Garcia", "David",
        "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier",
        "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Légaré"]  # fmt: skip
DEPARTMENTS = ["Nord", "Paris", "Bouches-du-Rhône", "Rhône", "Gironde", "Haute-Garonne",
               "Loire-Atlantique", "Finistère", "Isère", "Bas-Rhin", "Hérault", "Var"]  # fmt: skip
WORDS = [
    "hôpital", "urgences", "médecins", "déserts", "médicaux", "pharmacie", "vaccins",
    "retraites", "pensions", "agriculteurs", "éleveurs", "lait", "prix", "énergie",
    "électricité", "éoliennes", "nucléaire", "carburant", "transport", "ferroviaire", "ligne",
    "gare", "routes", "sécurité", "police", "gendarmerie", "titres", "sécurisés", "passeports",
    "délais", "école", "enseignants", "collège", "université", "étudiants", "logement",
    "loyers", "handicap", "accompagnement", "aidants", "fiscalité", "impôt", "taxe",
    "foncière", "communes", "collectivités", "dotation", "eau", "assainissement", "forêt",
    "incendies", "chasse", "pêche", "littoral", "tourisme", "culture", "patrimoine", "musées",
    "numérique", "fibre", "couverture", "mobile", "associations", "bénévoles", "sport",
    "jeunesse", "prison", "justice", "tribunaux", "greffiers", "armées", "anciens",
    "combattants", "outre-mer", "frontaliers", "douane", "commerce", "artisans", "entreprises",
    "chômage", "formation", "apprentissage", "crèches", "enfance", "famille", "allocations",
    "précarité", "pauvreté", "alimentation", "cantine", "bio", "pesticides", "climat",
    "biodiversité", "ours", "loup", "vigne", "viticulture", "export", "industrie", "emploi",
]  # fmt: skip
FILLER = ["le", "la", "les", "des", "du", "de", "sur", "pour", "dans", "avec", "par", "attire",
          "attention", "ministre", "situation"]  # fmt: skip
# The texts' vocabulary, most frequent first: function words and the domain words of
# nearly every question (their order is their Zipf rank), then WORDS and TOPICAL at
# ranks spread from about 400 to 15,000, "éoliennes" at EOLIENNES_RANK, and
# generated pseudo-words for the rest, up to VOCABULARY_SIZE word forms.
COMMON = [
    "de", "la", "le", "les", "des", "et", "à", "l'", "en", "du", "d'", "que", "qui", "pour",
    "dans", "un", "une", "sur", "est", "par", "au", "ne", "pas", "ministre", "plus", "ce",
    "aux", "qu'", "a", "il", "cette", "son", "ses", "sont", "avec", "leur", "se", "ou", "n'",
    "s'", "situation", "ces", "être", "été", "sa", "leurs", "comme", "mais", "si", "elle",
    "ont", "y", "tout", "tous", "ainsi", "notamment", "gouvernement", "afin", "mesures",
    "entre", "dont", "lors", "sans", "également", "attention", "état", "compte", "cadre",
    "non", "peut", "doit", "fait", "faire", "aussi", "même", "place", "depuis", "mise",
    "œuvre", "public", "publique", "services", "personnes", "santé", "entreprises", "communes",
    "loi", "dispositif", "nombre", "cas", "où", "deux", "très", "donc", "toutefois",
    "cependant", "alors", "avant", "après", "part", "c'", "nationale", "national", "territoire",
    "ensemble", "accès", "ministère", "projet", "question", "moyens", "demande", "souhaite",
    "savoir", "entend", "prendre", "intentions", "année", "ans", "nouvelle", "nouveau", "temps",
    "conditions", "charge", "français", "france", "pays", "collectivités", "aide", "aides",
    "soutien", "politique", "financement", "coût", "millions", "euros", "milliards", "travail",
    "emploi", "formation", "action", "actions", "plan", "réforme", "décret", "article", "code",
    "texte", "application", "procédure", "dossier", "dossiers", "délai", "règles", "droit",
    "droits", "obligation", "acteurs", "professionnels", "secteur", "activité", "économique",
    "sociale", "social", "local", "locaux", "élus", "maires", "département", "départements",
    "région", "régions", "territoriales", "rural", "ruraux", "zones", "population", "habitants",
    "citoyens", "familles", "enfants", "jeunes", "âgées", "patients", "usagers", "agents",
    "salariés", "administration", "préfet", "préfecture", "établissements", "structures",
    "réseau", "qualité", "niveau", "développement", "besoins", "difficultés", "problème",
    "risques", "risque", "sécurité", "protection", "prévention", "contrôle", "réponse",
    "inquiétude", "préoccupation", "concernant", "relative", "relatif", "suite", "face",
    "regard", "effet", "matière", "titre", "vue", "manière", "fin", "lieu", "objectif",
    "objectifs", "période", "date", "jour", "mois", "récemment", "actuellement", "aujourd'hui",
    "prochaines", "dernières", "années", "plusieurs", "certains", "certaines", "nombreux",
    "nombreuses", "chaque", "autres", "autre", "premier", "première", "particulier",
    "particulière", "important", "importante", "nécessaire", "possible", "difficile", "grand",
    "grande", "petites", "moyennes", "augmentation", "baisse", "hausse", "évolution",
    "modification", "réalisation", "création", "suppression", "maintien", "gestion",
    "organisation", "fonctionnement", "information", "rapport", "étude", "données",
    "résultats", "chiffres", "montant", "budget", "crédits", "fonds", "dépenses", "recettes",
    "prix", "marché", "concurrence", "production", "filière", "filières", "consommateurs",
    "entreprise", "commune", "collectivité", "parlement", "assemblée", "sénat", "européenne",
    "union", "international", "internationale", "accord", "engagement", "engagements",
    "annonce", "prévu", "prévue", "prévus", "permet", "permettre", "permettant", "pourrait",
    "pourraient", "devrait", "serait", "seraient", "existe", "reste", "restent", "concerne",
    "indique", "rappelle", "précise", "répondre", "apporter", "garantir", "assurer",
    "renforcer", "améliorer", "favoriser", "envisage", "tenu", "égard", "jusqu'", "lorsqu'",
    "puisqu'", "selon", "vers", "contre", "sous", "encore", "déjà", "seulement", "toujours",
    "aucun", "aucune", "quelles", "quelle", "quels", "celle", "celles", "ceux", "celui",
    "lequel", "laquelle", "auprès", "particulièrement", "directement", "rapidement",
]  # fmt: skip
TOPICAL = [
    "agriculture", "médecin", "infirmiers", "ehpad", "autonomie", "dépendance", "maladie",
    "hospitalier", "soins", "lycée", "lycées", "élèves", "enseignement", "recherche",
    "innovation", "carburants", "gaz", "chauffage", "rénovation", "bâtiments", "urbanisme",
    "permis", "construire", "sécheresse", "inondations", "catastrophe", "naturelle",
    "assurance", "assureurs", "banques", "crédit", "consommation", "commerçants", "centres",
    "villes", "quartiers", "violences", "victimes", "femmes", "égalité", "discriminations",
    "laïcité", "immigration", "étrangers", "asile", "nationalité", "visa", "identité",
    "cartes", "mairies", "état-civil", "élections", "vote", "procurations", "pompiers",
    "secours", "samu", "ambulances", "transports", "bus", "trains", "tgv", "ter", "autoroute",
    "péages", "aéroport", "vols", "ports", "pêcheurs", "quotas", "bateaux", "montagne",
    "neige", "stations", "saisonniers", "hébergement", "hôtellerie", "restauration",
    "apprentis", "alternance", "diplômes", "bourses", "orientation", "harcèlement",
    "réseaux", "plateformes", "données", "cybersécurité", "téléphonie", "antennes",
    "déchets", "recyclage", "plastique", "emballages", "pollution", "air", "bruit", "amiante",
    "glyphosate", "abeilles", "semences", "céréales", "betteraves", "bovins", "ovins",
    "abattoirs", "vétérinaires", "animaux", "chiens", "chats", "zoos", "cirques", "corrida",
]  # fmt: skip
RUBRIQUES = [
    "santé", "énergie et carburants", "agriculture", "collectivités territoriales",
    "impôts et taxes", "retraites : généralités", "enseignement", "logement",
    "sécurité des biens et des personnes", "professions de santé", "personnes handicapées",
    "transports ferroviaires", "établissements de santé", "outre-mer", "environnement",
    "police", "justice", "emploi et activité", "entreprises", "fonction publique territoriale",
    "famille", "pharmacie et médicaments", "communes", "eau et assainissement",
    "personnes âgées", "chasse et pêche", "animaux", "enfants", "femmes", "gendarmerie",
    "bois et forêts", "commerce et artisanat", "formation professionnelle et apprentissage",
    "chômage : indemnisation", "fonctionnaires et agents publics", "sports", "culture",
    "patrimoine culturel", "télécommunications", "numérique", "défense",
    "anciens combattants et victimes de guerre", "étrangers", "papiers d'identité",
    "état civil", "élections et référendums", "aménagement du territoire", "ruralité",
    "urbanisme", "tourisme et loisirs", "consommation", "banques et établissements financiers",
    "assurances", "assurance maladie maternité", "sécurité sociale", "prestations familiales",
    "pauvreté", "associations et fondations", "enseignement supérieur",
    "recherche et innovation", "enseignement secondaire", "enseignement maternel et primaire",
    "politique extérieure", "Union européenne", "frontaliers", "automobiles",
    "sécurité routière", "voirie", "transports routiers", "transports aériens",
    "transports urbains", "mer et littoral", "pollution", "déchets", "biodiversité",
    "agroalimentaire", "drogue", "travail", "professions libérales", "marchés publics",
    "lieux de privation de liberté", "services publics", "arts et spectacles", "cultes",
]  # fmt: skip
MINISTRY_WEIGHTS = [1 / (rank + 1) ** 1.1 for rank in range(len(MINISTRIES))]
RUBRIQUE_CUM_WEIGHTS = list(accumulate(1 / (rank + 1) for rank in range(len(RUBRIQUES))))
VOCABULARY_SIZE, ZIPF_EXPONENT = 50_000, 1.05
# "éoliennes" in about 0.75 % of the questions, as a topic of rural constituencies
EOLIENNES_RANK = 3_400
# "titres sécurisés" as a phrase: put in the title and text of this share of the
# questions (the two words, drawn at ranks 602 and 613, fall side by side in a
# handful of a million questions)
PHRASE, PHRASE_SHARE = "titres sécurisés", 0.0025
OPENING = "attire l'attention de M. le ministre sur"


def _pseudo_words(count: int, taken: set[str]) -> list[str]:
    """``count`` made-up French-looking words, none folding to a word of ``taken``."""
    rng = random.Random(f"{SEED}-vocabulary")
    onsets = ["", "b", "c", "d", "f", "g", "j", "l", "m", "n", "p", "r", "s", "t", "v", "ch",
              "br", "cr", "dr", "fr", "gr", "pr", "tr", "pl", "cl", "bl", "qu", "gu"]  # fmt: skip
    # plain vowels mostly; a few accented ones, as in French
    vowels = ["a", "a", "a", "e", "e", "e", "i", "i", "o", "o", "u", "é", "é", "ou", "ai", "au",
              "eu", "oi", "an", "en", "on", "in", "è", "ê", "â", "ô", "î"]  # fmt: skip
    endings = ["", "", "", "s", "tion", "tions", "ment", "ments", "ité", "eur", "eurs", "ique",
               "iques", "age", "ance", "ence", "ier", "ière", "eux", "euse", "al", "aux", "ée",
               "és", "ées", "er", "ir", "ant", "ante", "isme", "iste", "oire", "elle", "erie"]  # fmt: skip
    words: list[str] = []
    while len(words) < count:
        syllables = (
            rng.choice(onsets) + rng.choice(vowels) for _ in range(rng.choice((1, 2, 2, 2, 3)))
        )
        word = "".join(syllables) + rng.choice(endings)
        folded = qrows.fold(word)
        if len(word) >= 4 and folded not in taken:
            taken.add(folded)
            words.append(word)
    return words


def _vocabulary() -> list[str]:
    """VOCABULARY_SIZE word forms, most frequent first (see COMMON)."""
    common = list(dict.fromkeys([*COMMON, *FILLER]))
    topical = [w for w in dict.fromkeys([*WORDS, *TOPICAL]) if w not in common]
    topical.remove("éoliennes")
    taken = {qrows.fold(word) for word in [*common, *topical, "éoliennes"]}
    pseudo = iter(_pseudo_words(VOCABULARY_SIZE - len(common) - len(topical) - 1, taken))
    # topical words at ranks spaced evenly on a log scale from 400 to 15,000
    step = (15_000 / 400) ** (1 / (len(topical) - 1))
    placed = {EOLIENNES_RANK: "éoliennes"}
    for number, word in enumerate(topical):
        rank = round(400 * step**number)
        while rank in placed:
            rank += 1
        placed[rank] = word
    tail = [
        placed.get(rank) or next(pseudo) for rank in range(len(common) + 1, VOCABULARY_SIZE + 1)
    ]
    return [*common, *tail]


VOCABULARY = _vocabulary()
VOCABULARY_CUM_WEIGHTS = list(
    accumulate(1 / rank**ZIPF_EXPONENT for rank in range(1, len(VOCABULARY) + 1))
)


def _authors(rng: random.Random, count: int = 600) -> list[tuple[str, str, str, int, str]]:
    """(name, civility, ref, group index, department) for ``count`` deputies."""
    authors = []
    for number in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        civility = "Mme" if first in {"Marie", "Sophie", "Nathalie", "Isabelle"} else "M."
        group = min(int(rng.expovariate(0.35)), len(GROUPS) - 1)
        ref = f"PA{700000 + number}"
        authors.append((f"{first} {last}", civility, ref, group, rng.choice(DEPARTMENTS)))
    return authors


def _join(words: list[str]) -> str:
    """Words as text, elisions joined ("l'attention")."""
    return " ".join(words).replace("' ", "'")


def _status(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.30:
        return "pending"
    if roll < 0.90:
        return "answered"
    if roll < 0.95:
        return "lapsed"
    return "withdrawn" if roll < 0.99 else "converted"


def _rows(count: int, seed: int) -> Iterator[tuple[tuple[Any, ...], tuple[str, ...]]]:
    """(questions row in COLUMN_NAMES order, FTS row) for ``count`` synthetic questions."""
    rng = random.Random(seed)
    # Texts draw from their own generator: the other fields stay the same when they change.
    texts = random.Random(f"{seed}-texts")
    choices = texts.choices

    def draw(count: int) -> list[str]:
        return choices(VOCABULARY, cum_weights=VOCABULARY_CUM_WEIGHTS, k=count)

    authors = _authors(rng)
    legislature_weights = [share for *_, share in LEGISLATURES]
    numbers = {legislature: 0 for legislature, *_ in LEGISLATURES}
    fetched_at = dt.datetime.now(dt.UTC).isoformat()
    for _ in range(count):
        legislature, first, last, _share = rng.choices(LEGISLATURES, legislature_weights)[0]
        numbers[legislature] += 1
        number = numbers[legislature]
        qid = f"{legislature}-{number}QE"
        published = first + dt.timedelta(days=rng.randrange((last - first).days + 1))
        name, civility, ref, group_index, department = rng.choice(authors)
        short, full = GROUPS[group_index]
        ministry = rng.choices(MINISTRIES, MINISTRY_WEIGHTS)[0]
        status = _status(rng)
        answered = delay = page = None
        if status == "answered":
            # log-normal around four months, kept within 30–400 days as in the real data
            delay = max(30, min(400, round(rng.lognormvariate(math.log(120), 0.6))))
            answered_on = published + dt.timedelta(days=delay)
            if answered_on > TODAY:  # recent questions cannot have late answers yet
                answered_on, delay = TODAY, (TODAY - published).days
            answered, page = answered_on.isoformat(), rng.randrange(1, 12000)
        closed = answered if status == "answered" else None
        if status in ("lapsed", "withdrawn", "converted"):
            closed = min(TODAY, published + dt.timedelta(days=rng.randrange(30, 900))).isoformat()
        rubrique = choices(RUBRIQUES, cum_weights=RUBRIQUE_CUM_WEIGHTS)[0]
        title_words = draw(texts.randrange(4, 11))
        # 80–350 words with the opening ("M. Jean Martin attire l'attention de ..."), most near 150
        question = draw(round(texts.triangular(80, 350, 150)) - 10)
        if texts.random() < PHRASE_SHARE:
            title_words.append(f"des {PHRASE}")
            question.insert(texts.randrange(len(question)), f"des {PHRASE}")
        title = _join(title_words)
        title = title[0].upper() + title[1:]
        values = {
            "id": qid,
            "chamber": "an",
            "legislature": legislature,
            "number": number,
            "kind": "QE",
            "title": title,
            "rubrique": rubrique,
            "author_name": name,
            "author_civility": civility,
            "author_ref": ref,
            "group_short": short,
            "group_full": full,
            "constituency": department,
            "ministry_asked": ministry,
            "ministry_responding": ministry,
            # A reference per ministry and legislature: governments change them.
            "ministry_ref": f"PO{legislature}{MINISTRIES.index(ministry):04d}",
            "published": published.isoformat(),
            "published_page": rng.randrange(1, 12000),
            "answered": answered,
            "answer_page": page,
            "answer_delay_days": delay,
            "deadline": add_months(published, 2).isoformat(),
            "status": status,
            "closed": closed,
            "closed_reason": None if closed is None else status,
            "url": f"https://www.assemblee-nationale.fr/dyn/{legislature}/questions/QANR5L{legislature}QE{number}",
            "version": 1,
            "fetched_at": fetched_at,
            "author_search": qrows.fold(f"{name} {ref}"),
            "group_search": qrows.fold(f"{short} {full}"),
            "ministry_search": qrows.fold(ministry),
        }
        text = f"{civility} {name} {OPENING} {_join(question)}."
        answer = ""
        if status == "answered":  # 100–400 words, most near 200
            answer = _join(draw(round(texts.triangular(100, 400, 200))))
            answer = f"{answer[0].upper()}{answer[1:]}."
        fts = (qid, title, rubrique, "", text, answer)
        yield tuple(values[column] for column in qrows.COLUMN_NAMES), fts


def build_index(path: Path, count: int, seed: int = SEED) -> None:
    """Write a complete, current index of ``count`` questions at ``path`` (temp + rename)."""
    temp = path.with_name(f".tmp-{path.name}")
    temp.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    placeholders = ", ".join("?" for _ in qrows.COLUMN_NAMES)
    insert = f"INSERT INTO questions ({', '.join(qrows.COLUMN_NAMES)}) VALUES ({placeholders})"
    # Full-text rows share their question's rowid (see qarchive.index.schema.upsert_entry).
    insert_fts = (
        "INSERT INTO questions_fts (rowid, id, title, rubrique, analysis, question, answer) "
        "VALUES ((SELECT rowid FROM questions WHERE id = ?), ?, ?, ?, ?, ?, ?)"
    )
    with contextlib.closing(qindex.connect_index(temp)) as connection:  # the real schema + meta
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute("PRAGMA cache_size = -524288")  # 512 MiB: the indexes grow at random
        batch: list[tuple[tuple[Any, ...], tuple[str, ...]]] = []
        with connection:
            for item in _rows(count, seed):
                batch.append(item)
                if len(batch) == 10_000:
                    connection.executemany(insert, [row for row, _ in batch])
                    connection.executemany(insert_fts, [(fts[0], *fts) for _, fts in batch])
                    batch.clear()
            connection.executemany(insert, [row for row, _ in batch])
            connection.executemany(insert_fts, [(fts[0], *fts) for _, fts in batch])
        connection.execute("ANALYZE")
    os.replace(temp, path)


def _indexed_count(path: Path) -> int:
    # An index of an older schema is upgraded in place where it can be, as qarchive
    # does (seconds, where a build takes 18 minutes).
    if not qindex.upgrade_index(path):
        return -1
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return int(connection.execute("SELECT count(*) FROM questions").fetchone()[0])


def _median(func: Callable[[], object], runs: int) -> float:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


# Users' Pythons write bytecode caches; this environment may forbid them
# (PYTHONDONTWRITEBYTECODE), which would time the compilation of every module.
_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, env=_ENV, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--archive", type=Path, default=Path(tempfile.gettempdir()) / "qarchive-bench-list"
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the index even if present")
    args = parser.parse_args()
    archive = Archive(args.archive)
    if args.rebuild or _indexed_count(archive.index_path) != args.questions:
        start = time.perf_counter()
        build_index(archive.index_path, args.questions)
        print(f"built {args.questions:,} questions in {time.perf_counter() - start:.0f}s")
    size = archive.index_path.stat().st_size / 2**20
    print(f"index: {archive.index_path} ({size:,.0f} MiB)")

    # A topical word (in about 0.75 % of the questions), the commonest domain word (in
    # every question, through OPENING: the worst case for ranking) and a phrase (0.25 %).
    ministry, word, common, phrase = "intérieur", "éoliennes", "ministre", '"titres sécurisés"'
    where = ["--archive", str(args.archive)]
    cases: list[tuple[str, list[str], Callable[[], object]]] = [
        ("qarchive --help", ["--help"], lambda: None),
        (
            "list --unanswered --limit 50",
            ["list", "--unanswered", "--limit", "50", *where],
            lambda: list(list_questions(archive, Filters(unanswered=True), limit=50, today=TODAY)),
        ),
        (
            f"list --ministry {ministry} --overdue --limit 50",
            ["list", "--ministry", ministry, "--overdue", "--limit", "50", *where],
            lambda: list(
                list_questions(
                    archive, Filters(ministry=ministry, overdue=True), limit=50, today=TODAY
                )
            ),
        ),
        (
            "list --ministry relations --unanswered --limit 50",
            ["list", "--ministry", "relations", "--unanswered", "--limit", "50", *where],
            lambda: list(
                list_questions(
                    archive, Filters(ministry="relations", unanswered=True), limit=50, today=TODAY
                )
            ),
        ),
        (
            f'search "{word}" --limit 50',
            ["search", word, "--limit", "50", *where],
            lambda: list(search_questions(archive, word, Filters(), limit=50, today=TODAY)),
        ),
        (
            f'search "{common}" --limit 50',
            ["search", common, "--limit", "50", *where],
            lambda: list(search_questions(archive, common, Filters(), limit=50, today=TODAY)),
        ),
        (
            f"search '{phrase}' --limit 50",
            ["search", phrase, "--limit", "50", *where],
            lambda: list(search_questions(archive, phrase, Filters(), limit=50, today=TODAY)),
        ),
        (
            "stats --by ministry",
            ["stats", "--by", "ministry", *where],
            lambda: compute_stats(archive, Filters(), by=StatsGroup.MINISTRY, today=TODAY),
        ),
        (
            "stats --by ministry --legislature 16",
            ["stats", "--by", "ministry", "--legislature", "16", *where],
            lambda: compute_stats(
                archive, Filters(legislature=16), by=StatsGroup.MINISTRY, today=TODAY
            ),
        ),
        (
            "stats --by ministry-ref",
            ["stats", "--by", "ministry-ref", *where],
            lambda: compute_stats(archive, Filters(), by=StatsGroup.MINISTRY_REF, today=TODAY),
        ),
        (
            "stats --by author --overdue",
            ["stats", "--by", "author", "--overdue", *where],
            lambda: compute_stats(
                archive, Filters(overdue=True), by=StatsGroup.AUTHOR, today=TODAY
            ),
        ),
    ]
    with contextlib.closing(sqlite3.connect(archive.index_path)) as connection:
        total = connection.execute("SELECT count(*) FROM questions").fetchone()[0]
        for query in (word, common, phrase):
            found = connection.execute(
                "SELECT count(*) FROM questions_fts WHERE questions_fts MATCH ?", (query,)
            ).fetchone()[0]
            print(f"search {query} matches {found:,} questions ({100 * found / total:.2f} %)")
    print(f"medians of {args.runs} runs, seconds (one untimed run first writes the .pyc files)")
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"{'command':<52} {'CLI':>7} {'library':>8}")
    imports = [sys.executable, "-c", "import qarchive.cli"]
    _run(imports)
    print(
        f"{'(python -c import qarchive.cli)':<52} {_median(partial(_run, imports), args.runs):>7.3f}"
    )
    for label, cli_args, library in cases:
        command = [str(SCRIPT), *cli_args]
        _run(command)
        cli = _median(partial(_run, command), args.runs)
        in_process = _median(library, args.runs)
        print(f"{label:<52} {cli:>7.3f} {in_process:>8.3f}")
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
