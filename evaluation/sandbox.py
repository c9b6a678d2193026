"""Running shell commands in a throwaway copy of a fixture file system, inside bubblewrap.

Always ``bwrap --unshare-all --cap-drop ALL``: no network, no other processes, and (measured here) as
root without ``--cap-drop ALL`` a sandboxed command could remount and write the host's /usr. /usr and
/etc are bound read-only; the copy of the fixture is the sandbox's writable root, so whatever a command
writes (even to /) lands in the copy and is seen by the manifest, never on the host.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

TIMEOUT_S = 10.0
OUTPUT_CAP = 1 << 20
#: mount points the sandbox adds to the root; not part of the fixture's manifest
_MOUNTS = {"usr", "etc", "proc", "dev", "tmp", "bin", "lib", "lib64", "sbin", "run", "var/tmp"}


@dataclass
class Outcome:
    exit_code: int | None
    stdout: str
    stderr: str
    manifest: dict[str, tuple]
    timed_out: bool = False


def bwrap_argv(root: Path, command: str, env: dict[str, str] | None = None) -> list[str]:
    argv = ["bwrap", "--unshare-all", "--cap-drop", "ALL", "--die-with-parent", "--new-session",
            "--bind", str(root), "/",
            "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for link in ("bin", "lib", "lib64", "sbin"):
        target = os.readlink(f"/{link}") if os.path.islink(f"/{link}") else None
        if target:
            argv += ["--symlink", target, f"/{link}"]
        elif os.path.isdir(f"/{link}"):
            argv += ["--ro-bind", f"/{link}", f"/{link}"]
    argv += ["--chdir", "/", "--clearenv", "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
             "--setenv", "HOME", "/root", "--setenv", "USER", "root", "--setenv", "LANG", "C.UTF-8",
             "--setenv", "TZ", "UTC"]
    for name, value in (env or {}).items():
        argv += ["--setenv", name, value]
    argv += ["bash", "-c", command]
    return argv


def manifest(root: Path) -> dict[str, tuple]:
    """Paths, types, modes, content hashes and link targets of everything in the fixture copy."""
    out: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir == ".":
            dirnames[:] = [d for d in dirnames if d not in _MOUNTS]
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if rel in _MOUNTS:
                continue
            st = path.lstat()
            mode = stat.S_IMODE(st.st_mode)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", mode)
            elif stat.S_ISREG(st.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                out[rel] = ("file", mode, digest)
            else:
                out[rel] = ("other", mode)
    return out


def fresh_copy(fixture: Path) -> Path:
    root = Path(tempfile.mkdtemp(prefix="devgpt-sbx-"))
    for entry in fixture.iterdir():
        target = root / entry.name
        if entry.is_symlink():
            os.symlink(os.readlink(entry), target)
        elif entry.is_dir():
            shutil.copytree(entry, target, symlinks=True)
        else:
            shutil.copy2(entry, target)
    return root


def run(fixture: Path, command: str, timeout: float = TIMEOUT_S, env: dict[str, str] | None = None) -> Outcome:
    """Run ``command`` in a fresh copy of ``fixture``; the copy is deleted afterwards."""
    root = fresh_copy(fixture)
    try:
        proc = subprocess.Popen(bwrap_argv(root, command, env), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        timed_out = False
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            out, err = proc.communicate()
            timed_out = True
        return Outcome(exit_code=None if timed_out else proc.returncode,
                       stdout=out[:OUTPUT_CAP].decode("utf-8", "replace"),
                       stderr=err[:OUTPUT_CAP].decode("utf-8", "replace"), manifest=manifest(root),
                       timed_out=timed_out)
    finally:
        _force_rmtree(root)


def _force_rmtree(root: Path) -> None:
    def onerror(func, path, _):  # noqa: ANN001 - a command may have made files read-only
        os.chmod(os.path.dirname(path), 0o700)
        try:
            os.chmod(path, 0o700)
        except OSError:
            pass
        func(path)

    shutil.rmtree(root, onerror=onerror)


def build_fixture(setup_script: Path, target: Path) -> Path:
    """Run a fixture builder inside the sandbox, writing into ``target`` (its root)."""
    if target.exists():
        _force_rmtree(target)
    target.mkdir(parents=True)
    proc = subprocess.run(bwrap_argv(target, setup_script.read_text()), capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)
    (target.parent / f"{target.name}.log").write_text(proc.stdout + proc.stderr)
    shutil.copy2(setup_script, target / setup_script.name)  # the image keeps its builder at /, items use it
    for mount in _MOUNTS:  # empty mount points bwrap created
        p = target / mount
        if p.is_dir() and not p.is_symlink() and not any(p.iterdir()):
            p.rmdir()
        elif p.is_symlink():
            p.unlink()
    return target
