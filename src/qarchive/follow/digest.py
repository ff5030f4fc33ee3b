"""The digest: what happened since the last one, for a terminal, an e-mail or a chat.

Three sections: events of followed questions (from the events journal), new
answers archived in the period with the days each took, and the questions that
became overdue in the period (pending, their deadline passed, from the index).

Without ``since``, a digest covers the time since the previous one (one day for
the first) and remembers when it ran, in ``<archive>/digest.json``; a digest over
an explicit ``since`` leaves that memory alone, so a look back never makes the
nightly digest skip anything.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from qarchive.choices import DigestFormat
from qarchive.errors import ArchiveDamaged, ArchiveWriteError, UsageError
from qarchive.follow.events import EventType, QuestionEvent, read_events
from qarchive.jobs.fetch import Clock, utc_now
from qarchive.store.archive import Archive
from qarchive.store.files import atomic_write

__all__ = [
    "DEFAULT_SINCE",
    "DIGEST_FILE",
    "Digest",
    "DigestFormat",
    "OverdueQuestion",
    "build_digest",
    "last_digest",
    "make_digest",
    "parse_since",
    "render_digest",
]

DIGEST_FILE = "digest.json"
DEFAULT_SINCE = dt.timedelta(days=1)  # the first digest looks back this far
_DURATION = re.compile(r"(\d{1,5})\s*([hdw])", re.IGNORECASE)
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


@dataclass(frozen=True, slots=True)
class OverdueQuestion:
    """A pending question whose deadline passed during the period."""

    id: str
    title: str | None
    ministry: str | None
    published: dt.date
    deadline: dt.date
    days_waiting: int
    url: str


@dataclass(frozen=True, slots=True)
class Digest:
    """What happened in ``[since, until)``."""

    since: dt.datetime
    until: dt.datetime
    watched: list[QuestionEvent]  # oldest first
    answers: list[QuestionEvent]  # longest delay first
    overdue: list[OverdueQuestion]  # earliest deadline first

    @property
    def empty(self) -> bool:
        """True when nothing happened."""
        return not (self.watched or self.answers or self.overdue)


class _DigestState(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: int = Field(default=1, alias="schema")
    last_run: dt.datetime


def parse_since(text: str, *, now: dt.datetime) -> dt.datetime:
    """``1d``, ``12h``, ``2w`` back from ``now``, or a date (midnight UTC) or ISO datetime.

    Example:
        >>> now = dt.datetime(2026, 11, 23, 3, 30, tzinfo=dt.UTC)
        >>> parse_since("1d", now=now).isoformat()
        '2026-11-22T03:30:00+00:00'
        >>> parse_since("2026-11-01", now=now).isoformat()
        '2026-11-01T00:00:00+00:00'

    Raises:
        UsageError: the text is neither.
    """
    value = text.strip()
    match = _DURATION.fullmatch(value)
    if match:
        amount, unit = int(match.group(1)), match.group(2).lower()
        return now - dt.timedelta(**{_UNITS[unit]: amount})
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"invalid --since {text!r}: expected a duration such as 1d, 12h or 2w, "
            "or a date such as 2026-11-01"
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def last_digest(archive: Archive) -> dt.datetime | None:
    """When the last digest ran (None if never).

    Raises:
        ArchiveDamaged: ``digest.json`` exists but cannot be read.
    """
    path = archive.root / DIGEST_FILE
    try:
        return _DigestState.model_validate_json(path.read_bytes()).last_run
    except FileNotFoundError:
        return None
    except (OSError, ValidationError) as exc:
        reason = str(exc).splitlines()[0]
        raise ArchiveDamaged(
            f"{path} is damaged ({reason}); remove it (the next digest covers one day) "
            "or pass --since",
            path=str(path),
        ) from None


def _remember(archive: Archive, at: dt.datetime) -> None:
    path = archive.root / DIGEST_FILE
    document = _DigestState(last_run=at).model_dump(mode="json", by_alias=True)
    try:
        atomic_write(path, (json.dumps(document) + "\n").encode("utf-8"))
    except OSError as exc:
        raise ArchiveWriteError.from_os_error(path, exc, then="try again") from None


def build_digest(archive: Archive, *, since: dt.datetime, until: dt.datetime) -> Digest:
    """The digest of ``[since, until)``; reads only, writes nothing.

    Raises:
        ArchiveDamaged: a journal file cannot be read.
    """
    events = read_events(archive, since=since, until=until)
    answers = [event for event in events if event.type is EventType.ANSWERED]
    answers.sort(key=lambda event: (-int(event.details.get("delay_days") or 0), event.question))
    return Digest(
        since=since,
        until=until,
        watched=[event for event in events if event.watched],
        answers=answers,
        overdue=_overdue(archive, since.date(), until.date()),
    )


def _overdue(archive: Archive, first: dt.date, today: dt.date) -> list[OverdueQuestion]:
    # Overdue from the day after the deadline: deadlines in [first, today) became
    # overdue within the period (a digest the next day starts where this one ended).
    sql = (
        "SELECT id, title, rubrique, COALESCE(ministry_responding, ministry_asked), published, "
        "deadline, url FROM questions WHERE status = 'pending' AND deadline >= ? "
        "AND deadline < ? ORDER BY deadline, published, id"
    )
    connection = archive.open_index()
    try:
        rows = connection.execute(sql, [first.isoformat(), today.isoformat()]).fetchall()
    finally:
        connection.close()
    found = []
    for question_id, title, rubrique, ministry, published, deadline, url in rows:
        day = dt.date.fromisoformat(published)
        found.append(
            OverdueQuestion(
                id=question_id,
                title=title or rubrique,
                ministry=ministry,
                published=day,
                deadline=dt.date.fromisoformat(deadline),
                days_waiting=(today - day).days,
                url=url,
            )
        )
    return found


def make_digest(
    archive: Archive,
    *,
    since: dt.datetime | None = None,
    now: Clock = utc_now,
    wait: bool = False,
) -> Digest:
    """The digest since ``since``, or since the last digest (which it then records).

    Args:
        archive: the archive.
        since: the start of the period; None for "since the last digest" (one day
            for the first), and remember this one in ``digest.json``.
        now: the clock.
        wait: wait for the archive lock (taken only to remember the run).

    Raises:
        ArchiveLocked: another process holds the archive (and ``wait`` is false).
        ArchiveDamaged: ``digest.json`` or a journal file cannot be read.
    """
    at = now()
    if since is not None:
        return build_digest(archive, since=since, until=at)
    with archive.lock(wait=wait):
        start = last_digest(archive) or at - DEFAULT_SINCE
        digest = build_digest(archive, since=start, until=at)
        _remember(archive, at)
    return digest


# -- rendering ---------------------------------------------------------------------


def _period(digest: Digest) -> str:
    def stamp(when: dt.datetime) -> str:
        return when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")

    return f"{stamp(digest.since)} to {stamp(digest.until)} UTC"


def _answer_line(event: QuestionEvent) -> str:
    ministry = f" ({event.ministry})" if event.ministry else ""
    delay = event.details.get("delay_days")
    return f"{event.question}{ministry} answered after {delay} days: {event.title or '(no title)'}"


def _overdue_line(item: OverdueQuestion) -> str:
    ministry = f" ({item.ministry})" if item.ministry else ""
    return (
        f"{item.id}{ministry} due {item.deadline.isoformat()}, waiting {item.days_waiting} "
        f"days: {item.title or '(no title)'}"
    )


_SECTIONS = ("Watched questions", "New answers", "New overdue questions")


def _sections(digest: Digest) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """(heading, [(question ID, line without the ID, URL)]) for each section."""

    def split(question_id: str, line: str, url: str) -> tuple[str, str, str]:
        return question_id, line.removeprefix(question_id), url

    return [
        (_SECTIONS[0], [split(e.question, e.summary, e.url) for e in digest.watched]),
        (_SECTIONS[1], [split(e.question, _answer_line(e), e.url) for e in digest.answers]),
        (_SECTIONS[2], [split(o.id, _overdue_line(o), o.url) for o in digest.overdue]),
    ]


def _text(digest: Digest) -> str:
    lines = [f"qarchive digest, {_period(digest)}"]
    for heading, items in _sections(digest):
        lines += ["", f"{heading}: {len(items) or 'none'}"]
        for question_id, rest, url in items:
            lines += [f"- {question_id}{rest}", f"  {url}"]
    return "\n".join(lines) + "\n"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def _md(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _markdown(digest: Digest) -> str:
    lines = [f"## qarchive digest, {_period(digest)}"]
    for heading, items in _sections(digest):
        lines += ["", f"### {heading} ({len(items)})", ""]
        if not items:
            lines.append("Nothing in this period.")
        for question_id, rest, url in items:
            link = f"[{question_id}]({url})" if _is_web(url) else _md(question_id)
            lines.append(f"- {link}{_md(rest)}")
    return "\n".join(lines) + "\n"


def _is_web(url: str) -> bool:
    return url.startswith(("https://", "http://")) and not re.search(r"[\s<>()\[\]]", url)


def _html(digest: Digest) -> str:
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8"><title>qarchive digest</title></head><body>',
        f"<h2>qarchive digest, {esc(_period(digest))}</h2>",
    ]
    for heading, items in _sections(digest):
        parts.append(f"<h3>{esc(heading)} ({len(items)})</h3>")
        if not items:
            parts.append("<p>Nothing in this period.</p>")
            continue
        parts.append("<ul>")
        for question_id, rest, url in items:
            name = esc(question_id)
            link = f'<a href="{esc(url, quote=True)}">{name}</a>' if _is_web(url) else name
            parts.append(f"<li>{link}{esc(rest)}</li>")
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


_RENDERERS = {DigestFormat.TEXT: _text, DigestFormat.MARKDOWN: _markdown, DigestFormat.HTML: _html}


def render_digest(digest: Digest, fmt: DigestFormat | str = DigestFormat.TEXT) -> str:
    """The digest as plain text, Markdown or a small HTML document.

    Text is for a terminal or a plain e-mail, Markdown for a newsroom chat, HTML
    for an HTML e-mail. Question IDs link to their page in Markdown and HTML.

    Raises:
        UsageError: ``fmt`` is not text, markdown or html.
    """
    try:
        renderer = _RENDERERS[DigestFormat(fmt)]
    except ValueError:
        raise UsageError(f"unknown digest format {fmt!r}: use text, markdown or html") from None
    return renderer(digest)
