"""Bulk imports of open data: AN questions, the Sénat's CSV and dump, the AN reference data."""

__all__: list[str] = []
