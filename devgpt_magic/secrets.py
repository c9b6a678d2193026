"""Keeping API keys out of everything the user or a log can see.

Every error message passes through :func:`redact`; the registry knows which environment variables hold
keys, and their values are masked wherever they would appear.
"""

from __future__ import annotations

import os
import re

#: Environment variables that may hold credentials. Values of these never leave the process except in
#: the Authorization header of the vendor they belong to.
KEY_ENV_VARS: tuple[str, ...] = (
    "OPENAI_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "ANTHROPIC_API_KEY",
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "DEVGPT_COMPAT_API_KEY",
)

_KEY_SHAPES = re.compile(
    r"(sk-[A-Za-z0-9_\-]{16,}|sk-ant-[A-Za-z0-9_\-]{16,}|AIza[0-9A-Za-z_\-]{20,}|hf_[A-Za-z0-9]{20,})"
)


def secret_values() -> list[str]:
    """The current values of the key variables, longest first so overlapping values mask fully."""
    values = {os.environ.get(name, "") for name in KEY_ENV_VARS}
    return sorted((v for v in values if len(v) >= 6), key=len, reverse=True)


def redact(text: str) -> str:
    """Mask key values and anything shaped like a vendor key."""
    for value in secret_values():
        text = text.replace(value, "***")
    return _KEY_SHAPES.sub("***", text)
