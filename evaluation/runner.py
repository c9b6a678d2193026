"""``python -m evaluation run``: ask a model every item of a suite, score it, write one JSON line per item.

Resumable: items already in ``results.jsonl`` are not asked again (but are re-judged with the current
scorer). The summary (``summary.json``) holds accuracy on
verifiable items, the unverifiable count, validity, invalid-request detection, latency, tokens and cost.
"""

from __future__ import annotations

import json
import shutil
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from devgpt_magic.context import Context
from devgpt_magic.engine import Engine
from devgpt_magic.errors import DevGPTError
from devgpt_magic.models.registry import resolve
from devgpt_magic.schema import Techniques

from .suites import Item, load

#: Tools a suggestion may use that need not be installed on the machine running the evaluation.
WELL_KNOWN = {"git", "git-lfs", "docker", "kubectl", "brew", "apt", "apt-get", "yum", "dnf", "pacman", "npm", "yarn",
              "pip", "pip3", "conda", "cargo", "go", "java", "javac", "mvn", "gradle", "node", "python", "python3",
              "ruby", "gem", "systemctl", "service", "ifconfig", "ip", "netstat", "ss", "lsof", "nmap", "curl", "wget",
              "ssh", "scp", "rsync", "tmux", "screen", "htop", "top", "ps", "kill", "pkill", "crontab", "sudo",
              "export", "source", "cd", "echo", "printf", "set", "unset", "alias", "ufw", "iptables", "open",
              "xdg-open", "pbcopy", "defaults", "launchctl", "diskutil", "softwareupdate", "mdfind", "sw_vers",
              "networksetup", "nvidia-smi", "zip", "unzip", "tar", "gzip", "make", "cmake", "gcc", "clang",
              "ping", "traceroute", "dig", "nslookup", "host", "whois", "resolvectl", "systemd-resolve", "scrot",
              "screencapture", "ufw", "firewall-cmd", "journalctl", "dmesg", "lsblk", "mount", "umount"}
#: Shell keywords and builtins: valid first words that are not programs on PATH.
SHELL_WORDS = {"if", "for", "while", "until", "case", "[", "[[", "test", "ulimit", "read", "export", "source", ".",
               "cd", "echo", "printf", "set", "unset", "alias", "type", "command", "eval", "exec", "trap", "wait",
               "jobs", "fg", "bg", "umask", "history", "declare", "local", "let", "(", "{"}


#: Words that run the program after them; alone, or before a pipe or an option, they are the program (`env | grep
#: API` runs env).
_WRAPPERS = ("sudo", "env", "nohup", "time", "nice")
_OPERATORS = {"|", "||", "&&", ";", "&", "|&", ">", ">>", "<", "2>", "2>&1"}


def first_program(command: str) -> str:
    import shlex

    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    while words and ("=" in words[0] and not words[0].startswith("=")):
        words.pop(0)
    while (len(words) > 1 and words[0] in _WRAPPERS and words[1] not in _OPERATORS
           and not words[1].startswith("-")):
        words.pop(0)
        while words and ("=" in words[0] and not words[0].startswith("=")):  # env A=1 B=2 program
            words.pop(0)
    return words[0] if words else ""


def program_known(command: str) -> bool:
    name = first_program(command)
    return bool(name) and (shutil.which(name) is not None or name in WELL_KNOWN or name in SHELL_WORDS)


#: Bumped when what the model is told or how answers are scored changes: runs of different harness versions
#: are not comparable, and a resume into an older run folder is refused.
#: 3: every run is told the same moment (:data:`MOMENT`).
HARNESS = 3

#: The date and time every prompt of every run is told. Harness 2 told each run the minute it started, so two
#: runs asked different prompts: 27 of 297 greedy answers changed between the 1.5B baseline and its --help
#: checks run where the checks had changed nothing, as many as any technique moved. Items whose references
#: depend on the clock are unverifiable, so no verdict depends on which moment this is.
MOMENT = "Monday 2026-11-02 09:00 UTC"


def sandbox_context() -> Context:
    """What the model is told about the machine is the sandbox the commands will be scored in: NL2SH-ALFA's
    Ubuntu 24.04 image, bash, working directory / as root (not the checkout's folder on the host)."""
    return Context(platform="Linux (Ubuntu 24.04, x86_64)", shell="bash", now=MOMENT, cwd="/")


def host_context() -> Context:
    """This machine as the user would have it, at the fixed moment (DeveloperGPT's suites run nothing)."""
    return Context.current().model_copy(update={"now": MOMENT})


def _placement(args: Any) -> str | None:
    """Where the invalid-request example sat; None for zero-shot runs, which show no examples. A regular run
    that explains after deciding asks with the fast-mode prompt, so its placement is fast mode's."""
    if args.shots != "few":
        return None
    asked = "fast" if args.mode == "regular" and techniques(args).explain_after else args.mode
    return resolve(args.model).placement(asked)


def techniques(args: Any) -> Techniques:
    """The model's registry techniques, with any given on the command line in their place (ablations)."""
    base = resolve(args.model).techniques
    given = {name: getattr(args, name) for name in Techniques.model_fields if getattr(args, name, None) is not None}
    if getattr(args, "mode", None) == "fast":
        given["explain_after"] = False  # only regular mode explains: a fast run is the same with it on or off
    return base.model_copy(update=given)


def _fixture_behaviour(item: Item) -> Any:
    """Candidates of an NL2SH-ALFA item run where its answer will be scored: a fresh copy of its fixture in
    the sandbox (the evaluation's counterpart of the product's view over the working folder)."""
    if item.suite != "nl2sh-alfa":
        return None
    from devgpt_magic.candidates import Outcome, signature_of

    from .scoring import _ORDER_WORDS, candidate_behaviour

    keep = bool(_ORDER_WORDS.search(item.request))

    def behave(command: str) -> Outcome | None:
        got = candidate_behaviour(item.fixture or 1, command, keep, with_stderr=True)
        if not got.ok:
            return None
        ok = got.reason == "" and bool(got.stdout or got.changed_fs)
        error = "" if got.stdout or got.changed_fs else got.stderr  # as the product's sandbox reports it
        return Outcome(signature_of(got.reason == "", "\n".join(got.stdout), [got.manifest_hash]), ok, error)

    return behave


def _ask(engine: Engine, item: Item, args: Any) -> dict[str, Any]:
    start = time.perf_counter()
    row: dict[str, Any] = {"id": item.id, "request": item.request, "model": args.model, "mode": args.mode,
                           "shots": args.shots, "invalid_example": _placement(args), "harness": HARNESS,
                           "techniques": techniques(args).model_dump()}
    try:
        s = engine.suggest(item.request, model=args.model, mode=args.mode, shots=args.shots, use_cache=False,
                           techniques=techniques(args), behaviour=_fixture_behaviour(item))
        row.update(raw=s.raw_text, commands=[c.command for c in s.commands], invalid=s.is_invalid,
                   alternatives=[a.command for a in s.alternatives],
                   invalid_reason=s.invalid_reason, valid=True, repaired=s.repaired,
                   prompt_tokens=s.usage.prompt_tokens, completion_tokens=s.usage.completion_tokens,
                   cost_usd=s.usage.cost_usd)
    except DevGPTError as exc:
        row.update(raw=getattr(exc, "raw_text", ""), commands=[], invalid=False, valid=False, error=str(exc),
                   prompt_tokens=0, completion_tokens=0, cost_usd=None)
    row["latency_s"] = time.perf_counter() - start
    return row


def _judge(item: Item, row: dict[str, Any]) -> None:
    if item.suite == "nl2sh-alfa":
        from .scoring import score

        verdict, reason = score(item, "\n".join(row["commands"]))
    elif item.expect_invalid:
        verdict, reason = ("pass", "flagged invalid") if row["invalid"] else ("fail", "not flagged invalid")
    elif not row["valid"]:
        verdict, reason = "fail", "no valid structured reply"
    elif row["invalid"]:
        verdict, reason = "fail", "a real task was flagged invalid"
    else:
        unknown = [c for c in row["commands"] if not program_known(c)]
        verdict, reason = ("fail", f"unknown program: {first_program(unknown[0])}") if unknown else \
            ("pass", "valid commands with known programs")
    row["verdict"], row["reason"] = verdict, reason


def _scorer_version(suite: str) -> int | None:
    from .scoring import SCORER

    return SCORER if suite == "nl2sh-alfa" else None


def summarise(rows: list[dict[str, Any]], suite: str, args: Any) -> dict[str, Any]:
    scored = [r for r in rows if r["verdict"] != "unverifiable"]
    latencies = [r["latency_s"] for r in rows]
    costs = [r["cost_usd"] for r in rows if r.get("cost_usd") is not None]
    return {
        "model": args.model, "suite": suite, "mode": args.mode, "shots": args.shots, "harness": HARNESS,
        "scorer": _scorer_version(suite),
        "techniques": techniques(args).model_dump(),
        "invalid_example": _placement(args), "items": len(rows),
        "verifiable": len(scored), "unverifiable": len(rows) - len(scored),
        "accuracy": sum(r["verdict"] == "pass" for r in scored) / len(scored) if scored else None,
        "valid_rate": sum(r["valid"] for r in rows) / len(rows) if rows else None,
        "flagged_invalid": sum(bool(r.get("invalid")) for r in rows),
        "latency_median_s": statistics.median(latencies) if latencies else None,
        "latency_mean_s": statistics.fmean(latencies) if latencies else None,
        "prompt_tokens_mean": statistics.fmean(r["prompt_tokens"] for r in rows) if rows else None,
        "completion_tokens_mean": statistics.fmean(r["completion_tokens"] for r in rows) if rows else None,
        "cost_usd_total": sum(costs) if costs else (None if not resolve(args.model).is_local else 0.0),
    }


def run(args: Any) -> dict[str, Any]:
    from tqdm import tqdm

    items = load(args.suite, Path(args.developergpt_dir) if args.developergpt_dir else None)
    if args.limit:
        items = items[: args.limit]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = out / "results.jsonl"
    done = {}
    if results.is_file():
        for line in results.read_text().splitlines():
            row = json.loads(line)
            done[row["id"]] = row
    placement = _placement(args)
    # rows from before the field was recorded were made with the example first
    earlier = {row.get("invalid_example", "first" if placement else None) for row in done.values()}
    versions = {row.get("harness", 1) for row in done.values()}
    if versions - {HARNESS}:
        raise SystemExit(f"{out} holds answers from harness version {'/'.join(map(str, sorted(versions)))}; this is "
                         f"version {HARNESS} (what the model is told changed). Give a new --out folder.")
    # rows written before a technique existed ran without it
    used = {json.dumps({**Techniques().model_dump(), **row.get("techniques", {})}, sort_keys=True)
            for row in done.values()}
    wanted = json.dumps(techniques(args).model_dump(), sort_keys=True)
    if used - {wanted}:
        raise SystemExit(f"{out} holds answers made with other techniques ({', '.join(sorted(used))}); this run "
                         f"uses {wanted}. Give a new --out folder.")
    if earlier - {placement}:
        raise SystemExit(f"{out} holds answers made with the invalid example {'/'.join(sorted(map(str, earlier)))}; "
                         f"{args.model} now uses {placement}. Give a new --out folder.")
    todo = [i for i in items if i.id not in done]
    by_id = {i.id: i for i in items}
    for row in done.values():  # answers already given are kept; verdicts always come from the current scorer
        if row["id"] in by_id:
            _judge(by_id[row["id"]], row)
    engine = Engine(context=sandbox_context() if args.suite == "nl2sh-alfa" else host_context())
    jobs = 1 if resolve(args.model).is_local else max(1, args.jobs)
    with open(results, "a") as sink, tqdm(total=len(items), initial=len(items) - len(todo),
                                         desc=f"{args.model} {args.suite} {args.mode}") as bar:
        def work(item: Item) -> dict[str, Any]:
            row = _ask(engine, item, args)
            _judge(item, row)
            return row

        with ThreadPoolExecutor(jobs) as pool:
            for row in pool.map(work, todo):
                sink.write(json.dumps(row) + "\n")
                sink.flush()
                done[row["id"]] = row
                bar.update()
    rows = [done[i.id] for i in items if i.id in done]
    results.write_text("".join(json.dumps(r) + "\n" for r in done.values()))
    summary = summarise(rows, args.suite, args)
    if args.suite == "nl2sh-alfa" and not args.limit:
        from .scoring import self_check

        summary["scorer_self_check"] = self_check(items)
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary, indent=1))
    return summary


def rescore(dirs: list[str], developergpt_dir: Path | None = None) -> None:
    """Judge the answers of finished runs again with the current scorer: the model is not asked, so runs made
    before a scorer change stay comparable with new ones (``summary.json`` records the version). DeveloperGPT
    runs need the folder of its request files."""
    from types import SimpleNamespace

    from .scoring import self_check

    alfa = {i.id: i for i in load("nl2sh-alfa", None)}
    checked: dict[str, float] = {}  # the scorer's self-check does not depend on the run: once for all folders
    for folder in map(Path, dirs):
        old = json.loads((folder / "summary.json").read_text())
        suite = old.get("suite")
        items = alfa
        if suite != "nl2sh-alfa":
            if developergpt_dir is None:
                print(f"{folder}: {suite} needs --developergpt-dir; left as it is")
                continue
            items = {i.id: i for i in load(suite, developergpt_dir)}
        rows = [json.loads(line) for line in (folder / "results.jsonl").read_text().splitlines()]
        for row in rows:
            _judge(items[row["id"]], row)
        args = SimpleNamespace(model=old["model"], mode=old["mode"], shots=old["shots"],
                               **{**Techniques().model_dump(), **(old.get("techniques") or {})})
        summary = {**summarise(rows, suite, args), "harness": old.get("harness", 1)}
        if "invalid_example" in old:  # harness-1 runs did not record it
            summary["invalid_example"] = old["invalid_example"]
        if "scorer_self_check" in old:
            checked = checked or self_check(list(alfa.values()))
            summary["scorer_self_check"] = checked
        (folder / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        (folder / "summary.json").write_text(json.dumps(summary, indent=1))
        print(f"{folder}: accuracy {old.get('accuracy') or 0:.3f} -> {summary['accuracy'] or 0:.3f} "
              f"({summary['verifiable']} verifiable, scorer {summary['scorer']})")
