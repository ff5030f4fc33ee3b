"""The digest written out: plain text, Markdown or a small HTML document.

A terminal or a plain e-mail, a newsroom chat, an HTML e-mail: one renderer each,
over the same three sections (:class:`qarchive.follow.digest.Digest`).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import TYPE_CHECKING

from qarchive.errors import UsageError
from qarchive.follow.choices import DigestFormat

if TYPE_CHECKING:
    from qarchive.follow.digest import Digest, OverdueQuestion
    from qarchive.follow.events import QuestionEvent

__all__ = ["render_digest"]


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
