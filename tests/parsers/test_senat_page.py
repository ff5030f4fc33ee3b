"""The Sénat question page parser: the seed's pages, real texts rebuilt as pages, hostile variants.

The samples hold no raw Sénat HTML, only text extractions of real pages
(``samples/senat/pages_text/``, read at test time, never copied here). The
builders below render each of those texts into the three templates the Sénat
has used: the current one (UTF-8, CRLF), the 2010-2018 one (windows-1252
labelled ISO-8859-1, entities, CRLF) and the c.2000s one (a layout table,
``span.rouge``). The seed question has its own pages in ``fixtures/``; the
variants (pending, transmitted, withdrawn, converted, rappel, erratum, hostile
pages) are built from it here.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from html.entities import codepoint2name
from pathlib import Path
from typing import Any

import pytest

from qarchive.errors import ErrorPage, NotYetPublished, ParseError, UnknownFormat
from qarchive.model.question import (
    Answer,
    Attribution,
    Closure,
    Erratum,
    Group,
    Ministry,
    Publication,
    Question,
    SourceFormat,
    Status,
)
from qarchive.sources import PARSERS, detect_format
from qarchive.sources import parse as parse_any
from qarchive.sources.senat import page
from qarchive.sources.senat.detect import looks_like_senat_page

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
SITE_PAGE = FIXTURES / "sites/www.senat.fr/questions/base/2018/qSEQ180304125.html"
OLD_PAGE = FIXTURES / "variants/senat/qSEQ180304125.2010-2018.html"
SEED_URL = "https://www.senat.fr/questions/base/2018/qSEQ180304125.html"
LOCAL_URL = "http://127.0.0.1:8000/questions/base/2018/qSEQ180304125.html"
SEED_FILE = "003_4e78118be521d1a9.txt"  # in ../shared/seeds, beside the samples
TITLE = "Dysfonctionnements du site de l'agence nationale des titres sécurisés"
INTERIEUR = Ministry(name="Intérieur", full_name="Ministère de l'intérieur")
ANSWER_BLOCK = re.compile(r'<h2 class="title-answer">.*?<p class="jo-page">- page 2390</p>\n', re.S)

GoldenCheck = Callable[..., None]  # the conftest `golden` fixture

QUESTION_TEXT = (
    "M. Philippe Bonnecarrère attire l'attention de M. le ministre d'État, ministre de "
    "l'intérieur, sur les dysfonctionnements rencontrés par les citoyens utilisant le site "
    "de l'agence nationale des titres sécurisés (ANTS) mis en place depuis le mois de juin "
    "2017.\n\n"
    "Il s'avère que les usagers qui souhaitent régulariser par exemple leur renouvellement "
    "de permis de conduire peuvent être pénalisés durant plusieurs semaines.\n\n"
    "En effet, au terme de la saisie des données, le dossier semble considéré comme "
    "complet. Ce n'est que plusieurs semaines plus tard que l'usager reçoit une "
    "notification « dossier incomplet » et une demande de renouveler les démarches alors "
    "que cette deuxième saisie est identique à la première.\n\n"
    "Il n'y a aucune possibilité de suivre le dossier et les services de la préfecture "
    "saisis du problème indiquent qu'ils n'ont pas plus de possibilité d'intervenir au sein"
    " du système dématérialisé.\n\n"
    "Aussi, il lui demande s'il ne serait pas opportun que les services de l'État puissent "
    "pallier les difficultés en assurant le suivi physique des dossiers du moins jusqu'à ce"
    " que la mise au point de la dématérialisation soit totalement aboutie ou a minima "
    "soient capables de faire évoluer à très brève échéance le logiciel de manière à ne "
    "plus pénaliser nos concitoyens et à cesser de les décourager face à une évolution plus"
    " digitale de la société."
)
ANSWER_TEXT = (
    "La réforme des préfectures dite « plan préfectures nouvelle génération » touche "
    "bientôt à sa fin. La dernière étape significative a concerné la généralisation, le 6 "
    "novembre 2017, des télé-procédures relatives aux demandes de permis de conduire. Les "
    "télé-procédures ont permis de traiter, fin mars 2018, plus d'un million de demandes de"
    " permis de conduire et d'inscription aux examens. C'est autant de situations dans "
    "lesquelles l'usager n'a pas eu besoin de se déplacer et d'attendre au guichet de "
    "préfecture. Comme dans la mise en place de tout nouveau système d'information, les "
    "difficultés techniques rencontrées, affectant un nombre limité d'opérations, sont "
    "apparues lors de la généralisation du dispositif. Leurs résolutions sont en cours et "
    "mobilisent pleinement les équipes du ministère de l'intérieur. Des dysfonctionnements,"
    " aujourd'hui réglés, ont touché effectivement certaines demandes de permis de conduire"
    " du fait d'une déconnexion entre le compte de l'usager et le centre d'instruction de "
    "la demande, empêchant le suivi du dossier. Actuellement, le délai moyen de délivrance "
    "d'une demande de permis de conduire est inférieur à une semaine, lorsque le dossier "
    "est complet. À chaque étape de la demande, le télé-déclarant est désormais informé de "
    "l'état d'avancement de son dossier. Outre les réponses techniques apportées, le "
    "ministère de l'intérieur tient régulièrement informées les organisations des "
    "professionnels des écoles de conduite des évolutions des correctifs et a mis en place "
    "un dispositif d'accompagnement des usagers. Dans le cadre des échanges engagés avec "
    "les professionnels, diverses évolutions ont été demandées par les professionnels dans "
    "le fonctionnement des télé-procédures. Un calendrier resserré de livraison des "
    "améliorations fonctionnelles leur a été transmis. Ces derniers se sont montrés "
    "satisfaits par les mesures engagées et leurs premiers effets. Le secrétaire général du"
    " ministère de l'intérieur a reçu les représentants des organisations des "
    "professionnels des écoles de conduite et de nombreux préfets l'ont fait également dans"
    " leur département. La prochaine évolution fonctionnelle va concerner, dans les toutes "
    "prochaines semaines, le mandat entre l'école de conduite et le candidat au permis de "
    "conduire. À l'Agence nationale des titres sécurisés (ANTS), dont l'ergonomie du site "
    "va encore être améliorée, un dispositif téléphonique permet de répondre aux questions "
    "des usagers. La situation n'est pas encore optimale mais s'améliore notablement, du "
    "fait des renforts importants en télé-conseillers. Leur nombre est passé de 48 début "
    "2017 à 175 à mi-janvier 2018 afin de mieux répondre aux attentes légitimes des "
    "professionnels et des usagers. En outre, 300 points numériques ont été ouverts dans "
    "les préfectures et sous-préfectures afin d'aider et accompagner les usagers les plus "
    "éloignés du numérique dans leurs démarches. En conclusion, les dispositifs mis en "
    "œuvre ont produit des effets positifs pour un très grand nombre d'usagers. Les bugs "
    "techniques, inévitables au moment de la mise en œuvre de la réforme, ont été traités. "
    "Les représentants des professionnels sont associés et disposent de points de situation"
    " réguliers. Cette concertation, gage de confiance et d'adhésion à la réforme, a "
    "également été conduite par les préfets, au niveau local. L'effet des correctifs "
    "techniques et la montée en puissance de la capacité de réponse de l'ANTS doivent "
    "entraîner une amélioration réelle. L'ensemble de ces mesures traduit l'engagement du "
    "Gouvernement à garantir un service de qualité pour l'inscription des candidats au "
    "permis de conduire sur l'ensemble du territoire national et à maintenir sa vigilance "
    "tout au long de la mise en œuvre de la réforme. Ce dialogue sincère et transparent "
    "engagé entre le ministère de l'intérieur et les professionnels des auto-écoles se "
    "poursuit pour permettre à cette réforme ambitieuse d'installer de nouvelles pratiques,"
    " à la fois plus simples et plus rapides, pour les exploitants d'auto-écoles et les "
    "candidats au permis de conduire."
)


def parse(content: str | bytes, url: str = SEED_URL) -> Question:
    return page.parse(content.encode("utf-8") if isinstance(content, str) else content, url=url)


@pytest.fixture(scope="module")
def site_page() -> str:
    return SITE_PAGE.read_text(encoding="utf-8")


def replace_once(text: str, old: str | re.Pattern[str], new: str) -> str:
    if isinstance(old, re.Pattern):
        result, count = old.subn(lambda _: new, text)
    else:
        count, result = text.count(old), text.replace(old, new)
    assert count == 1, old
    return result


def with_answer_block(site_page: str, block: str) -> str:
    """The seed page with its answer (heading, text, JO page) replaced by ``block``."""
    return replace_once(site_page, ANSWER_BLOCK, block)


def after_question(site_page: str, block: str) -> str:
    """The seed page with ``block`` inserted after the question's JO page."""
    anchor = '<p class="jo-page">- page 1320</p>\n'
    return replace_once(site_page, anchor, anchor + block)


def without_canonical(site_page: str) -> str:
    return re.sub(r'<link rel="canonical"[^>]*>\n', "", site_page)


# -- the seed question, current template (fixtures/sites) ---------------------------


def test_seed_page_every_field(site_page: str) -> None:
    record = parse(site_page, url=LOCAL_URL)

    assert record.id == "SEQ180304125"
    assert record.chamber == "senat"
    assert (record.legislature, record.number, record.kind) == (15, 4125, "QE")
    assert record.url == SEED_URL  # the real site, whatever served the page
    assert record.title == TITLE
    assert (record.rubrique, record.heading, record.analysis) == (None, None, [])
    author = record.author
    assert (author.civility, author.name) == ("M.", "Philippe Bonnecarrère")
    assert author.published_name == "BONNECARRÈRE Philippe"
    assert author.group == Group(short="UC")
    assert (author.department, author.constituency) == ("Tarn", "Tarn")
    assert (author.ref, author.mandate_ref, author.region) == (None, None, None)
    assert record.ministry_asked is None  # the page names only the ministry that answered
    assert record.ministry_responding == INTERIEUR
    assert record.attribution_history == []
    assert record.published == Publication(date=dt.date(2018, 3, 22), page=1320)
    assert record.text == QUESTION_TEXT
    assert record.answer == Answer(
        published=Publication(date=dt.date(2018, 5, 17), page=2390),
        ministry=INTERIEUR,
        text=ANSWER_TEXT,
    )
    assert record.status is Status.ANSWERED
    assert record.closed is None
    assert (record.signalements, record.renewals, record.errata, record.themes) == ([], [], [], [])
    assert (record.reminder_of, record.converted_to) == (None, None)
    assert record.source.format is SourceFormat.SENAT_HTML
    assert record.source.url == LOCAL_URL
    assert record.answer_delay_days() == 56


def test_seed_page_golden(site_page: str, golden: GoldenCheck) -> None:
    golden(parse(site_page), "SEQ180304125.current", from_sample=False)


def test_seed_texts_are_the_seeds_texts(samples_dir: Path, site_page: str) -> None:
    """The fixture's texts are the seed's, paragraphs kept, NBSP made spaces."""
    path = samples_dir.parent / "seeds" / SEED_FILE
    if not path.is_file():
        pytest.skip(f"seed not found at {path}")
    seed = path.read_text(encoding="utf-8")
    body = seed.split("\n")[1:]
    question = body[: body.index("- page 1320")]
    start = next(i for i, line in enumerate(body) if line.startswith("Réponse du Ministère"))
    answer = body[start + 1 : body.index("- page 2390")]
    record = parse(site_page)

    def paragraphs(lines: list[str]) -> str:
        return "\n\n".join(line.strip() for line in lines if line.strip()).replace("\xa0", " ")

    assert record.text == paragraphs(question)
    assert record.answer is not None
    assert record.answer.text == paragraphs(answer)


# -- the seed question, 2010-2018 template (fixtures/variants) ----------------------


def test_old_template_fixture_is_windows_1252_with_entities_and_crlf() -> None:
    raw = OLD_PAGE.read_bytes()

    assert b'charset=iso-8859-1"' in raw
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    assert b"S&eacute;nat" in raw and b"n&deg;" in raw and b"&#39;" in raw
    assert b"\x9c" in raw  # "œ": windows-1252, not ISO-8859-1
    assert b"<!-- START : primary -->" in raw
    raw.decode("cp1252")  # and nothing else
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


def test_old_template_every_field() -> None:
    record = parse(OLD_PAGE.read_bytes())

    assert record.id == "SEQ180304125"
    assert (record.legislature, record.number, record.kind) == (15, 4125, "QE")
    assert record.title == TITLE
    assert (record.author.civility, record.author.name) == ("M.", "Philippe Bonnecarrère")
    assert record.author.published_name is None  # printed "Philippe Bonnecarrère": as displayed
    assert record.author.group == Group(short="UC")
    assert record.author.department == "Tarn"
    assert record.published == Publication(date=dt.date(2018, 3, 22), page=1320)
    assert record.text == QUESTION_TEXT
    assert record.answer == Answer(
        published=Publication(date=dt.date(2018, 5, 17), page=2390),
        ministry=INTERIEUR,
        text=ANSWER_TEXT,
    )
    assert record.status is Status.ANSWERED
    assert record.source.format is SourceFormat.SENAT_HTML


def test_old_template_golden(golden: GoldenCheck) -> None:
    golden(parse(OLD_PAGE.read_bytes()), "SEQ180304125.2010-2018", from_sample=False)


def _without_source(record: Question, *more: str) -> dict[str, Any]:
    data = record.model_dump(mode="json", exclude={"source"})
    for key in more:
        data["author"].pop(key)
    return data


def test_windows_1252_page_with_entities_gives_the_utf8_record() -> None:
    """The same 2010-2018 page as UTF-8, LF, no entities: the very same record."""
    old = OLD_PAGE.read_bytes().decode("cp1252")
    utf8 = html.unescape(old.replace("\r\n", "\n").replace("iso-8859-1", "utf-8"))
    utf8 = utf8.replace("\xa0", " ")  # unescaped text is still HTML here: keep it so
    first, second = parse(old.encode("cp1252")), parse(utf8.encode("utf-8"))

    assert _without_source(first) == _without_source(second)


def test_old_and_current_templates_give_the_same_record(site_page: str) -> None:
    """Equal but for the source, and the name as printed: the old page prints it as displayed."""
    current, old = parse(site_page), parse(OLD_PAGE.read_bytes())

    assert _without_source(current, "published_name") == _without_source(old, "published_name")
    assert (current.author.published_name, old.author.published_name) == (
        "BONNECARRÈRE Philippe",
        None,
    )


def test_mojibake_page_is_repaired(site_page: str) -> None:
    """UTF-8 read as windows-1252 and written again as UTF-8 ("Ã©" for "é")."""
    garbled = site_page.encode("utf-8").decode("cp1252", errors="replace").encode("utf-8")
    record = parse(garbled)

    assert record.author.published_name == "BONNECARRÈRE Philippe"
    assert record.text == QUESTION_TEXT
    assert record.title == TITLE


# -- detection and dispatch ---------------------------------------------------------


def test_both_seed_pages_are_detected_and_dispatched(site_page: str) -> None:
    for content in (site_page.encode(), OLD_PAGE.read_bytes()):
        assert looks_like_senat_page(content)
        assert detect_format(content) is SourceFormat.SENAT_HTML
        assert parse_any(content, url=SEED_URL) == page.parse(content, url=SEED_URL)
    assert PARSERS[SourceFormat.SENAT_HTML] is page.parse


def test_assemblee_nationale_content_is_not_taken_for_the_senat(samples_dir: Path) -> None:
    an_files = [
        *(path for path in (FIXTURES / "sites").rglob("*") if "senat" not in str(path)),
        *(FIXTURES / "variants" / "an").iterdir(),
        *(samples_dir / "an").rglob("*"),
    ]
    checked = 0
    for path in an_files:
        if path.is_file() and path.suffix != ".md":
            assert not looks_like_senat_page(path.read_bytes()), path
            checked += 1
    assert checked >= 10


def test_a_senat_page_quoted_in_an_an_page_stays_the_an_s() -> None:
    content = b'<div class="question_legislature">... JO S\xc3\xa9nat du 22/03/2018 ...</div>'
    assert not looks_like_senat_page(content)


def test_error_page_is_refused_before_any_parser() -> None:
    with pytest.raises(ErrorPage):
        parse_any(b"<html><body><h1>The page cannot be found</h1></body></html>", url=SEED_URL)


# -- real page texts rebuilt in every template ------------------------------------

_HEADER = re.compile(
    r"Question de (?P<civ>M\.|Mme) (?P<name>[^(]+?) \((?P<where>.*)\) publiée le (?P<date>\S+)"
)
_ANSWER_LINE = re.compile(r"Réponse (?P<label>du .+?) publiée le (?P<date>\S+)")
_PAGE_LINE = re.compile(r"- page (\d+)")
_NATURES = {"G": "Question d'actualité au Gouvernement", "S": "Question orale sans débat"}


@dataclass(frozen=True)
class PageText:
    """One stored text of a real page: its URL and its lines (blank ones dropped)."""

    url: str
    lines: list[str]

    @property
    def reference(self) -> str:
        match = re.search(r"qSEQ(\d{4})(\w{5})\.html", self.url)
        assert match is not None
        return match[2]


@dataclass(frozen=True)
class Parts:
    """A page text cut into what the older templates print in other places."""

    header: re.Match[str]
    question_page: int | None
    question_lines: list[str]
    answer: re.Match[str] | None
    answer_page: int | None
    answer_lines: list[str]


def read_page_text(samples_dir: Path, name: str) -> PageText:
    raw = (samples_dir / "senat" / "pages_text" / f"{name}.txt").read_text(encoding="utf-8")
    url = re.search(r"^# URL: (\S+)", raw, re.M)
    assert url is not None
    lines = [line.strip() for line in raw.splitlines() if line.strip() and line[0] != "#"]
    return PageText(url[1], lines)


def cut(text: PageText) -> Parts:
    header = _HEADER.fullmatch(text.lines[0])
    assert header is not None, text.lines[0]
    body = [line for line in text.lines[1:] if line != "Page mise à jour le"]
    at = next((i for i, line in enumerate(body) if _ANSWER_LINE.fullmatch(line)), len(body))

    def split(lines: list[str]) -> tuple[int | None, list[str]]:
        pages = [int(m[1]) for line in lines if (m := _PAGE_LINE.fullmatch(line))]
        return (pages[0] if pages else None), [x for x in lines if not _PAGE_LINE.fullmatch(x)]

    question_page, question_lines = split(body[:at])
    answer_page, answer_lines = split(body[at + 1 :])
    answer = _ANSWER_LINE.fullmatch(body[at]) if at < len(body) else None
    return Parts(header, question_page, question_lines, answer, answer_page, answer_lines)


def natural_name(printed: str) -> str:
    """ "MASSON Jean Louis" as the older templates print it: "Jean Louis Masson"."""
    words = printed.split()
    surname = [w for w in words if w.isupper()]
    first = [w for w in words if not w.isupper()]
    return " ".join([*first, *("-".join(p.capitalize() for p in w.split("-")) for w in surname)])


def entities(text: str) -> str:
    """Every non-ASCII letter as a named entity, the apostrophe as &#39;: the labels' style."""
    escaped = html.escape(text, quote=False).replace("'", "&#39;")
    return "".join(f"&{codepoint2name[ord(c)]};" if ord(c) > 127 else c for c in escaped)


def text_entities(text: str) -> str:
    """Texts: accents left as windows-1252 bytes, apostrophes and spaces as entities."""
    return html.escape(text, quote=False).replace("'", "&#39;").replace("\xa0", "&nbsp;")


def render_current(text: PageText, *, title: str | None = None) -> bytes:
    """The current template: UTF-8, CRLF, a heading per header line, a paragraph per line."""
    body = []
    for line in text.lines:
        tag = "h2" if _HEADER.fullmatch(line) or _ANSWER_LINE.fullmatch(line) else "p"
        body.append(f"<{tag}>{html.escape(line, quote=False)}</{tag}>")
    heading = f'<h1 class="page-title">{html.escape(title)}</h1>' if title else ""
    document = [
        "<!DOCTYPE html>",
        '<html lang="fr"><head><meta charset="utf-8">',
        f"<title>{html.escape(title or 'Question écrite')} - Sénat</title></head>",
        '<body><header class="site-header"><nav><a href="/">Sénat</a></nav></header>',
        '<main id="main"><div class="container">',
        heading,
        *body,
        "</div></main>",
        "<footer><p>Sénat - 15 rue de Vaugirard</p></footer></body></html>",
    ]
    return "\r\n".join(document).encode("utf-8")


def _publication_h3(date: str, page_number: int | None) -> str:
    on_page = f" - page {page_number}" if page_number else ""
    return f"publi&eacute;e dans le JO S&eacute;nat du {date}{on_page}"


def _nature(text: PageText) -> str:
    return _NATURES.get(text.reference[-1], "Question écrite")


def render_2010(text: PageText, legislature: int) -> bytes:
    """The 2010-2018 template: windows-1252 labelled ISO-8859-1, entities, CRLF."""
    parts = cut(text)
    header = parts.header
    who = f"<b>{header['civ']} {entities(natural_name(header['name']))}</b>"
    lines = [
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="fr" lang="fr"><head>',
        '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1" />',
        "<title>S&eacute;nat</title></head><body>",
        '<div id="header"><ul><li><a href="/">Accueil</a></li></ul></div>',
        "<!-- START : primary -->",
        '<div id="primary">',
        f"<h2>{legislature}<sup>e</sup> l&eacute;gislature</h2>",
        f"<h2>{entities(_nature(text))} n&deg; {text.reference} de {who} ({entities(header['where'])})</h2>",
        f"<h3>{_publication_h3(header['date'], parts.question_page)}</h3>",
        *(f'<p class="justifie">{text_entities(line)}</p>' for line in parts.question_lines),
    ]
    if parts.answer is not None:
        lines += [
            f"<h2>R&eacute;ponse {entities(parts.answer['label'])}</h2>",
            f"<h3>{_publication_h3(parts.answer['date'], parts.answer_page)}</h3>",
            *(f'<p class="justifie">{text_entities(line)}</p>' for line in parts.answer_lines),
        ]
    lines += [
        f'<p><a href="mailto:?subject=&amp;body={text.url}">Envoyer cette page</a></p>',
        "</div>",
        "<!-- END : primary -->",
        '<div id="footer">S&eacute;nat</div></body></html>',
    ]
    return "\r\n".join(lines).encode("cp1252", errors="xmlcharrefreplace")


def render_2000s(text: PageText, legislature: int) -> bytes:
    """The c.2000s template: a layout table, span.rouge, <br> between lines, windows-1252."""
    parts = cut(text)
    header = parts.header
    cell = [
        f'<span class="rouge">{legislature}<sup>&egrave;me</sup> l&eacute;gislature</span><br>',
        f"<b>{entities(_nature(text))} n&deg; {text.reference}</b>\r\nde "
        f"<b>{header['civ']} {entities(natural_name(header['name']))}</b> "
        f'<span class="rouge">({entities(header["where"])})</span><br>',
        _publication_h3(header["date"], parts.question_page) + "<br>",
        *(f'<p class="justifie">{text_entities(line)}</p>' for line in parts.question_lines),
    ]
    if parts.answer is not None:
        cell += [
            f"<b>R&eacute;ponse {entities(parts.answer['label'])}</b><br>",
            _publication_h3(parts.answer["date"], parts.answer_page) + "<br>",
            *(f'<p class="justifie">{text_entities(line)}</p>' for line in parts.answer_lines),
        ]
    lines = [
        "<html><head>",
        '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">',
        "<title>S&eacute;nat - Questions &eacute;crites</title></head>",
        '<body bgcolor="#FFFFFF"><table width="100%" border="0"><tr>',
        '<td width="150" valign="top"><a href="/">Accueil</a><br><a href="/quesdom.html">Questions</a></td>',
        '<td valign="top">',
        *cell,
        "</td></tr></table></body></html>",
    ]
    return "\r\n".join(lines).encode("cp1252", errors="xmlcharrefreplace")


@dataclass(frozen=True)
class Expected:
    """Every field a page text shows, as the record must have it."""

    id: str
    legislature: int
    kind: str
    number: int
    author: tuple[str, str, str, str, str]  # civility, name, as printed, département, group
    published: Publication
    text: tuple[str, str] | None  # first and last words
    answer: Answer | None  # its text as (first, last) words in `answer_text`
    answer_text: tuple[str, str] | None = None
    status: Status = Status.ANSWERED
    closed: Closure | None = None


MASSON = ("M.", "Jean Louis Masson", "MASSON Jean Louis", "Moselle")
PAGES_TEXT: dict[str, Expected] = {
    "qSEQ020802065": Expected(
        id="SEQ020802065",
        legislature=12,
        kind="QE",
        number=2065,
        author=(*MASSON, "RPR"),
        published=Publication(date=dt.date(2002, 8, 29), page=1890),
        text=(
            "M. Jean-Louis Masson attire l'attention de M. le ministre de l'intérieur,",
            "l'origine juridique légale de ce particularisme local.",
        ),
        answer=Answer(
            published=Publication(date=dt.date(2002, 10, 17), page=2394),
            ministry=Ministry(
                name="Intérieur, de la sécurité intérieure et des libertés locales",
                full_name="Ministère de l'intérieur, de la sécurité intérieure et des libertés locales",
            ),
        ),
        answer_text=(
            "Ainsi qu'il a déjà été indiqué à l'honorable parlementaire, le bilinguisme",
            "d'un champ d'application géographiquement très limité.",
        ),
    ),
    "qSEQ020238665_caduque": Expected(
        id="SEQ020238665",
        legislature=11,
        kind="QE",
        number=38665,
        author=(*MASSON, "RPR"),
        published=Publication(date=dt.date(2002, 2, 21), page=537),
        text=(
            "M. Jean-Louis Masson attire l'attention de M. le ministre de l'intérieur sur le fait",
            "d'élaborer un document officiel à partir des agissements illicites.",
        ),
        answer=None,
        status=Status.LAPSED,
        closed=Closure(reason="La question est caduque"),
    ),
    "qSEQ14050767S_structure": Expected(
        id="SEQ14050767S",
        legislature=14,
        kind="QOSD",
        number=767,
        author=(*MASSON, "NI"),
        published=Publication(date=dt.date(2014, 5, 8), page=1057),
        text=(
            "M. Jean Louis Masson attire l'attention de M. le ministre de l'intérieur",
            "(Journal officiel p. 21), soit quatorze mois plus tard. […]",
        ),
        answer=Answer(
            published=Publication(date=dt.date(2014, 5, 21)),
            ministry=Ministry(
                name="Secrétariat d'État, auprès du ministère de l'économie, du redressement "
                "productif et du numérique, chargé du numérique"
            ),
            session_date=dt.date(2014, 5, 20),
        ),
        answer_text=("M. Jean Louis Masson. Madame la p[…]", "Madame la p[…]"),
    ),
    "qSEQ87120275S": Expected(
        id="SEQ87120275S",
        legislature=8,
        kind="QOSD",
        number=275,
        author=("M.", "Michel Rufin", "RUFIN Michel", "Meuse", "RPR"),
        published=Publication(date=dt.date(1987, 12, 3)),
        text=None,
        answer=Answer(
            published=Publication(date=dt.date(1987, 12, 19)),
            ministry=Ministry(name="Affaires européennes"),
            session_date=dt.date(1987, 12, 18),
        ),
    ),
    "qSEQ800302705": Expected(
        id="SEQ800302705",
        legislature=6,
        kind="QE",
        number=2705,
        author=("M.", "Jean Cluzel", "CLUZEL Jean", "Allier", "U.C.D.P."),
        published=Publication(date=dt.date(1980, 3, 25)),
        text=None,
        answer=Answer(
            published=Publication(date=dt.date(1980, 6, 14)),
            ministry=Ministry(name="Culture"),
            session_date=dt.date(1980, 6, 13),
        ),
    ),
    "qSEQ800433743": Expected(
        id="SEQ800433743",
        legislature=6,
        kind="QE",
        number=33743,
        author=("M.", "Adolphe Chauvin", "CHAUVIN Adolphe", "Val-d'Oise", "U.C.D.P."),
        published=Publication(date=dt.date(1980, 4, 12)),
        text=None,
        answer=Answer(
            published=Publication(date=dt.date(1980, 7, 16)),
            ministry=Ministry(name="Environnement"),
        ),
    ),
    "qSEQ190610965_header": Expected(
        id="SEQ190610965",
        legislature=15,
        kind="QE",
        number=10965,
        author=(
            "M.",
            "Jean-Yves Leconte",
            "LECONTE Jean-Yves",
            "Français établis hors de France",
            "SOCR",
        ),
        published=Publication(date=dt.date(2019, 6, 20)),
        text=("M. Jean-Yves Leconte attire l'attention de M. le ministre", "(TES). […]"),
        answer=None,
        status=Status.PENDING,
    ),
    "qSEQ210723934_header": Expected(
        id="SEQ210723934",
        legislature=15,
        kind="QE",
        number=23934,
        author=("M.", "Yves Détraigne", "DÉTRAIGNE Yves", "Marne", "UC"),
        published=Publication(date=dt.date(2021, 7, 22)),
        text=(
            "M. Yves Détraigne souhaite appeler l'attention de M. le ministre de l'Europe",
            "des journalistes, et des avocats. […]",
        ),
        answer=None,
        status=Status.PENDING,
    ),
}
TEMPLATES = ("current", "2010-2018", "2000s")


def build(text: PageText, template: str, legislature: int) -> bytes:
    if template == "current":
        return render_current(text)
    if template == "2010-2018":
        return render_2010(text, legislature)
    return render_2000s(text, legislature)


def assert_text(text: str | None, expected: tuple[str, str] | None) -> None:
    if expected is None:
        assert text is None
        return
    assert text is not None
    assert text.startswith(expected[0]), text[:120]
    assert text.endswith(expected[1]), text[-120:]
    assert "\n" not in text  # one paragraph on every one of these pages


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("name", sorted(PAGES_TEXT))
def test_real_page_texts_in_every_template(samples_dir: Path, name: str, template: str) -> None:
    expected = PAGES_TEXT[name]
    text = read_page_text(samples_dir, name)
    content = build(text, template, expected.legislature)
    assert looks_like_senat_page(content)
    record = parse_any(content, url=text.url)

    assert record.id == expected.id
    assert (record.legislature, record.kind, record.number) == (
        expected.legislature,
        expected.kind,
        expected.number,
    )
    assert (
        record.url
        == f"https://www.senat.fr/questions/base/{record.published.date.year}/q{expected.id}.html"
    )
    civility, name_, printed, department, group = expected.author
    assert (record.author.civility, record.author.name) == (civility, name_)
    assert record.author.published_name == (printed if template == "current" else None)
    assert (record.author.department, record.author.constituency) == (department, department)
    assert record.author.group == Group(short=group)
    assert record.author.ref is None
    assert record.published == expected.published
    assert_text(record.text, expected.text)
    if expected.answer is None:
        assert record.answer is None
    else:
        assert record.answer is not None
        assert record.answer.model_copy(update={"text": None}) == expected.answer
        assert_text(record.answer.text, expected.answer_text)
    assert record.ministry_responding == (expected.answer.ministry if expected.answer else None)
    assert (record.ministry_asked, record.attribution_history) == (None, [])
    assert record.status is expected.status
    assert record.closed == expected.closed
    assert (record.errata, record.themes, record.reminder_of, record.converted_to) == (
        [],
        [],
        None,
        None,
    )
    assert record.title is None  # no page text shows one; "Question écrite", "Sénat" are not titles
    assert (record.source.format, record.source.url) == (SourceFormat.SENAT_HTML, text.url)


@pytest.mark.parametrize("name", sorted(PAGES_TEXT))
def test_real_page_texts_golden(samples_dir: Path, name: str, golden: GoldenCheck) -> None:
    text = read_page_text(samples_dir, name)
    record = parse(render_current(text), url=text.url)
    golden(record, f"pages_text.{name}", from_sample=True)


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_gives_the_same_record(samples_dir: Path, template: str) -> None:
    for name, expected in PAGES_TEXT.items():
        text = read_page_text(samples_dir, name)
        record = parse(build(text, template, expected.legislature), url=text.url)
        reference = parse(render_current(text), url=text.url)
        assert _without_source(record, "published_name") == _without_source(
            reference, "published_name"
        ), name


def test_a_title_printed_above_a_real_text_is_read(samples_dir: Path) -> None:
    text = read_page_text(samples_dir, "qSEQ020802065")
    record = parse(
        render_current(text, title="Bilinguisme de la propagande électorale"), url=text.url
    )

    assert record.title == "Bilinguisme de la propagande électorale"
    assert record.text is not None and "Bilinguisme" not in record.text


# -- statuses and labels, on the seed page -----------------------------------------


def test_pending_question(site_page: str) -> None:
    record = parse(
        with_answer_block(site_page, "<h2>En attente de réponse du Ministère de l'intérieur</h2>\n")
    )

    assert record.status is Status.PENDING
    assert (record.answer, record.closed) == (None, None)
    assert record.ministry_asked == INTERIEUR
    assert record.ministry_responding == INTERIEUR
    assert record.attribution_history == []
    assert record.text == QUESTION_TEXT  # the label is not part of the text
    assert record.is_overdue(dt.date(2018, 6, 1))


def test_placeholder_instead_of_an_answer_means_no_answer(site_page: str) -> None:
    block = (
        "<h2>Réponse du Ministère de l'intérieur</h2>\n"
        "<p>La réponse n'est pas disponible à ce jour.</p>\n"
    )
    record = parse(with_answer_block(site_page, block))

    assert record.status is Status.PENDING
    assert record.answer is None
    assert record.ministry_responding == INTERIEUR
    assert record.text == QUESTION_TEXT


def test_transmitted_pending_question(site_page: str) -> None:
    block = (
        "<p>Transmise au Ministère de l'intérieur</p>\n"
        "<h2>En attente de réponse du Ministère de la cohésion des territoires</h2>\n"
    )
    record = parse(with_answer_block(site_page, block))
    cohesion = Ministry(
        name="Cohésion des territoires", full_name="Ministère de la cohésion des territoires"
    )

    assert record.status is Status.PENDING
    assert record.ministry_asked == cohesion
    assert record.ministry_responding == INTERIEUR
    assert record.attribution_history == [
        Attribution(ministry=cohesion, date=dt.date(2018, 3, 22)),
        Attribution(ministry=INTERIEUR),
    ]


def test_transmitted_then_answered(site_page: str) -> None:
    record = parse(after_question(site_page, "<p>Transmise au Ministère de l'intérieur</p>\n"))

    assert record.status is Status.ANSWERED
    assert record.attribution_history == [Attribution(ministry=INTERIEUR)]
    assert record.ministry_responding == INTERIEUR
    assert record.text == QUESTION_TEXT


def test_withdrawn_question(site_page: str) -> None:
    line = "La question a été retirée pour cause de fin de mandat."
    record = parse(with_answer_block(site_page, f"<p>{line}</p>\n"))

    assert record.status is Status.WITHDRAWN
    assert record.closed == Closure(reason=line)
    assert record.answer is None


def test_lapsed_question(site_page: str) -> None:
    record = parse(with_answer_block(site_page, "<p>La question est caduque</p>\n"))

    assert record.status is Status.LAPSED
    assert record.closed == Closure(reason="La question est caduque")


def test_converted_question_with_its_link(site_page: str) -> None:
    block = '<p>Transformée en QOSD <a href="/questions/base/2018/qSEQ18050345S.html">n° 0345S</a></p>\n'
    record = parse(with_answer_block(site_page, block))

    assert record.status is Status.CONVERTED
    assert record.converted_to == "SEQ18050345S"
    assert record.closed == Closure(reason="Transformée en QOSD n° 0345S")
    assert record.answer is None


def test_converted_question_without_a_link(site_page: str) -> None:
    record = parse(with_answer_block(site_page, "<p>Transformée en QOSD</p>\n"))

    assert record.status is Status.CONVERTED
    assert record.converted_to is None


def test_rappel_with_its_link(site_page: str) -> None:
    block = '<h3>Rappelle la question n° <a href="/questions/base/2017/qSEQ171100064.html">00064</a></h3>\n'
    record = parse(after_question(site_page, block))

    assert record.reminder_of == "SEQ171100064"
    assert record.status is Status.ANSWERED  # a rappel is a question of its own
    assert record.text == QUESTION_TEXT


@pytest.mark.parametrize(
    ("line", "reminder_of"),
    [
        ("Rappelle la question n° 00064 du 23/11/2017", "SEQ171100064"),
        ("Rappelle la question n° 00064", None),  # no date: no reference can be built
    ],
)
def test_rappel_in_words(site_page: str, line: str, reminder_of: str | None) -> None:
    record = parse(after_question(site_page, f"<p>{line}</p>\n"))

    assert record.reminder_of == reminder_of
    assert record.text == QUESTION_TEXT


def test_errata_of_question_and_answer(site_page: str) -> None:
    content = after_question(
        site_page, "<p><i>Erratum : JO Sénat du 29/03/2018 - page 1450</i></p>\n"
    )
    content = replace_once(
        content,
        '<p class="jo-page">- page 2390</p>\n',
        '<p class="jo-page">- page 2390</p>\n<p><i>Erratum : JO du 24/05/2018 - page 2480</i></p>\n',
    )
    record = parse(content)

    assert record.errata == [
        Erratum(target="question", published=Publication(date=dt.date(2018, 3, 29), page=1450)),
        Erratum(target="answer", published=Publication(date=dt.date(2018, 5, 24), page=2480)),
    ]
    assert record.text == QUESTION_TEXT
    assert record.answer is not None and record.answer.text == ANSWER_TEXT


def test_themes(site_page: str) -> None:
    content = after_question(site_page, "<h3>Concerne le thème : Police et sécurité</h3>\n")
    assert parse(content).themes == ["Police et sécurité"]


def test_answer_given_in_session(site_page: str) -> None:
    content = replace_once(
        site_page,
        "publiée le 17/05/2018</h2>\n",
        "publiée le 17/05/2018</h2>\n<p>Réponse apportée en séance publique le 16/05/2018</p>\n",
    )
    record = parse(content)

    assert record.answer is not None
    assert record.answer.session_date == dt.date(2018, 5, 16)
    assert record.answer.published.date == dt.date(2018, 5, 17)
    assert record.answer.text == ANSWER_TEXT


def test_text_not_digitised_is_none_but_the_page_is_a_version(site_page: str) -> None:
    content = re.sub(
        r'<div class="text-question">.*?</div>',
        "<p>Le texte de cette question n'est pas disponible en format numérique.</p>",
        site_page,
        flags=re.S,
    )
    record = parse(content)

    assert record.text is None
    assert record.published == Publication(date=dt.date(2018, 3, 22), page=1320)
    assert record.status is Status.ANSWERED


def test_oral_question_nature_and_number_printed(site_page: str) -> None:
    content = without_canonical(site_page).replace(
        '<p class="subtitle">15e législature</p>',
        '<p class="subtitle">Question orale sans débat n° 0345S - 15e législature</p>',
    )
    record = parse(content, url="https://www.senat.fr/questions/base/2018/qSEQ18030345S.html")

    assert (record.id, record.kind, record.number, record.legislature) == (
        "SEQ18030345S",
        "QOSD",
        345,
        15,
    )


def test_senator_link_gives_the_matricule(site_page: str) -> None:
    content = site_page.replace(
        "Question de M. BONNECARRÈRE Philippe (Tarn",
        'Question de <a href="/senateur/bonnecarrere_philippe00001z.html">'
        "M. BONNECARRÈRE Philippe</a> (Tarn",
    )
    record = parse(content)

    assert record.author.ref == "00001Z"  # invented matricule
    assert record.author.name == "Philippe Bonnecarrère"


def test_2024_layout_with_key_information_blocks(site_page: str) -> None:
    """The redesign (a 2026 third-party mock): "Les informations clés" before the texts."""
    key_blocks = (
        "<p>Question écrite n°04125 - 15e législature</p>\n"
        "<h2>Les informations clés</h2>\n"
        "<h3>Auteur de la question</h3>\n<p>BONNECARRÈRE Philippe</p>\n"
        "<h3>Type de question</h3>\n<p>Question écrite</p>\n"
        "<h3>Ministre interrogé(e)</h3>\n<p>M. le ministre d'État, ministre de l'intérieur</p>\n"
        "<h3>Question réattribuée à</h3>\n<p>M. le ministre de l'intérieur</p>\n"
        '<h3>Date(s) de publication</h3>\n<ol><li><a href="#question">Question</a> publiée le '
        '22/03/2018</li><li><a href="#answer">Réponse</a> publiée le 17/05/2018</li></ol>\n'
    )
    content = without_canonical(site_page).replace(
        '<p class="subtitle">15e législature</p>\n', key_blocks
    )
    content = content.replace(
        '<p class="jo-page">- page 1320</p>',
        "<p>Publiée dans le JO Sénat du 22/03/2018 - page 1320</p>",
    ).replace(
        '<p class="jo-page">- page 2390</p>',
        "<p>Publiée dans le JO Sénat du 17/05/2018 - page 2390</p>",
    )
    record = parse(content)
    asked = Ministry(name="M. le ministre d'État, ministre de l'intérieur")
    reassigned = Ministry(name="M. le ministre de l'intérieur")

    assert (record.id, record.kind, record.legislature) == ("SEQ180304125", "QE", 15)
    assert record.ministry_asked == asked
    assert record.attribution_history == [
        Attribution(ministry=asked, date=dt.date(2018, 3, 22)),
        Attribution(ministry=reassigned),
    ]
    assert record.published == Publication(date=dt.date(2018, 3, 22), page=1320)
    assert record.answer is not None
    assert record.answer.published == Publication(date=dt.date(2018, 5, 17), page=2390)
    assert (record.text, record.answer.text) == (QUESTION_TEXT, ANSWER_TEXT)


def test_table_in_an_answer_stays_readable_in_a_layout_table(samples_dir: Path) -> None:
    text = read_page_text(samples_dir, "qSEQ020802065")
    content = render_2000s(text, 12).replace(
        b"</td></tr></table></body>",
        b"<table><tr><th>Canton</th><th>Langues</th></tr>"
        b"<tr><td>Sarreguemines</td><td>fran\xe7ais, allemand</td></tr></table>"
        b"</td></tr></table></body>",
    )
    record = parse(content, url=text.url)

    assert record.answer is not None and record.answer.text is not None
    assert record.answer.text.endswith(
        "très limité.\n\nCanton | Langues\nSarreguemines | français, allemand"
    )


# -- pages that are not versions, and hostile pages ---------------------------------


def test_not_yet_published_page_is_not_a_version(site_page: str) -> None:
    content = re.sub(
        r'<div class="text-question">.*</main>',
        "<p>Le texte de cette question sera publié dès sa parution au Journal officiel.</p></main>",
        site_page,
        flags=re.S,
    )
    for parser in (page.parse, parse_any):
        with pytest.raises(
            NotYetPublished,
            match=r"the question is not yet published, the page is no version of it",
        ) as caught:
            parser(content.encode(), url=SEED_URL)
        assert caught.value.exit_code == 1
        assert caught.value.url == SEED_URL
        assert "\n" not in str(caught.value)
    assert issubclass(NotYetPublished, ParseError)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\xff garbage \xfe",
        b"<html><body><p>Bonjour</p></body></html>",
        "<html><body><p>publiée dans le JO Sénat du 22/03/2018</p></body></html>".encode(),
    ],
)
def test_no_question_on_the_page_is_unknown_format(content: bytes) -> None:
    with pytest.raises(UnknownFormat, match=r"^unrecognised Sénat page layout at "):
        page.parse(content, url=SEED_URL)
    with pytest.raises(UnknownFormat, match=r"^unrecognised (Sénat )?page layout at "):
        parse_any(content, url=SEED_URL)


def test_missing_publication_date_is_unknown_format(site_page: str) -> None:
    content = replace_once(site_page, " publiée le 22/03/2018</h2>", "</h2>")
    with pytest.raises(UnknownFormat, match="no publication date"):
        parse(content)


def test_truncated_page_keeps_what_it_has(site_page: str) -> None:
    cut_at = site_page.index("Actuellement, le délai moyen")
    record = parse(site_page.encode()[: len(site_page[:cut_at].encode())])

    assert record.text == QUESTION_TEXT
    assert record.answer is not None
    assert record.answer.published == Publication(date=dt.date(2018, 5, 17))  # page past the cut
    assert record.answer.text is not None
    assert record.answer.text.endswith("empêchant le suivi du dossier.")


def test_page_truncated_in_its_header_is_unknown_format(site_page: str) -> None:
    content = site_page[: site_page.index("(Tarn - UC)") + 5]
    with pytest.raises(UnknownFormat):
        parse(content)


def test_page_naming_itself_wins_over_the_url(site_page: str) -> None:
    """The page's canonical address names it: the fetch layer then sees the mismatch."""
    other = "https://www.senat.fr/questions/base/2018/qSEQ180304126.html"
    assert parse(site_page, url=other).id == "SEQ180304125"
    # The 2010-2018 page without its "send this page" link: "n° 04125" and the JO date.
    old_page = OLD_PAGE.read_bytes().replace(b'href="mailto:', b'href="')
    assert parse(old_page, url=other).id == "SEQ180304125"


def test_page_of_another_month_than_its_url_is_refused(site_page: str) -> None:
    url = "https://www.senat.fr/questions/base/2018/qSEQ180404125.html"
    with pytest.raises(ParseError, match=r"published on 22/03/2018, so it cannot be SEQ180404125"):
        parse(without_canonical(site_page), url=url)


def test_page_without_any_reference_is_unknown_format(site_page: str) -> None:
    with pytest.raises(UnknownFormat, match=r"no question reference"):
        parse(without_canonical(site_page), url="file:///tmp/page.html")


def test_title_falls_back_on_the_title_element(site_page: str) -> None:
    content = re.sub(r'<h1 class="page-title">.*?</h1>\n', "", site_page)
    assert parse(content).title == TITLE


def test_huge_lines_parse_in_linear_time(site_page: str) -> None:
    junk = (
        "<p>" + "Question de M. X (" * 20_000 + "</p><p>" + "Réponse du " * 50_000 + "</p>"
        "<p>" + "- page 1 " * 50_000 + "</p>" + "<p>Réponse du Ministère</p>" * 20_000
    )
    content = after_question(site_page, junk)
    started = time.perf_counter()
    assert looks_like_senat_page(content.encode())
    assert looks_like_senat_page(("<p>question de m. x (" * 50_000).encode()) is False
    record = parse(content)

    assert time.perf_counter() - started < 5
    assert record.published.page == 1320
    assert record.answer is not None and record.answer.published.page == 2390
