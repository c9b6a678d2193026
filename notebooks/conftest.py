"""The notebooks run (nbval) in kernels that inherit this process's environment when they start.

They use the real default model on purpose (what a user's first notebook gets), but the local model service
they start gets a runtime folder of its own, stopped when the test run ends: otherwise a service started by
the suite would stay after it, holding the model in memory for its idle time (15 minutes). The cache and the
models folder are empty ones of their own too: a first notebook has no pulled model (a Qwen model pulled on
the developer's machine would otherwise become the default) and nothing cached in the user's folders.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_RUNTIME = Path(tempfile.mkdtemp(prefix="dg-nb-"))
os.environ["DEVGPT_RUNTIME_DIR"] = str(_RUNTIME)
os.environ["DEVGPT_CACHE_DIR"] = str(_RUNTIME / "cache")
os.environ["DEVGPT_MODELS_DIR"] = str(_RUNTIME / "models")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from devgpt_magic.service.client import ServiceClient
    from devgpt_magic.service.runtime import RuntimeFiles

    ServiceClient(RuntimeFiles(_RUNTIME)).stop()
    shutil.rmtree(_RUNTIME, ignore_errors=True)
