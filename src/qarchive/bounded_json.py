"""JSON read from anywhere, with its nesting depth bounded: the one way qarchive reads JSON.

A JSON document of a few kilobytes can nest a thousand levels deep: ``json.loads``
then overflows Python's stack (a ``RecursionError``, which no ``except ValueError``
catches), and ijson, which builds the path of every level as a string, takes
memory growing with the square of the depth (a 40 KB document took 1 GB). Every
JSON qarchive reads, from the sites, from open-data files and from its own
archive, goes through :func:`load_json` or :func:`read_json` (whole documents) or
:class:`DepthLimited` (a stream for ijson), which refuse a document nested deeper
than :data:`MAX_DEPTH` before it is parsed, with :class:`JSONTooDeep`, a
``ValueError`` like every other "this is not usable JSON". Pydantic's own JSON
parser (``model_validate_json``) stops at 200 levels by itself, and its callers
already treat its errors as unreadable files.

The depth is measured without parsing: escaped quotes and backslashes are
dropped, then every byte but brackets and quotes, then quoted strings, all by
``bytes`` methods and one regular expression running in C; what is left is a
string of brackets whose running depth ``itertools.accumulate`` adds up.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from array import array
from pathlib import Path
from typing import Any

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "DepthLimited",
    "JSONTooDeep",
    "JSONTooLarge",
    "load_json",
    "read_json",
]

# The deepest document qarchive reads nests about a dozen levels (a question of the
# AN's legislature XIV file, inside that file's three); version files, fewer.
MAX_DEPTH = 64
# A file of the archive read whole: checks.json of a million questions is ~50 MB.
MAX_FILE_BYTES = 512 * 1024 * 1024

_STRUCTURE = b'[]{}"'
_NOT_STRUCTURE = bytes(byte for byte in range(256) if byte not in _STRUCTURE)
_STRINGS = re.compile(rb'"[^"]*"')
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Opening brackets count +1 and closing ones -1, as signed bytes.
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


class JSONTooDeep(ValueError):
    """A JSON document nested deeper than qarchive reads."""


class JSONTooLarge(ValueError):
    """A JSON file larger than qarchive reads whole."""


class _DepthMeter:
    """The running nesting depth of a document read piece by piece."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.depth = 0
        self._in_string = False
        self._backslashes = b""  # a run at the end of a piece: it may escape what follows

    def feed(self, piece: bytes) -> None:
        """Take the next bytes of the document.

        Raises:
            JSONTooDeep: the document is now nested deeper than the limit; the
                meter is as it was before ``piece``.
        """
        backslashes = b""
        if self._backslashes:
            piece = self._backslashes + piece
        if b"\\" in piece:
            kept = piece.rstrip(b"\\")
            backslashes = piece[len(kept) :]
            # Pairs first ("\\\\" is one backslash), then escaped quotes: what is left
            # of a quote is a string's start or end.
            piece = kept.replace(b"\\\\", b"").replace(b'\\"', b"")
        skeleton = piece.translate(None, _NOT_STRUCTURE)
        if self._in_string:
            skeleton = b'"' + skeleton
        skeleton = _STRINGS.sub(b"", skeleton)
        skeleton, quote, _ = skeleton.partition(b'"')  # a string still open at the end
        steps = array("b", skeleton.translate(_STEPS))
        if max(itertools.accumulate(steps, initial=self.depth)) > self.limit:
            raise JSONTooDeep(f"JSON nested deeper than {self.limit} levels")
        self.depth += sum(steps)
        self._in_string = bool(quote)
        self._backslashes = backslashes

    def fitting(self, piece: bytes) -> int:
        """How many bytes of ``piece`` can be fed before the limit is passed (a bisection)."""
        fits, passes = 0, len(piece)
        while passes - fits > 1:
            middle = (fits + passes) // 2
            try:
                copy.copy(self).feed(piece[:middle])
            except JSONTooDeep:
                passes = middle
            else:
                fits = middle
        return fits


def load_json(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads(data)``, refused when nested deeper than ``max_depth``.

    A lone surrogate escape (half of a UTF-16 pair, alone) reads as U+FFFD.

    Raises:
        JSONTooDeep: too deep (checked before parsing).
        ValueError: not JSON, or not UTF-8.

    Example:
        >>> load_json(b'{"a": [1, 2]}')
        {'a': [1, 2]}
        >>> load_json(b"[" * 100 + b"]" * 100)
        Traceback (most recent call last):
        ...
        qarchive.bounded_json.JSONTooDeep: JSON nested deeper than 64 levels
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    _DepthMeter(max_depth).feed(raw)
    document = json.loads(data)
    if _SURROGATE_ESCAPE.search(raw):
        return _without_lone_surrogates(document)
    return document


def _without_lone_surrogates(value: Any) -> Any:
    # "\ud800" alone decodes to a str that no UTF-8 writer takes (a version could
    # not be saved): it becomes U+FFFD, as a decoder does with a bad byte. The
    # depth is bounded by then, so recursion is safe.
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {
            _without_lone_surrogates(key): _without_lone_surrogates(item)
            for key, item in value.items()
        }
    return value


def read_json(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> Any:
    """The JSON document in the file ``path`` (:func:`load_json`), at most ``max_bytes`` long.

    Raises:
        OSError: the file cannot be read.
        JSONTooLarge: it is larger than ``max_bytes``.
        ValueError: as :func:`load_json`.
    """
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise JSONTooLarge(f"over {max_bytes} bytes")
    return load_json(data)


class DepthLimited:
    """A binary stream for ijson that refuses a document nested deeper than ``max_depth``.

    Wraps ``stream`` (anything with ``read(size)``); every read is measured before
    ijson sees it. ``head``: bytes already read from the stream, given first.

    Raises (from ``read``):
        JSONTooDeep: the document is nested too deep; ijson passes it on.
    """

    def __init__(self, stream: Any, *, head: bytes = b"", max_depth: int = MAX_DEPTH) -> None:
        self._stream = stream
        self._head = head
        self._meter = _DepthMeter(max_depth)
        self._refused: JSONTooDeep | None = None

    def read(self, size: int = -1) -> bytes:
        """The next bytes of the stream, measured.

        The bytes before the point where the document goes too deep are given
        first, so that ijson yields every item that came before it; the next read
        raises.
        """
        if self._refused is not None:
            raise self._refused
        if size == 0:  # ijson probes read(0) to tell bytes from text
            return b""
        if self._head:
            chunk, self._head = self._head, b""
        else:
            chunk = bytes(self._stream.read(size))
        try:
            self._meter.feed(chunk)
        except JSONTooDeep as exc:
            self._refused = exc
            fits = self._meter.fitting(chunk)
            if not fits:
                raise
            chunk = chunk[:fits]
            self._meter.feed(chunk)
        return chunk
