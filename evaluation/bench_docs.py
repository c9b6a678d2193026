"""Benchmark of the documentation grounding (devgpt_magic.docs): median milliseconds per ``excerpt()`` and per
``check_command()`` once the index and the help cache are warm, plus the one-time costs (building the index
from ``apropos``, loading it from the disk cache in a new process, reading a program's help the first time).

    python -m evaluation.bench_docs [--runs 5] [--json FILE] [--cold]

The requests and commands are this project's own (no evaluation-suite item). ``--cold`` measures with an
empty cache folder (a first run on a new machine) instead of the user's cache.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

REQUESTS = [
    "compress but keep the original", "limit the cpu time of the shell",
    "show the configuration variables of the system", "dump a file in octal and characters",
    "remove duplicate adjacent lines", "show how much disk space each folder uses",
    "find files not accessed in 30 days", "search for whole words only in python files",
    "print the last lines of a log and keep following it", "show the commit history of the repository",
    "list the running processes sorted by memory", "extract the second column separated by commas",
    "count the lines in every csv file", "change who owns a folder and everything in it",
    "download a web page to a file", "show listening network sockets",
]

COMMANDS = [
    "gzip -k file", "gzip --kep file", "ls -la", "tar -xzvf a.tgz -C /tmp", "tar xzf a.tgz",
    "find . -type f -name '*.log' -mtime +30 -exec gzip -k {} \\;", "head -n 5 f", "head --lines=5 f",
    "sort -t, -k3,3nr data.csv | uniq -c | sort -rn | head", "du -sh * | sort -rh | head -10",
    "ps -eo pid,comm,%mem --sort=-%mem | head", "git log --oneline --graph -n 5", "git log --onelin",
    "cut -d: -f1 /etc/passwd", "grep -rnw --include='*.py' -e 'import os' .", "ulimit -t 60",
    "curl -fsSL -o out https://example.com", "xargs -0 -n 1 rm -f", "date -u +%Y-%m-%dT%H:%M:%SZ",
    "chmod -R u+x dir && chown -R user:group dir",
]


def _median_ms(fn: Any, items: list[str], runs: int) -> tuple[float, float]:
    per_item: list[float] = []
    for item in items:
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            fn(item)
            samples.append((time.perf_counter() - start) * 1000)
        per_item.append(statistics.median(samples))
    return statistics.median(per_item), max(per_item)


def _new_process_load_ms(runs: int) -> float:
    code = ("import time; t=time.perf_counter(); from devgpt_magic.docs import find_programs; "
            "find_programs('warm'); print((time.perf_counter()-t)*1000)")
    out = []
    for _ in range(runs):
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        out.append(float(proc.stdout.strip().splitlines()[-1]))
    return statistics.median(out)


def bench_docs(runs: int = 5, cold: bool = False) -> dict[str, float]:
    """Measure and print the figures; returns them (milliseconds)."""
    if cold:
        os.environ["DEVGPT_CACHE_DIR"] = tempfile.mkdtemp(prefix="devgpt-docs-bench-")
    from devgpt_magic.docs import check_command, excerpt, find_programs, helpdb, index, system

    figures: dict[str, float] = {}
    start = time.perf_counter()
    find_programs("warm up")
    figures["first_load_ms"] = (time.perf_counter() - start) * 1000
    runs_before = sum(system.RUNS.values())
    start = time.perf_counter()
    for r in REQUESTS:
        excerpt(r)
    for c in COMMANDS:
        check_command(c)
    figures["first_pass_ms"] = (time.perf_counter() - start) * 1000
    figures["programs_started_first_pass"] = float(sum(system.RUNS.values()) - runs_before)

    figures["find_programs_median_ms"], _ = _median_ms(lambda r: find_programs(r), REQUESTS, runs)
    figures["excerpt_median_ms"], figures["excerpt_max_ms"] = _median_ms(excerpt, REQUESTS, runs)
    figures["check_command_median_ms"], figures["check_command_max_ms"] = _median_ms(check_command, COMMANDS, runs)

    # a new process: index and parsed help come from the disk cache
    helpdb.clear_memory()
    index.reset()
    start = time.perf_counter()
    for r in REQUESTS:
        excerpt(r)
    figures["excerpt_after_restart_total_ms"] = (time.perf_counter() - start) * 1000
    figures["new_process_import_and_load_ms"] = _new_process_load_ms(max(1, min(runs, 3)))
    figures["programs_started_warm"] = float(sum(system.RUNS.values()) - runs_before
                                             - figures["programs_started_first_pass"])

    print(f"docs grounding ({'cold cache' if cold else 'user cache'}; {len(REQUESTS)} requests, "
          f"{len(COMMANDS)} commands, median of {runs} runs each)")
    print(f"  first load (index{' build' if cold else ''}):     {figures['first_load_ms']:8.1f} ms")
    print(f"  first pass (help read as needed): {figures['first_pass_ms']:8.1f} ms, "
          f"{figures['programs_started_first_pass']:.0f} programs started")
    print(f"  find_programs() median:           {figures['find_programs_median_ms']:8.2f} ms")
    print(f"  excerpt() median / max:           {figures['excerpt_median_ms']:8.2f} / "
          f"{figures['excerpt_max_ms']:.2f} ms")
    print(f"  check_command() median / max:     {figures['check_command_median_ms']:8.2f} / "
          f"{figures['check_command_max_ms']:.2f} ms")
    print(f"  {len(REQUESTS)} excerpts after a restart:    {figures['excerpt_after_restart_total_ms']:8.1f} ms "
          f"(disk cache)")
    print(f"  new process, import + load index: {figures['new_process_import_and_load_ms']:8.1f} ms")
    print(f"  programs started once warm:       {figures['programs_started_warm']:8.0f}")
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", help="also write the figures to this JSON file")
    parser.add_argument("--cold", action="store_true", help="start from an empty cache folder")
    args = parser.parse_args(argv)
    figures = bench_docs(args.runs, cold=args.cold)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(figures, fh, indent=2)


if __name__ == "__main__":
    main()
