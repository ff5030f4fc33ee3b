from qarchive.storage import GroupCommit, atomic_write


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
