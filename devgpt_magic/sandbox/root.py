"""Sandbox runs whose whole root file system is a throwaway copy of a fixture (the evaluation's scorer).

Always ``bwrap --unshare-all --cap-drop ALL``: no network, no other processes, and (measured here) as
root without ``--cap-drop ALL`` a sandboxed command could remount and write the host's /usr. /usr and
/etc are bound read-only; the copy of the fixture is the sandbox's writable root, so whatever a command
writes (even to /) lands in the copy and is seen by the manifest, never on the host.

Previews use :mod:`.views` instead (the real file system read-only, copy-on-write views of the working
folder); both share the process runner, the manifests and the bubblewrap rules.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .bwrap import bwrap_path
from .changes import manifest
from .process import run_limited

TIMEOUT_S = 10.0
OUTPUT_CAP = 1 << 20
#: mount points the sandbox adds to the root; not part of the fixture's manifest
MOUNTS = frozenset({"usr", "etc", "proc", "dev", "tmp", "bin", "lib", "lib64", "sbin", "run", "var/tmp"})


@dataclass
class RootRun:
    exit_code: int | None
    stdout: str
    stderr: str
    manifest: dict[str, tuple]
    timed_out: bool = False


#: Resource limits every run gets, whatever the process that started it had: without them ``ulimit -n``
#: printed 4096 in a reference run and 20000 in a candidate run of the same command, started from two
#: processes (NL2SH-ALFA item alfa-1-087). Lowering works without privileges; where a host's hard limit is
#: already lower, that one line fails quietly.
FIXED_LIMITS = "ulimit -n 1024; ulimit -u 4096; ulimit -s 8192; ulimit -l 8192; ulimit -i 3000; ulimit -c 0"


def root_argv(root: Path, command: str, env: dict[str, str] | None = None) -> list[str]:
    """bubblewrap with ``root`` as /, the host's /usr and /etc read-only, a clean environment, bash."""
    argv = [bwrap_path() or "bwrap", "--unshare-all", "--cap-drop", "ALL", "--die-with-parent", "--new-session",
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
    # the command itself runs in a fresh bash, as before ($0 is "bash"), under the fixed limits
    argv += ["bash", "-c", f'{{ {FIXED_LIMITS}; }} 2>/dev/null; exec bash -c "$1"', "bash", command]
    return argv


def fresh_copy(fixture: Path) -> Path:
    """A private copy of ``fixture`` in the temporary folder (symbolic links kept as links)."""
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


def run_in_root(fixture: Path, command: str, timeout: float = TIMEOUT_S,
                env: dict[str, str] | None = None) -> RootRun:
    """Run ``command`` in a fresh copy of ``fixture`` as the whole file system; the copy is deleted after."""
    root = fresh_copy(fixture)
    try:
        result = run_limited(root_argv(root, command, env), timeout=timeout, output_cap=OUTPUT_CAP,
                             stop_on_overflow=False)
        return RootRun(exit_code=result.exit_code, stdout=result.stdout.decode("utf-8", "replace"),
                       stderr=result.stderr.decode("utf-8", "replace"), manifest=manifest(root, MOUNTS),
                       timed_out=result.timed_out)
    finally:
        force_rmtree(root)


def force_rmtree(root: Path) -> None:
    """Remove a scratch tree even where the command made folders read-only or unreadable (and the overlay
    work folder, which the kernel leaves at mode 000)."""
    def onerror(func, path, _):  # noqa: ANN001 - shutil's callback
        for target in (os.path.dirname(path), path):
            try:
                if not os.path.islink(target):
                    os.chmod(target, 0o700)
            except OSError:
                pass
        try:
            if func in (os.rmdir, os.unlink, os.remove):
                func(path)
            elif os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, onerror=onerror)
            else:
                os.unlink(path)
        except FileNotFoundError:
            pass

    if os.path.lexists(root):
        shutil.rmtree(root, onerror=onerror)
