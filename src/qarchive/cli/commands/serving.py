"""``qarchive serve``: the archive in a browser, read-only (the web view, ``qarchive.web``).

The command parses its options, says where the site is, and hands over to
``qarchive.web``, imported here only when the command runs: the rest of the
command line never loads Datasette.
"""

from __future__ import annotations

from typing import Annotated

import typer

from qarchive.cli.options import ArchiveOption, load_cli_settings
from qarchive.cli.output import notice

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "serve"]

DEFAULT_HOST = "127.0.0.1"  # this machine only: the archive is shown to nobody else
DEFAULT_PORT = 8000


def serve(
    host: Annotated[
        str,
        typer.Option("--host", help="Address to listen on; anything but this machine is public."),
    ] = DEFAULT_HOST,
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port to listen on (0: any free one).")
    ] = DEFAULT_PORT,
    archive: ArchiveOption = None,
) -> None:
    """Serve the archive as a read-only web site: list, search, questions, stats.

    Pages: / (the questions, with the filters of list as parameters), /search?q=,
    /q/ID (every version and what changed), /stats (with charts); each in JSON at
    the same path plus .json (lists in CSV and Atom too). Datasette's tables, SQL
    and facets of the index are under /index. Nothing is loaded from the internet.

    Example:
        qarchive serve
        qarchive serve --port 8080
        qarchive serve --host 0.0.0.0   # other machines can read it too
    """
    from qarchive.web.data import WebSource
    from qarchive.web.server import bind, is_loopback, prepare_index, run_site

    settings = load_cli_settings(archive)
    source = WebSource(settings.archive_dir, settings)
    prepare_index(source)
    sock = bind(host, port)
    shown = f"[{host}]" if ":" in host else host
    if not is_loopback(host):
        notice(
            f"Warning: serving on {host}: anyone who can reach this machine can read the archive"
        )
    address = sock.getsockname()
    notice(f"Serving {source.root} at http://{shown}:{address[1]}/ (read-only; Ctrl-C to stop)")
    run_site(source, sock)
