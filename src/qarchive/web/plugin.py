"""The Datasette plugin: qarchive's pages as routes, their filters, headers on every page.

Registered by :func:`qarchive.web.server.make_site` for the site it makes (not
through an entry point: ``datasette`` run on another database keeps its own
home page). Datasette's own pages (the tables, facets, SQL, CSV and JSON of
``index.sqlite``) stay, under ``/index``.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from qarchive.web.data import WebSource
from qarchive.web.hooks import hookimpl
from qarchive.web.present import days_figure, days_label, highlight, number, paragraphs, percent
from qarchive.web.views import routes

__all__ = [
    "DATASETTE_CSP",
    "asgi_wrapper",
    "hookimpl",
    "menu_links",
    "prepare_jinja2_environment",
    "register_routes",
    "sources",
]

# What each site serves: its archive, settings and clock, by the Datasette instance.
sources: weakref.WeakKeyDictionary[Any, WebSource] = weakref.WeakKeyDictionary()

# Datasette's own pages have inline scripts (menus, the SQL editor): they may run
# those, and still load nothing from anywhere but this server.
DATASETTE_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; base-uri 'self'; frame-ancestors 'none'"
)


@hookimpl
def register_routes(datasette: Any) -> list[tuple[str, Any]]:
    """The pages of qarchive, before Datasette's own routes (so ``/`` is the list).

    Datasette may build its routes while it is made, before
    :func:`~qarchive.web.server.make_site` names the archive: the pages look
    their site's archive up when they are asked for.
    """
    return routes(lambda site: sources[site])


@hookimpl
def prepare_jinja2_environment(env: Any) -> None:
    """The filters qarchive's templates use."""
    env.filters["days_label"] = days_label
    env.filters["highlight"] = highlight
    env.filters["paragraphs"] = paragraphs
    env.filters["number"] = number
    env.filters["percent"] = percent
    env.filters["days"] = days_figure


@hookimpl
def menu_links(datasette: Any) -> list[dict[str, str]]:
    """Qarchive's pages in the menu of Datasette's own pages."""
    if datasette not in sources:
        return []
    return [
        {"href": "/", "label": "Questions"},
        {"href": "/search", "label": "Search"},
        {"href": "/stats", "label": "Stats"},
    ]


Send = Callable[[dict[str, Any]], Awaitable[None]]


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[Any], Any]:
    """A Content-Security-Policy on every response that has none (Datasette's pages)."""

    def wrap(app: Any) -> Any:
        async def with_headers(scope: dict[str, Any], receive: Any, send: Send) -> None:
            if scope.get("type") != "http" or datasette not in sources:
                await app(scope, receive, send)
                return

            async def send_with_csp(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", []))
                    names = {name.lower() for name, _ in headers}
                    if b"content-security-policy" not in names:
                        headers.append((b"content-security-policy", DATASETTE_CSP.encode()))
                    if b"x-content-type-options" not in names:
                        headers.append((b"x-content-type-options", b"nosniff"))
                    message = {**message, "headers": headers}
                await send(message)

            await app(scope, receive, send_with_csp)

        return with_headers

    return wrap
