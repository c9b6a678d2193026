"""Latency of each accuracy technique, measured on requests of our own (never evaluation items), warm, with
nothing else running: the evaluation's own latencies were taken while other work shared the two cores.

``python -m evaluation.bench_techniques --model qwen2.5-coder-1.5b`` prints the median and 90th percentile
seconds per request for the baseline and each technique on its own, for the model's registry default, and for
regular mode with and without ``explain_after``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from devgpt_magic.engine import Engine
from devgpt_magic.models.registry import resolve
from devgpt_magic.schema import Mode, Techniques

from .bench_service import fresh_service
from .tuning import DOABLE

#: name -> (mode, techniques different from the defaults)
CONFIGS: dict[str, tuple[Mode, dict[str, Any]]] = {
    "baseline": ("fast", {}),
    "fenced": ("fast", {"reply": "fenced"}),
    "examples 3": ("fast", {"examples": 3}),
    "docs 120": ("fast", {"docs_tokens": 120}),
    "checks": ("fast", {"checks": True}),
    "candidates 4": ("fast", {"candidates": 4}),
    "run feedback": ("fast", {"run_feedback": True}),
    "plan": ("fast", {"plan": True}),
    "regular, one call": ("regular", {}),
    "regular, explain after": ("regular", {"explain_after": True}),
}


def technique_latency(model: str, configs: dict[str, tuple[Mode, dict[str, Any]]] | None = None,
                      requests: list[str] | None = None) -> dict[str, Any]:
    import os

    requests = requests or DOABLE
    configs = dict(configs or CONFIGS)
    configs["registry default"] = ("fast", resolve(model).techniques.model_dump())
    out: dict[str, Any] = {"model": model, "requests": len(requests)}
    with fresh_service() as env:
        os.environ.update(DEVGPT_RUNTIME_DIR=env["DEVGPT_RUNTIME_DIR"], DEVGPT_CACHE_DIR=env["DEVGPT_CACHE_DIR"])
        engine = Engine()
        engine.suggest("warm up the model and the prompt prefix", model=model, mode="fast", use_cache=False)
        for name, (mode, overrides) in configs.items():
            how = Techniques(**overrides)
            engine.suggest(requests[0], model=model, mode=mode, use_cache=False, techniques=how)  # warm prefix
            seconds = []
            for request in requests:
                start = time.perf_counter()
                engine.suggest(request, model=model, mode=mode, use_cache=False, techniques=how)
                seconds.append(time.perf_counter() - start)
            out[name] = {"median_s": statistics.median(seconds), "mode": mode,
                         "p90_s": sorted(seconds)[int(0.9 * len(seconds)) - 1], "techniques": how.model_dump()}
            print(f"  {name:18} median {out[name]['median_s']:.2f} s  p90 {out[name]['p90_s']:.2f} s", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m evaluation.bench_techniques")
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--json")
    parser.add_argument("--only", action="append", choices=sorted(CONFIGS),
                        help="measure just this technique (repeatable); the registry default is always measured")
    args = parser.parse_args()
    result = technique_latency(args.model, {name: CONFIGS[name] for name in args.only} if args.only else None)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
