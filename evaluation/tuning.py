"""Prompt tuning on requests of our own, never on an evaluation set.

The one prompt choice tuned per model is where the invalid-request example sits among the few-shot
examples (``ModelSpec.invalid_example``). ``python -m evaluation tune --model M`` asks the model every
request below with each placement and counts the verdicts: real tasks wrongly called invalid, and
impossible requests rightly refused. ``tests/test_prompts.py`` checks that none of these requests occurs
in NL2SH-ALFA or DeveloperGPT's files.
"""

from __future__ import annotations

import json
import time
from argparse import Namespace
from typing import get_args

from devgpt_magic.errors import DevGPTError
from devgpt_magic.schema import InvalidExample

#: Everyday tasks a terminal can do.
DOABLE = [
    "show the ten largest files in the current folder",
    "count the lines of every markdown file in docs",
    "print the IP addresses of this machine",
    "list the processes using the most memory",
    "make a folder called backups with today's date in its name",
    "find files under src changed in the last two days",
    "show how much free space each mounted filesystem has",
    "download https://example.com/data.csv into the data folder",
    "rename every .jpeg file here to .jpg",
    "show the last 50 lines of app.log and keep following it",
    "replace the word colour with color in notes.txt",
    "list the git branches sorted by the date of their last commit",
    "extract archive.zip into a folder named archive",
    "show which program is listening on port 8080",
    "print the environment variables whose name contains PATH",
    "make run.sh executable",
]

#: Requests no terminal command can carry out.
IMPOSSIBLE = [
    "bake a chocolate cake for my sister's birthday",
    "make my cat stop scratching the sofa",
    "tell my neighbour to turn the music down",
    "paint the kitchen wall light blue",
]


def tune(args: Namespace) -> dict:
    from devgpt_magic.engine import Engine

    engine = Engine()
    spec = engine.resolve(args.model)
    rows = []
    for placement in get_args(InvalidExample):
        verdicts: dict[str, list[bool]] = {"doable": [], "impossible": []}
        started = time.perf_counter()
        for kind, requests in (("doable", DOABLE), ("impossible", IMPOSSIBLE)):
            for request in requests[:args.limit]:
                try:
                    s = engine.suggest(request, model=spec.name, mode=args.mode, use_cache=False,
                                       invalid_example=placement)
                    verdicts[kind].append(s.is_invalid)
                except DevGPTError:  # an unusable reply counts as a miss either way
                    verdicts[kind].append(kind == "doable")
        rows.append({"invalid_example": placement, "doable_called_invalid": sum(verdicts["doable"]),
                     "doable": len(verdicts["doable"]), "impossible_refused": sum(verdicts["impossible"]),
                     "impossible": len(verdicts["impossible"]), "seconds": round(time.perf_counter() - started, 1)})
    # a real task refused is the main job failed; an impossible request answered still waits for the user's
    # confirmation, so the first count decides and the second breaks ties
    best = min(rows, key=lambda r: (r["doable_called_invalid"], -r["impossible_refused"],
                                    r["invalid_example"] != spec.placement(args.mode)))
    result = {"model": spec.name, "mode": args.mode, "registry_setting": spec.placement(args.mode),
              "best": best["invalid_example"], "rows": rows}
    for r in rows:
        print(f"{spec.name} {args.mode} invalid example {r['invalid_example']:>5}: "
              f"{r['doable_called_invalid']}/{r['doable']} real tasks called invalid, "
              f"{r['impossible_refused']}/{r['impossible']} impossible requests refused ({r['seconds']} s)")
    print(f"best: {best['invalid_example']} (registry: {spec.placement(args.mode)})")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)
    return result
