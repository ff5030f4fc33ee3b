"""The rich consoles the commands print through, made when a command prints.

Building one imports rich, which ``--help``, ``--version`` and a listing in a pipe
never need; hence functions rather than module-level consoles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["stderr_console", "stdout_console"]


def stderr_console() -> Console:
    """The console for messages: stderr, long lines left whole for logs and mail."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def stdout_console() -> Console:
    """The console for rich views on stdout."""
    from rich.console import Console

    # Wrapped to the terminal (80 columns in a pipe) so long texts stay readable.
    return Console(highlight=False)
