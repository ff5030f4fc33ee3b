"""The ``qarchive`` command line (:mod:`qarchive.cli.app`)."""

from qarchive.cli.app import app, app_for, main

__all__ = ["app", "app_for", "main"]
