"""Run with undo, for real: the folder's manifest (paths, modes, hashes, times) is back exactly after undo;
undo refuses when something changed since; the store is private, bounded and cleans itself."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from devgpt_magic.preview import preview
from devgpt_magic.sandbox import availability
from devgpt_magic.undo import BackupTooLarge, UndoError, UndoRefused, UndoStore, run_with_undo, undo

from test_preview import snapshot

needs_bwrap = pytest.mark.skipif(not availability().ok, reason="needs bubblewrap (apt-get install bubblewrap)")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "w"
    (root / "sub" / "deep").mkdir(parents=True)
    (root / "a.txt").write_text("alpha\nbeta\n")
    (root / "b.log").write_bytes(os.urandom(5000))
    (root / "b.log").chmod(0o640)
    (root / "sub" / "k.txt").write_text("keep\n")
    (root / "sub" / "deep" / "d.bin").write_bytes(b"\0\1\2")
    (root / "sub" / "deep").chmod(0o750)
    (root / "ln").symlink_to("a.txt")
    for path in [root / "a.txt", root / "b.log", root / "sub" / "k.txt", root / "sub" / "deep" / "d.bin",
                 root / "sub" / "deep", root / "sub", root]:
        os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_123_456_789), follow_symlinks=False)
    return root


def run(command: str, folder: Path, **kwargs) -> object:  # noqa: ANN003
    result = preview(command, folder)
    assert result.available and not result.incomplete, result.incomplete_reasons
    return run_with_undo(result, out=io.StringIO(), **kwargs)


@needs_bwrap
@pytest.mark.parametrize("command", [
    "rm -rf sub b.log ln",                                            # delete (files, folders, a link)
    "sed -i 's/alpha/ALPHA/' a.txt && chmod 600 b.log && echo more >> sub/k.txt && touch sub/deep/d.bin",  # modify
    "tar czf out.tgz sub && mkdir -p new/inner && echo z > new/inner/z && ln -s out.tgz new/l",           # create
    "mv a.txt renamed.txt && rm -r sub/deep && mkdir sub/deep && echo x > sub/deep/other",               # mixed
])
def test_undo_restores_the_manifest_exactly(folder, command):
    before = snapshot(folder)
    done = run(command, folder)
    assert done.exit_code == 0 and done.with_undo and not done.unpredicted
    assert snapshot(folder) != before
    report = undo(done.run_id)
    assert report.restored + report.removed > 0 and not report.kept
    assert snapshot(folder) == before


@needs_bwrap
def test_undo_refuses_when_a_file_changed_after_the_run(folder):
    done = run("sed -i 's/alpha/ALPHA/' a.txt && echo new > created.txt", folder)
    (folder / "a.txt").write_text("edited by hand after the run\n")
    with pytest.raises(UndoRefused, match=r"a\.txt \(its content changed\).*Nothing was restored"):
        undo(done.run_id)
    assert (folder / "a.txt").read_text() == "edited by hand after the run\n"
    assert (folder / "created.txt").exists()  # nothing was undone half way
    again = run("echo one > c2.txt", folder)
    (folder / "c2.txt").write_text("two\n")
    with pytest.raises(UndoRefused, match=r"c2\.txt \(its content changed\)"):
        undo(again.run_id)
    gone = run("rm b.log", folder)
    (folder / "b.log").write_text("recreated\n")
    with pytest.raises(UndoRefused, match="it was created"):
        undo(gone.run_id)


@needs_bwrap
def test_undo_the_latest_then_nothing_left(folder):
    first = run("rm a.txt", folder)
    second = run("rm b.log", folder)
    assert undo().run_id == second.run_id and undo().run_id == first.run_id
    assert (folder / "a.txt").exists() and (folder / "b.log").exists()
    with pytest.raises(UndoError, match="no run to undo"):
        undo()
    with pytest.raises(UndoError, match="already undone"):
        undo(first.run_id)
    with pytest.raises(UndoError, match="no run '../x'"):
        undo("../x")


@needs_bwrap
def test_a_run_that_does_more_than_its_preview(folder):
    """The real run creates a file the preview could not predict (a random name): undo removes it too."""
    done = run('echo x > "r-$RANDOM$RANDOM.txt"; true', folder)
    made = [p for p in folder.iterdir() if p.name.startswith("r-")]
    assert len(made) == 1
    undo(done.run_id)
    assert not made[0].exists()


def owners(root: Path) -> dict[str, tuple]:
    """Type, mode and owner of every path under root (a named pipe cannot go through ``snapshot``, which reads
    files)."""
    out = {}
    for path in root.rglob("*"):
        st = path.lstat()
        out[str(path.relative_to(root))] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid,
                                            st.st_mtime_ns)
    return out


@needs_bwrap
def test_undo_brings_back_a_named_pipe_and_who_owned_each_file(folder):
    """A FIFO comes back as a FIFO with its mode; as root, a deleted or rewritten file of another user comes back
    owned by that user, not by root (Jupyter in a container often runs as root)."""
    os.mkfifo(folder / "pipe", 0o620)
    root = os.geteuid() == 0
    if root:
        os.chown(folder / "a.txt", 1234, 4321)
        os.chown(folder / "sub" / "k.txt", 1234, 4321)  # its folder stays root's: the sandbox's root can empty it
        os.chown(folder / "ln", 1234, 4321, follow_symlinks=False)
    before = owners(folder)
    done = run("rm pipe ln && sed -i 's/alpha/ALPHA/' a.txt && rm -r sub", folder)
    assert done.exit_code == 0 and not (folder / "pipe").exists() and not done.unpredicted
    report = undo(done.run_id)
    assert stat.S_ISFIFO((folder / "pipe").lstat().st_mode) and not report.unpredicted
    assert owners(folder) == before and not report.owner_not_restored
    if root:
        assert (folder / "a.txt").stat().st_uid == 1234 and (folder / "sub" / "k.txt").stat().st_gid == 4321


@needs_bwrap
def test_an_owner_that_cannot_be_given_back_is_said(folder, monkeypatch):
    """Without root, a file of another user that the run deleted comes back as the user's own: the report
    names it instead of failing the whole undo."""
    import devgpt_magic.undo as undo_module

    done = run("rm a.txt b.log", folder)
    record = UndoStore().load(done.run_id)
    for entry in record.entries:  # as if another user had owned a.txt
        if entry.path.endswith("a.txt"):
            entry.before.uid = entry.before.uid + 1000
    UndoStore().save(record)

    def refused(*args, **kwargs):  # noqa: ANN002, ANN003 - what the kernel answers a user without root
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(undo_module.os, "chown", refused)
    report = undo(done.run_id)
    assert (folder / "a.txt").read_text() == "alpha\nbeta\n" and (folder / "b.log").exists()
    assert report.owner_not_restored == [str(folder / "a.txt")]
    assert "a.txt" in report.summary() and "needs root" in report.summary()


@needs_bwrap
def test_undo_refuses_when_an_owner_changed_after_the_run(folder):
    if os.geteuid() != 0:
        pytest.skip("changing a file's owner needs root")
    done = run("echo more >> a.txt", folder)
    os.chown(folder / "a.txt", 1234, 4321)
    with pytest.raises(UndoRefused, match=r"a\.txt \(its owner changed to 1234:4321\)"):
        undo(done.run_id)
    assert (folder / "a.txt").read_text().endswith("more\n")


@needs_bwrap
def test_store_is_private_bounded_and_keeps_the_last_runs(folder, monkeypatch):
    monkeypatch.setenv("DEVGPT_UNDO_KEEP", "2")
    ids = [run(f"echo {n} >> a.txt", folder).run_id for n in range(3)]
    store = UndoStore()
    assert [r.run_id for r in store.runs()] == ids[:0:-1]  # the oldest was dropped
    assert stat.S_IMODE(store.folder.stat().st_mode) == 0o700
    for path in store.folder.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path
    monkeypatch.setenv("DEVGPT_UNDO_MAX_MB", "0.001")  # ~1 KB: b.log (5,000 bytes) does not fit
    with pytest.raises(BackupTooLarge, match="DEVGPT_UNDO_MAX_MB"):
        run("rm b.log", folder)
    assert (folder / "b.log").exists()  # refused before running anything
    done = run("rm b.log", folder, allow_without_undo=True)
    assert not done.with_undo and not (folder / "b.log").exists() and "without undo" in done.summary()


def test_store_refuses_a_symbolic_link_or_another_users_folder(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / "undo").symlink_to(target)
    with pytest.raises(Exception, match="symbolic link"):
        UndoStore(tmp_path / "undo").new_run()
    if os.geteuid() == 0:
        other = tmp_path / "other"
        other.mkdir()
        os.chown(other, 65534, 65534)
        with pytest.raises(Exception, match="belongs to another user"):
            UndoStore(other).runs()


@needs_bwrap
def test_undo_refuses_when_a_folder_became_a_link_after_the_run(folder, tmp_path):
    """Undo writes by path: had sub/ been swapped for a link to another folder after the run, restoring
    sub/k.txt would write into that folder (a review made undo write there). It refuses instead."""
    done = run("rm sub/k.txt", folder)  # undo would write sub/k.txt back
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (folder / "sub").rename(tmp_path / "moved-sub")
    (folder / "sub").symlink_to(elsewhere)
    with pytest.raises(UndoRefused, match=r"sub is now a link.*Nothing was restored"):
        undo(done.run_id)
    assert list(elsewhere.iterdir()) == []
