"""How long an explanation takes and how much of the command it covers, on commands of our own.

``python -m evaluation.bench_explain --model qwen2.5-coder-1.5b`` explains 16 commands from the project's
example library (never evaluation items), warm, and prints the median seconds and reply tokens per command and
the share of each command's words (options and operands) that the explanation's arguments name. The reply shape
decides much of both: a small model that must write the command out again before explaining it spends about
half its tokens doing so.
"""

from __future__ import annotations

import argparse
import json
import random
import shlex
import statistics
import time
from pathlib import Path
from typing import Any

from devgpt_magic.engine import Engine
from devgpt_magic.prompts.library import entries

from .bench_service import fresh_service


def sample_commands(count: int, seed: int = 7) -> list[str]:
    commands = [e.command for e in entries() if len(e.command.split()) >= 3 and "\n" not in e.command]
    return random.Random(seed).sample(commands, count)


def coverage(command: str, arguments: dict[str, str]) -> float:
    """The share of the command's words (after the program) that some explained argument names."""
    try:
        words = shlex.split(command)[1:]
    except ValueError:
        words = command.split()[1:]
    words = [w for w in words if w not in ("|", "&&", "||", ";")]
    return sum(any(w in key for key in arguments) for w in words) / max(len(words), 1)


def explain_latency(model: str, count: int = 16) -> dict[str, Any]:
    import os

    rows = []
    with fresh_service() as env:
        os.environ.update(DEVGPT_RUNTIME_DIR=env["DEVGPT_RUNTIME_DIR"], DEVGPT_CACHE_DIR=env["DEVGPT_CACHE_DIR"])
        engine = Engine()
        engine.explain("ls -la", model=model, use_cache=False)  # load the model and the prompt prefix
        for command in sample_commands(count):
            start = time.perf_counter()
            s = engine.explain(command, model=model, use_cache=False)
            seconds = time.perf_counter() - start
            arguments = {} if s.is_invalid or not s.commands else s.commands[0].arguments
            rows.append({"command": command, "seconds": seconds, "reply_tokens": s.usage.completion_tokens,
                         "coverage": coverage(command, arguments), "arguments": list(arguments)})
            print(f"  {seconds:5.2f} s {rows[-1]['reply_tokens']:4d} tokens  coverage {rows[-1]['coverage']:.2f}  "
                  f"{command[:60]}", flush=True)
    out = {"model": model, "commands": len(rows),
           "median_s": statistics.median(r["seconds"] for r in rows),
           "median_reply_tokens": statistics.median(r["reply_tokens"] for r in rows),
           "mean_coverage": statistics.mean(r["coverage"] for r in rows), "rows": rows}
    print(f"median {out['median_s']:.2f} s, {out['median_reply_tokens']} reply tokens, "
          f"arguments named {out['mean_coverage']:.2f} of each command's words")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m evaluation.bench_explain")
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--count", type=int, default=16)
    parser.add_argument("--json")
    args = parser.parse_args()
    result = explain_latency(args.model, args.count)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
