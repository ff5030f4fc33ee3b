from qarchive.store.batch import GroupCommit
from qarchive.store.files import atomic_write


def test_group_commit_makes_files_visible_only_when_committed(tmp_path):
    group = GroupCommit()
    first, second = tmp_path / "q/raw/a.gz", tmp_path / "q/v0001.json"
    group.stage(first, b"raw")
    group.stage(second, b"{}")
    assert len(group) == 2
    assert not first.exists() and not second.exists()
    group.commit()
    assert (first.read_bytes(), second.read_bytes()) == (b"raw", b"{}")
    assert len(group) == 0
    assert not list(tmp_path.rglob(".tmp-*"))


def test_discard_leaves_nothing_behind(tmp_path):
    atomic_write(tmp_path / "kept/v0001.json", b"{}")
    group = GroupCommit()
    group.stage(tmp_path / "new/raw/a.gz", b"raw")
    group.stage(tmp_path / "kept/v0002.json", b"{}")
    group.discard()
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "kept",
        "kept/v0001.json",
    ]


def test_staging_makes_each_missing_directory_once_and_discard_removes_them(tmp_path, monkeypatch):
    import os

    (tmp_path / "questions").mkdir()
    made = []
    real_mkdir = os.mkdir

    def counting_mkdir(path, *args, **kwargs):
        made.append(str(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", counting_mkdir)
    group = GroupCommit()
    group.stage(tmp_path / "questions/an/15/15-1QE/raw/a.gz", b"raw")
    group.stage(tmp_path / "questions/an/15/15-1QE/v0001.json", b"{}")
    group.stage(tmp_path / "questions/an/15/15-2QE/raw/b.gz", b"raw")
    inside = [path for path in made if path.startswith(str(tmp_path / "questions"))]
    assert inside == [
        str(tmp_path / "questions"),  # found there: the walk up stops
        str(tmp_path / "questions/an"),
        str(tmp_path / "questions/an/15"),
        str(tmp_path / "questions/an/15/15-1QE"),
        str(tmp_path / "questions/an/15/15-1QE/raw"),
        # nothing for the version file beside: its directory is known
        str(tmp_path / "questions/an/15/15-2QE"),  # the next question: two calls
        str(tmp_path / "questions/an/15/15-2QE/raw"),
    ]
    group.discard()
    assert list(tmp_path.rglob("*")) == [tmp_path / "questions"]


def test_a_file_in_a_directory_the_group_made_may_be_written_in_place(tmp_path):
    (tmp_path / "q").mkdir()
    group = GroupCommit()
    fresh = tmp_path / "new/raw/a.gz"
    group.stage(fresh, b"raw", fresh_ok=True)  # its directory is the group's own: in place
    group.stage(tmp_path / "new/v0001.json", b"{}")  # never in place without fresh_ok
    group.stage(tmp_path / "q/raw.gz", b"raw", fresh_ok=True)  # q was there: a temp file
    assert fresh.read_bytes() == b"raw"
    assert not (tmp_path / "new/v0001.json").exists() and not (tmp_path / "q/raw.gz").exists()
    group.commit()
    assert (tmp_path / "new/v0001.json").read_bytes() == b"{}"
    assert (tmp_path / "q/raw.gz").read_bytes() == b"raw"
    group.stage(tmp_path / "new/raw/b.gz", b"raw", fresh_ok=True)  # committed: not fresh now
    assert not (tmp_path / "new/raw/b.gz").exists()
    group.discard()
    assert not list(tmp_path.rglob(".tmp-*"))
    assert sorted(p.name for p in tmp_path.rglob("*.gz")) == ["a.gz", "raw.gz"]


def test_files_staged_by_one_group_are_committed_or_discarded_by_another(tmp_path):
    worker, writer = GroupCommit(), GroupCommit()
    worker.stage(tmp_path / "q1/raw/a.gz", b"raw", fresh_ok=True)
    worker.stage(tmp_path / "q1/v0001.json", b"{}")
    staged, created = worker.take()
    assert len(worker) == 0 and len(staged) == 2
    assert created == [str(tmp_path / "q1/raw"), str(tmp_path / "q1")]
    writer.adopt(staged, created)
    writer.commit()
    assert (tmp_path / "q1/v0001.json").read_bytes() == b"{}"
    worker.stage(tmp_path / "q2/raw/b.gz", b"raw", fresh_ok=True)
    writer.adopt(*worker.take())
    writer.discard()
    assert not (tmp_path / "q2").exists()
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "q1",
        "q1/raw",
        "q1/raw/a.gz",
        "q1/v0001.json",
    ]
