"""How fast the example retriever is: the one-time load and index build, then per-query time.

    python -m evaluation.bench_retrieval [--rounds N] [--k K]

The requests are our own everyday tasks (none from an evaluation set). Prints the load and build time and the
median and 95th percentile of one ``retrieval.similar`` call in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time

REQUESTS = [
    "biggest files in this folder", "count words in a file", "find files larger than 50MB",
    "gzip a file but keep the original", "which files mention foo, just the names",
    "sort a csv by the third column numerically", "stop the process called worker", "how much disk space is left",
    "total size of all jpg files", "number of lines in each file with a total", "print the 2nd column of a file",
    "resource limits of my shell", "set a file's modification time to yesterday", "mime type of a file",
    "count unique values in a column", "list a tarball without extracting it", "undo my last git commit",
    "commits touching one file", "what is listening on port 3000", "show hidden files here",
    "find broken symlinks", "replace foo with bar in every .txt file", "current time in UTC",
    "files changed in the last 3 days", "compare two directories", "first 100 bytes of a binary in hex",
    "environment variables that contain proxy", "memory used by each process", "search only the top folder",
    "verify a sha256 checksum file",
]


def bench(rounds: int = 50, k: int = 4) -> dict[str, float]:
    start = time.perf_counter()
    from devgpt_magic.prompts import library, retrieval

    imported = time.perf_counter()
    library.entries()
    loaded = time.perf_counter()
    retrieval.index()
    built = time.perf_counter()
    times = []
    for _ in range(rounds):
        for request in REQUESTS:
            t = time.perf_counter()
            retrieval.similar(request, k)
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"entries": len(library.entries()), "import_ms": (imported - start) * 1000,
            "load_ms": (loaded - imported) * 1000, "index_ms": (built - loaded) * 1000,
            "query_median_ms": statistics.median(times), "query_p95_ms": times[int(0.95 * (len(times) - 1))],
            "queries": len(times)}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m evaluation.bench_retrieval")
    parser.add_argument("--rounds", type=int, default=50, help="passes over the request list")
    parser.add_argument("--k", type=int, default=4, help="examples per request")
    args = parser.parse_args()
    r = bench(args.rounds, args.k)
    print(f"{r['entries']} entries; import {r['import_ms']:.0f} ms (the prompts package), load {r['load_ms']:.1f} ms, "
          f"index {r['index_ms']:.1f} ms (once)")
    print(f"similar(request, k={args.k}): median {r['query_median_ms']:.3f} ms, p95 {r['query_p95_ms']:.3f} ms "
          f"over {r['queries']} queries")


if __name__ == "__main__":
    main()
