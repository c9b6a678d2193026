"""Benchmark: what a preview costs, in folders of 1,000 and 50,000 files.

For each folder size (small text files, 100 per folder) it times, as the median of ``runs``:

- the command run directly (``$SHELL -c``) and through :func:`devgpt_magic.preview.preview`; the difference
  is the preview's overhead (sandbox set-up, reading the changes, cleaning up);
- three commands: ``true`` (pure overhead), ``find . -type f | wc -l`` (reads every file's entry) and
  ``rm -r d0000`` (deletes 100 files, so the preview reports 101 deletions);
- for 1,000 files, the same preview with the copy fallback, to show why copy-on-write mounts are used.

``bench_preview()`` prints a table and returns the figures (``python -m evaluation bench`` calls it).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

COMMANDS = ("true", "find . -type f | wc -l", "rm -r d0000")


def make_folder(root: Path, files: int) -> Path:
    """``files`` small text files in folders of 100 (d0000/f0.txt ...)."""
    root.mkdir(parents=True, exist_ok=True)
    for n in range(files):
        folder = root / f"d{n // 100:04d}"
        if n % 100 == 0:
            folder.mkdir(exist_ok=True)
        (folder / f"f{n}.txt").write_text(f"line {n}\n" * 4)
    return root


def _median(fn: Any, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_preview(sizes: tuple[int, ...] = (1_000, 50_000), runs: int = 5) -> dict[str, Any]:
    """Median seconds of previews against direct runs; prints a table and returns the figures."""
    from devgpt_magic.execution import user_shell
    from devgpt_magic.preview import preview
    from devgpt_magic.sandbox import availability, run_in_view

    avail = availability()
    if not avail.ok:
        print(f"preview benchmark skipped: {avail.reason}")
        return {"skipped": avail.reason}
    figures: dict[str, Any] = {"runs": runs, "sizes": {}}
    base = Path(tempfile.mkdtemp(prefix="devgpt-bench-preview-"))
    try:
        for size in sizes:
            folder = make_folder(base / f"f{size}", size)
            row: dict[str, Any] = {}
            for command in COMMANDS:
                scratch = base / "direct"

                def direct() -> None:
                    # the direct run of a deleting command needs a fresh copy each time: copied outside the timing
                    subprocess.run([user_shell(), "-c", command], cwd=scratch if command.startswith("rm") else folder,
                                   capture_output=True, check=False)

                if command.startswith("rm"):
                    times = []
                    for _ in range(runs):
                        shutil.rmtree(scratch, ignore_errors=True)
                        shutil.copytree(folder / "d0000", scratch / "d0000")
                        start = time.perf_counter()
                        direct()
                        times.append(time.perf_counter() - start)
                    direct_s = statistics.median(times)
                else:
                    direct_s = _median(direct, runs)
                results = []

                def previewed() -> None:
                    results.append(preview(command, folder, timeout=120))

                preview_s = _median(previewed, runs)
                last = results[-1]
                row[command] = {"direct_s": direct_s, "preview_s": preview_s, "overhead_s": preview_s - direct_s,
                                "changes": len(last.changes), "method": last.method,
                                "incomplete": last.incomplete_reasons}
            if size <= 20_000:
                row["copy_fallback_true_s"] = _median(lambda f=folder: run_in_view("true", f, method="copy"), runs)
            figures["sizes"][size] = row
    finally:
        shutil.rmtree(base, ignore_errors=True)
    _print(figures)
    return figures


def _print(figures: dict[str, Any]) -> None:
    print(f"Preview overhead (median of {figures['runs']} runs, seconds; {os.cpu_count()} CPUs)")
    print(f"{'files':>7}  {'command':<24} {'direct':>8} {'preview':>8} {'overhead':>9}  changes  view")
    for size, row in figures["sizes"].items():
        for command in COMMANDS:
            r = row[command]
            print(f"{size:>7,}  {command:<24} {r['direct_s']:>8.3f} {r['preview_s']:>8.3f} {r['overhead_s']:>9.3f}  "
                  f"{r['changes']:>7}  {r['method']}")
        if "copy_fallback_true_s" in row:
            print(f"{size:>7,}  {'true (copy fallback)':<24} {'':>8} {row['copy_fallback_true_s']:>8.3f}")


if __name__ == "__main__":
    bench_preview()
