"""Everything SQL: the index's schema and tallies, listing, search, stats, the reference index.

The only wing that speaks SQL; what it indexes is derived from the store's files.
"""

__all__: list[str] = []
