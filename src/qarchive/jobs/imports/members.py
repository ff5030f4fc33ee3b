r"""The documents of an open-data file, read and checked one by one, never trusted.

An import reads a zip's members, or a JSON file (legislature XIV's single file of
many questions is streamed with ijson rather than loaded whole), as
:class:`Member`\s. Untrusted files are checked member by member: path traversal
in names, absurd compression ratios, oversized and non-JSON members are refused
and reported, never extracted to disk.
"""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
import zlib
from collections.abc import Collection, Generator, Iterator
from pathlib import Path
from typing import IO, NamedTuple

from qarchive.bounded_json import DepthLimited, JSONTooDeep
from qarchive.errors import UsageError
from qarchive.store.packs import pack_reference

__all__ = [
    "MAX_BULK_BYTES",
    "MAX_COMPRESSION_RATIO",
    "Member",
    "is_zip",
    "member_problem",
    "read_members",
    "zip_or_none",
]

MAX_BULK_BYTES = 4 * 1024**3  # a legislature zip is ~45 MB; XIV's JSON a few hundred
MAX_COMPRESSION_RATIO = 100  # real question JSON compresses ~5-10x; bombs do 1000x
_ENCRYPTED = 0x1  # general purpose bit 0 of a zip entry
_SMALL_MEMBER = 64 * 1024  # below this, the ratio says nothing worth refusing
# What reading one damaged member raises: a bad CRC-32, a truncated or encrypted
# member, a compression method zipfile does not know.
_UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError)


class Member(NamedTuple):
    """One document of an import: its name, and its bytes or why it was refused.

    A NamedTuple: members cross to the worker processes of a bulk import, and it
    pickles several times faster than a frozen dataclass (bench/README.md).
    """

    name: str
    content: bytes | None
    problem: str | None = None
    raw: str | None = None  # its pack reference, when a pack keeps its bytes


def is_zip(path: Path) -> bool:
    """True when the file starts like a zip."""
    try:
        with open(path, "rb") as handle:
            return handle.read(2) == b"PK"
    except OSError:
        return False  # read_members says why


@contextlib.contextmanager
def zip_or_none(path: Path) -> Iterator[zipfile.ZipFile | None]:
    """The file opened as a zip when it starts like one, else None.

    Raises:
        UsageError: it starts like a zip but cannot be read as one.
    """
    if not is_zip(path):
        yield None
        return
    try:
        bundle = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UsageError(f"{path} is not a readable zip file ({exc})") from None
    with bundle:
        yield bundle


def read_members(
    path: Path,
    max_bytes: int,
    bundle: zipfile.ZipFile | None,
    *,
    only: Collection[str] | None = None,
    pack: str | None = None,
) -> Generator[Member, None, None]:
    """Every document of ``path``: the members of ``bundle``, or the JSON file's question(s).

    ``only``: the names of the zip's members to read (the rest are skipped unread);
    ``pack``: the pack that keeps their bytes (each member then names it).

    Raises:
        UsageError: the file is neither a zip nor a JSON file.
    """
    if bundle is not None:
        yield from _zip_members(bundle, max_bytes, only, pack)
        return
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    if head.startswith(b"PK"):  # read as a zip by zip_or_none, which found none
        raise UsageError(f"{path} is not a readable zip file")
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        with open(path, "rb") as handle:
            yield from _json_members(handle, path.name, max_bytes)
    else:
        raise UsageError(
            f"{path} is neither a zip nor a JSON file; expected an AN open-data "
            "Questions_ecrites.json.zip or a question's .json"
        )


def _zip_members(
    bundle: zipfile.ZipFile, max_bytes: int, only: Collection[str] | None, pack: str | None
) -> Iterator[Member]:
    for info in bundle.infolist():
        if info.is_dir() or (only is not None and info.filename not in only):
            continue
        problem = member_problem(info, max_bytes)
        if problem is not None:
            yield Member(info.filename, None, problem)
            continue
        raw = None if pack is None else pack_reference(pack, info.filename)
        try:
            with bundle.open(info) as member:
                # Its declared size is under the cap (member_problem): read whole at once,
                # one inflate, rather than a peek and the rest.
                content = member.read(max_bytes + 1)
                found = list(_json_members(io.BytesIO(content), info.filename, max_bytes))
        except _UNREADABLE as exc:  # one bad member fails alone
            yield Member(
                info.filename, None, f"refused: unreadable member ({exc or type(exc).__name__})"
            )
            continue
        for item in found:
            yield item._replace(raw=raw) if raw and item.content is not None else item


def member_problem(
    info: zipfile.ZipInfo, max_bytes: int, *, suffix: str = ".json", kind: str = "JSON"
) -> str | None:
    """Why a zip member is refused or skipped (names, type, size, ratio), or None."""
    # What PurePosixPath would tell (absolute, a ".." part), without building one per member.
    name = info.filename.replace("\\", "/")
    if name.startswith("/") or ".." in name.split("/") or ":" in name:
        return "refused: the name points outside the archive (path traversal)"
    if not info.filename.lower().endswith(suffix):
        return f"skipped: not a {kind} file"
    if info.flag_bits & _ENCRYPTED:
        return "refused: encrypted (open data is never encrypted)"
    if info.file_size > max_bytes:
        return f"refused: {info.file_size} bytes, over the {max_bytes}-byte cap"
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > _SMALL_MEMBER and ratio > MAX_COMPRESSION_RATIO:
        return f"refused: compression ratio {ratio:.0f}:1 looks like a zip bomb"
    return None


def _json_members(stream: IO[bytes], name: str, max_bytes: int) -> Iterator[Member]:
    # One question per document, or XIV's single file of many: peek to tell.
    head = stream.read(4096)
    if b'"questionsEcrites"' in head or b'"questionsOralesSansDebat"' in head:
        yield from _stream_many(head, stream, name)
        return
    content = head + stream.read(max_bytes + 1 - len(head))
    if len(content) > max_bytes:  # never trust the declared size alone
        yield Member(name, None, f"refused: over the {max_bytes}-byte cap")
    else:
        yield Member(name, content)


def _stream_many(head: bytes, stream: IO[bytes], name: str) -> Iterator[Member]:
    import ijson  # only the XIV file needs a streaming parser

    for prefix in ("questionsEcrites.question.item", "questionsOralesSansDebat.question.item"):
        if prefix.split(".")[0].encode() in head:
            index = 0
            try:
                for question in ijson.items(
                    DepthLimited(stream, head=head), prefix, use_float=True
                ):
                    content = json.dumps({"question": question}, ensure_ascii=False).encode()
                    yield Member(f"{name}[{index}]", content)
                    index += 1
            except (ijson.JSONError, JSONTooDeep) as exc:
                # A stream cannot be read past a fault: what came before it is kept.
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                yield Member(
                    f"{name}[{index}]", None, f"refused: {reason}; the rest of {name} was not read"
                )
            return
