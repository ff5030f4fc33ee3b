"""The pages: each reads its parameters, asks :mod:`qarchive.web.data`, answers in a format.

Every page answers in HTML, and in JSON at the same path plus ``.json`` (lists
and searches in CSV too, ``.csv``, and Atom, ``.atom``), so the web view is also
an API: ``/.json?unanswered=1``, ``/search.csv?q=…``, ``/q/15-12526QE.json``,
``/stats.json``. Bad input is a 400 page that says what was expected, an
unknown question a 404; never a traceback.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from datasette.utils.asgi import Response

from qarchive.errors import (
    ArchiveDamaged,
    InvalidQuestionId,
    NotArchived,
    QarchiveError,
    UsageError,
)
from qarchive.index.choices import SortKey
from qarchive.index.query import SNIPPET_END, SNIPPET_START
from qarchive.model.columns import LIST_COLUMNS, SEARCH_COLUMNS, csv_cell
from qarchive.web import data
from qarchive.web.params import ListParams, filter_args, read_filters, read_list_params
from qarchive.web.present import diff_view

__all__ = ["SECURITY_HEADERS", "routes"]

# No script, style, font or image from anywhere but the server itself (nothing
# inline either: the charts' data is a JSON block, their code a file), and no
# framing: a page from the archive cannot be made to load or send anything elsewhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
_CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}

View = Callable[[Any, Any], Awaitable[Response]]
Source = Callable[[Any], "data.WebSource"]


def _args(request: Any) -> dict[str, str]:
    return {key: request.args.get(key) for key in request.args}


def _url(path: str, args: dict[str, str]) -> str:
    return f"{path}?{urlencode(args)}" if args else path


async def _run(datasette: Any, function: Callable[[], Any]) -> Any:
    # The library is synchronous: in Datasette's threads, the server keeps answering.
    return await asyncio.get_running_loop().run_in_executor(datasette.executor, function)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if hasattr(value, "as_row"):
        return value.as_row()
    if hasattr(value, "__dataclass_fields__"):
        return {name: getattr(value, name) for name in value.__dataclass_fields__}
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _respond(body: str | bytes, *, status: int = 200, content_type: str) -> Response:
    return Response(body, status=status, headers=dict(SECURITY_HEADERS), content_type=content_type)


def _json(payload: Any, *, status: int = 200) -> Response:
    body = json.dumps(payload, default=_json_default, ensure_ascii=False, indent=2)
    return _respond(body, status=status, content_type=_CONTENT_TYPES["json"])


def _csv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:  # written as qarchive list writes CSV: formulas neutralised too
        writer.writerow([csv_cell(row.get(name)) for name in columns])
    return _respond(out.getvalue(), content_type=_CONTENT_TYPES["csv"])


async def _html(
    datasette: Any, request: Any, template: str, context: dict[str, Any], status: int = 200
) -> Response:
    body = await datasette.render_template(f"qarchive/{template}", context, request=request)
    return _respond(body, status=status, content_type="text/html; charset=utf-8")


async def _error(
    datasette: Any, request: Any, status: int, message: str, fmt: str | None
) -> Response:
    if fmt == "json":
        return _json({"ok": False, "status": status, "error": message}, status=status)
    if fmt in ("csv", "atom"):
        return _respond(
            f"Error {status}: {message}\n", status=status, content_type="text/plain; charset=utf-8"
        )
    titles = {400: "Bad request", 404: "Not found", 500: "The archive could not be read"}
    context = {"status": status, "title": titles.get(status, "Error"), "message": message}
    return await _html(datasette, request, "error.html", context, status)


def _guarded(
    source: Source, page: Callable[[Any, Any, data.WebSource, str | None], Awaitable[Response]]
) -> View:
    """A view answering the library's errors with a clear page of the right status."""

    async def view(request: Any, datasette: Any) -> Response:
        fmt = request.url_vars.get("format")
        try:
            return await page(request, datasette, source(datasette), fmt)
        except (InvalidQuestionId, NotArchived) as exc:
            return await _error(datasette, request, 404, str(exc), fmt)
        except UsageError as exc:
            return await _error(datasette, request, 400, str(exc), fmt)
        except ArchiveDamaged as exc:
            return await _error(datasette, request, 500, f"{exc}; run: qarchive verify", fmt)
        except QarchiveError as exc:
            return await _error(datasette, request, 500, str(exc), fmt)

    return view


def _links(
    path: str, params: ListParams, total: int | None, shown: int, fmt: str | None = None
) -> dict[str, Any]:
    """Next and previous pages (in the same format), this page in other formats, the sorts."""
    more = shown == params.size and (total is None or params.offset + shown < total)
    formats = ("json", "csv", "atom")
    pages = f"{path}.{fmt}" if fmt else path  # "/.json", "/search.json"
    return {
        "next": _url(pages, params.query_args(page=params.page + 1)) if more else None,
        "previous": _url(pages, params.query_args(page=params.page - 1))
        if params.page > 1
        else None,
        "formats": {name: _url(f"{path}.{name}", params.query_args()) for name in formats},
        "sorts": {
            key.value: _url(path, params.query_args(sort=key.value, page=1)) for key in SortKey
        },
    }


async def _listing(
    request: Any, datasette: Any, source: data.WebSource, fmt: str | None, *, search: bool
) -> Response:
    params = read_list_params(_args(request), search=search)
    path = "/search" if search else "/"
    if fmt == "atom":
        feed_id = str(request.url)
        body = await _run(datasette, lambda: data.feed_document(source, params, feed_id=feed_id))
        return _respond(body, content_type=_CONTENT_TYPES["atom"])
    reader = data.search_page if search else data.list_page
    found = await _run(datasette, lambda: reader(source, params))
    links = _links(path, params, found["total"], len(found["rows"]), fmt)
    columns = SEARCH_COLUMNS if search else LIST_COLUMNS
    if fmt == "csv":
        return _csv(found["rows"], columns)
    if fmt == "json":
        rows = found["rows"]
        if search:
            rows = [dict(row, snippet=_plain_snippet(row.get("snippet"))) for row in rows]
        return _json(
            {
                "query": params.query,
                "filters": filter_args(params.filters),
                "sort": None if search else params.sort.value,
                "page": params.page,
                "size": params.size,
                "total": found["total"],
                "rows": rows,
                "next_url": links["next"],
                "previous_url": links["previous"],
            }
        )
    context = {
        "params": params,
        "found": found,
        "links": links,
        "search": search,
        "marks": data.MARKS,
    }
    return await _html(datasette, request, "search.html" if search else "list.html", context)


def _plain_snippet(snippet: str | None) -> str | None:
    # JSON readers get the CLI's markers around the matched words.
    if snippet is None:
        return None
    return snippet.replace(data.MARKS[0], SNIPPET_START).replace(data.MARKS[1], SNIPPET_END)


async def _list(request: Any, datasette: Any, source: data.WebSource, fmt: str | None) -> Response:
    return await _listing(request, datasette, source, fmt, search=False)


async def _search(
    request: Any, datasette: Any, source: data.WebSource, fmt: str | None
) -> Response:
    return await _listing(request, datasette, source, fmt, search=True)


async def _question(
    request: Any, datasette: Any, source: data.WebSource, fmt: str | None
) -> Response:
    text = request.url_vars["qid"]
    page = await _run(datasette, lambda: data.question_page(source, text))
    if page.qid.canonical != text and fmt is None:  # one address per question
        return Response.redirect(f"/q/{page.qid.canonical}", status=301)
    record = page.latest.record
    derived = {
        "deadline": record.deadline(),
        "overdue": record.is_overdue(page.today),
        "days_waiting": record.days_waiting(page.today),
        "answer_delay_days": record.answer_delay_days(),
    }
    if fmt == "json":
        versions = [
            {
                "version": stored.version,
                "fetched_at": stored.fetched_at,
                "content_hash": stored.content_hash,
                "changed": stored.changed,
                "changes": [
                    {"path": change.path, "old": change.old, "new": change.new}
                    for change in page.diffs.get(stored.version, [])
                ],
            }
            for stored in page.versions
        ]
        links = [{"label": label, "url": url} for label, url in page.links]
        return _json(
            {
                "id": page.qid.canonical,
                "record": page.latest.record_json,
                **derived,
                "links": links,
                "versions": versions,
            }
        )
    diffs = {
        number: diff_view(changes, number - 1, number) for number, changes in page.diffs.items()
    }
    context = {"page": page, "record": record, "derived": derived, "diffs": diffs}
    return await _html(datasette, request, "question.html", context)


async def _stats(request: Any, datasette: Any, source: data.WebSource, fmt: str | None) -> Response:
    filters = read_filters(_args(request))
    found = await _run(datasette, lambda: data.stats_page(source, filters))
    args = filter_args(filters)
    months_url = _url("/stats/months.json", args)
    if fmt == "json":
        legislatures = [
            {"chamber": chamber, "legislature": legislature, **row.as_row()}
            for chamber, legislature, row in found["legislatures"]
        ]
        return _json(
            {
                "filters": args,
                "overall": found["overall"].as_row(),
                "ministries": [row.as_row() for row in found["ministries"]],
                "legislatures": legislatures,
                "months_url": months_url,
            }
        )
    delays = [
        {
            "name": row.name or "—",
            "median": row.median_delay_days,
            "p90": row.p90_delay_days,
            "questions": row.questions,
        }
        for row in found["ministries"]
        if row.median_delay_days is not None
    ][:20]
    context = {
        "found": found,
        "filters": filters,
        "args": args,
        "delays": delays,
        "months_url": months_url,
        "json_url": _url("/stats.json", args),
    }
    return await _html(datasette, request, "stats.html", context)


async def _months(
    request: Any, datasette: Any, source: data.WebSource, fmt: str | None
) -> Response:
    filters = read_filters(_args(request))
    rows = await _run(datasette, lambda: data.month_rows(source, filters))
    return _json({"filters": filter_args(filters), "months": [row for row in rows]})


_FORMATS = r"(\.(?P<format>json|csv|atom))?"


def routes(source: Source) -> list[tuple[str, View]]:
    """The web view's routes for Datasette's ``register_routes`` (regex, view)."""
    return [
        (rf"^/{_FORMATS}$", _guarded(source, _list)),
        (rf"^/search{_FORMATS}$", _guarded(source, _search)),
        (r"^/q/(?P<qid>[^/]+?)(\.(?P<format>json))?$", _guarded(source, _question)),
        (r"^/stats(\.(?P<format>json))?$", _guarded(source, _stats)),
        (r"^/stats/months(\.(?P<format>json))$", _guarded(source, _months)),
    ]
