"""The ``qarchive`` command line; ``main`` is the console script.

The app is made in :mod:`qarchive.cli.app`, the commands live in
:mod:`qarchive.cli.commands`, one module per job.
"""

from qarchive.cli.app import app, app_for, main

__all__ = ["app", "app_for", "main"]
