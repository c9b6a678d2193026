"""Helpers the tests share, in a module of their own: a test that imports them from ``conftest`` could get
``notebooks/conftest.py`` instead, since pytest loads every conftest under the one module name."""

from __future__ import annotations

import socket
import subprocess
import tempfile
from pathlib import Path

from devgpt_magic.models.base import Finish, Provider
from devgpt_magic.models.providers import key_variables

KEY_VARS = (*key_variables(), "DEVGPT_MODEL", "DEVGPT_LOCAL_MODEL", "DEVGPT_LOCAL_BACKEND", "DEVGPT_LLAMA_REPACK",
            "DEVGPT_OPENAI_BASE_URL", "DEVGPT_GEMINI_BASE_URL", "DEVGPT_ANTHROPIC_BASE_URL", "DEVGPT_HF_BASE_URL",
            "DEVGPT_SEND_OPENAI_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL")


_SERVICE_DIRS: list[Path] = []


def new_service_dir() -> Path:
    """A runtime folder for a service of this test run (short: Unix socket paths are limited)."""
    folder = Path(tempfile.mkdtemp(prefix="dg-svc-"))
    _SERVICE_DIRS.append(folder)
    return folder


def stray_services() -> list[str]:
    """Service processes of this run's runtime folders that are still alive (other runs' are not ours)."""
    out = subprocess.run(["pgrep", "-af", "devgpt_magic.service"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if any(f"--runtime-dir {folder} " in line for folder in _SERVICE_DIRS)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen, log) -> None:  # noqa: ANN001 - the server's log file
    """End a server a fixture started, and close its log."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


class Scripted(Provider):
    """A provider that answers from ``answers``, one per call, and remembers each prompt in ``asked``: for tests of
    the engine's own sequence of calls (candidates, explain-after), where what a model would say is not the point."""

    answers: list[str] = []
    asked: list = []

    def generate(self, prompt, *, max_tokens, temperature, stream):  # noqa: ANN001, ANN201
        type(self).asked.append(prompt)
        yield type(self).answers.pop(0)
        yield Finish("stop", 100, 10)


def explaining_after(monkeypatch=None, name: str = "smollm2") -> None:  # noqa: ANN001 - pytest's monkeypatch
    """Give a registry model the explain-after technique (the local presets have it on; a cloud model asks in
    one call), so that a front end's handling of it runs in the suite. Without ``monkeypatch`` (a Jupyter server's config file) for the process's
    whole life."""
    from devgpt_magic.models import registry

    spec = registry._BY_NAME[name]  # not resolve(): it may hand out a copy (with a base URL)
    patched = spec.model_copy(update={"techniques": spec.techniques.model_copy(update={"explain_after": True})})
    for key, value in list(registry._BY_NAME.items()):
        if value is spec:
            if monkeypatch is None:
                registry._BY_NAME[key] = patched
            else:
                monkeypatch.setitem(registry._BY_NAME, key, patched)
