"""Running shell commands in a throwaway copy of a fixture file system, inside bubblewrap.

The sandbox itself lives in the package (:mod:`devgpt_magic.sandbox`), shared with Preview and candidate
checks; this module keeps the evaluation's names and adds what only the evaluation needs: building a
fixture by running its setup script inside the sandbox.

Always ``bwrap --unshare-all --cap-drop ALL``: no network, no other processes, and (measured here) as
root without ``--cap-drop ALL`` a sandboxed command could remount and write the host's /usr. /usr and
/etc are bound read-only; the copy of the fixture is the sandbox's writable root, so whatever a command
writes (even to /) lands in the copy and is seen by the manifest, never on the host.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from devgpt_magic.sandbox import MOUNTS, OUTPUT_CAP, TIMEOUT_S, RootRun, force_rmtree, fresh_copy, root_argv
from devgpt_magic.sandbox import manifest as _manifest
from devgpt_magic.sandbox import run_in_root

__all__ = ["OUTPUT_CAP", "TIMEOUT_S", "Outcome", "build_fixture", "bwrap_argv", "fresh_copy", "manifest", "run"]

#: mount points the sandbox adds to the root; not part of the fixture's manifest
_MOUNTS = MOUNTS
#: what :func:`run` returns: exit code (None after a time-out), stdout, stderr, the copy's manifest
Outcome = RootRun
bwrap_argv = root_argv
_force_rmtree = force_rmtree


def manifest(root: Path) -> dict[str, tuple]:
    """Paths, types, modes, content hashes and link targets of everything in the fixture copy."""
    return _manifest(root, _MOUNTS)


def run(fixture: Path, command: str, timeout: float = TIMEOUT_S, env: dict[str, str] | None = None) -> Outcome:
    """Run ``command`` in a fresh copy of ``fixture``; the copy is deleted afterwards."""
    return run_in_root(fixture, command, timeout=timeout, env=env)


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
