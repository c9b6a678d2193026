"""Running a command over throwaway, copy-on-write views of real folders: the engine of Preview.

Inside the sandbox (bubblewrap, ``--unshare-all --cap-drop ALL``, no network, its own PID namespace, a new
session, no Unix sockets: :mod:`.seccomp`):

- the whole file system is visible **read-only**; /dev, /proc, /run and /dev/shm are the sandbox's own;
- each **previewed** folder (the working folder; the user's home when the command names it) is a writable
  copy-on-write view of the real one: the command sees the real files, and whatever it writes, renames or
  deletes lands in a scratch layer. The changes are read from that layer afterwards;
- **watched** places (the user's home when it is not previewed, /tmp, /var/tmp) are writable views too, so
  a command that needs a temporary file still works, but whatever it leaves there is reported as a write
  *outside* the previewed folders (the preview is then incomplete); writes anywhere else fail as
  "Read-only file system" and are reported the same way.

Views are kernel overlayfs mounts made in a user namespace (:mod:`._nshelper`): setting one up costs a few
milliseconds whatever the folder's size, and reading the changes costs in proportion to what changed.
Where the kernel refuses (older than 5.11, or an upper layer on a file system without user xattrs), a
previewed folder of up to :data:`COPY_MAX_FILES` entries and :data:`COPY_MAX_BYTES` is copied instead,
and /tmp and /var/tmp start empty.

A small POSIX ``sh`` wrapper runs the command with the user's shell (``$SHELL -c``, exactly as
:mod:`devgpt_magic.execution` would), then reports on a private pipe: which processes are still running
(they are killed with the sandbox) and the network counters of the sandbox's own network namespace, whose
every counter starts at zero, so any connection attempt (even one refused at once) shows.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from .bwrap import SandboxUnavailable, availability, bwrap_path
from .changes import FileChange, manifest_changes, overlay_changes, stat_manifest
from .process import ProcessResult, run_limited
from .root import force_rmtree
from .seccomp import no_unix_sockets

TIMEOUT_S = 10.0
OUTPUT_CAP = 1 << 20
DISK_LIMIT = 1 << 30
COPY_MAX_FILES = 20_000
COPY_MAX_BYTES = 256 << 20
_HELPER = Path(__file__).with_name("_nshelper.py")
_HELPER_FAILED = 97

#: runs inside the sandbox as ``sh -c WRAPPER devgpt-sandbox SHELL COMMAND``; reports on descriptor 3
_WRAPPER = r"""echo started >&3
"$1" -c "$2" 3>&-
rc=$?
left=
for p in /proc/[0-9]*; do
  n=${p#/proc/}; [ "$n" != 1 ] && [ "$n" != "$$" ] && left=1
done
if [ -n "$left" ]; then
  sleep 0.1  # a process just forked may not have its own name yet
  for p in /proc/[0-9]*; do
    n=${p#/proc/}
    if [ "$n" != 1 ] && [ "$n" != "$$" ]; then
      c=; read -r c 2>/dev/null < "$p/comm"
      echo "proc $n $c" >&3
    fi
  done
fi
echo net >&3
cat /proc/net/snmp /proc/net/snmp6 >&3 2>/dev/null
echo "exit $rc" >&3
exit $rc
"""

Method = Literal["overlay", "copy"]


class ViewRun(BaseModel):
    """What a command did over throwaway views: its output and exit code, the changes in the previewed
    folders, and everything the views could not contain."""

    command: str
    cwd: str
    #: the previewed folders (real paths)
    folders: list[str]
    method: Method
    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    elapsed_s: float = 0.0
    timed_out: bool = False
    #: a stream passed the output limit and the command was stopped
    output_overflow: bool = False
    #: the command wrote more than the disk limit and was stopped
    disk_overflow: bool = False
    changes: list[FileChange] = Field(default_factory=list)
    #: paths written (created, changed, deleted) outside the previewed folders, e.g. /tmp/x, ~/.cache/y
    outside_writes: list[str] = Field(default_factory=list)
    #: paths the command tried to write where everything is read-only ("Read-only file system")
    readonly_writes: list[str] = Field(default_factory=list)
    #: the command tried to reach the network (a connection, a DNS lookup, a packet)
    network: bool = False
    #: processes still running when the command ended (they were stopped with the sandbox)
    stray_processes: list[str] = Field(default_factory=list)
    #: things the caller should know about how the run was done (a fallback, a missing filter)
    notes: list[str] = Field(default_factory=list)


@dataclass
class _View:
    path: str
    previewed: bool
    source: str = ""  # what is bound over ``path`` inside the sandbox
    upper: str = ""
    work: str = ""
    copy_before: dict | None = None
    scratch: bool = False  # an empty folder standing in for /tmp or /var/tmp


def run_in_view(command: str, cwd: str | os.PathLike[str], *, folders: list[str] | None = None,
                timeout: float = TIMEOUT_S, output_cap: int = OUTPUT_CAP, disk_limit: int = DISK_LIMIT,
                shell: str | None = None, env: dict[str, str] | None = None, method: Method | None = None,
                diffs: bool = True) -> ViewRun:
    """Run ``command`` in ``cwd`` over copy-on-write views of ``folders`` (default: just ``cwd``); the real
    files are never written. Raises :class:`SandboxUnavailable` (one line, what to do) when it cannot.

    This is what the accuracy work's candidate checks call: a read-only look at what a command prints and
    changes in a folder, e.g. ``run_in_view("find . -name '*.py'", project).stdout``.
    """
    avail = availability()
    if not avail.ok:
        raise SandboxUnavailable(avail.reason)
    cwd = os.path.realpath(cwd)
    if not os.path.isdir(cwd):
        raise SandboxUnavailable(f"The folder {cwd} does not exist: run the preview from an existing folder.")
    previewed = _outermost([os.path.realpath(f) for f in (folders or [cwd])])
    if "/" in previewed:
        raise SandboxUnavailable("Cannot preview the whole file system (the folder is /): change to a project "
                                 "folder first.")
    from ..execution import user_shell

    shell = shell or user_shell()
    from ..secrets import without_credentials

    # a preview shows its output (to a panel user too): the command gets no API keys or other credentials
    env = without_credentials(os.environ if env is None else env)
    env["PWD"] = cwd
    notes: list[str] = []
    if method in (None, "overlay"):
        try:
            return _attempt(command, cwd, previewed, "overlay", timeout, output_cap, disk_limit, shell, env, diffs,
                            notes)
        except _OverlayRefused as exc:
            if method == "overlay":
                raise SandboxUnavailable(f"The kernel refused an overlay mount ({exc}).") from None
            notes.append(f"overlay mounts are not allowed here ({exc}); the folder was copied instead")
    return _attempt(command, cwd, previewed, "copy", timeout, output_cap, disk_limit, shell, env, diffs, notes)


class _OverlayRefused(Exception):
    pass


def _attempt(command: str, cwd: str, previewed: list[str], method: Method, timeout: float, output_cap: int,
             disk_limit: int, shell: str, env: dict[str, str], diffs: bool, notes: list[str]) -> ViewRun:
    home = os.path.realpath(os.path.expanduser("~"))
    watched = [p for p in dict.fromkeys([home, os.path.realpath("/tmp"), os.path.realpath("/var/tmp")])
               if p != "/" and os.path.isdir(p) and not any(_within(p, f) for f in previewed)]
    views = [_View(p, True) for p in previewed] + [_View(p, False) for p in watched]
    if method == "copy":
        _check_copy_size(previewed)
        # home stays read-only (copying it is out of the question); /tmp and /var/tmp start empty
        views = [v for v in views if v.previewed or v.path != home]
    runs: dict[str, str] = {}  # base folder -> this run's scratch folder in it
    try:
        overlays = []
        for i, view in enumerate(views):
            run_dir = _run_dir(runs, _base_for(view.path))
            if method == "overlay":
                view.upper, view.work, view.source = (os.path.join(run_dir, f"{k}{i}") for k in ("u", "w", "m"))
                for folder in (view.upper, view.work, view.source):
                    os.mkdir(folder, 0o700)
                # the merged view's top folder shows the upper layer's own mode and times: make them the real ones
                real = os.stat(view.path)
                os.chmod(view.upper, stat.S_IMODE(real.st_mode))
                os.utime(view.upper, ns=(real.st_atime_ns, real.st_mtime_ns))
                overlays.append({"lower": view.path, "upper": view.upper, "work": view.work, "merged": view.source})
            elif view.previewed:
                view.source = os.path.join(run_dir, f"c{i}")
                _copy_tree(view.path, view.source)
                view.copy_before = stat_manifest(Path(view.source))
            else:
                view.source = os.path.join(run_dir, f"t{i}")
                os.mkdir(view.source, 0o700)
                view.scratch = True
        empty = os.path.join(next(iter(runs.values())), "empty") if runs else ""
        if empty:
            os.mkdir(empty, 0o500)
        seccomp = no_unix_sockets()
        if seccomp is None:
            notes.append("no system-call filter for this CPU architecture: Unix sockets stay reachable")
        argv = _bwrap_argv(views, list(runs.values()), empty, cwd, seccomp is not None, shell, command)
        read_end, write_end = os.pipe()
        spec = {"probe_fd": write_end, "overlays": overlays, "seccomp": seccomp.hex() if seccomp else None,
                "argv": argv}
        result = run_limited([sys.executable, "-I", "-S", str(_HELPER), json.dumps(spec)], timeout=timeout,
                             output_cap=output_cap, env=env, report_fd=(read_end, write_end),
                             disk_watch=sorted(runs), disk_limit=disk_limit)
        report = result.report.decode("utf-8", "replace")
        helper_error = re.search(r"^helper-error (.*)$", report, re.M)
        if helper_error:
            if method == "overlay":  # the kernel refused the namespace or the mount: copy instead
                raise _OverlayRefused(helper_error.group(1))
            raise SandboxUnavailable(f"The sandbox could not be set up: {helper_error.group(1)}.")
        if not re.search(r"^started$", report, re.M) and not result.timed_out:
            why = (result.stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"])[-1]
            raise SandboxUnavailable(f"bubblewrap could not start the sandbox: {why}")
        return _collect(command, cwd, previewed, method, views, result, report, diffs, notes)
    finally:
        for run_dir in runs.values():
            force_rmtree(Path(run_dir))


def _collect(command: str, cwd: str, previewed: list[str], method: Method, views: list[_View],
             result: ProcessResult, report: str, diffs: bool, notes: list[str]) -> ViewRun:
    changes: list[FileChange] = []
    outside: list[str] = []
    destinations = [v.path for v in views]
    for view in views:
        if view.upper:
            found = overlay_changes(Path(view.upper), Path(view.path), diffs=diffs and view.previewed)
        elif view.copy_before is not None:
            found = manifest_changes(view.copy_before, Path(view.source), Path(view.path),
                                     before_root=Path(view.path), diffs=diffs)
        elif view.scratch:
            found = _leftovers(Path(view.source), view.path, destinations)
        else:
            found = []
        # a nested view's folder is bound over this one: what lies below it belongs to that view
        nested = [d for d in destinations if d != view.path and _within(d, view.path)]
        found = [c for c in found if not any(_within(c.path, d) for d in nested)]
        if view.previewed:
            changes += found
        else:
            outside += [c.path for c in found if c.type != "dir" or c.kind != "modified"]
    from ..secrets import redact

    stderr = result.stderr.decode("utf-8", "replace")
    for change in changes:  # what a preview shows never carries a credential, even one read from a file
        if change.diff:
            change.diff = redact(change.diff)
    return ViewRun(command=command, cwd=cwd, folders=previewed, method=method, exit_code=_exit_code(result, report),
                   stdout=redact(result.stdout.decode("utf-8", "replace")), stderr=redact(stderr), elapsed_s=result.elapsed_s,
                   timed_out=result.timed_out, output_overflow=result.output_overflow,
                   disk_overflow=result.disk_overflow, changes=sorted(changes, key=lambda c: c.path),
                   outside_writes=sorted(set(outside)), readonly_writes=_readonly_writes(stderr),
                   network=_network_used(report), stray_processes=_stray(report), notes=notes)


# --- argv ---------------------------------------------------------------------------------------------
def _bwrap_argv(views: list[_View], run_dirs: list[str], empty: str, cwd: str, seccomp: bool, shell: str,
                command: str) -> list[str]:
    argv = [bwrap_path() or "bwrap", "--unshare-all", "--unshare-user", "--uid", str(os.getuid()),
            "--gid", str(os.getgid()), "--cap-drop", "ALL", "--die-with-parent", "--new-session",
            "--ro-bind", "/", "/", "--dev", "/dev", "--tmpfs", "/dev/shm", "--proc", "/proc", "--tmpfs", "/run"]
    ordered = sorted(views, key=lambda v: (v.path.count("/"), v.path))
    for view in ordered:
        argv += ["--bind", view.source, view.path]
        if not view.scratch:  # other file systems mounted inside a view: seen, never written
            nested = [v.path for v in ordered if v.path != view.path and _within(v.path, view.path)]
            for mount in _mounts_below(view.path):
                if not any(_within(mount, n) for n in nested):  # a nested view handles its own
                    argv += ["--ro-bind", mount, mount]
    for run_dir in run_dirs:  # our scratch folders, where a view shows them: hidden behind an empty folder
        inside = [v for v in ordered if _within(run_dir, v.path)]
        if not inside or not inside[-1].scratch:
            argv += ["--ro-bind", empty, run_dir]
    argv += ["--chdir", cwd]
    if seccomp:
        argv += ["--seccomp", "{SECCOMP_FD}"]
    argv += ["/bin/sh", "-c", _WRAPPER, "devgpt-sandbox", shell, command]
    return argv


def _mounts_below(path: str) -> list[str]:
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        fields = line.split()
        if len(fields) > 4:
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
            if point != path and _within(point, path) and os.path.isdir(point):
                found.append(point)
    return sorted(set(found), key=lambda p: (p.count("/"), p))


# --- scratch space -----------------------------------------------------------------------------------
def _base_for(path: str) -> str:
    """A folder for this view's scratch layer that is not inside the view itself (an overlay's upper layer
    must not lie in its lower one), preferring the temporary folder."""
    from ..settings import cache_root

    candidates = [tempfile.gettempdir(), "/var/tmp", str(cache_root()), "/dev/shm"]
    for base in candidates:
        base = os.path.realpath(base)
        if not _within(base, path) and os.path.isdir(base) and os.access(base, os.W_OK | os.X_OK):
            return base
    raise SandboxUnavailable(f"No scratch folder outside {path} to preview in: set TMPDIR to a writable "
                             "folder outside it.")


def _run_dir(runs: dict[str, str], base: str) -> str:
    if base not in runs:
        runs[base] = tempfile.mkdtemp(prefix="devgpt-preview-", dir=base)
    return runs[base]


def _check_copy_size(folders: list[str]) -> None:
    for folder in folders:
        count = size = 0
        for dirpath, dirnames, filenames in os.walk(folder):
            count += len(dirnames) + len(filenames)
            for name in filenames:
                try:
                    size += os.lstat(os.path.join(dirpath, name)).st_size
                except OSError:
                    pass
            if count > COPY_MAX_FILES or size > COPY_MAX_BYTES:
                raise SandboxUnavailable(
                    f"{folder} is too large to preview by copying (over {COPY_MAX_FILES:,} files or "
                    f"{COPY_MAX_BYTES >> 20} MB), and this kernel does not allow overlay mounts in a user "
                    "namespace (Linux 5.11 or newer does): preview in a smaller folder.")


def _copy_tree(source: str, target: str) -> None:
    """Folders, files (with modes and times) and symbolic links; sockets, FIFOs and devices are left out
    (opening a FIFO to copy it would block)."""
    os.mkdir(target, 0o700)
    for dirpath, dirnames, filenames in os.walk(source):
        rel = os.path.relpath(dirpath, source)
        out_dir = os.path.normpath(os.path.join(target, rel))
        for name in dirnames + filenames:
            src = os.path.join(dirpath, name)
            dst = os.path.join(out_dir, name)
            st = os.lstat(src)
            if stat.S_ISLNK(st.st_mode):
                os.symlink(os.readlink(src), dst)
            elif stat.S_ISDIR(st.st_mode):
                os.mkdir(dst, 0o700)
            elif stat.S_ISREG(st.st_mode):
                try:
                    shutil.copy2(src, dst, follow_symlinks=False)
                except PermissionError:
                    pass  # unreadable for us: unreadable for the command too
        dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
    for dirpath, dirnames, _ in os.walk(source, topdown=False):
        rel = os.path.normpath(os.path.join(target, os.path.relpath(dirpath, source)))
        try:
            shutil.copystat(dirpath, rel, follow_symlinks=False)
        except OSError:
            pass


def _leftovers(scratch: Path, real: str, destinations: list[str]) -> list[FileChange]:
    """What a command left in an empty stand-in for /tmp; folders bubblewrap made as mount points are not
    the command's."""
    made = set()
    for dest in destinations:
        if dest != real and _within(dest, real):
            parts = Path(os.path.relpath(dest, real)).parts
            made.update(os.path.join(*parts[:n]) for n in range(1, len(parts) + 1))
    before = {rel: ("dir", 0o700, 0, 0, "") for rel in made}
    found = manifest_changes(before, scratch, Path(real), diffs=False)
    return [c for c in found if c.kind == "created"]


# --- the sandbox's report ------------------------------------------------------------------------------
def _exit_code(result: ProcessResult, report: str) -> int | None:
    if result.timed_out or result.disk_overflow:
        return None
    found = re.search(r"^exit (\d+)$", report, re.M)
    return int(found.group(1)) if found else result.exit_code


def _stray(report: str) -> list[str]:
    return [m.group(2) or f"pid {m.group(1)}" for m in re.finditer(r"^proc (\d+) ?(.*)$", report, re.M)]


_NET_COUNTERS = {("Ip", "OutRequests"), ("Ip", "OutNoRoutes"), ("Tcp", "ActiveOpens"), ("Udp", "OutDatagrams"),
                 ("Udp", "NoPorts"), ("Icmp", "OutMsgs")}
_NET6_COUNTERS = {"Ip6OutRequests", "Ip6OutNoRoutes", "Udp6OutDatagrams", "Icmp6OutMsgs"}


def _network_used(report: str) -> bool:
    """Any outgoing packet, route failure or connection attempt in the sandbox's own network namespace."""
    _, _, net = report.partition("\nnet\n")
    lines = net.splitlines()
    for header, values in zip(lines, lines[1:]):
        h, v = header.split(), values.split()
        if h and v and h[0] == v[0] and h[0].endswith(":") and not h[1].lstrip("-").isdigit():
            for name, value in zip(h[1:], v[1:]):
                if (h[0][:-1], name) in _NET_COUNTERS and value.lstrip("-").isdigit() and int(value) > 0:
                    return True
    for line in lines:
        parts = line.split()
        if len(parts) == 2 and parts[0] in _NET6_COUNTERS and parts[1].isdigit() and int(parts[1]) > 0:
            return True
    return False


_READONLY = re.compile(r"Read-only file system")
_QUOTED = re.compile(r"""['‘"`]([^'’"`]+)['’"`]""")


def _readonly_writes(stderr: str) -> list[str]:
    """Paths named in "Read-only file system" errors (the command tried to write outside the views)."""
    found: list[str] = []
    for line in stderr.splitlines():
        if not _READONLY.search(line):
            continue
        named = re.findall(r"""['‘"`]?(/[^\s:'"`’]+)['’"`]?: Read-only file system""", line)
        quoted = [q for q in _QUOTED.findall(line) if q.startswith(("/", "~", "."))]
        bare = re.findall(r"(?<![\w/])(/[^\s:'\"]+)", line)
        path = (named or quoted or bare[1:] or bare or ["(a path the error did not name)"])[0]
        if path not in found:
            found.append(path)
        if len(found) >= 20:
            break
    return found


# --- paths ---------------------------------------------------------------------------------------------
def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _outermost(folders: list[str]) -> list[str]:
    """Folders with any inside another left out (the outer one's view covers it)."""
    unique = sorted(dict.fromkeys(folders), key=len)
    return [f for i, f in enumerate(unique) if not any(_within(f, g) for g in unique[:i])]
