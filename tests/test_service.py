"""The local model service: AMX-safe loading, isolation from crashes, sharing, privacy, cancellation, idling.

The real SmolLM2 model runs in a real service process on a real Unix socket. Crashes are real signals
(SIGSEGV, SIGKILL) sent to the service while it generates.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devgpt_magic.chat import ChatSession
from devgpt_magic.engine import Engine
from devgpt_magic.errors import ConfigError, ProviderError
from devgpt_magic.service import cpu
from devgpt_magic.service.client import ServiceClient
from devgpt_magic.service.runtime import RuntimeFiles, pid_alive

# Recorded `llama_cpp.llama_print_system_info()` strings and /proc/cpuinfo flag lines.
SAPPHIRE_RAPIDS = ("CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX_VNNI = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | "
                   "AVX512 = 1 | AVX512_VBMI = 1 | AVX512_VNNI = 1 | AVX512_BF16 = 1 | AMX_INT8 = 1 | LLAMAFILE = 1 | "
                   "OPENMP = 1 | REPACK = 1 | ")
AVX2_ONLY_BUILD = ("CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | LLAMAFILE = 1 | "
                   "OPENMP = 1 | REPACK = 1 | ")
EPYC_FLAGS = "flags\t\t: fpu vme de pse sse sse2 ssse3 fma avx avx2 f16c bmi2 sha_ni vaes vpclmulqdq\n"
SPR_FLAGS = ("flags\t\t: fpu sse sse2 avx avx2 avx512f avx512bw avx512_vnni avx512_bf16 amx_bf16 amx_tile amx_int8 "
             "avx_vnni\n")


# --- detection, on recorded strings ---------------------------------------------------------------------------

def test_amx_build_is_detected_and_loads_without_repacking(monkeypatch):
    monkeypatch.delenv("DEVGPT_LLAMA_REPACK", raising=False)
    report = cpu.report(SAPPHIRE_RAPIDS, SPR_FLAGS)
    assert report.amx and report.build["AVX512"] and "AMX_INT8" in report.summary
    assert cpu.use_repack(report) is False


def test_amx_hardware_alone_is_enough(monkeypatch):
    """An AVX2-only build on an AMX CPU does not use AMX, but the detection errs on the safe side."""
    monkeypatch.delenv("DEVGPT_LLAMA_REPACK", raising=False)
    assert cpu.report(AVX2_ONLY_BUILD, SPR_FLAGS).amx
    assert cpu.use_repack(cpu.report(AVX2_ONLY_BUILD, SPR_FLAGS)) is False


def test_machines_without_amx_keep_repacking(monkeypatch):
    monkeypatch.delenv("DEVGPT_LLAMA_REPACK", raising=False)
    report = cpu.report(AVX2_ONLY_BUILD, EPYC_FLAGS)
    assert not report.amx and cpu.use_repack(report) is True
    assert cpu.report(AVX2_ONLY_BUILD, "").flags == frozenset()  # no /proc/cpuinfo (macOS)


def test_this_machine_is_reported():
    here = cpu.report()
    assert here.build, "llama_print_system_info() gave no features"
    assert here.amx == (bool(here.build.get("AMX_INT8")) or "amx_tile" in cpu.cpu_flags())


@pytest.mark.parametrize("setting,amx,expected", [("on", True, True), ("off", False, False), ("auto", True, False),
                                                  ("auto", False, True)])
def test_repack_setting_forces_either_way(monkeypatch, setting, amx, expected):
    monkeypatch.setenv("DEVGPT_LLAMA_REPACK", setting)
    report = cpu.report(SAPPHIRE_RAPIDS if amx else AVX2_ONLY_BUILD, SPR_FLAGS if amx else EPYC_FLAGS)
    assert cpu.use_repack(report) is expected


def test_bad_repack_setting_is_one_line(monkeypatch):
    monkeypatch.setenv("DEVGPT_LLAMA_REPACK", "sometimes")
    with pytest.raises(ConfigError, match="auto, on or off"):
        cpu.repack_setting()


def test_loading_without_repacking_really_sets_the_model_parameter(smollm2_path):
    from devgpt_magic.service.loading import load_llama

    off = load_llama(smollm2_path, n_ctx=512, repack="off")
    on = load_llama(smollm2_path, n_ctx=512, repack="on")
    try:
        assert off.model_params.use_extra_bufts is False and on.model_params.use_extra_bufts is True
        out = off.create_completion("The capital of France is", max_tokens=4, temperature=0)
        assert out["usage"]["completion_tokens"] >= 1
        import llama_cpp.llama_cpp as capi

        assert capi.llama_model_default_params().use_extra_bufts is True  # the patch did not leak
    finally:
        off.close()
        on.close()


# --- a service of its own for the tests that kill or idle it ----------------------------------------------------

@pytest.fixture
def own_service(monkeypatch):
    """A separate runtime folder, so killing this service leaves the session's one alone."""
    from support import new_service_dir

    folder = new_service_dir()
    monkeypatch.setenv("DEVGPT_RUNTIME_DIR", str(folder))
    client = ServiceClient(RuntimeFiles(folder))
    yield client
    client.stop()
    info = client.files.read_info()
    if info and pid_alive(info["pid"]):
        os.kill(info["pid"], signal.SIGKILL)


def _service_pid(client: ServiceClient) -> int:
    return int(client.status()["pid"])


def _start_long_chat(engine: Engine, session: ChatSession):
    stream = engine.chat(session, "Write a very long poem about the shell, at least forty lines.")
    first = next(stream)
    assert isinstance(first, str)
    return stream


@pytest.mark.parametrize("sig", [signal.SIGSEGV, signal.SIGKILL])
def test_service_killed_mid_generation_costs_one_request(own_service, sig):
    engine = Engine()
    session = ChatSession()
    engine.chat_text(session, "Say hi.")
    history = list(session.messages)
    totals = engine.usage_totals()
    stream = _start_long_chat(engine, session)
    pid = _service_pid(own_service)
    os.kill(pid, sig)
    with pytest.raises(ProviderError) as info:
        for _ in stream:
            pass
    message = str(info.value)
    assert sig.name in message and "\n" not in message and "next request" in message
    assert session.messages == history and engine.usage_totals() == totals
    # the caller lives on, and the next request starts a fresh service
    reply = engine.chat_text(session, "Say bye.")
    assert reply.text and len(session.messages) == len(history) + 2
    assert _service_pid(own_service) != pid


def test_a_native_crash_makes_the_next_service_load_without_repacking(own_service, monkeypatch):
    monkeypatch.setenv("DEVGPT_LLAMA_REPACK", "auto")
    engine = Engine()
    engine.suggest("list files", mode="fast", use_cache=False)
    assert own_service.status()["repack"] is True  # no AMX here: repacking on
    stream = _start_long_chat(engine, ChatSession())
    os.kill(_service_pid(own_service), signal.SIGSEGV)
    with pytest.raises(ProviderError, match="without weight repacking"):
        list(stream)
    engine.suggest("list files", mode="fast", use_cache=False)
    assert own_service.status()["repack"] is False


def test_ctrl_c_stops_the_generation_not_the_service(own_service):
    engine = Engine()
    session = ChatSession()
    stream = _start_long_chat(engine, session)
    pid = _service_pid(own_service)
    with pytest.raises(KeyboardInterrupt):
        stream.throw(KeyboardInterrupt)
    deadline = time.time() + 10
    while time.time() < deadline and own_service.status()["generating"]:
        time.sleep(0.05)
    status = own_service.status()
    assert status["pid"] == pid and status["generating"] == 0
    assert session.messages == []
    assert engine.suggest("print the date", mode="fast", use_cache=False).model == "smollm2-135m"


@pytest.mark.parametrize("policy", [None, "ACTIVE"])
def test_the_service_gets_no_credentials_and_threads_that_sleep(own_service, monkeypatch, policy):
    """The service never sees a key; its OpenMP threads sleep while they wait (a spinning thread beside one busy
    core made a request several times slower: README, Performance) unless the user chose otherwise."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-" + "K" * 40)
    monkeypatch.setenv("BUILD_SECRET", "do-not-pass-this-on")
    if policy:
        monkeypatch.setenv("OMP_WAIT_POLICY", policy)
    else:
        monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    own_service.ensure()
    pids = [int(own_service.status()["pid"])]
    pids += [int(p) for p in open(f"/proc/{pids[0]}/stat").read().split()[3:4]]  # and its supervisor
    for pid in pids:
        env = dict(item.split("=", 1) for item in open(f"/proc/{pid}/environ").read().split("\0") if "=" in item)
        assert "OPENAI_API_KEY" not in env and "BUILD_SECRET" not in env
        assert env["OMP_WAIT_POLICY"] == (policy or "PASSIVE")


def test_idle_service_exits_by_itself(own_service, monkeypatch):
    monkeypatch.setenv("DEVGPT_SERVICE_IDLE", "5")
    Engine().suggest("print the date", mode="fast", use_cache=False)
    pid = _service_pid(own_service)
    assert own_service.status()["idle_timeout_s"] == 5
    deadline = time.time() + 30
    while time.time() < deadline and pid_alive(pid):
        time.sleep(0.2)
    assert not pid_alive(pid)
    assert not own_service.files.socket.exists() and not own_service.files.token_file.exists()


def test_stop_and_status(own_service):
    assert own_service.status() is None  # nothing runs until a request needs it
    Engine().suggest("show free memory", mode="fast", use_cache=False)
    status = own_service.status()
    assert status["requests_served"] >= 1 and status["rss_bytes"] > 50_000_000
    assert [Path(m["path"]).name for m in status["models"]] == ["SmolLM2-135M-Instruct.Q4_1.gguf"]
    stopped = own_service.stop()
    assert stopped["pid"] == status["pid"] and not pid_alive(status["pid"])
    assert own_service.status() is None


# --- privacy ---------------------------------------------------------------------------------------------------

def test_only_its_user_can_reach_the_service(own_service):
    Engine().suggest("print my username", mode="fast", use_cache=False)
    files = own_service.files
    assert oct(files.folder.stat().st_mode & 0o777) == "0o700"
    for path in (files.socket, files.token_file, files.info_file):
        assert oct(path.stat().st_mode & 0o777) == "0o600", path
    # the right socket but no token: refused
    conn = socket.socket(socket.AF_UNIX)
    conn.connect(str(files.socket))
    conn.sendall(b"GET /devgpt/status HTTP/1.1\r\nHost: x\r\n\r\n")
    assert b" 401 " in conn.recv(4096).split(b"\r\n")[0] + b" "
    conn.close()


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs root to act as another user")
def test_another_local_user_gets_nothing(own_service):
    Engine().suggest("print my username", mode="fast", use_cache=False)
    probe = ("import socket, sys\n"
             "try:\n"
             f"    s = socket.socket(socket.AF_UNIX); s.connect({str(own_service.files.socket)!r}); print('connected')\n"
             "except OSError as e: print(type(e).__name__)\n"
             "try:\n"
             f"    open({str(own_service.files.token_file)!r}).read(); print('read token')\n"
             "except OSError as e: print(type(e).__name__)\n")
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    out = subprocess.run([python, "-c", probe], capture_output=True, text=True, user=65534, group=65534,
                         cwd="/")
    assert out.stdout.split() == ["PermissionError", "PermissionError"], out


def test_a_folder_of_another_user_is_refused(tmp_path, monkeypatch):
    if not hasattr(os, "getuid") or os.getuid() != 0:
        pytest.skip("needs root to create a folder owned by another user")
    folder = tmp_path / "theirs"
    folder.mkdir(mode=0o700)
    os.chown(folder, 65534, 65534)
    monkeypatch.setenv("DEVGPT_RUNTIME_DIR", str(folder))
    with pytest.raises(ConfigError, match="belongs to another user"):
        RuntimeFiles.current()


# --- sharing and warmth -------------------------------------------------------------------------------------------

def test_processes_share_one_service_and_one_model(own_service, tmp_path):
    script = ("from devgpt_magic.engine import Engine\n"
              "s = Engine().suggest('list python files', mode='fast', use_cache=False)\n"
              "print(s.model)\n")
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
        assert out.stdout.strip() == "smollm2-135m", out.stderr[-2000:]
    status = own_service.status()
    assert len(status["models"]) == 1 and status["models"][0]["requests"] == 2 and status["requests_served"] == 2


def test_a_restored_snapshot_gives_the_same_next_token_logits(smollm2_path):
    """Restoring a prefix snapshot and evaluating the rest equals evaluating the whole prompt afresh.
    (Greedy answers cannot be compared across runs: llama.cpp itself is not bit-reproducible from run to run.)"""
    import numpy as np

    from devgpt_magic.prompts import PromptBuilder
    from devgpt_magic.service.loading import load_llama
    from devgpt_magic.service.snapshots import _capture, _restore

    llm = load_llama(smollm2_path, n_ctx=2048)
    try:
        def tokens(request: str, mode: str) -> list[int]:
            text = "".join(m.content for m in PromptBuilder().command(request, mode=mode).messages)
            return llm.tokenize(text.encode(), add_bos=True, special=True)

        def logits() -> np.ndarray:
            return np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),)).copy()

        fast, other = tokens("list files", "fast"), tokens("count lines", "regular")
        prefix = 300
        llm.reset()
        llm.eval(fast)
        fresh = logits()
        snapshot = _capture(llm, prefix)
        assert len(snapshot.tokens) == prefix and llm.n_tokens == prefix
        llm.reset()
        llm._ctx.kv_cache_clear()
        llm.eval(other)  # something else fills the cache
        assert _restore(llm, snapshot) and llm.n_tokens == prefix
        llm.eval(fast[prefix:])
        restored = logits()
        assert int(np.argmax(restored)) == int(np.argmax(fresh))
        assert np.max(np.abs(restored - fresh)) < 0.05 * np.max(np.abs(fresh))
    finally:
        llm.close()


def test_snapshots_keep_two_prompt_families_warm_across_restarts(smollm2_path, tmp_path):
    """Alternating fast and regular prompts: each family's prefix is saved before another family overwrites
    it and restored when the family comes back; a host that starts later reads them from the cache folder."""
    import threading

    from devgpt_magic.models.grammar import grammar_text
    from devgpt_magic.prompts import PromptBuilder
    from devgpt_magic.service.host import ModelHost

    builder = PromptBuilder()

    def ask(host: ModelHost, request: str, mode: str) -> str:
        prompt = builder.command(request, mode=mode)
        body = {"model": str(smollm2_path), "n_ctx": 4096, "messages": [m.model_dump() for m in prompt.messages],
                "max_tokens": 40, "temperature": 0.0, "grammar": grammar_text(mode), "repeat_penalty": 1.1}
        chunks = list(host.generate("chat", body, threading.Event()))
        assert chunks[-1]["usage"]["prompt_tokens"] > 300
        return "".join((c["choices"][0].get("delta") or {}).get("content") or "" for c in chunks if c["choices"])

    host = ModelHost(cpu.report(), cache_root=tmp_path)
    for request, mode in [("list files", "fast"), ("show the date", "fast"), ("count lines in a.txt", "regular"),
                          ("print the current folder", "regular"), ("show free memory", "fast")]:
        assert ask(host, request, mode).startswith("{")
    snapshots = host.models[(str(smollm2_path), 4096)].llm.snapshots
    assert snapshots.saved == 2 and snapshots.restored == 1  # fast saved, regular saved, fast restored
    host.close()  # writes the snapshots to the cache folder
    assert len(list((tmp_path / "states").glob("*/*.state"))) == 2
    reloaded = ModelHost(cpu.report(), cache_root=tmp_path)
    ask(reloaded, "print my user", "regular")
    assert reloaded.models[(str(smollm2_path), 4096)].llm.snapshots.restored == 1  # warm from its first request
    reloaded.close()


def test_cancel_stops_a_request_still_evaluating_its_prompt(own_service):
    """A browser tab closed during prompt evaluation (no token generated yet) still ends the request."""
    import threading

    from devgpt_magic.errors import CancelledError

    engine = Engine()
    engine.suggest("print the date", mode="fast", use_cache=False)  # the service is up, the model loaded
    cancel = threading.Event()
    outcome: list[BaseException] = []

    def ask() -> None:
        try:
            engine.suggest("show the disk usage of every folder here " * 40, mode="regular", use_cache=False,
                           cancel=cancel)
        except BaseException as exc:  # noqa: BLE001 - recorded for the assertion
            outcome.append(exc)

    worker = threading.Thread(target=ask)
    worker.start()
    deadline = time.time() + 60
    while time.time() < deadline and not own_service.status()["generating"]:
        time.sleep(0.02)
    cancel.set()
    worker.join(120)
    assert outcome and isinstance(outcome[0], CancelledError)
    while time.time() < deadline and own_service.status()["generating"]:
        time.sleep(0.05)
    assert own_service.status()["generating"] == 0
    # the aborted evaluation left the model usable
    again = engine.suggest("show the disk usage of every folder here", mode="regular", use_cache=False)
    assert again.commands or again.is_invalid


def test_a_socket_served_by_another_user_gets_nothing():
    """The client reads the peer's uid (SO_PEERCRED) before it sends the token: a socket served by anyone but
    this user is refused with one line. A real socket pair; another uid is what the check is told to expect."""
    from devgpt_magic.service.client import check_peer

    if not hasattr(socket, "SO_PEERCRED"):
        pytest.skip("SO_PEERCRED is Linux-only")
    ours, theirs = socket.socketpair(socket.AF_UNIX)
    try:
        check_peer(ours, "/run/x.sock")  # our own uid: fine
        with pytest.raises(ProviderError, match=r"served by another user \(uid %d" % os.getuid()) as refused:
            check_peer(ours, "/run/x.sock", expected_uid=os.getuid() + 4242)
        assert "\n" not in str(refused.value) and "DEVGPT_RUNTIME_DIR" in str(refused.value)
    finally:
        ours.close()
        theirs.close()
