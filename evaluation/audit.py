"""A judged audit of the strict scorer: how a run's failures look to a reader of both outputs.

The scorer passes an answer only when its output equals a reference's after canonical spelling. NL2SH-ALFA's own
heuristic, under the published figures the project's targets are set against, lets an LLM read both outputs
when they differ. This module lays the two side by side without changing any verdict:

- ``python -m evaluation audit-sheet RUN --out DIR`` writes ``DIR/sheet.jsonl``: blind, shuffled cases of a
  request, an expected command with its output and an answer with its output. The cases are the run's failures
  that printed something (one per verifiable reference) and two controls the judge cannot tell from them: the
  item's second reference where the scorer rejects it (a right answer: the judge should accept) and, as many,
  another item's reference run here (a wrong one: the judge should reject). ``DIR/key.json`` says which is which.
- A judge (a person or a model) writes ``DIR/verdicts.jsonl``: ``{"case": ..., "equivalent": true|false, "why": ...}``.
- ``python -m evaluation audit-tally DIR`` writes ``DIR/tally.json``: the judge's acceptance of each control and
  the run's accuracy when a judged-equivalent failure counts as right.

Answers that changed the file system, or items whose references do, are left to the scorer's exact comparison.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from .scoring import _ORDER_WORDS, _random_partners, canonical, candidate_behaviour, reference, same, volatile
from .suites import Item, nl2sh_alfa

#: what a case shows of an output: enough lines to judge, short enough to read
LINES, WIDTH = 25, 160


def _shown(behaviour: Any, keep: bool) -> dict[str, Any]:
    lines = canonical(behaviour.stdout, keep)
    return {"output": [line[:WIDTH] for line in lines[:LINES]], "output_lines": len(lines),
            "exit": behaviour.reason or "exit 0"}


def _case(item: Item, expected: str, answer: str, answer_behaviour: Any, keep: bool) -> dict[str, Any]:
    return {"request": item.request,
            "expected": {"command": expected, **_shown(reference(item, expected), keep)},
            "answer": {"command": answer, **_shown(answer_behaviour, keep)}}


def sheet(run: Path, out: Path, seed: int = 0, suite: list[Item] | None = None) -> dict[str, int]:
    """Write the blind sheet and its key for one NL2SH-ALFA run (over ``suite``, by default all of it); return how
    many cases of each kind."""
    rows = {r["id"]: r for r in map(json.loads, (run / "results.jsonl").read_text().splitlines())}
    items = [i for i in (nl2sh_alfa() if suite is None else suite) if not volatile(i)]
    partner = _random_partners(items)
    cases: list[tuple[str, dict[str, Any]]] = []
    for n, item in enumerate(items):
        keep = bool(_ORDER_WORDS.search(item.request))
        refs = {c: b for c in item.references if (b := reference(item, c)) is not None}
        if not refs or any(b.changed_fs for b in refs.values()):
            continue
        row = rows.get(item.id)
        if row and row.get("verdict") == "fail" and row.get("commands"):
            answer = "\n".join(row["commands"])
            got = candidate_behaviour(item.fixture or 1, answer, keep)
            if got.ok and not got.changed_fs and got.stdout:
                cases += [(f"failure:{item.id}", _case(item, ref, answer, got, keep)) for ref in refs]
        first, second = (refs.get(c) for c in item.references)
        if first and second and not same(second, first, keep):
            cases.append((f"same-item:{item.id}", _case(item, item.references[0], item.references[1], second, keep)))
        other = partner.get(n)
        if first and other is not None and other.references[1] not in item.references:
            wrong = reference(item, other.references[1])
            if wrong and not wrong.changed_fs and wrong.stdout and not same(wrong, first, keep):
                cases.append((f"mismatched:{item.id}", _case(item, item.references[0], other.references[1], wrong,
                                                             keep)))
    rng = random.Random(seed)
    # as many wrong controls as right ones, so that neither answer is the safe guess on a control
    wrong_controls = [c for c in cases if c[0].startswith("mismatched")]
    right_controls = sum(c[0].startswith("same-item") for c in cases)
    dropped = {id(c) for c in wrong_controls} - {id(c) for c in rng.sample(wrong_controls, min(right_controls,
                                                                                                 len(wrong_controls)))}
    cases = [c for c in cases if id(c) not in dropped]
    rng.shuffle(cases)
    out.mkdir(parents=True, exist_ok=True)
    (out / "sheet.jsonl").write_text("".join(json.dumps({"case": n, **case}) + "\n" for n, (_, case) in
                                             enumerate(cases)))
    (out / "key.json").write_text(json.dumps({"run": str(run), "cases": {n: kind for n, (kind, _) in
                                                                         enumerate(cases)}}, indent=1))
    kinds: dict[str, int] = {}
    for kind, _ in cases:
        kinds[kind.split(":")[0]] = kinds.get(kind.split(":")[0], 0) + 1
    return kinds


def tally(folder: Path) -> dict[str, Any]:
    """The judge's acceptance of each kind of case, and the run's accuracy with judged failures counted right."""
    key = json.loads((folder / "key.json").read_text())
    verdicts = {str(v["case"]): bool(v["equivalent"])
                for v in map(json.loads, (folder / "verdicts.jsonl").read_text().splitlines()) if v}
    missing = sorted(set(key["cases"]) - set(verdicts), key=int)
    if missing:
        raise SystemExit(f"{len(missing)} cases have no verdict (first: {missing[0]}); judge them all, then tally")
    accepted: dict[str, list[bool]] = {}
    rescued: set[str] = set()
    for case, kind in key["cases"].items():
        what, item = kind.split(":")
        accepted.setdefault(what, []).append(verdicts[case])
        if what == "failure" and verdicts[case]:
            rescued.add(item)
    summary = json.loads((Path(key["run"]) / "summary.json").read_text())
    passed = round(summary["accuracy"] * summary["verifiable"])
    result = {"run": key["run"], "verifiable": summary["verifiable"], "strict_accuracy": summary["accuracy"],
              "failures_judged": len({k.split(":")[1] for k in key["cases"].values() if k.startswith("failure")}),
              "failures_accepted": len(rescued),
              "judged_accuracy": (passed + len(rescued)) / summary["verifiable"],
              "judge_accepts_same_item": _share(accepted.get("same-item", [])),
              "judge_accepts_mismatched": _share(accepted.get("mismatched", [])),
              "controls": {k: len(v) for k, v in accepted.items() if k != "failure"}}
    (folder / "tally.json").write_text(json.dumps(result, indent=1))
    return result


def _share(flags: list[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0
