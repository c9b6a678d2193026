"""Benchmarks: start-up cost, engine overhead, local generation speed against raw llama.cpp, prompt sizes,
cost per request, and cold versus warm latency. Prints its figures; ``--json FILE`` also saves them.

Start-up is measured in fresh processes (median of repeated runs). Generation speed compares the engine's
streaming path with llama-cpp-python called directly on the same model, prompt, grammar and settings.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from devgpt_magic.context import Context
from devgpt_magic.engine import Engine
from devgpt_magic.models.base import Finish, Provider
from devgpt_magic.models.grammar import MAX_REPLY_TOKENS, llama_grammar
from devgpt_magic.models.local_files import is_available
from devgpt_magic.models.registry import all_models, resolve
from devgpt_magic.prompts import Prompt, PromptBuilder
from devgpt_magic.render import suggestion_html, suggestion_markdown, suggestion_text
from devgpt_magic.tokens import estimate_tokens

CANNED = json.dumps({"input": "x", "error": 0, "commands": [
    {"seq": 1, "cmd_to_execute": "find /var/log -type f -size +100M -exec ls -lh {} \\;",
     "cmd_explanations": ["Lists log files over 100 MB with their sizes."],
     "arg_explanations": {"/var/log": "where to look", "-type f": "files only", "-size +100M": "over 100 MB",
                          "-exec ls -lh {} \\;": "show each file's size"}}]})


def _median_seconds(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def startup(runs: int) -> dict[str, Any]:
    py = sys.executable
    load = ("from IPython.core.interactiveshell import InteractiveShell; ip = InteractiveShell.instance(); "
            "ip.run_line_magic('load_ext', 'devgpt_magic')")
    shell = "from IPython.core.interactiveshell import InteractiveShell; ip = InteractiveShell.instance()"
    heavy = ("import sys; " + load + "; print(sorted(m for m in ('openai', 'anthropic', 'google.genai', "
             "'huggingface_hub', 'llama_cpp') if m in sys.modules))")
    out = {
        "python_pass_s": _median_seconds([py, "-c", "pass"], runs),
        "import_devgpt_magic_s": _median_seconds([py, "-c", "import devgpt_magic"], runs),
        "ipython_shell_s": _median_seconds([py, "-c", shell], runs),
        "ipython_shell_load_ext_s": _median_seconds([py, "-c", load], runs),
        "modules_after_load_ext": subprocess.run([py, "-c", heavy], capture_output=True, text=True).stdout.strip(),
    }
    out["import_overhead_ms"] = 1000 * (out["import_devgpt_magic_s"] - out["python_pass_s"])
    out["load_ext_overhead_ms"] = 1000 * (out["ipython_shell_load_ext_s"] - out["ipython_shell_s"])
    return out


class _InstantProvider(Provider):
    """Answers at once, so what is left is the engine's own time (measurement only, never shipped)."""

    def generate(self, prompt: Prompt, *, max_tokens: int, temperature: float, stream: bool) -> Any:
        yield CANNED
        yield Finish("stop", 1000, 100)


def overhead(runs: int) -> dict[str, Any]:
    """Engine time per request with the provider's time taken out (an instant provider, cache off)."""
    engine = Engine(context=Context.current(), provider_factory=_InstantProvider)
    os.environ.setdefault("OPENAI_API_KEY", "bench-not-a-key")
    for _ in range(20):  # warm imports and caches
        s = engine.suggest("find big logs", model="gpt4o", use_cache=False)
    samples, render_samples = [], []
    for i in range(runs):
        start = time.perf_counter()
        s = engine.suggest(f"find big logs {i}", model="gpt4o", use_cache=False)
        mid = time.perf_counter()
        suggestion_text(s), suggestion_markdown(s), suggestion_html(s)
        end = time.perf_counter()
        samples.append(mid - start)
        render_samples.append(end - mid)
    return {"engine_ms_median": 1000 * statistics.median(samples),
            "engine_ms_p95": 1000 * sorted(samples)[int(0.95 * len(samples)) - 1],
            "render_ms_median": 1000 * statistics.median(render_samples),
            "total_ms_median": 1000 * statistics.median(a + b for a, b in zip(samples, render_samples))}


def _stream_rate(chunks: Any, start: float) -> tuple[float, int, float]:
    first = None
    count = 0
    for _ in chunks:
        if first is None:
            first = time.perf_counter()
        count += 1
    end = time.perf_counter()
    ttft = (first or end) - start
    rate = (count - 1) / (end - first) if first and count > 1 and end > first else 0.0
    return ttft, count, rate


def local_speed(name: str, requests: list[str]) -> dict[str, Any]:
    """Cold and warm latency, time to first token, and tokens/s through the engine (the local model service,
    another process) against llama-cpp-python called directly here, on the same prompt, grammar and settings."""
    from devgpt_magic.models.local_files import gguf_path
    from devgpt_magic.models.local_provider import LocalProvider, REPEAT_PENALTY, context_size
    from devgpt_magic.service.loading import load_llama

    from .bench_service import fresh_service

    spec = resolve(name)
    builder = PromptBuilder()
    out: dict[str, Any] = {"model": spec.name}
    with fresh_service() as env:
        previous = {k: os.environ.get(k) for k in ("DEVGPT_RUNTIME_DIR", "DEVGPT_CACHE_DIR")}
        os.environ.update(DEVGPT_RUNTIME_DIR=env["DEVGPT_RUNTIME_DIR"], DEVGPT_CACHE_DIR=env["DEVGPT_CACHE_DIR"])
        try:
            provider = LocalProvider(spec)
            engine = Engine()
            latencies = []
            for request in requests[:3]:
                start = time.perf_counter()
                engine.suggest(request, model=name, mode="fast", use_cache=False)
                latencies.append(time.perf_counter() - start)
            out["fast_request_s"] = {"cold (service start, load, prefix)": latencies[0], "warm": latencies[1:]}
            ttfts = []  # regular prompt: first (prefix not yet evaluated), then second (prefix reused)
            for request in requests[3:5]:
                prompt = builder.command(request, mode="regular")
                start = time.perf_counter()
                ttft, _, _ = _stream_rate((c for c in provider.stream(prompt, max_tokens=16, temperature=0.0)
                                           if isinstance(c, str)), start)
                ttfts.append(ttft)
            out["ttft_first_s"], out["ttft_second_s"] = ttfts
            out["ttft_ratio"] = ttfts[0] / ttfts[1] if ttfts[1] else None
            prompt = builder.command(requests[5], mode="regular")
            t0 = time.perf_counter()
            llm = load_llama(gguf_path(spec), n_ctx=context_size(spec))
            out["raw_load_s"] = time.perf_counter() - t0

            def through_engine() -> float:
                start = time.perf_counter()
                return _stream_rate((c for c in provider.stream(prompt, max_tokens=160, temperature=0.0)
                                     if isinstance(c, str)), start)[2]

            def raw_llama() -> float:
                start = time.perf_counter()
                raw = llm.create_chat_completion(messages=[m.model_dump() for m in prompt.messages], stream=True,
                                                 max_tokens=160, temperature=0.0, repeat_penalty=REPEAT_PENALTY,
                                                 grammar=llama_grammar("regular"))
                return _stream_rate((c for c in raw if c["choices"][0]["delta"].get("content")), start)[2]

            engine_rates, raw_rates = [], []
            for i in range(6):  # alternate the order so neither path always runs first
                first, second = (through_engine, raw_llama) if i % 2 == 0 else (raw_llama, through_engine)
                a, b = first(), second()
                engine_rates.append(a if first is through_engine else b)
                raw_rates.append(b if first is through_engine else a)
            llm.close()
            out["engine_tok_s"] = statistics.median(engine_rates)
            out["raw_tok_s"] = statistics.median(raw_rates)
            out["engine_over_raw"] = out["engine_tok_s"] / out["raw_tok_s"] if out["raw_tok_s"] else None
            from devgpt_magic.service.client import ServiceClient

            status = ServiceClient().status() or {}
            out["service_models_loaded"] = len(status.get("models", []))
            out["service_rss_bytes"] = status.get("rss_bytes")
        finally:
            for key, value in previous.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    return out


def prompt_sizes() -> dict[str, Any]:
    builder = PromptBuilder()
    variants = {
        "regular few-shot": builder.command("find log files over 100MB", mode="regular"),
        "fast few-shot": builder.command("find log files over 100MB", mode="fast"),
        "regular zero-shot": builder.command("find log files over 100MB", mode="regular", shots="zero"),
        "fast zero-shot": builder.command("find log files over 100MB", mode="fast", shots="zero"),
        "chat (system + message)": Prompt(task="chat", messages=[builder.chat_system(),
                                                                 *builder.command("hi", shots="zero").messages[-1:]]),
    }
    sizes = {k: estimate_tokens(p.all_text()) for k, p in variants.items()}
    per_model: dict[str, dict[str, int]] = {}
    for spec in all_models():
        if spec.is_local and is_available(spec):
            from llama_cpp import Llama

            from devgpt_magic.models.local_files import gguf_path

            vocab = Llama(model_path=str(gguf_path(spec)), vocab_only=True, verbose=False)
            per_model[spec.name] = {k: len(vocab.tokenize(p.all_text().encode(),
                                                          add_bos=False, special=True)) for k, p in variants.items()}
    reply = {"regular few-shot": 150, "fast few-shot": 30, "regular zero-shot": 150, "fast zero-shot": 30,
             "chat (system + message)": 300}
    costs = {}
    for spec in all_models():
        if spec.is_local or spec.price_in is None:
            continue
        costs[spec.name] = {k: spec.cost(sizes[k], reply[k]) for k in sizes}
    return {"prompt_tokens_cl100k": sizes, "prompt_tokens_local_tokenizer": per_model, "assumed_reply_tokens": reply,
            "cost_usd_per_request": costs}


def _show(result: dict[str, Any]) -> None:
    for k, v in result.items():
        if isinstance(v, list):
            v = "[" + ", ".join(f"{x:.3g}" if isinstance(x, float) else str(x) for x in v) + "]"
        print(f"  {k:28} {v}" if not isinstance(v, float) else f"  {k:28} {v:.3f}", flush=True)


def _service_figures(args: Any, raw_rates: dict[str, float],
                     service_rates: dict[str, float] | None = None) -> dict[str, Any]:
    """A new ``devgpt cmd`` process per request, memory shared by many front ends, repacking on and off."""
    from devgpt_magic.models.local_files import gguf_path

    from .bench_service import cli_latency, memory_sharing, repack_speed

    figures: dict[str, Any] = {"cli": [], "memory": None, "repack": []}
    for name, raw in raw_rates.items():
        for mode in ("fast", "regular"):
            print(f"== devgpt cmd as new processes: {name}, {mode}", flush=True)
            figures["cli"].append(cli_latency(name, mode, raw, service_tok_s=(service_rates or {}).get(name)))
            _show(figures["cli"][-1])
        print(f"== weight repacking on and off: {name}", flush=True)
        figures["repack"].append(repack_speed(gguf_path(resolve(name))))
        _show(figures["repack"][-1])
    if raw_rates:
        name = list(raw_rates)[-1]
        print(f"== memory: 3 kernels, the side panel's server and the CLI on {name}", flush=True)
        figures["memory"] = memory_sharing(name)
        _show(figures["memory"])
    return figures


def run(args: Any) -> dict[str, Any]:
    """Every section unless ``--only`` names some; each prints its figures as it goes."""
    wanted = set(args.only or ()) or None
    report: dict[str, Any] = {"when": time.strftime("%Y-%m-%d %H:%M"), "machine": Context.current().platform}

    def section(name: str) -> bool:
        return wanted is None or name in wanted

    if section("startup"):
        print("== start-up (median of %d fresh processes)" % args.runs, flush=True)
        report["startup"] = startup(args.runs)
        for k, v in report["startup"].items():
            print(f"  {k:28} {v:.4f}" if isinstance(v, float) else f"  {k:28} {v}")
    if section("overhead"):
        print("== engine overhead per request (provider time removed)", flush=True)
        report["overhead"] = overhead(200)
        for k, v in report["overhead"].items():
            print(f"  {k:28} {v:.3f}")
    if section("prompts"):
        _prompts(report)
    local = [name for name in args.models if is_available(resolve(name))]
    for name in sorted(set(args.models) - set(local)):
        print(f"== {name}: not available (devgpt models pull {name})")
    if section("local") or section("service"):
        report["local"] = []
        for name in local:
            print(f"== local model {name}", flush=True)
            report["local"].append(local_speed(name, LOCAL_REQUESTS))
            _show(report["local"][-1])
    if section("service"):
        report["service"] = _service_figures(args, {r["model"]: r["raw_tok_s"] for r in report["local"]},
                                             {r["model"]: r["engine_tok_s"] for r in report["local"]})
    if section("grammar"):
        from devgpt_magic.models.local_files import gguf_path

        from .bench_service import grammar_speed

        report["grammar"] = []
        for name in local:
            print(f"== constrained generation, the grammar over the vocabulary or checked per token: {name}",
                  flush=True)
            report["grammar"].append(grammar_speed(gguf_path(resolve(name)), LOCAL_REQUESTS[:4]))
            _show(report["grammar"][-1])
    if section("threads"):
        from devgpt_magic.models.local_files import gguf_path

        from .bench_threads import wait_policies

        report["threads"] = []
        for name in local:
            print(f"== how llama.cpp's threads wait, quiet and beside one busy core: {name}", flush=True)
            report["threads"].append(wait_policies(gguf_path(resolve(name))))
    if section("techniques"):
        from .bench_techniques import technique_latency

        report["techniques"] = []
        for name in local:
            print(f"== seconds per request with each accuracy technique: {name}", flush=True)
            report["techniques"].append(technique_latency(name))
    if section("preview"):
        from .bench_preview import bench_preview

        print("== preview in a sandbox", flush=True)
        report["preview"] = bench_preview()
    if section("docs"):
        from .bench_docs import bench_docs

        print("== this machine's documentation", flush=True)
        report["docs"] = bench_docs()
    if section("safety"):
        from .bench_safety import bench as bench_safety
        from .bench_safety import show as show_safety

        print("== the danger check", flush=True)
        report["safety"] = bench_safety()
        show_safety(report["safety"])
    if section("retrieval"):
        from .bench_retrieval import bench as bench_retrieval

        print("== example retrieval", flush=True)
        report["retrieval"] = bench_retrieval()
        _show(report["retrieval"])
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=1))
    return report


LOCAL_REQUESTS = ["list all files in this folder", "show the disk usage of each folder here",
                  "count the lines of every python file", "print the current git branch",
                  "show the last 20 lines of server.log", "find files changed in the last day"]


def _prompts(report: dict[str, Any]) -> None:
    print("== prompt tokens (cl100k estimate) and cost per request at registry prices", flush=True)
    report["prompts"] = prompt_sizes()
    local_counts = report["prompts"]["prompt_tokens_local_tokenizer"]
    print(f"  {'variant':28} {'cl100k':>8} " + " ".join(f"{m[:18]:>18}" for m in local_counts))
    for k, v in report["prompts"]["prompt_tokens_cl100k"].items():
        print(f"  {k:28} {v:>8} " + " ".join(f"{local_counts[m][k]:>18}" for m in local_counts))
    for name in ("gpt-4o", "gpt-4o-mini", "gemini-2.5-flash", "claude-haiku-4-5", "claude-sonnet-4-5"):
        costs = report["prompts"]["cost_usd_per_request"][name]
        print(f"  {name:28} " + "  ".join(f"{k.split()[0]}-{k.split()[1][:4]} ${v:.5f}" for k, v in list(costs.items())[:4]))
