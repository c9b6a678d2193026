"""Run with undo: back up what a previewed command will change, run it for real, and put it all back on request.

No shell command can be undone in general, but a previewed one can be for the files it touches: the
preview (:mod:`devgpt_magic.preview`) names every path the command would create, modify or delete. Before
the real run, :func:`run_with_undo` records the state of each of those paths (content, mode, owner, access
and modification times, symbolic link targets, named pipes) and copies the files to an undo store in the
user's cache folder. After the run it records their new state, and compares a quick listing of the previewed folders
taken before and after, so files the run created without the preview predicting them are removed by undo
too, and files it changed unpredicted are named as beyond undo.

:func:`undo` restores exactly (content, mode, owner, times; the times of the folders that held them too) and
removes what the run created. It refuses, changing nothing, when any of those paths changed again since the
run: restoring then would destroy work done after it.

The store (``<cache>/undo``, folders 0700, files 0600, never a symbolic link or another user's folder)
keeps the last ``DEVGPT_UNDO_KEEP`` runs (default 10) within ``DEVGPT_UNDO_MAX_MB`` (default 256). A run
whose backup alone would exceed that raises :class:`BackupTooLarge`; the front end asks whether to run
without undo (``allow_without_undo=True``).

For cards and the side panel: ``run_with_undo(preview_result, out=stream)`` -> :class:`UndoableRun`
(``.run_id``, ``.outcome``), then ``undo(run_id)`` -> :class:`UndoReport`.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import stat
import time
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import BaseModel, Field

from .errors import ConfigError, DevGPTError
from .execution import RunOutcome, run_command
from .preview import PreviewResult
from .render import visible
from .settings import cache_root, number_setting

#: a previewed folder with more entries than this is not listed before and after a run (too slow to do
#: every time); unpredicted changes are then not detected
SNAPSHOT_MAX_ENTRIES = 200_000
_RUN_ID = "%Y%m%d-%H%M%S"


class UndoError(DevGPTError):
    """Undo cannot happen (no such run, already undone, ran without undo); the message says what to do."""


class UndoRefused(UndoError):
    """A path changed again after the run: undo would destroy that change, so nothing was restored."""


class BackupTooLarge(DevGPTError):
    """The files to back up exceed the undo store's limit; ask the user, then pass ``allow_without_undo``."""

    def __init__(self, needed: int, limit: int, files: int) -> None:
        self.needed_bytes = needed
        self.limit_bytes = limit
        super().__init__(f"Backing up the {files:,} files this command changes needs {needed / 2**20:.1f} MB, more "
                         f"than the undo store's limit of {limit / 2**20:.0f} MB (DEVGPT_UNDO_MAX_MB): raise the "
                         "limit, or run it without undo.")


def max_bytes() -> int:
    """``DEVGPT_UNDO_MAX_MB``: the undo store's size bound (default 256)."""
    return int(max(0.0, number_setting("DEVGPT_UNDO_MAX_MB", 256.0, "a size in MB, e.g. 256")) * 2**20)


def keep_runs() -> int:
    """``DEVGPT_UNDO_KEEP``: how many runs the undo store keeps (default 10)."""
    return max(1, int(number_setting("DEVGPT_UNDO_KEEP", 10, "a count, e.g. 10")))


class PathState(BaseModel):
    """One path at one moment: what undo needs to restore it, or to see that it changed."""

    type: Literal["file", "dir", "link", "fifo", "other"]
    mode: int = 0
    #: owner and group (None in runs recorded before they were kept): a run as root that deletes another
    #: user's file must not bring it back owned by root
    uid: int | None = None
    gid: int | None = None
    atime_ns: int = 0
    mtime_ns: int = 0
    size: int = 0
    sha256: str | None = None
    link: str | None = None


class UndoEntry(BaseModel):
    path: str
    #: None: the path did not exist before the run (undo removes it)
    before: PathState | None = None
    #: None: the path did not exist after the run
    after: PathState | None = None
    #: file name of the backed-up content in the run's folder
    blob: str | None = None


class FolderTimes(BaseModel):
    path: str
    mode: int
    atime_ns: int
    mtime_ns: int


class UndoableRun(BaseModel):
    """A command run for real with its undo record. ``run_id`` is what ``undo`` takes."""

    run_id: str
    command: str
    cwd: str
    started: float
    exit_code: int | None = None
    interrupted: bool = False
    with_undo: bool = True
    undone: bool = False
    backup_bytes: int = 0
    entries: list[UndoEntry] = Field(default_factory=list)
    folders: list[FolderTimes] = Field(default_factory=list)
    #: paths the run changed that the preview did not show and that existed before: undo cannot restore them
    unpredicted: list[str] = Field(default_factory=list)
    #: why the preview was incomplete, if it was (undo may then not cover everything)
    preview_incomplete: list[str] = Field(default_factory=list)
    #: what ran and how it ended (not stored on disk)
    outcome: RunOutcome | None = Field(default=None, exclude=True)

    def summary(self) -> str:
        """One or two lines for after the run: exit code, and how to undo (or why that is limited)."""
        code = "interrupted" if self.interrupted else f"exit code {self.exit_code}"
        if not self.with_undo:
            return f"Ran without undo ({code})."
        lines = [f"Run {self.run_id} ({code}). Undo with: devgpt undo {self.run_id} (or %devgpt undo {self.run_id})"]
        if self.unpredicted:
            lines.append(f"  The run also changed {len(self.unpredicted):,} files the preview did not show; undo cannot "
                         f"restore those: {', '.join(visible(p) for p in self.unpredicted[:5])}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        import html as _html

        return {"text/plain": self.summary(), "text/html": f"<pre>{_html.escape(self.summary())}</pre>"}


class UndoReport(BaseModel):
    run_id: str
    command: str
    restored: int = 0
    removed: int = 0
    #: folders the run created that still hold other files, so they were kept
    kept: list[str] = Field(default_factory=list)
    unpredicted: list[str] = Field(default_factory=list)
    #: restored, but owned by the user who undid: giving a file to another user needs root
    owner_not_restored: list[str] = Field(default_factory=list)

    def summary(self) -> str:
        lines = [f"Undid run {self.run_id} (`{visible(self.command)}`): restored {self.restored:,} and removed "
                 f"{self.removed:,} paths."]
        if self.kept:
            lines.append(f"  Kept {len(self.kept)} folders that hold files the run did not create: "
                         + ", ".join(visible(p) for p in self.kept[:5]))
        if self.unpredicted:
            lines.append("  Not restored (changed by the run but not in its preview, or special files): "
                         + ", ".join(visible(p) for p in self.unpredicted[:5]))
        if self.owner_not_restored:
            lines.append(f"  Restored as yours, not as their former owner's (that needs root): "
                         + ", ".join(visible(p) for p in self.owner_not_restored[:5]))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


# --- the store -------------------------------------------------------------------------------------------
class UndoStore:
    """Run folders under ``<cache>/undo``: ``run.json`` and the backed-up files, readable by the user only."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or cache_root() / "undo"

    def _checked(self, create: bool) -> bool:
        """True when the store exists and is safe; creates it (0700) when ``create``. A symbolic link, a file,
        or a folder of another user is refused in one line: whoever controls it controls what undo writes."""
        for attempt in range(2):
            try:
                info = os.lstat(self.folder)
            except FileNotFoundError:
                if not create or attempt:
                    return False
                self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                continue
            if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
                raise ConfigError(f"The undo store {self.folder} is {'a symbolic link' if stat.S_ISLNK(info.st_mode) else 'not a folder'}: "
                                  "remove it, or set DEVGPT_CACHE_DIR to a folder of your own.")
            if info.st_uid != os.geteuid():
                raise ConfigError(f"The undo store {self.folder} belongs to another user (uid {info.st_uid}): remove it, or "
                                  "set DEVGPT_CACHE_DIR to a folder of your own.")
            if stat.S_IMODE(info.st_mode) != 0o700:
                os.chmod(self.folder, 0o700)
            return True
        return False

    def runs(self) -> list[UndoableRun]:
        """Every stored run, newest first."""
        if not self._checked(create=False):
            return []
        found = []
        for sub in self.folder.iterdir():
            record = sub / "run.json"
            if sub.is_dir() and not sub.is_symlink() and record.is_file():
                try:
                    found.append(UndoableRun.model_validate_json(record.read_text("utf-8")))
                except (OSError, ValueError):
                    continue
        return sorted(found, key=lambda r: (r.started, r.run_id), reverse=True)

    def load(self, run_id: str | None) -> UndoableRun:
        runs = self.runs()
        if run_id is None:
            pending = [r for r in runs if r.with_undo and not r.undone]
            if not pending:
                raise UndoError("There is no run to undo: runs made with devgpt run (or %devgpt run) can be undone.")
            return pending[0]
        for run in runs:
            if run.run_id == run_id:
                return run
        kept = ", ".join(r.run_id for r in runs[:5]) or "none"
        raise UndoError(f"There is no run {visible(run_id)!r} in the undo store (it keeps the last {keep_runs()} runs; "
                        f"stored: {kept}). devgpt undo --list shows them.")

    def run_folder(self, run_id: str) -> Path:
        return self.folder / run_id

    def new_run(self) -> tuple[str, Path]:
        self._checked(create=True)
        while True:
            run_id = f"{time.strftime(_RUN_ID)}-{secrets.token_hex(2)}"
            folder = self.run_folder(run_id)
            try:
                folder.mkdir(mode=0o700)
                return run_id, folder
            except FileExistsError:
                continue

    def save(self, run: UndoableRun) -> None:
        _write_private(self.run_folder(run.run_id) / "run.json", run.model_dump_json().encode())

    def size(self) -> int:
        total = 0
        if self._checked(create=False):
            for path in self.folder.rglob("*"):
                try:
                    if path.is_file() and not path.is_symlink():
                        total += path.stat().st_size
                except OSError:
                    continue
        return total

    def make_room(self, needed: int, limit: int) -> None:
        """Drop the oldest runs until one more fits the count and the size bound."""
        runs = self.runs()[::-1]  # oldest first
        keep = keep_runs()
        while runs and (len(runs) >= keep or self.size() + needed > limit):
            oldest = runs.pop(0)
            shutil.rmtree(self.run_folder(oldest.run_id), ignore_errors=True)


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


# --- states ------------------------------------------------------------------------------------------------
def state_of(path: str, *, hashed: bool = True) -> PathState | None:
    """The path as it is now (None when it does not exist)."""
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    kind = ("file" if stat.S_ISREG(st.st_mode) else "dir" if stat.S_ISDIR(st.st_mode)
            else "link" if stat.S_ISLNK(st.st_mode) else "fifo" if stat.S_ISFIFO(st.st_mode) else "other")
    state = PathState(type=kind, mode=stat.S_IMODE(st.st_mode), uid=st.st_uid, gid=st.st_gid,
                      atime_ns=st.st_atime_ns, mtime_ns=st.st_mtime_ns, size=st.st_size if kind == "file" else 0)
    if kind == "file" and hashed:
        state.sha256 = _hash(path)
    elif kind == "link":
        state.link = os.readlink(path)
    return state


def _hash(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _linked_parent(path: str, root: str, links: set[str]) -> str:
    """Why restoring ``path`` could write elsewhere: a folder between the run's folder and it is now a symbolic
    link that the run did not leave there (undo writes by path, so it would follow it), else ''."""
    parent = os.path.dirname(path)
    root = os.path.normpath(root)
    while parent.startswith(root + os.sep) and parent != root:
        if os.path.islink(parent) and parent not in links:
            return f"{parent} is now a link"
        parent = os.path.dirname(parent)
    return ""


def _differs(now: PathState | None, then: PathState | None) -> str:
    """Why ``now`` is not ``then`` ("" when it is the same), in words for an error message."""
    if now is None and then is None:
        return ""
    if now is None:
        return "it was deleted"
    if then is None:
        return "it was created"
    if now.type != then.type:
        return f"it is now a {now.type}"
    if now.type == "file" and now.sha256 != then.sha256:
        return "its content changed"
    if now.type == "link" and now.link != then.link:
        return "it points elsewhere"
    if now.mode != then.mode and now.type != "link":
        return f"its mode changed to {now.mode:o}"
    if then.uid is not None and (now.uid, now.gid) != (then.uid, then.gid):
        return f"its owner changed to {now.uid}:{now.gid}"
    return ""


# --- run with undo ---------------------------------------------------------------------------------------------
def backup_size(result: PreviewResult) -> tuple[int, int]:
    """(bytes, files) the backup of this preview's modified and deleted files takes now."""
    total = files = 0
    for change in result.changes:
        if change.kind in ("modified", "deleted"):
            st = _lstat(change.path)
            if st is not None and stat.S_ISREG(st.st_mode):
                total += st.st_size
                files += 1
    return total, files


def run_with_undo(result: PreviewResult, *, out: IO[str] | None = None, foreground: bool = False,
                  allow_without_undo: bool = False, store: UndoStore | None = None) -> UndoableRun:
    """Back up what ``result`` (a preview) showed as modified or deleted, run the command for real with
    :func:`devgpt_magic.execution.run_command` (same text, shell and folder), and record how to undo it.

    The caller has already confirmed the command with the user. Raises :class:`BackupTooLarge` before
    running anything when the backup would not fit the store, unless ``allow_without_undo``.
    """
    if not result.available:
        raise UndoError(f"This command has no preview, so it cannot be run with undo: {result.unavailable_reason}")
    store = store or UndoStore()
    limit = max_bytes()
    needed, files = backup_size(result)
    with_undo = True
    if needed > limit:
        if not allow_without_undo:
            raise BackupTooLarge(needed, limit, files)
        with_undo = False
    if with_undo:
        store.make_room(needed, limit)
    run_id, folder = store.new_run()
    run = UndoableRun(run_id=run_id, command=result.command, cwd=result.cwd, started=time.time(),
                      with_undo=with_undo, preview_incomplete=list(result.incomplete_reasons))
    before_listing: dict[str, tuple] | None = None
    if with_undo:
        paths = list(dict.fromkeys(c.path for c in result.changes))
        for n, path in enumerate(paths):
            before = state_of(path)
            entry = UndoEntry(path=path, before=before)
            if before is not None and before.type == "file":
                entry.blob = f"{n:06d}"
                _copy_private(path, folder / entry.blob)
                run.backup_bytes += before.size
            run.entries.append(entry)
        run.folders = _folder_times(paths, result.folders)
        before_listing = _listing(result.folders)
        store.save(run)  # a crash during the run still leaves the backup findable
    outcome = run_command(result.command, cwd=result.cwd, out=out, foreground=foreground)
    run.outcome = outcome
    run.exit_code, run.interrupted = outcome.exit_code, outcome.interrupted
    if with_undo:
        for entry in run.entries:
            entry.after = state_of(entry.path)
        if before_listing is not None:
            _add_unpredicted(run, before_listing, _listing(result.folders))
    else:
        shutil.rmtree(folder, ignore_errors=True)
        return run
    store.save(run)
    return run


def _copy_private(source: str, target: Path) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)


def _lstat(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _folder_times(paths: list[str], roots: list[str]) -> list[FolderTimes]:
    """Mode and times of each folder holding a changed path (within the previewed folders): restoring the
    files changes them, so undo sets them back last."""
    found: dict[str, FolderTimes] = {}
    for path in paths:
        parent = os.path.dirname(path)
        if parent in found or not any(parent == r or parent.startswith(r.rstrip("/") + "/") for r in roots):
            continue
        st = _lstat(parent)
        if st is not None and stat.S_ISDIR(st.st_mode):
            found[parent] = FolderTimes(path=parent, mode=stat.S_IMODE(st.st_mode), atime_ns=st.st_atime_ns,
                                        mtime_ns=st.st_mtime_ns)
    return list(found.values())


def _listing(roots: list[str]) -> dict[str, tuple] | None:
    """(type, mode, size, mtime) of everything in the previewed folders, or None when they are too big."""
    out: dict[str, tuple] = {}
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            for name in dirnames + filenames:
                path = os.path.join(dirpath, name)
                st = _lstat(path)
                if st is not None:
                    out[path] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_size, st.st_mtime_ns)
            if len(out) > SNAPSHOT_MAX_ENTRIES:
                return None
    return out


def _add_unpredicted(run: UndoableRun, before: dict[str, tuple], after: dict[str, tuple] | None) -> None:
    if after is None:
        return
    known = {e.path for e in run.entries}
    for path in sorted(set(before) | set(after)):
        if path in known or before.get(path) == after.get(path):
            continue
        if path not in before:  # new: created by the run; undo removes it (if untouched since)
            run.entries.append(UndoEntry(path=path, before=None, after=state_of(path)))
        elif not (after.get(path) and before[path][0] == stat.S_IFDIR == after[path][0]):
            run.unpredicted.append(path)  # existed and changed, with no backup


# --- undo ------------------------------------------------------------------------------------------------------
def undo(run_id: str | None = None, *, store: UndoStore | None = None) -> UndoReport:
    """Restore what run ``run_id`` (default: the latest not yet undone) changed, and remove what it created.

    Raises :class:`UndoRefused` (nothing restored) when a path changed since the run, and
    :class:`UndoError` when there is nothing to undo.
    """
    store = store or UndoStore()
    run = store.load(run_id)
    if run.undone:
        raise UndoError(f"Run {run.run_id} was already undone.")
    if not run.with_undo:
        raise UndoError(f"Run {run.run_id} ran without undo (its backup was too large): there is nothing to restore.")
    folder = store.run_folder(run.run_id)
    changed = []
    links = {e.path for e in run.entries if e.after is not None and e.after.type == "link"}
    for entry in run.entries:
        why = _differs(state_of(entry.path), entry.after) or _linked_parent(entry.path, run.cwd, links)
        if why:
            changed.append(f"{entry.path} ({why})")
        if entry.blob and not (folder / entry.blob).is_file():
            raise UndoError(f"The backup of {visible(entry.path)} is missing from {folder}: run {run.run_id} cannot be "
                            "undone.")
    if changed:
        more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        raise UndoRefused(f"Undo refused: {visible('; '.join(changed[:3]))}{more} changed after the run, and undoing "
                          "would lose that. Nothing was restored.")
    report = UndoReport(run_id=run.run_id, command=run.command, unpredicted=run.unpredicted)
    # 1. remove what the run created, deepest first
    for entry in sorted((e for e in run.entries if e.before is None and e.after is not None),
                        key=lambda e: e.path.count("/"), reverse=True):
        try:
            if entry.after.type == "dir":
                os.rmdir(entry.path)
            else:
                os.unlink(entry.path)
            report.removed += 1
        except FileNotFoundError:
            pass
        except OSError:
            report.kept.append(entry.path)
    # 2. make the folders that were there again, shallowest first, then the files and links
    restore = sorted((e for e in run.entries if e.before is not None), key=lambda e: e.path.count("/"))
    for entry in restore:
        if entry.before.type == "dir":
            now = state_of(entry.path, hashed=False)
            if now is not None and now.type != "dir":
                os.unlink(entry.path)
                now = None
            if now is None:
                os.mkdir(entry.path, 0o700)
                report.restored += 1
    for entry in restore:
        before = entry.before
        if before.type == "other":  # a socket or device: not backed up
            report.unpredicted.append(entry.path)
        elif before.type in ("file", "link", "fifo") and _differs(state_of(entry.path), before):
            now = state_of(entry.path, hashed=False)
            if now is not None and now.type == "dir":
                os.rmdir(entry.path)  # made by the run; emptied in step 1
            tmp = f"{entry.path}.devgpt-undo-{secrets.token_hex(4)}"
            if before.type == "file":
                shutil.copyfile(folder / entry.blob, tmp)
                os.chmod(tmp, before.mode)
            elif before.type == "fifo":
                os.mkfifo(tmp, before.mode)
            else:
                os.symlink(before.link, tmp)
            os.replace(tmp, entry.path)
            report.restored += 1
    # 3. owners, modes and times, deepest first (restoring a file changes its folder's times); the owner
    # first, since chown clears the set-user-id bits that the mode may hold
    for entry in sorted(restore, key=lambda e: e.path.count("/"), reverse=True):
        before = entry.before
        if before.type == "other":
            continue
        _restore_owner(entry.path, before, report)
        if before.type in ("file", "dir", "fifo"):
            os.chmod(entry.path, before.mode)
            os.utime(entry.path, ns=(before.atime_ns, before.mtime_ns))
        elif before.type == "link":
            os.utime(entry.path, ns=(before.atime_ns, before.mtime_ns), follow_symlinks=False)
    for times in sorted(run.folders, key=lambda f: f.path.count("/"), reverse=True):
        if os.path.isdir(times.path) and not os.path.islink(times.path):
            os.chmod(times.path, times.mode)
            os.utime(times.path, ns=(times.atime_ns, times.mtime_ns))
    run.undone = True
    store.save(run)
    for entry in run.entries:
        if entry.blob:
            try:
                (folder / entry.blob).unlink()
            except FileNotFoundError:
                pass
    return report


def _restore_owner(path: str, before: PathState, report: UndoReport) -> None:
    if before.uid is None or before.gid is None:
        return
    st = os.lstat(path)
    if (st.st_uid, st.st_gid) == (before.uid, before.gid):
        return
    try:
        os.chown(path, before.uid, before.gid, follow_symlinks=False)
    except PermissionError:
        report.owner_not_restored.append(path)


def runs_text(store: UndoStore | None = None) -> str:
    """The stored runs, newest first, one line each (``devgpt undo --list``)."""
    runs = (store or UndoStore()).runs()
    if not runs:
        return "No runs in the undo store."
    lines = []
    for run in runs:
        state = "undone" if run.undone else "no undo" if not run.with_undo else "can undo"
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(run.started))
        lines.append(f"{run.run_id}  {when}  {state:<9} {len(run.entries):>5} paths  {visible(run.command)}")
    return "\n".join(lines)


__all__ = ["BackupTooLarge", "UndoError", "UndoRefused", "UndoReport", "UndoStore", "UndoableRun", "run_with_undo",
           "runs_text", "undo"]
