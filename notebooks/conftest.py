"""The notebooks run (nbval) in kernels that inherit this process's environment when they start.

They use the real default model on purpose (what a user's first notebook gets), but the local model service
they start gets a runtime folder of its own, stopped when the test run ends: otherwise a service started by
the suite would stay after it, holding the model in memory for its idle time (15 minutes).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_RUNTIME = Path(tempfile.mkdtemp(prefix="dg-nb-"))
os.environ["DEVGPT_RUNTIME_DIR"] = str(_RUNTIME)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from devgpt_magic.service.client import ServiceClient
    from devgpt_magic.service.runtime import RuntimeFiles

    ServiceClient(RuntimeFiles(_RUNTIME)).stop()
    shutil.rmtree(_RUNTIME, ignore_errors=True)
