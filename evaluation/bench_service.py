"""Benchmarks of the local model service: what a new terminal process pays, memory shared by many front
ends, and what weight repacking is worth on this CPU.

Each figure runs against a service of its own (a fresh runtime folder), stopped afterwards, so one
benchmark's warm state never flatters another's.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from devgpt_magic.service.client import ServiceClient
from devgpt_magic.service.runtime import RuntimeFiles

CLI_REQUESTS = ["list all files in this folder including hidden ones", "show the disk usage of each folder here",
                "count the lines of every python file below src", "print the current git branch",
                "show the last 20 lines of server.log", "find files changed in the last day",
                "compress the docs folder into docs.tgz", "show which process listens on port 8080"]


@contextlib.contextmanager
def fresh_service() -> Iterator[dict[str, str]]:
    """Environment for processes that should share one new service; the service is stopped at the end."""
    folder = Path(tempfile.mkdtemp(prefix="dg-bench-"))
    cache = Path(tempfile.mkdtemp(prefix="dg-bench-cache-"))
    env = {**os.environ, "DEVGPT_RUNTIME_DIR": str(folder), "DEVGPT_CACHE_DIR": str(cache)}
    # a pip-installed package runs from compiled bytecode; a sandbox that sets this would charge every new
    # process for compiling the package's modules again (about 0.3 s measured here)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    try:
        yield env
    finally:
        ServiceClient(RuntimeFiles(folder)).stop()


def _devgpt_cmd(model: str, request: str, mode: str, env: dict[str, str]) -> tuple[float, dict[str, Any]]:
    argv = [sys.executable, "-m", "devgpt_magic.cli", "cmd", "--json", "--no-cache", "--model", model]
    if mode == "fast":
        argv.append("--fast")
    start = time.perf_counter()
    out = subprocess.run([*argv, request], capture_output=True, text=True, env=env, timeout=900)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(f"devgpt cmd failed: {out.stderr.strip()[-500:]}")
    return wall, json.loads(out.stdout)


def cli_latency(model: str, mode: str, raw_tok_s: float, runs: int = 5,
                service_tok_s: float | None = None) -> dict[str, Any]:
    """``devgpt cmd`` as new processes: the first one starts the service, loads the model and evaluates the
    prompt prefix; the next ones find all of that ready. Overhead = wall time minus the time the model
    needs to generate the reply's tokens at its raw speed (completion tokens / raw tokens per second: the
    speed of llama-cpp-python's own grammar chain), and again at the service's own generation speed, which
    leaves only what a new process pays besides generating (start-up, the request's own prompt tokens)."""
    with fresh_service() as env:
        first_wall, first = _devgpt_cmd(model, CLI_REQUESTS[0], mode, env)
        walls, overheads, tokens = [], [], []
        for request in CLI_REQUESTS[1:runs + 1]:
            wall, data = _devgpt_cmd(model, request, mode, env)
            completion = data["usage"]["completion_tokens"]
            walls.append(wall)
            tokens.append(completion)
            overheads.append(wall - completion / raw_tok_s)
    out = {"model": model, "mode": mode, "first_process_s": first_wall,
           "first_completion_tokens": first["usage"]["completion_tokens"], "later_wall_s": walls,
           "later_completion_tokens": tokens, "later_overhead_s": overheads,
           "median_wall_s": statistics.median(walls), "median_overhead_s": statistics.median(overheads),
           "median_over_first": statistics.median(walls) / first_wall}
    if service_tok_s:
        out["median_overhead_at_service_speed_s"] = statistics.median(
            wall - count / service_tok_s for wall, count in zip(walls, tokens))
    return out


def _rss(pid: int) -> int:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _kernel_rss(model: str, env: dict[str, str], count: int) -> tuple[list[int], list[Any]]:
    """``count`` real IPython kernels, each asking ``%devgpt cmd`` once; their RSS afterwards."""
    from jupyter_client.manager import start_new_kernel

    kernels = []
    rss = []
    for i in range(count):
        manager, client = start_new_kernel(kernel_name="python3", env=env)
        kernels.append((manager, client))
        client.execute_interactive(f"%load_ext devgpt_magic\n%devgpt cmd --fast --no-cache --model {model} "
                                   f"{CLI_REQUESTS[i % len(CLI_REQUESTS)]}", timeout=900,
                                   output_hook=lambda msg: None)
        rss.append(_rss(manager.provisioner.process.pid))
    return rss, kernels


def _server_rss(model: str, env: dict[str, str]) -> tuple[int, subprocess.Popen]:
    """A Jupyter server with the side panel's extension answering one suggestion; its RSS afterwards."""
    import secrets
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    proc = subprocess.Popen([sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root", f"--port={port}",
                             f"--IdentityProvider.token={token}", "--ServerApp.ip=127.0.0.1"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=1)
            break
        time.sleep(0.5)
    request = urllib.request.Request(f"{base}/devgpt/suggest", method="POST",
                                     data=json.dumps({"request": CLI_REQUESTS[1], "model": model,
                                                      "mode": "fast"}).encode(),
                                     headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=900).read()
    return _rss(proc.pid), proc


def memory_sharing(model: str, kernels: int = 3) -> dict[str, Any]:
    """Three kernels, the side panel's server and a CLI call on one local model: one copy, in the service.
    For contrast, one kernel with the model loaded in-process (``DEVGPT_LOCAL_BACKEND=inprocess``)."""
    out: dict[str, Any] = {"model": model}
    with fresh_service() as env:
        kernel_rss, running = _kernel_rss(model, env, kernels)
        server_rss, server = _server_rss(model, env)
        cli = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-m", "devgpt_magic.cli", "cmd", "--fast",
                              "--no-cache", "--model", model, CLI_REQUESTS[2]], capture_output=True, text=True,
                             env=env, timeout=900)
        cli_rss = int(cli.stderr.strip().splitlines()[-1]) * 1024
        status = ServiceClient(RuntimeFiles(Path(env["DEVGPT_RUNTIME_DIR"]))).status() or {}
        out.update(kernel_rss=kernel_rss, server_rss=server_rss, cli_max_rss=cli_rss,
                   service_rss=status.get("rss_bytes"), service_models=len(status.get("models", [])),
                   service_requests=status.get("requests_served"))
        server.terminate()
        server.wait(timeout=30)
        for manager, client in running:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    with fresh_service() as env:
        rss, running = _kernel_rss(model, {**env, "DEVGPT_LOCAL_BACKEND": "inprocess"}, 1)
        out["inprocess_kernel_rss"] = rss[0]
        for manager, client in running:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    shared = sum(out["kernel_rss"]) + out["server_rss"] + out["cli_max_rss"] + (out["service_rss"] or 0)
    out["total_rss_shared"] = shared
    out["total_rss_if_inprocess"] = (kernels + 2) * out["inprocess_kernel_rss"]
    return out


def repack_speed(path: Path, n_prompt: int = 384, n_gen: int = 48) -> dict[str, Any]:
    """Prompt and generation speed with llama.cpp's weight repacking on and off, on this CPU. Off is what
    an AMX machine gets (to avoid the crash); this says what it costs where repacking is safe."""
    from devgpt_magic.service.loading import load_llama

    out: dict[str, Any] = {"model": path.name}
    for repack in ("on", "off"):
        llm = load_llama(path, n_ctx=2048, repack=repack)
        try:
            tokens = (llm.tokenize(b"ls -la /var/log | sort -k5 -n | tail -20 && du -sh * ; ", add_bos=False)
                      * 64)[:n_prompt]
            llm.reset()
            start = time.perf_counter()
            llm.eval(tokens)
            prompt_s = time.perf_counter() - start
            start = time.perf_counter()
            count = 0
            for _ in llm.generate(tokens, temp=0.0):  # the evaluated prompt is reused
                count += 1
                if count >= n_gen:
                    break
            gen_s = time.perf_counter() - start
        finally:
            llm.close()
        out[f"repack_{repack}"] = {"prompt_tok_s": n_prompt / prompt_s, "gen_tok_s": n_gen / gen_s}
    return out


def grammar_speed(path: Path, requests: list[str], max_tokens: int = 200) -> dict[str, Any]:
    """Constrained generation with llama-cpp-python's grammar chain (the grammar over the whole vocabulary at
    every token) against checked sampling (one token checked, the vocabulary only when it is refused), on the
    engine's real prompts and grammars. Each request runs once to warm its prompt, then both ways in turn."""
    import threading

    from devgpt_magic.models.grammar import grammar_text
    from devgpt_magic.models.local_provider import REPEAT_PENALTY
    from devgpt_magic.prompts import PromptBuilder
    from devgpt_magic.service.cpu import report
    from devgpt_magic.service.host import ModelHost

    host = ModelHost(report(), max_models=1, cache_root=None)
    rates: dict[str, list[float]] = {"full": [], "checked": []}
    refused = checked = 0
    same = 0
    try:
        for request in requests:
            for mode in ("fast", "regular"):
                prompt = PromptBuilder().command(request, mode=mode)
                body = {"model": str(path), "n_ctx": 4096, "max_tokens": max_tokens, "temperature": 0.0,
                        "repeat_penalty": REPEAT_PENALTY, "grammar": grammar_text(mode),
                        "messages": [m.model_dump() for m in prompt.messages]}
                texts = {}
                for way in ("warm", "full", "checked"):
                    llm = host.get(str(path), 4096).llm
                    llm.checked_grammar = way == "checked"
                    start = time.perf_counter()
                    text, count = "", 0
                    for chunk in host.generate("chat", body, threading.Event()):
                        if chunk.get("usage"):
                            count = chunk["usage"]["completion_tokens"]
                        text += "".join((c.get("delta") or {}).get("content") or "" for c in chunk["choices"])
                    if way != "warm":
                        rates[way].append(count / (time.perf_counter() - start))
                        texts[way] = text
                    if way == "checked" and llm.last_sampler is not None:
                        refused += llm.last_sampler.refused
                        checked += llm.last_sampler.checked
                same += texts["full"] == texts["checked"]
    finally:
        host.close()
    full, fast = statistics.median(rates["full"]), statistics.median(rates["checked"])
    return {"model": path.name, "replies": len(rates["full"]), "identical_replies": same,
            "full_grammar_tok_s": full, "checked_tok_s": fast, "speedup": fast / full if full else None,
            "tokens_refused_share": refused / (refused + checked) if refused + checked else None}
