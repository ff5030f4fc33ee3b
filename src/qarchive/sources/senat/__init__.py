"""Sénat sources: the question page, ``questions-depuis-un-an.csv`` and the SQL dump."""

__all__: list[str] = []
