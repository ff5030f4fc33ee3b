"""Integrity check of an archive: every file read back, every rule of the layout checked.

``verify`` never changes a version file. ``repair`` only removes what a crash can
leave behind (temporary files) and rebuilds the index, which is derived.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from qarchive.errors import ArchiveDamaged, QarchiveError
from qarchive.index.lookups import indexed_versions
from qarchive.index.schema import IndexFailure
from qarchive.jobs.quarantine import set_aside
from qarchive.model.ids import QuestionId
from qarchive.store.archive import Archive
from qarchive.store.files import link_on_the_way, unnamed_captures
from qarchive.store.packs import parse_pack_reference
from qarchive.store.state import QuestionState, read_check_times

__all__ = ["Problem", "VerifyReport", "repair_archive", "verify_archive"]

_TEMP_PREFIXES = (".tmp-",)
_NO_VERSION = "no version file (a write interrupted before its first version)"
_UNCHECKED = "could not be checked"
_LINK = (
    "a symbolic link (to {target}): qarchive neither writes nor deletes through a link "
    "inside the archive; put what it points to in its place"
)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong, with the file it concerns."""

    path: Path
    message: str
    repairable: bool = False  # removed or rebuilt by ``verify --repair``
    set_aside: bool = False  # moved into damaged/ by ``verify --repair``, then fetched again

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(slots=True)
class VerifyReport:
    """What a verification found."""

    questions: int = 0
    versions: int = 0
    problems: list[Problem] = field(default_factory=list)
    packed: set[str] = field(default_factory=set)  # the packs versions name
    moved: dict[str, list[Path]] = field(default_factory=dict)  # question -> files set aside

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


def verify_archive(archive: Archive) -> VerifyReport:
    """Check every question directory, the reference data and the index against the files."""
    report = VerifyReport()
    latest: dict[str, int] = {}
    for qid in archive.iter_ids():
        report.questions += 1
        try:
            number = _verify_question(archive, qid, report)
        except Exception as exc:  # one question's bug stops that question only
            error = QarchiveError.unexpected(exc, what=_UNCHECKED)
            report.problems.append(Problem(archive.question_dir(qid), str(error)))
            continue
        if number:
            latest[qid.canonical] = number
    report.problems += _orphan_packs(archive, report)
    report.problems += _stray_files(archive)
    report.problems += _check_times(archive)
    report.problems += [Problem(*found) for found in archive.reference_store.verify()]
    report.problems += _verify_index(archive, latest)
    return report


def _verify_question(archive: Archive, qid: QuestionId, report: VerifyReport) -> int:
    directory = archive.question_dir(qid)
    numbers = archive.versions(qid)
    report.versions += len(numbers)
    if not numbers:
        # Only a write interrupted before its first version leaves this behind.
        report.problems.append(Problem(directory, _NO_VERSION, repairable=True))
        return 0
    if numbers != list(range(1, len(numbers) + 1)):
        report.problems.append(
            Problem(directory, f"versions are not numbered 1..{len(numbers)}: {numbers}")
        )
    readable_latest = 0
    referenced: set[str] = set()
    numbered = numbers == list(range(1, len(numbers) + 1))
    for number in numbers:
        try:
            stored = archive.read_version(qid, number)
        except ArchiveDamaged as exc:
            # The latest one stops every fetch: set aside, the question can be fetched again.
            latest = numbered and number == numbers[-1]
            advice = f"; verify --repair moves it aside, then: qarchive fetch {qid}"
            message = _reason(exc) + (advice if latest else "; restore it from a backup")
            report.problems.append(
                Problem(Path(exc.path or directory), message, repairable=latest, set_aside=latest)
            )
            continue
        readable_latest = number if number == numbers[-1] else readable_latest
        if stored.record.id != qid.canonical:
            report.problems.append(
                Problem(stored.path, f"holds question {stored.record.id}, not {qid}")
            )
        referenced.update(stored.raw)
        for name in stored.raw:
            packed = parse_pack_reference(name)
            if packed is not None:
                report.problems += _check_packed(archive, *packed)
                report.packed.add(packed[0])
            else:
                report.problems += _check_raw(directory / name)
    report.problems += _orphan_raws(directory, referenced, readable=readable_latest > 0)
    state = directory / "state.json"
    if state.exists():
        try:
            QuestionState.model_validate_json(state.read_bytes())
        except ValueError:
            report.problems.append(
                Problem(state, "unreadable state (it is rebuilt on the next fetch)", True)
            )
    # A question whose latest version is damaged is left out of the index too.
    return readable_latest


def _check_times(archive: Archive) -> list[Problem]:
    # Derived data that fetch and refresh read: unreadable, it is ignored there, and
    # removed by repair (the times in each state.json stand).
    path = archive.layout.checks
    try:
        read_check_times(path)
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return [Problem(path, f"unreadable check times ({reason}); state.json's times stand", True)]
    return []


def _reason(exc: ArchiveDamaged) -> str:
    # The message names the path and advises verify; keep the part in brackets.
    text = str(exc)
    start, end = text.find("("), text.rfind(")")
    return f"damaged: {text[start + 1 : end]}" if 0 <= start < end else text


def _check_raw(path: Path) -> list[Problem]:
    try:
        with gzip.open(path, "rb") as handle:
            while handle.read(1 << 20):
                pass
    except FileNotFoundError:
        return [Problem(path, "raw capture named by a version is missing")]
    except (OSError, EOFError, zlib.error) as exc:
        return [Problem(path, f"raw capture does not decompress ({exc})")]
    return []


def _check_packed(archive: Archive, pack: str, member: str) -> list[Problem]:
    try:
        archive.packs.read(pack, member)
    except ArchiveDamaged as exc:
        return [Problem(archive.packs.folder / pack, _reason(exc).replace("damaged: ", ""))]
    return []


def _orphan_packs(archive: Archive, report: VerifyReport) -> list[Problem]:
    # A pack no version names is what a run killed before its versions left behind.
    # With a damaged version, which packs it named cannot be told: none is removed.
    if any(problem.message.startswith(("damaged", _UNCHECKED)) for problem in report.problems):
        return []
    return [
        Problem(archive.packs.folder / name, "pack named by no version (a run interrupted)", True)
        for name in archive.packs.names()
        if name not in report.packed
    ]


def _orphan_raws(directory: Path, referenced: set[str], *, readable: bool) -> list[Problem]:
    if not readable:  # with a damaged latest version we cannot tell which captures it names
        return []
    return [
        Problem(path, "raw capture of no version (a write interrupted before its version)", True)
        for path in unnamed_captures(directory, referenced)  # a linked raw/ is named apart
    ]


def _stray_files(archive: Archive) -> Iterator[Problem]:
    """Temporary files a kill left, and every symbolic link, in one walk that follows none."""
    root = archive.root
    temp_folders = {root, archive.layout.packs, archive.layout.bulk}
    questions = archive.layout.questions
    found = []
    for folder, subfolders, files in os.walk(root):
        here = Path(folder)
        for name in subfolders + files:
            path = here / name
            if path.is_symlink():
                found.append(Problem(path, _LINK.format(target=os.readlink(path))))
            elif name.startswith(_TEMP_PREFIXES) and (
                here in temp_folders or here.is_relative_to(questions)
            ):
                found.append(Problem(path, "temporary file left by an interrupted write", True))
    yield from sorted(found, key=lambda problem: problem.path)


def _verify_index(archive: Archive, latest: dict[str, int]) -> list[Problem]:
    path = archive.index_path
    if not path.exists():
        return [Problem(path, "missing (rebuilt on next use, or by verify --repair)", True)]
    try:
        indexed = indexed_versions(path)
    except IndexFailure as exc:
        return [Problem(path, f"unreadable index ({exc})", True)]
    if indexed != latest:
        missing = sorted(set(latest) - set(indexed))
        extra = sorted(set(indexed) - set(latest))
        stale = sorted(k for k in set(latest) & set(indexed) if latest[k] != indexed[k])
        detail = json.dumps({"missing": missing[:5], "extra": extra[:5], "stale": stale[:5]})
        return [Problem(path, f"index disagrees with the files {detail}", True)]
    return []


def repair_archive(archive: Archive, report: VerifyReport) -> list[Problem]:
    """Remove temporary leftovers, set damaged latest versions aside, rebuild the index.

    No version is deleted: a damaged latest version goes to ``damaged/``
    (:func:`qarchive.jobs.quarantine.set_aside`, listed in ``report.moved``) so
    that the question can be fetched again. Returns the problems that remain
    (the ones repair cannot fix). Hold the lock.
    """
    kept: list[Problem] = []
    for problem in report.problems:
        if not problem.repairable:
            continue
        if link_on_the_way(archive.root, problem.path) is not None:
            kept.append(problem)  # through a link: outside the archive, never removed
            continue
        if problem.set_aside:
            try:
                report.moved[problem.path.parent.name] = set_aside(archive, problem.path)
            except ArchiveDamaged:  # damaged/ is a link (named on its own line): kept here
                why = "damaged version not moved aside: the way into damaged/ is a link"
                kept.append(Problem(problem.path, why, False))
        elif problem.message == _NO_VERSION:
            if not any(problem.path.glob("v*.json")):  # checked again: never lose a version
                shutil.rmtree(problem.path)
        elif problem.path != archive.index_path:  # leftovers: temp files, state, orphan raws
            problem.path.unlink(missing_ok=True)
    archive.reindex()
    return [problem for problem in report.problems if not problem.repairable] + kept
