"""Source formats: pure parsers from bytes to records, and format detection.

Nothing in this package touches the network, the filesystem or the clock.
"""

from qarchive.sources.an import detect_format, parse_an

__all__ = ["detect_format", "parse_an"]
