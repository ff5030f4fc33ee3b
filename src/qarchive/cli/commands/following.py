"""Commands that follow questions: watch (by ID or saved search), digest, feed.

What is watched is re-fetched by every refresh; ``digest`` and ``feed`` tell what
happened, to a person (stdout, e-mail, chat) or to a feed reader (Atom).
"""

from __future__ import annotations

import datetime as dt
import sys
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from qarchive.cli.messages import plural
from qarchive.cli.options import (
    ArchiveOption,
    AuthorOpt,
    FormatOpt,
    GroupOpt,
    IdsArg,
    MinistryOpt,
    OutputFormat,
    RawCsvOpt,
    WaitOpt,
    collect_ids,
    load_cli_settings,
)
from qarchive.cli.output import say, say_error, write_human
from qarchive.errors import UsageError
from qarchive.follow.choices import DEFAULT_FEED_DAYS, DEFAULT_FEED_LIMIT, DigestFormat

# The library is imported inside each command, so that --help and --version do not
# pay for pydantic, httpx and SQLite (see bench/README.md).
if TYPE_CHECKING:
    from qarchive.follow.watch import SavedSearch
    from qarchive.jobs.resolve import BadLine
    from qarchive.model.ids import QuestionId
    from qarchive.store.archive import Archive

__all__ = ["WATCH_HELP", "digest", "feed", "watch_add", "watch_list", "watch_remove"]

# The help of the ``watch`` group; qarchive.cli.app makes the group of the three
# watch_* commands below.
WATCH_HELP = """Follow questions: by ID, or saved searches for new ones.

    Watched questions are re-fetched by every refresh, whatever their age; their
    events (answer, withdrawal, erratum...) and new questions matching a saved
    search go to refresh --notify, feed --watched and digest.

    Example:
        qarchive watch add 15-12526QE
        qarchive watch add --query "titres sécurisés"
        qarchive watch list
    """

QueryOpt = Annotated[
    str | None,
    typer.Option("--query", help="Saved search: full-text query, as for qarchive search (FTS5)."),
]


def watch_add(
    ids: IdsArg = None,
    query: QueryOpt = None,
    author: AuthorOpt = None,
    ministry: MinistryOpt = None,
    wait: WaitOpt = False,
    archive: ArchiveOption = None,
) -> None:
    """Watch questions by ID or URL, or save a search for new questions.

    A question need not be archived yet: the next refresh fetches it. A saved
    search matches new questions by text (--query), author and ministry.

    Example:
        qarchive watch add 15-12526QE SEQ180304125
        qarchive watch add --query '"titres sécurisés"' --ministry intérieur
    """
    from qarchive.follow.watch import add_watches

    store, qids, search, bad = _watch_targets(ids, query, author, ministry, archive)
    if qids or search is not None:
        with store.lock(wait=wait):
            update = add_watches(store, qids, search=search)
        for name in update.changed:
            say(f"watching {name}")
        for name in update.unchanged:
            say(f"already watched: {name}")
    if bad:
        raise typer.Exit(UsageError.exit_code)


def watch_remove(
    ids: IdsArg = None,
    query: QueryOpt = None,
    author: AuthorOpt = None,
    ministry: MinistryOpt = None,
    wait: WaitOpt = False,
    archive: ArchiveOption = None,
) -> None:
    """Stop watching questions, or remove a saved search (same options as when added).

    Example:
        qarchive watch remove 15-12526QE
        qarchive watch remove --query '"titres sécurisés"' --ministry intérieur
    """
    from qarchive.follow.watch import remove_watches

    store, qids, search, bad = _watch_targets(ids, query, author, ministry, archive)
    if bad:  # removing fewer than asked would leave a watch the user meant to end
        raise typer.Exit(UsageError.exit_code)
    with store.lock(wait=wait):
        update = remove_watches(store, qids, search=search)
    for name in update.changed:
        say(f"stopped watching {name}")


def watch_list(
    fmt: FormatOpt = OutputFormat.TABLE, raw_csv: RawCsvOpt = False, archive: ArchiveOption = None
) -> None:
    """List watched questions (status, days waiting or answer delay) and saved searches.

    Example:
        qarchive watch list
        qarchive watch list --format ids | qarchive fetch -
    """
    from qarchive.cli.messages import watch_summary
    from qarchive.cli.output import print_blocks, write_rows
    from qarchive.cli.views import watch_tables
    from qarchive.follow.watch import watch_status
    from qarchive.model.columns import WATCH_COLUMNS
    from qarchive.store.archive import Archive

    status = watch_status(Archive(load_cli_settings(archive).archive_dir), today=dt.date.today())
    if fmt is OutputFormat.TABLE:
        print_blocks(watch_tables(status.rows))
    else:
        rows = [row for row in status.rows if fmt is not OutputFormat.IDS or row["id"]]
        write_rows(rows, fmt, sys.stdout, columns=WATCH_COLUMNS, raw_csv=raw_csv)
    say(watch_summary(status.rows, waiting=status.waiting))


def _watch_targets(
    ids: list[str] | None,
    query: str | None,
    author: str | None,
    ministry: str | None,
    archive: Path | None,
) -> tuple[Archive, list[QuestionId], SavedSearch | None, list[BadLine]]:
    """The archive, the questions named (bad lines of '-' reported), the saved search."""
    from qarchive.follow.watch import SavedSearch
    from qarchive.store.archive import Archive

    settings = load_cli_settings(archive)
    store = Archive(settings.archive_dir)
    qids, bad = collect_ids(ids or [], settings, store)
    for line in bad:
        say_error(f"stdin {line}")
    search: SavedSearch | None = SavedSearch(query=query, author=author, ministry=ministry)
    if search is not None and search.key == (None, None, None):
        if not qids and not bad:
            raise UsageError("nothing given: pass IDs or URLs, or --query, --author or --ministry")
        search = None
    return store, qids, search, bad


def _moment(text: str | None) -> dt.datetime | None:
    # The dates of every command (qarchive.model.dates); a digest keeps the time too.
    if text is None:
        return None
    from qarchive.model.dates import parse_moment

    try:
        return parse_moment(text, now=dt.datetime.now(dt.UTC))
    except UsageError as exc:
        raise typer.BadParameter(str(exc)) from None


def digest(
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            callback=_moment,
            metavar="DATE",
            help="From this long ago (1d, 12h, 2w) or this date (YYYY-MM-DD) instead of "
            "the last digest; the last digest's time is then left as it was.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        DigestFormat,
        typer.Option("--format", "-f", help="text, markdown or html.", case_sensitive=False),
    ] = DigestFormat.TEXT,
    always: Annotated[
        bool,
        typer.Option("--always", help="Print the digest even when nothing happened."),
    ] = False,
    wait: WaitOpt = False,
    archive: ArchiveOption = None,
) -> None:
    """What happened since the last digest: watched events, new answers, new overdue questions.

    Prints the digest on stdout, ready for a terminal, an e-mail or a chat, and
    remembers when it ran (one day back the first time). When nothing happened
    it prints nothing at all, so that cron mails nothing (--always prints it).

    Example:
        qarchive digest
        qarchive digest --since 7d --format markdown
        qarchive digest --format html | mail -E -M text/html -s digest me@x.org
    """
    from qarchive.cli.messages import digest_summary
    from qarchive.follow.digest import make_digest
    from qarchive.follow.digest_text import render_digest
    from qarchive.store.archive import Archive

    now = dt.datetime.now(dt.UTC)
    start = typing.cast("dt.datetime | None", since)  # made a datetime by _moment
    store = Archive(load_cli_settings(archive).archive_dir)
    result = make_digest(store, since=start, now=lambda: now, wait=wait)
    if result.empty and not always:
        return
    write_human(render_digest(result, fmt))
    say(digest_summary(result))


def _public_url(text: str | None) -> str | None:
    if text is not None and not text.startswith(("https://", "http://")):
        raise typer.BadParameter(
            f"{text!r} is not an http(s) URL, e.g. https://example.org/feed.atom"
        )
    return text


def feed(
    output: Annotated[
        Path, typer.Option("--output", "-o", dir_okay=False, help="Where to write the Atom file.")
    ],
    ministry: MinistryOpt = None,
    author: AuthorOpt = None,
    group: GroupOpt = None,
    query: Annotated[
        str | None, typer.Option("--query", help="Only questions matching this search (FTS5).")
    ] = None,
    days: Annotated[
        int, typer.Option("--days", min=1, help="Events of the last N days.")
    ] = DEFAULT_FEED_DAYS,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, help="At most N entries.")
    ] = DEFAULT_FEED_LIMIT,
    title: Annotated[
        str, typer.Option("--title", help="The feed's title.")
    ] = "qarchive: questions écrites",
    watched: Annotated[
        bool,
        typer.Option("--watched", help="Events of watched questions and saved searches instead."),
    ] = False,
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url",
            callback=_public_url,
            metavar="URL",
            help="Where the feed will be published: its ID and self link "
            "(default: the file's file:// URL, for this machine only).",
        ),
    ] = None,
    archive: ArchiveOption = None,
) -> None:
    """Write an Atom feed of new questions, new answers and closures.

    Example:
        qarchive feed -o answers.atom
        qarchive feed -o interieur.atom --ministry intérieur --days 7
        qarchive feed -o ants.atom --query ANTS --public-url https://x.org/ants.atom
        qarchive feed --watched -o watched.atom
    """
    from qarchive.follow.feed import recent_events, write_feed
    from qarchive.index.filters import Filters
    from qarchive.store.archive import Archive

    store = Archive(load_cli_settings(archive).archive_dir)
    if watched:
        if any((ministry, author, group, query)):
            raise UsageError(
                "--watched takes no --ministry, --author, --group or --query: "
                "the watchlist is the filter (see: qarchive watch add --help)"
            )
        _watched_feed(store, output, days=days, limit=limit, title=title, public_url=public_url)
        return
    today = dt.date.today()
    filters = Filters(ministry=ministry, author=author, group=group)
    events = recent_events(
        store, filters, since=today - dt.timedelta(days=days), today=today, query=query, limit=limit
    )
    now = dt.datetime.now(dt.UTC)
    write_feed(output, events, title=title, generated=now, public_url=public_url)
    say(f"wrote {plural(len(events), 'event')} to {output}")


def _watched_feed(
    store: Archive, output: Path, *, days: int, limit: int, title: str, public_url: str | None
) -> None:
    from qarchive.follow.feed import watched_events, write_watched_feed

    now = dt.datetime.now(dt.UTC)
    events = watched_events(store, since=now - dt.timedelta(days=days), limit=limit)
    write_watched_feed(output, events, title=title, generated=now, public_url=public_url)
    say(f"wrote {plural(len(events), 'watched event')} to {output}")
