"""``devgpt doctor`` / ``%devgpt doctor``: one screen saying what works here and what to do about what does not.

Each check is a line: ok, a warning (something optional is missing) or a problem (something the user asked
for cannot work, e.g. the configured model needs a key that is not set). Only problems make the command exit
non-zero. Key values are never shown, only whether each variable is set.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Status = Literal["ok", "warning", "problem"]
_MARK = {"ok": "ok  ", "warning": "warn", "problem": "FAIL"}


@dataclass(frozen=True)
class Check:
    topic: str
    status: Status
    detail: str
    fix: str = ""


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _model_checks() -> list[Check]:
    from .errors import DevGPTError
    from .models.local_files import is_available, models_dir
    from .models.pull import human_size
    from .models.registry import all_models, recommended_local, resolve

    out = []
    try:
        spec = resolve(None)
    except DevGPTError as exc:
        return [Check("default model", "problem", str(exc), "fix DEVGPT_MODEL / DEVGPT_LOCAL_MODEL")]
    where = "from DEVGPT_MODEL" if os.environ.get("DEVGPT_MODEL") else (
        "from DEVGPT_LOCAL_MODEL" if os.environ.get("DEVGPT_LOCAL_MODEL") else "the best local model on disk")
    if spec.is_local and not is_available(spec):
        out.append(Check("default model", "problem", f"{spec.name} ({where}) is not on this machine",
                         f"devgpt models pull {spec.name}" if spec.repo_id else "point DEVGPT_LOCAL_MODEL at a .gguf file"))
    elif spec.needs_key and not spec.key_present():
        out.append(Check("default model", "problem", f"{spec.name} ({where}) needs {spec.key_env[0]}, which is not set",
                         f"export {spec.key_env[0]}=... before starting Jupyter or the shell"))
    else:
        out.append(Check("default model", "ok", f"{spec.name} ({where})"))
    present = [s for s in all_models() if s.is_local and is_available(s)]
    sizes = ", ".join(f"{s.name} {human_size(_file_size(s))}" for s in present)
    out.append(Check("local models", "ok", f"{sizes or 'none'} (models folder {models_dir()})"))
    best = recommended_local()
    if best not in present:
        out.append(Check("useful local model", "warning",
                         f"{best.name} ({human_size(best.size)}, {best.accuracy:.2f} on NL2SH-ALFA) is not downloaded; "
                         f"the bundled SmolLM2 is tiny and often wrong", f"devgpt models pull {best.name}"))
    return out


def _file_size(spec) -> int | None:  # noqa: ANN001 - a ModelSpec
    from .models.local_files import gguf_path

    try:
        return gguf_path(spec, download=False).stat().st_size
    except Exception:  # noqa: BLE001 - only for display
        return None


def _llama_checks() -> list[Check]:
    version = _version("llama-cpp-python")
    if version is None:
        return [Check("llama-cpp-python", "problem", "not installed: local models cannot run",
                      "pip install llama-cpp-python")]
    from .service import cpu

    report = cpu.report()
    repack = cpu.use_repack(report)
    amx = (" AMX CPU: weight repacking is off, because llama.cpp's AMX path crashes (llama.cpp #20824); "
           "DEVGPT_LLAMA_REPACK=on|off forces it" if report.amx else "")
    return [Check("llama-cpp-python", "ok", f"{version}; {report.summary}; repacking {'on' if repack else 'off'}.{amx}")]


def _service_check() -> Check:
    from .render import service_text
    from .service.client import ServiceClient

    try:
        status = ServiceClient().status()
    except Exception as exc:  # noqa: BLE001 - the runtime folder itself may be the problem
        return Check("local model service", "problem", str(exc), "see DEVGPT_RUNTIME_DIR")
    return Check("local model service", "ok", service_text(status).splitlines()[0])


def _key_check() -> Check:
    from .models.providers import key_variables

    present = [name for name in key_variables() if os.environ.get(name)]
    return Check("API keys", "ok", f"set: {', '.join(present)}" if present else
                 "none set (cloud models need one; local models do not)")


def _sandbox_check() -> Check:
    """Installed is not enough: where unprivileged user namespaces are off, bubblewrap cannot start a sandbox."""
    from .sandbox import INSTALL_HINT, availability

    got = availability()
    if got.ok:
        return Check("bubblewrap", "ok", f"{shutil.which('bwrap')}: previews, the evaluation and the local models' "
                                         "candidate checks can sandbox commands")
    off = ("previews, the evaluation's scoring and the local models' candidates are off (one answer instead of the "
           "best of several)")
    if shutil.which("bwrap") is None:
        return Check("bubblewrap", "warning", f"not found: {off}", INSTALL_HINT)
    return Check("bubblewrap", "warning", f"cannot start a sandbox here: {off}", got.reason)


def _jupyter_checks() -> list[Check]:
    out = []
    lab = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "devgpt-magic" / "package.json"
    bundled = Path(__file__).parent / "labextension" / "package.json"
    if lab.is_file() or bundled.is_file():
        out.append(Check("JupyterLab side panel", "ok", f"prebuilt panel in {lab.parent if lab.is_file() else bundled.parent}"))
    else:
        out.append(Check("JupyterLab side panel", "warning", "the prebuilt panel is missing", "pip install --force-reinstall devgpt-magic"))
    config = Path(sys.prefix) / "etc" / "jupyter" / "jupyter_server_config.d" / "devgpt_magic.json"
    try:
        enabled = json.loads(config.read_text())["ServerApp"]["jpserver_extensions"]["devgpt_magic"] is True
    except (OSError, ValueError, KeyError, TypeError):
        enabled = False
    if enabled:
        out.append(Check("server extension", "ok", f"enabled by {config}"))
    else:
        out.append(Check("server extension", "warning", "not enabled by an installed config file",
                         "jupyter server extension enable devgpt_magic"))
    return out


def _cache_check() -> Check:
    from .cache import ResponseCache
    from .errors import DevGPTError

    try:
        return Check("response cache", "ok", str(ResponseCache().info()))
    except DevGPTError as exc:
        return Check("response cache", "problem", str(exc), "fix DEVGPT_CACHE_DIR / DEVGPT_CACHE_MAX_MB")


def run_checks() -> list[Check]:
    checks = [Check("devgpt-magic", "ok", f"{_version('devgpt-magic') or 'source checkout'}, Python "
                                          f"{sys.version.split()[0]}")]
    checks += _llama_checks()
    checks += _model_checks()
    checks.append(_service_check())
    checks.append(_key_check())
    checks.append(_sandbox_check())
    checks += _jupyter_checks()
    checks.append(_cache_check())
    return checks


def report_text(checks: list[Check]) -> str:
    width = max(len(c.topic) for c in checks)
    lines = []
    for check in checks:
        lines.append(f"[{_MARK[check.status]}] {check.topic:<{width}}  {check.detail}")
        if check.fix and check.status != "ok":
            lines.append(f"       {'':<{width}}  -> {check.fix}")
    problems = sum(c.status == "problem" for c in checks)
    lines.append("Everything you asked for can work here." if not problems else
                 f"{problems} problem{'s' if problems > 1 else ''}: see the lines marked FAIL.")
    return "\n".join(lines)


def exit_code(checks: list[Check]) -> int:
    return 1 if any(c.status == "problem" for c in checks) else 0


