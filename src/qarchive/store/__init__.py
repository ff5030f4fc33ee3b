"""The archive on disk: its layout, atomic files, versioned records, question state, batches.

The files are the truth; the store keeps the index (:mod:`qarchive.index`) in step
with them.
"""

__all__: list[str] = []
