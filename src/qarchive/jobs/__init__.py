"""What qarchive does: fetch, refresh, import, verify, export.

Each job orders the lower wings (sources, store, index) and reports what happened;
the command line only parses options and prints.
"""

__all__: list[str] = []
