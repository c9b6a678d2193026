"""Settings read from the environment, with one rule: unset means the default; a value that cannot be used
is a one-line error naming the variable, never a silent fallback."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ConfigError


def number_setting(name: str, default: float, example: str) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number: set it to {example}, or unset it.") from None


def timeout_s() -> float:
    """``DEVGPT_TIMEOUT``: seconds a cloud call may take (default 60)."""
    return max(1.0, number_setting("DEVGPT_TIMEOUT", 60.0, "seconds, e.g. 60"))


def max_retries() -> int:
    """``DEVGPT_MAX_RETRIES``: retries after 429, 5xx and timeouts (default 2)."""
    return max(0, int(number_setting("DEVGPT_MAX_RETRIES", 2, "a count, e.g. 2")))


def cache_root() -> Path:
    """``DEVGPT_CACHE_DIR``, else the user's cache folder: replies and prompt states live below it."""
    configured = os.environ.get("DEVGPT_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("devgpt-magic"))
