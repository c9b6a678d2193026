"""How llama.cpp's worker threads wait, measured: on a quiet machine and with one core kept busy by another
program (a notebook computing, a build, a second model), as on the shared machines Jupyter runs on.

llama-cpp-python's wheels use OpenMP, whose threads spin while they wait for each other. When another
program holds a core, a spinning thread keeps its own core busy while the thread it waits for is not
running, and every step of the model pays for it. ``python -m evaluation.bench_threads --model M`` prints
prompt and generation speed for each wait policy and load; the service's default follows from it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

POLICIES: dict[str, dict[str, str]] = {
    "spin (OpenMP default)": {"OMP_WAIT_POLICY": "", "GOMP_SPINCOUNT": ""},
    "passive": {"OMP_WAIT_POLICY": "PASSIVE", "GOMP_SPINCOUNT": ""},
    "spin briefly (GOMP_SPINCOUNT=20000)": {"OMP_WAIT_POLICY": "", "GOMP_SPINCOUNT": "20000"},
}

_MEASURE = """
import json, sys, time
from pathlib import Path
from devgpt_magic.service.loading import load_llama
llm = load_llama(Path(sys.argv[1]), n_ctx=2048)
tokens = (llm.tokenize(b"ls -la /var/log | sort -k5 -n | tail -20 && du -sh * ; ", add_bos=False) * 64)[:256]
llm.reset(); start = time.perf_counter(); llm.eval(tokens); prompt_s = time.perf_counter() - start
start = time.perf_counter(); count = 0
for _ in llm.generate(tokens, temp=0.0):
    count += 1
    if count >= 32:
        break
gen_s = time.perf_counter() - start
print(json.dumps({"prompt_tok_s": 256 / prompt_s, "gen_tok_s": 32 / gen_s}))
"""


def _measure(path: Path, env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True, env=env,
                          timeout=1800, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def wait_policies(path: Path) -> dict[str, Any]:
    """Each policy on a quiet machine and beside one busy core (a plain Python loop in another process)."""
    out: dict[str, Any] = {"model": path.name, "cores": os.cpu_count()}
    for name, settings in POLICIES.items():
        env = {k: v for k, v in os.environ.items() if k not in settings}
        env.update({k: v for k, v in settings.items() if v})
        row: dict[str, Any] = {"quiet": _measure(path, env)}
        hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            time.sleep(0.5)
            row["one core busy"] = _measure(path, env)
        finally:
            hog.kill()
            hog.wait()
        out[name] = row
        print(f"  {name:24} quiet: prompt {row['quiet']['prompt_tok_s']:7.1f} tok/s, generation "
              f"{row['quiet']['gen_tok_s']:6.1f} tok/s | one core busy: prompt "
              f"{row['one core busy']['prompt_tok_s']:7.1f}, generation {row['one core busy']['gen_tok_s']:6.1f}",
              flush=True)
    return out


def main() -> None:
    from devgpt_magic.models.local_files import gguf_path
    from devgpt_magic.models.registry import resolve

    parser = argparse.ArgumentParser(prog="python -m evaluation.bench_threads")
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--json")
    args = parser.parse_args()
    result = wait_policies(gguf_path(resolve(args.model)))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
