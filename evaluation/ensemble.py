"""How far choosing among finished runs' answers could go, without asking any model.

``python -m evaluation ensemble DIR DIR ...`` takes the answers several NL2SH-ALFA runs gave to each item, picks
one the way the candidates technique does (grouped by what they do in the item's sandbox, the first folder's
answer winning ties), and prints that accuracy beside the first run's own and the oracle's (an item counts if
any run was right). A technique that only chooses among these answers can do no better than the oracle, and the
behaviour vote shows how much of it a real choice recovers. It also says how often the first run's card held a
right command, as its answer or among the other ways it offered: the most a better choice among one run's own
candidates (a judge) could reach; and the ceiling of all: an item counts if any run's answer or any other way
any run offered was right. A choosing technique over these models' answers cannot go past that ceiling.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from devgpt_magic.candidates import choose
from devgpt_magic.safety import assess
from devgpt_magic.schema import CommandStep, Suggestion

from .runner import _fixture_behaviour
from .scoring import score
from .suites import nl2sh_alfa


def _answer(row: dict[str, Any]) -> Suggestion:
    if row.get("invalid"):
        return Suggestion(request=row["request"], invalid_reason=row.get("invalid_reason") or "invalid")
    # judged where the scorer runs it (cwd /), so only what is safe there is run to be grouped
    return Suggestion(request=row["request"],
                      commands=[CommandStep(command=c, risk=assess(c, cwd="/")) for c in row.get("commands", [])])


def _offered_right(item: Any, row: dict[str, Any]) -> bool:
    """Whether one of the other ways a run offered for the item behaves like a reference."""
    return any(score(item, other)[0] == "pass" for other in row.get("alternatives") or [])


def ensemble(dirs: list[str]) -> dict[str, Any]:
    runs = []
    for folder in dirs:
        rows = [json.loads(line) for line in (Path(folder) / "results.jsonl").read_text().splitlines()]
        runs.append({row["id"]: row for row in rows})
    first, voted, oracle, offered, ceiling, items = 0, 0, 0, 0, 0, 0
    for item in nl2sh_alfa():
        answers = [run[item.id] for run in runs if item.id in run]
        if len(answers) < len(runs) or answers[0].get("verdict") not in ("pass", "fail"):
            continue  # only items every run answered and the scorer can verify
        items += 1
        first += answers[0]["verdict"] == "pass"
        # on the first run's card: its answer, or one of the other ways it offered (what a judge could still pick)
        on_card = [answers[0]["verdict"] == "pass" or _offered_right(item, answers[0])]
        offered += on_card[0]
        oracle += any(row.get("verdict") == "pass" for row in answers)
        ceiling += on_card[0] or any(row.get("verdict") == "pass" or _offered_right(item, row) for row in answers[1:])
        best, _ = choose([_answer(row) for row in answers], _fixture_behaviour(item))
        if not best.is_invalid:
            voted += score(item, "\n".join(step.command for step in best.commands))[0] == "pass"
    result = {"runs": dirs, "items": items, "first": first / items if items else 0.0,
              "voted": voted / items if items else 0.0, "oracle": oracle / items if items else 0.0,
              "first_card": offered / items if items else 0.0, "ceiling": ceiling / items if items else 0.0}
    print(f"{items} verifiable items answered by all {len(dirs)} runs: first run {result['first']:.3f} "
          f"(right on its card, chosen or among its other ways: {result['first_card']:.3f}), "
          f"chosen by behaviour {result['voted']:.3f}, any run right (oracle) {result['oracle']:.3f}, any answer or "
          f"other way right (ceiling) {result['ceiling']:.3f}")
    return result
