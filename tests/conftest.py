from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fake_vendor import FakeVendor

sys.path.insert(0, str(Path(__file__).parent))

from support import KEY_VARS, free_port, new_service_dir, stop, stray_services  # noqa: E402,F401 - shared helpers


@pytest.fixture(scope="session")
def service_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One local model service for the whole run (a short path: Unix socket paths are limited), stopped at
    the end; the run fails if any service process is left behind."""
    folder = new_service_dir()
    yield folder
    from devgpt_magic.service.client import ServiceClient
    from devgpt_magic.service.runtime import RuntimeFiles

    ServiceClient(RuntimeFiles(folder)).stop()
    deadline = time.time() + 15
    while time.time() < deadline and stray_services():
        time.sleep(0.2)
    assert not stray_services(), f"local model service processes left running: {stray_services()}"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, service_dir: Path) -> None:
    """Each test starts with no keys and no model configuration, and never touches the network."""
    for var in KEY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DEVGPT_RUNTIME_DIR", str(service_dir))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("DEVGPT_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("DEVGPT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DEVGPT_MAX_RETRIES", "2")


@pytest.fixture(scope="session")
def vendor() -> FakeVendor:
    with FakeVendor() as server:
        yield server


@pytest.fixture(scope="session")
def smollm2_path() -> Path:
    from devgpt_magic.models.local_files import gguf_path
    from devgpt_magic.models.registry import resolve

    return gguf_path(resolve("smollm2"))


@pytest.fixture(scope="session")
def llama_server(smollm2_path: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A real OpenAI-compatible server (llama-cpp-python's) on loopback, serving the tiny model."""
    port = free_port()
    log = open(tmp_path_factory.mktemp("llama_server") / "server.log", "w+")  # a pipe would fill and block it
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_path), "--model_alias", "smollm2",
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096"],
        stdout=log, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"llama_cpp.server exited: {log.read()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("llama_cpp.server did not start in 120 s")
    yield url
    stop(proc, log)


@pytest.fixture
def fake_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = "sk-test-" + "Zq7" * 12
    return key
