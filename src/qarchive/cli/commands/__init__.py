"""The commands, one module per job; ``qarchive.cli.app`` registers them with typer.

- ``questions``: one question at a time, by ID (fetch, show, history, diff).
- ``listing``: questions selected by the filters (list, search, stats, export).
- ``jobs``: the bulk runs (refresh, import).
- ``following``: what to follow and what happened (watch, digest, feed).
- ``upkeep``: the archive's soundness (reindex, verify).

Each module defines plain functions and no typer app, so that ``app`` imports
them without a cycle and lists them in the order ``qarchive --help`` shows.
"""

__all__: list[str] = []
