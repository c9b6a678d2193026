"""Would a reviewer pick better among a run's card? ``python -m evaluation.review_rerank RUN [--model M] [--json F]``

For every NL2SH-ALFA item where the run offered other ways, each command on the card (the answer and the other
ways) is scored by how likely the model finds the user's request given the command, log p(request | command):
the "reviewer" half of coder-reviewer reranking, which targets a valid command that leaves out something the
request said. The card's best-scored command is compared with the run's own choice, paired. No model is asked
to write anything and no verdict of the run changes; the choice rule is fixed here, not tuned on the items.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from devgpt_magic.models.local_files import gguf_path
from devgpt_magic.models.registry import resolve
from devgpt_magic.service.loading import load_llama

from .scoring import score
from .suites import nl2sh_alfa

#: the reviewer's question; the request is scored as the assistant's answer to it (Qwen chat template)
QUESTION = ("<|im_start|>user\nWhat does this shell command do? Say it as the one-sentence request a user would "
            "type to get it.\n```bash\n{command}\n```<|im_end|>\n<|im_start|>assistant\n")


def reviewer_logprob(llm: Any, command: str, request: str) -> float:
    """log p(request | command): the sum of the request tokens' log probabilities after the question."""
    import numpy as np

    head = llm.tokenize(QUESTION.format(command=command).encode(), add_bos=False, special=True)
    asked = llm.tokenize(request.strip().encode(), add_bos=False, special=False)
    llm.reset()
    llm.eval(head + asked)
    logits = np.asarray(llm.scores[len(head) - 1:len(head) + len(asked) - 1], dtype=np.float64)
    top = logits.max(axis=1, keepdims=True)
    logp = logits - top - np.log(np.exp(logits - top).sum(axis=1, keepdims=True))
    return float(sum(logp[n, token] for n, token in enumerate(asked)))


def rerank(run: Path, model: str) -> dict[str, Any]:
    items = {i.id: i for i in nl2sh_alfa()}
    llm = load_llama(gguf_path(resolve(model), download=False), n_ctx=1024, logits_all=True)
    rows = [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines()]
    cards = []
    for row in rows:
        if not row.get("alternatives") or row.get("verdict") not in ("pass", "fail"):
            continue
        item = items[row["id"]]
        commands = ["\n".join(row["commands"])] + list(row["alternatives"])
        right = [row["verdict"] == "pass"] + [score(item, other)[0] == "pass" for other in row["alternatives"]]
        scores = [reviewer_logprob(llm, command, item.request) for command in commands]
        cards.append({"id": row["id"], "commands": commands, "right": right, "reviewer": scores})
    picked = [card["right"][max(range(len(card["right"])), key=lambda n: card["reviewer"][n])] for card in cards]
    result = {"run": str(run), "model": model, "items_with_other_ways": len(cards),
              "run_right": sum(card["right"][0] for card in cards), "reviewer_right": sum(picked),
              "gained": sum(p and not card["right"][0] for p, card in zip(picked, cards)),
              "lost": sum(card["right"][0] and not p for p, card in zip(picked, cards)),
              "any_right": sum(any(card["right"]) for card in cards), "cards": cards}
    print(f"{len(cards)} items with other ways: the run's choice right on {result['run_right']}, the reviewer's on "
          f"{result['reviewer_right']} (+{result['gained']} / -{result['lost']}); a right command on "
          f"{result['any_right']} cards")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--model", default="qwen2.5-coder-1.5b", help="a pulled local Qwen model (its chat template)")
    parser.add_argument("--json", type=Path, help="also write the figures and every card's scores here")
    args = parser.parse_args()
    result = rerank(args.run, args.model)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
