"""What this machine has: programs on PATH, bash builtins, manual pages; and the one way this package runs them.

Every program this package starts goes through :func:`run`, which counts the runs (:data:`RUNS`, so tests can
prove that a cached answer did not run anything), gives the program no input, no terminal and no pager, and
stops it (with everything it started) after a short timeout.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

#: how many times each program was started by this package (key: the program's name as run)
RUNS: collections.Counter[str] = collections.Counter()

HELP_TIMEOUT_S = 4.0
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]")
_OVERSTRIKE = re.compile(r".\x08")

SHELL_KEYWORDS = frozenset("! [[ ]] { } case do done elif else esac fi for function if in select then time until "
                           "while coproc".split())


def quiet_env() -> dict[str, str]:
    """The environment help texts are read in: English, no colour, no pager, wide lines."""
    env = dict(os.environ)
    for var in ("LANGUAGE", "LC_MESSAGES"):
        env.pop(var, None)
    env.update(LC_ALL="C.UTF-8", LANG="C.UTF-8", PAGER="cat", MANPAGER="cat", GIT_PAGER="cat", SYSTEMD_PAGER="",
               SYSTEMD_COLORS="0", NO_COLOR="1", TERM="dumb", COLUMNS="160", MANWIDTH="160", MAN_KEEP_FORMATTING="",
               GROFF_NO_SGR="1", PYTHONIOENCODING="utf-8", GIT_TERMINAL_PROMPT="0", DEBIAN_FRONTEND="noninteractive",
               # no update checks or usage reports from tools that phone home
               NO_UPDATE_NOTIFIER="1", npm_config_update_notifier="false", PIP_DISABLE_PIP_VERSION_CHECK="1",
               CLOUDSDK_CORE_DISABLE_PROMPTS="1", CLOUDSDK_CORE_DISABLE_USAGE_REPORTING="1",
               DOTNET_CLI_TELEMETRY_OPTOUT="1", HOMEBREW_NO_AUTO_UPDATE="1", DO_NOT_TRACK="1")
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    return env


def clean(text: str) -> str:
    """Text without terminal escapes, overstrike bold/underline, or carriage returns."""
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    if "\x08" in text:
        text = _OVERSTRIKE.sub("", text)
    return text.replace("\r", "").replace("\u2010", "-").replace("\u2212", "-").replace("\u2011", "-")


def run(argv: list[str], *, timeout: float = HELP_TIMEOUT_S, label: str | None = None) -> tuple[int, str]:
    """(exit code, stdout + stderr as text) of ``argv``, run without input, terminal or pager; (-1, "") on any
    failure to start or a timeout."""
    return finish(start(argv, label=label), timeout)


def start(argv: list[str], *, label: str | None = None) -> subprocess.Popen[bytes] | None:
    """A started :func:`run` (to run two at once); finish it with :func:`finish`."""
    RUNS[label or argv[0]] += 1
    try:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                env=quiet_env(), start_new_session=True, cwd=tempfile.gettempdir())
    except OSError:
        return None


def finish(proc: subprocess.Popen[bytes] | None, timeout: float = HELP_TIMEOUT_S) -> tuple[int, str]:
    if proc is None:
        return -1, ""
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.communicate()
        return -1, ""
    return proc.returncode, clean(out.decode("utf-8", "replace"))


# --- programs ---------------------------------------------------------------------------------------------------

def path_dirs() -> list[str]:
    seen: list[str] = []
    for d in os.environ.get("PATH", "").split(os.pathsep):
        if d and d not in seen and os.path.isdir(d):
            seen.append(d)
    return seen


def path_signature() -> list[Any]:
    """PATH's folders with their modification times: changes when a program is installed or removed."""
    out: list[Any] = []
    for d in path_dirs():
        try:
            out.append([d, os.stat(d).st_mtime_ns])
        except OSError:
            pass
    return out


@lru_cache(maxsize=4)
def _path_programs(signature: str) -> frozenset[str]:
    names: set[str] = set()
    for d, _ in json.loads(signature):
        try:
            with os.scandir(d) as it:
                for entry in it:
                    if not entry.name.startswith("."):
                        names.add(entry.name)
        except OSError:
            pass
    return frozenset(names)


def path_programs() -> frozenset[str]:
    """Names in PATH's folders (what a command can start by name)."""
    return _path_programs(json.dumps(path_signature()))


def which(name: str) -> str | None:
    """``name`` on PATH, searched in PATH's absolute folders only: an empty or relative entry (``.``) would
    resolve against the folder help is run from, not the one the command was written for."""
    folders = [d for d in os.environ.get("PATH", os.defpath).split(os.pathsep) if os.path.isabs(d)]
    return shutil.which(name, path=os.pathsep.join(folders)) if "/" not in name else None


def bash_path() -> str | None:
    return shutil.which("bash")


def file_key(path: str | None) -> list[Any]:
    """[real path, mtime, size] of a file: what a cached parse of its output is keyed by."""
    if not path:
        return [None]
    try:
        real = os.path.realpath(path)
        st = os.stat(real)
        return [real, st.st_mtime_ns, st.st_size]
    except OSError:
        return [path]


@lru_cache(maxsize=1)
def _builtins_for(key: str) -> dict[str, str]:
    bash = bash_path()
    if not bash:
        return {}
    code, out = run([bash, "--norc", "--noprofile", "-c", "help -d $(compgen -b) time"], label="bash help -d")
    table: dict[str, str] = {}
    if code == 0:
        for line in out.splitlines():
            name, sep, desc = line.partition(" - ")
            if sep and name.strip() and " " not in name.strip():
                table[name.strip()] = desc.strip()
    return table


def builtins() -> dict[str, str]:
    """bash builtins (and ``time``) -> their one-line description from ``help -d``."""
    return _builtins_for(json.dumps(file_key(bash_path())))


def cache_dir() -> Path:
    """``<devgpt cache>/docs``: the program index and the parsed help texts."""
    from ..settings import cache_root

    return cache_root() / "docs"


def digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:24]


def read_json(path: Path) -> Any | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_json(path: Path, value: Any) -> None:
    """Written to a temporary file and renamed, so a reader never sees half a file; failures are ignored
    (the cache is an optimisation)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(value, fh, separators=(",", ":"))
        os.replace(tmp, path)
    except OSError:
        pass


@lru_cache(maxsize=1)
def man_available() -> bool:
    return shutil.which("man") is not None


@lru_cache(maxsize=1)
def _catpaths() -> tuple[str, ...]:
    if shutil.which("manpath"):
        code, text = run(["manpath", "-c"], timeout=3, label="manpath")
        if code == 0:
            found = tuple(p for p in text.strip().split(":") if p)
            if found:
                return found
    return ("/var/cache/man",)


def man_db_signature() -> list[Any]:
    """The whatis databases' modification times (man-db's ``index.db`` files under ``manpath -c``, asked once
    per process)."""
    out: list[Any] = []
    for d in _catpaths():
        for name in ("index.db", "index.bt", "whatis"):
            p = os.path.join(d, name)
            try:
                out.append([p, os.stat(p).st_mtime_ns])
            except OSError:
                pass
    return out
