"""Which Provider class serves a spec; the vendor module (and its SDK) is imported only here, on demand."""

from __future__ import annotations

import importlib

from .base import Provider
from .registry import ModelSpec

_CLASSES: dict[str, tuple[str, str]] = {
    "local": ("devgpt_magic.models.local", "LocalProvider"),
    "openai": ("devgpt_magic.models.openai_provider", "OpenAIProvider"),
    "gemini": ("devgpt_magic.models.gemini", "GeminiProvider"),
    "anthropic": ("devgpt_magic.models.anthropic_provider", "AnthropicProvider"),
    "hf": ("devgpt_magic.models.hf", "HuggingFaceProvider"),
}


def provider_for(spec: ModelSpec) -> Provider:
    module, name = _CLASSES[spec.provider]
    return getattr(importlib.import_module(module), name)(spec)
