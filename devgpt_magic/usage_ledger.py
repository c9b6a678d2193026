"""Tokens and cost per model over the life of one engine (one kernel, one CLI process)."""

from __future__ import annotations

import threading

from .schema import Usage


class UsageLedger:
    def __init__(self) -> None:
        self._totals: dict[str, Usage] = {}
        self._lock = threading.Lock()

    def record(self, usage: Usage) -> None:
        """Only complete, successful calls are recorded; cached answers count as calls with no tokens."""
        if usage.cached:
            usage = usage.model_copy(update={"prompt_tokens": 0, "completion_tokens": 0, "cost_usd": None})
        with self._lock:
            current = self._totals.get(usage.model)
            self._totals[usage.model] = usage if current is None else current + usage

    def totals(self) -> dict[str, Usage]:
        with self._lock:
            return dict(self._totals)

    def grand_total(self) -> Usage | None:
        totals = list(self.totals().values())
        if not totals:
            return None
        total = totals[0].model_copy(update={"model": "all models"})
        for usage in totals[1:]:
            total = total + usage
        return total

    def clear(self) -> None:
        with self._lock:
            self._totals.clear()
