"""Making the Datasette site of an archive, and serving it.

``qarchive serve`` makes the index current (as ``qarchive list`` would), binds
its address itself (so that a port in use is a clear error, not a log line),
then runs the site with uvicorn, Datasette's own server, until interrupted.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import socket
import threading
from importlib.resources import files
from typing import Any

from qarchive.errors import QarchiveError, UsageError
from qarchive.index.filters import Filters
from qarchive.store.index_access import ArchiveIndex
from qarchive.web.data import WebSource, month_rows, stats_page

__all__ = ["bind", "is_loopback", "make_site", "prepare_index", "run_site"]

_PACKAGE = files("qarchive.web")
TEMPLATES = _PACKAGE / "templates"
STATIC = _PACKAGE / "static"
STATIC_PATH = "-/qarchive"  # where the style sheet, scripts and Chart.js are served


def prepare_index(source: WebSource) -> None:
    """Make the archive's index current before serving: the pages only ever read it.

    Raises:
        ArchiveLocked: never (it waits for a writer to finish).
        ArchiveWriteError: the index must be rebuilt and cannot be written.
    """
    ArchiveIndex(source.root).open_index().close()


def make_site(source: WebSource) -> Any:
    """The Datasette site of the archive: qarchive's pages, Datasette's own on ``/index``."""
    from datasette.app import Datasette
    from datasette.plugins import pm

    from qarchive.web import plugin

    if not pm.is_registered(plugin):
        pm.register(plugin, name="qarchive")
    site = Datasette(
        files=[str(source.root / "index.sqlite")],
        template_dir=str(TEMPLATES),
        static_mounts=[(STATIC_PATH, str(STATIC))],
        metadata={
            "title": "qarchive",
            "description": "The questions écrites of this archive; qarchive's own pages: "
            "/ (the list), /search, /stats, /q/<ID>.",
        },
        settings={"allow_download": False},
    )
    plugin.sources[site] = source
    return site


def is_loopback(host: str) -> bool:
    """True when ``host`` is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (port 0: any free one).

    Raises:
        UsageError: the address cannot be used (port taken, unknown host...).
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UsageError(f"cannot serve on {host!r}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(
                f"port {port} on {host} is already in use; pass another: --port {port + 1}"
            ) from None
        raise UsageError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def run_site(source: WebSource, sock: socket.socket) -> None:
    """Serve the archive's site on ``sock`` until interrupted (Ctrl-C).

    The figures of ``/stats`` (its monthly series is a pass over every
    question) are worked out, and the Atom writer loaded, in the background at
    once, so that the first visitor does not wait.

    Raises:
        QarchiveError: the server stopped on an error.
    """
    import uvicorn

    site = make_site(source)
    threading.Thread(target=_warm_up, args=(source,), daemon=True).start()
    config = uvicorn.Config(site.app(), log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except SystemExit as exc:  # uvicorn exits on start-up failures
        raise QarchiveError(f"the server stopped (code {exc.code})") from None
    finally:
        sock.close()


def _warm_up(source: WebSource) -> None:
    # A failure here is the page's to report, when it computes the figures itself.
    with contextlib.suppress(Exception):
        import feedgen.feed  # noqa: F401  (lxml underneath: else the first Atom page loads it)

        stats_page(source, Filters())
        month_rows(source, Filters())
