"""How long the danger check takes: per everyday command (it runs on every card and before every run), and on
the huge, deeply nested text an attacker could send (it must stay bounded and fail closed).

    python -m evaluation.bench_safety [--rounds N]

The commands are this project's own everyday tasks. Prints the median and 95th percentile of one ``assess``
call in milliseconds (parse cache cleared, as for a new command), and the seconds for the two huge inputs.
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import time

COMMANDS = [
    "ls -la", "find . -name '*.pyc' -delete", "du -sh * | sort -h | tail -5", "git status", "git log --oneline -5",
    "tar -czf backup.tar.gz src", "grep -rn TODO --include='*.py' .", "docker ps -a", "kubectl get pods -A",
    "ps aux --sort=-%mem | head", "df -h", "awk -F, '{s+=$3} END {print s}' data.csv", "sed -i 's/foo/bar/g' *.txt",
    "find /var/log -name '*.log' -size +100M -exec gzip -k {} \\;", "curl -sSL https://example.org -o page.html",
    "pip install -r requirements.txt", "python -m pytest -q", "rsync -av src/ backup/", "chmod +x run.sh",
    "ssh-keygen -t ed25519 -f ~/.ssh/id_ed25519", "for f in *.csv; do wc -l \"$f\"; done", "npm run build",
    "xargs -0 rm < list.txt", "journalctl -u nginx --since today", "openssl rand -hex 16", "cp -r ~/templates/. .",
]


def _nest(command: str, depth: int) -> str:
    for _ in range(depth):
        command = "bash -c " + shlex.quote(command)
    return command


def bench(rounds: int = 20) -> dict[str, float]:
    from devgpt_magic.safety import assess
    from devgpt_magic.safety.parse import parse

    assess("warm up")
    times = []
    for _ in range(rounds):
        for command in COMMANDS:
            parse.cache_clear()
            start = time.perf_counter()
            assess(command)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    figures = {"commands": len(COMMANDS), "median_ms": statistics.median(times),
               "p95_ms": times[int(0.95 * (len(times) - 1))]}
    for name, text in (("nested_350kb_s", _nest("rm -rf ~", 11)), ("echo_20000_words_s", "echo " + "x " * 20_000)):
        start = time.perf_counter()
        assess(text)
        figures[name] = time.perf_counter() - start
    return figures


def show(f: dict[str, float]) -> None:
    print(f"assess() over {f['commands']:.0f} everyday commands: median {f['median_ms']:.2f} ms, "
          f"p95 {f['p95_ms']:.2f} ms")
    print(f"huge input: 11 levels of bash -c (about 350 KB) {f['nested_350kb_s']:.2f} s; "
          f"echo with 20,000 words {f['echo_20000_words_s']:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m evaluation.bench_safety")
    parser.add_argument("--rounds", type=int, default=20, help="passes over the command list")
    show(bench(parser.parse_args().rounds))


if __name__ == "__main__":
    main()
