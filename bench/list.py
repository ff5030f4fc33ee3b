"""Time list, search and stats over a synthetic index of 1,000,000 questions, by hand.

Usage: uv run python bench/list.py [--questions N] [--runs N] [--archive DIR] [--rebuild]

The index is written directly (bulk SQL into the schema of ``qarchive.index``,
whose triggers fill ``filter_values`` and ``stats_tallies`` as rows go in), with
no version files: ``list``, ``search`` and ``stats`` read only the index.
It is kept in ``--archive`` and reused by later runs of the same size. Each
command then runs through the installed console script in a fresh process (what
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
from pathlib import Path
from typing import Any

from qarchive import index as qindex
from qarchive.archive import Archive
from qarchive.models import add_months
from qarchive.query import Filters, list_questions, search_questions
from qarchive.stats import StatsGroup, compute_stats

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
# Zipf-like weights: a few ministries and words take most of the questions.
MINISTRY_WEIGHTS = [1 / (rank + 1) ** 1.1 for rank in range(len(MINISTRIES))]
WORD_WEIGHTS = [1 / (rank + 1) ** 0.8 for rank in range(len(WORDS))]


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


def _words(rng: random.Random, count: int) -> str:
    picked = rng.choices(WORDS, WORD_WEIGHTS, k=count)
    return " ".join(
        word if rng.random() < 0.6 else f"{rng.choice(FILLER)} {word}" for word in picked
    )


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
        title, rubrique = _words(rng, rng.randrange(3, 7)).capitalize(), rng.choice(WORDS)
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
            "author_search": qindex.fold(f"{name} {ref}"),
            "group_search": qindex.fold(f"{short} {full}"),
            "ministry_search": qindex.fold(ministry),
        }
        text = f"{civility} {name} attire l'attention sur {_words(rng, rng.randrange(25, 45))}."
        answer = _words(rng, rng.randrange(25, 45)) if status == "answered" else ""
        fts = (qid, title, rubrique, "", text, answer)
        yield tuple(values[column] for column in qindex.COLUMN_NAMES), fts


def build_index(path: Path, count: int, seed: int = SEED) -> None:
    """Write a complete, current index of ``count`` questions at ``path`` (temp + rename)."""
    temp = path.with_name(f".tmp-{path.name}")
    temp.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    placeholders = ", ".join("?" for _ in qindex.COLUMN_NAMES)
    insert = f"INSERT INTO questions ({', '.join(qindex.COLUMN_NAMES)}) VALUES ({placeholders})"
    # Full-text rows share their question's rowid (see qarchive.index.upsert_question).
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
    if not qindex.index_is_current(path):
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

    # A word in half the questions (the worst case for ranking) and a phrase in 0.25 %.
    ministry, word, phrase = "intérieur", "éoliennes", '"titres sécurisés"'
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
            "stats --by author --overdue",
            ["stats", "--by", "author", "--overdue", *where],
            lambda: compute_stats(
                archive, Filters(overdue=True), by=StatsGroup.AUTHOR, today=TODAY
            ),
        ),
    ]
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
