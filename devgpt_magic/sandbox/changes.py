"""What a sandboxed command changed in a folder: created, modified and deleted paths.

Two ways to find out, one per kind of view (see :mod:`.views`):

- an **overlay** view leaves every change in its upper layer: new and rewritten files as files, deletions
  as whiteouts (character devices 0/0), a folder that was deleted and made again as an "opaque" folder.
  Walking the upper layer costs in proportion to what changed, not to the size of the folder: this is
  why a preview of a 50,000-file folder costs about what a 1,000-file one does;
- a **copy** view is compared with itself before the run (:func:`manifest`, :func:`manifest_changes`).

Either way the result is a list of :class:`FileChange` with real paths (where the file lives outside the
sandbox), sizes, what changed ("content", "mode 644 -> 755", "timestamps") and, for small text files, a
unified diff.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

#: Files up to this size get a unified diff when both sides are text.
DIFF_MAX_BYTES = 64 * 1024
#: Lines of one diff kept (the rest is summarised).
DIFF_MAX_LINES = 200

Kind = Literal["created", "modified", "deleted"]
EntryType = Literal["file", "dir", "link", "other"]


class FileChange(BaseModel):
    """One path a command created, modified or deleted, as it would be outside the sandbox."""

    path: str
    kind: Kind
    type: EntryType = "file"
    size_before: int | None = None
    size_after: int | None = None
    #: for "modified": what changed ("content", "mode 644 -> 755", "timestamps", "file -> folder");
    #: for "created": "moved from PATH" when a deleted file had the same content
    detail: str = ""
    #: unified diff for small text files (created files diff against nothing)
    diff: str | None = None


# --- entries ------------------------------------------------------------------------------------------
def entry_type(mode: int) -> EntryType:
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISLNK(mode):
        return "link"
    return "other"


def file_hash(path: str | Path) -> str:
    """SHA-256 of a file's content. A file we may not read is never made readable (it may be the user's real
    file, seen as the lower layer): it is told apart by size and modification time instead."""
    digest = hashlib.sha256()
    try:
        handle = open(path, "rb")  # noqa: SIM115
    except PermissionError:
        st = os.lstat(path)
        return f"unreadable:{st.st_size}:{st.st_mtime_ns}"
    with handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _lstat(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def manifest(root: Path, skip: set[str] | frozenset[str] = frozenset()) -> dict[str, tuple]:
    """Paths (relative to ``root``), types, modes, content hashes and link targets of everything under it.

    ``skip`` names top-level entries to leave out (mount points a sandbox adds). The evaluation compares
    these whole; copy views compare them entry by entry (:func:`manifest_changes`).
    """
    out: dict[str, tuple] = {}
    for rel, full in _walk(root, skip):
        path = Path(full)
        st = path.lstat()
        mode = stat.S_IMODE(st.st_mode)
        if stat.S_ISLNK(st.st_mode):
            out[rel] = ("link", os.readlink(path))
        elif stat.S_ISDIR(st.st_mode):
            out[rel] = ("dir", mode)
        elif stat.S_ISREG(st.st_mode):
            out[rel] = ("file", mode, file_hash(path))
        else:
            out[rel] = ("other", mode)
    return out


def stat_manifest(root: Path, skip: set[str] | frozenset[str] = frozenset()) -> dict[str, tuple]:
    """Like :func:`manifest` with sizes and modification times instead of hashes: what the copy view needs
    to tell a rewrite from a touch, cheap enough to take before every run."""
    out: dict[str, tuple] = {}
    for rel, full in _walk(root, skip):
        st = os.lstat(full)
        target = os.readlink(full) if stat.S_ISLNK(st.st_mode) else ""
        out[rel] = (entry_type(st.st_mode), stat.S_IMODE(st.st_mode), st.st_size, st.st_mtime_ns, target)
    return out


def _walk(root: Path, skip: set[str] | frozenset[str]) -> Iterator[tuple[str, str]]:
    """(path relative to ``root``, full path) of everything under it, leaving out the top-level ``skip``."""
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir == ".":
            dirnames[:] = [d for d in dirnames if d not in skip]
        for name in dirnames + filenames:
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if rel not in skip:
                yield rel, os.path.join(dirpath, name)


# --- comparing two versions of one path ------------------------------------------------------------------
def _compare(before_path: str, before: os.stat_result, after_path: str, after: os.stat_result) -> str:
    """What differs between two versions of a path ("" when nothing does)."""
    t_before, t_after = entry_type(before.st_mode), entry_type(after.st_mode)
    if t_before != t_after:
        return f"{_TYPE_WORD[t_before]} -> {_TYPE_WORD[t_after]}"
    parts = []
    if t_before == "link":
        if os.readlink(before_path) != os.readlink(after_path):
            parts.append("content")
    elif t_before == "file":
        if before.st_size != after.st_size or file_hash(before_path) != file_hash(after_path):
            parts.append("content")
    mode_b, mode_a = stat.S_IMODE(before.st_mode), stat.S_IMODE(after.st_mode)
    if mode_b != mode_a and t_before != "link":
        parts.append(f"mode {mode_b:o} -> {mode_a:o}")
    if not parts and t_before != "dir" and before.st_mtime_ns != after.st_mtime_ns:
        parts.append("timestamps")
    return ", ".join(parts)


_TYPE_WORD = {"file": "file", "dir": "folder", "link": "symbolic link", "other": "special file"}


def _size(st: os.stat_result | None) -> int | None:
    if st is None or stat.S_ISDIR(st.st_mode):
        return None
    return st.st_size


def text_diff(before_path: str | None, after_path: str | None, label: str) -> str | None:
    """A unified diff of two small text files (either may be None: created or deleted), else None."""
    texts = []
    for path in (before_path, after_path):
        if path is None:
            texts.append([])
            continue
        try:
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode) or st.st_size > DIFF_MAX_BYTES:
                return None
            data = Path(path).read_bytes()
        except OSError:
            return None
        if b"\0" in data:
            return None
        try:
            texts.append(data.decode("utf-8").splitlines(keepends=True))
        except UnicodeDecodeError:
            return None
    lines = list(difflib.unified_diff(texts[0], texts[1], fromfile=f"a/{label}" if before_path else "/dev/null",
                                      tofile=f"b/{label}" if after_path else "/dev/null", n=2))
    if not lines:
        return None
    lines = [line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines]
    if len(lines) > DIFF_MAX_LINES:
        lines = lines[:DIFF_MAX_LINES] + [f"... {len(lines) - DIFF_MAX_LINES} more diff lines\n"]
    return "".join(lines)


# --- overlay upper layers ------------------------------------------------------------------------------
def _is_whiteout(path: str, st: os.stat_result) -> bool:
    if stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
        return True
    if stat.S_ISREG(st.st_mode) and st.st_size == 0:  # xattr whiteouts (kernel 6.7+, nested overlays)
        try:
            return os.getxattr(path, "user.overlay.whiteout", follow_symlinks=False) is not None
        except OSError:
            return False
    return False


def _is_opaque(path: str) -> bool:
    for name in ("user.overlay.opaque", "trusted.overlay.opaque"):
        try:
            if os.getxattr(path, name, follow_symlinks=False) == b"y":
                return True
        except OSError:
            continue
    return False


class _Collector:
    def __init__(self, real_root: str, diffs: bool) -> None:
        self.real_root = real_root
        self.diffs = diffs
        self.changes: list[FileChange] = []

    def real(self, rel: str) -> str:
        return os.path.normpath(os.path.join(self.real_root, rel))

    def deleted_tree(self, lower: str, rel: str) -> None:
        """``lower`` (a real path) and everything below it, as deleted."""
        st = _lstat(lower)
        if st is None:
            return
        self.changes.append(FileChange(path=self.real(rel), kind="deleted", type=entry_type(st.st_mode),
                                       size_before=_size(st)))
        if stat.S_ISDIR(st.st_mode):
            try:
                names = sorted(os.listdir(lower))
            except OSError:
                return
            for name in names:
                self.deleted_tree(os.path.join(lower, name), os.path.join(rel, name))

    def created_tree(self, upper: str, rel: str) -> None:
        st = os.lstat(upper)
        if _is_whiteout(upper, st):
            return
        self.changes.append(FileChange(path=self.real(rel), kind="created", type=entry_type(st.st_mode),
                                       size_after=_size(st),
                                       diff=text_diff(None, upper, rel) if self.diffs else None))
        if stat.S_ISDIR(st.st_mode):
            _make_walkable(upper, st)
            for name in sorted(os.listdir(upper)):
                self.created_tree(os.path.join(upper, name), os.path.join(rel, name))


def _make_walkable(path: str, st: os.stat_result) -> None:
    if stat.S_IMODE(st.st_mode) & 0o500 != 0o500:
        os.chmod(path, stat.S_IMODE(st.st_mode) | 0o700)


def overlay_changes(upper: Path, lower: Path, *, diffs: bool = True) -> list[FileChange]:
    """The changes an overlay's upper layer holds over ``lower`` (the real folder), with real paths."""
    out = _Collector(str(lower), diffs)

    def walk(up_dir: str, rel_dir: str, opaque: bool) -> None:
        st_dir = os.lstat(up_dir)
        _make_walkable(up_dir, st_dir)
        names = sorted(os.listdir(up_dir))
        lower_dir = os.path.join(lower, rel_dir)
        if opaque:  # the lower folder's entries are hidden: those not written again are deleted
            try:
                hidden = sorted(set(os.listdir(lower_dir)) - set(names))
            except OSError:
                hidden = []
            for name in hidden:
                out.deleted_tree(os.path.join(lower_dir, name), os.path.join(rel_dir, name))
        for name in names:
            up = os.path.join(up_dir, name)
            rel = os.path.normpath(os.path.join(rel_dir, name))
            lo = os.path.join(lower_dir, name)
            st = os.lstat(up)
            lo_st = _lstat(lo)
            if _is_whiteout(up, st):
                out.deleted_tree(lo, rel)
                continue
            if lo_st is None:
                out.created_tree(up, rel)
                continue
            if stat.S_ISDIR(st.st_mode) and stat.S_ISDIR(lo_st.st_mode):
                mode_b, mode_a = stat.S_IMODE(lo_st.st_mode), stat.S_IMODE(st.st_mode)
                if mode_b != mode_a:
                    out.changes.append(FileChange(path=out.real(rel), kind="modified", type="dir",
                                                  detail=f"mode {mode_b:o} -> {mode_a:o}"))
                walk(up, rel, opaque or _is_opaque(up))
                continue
            if stat.S_ISDIR(st.st_mode) != stat.S_ISDIR(lo_st.st_mode):  # a file became a folder or back
                out.deleted_tree(lo, rel)
                out.created_tree(up, rel)
                continue
            detail = _compare(lo, lo_st, up, st)
            if detail:
                out.changes.append(FileChange(path=out.real(rel), kind="modified", type=entry_type(st.st_mode),
                                              size_before=_size(lo_st), size_after=_size(st), detail=detail,
                                              diff=text_diff(lo, up, rel) if diffs and "content" in detail else None))

    if upper.is_dir():
        top_before, top_after = stat.S_IMODE(os.lstat(lower).st_mode), stat.S_IMODE(os.lstat(upper).st_mode)
        if top_before != top_after:
            out.changes.append(FileChange(path=str(lower), kind="modified", type="dir",
                                          detail=f"mode {top_before:o} -> {top_after:o}"))
        walk(str(upper), ".", False)
    sources = {}
    for c in out.changes:
        rel = os.path.relpath(c.path, lower)
        sources[(c.kind, c.path)] = os.path.join(upper if c.kind == "created" else lower, rel)
    return _note_moves(out.changes, sources)


# --- copy views ----------------------------------------------------------------------------------------
def manifest_changes(before: dict[str, tuple], after_root: Path, real_root: Path, *,
                     before_root: Path | None = None, diffs: bool = True) -> list[FileChange]:
    """Changes in a copy (``after_root``) against its :func:`stat_manifest` taken before the run.

    ``before_root``, when given, still holds the old content (the real folder) for hashes and diffs.
    """
    after = stat_manifest(after_root)
    changes: list[FileChange] = []
    sources: dict[tuple[str, str], str] = {}
    for rel in sorted(set(before) | set(after)):
        real = os.path.normpath(os.path.join(real_root, rel))
        b, a = before.get(rel), after.get(rel)
        if a is None:
            changes.append(FileChange(path=real, kind="deleted", type=b[0], size_before=None if b[0] == "dir" else b[2]))
            if before_root is not None:
                sources[("deleted", real)] = os.path.join(before_root, rel)
            continue
        if b is None:
            path = os.path.join(after_root, rel)
            changes.append(FileChange(path=real, kind="created", type=a[0], size_after=None if a[0] == "dir" else a[2],
                                      diff=text_diff(None, path, rel) if diffs else None))
            sources[("created", real)] = path
            continue
        parts = []
        if b[0] != a[0]:
            parts.append(f"{_TYPE_WORD[b[0]]} -> {_TYPE_WORD[a[0]]}")
        else:
            if a[0] == "link" and b[4] != a[4]:
                parts.append("content")
            elif a[0] == "file" and (b[2] != a[2] or b[3] != a[3]):
                if b[2] != a[2] or before_root is None or \
                        file_hash(os.path.join(before_root, rel)) != file_hash(os.path.join(after_root, rel)):
                    parts.append("content")
            if b[1] != a[1] and a[0] != "link":
                parts.append(f"mode {b[1]:o} -> {a[1]:o}")
            if not parts and a[0] not in ("dir",) and b[3] != a[3]:
                parts.append("timestamps")
        if parts:
            detail = ", ".join(parts)
            diff = None
            if diffs and "content" in detail and before_root is not None:
                diff = text_diff(os.path.join(before_root, rel), os.path.join(after_root, rel), rel)
            changes.append(FileChange(path=real, kind="modified", type=a[0], size_before=None if b[0] == "dir" else b[2],
                                      size_after=None if a[0] == "dir" else a[2], detail=detail, diff=diff))
    return _note_moves(changes, sources)


def _note_moves(changes: list[FileChange], sources: dict[tuple[str, str], str]) -> list[FileChange]:
    """Name a created file "moved from X" when exactly one deleted file had the same content: a rename
    shows as one deletion and one creation, which reads better named. ``sources`` maps (kind, real path) to
    where that content can be read now."""
    by_size: dict[int | None, list[FileChange]] = {}
    for c in changes:
        if c.kind == "deleted" and c.type == "file" and ("deleted", c.path) in sources:
            by_size.setdefault(c.size_before, []).append(c)
    for c in changes:
        if c.kind != "created" or c.type != "file" or ("created", c.path) not in sources:
            continue
        candidates = by_size.get(c.size_after, [])
        if not candidates or len(candidates) > 20:
            continue
        try:
            digest = file_hash(sources[("created", c.path)])
            same = [d for d in candidates if file_hash(sources[("deleted", d.path)]) == digest]
        except OSError:
            continue
        if len(same) == 1:
            c.detail = f"moved from {same[0].path}"
    return changes
