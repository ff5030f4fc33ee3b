"""Durable files: atomic writes, the JSON layout every file shares, lines appended, small state files.

Every file of the archive is written to a temporary file beside it and renamed into
place (:func:`atomic_write`), so a reader never sees half a file; many files at
once go through a group commit (:mod:`qarchive.store.batch`). Journals are appended
to, a line per write (:func:`append_line`). ``watchlist.json`` and ``outbox.json``
hold what the user asked for: :func:`read_state_file` reads them strictly.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import stat
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from qarchive.errors import ArchiveDamaged
from qarchive.store.layout import RAW_DIR, TEMP_PREFIX

# Light at import (the CLI's start-up reaches atomic_write): pydantic loads with
# the first JSON written or state file read.
if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = [
    "append_line",
    "atomic_write",
    "compact_json",
    "dump_json",
    "link_on_the_way",
    "read_state_file",
    "refuse_links",
    "temp_for",
    "unnamed_captures",
]


def link_on_the_way(root: Path, path: Path, *, known: set[str] | None = None) -> Path | None:
    """The first symbolic link inside ``root`` on the way down to ``path`` (itself included).

    ``root`` itself may be a link (an archive kept on another disk); so may what
    holds it. None when there is none, or ``path`` is not inside ``root``.
    ``known`` holds folders already found not to be links, skipped, and gets those
    found now: a batch writing thousands of files under the same few folders
    looks at each of them once.
    """
    top, where = str(root), str(path)
    prefix = top if top.endswith(os.sep) else top + os.sep
    if not where.startswith(prefix):  # lexical, as Path.relative_to; pathlib's is slower
        return None
    current = top
    for part in where[len(prefix) :].split(os.sep):
        current = os.path.join(current, part)
        if known is not None and current in known:
            continue
        try:
            mode = os.lstat(current).st_mode
        except (FileNotFoundError, NotADirectoryError):
            return None  # not there: nothing below it is either
        if stat.S_ISLNK(mode):
            return Path(current)
        if known is not None:
            known.add(current)
    return None


def refuse_links(root: Path, path: Path, *, known: set[str] | None = None) -> None:
    """Refuse to write or delete at ``path`` through a symbolic link inside the archive ``root``.

    A link inside the archive leads outside it: a file written or removed through
    it would be someone else's. ``qarchive verify`` names every link.

    Raises:
        ArchiveDamaged: a folder or file on the way is a link; nothing is done.
    """
    link = link_on_the_way(root, path, known=known)
    if link is not None:
        raise ArchiveDamaged(
            f"{link} is a symbolic link: qarchive never writes or deletes through a link "
            "inside the archive; put what it points to in its place (qarchive verify lists "
            "every link)",
            path=str(link),
        )


def temp_for(path: Path) -> Path:
    """A temporary name beside ``path``, unique to this process and call."""
    return path.with_name(f"{TEMP_PREFIX}{path.name}.{_unique_suffix()}")


_suffixes: tuple[int, str, itertools.count[int]] | None = None


def _unique_suffix() -> str:
    # The process's ID and a random token drawn once (a forked child draws its own),
    # then a counter: no system call per name, where a bulk import names one per
    # question. A name left by a killed process is never reused: tokens differ.
    global _suffixes
    pid = os.getpid()
    if _suffixes is None or _suffixes[0] != pid:
        _suffixes = (pid, os.urandom(4).hex(), itertools.count())
    _, token, counter = _suffixes
    return f"{pid}.{token}{next(counter):x}"


def dump_json(document: Any) -> bytes:
    r"""The bytes of ``json.dumps(document, ensure_ascii=False, indent=2) + "\n"``.

    The archive's small state files are written this way, for people to read.
    pydantic's Rust encoder gives the same bytes as :func:`json.dumps` several
    times faster; tests/test_archive.py checks that both agree (and for
    :func:`compact_json`).
    """
    import pydantic_core

    return pydantic_core.to_json(document, indent=2) + b"\n"


def compact_json(document: Any) -> bytes:
    r"""The bytes of ``json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"``.

    Version files and bulk manifests are written this way: one line, read by
    programs (``qarchive show --format json`` and ``jq`` print them indented). A bulk
    import writes one per question, and the indentation of a nested record is
    about a tenth of its bytes: the difference between one block on disk and two
    for many questions (bench/README.md).
    """
    import pydantic_core

    return pydantic_core.to_json(document) + b"\n"


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temp file beside it, fsync, rename, fsync dir.

    Raises:
        OSError: the write failed (disk full, read-only...); ``path`` is as it was
            and the temp file is removed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_for(path)
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def append_line(path: Path, data: bytes) -> None:
    """Append ``data`` (whole lines) to ``path`` in one write, and make it durable.

    A line cut short by a crash stays on its own: a newline is added before the
    new lines when the file does not end with one.

    Raises:
        OSError: the file cannot be written.
    """
    # O_NOFOLLOW: a journal that is a link is never appended to through it.
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data
        os.write(fd, data)  # one write: lines are never interleaved
        os.fsync(fd)
    finally:
        os.close(fd)


Model = TypeVar("Model", bound="BaseModel")


def read_state_file(
    path: Path,
    model: type[Model],
    *,
    schema: int,
    damaged: Callable[[Path, str], ArchiveDamaged],
) -> Model | None:
    """The file validated as ``model``, or None when there is no file.

    Raises:
        ArchiveDamaged: built by ``damaged(path, reason)``: the file cannot be read,
            does not validate, or has another schema number.
    """
    from pydantic import ValidationError

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise damaged(path, str(exc)) from None
    try:
        found = model.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "file"
        raise damaged(path, f"{where}: {first['msg']}") from None
    number = getattr(found, "schema_", schema)
    if number != schema:
        raise damaged(path, f"schema {number}, expected {schema}")
    return found


def unnamed_captures(directory: Path, named: Collection[str]) -> list[Path]:
    """The raw captures in a question's folder that no version names (``raw/<name>``), sorted.

    A temporary file (a write in progress) is no capture. A ``raw/`` that is a
    symbolic link holds someone else's files: none of them is the archive's.
    """
    raw = directory / RAW_DIR
    if raw.is_symlink() or not raw.is_dir():
        return []
    return sorted(
        path
        for path in raw.iterdir()
        if f"{RAW_DIR}/{path.name}" not in named and not path.name.startswith(TEMP_PREFIX)
    )
