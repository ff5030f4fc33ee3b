"""Pure values: question IDs (and the chambers), the record, reference records, versioning.

Nothing here reads a file, a clock or the network; every other wing builds on it.
"""

__all__: list[str] = []
