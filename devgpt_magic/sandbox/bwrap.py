"""Whether sandboxed runs work on this machine, and the one-line reason (with what to do) when not.

Checked once per process: bubblewrap on PATH, then a real ``bwrap --unshare-all`` start, which fails
where unprivileged user namespaces are switched off. Windows and macOS have neither.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass

INSTALL_HINT = "apt-get install bubblewrap"


@dataclass(frozen=True)
class Availability:
    ok: bool
    #: one line, saying what to do, when not ok
    reason: str = ""


class SandboxUnavailable(Exception):
    """Sandboxed runs cannot happen here; the message is one line that says why and what to do."""


_CHECKED: dict[str, Availability] = {}


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def availability(*, refresh: bool = False) -> Availability:
    """Can this machine run a command in the sandbox? Cheap after the first call (cached per bwrap path)."""
    if sys.platform == "darwin" or sys.platform.startswith(("win", "cygwin")):
        system = "macOS" if sys.platform == "darwin" else "Windows"
        return Availability(False, f"Preview is not available on {system}: it needs Linux namespaces "
                                   "(bubblewrap). Commands still run as before, after you confirm.")
    if not sys.platform.startswith("linux"):
        return Availability(False, f"Preview is not available on {sys.platform}: it needs Linux (bubblewrap).")
    path = bwrap_path()
    if path is None:
        return Availability(False, f"Preview needs bubblewrap, which is not installed: {INSTALL_HINT} "
                                   "(or your distribution's bubblewrap package).")
    if path in _CHECKED and not refresh:
        return _CHECKED[path]
    try:
        proc = subprocess.run([path, "--unshare-all", "--cap-drop", "ALL", "--die-with-parent", "--ro-bind", "/",
                               "/", "--dev", "/dev", "--proc", "/proc", "true"], capture_output=True, text=True,
                              timeout=20, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        result = Availability(False, f"Preview cannot start bubblewrap ({path}): {exc}.")
    else:
        if proc.returncode == 0:
            result = Availability(True)
        else:
            why = (proc.stderr.strip().splitlines() or ["no message"])[-1]
            result = Availability(False, f"Preview cannot start a sandbox here ({why}): unprivileged user "
                                         "namespaces seem to be off; an administrator can allow them "
                                         "(sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces).")
    _CHECKED[path] = result
    return result
