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
