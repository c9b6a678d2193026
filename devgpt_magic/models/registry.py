"""Resolve what the user typed (``gpt4o``, ``local``, ``gguf:/p.gguf``, ``openai:o3``) into a ModelSpec.

Selection order: explicit name > ``DEVGPT_MODEL`` > the local default, so a fresh install works with
no key and no network.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from ..errors import UnknownModelError
from ..schema import InvalidExample, Mode, Techniques
from .catalog import CATALOG
from .providers import provider_class, provider_classes, servers

DEFAULT_LOCAL = "smollm2-135m"


class ModelSpec(BaseModel):
    name: str
    aliases: list[str] = Field(default_factory=list)
    #: the ``name`` of a Provider class (``openai``, ``gemini``, ``anthropic``, ``hf``, ``local``, ...)
    provider: str
    model_id: str
    kind: Literal["instruct", "base"] = "instruct"
    #: Small models lean towards the verdict of the example nearest their request; this places the
    #: invalid-request example, per mode, where it misleads the model least (``python -m evaluation tune``).
    invalid_example: dict[Mode, InvalidExample] = Field(default_factory=lambda: {"regular": "first",
                                                                                 "fast": "first"})
    context_window: int
    max_output: int
    #: US dollars per million tokens; None when the vendor does not price per token.
    price_in: float | None = None
    price_out: float | None = None
    description: str = ""
    #: OpenAI-compatible server; None means the vendor's own endpoint.
    base_url: str | None = None
    # local GGUF sources, in the order they are tried
    model_path: str | None = None
    package_file: tuple[str, str] | None = None
    repo_id: str | None = None
    filename: str | None = None
    size: int | None = None
    sha256: str | None = None
    #: measured NL2SH-ALFA accuracy (local presets): picks the default among the models on disk
    accuracy: float | None = None
    #: what the engine adds around a command request for this model (measured per model)
    techniques: Techniques = Field(default_factory=Techniques)

    @field_validator("provider")
    @classmethod
    def _known_provider(cls, value: str) -> str:
        if value not in provider_classes():
            raise ValueError(f"unknown provider {value!r}")
        return value

    def placement(self, mode: Mode) -> InvalidExample:
        return self.invalid_example.get(mode, "first")

    @property
    def is_local(self) -> bool:
        return self.provider == "local"

    @property
    def key_env(self) -> tuple[str, ...]:
        """Environment variables that may hold this model's key; empty when none is needed."""
        return provider_class(self.provider).key_variables(self)

    @property
    def needs_key(self) -> bool:
        return provider_class(self.provider).needs_key(self)

    def key_present(self) -> bool:
        return any(os.environ.get(var) for var in self.key_env)

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        if self.price_in is None or self.price_out is None:
            return None
        return (prompt_tokens * self.price_in + completion_tokens * self.price_out) / 1_000_000


_SPECS: list[ModelSpec] = [ModelSpec(**row) for row in CATALOG]
_BY_NAME: dict[str, ModelSpec] = {}
for _spec in _SPECS:
    for _key in [_spec.name, *_spec.aliases]:
        _BY_NAME[_key.lower()] = _spec


def all_models() -> list[ModelSpec]:
    return list(_SPECS)


def known_names() -> list[str]:
    return sorted(_BY_NAME)


def default_local() -> ModelSpec:
    """``DEVGPT_LOCAL_MODEL`` (a GGUF path or a local preset name), else the most accurate instruct preset
    whose file is in the models folder, else the bundled SmolLM2 (always present, tiny)."""
    configured = os.environ.get("DEVGPT_LOCAL_MODEL", "").strip()
    if configured:
        preset = _BY_NAME.get(configured.lower())
        if preset is not None and preset.is_local:
            return preset
        return _gguf_spec(configured)
    from .local_files import pulled

    fallback = _BY_NAME[DEFAULT_LOCAL]
    present = [s for s in _SPECS if s.is_local and s.kind == "instruct" and s.accuracy is not None and pulled(s)]
    best = max(present, key=lambda s: s.accuracy or 0.0, default=fallback)
    return best if (best.accuracy or 0.0) > (fallback.accuracy or 0.0) else fallback


def recommended_local() -> ModelSpec:
    """The most accurate local preset that can be pulled: what the first-run hint suggests."""
    return max((s for s in _SPECS if s.is_local and s.repo_id and s.accuracy is not None and s.kind == "instruct"),
               key=lambda s: s.accuracy or 0.0)


def _gguf_spec(path: str) -> ModelSpec:
    p = Path(path).expanduser()
    return ModelSpec(name=f"gguf:{p}", provider="local", model_id=p.stem, model_path=str(p),
                     **provider_class("local").defaults)


def resolve(name: str | None = None, *, base_url: str | None = None) -> ModelSpec:
    """Turn a user-facing model name into a spec; raise UnknownModelError listing the closest names."""
    chosen = (name or "").strip() or os.environ.get("DEVGPT_MODEL", "").strip() or "local"
    base_url = base_url or os.environ.get("DEVGPT_OPENAI_BASE_URL") or None
    key = chosen.lower()
    if key == "local":
        return default_local()
    if key in _BY_NAME:
        spec = _BY_NAME[key]
        if spec.provider == "openai" and base_url:
            spec = spec.model_copy(update={"base_url": base_url})
        return spec
    prefix, sep, rest = chosen.partition(":")
    prefix = prefix.lower()
    if sep and rest:
        if prefix == "gguf":
            return _gguf_spec(rest)
        if prefix in servers():
            provider, url = servers()[prefix]
            return ModelSpec(name=chosen, provider=provider, model_id=rest, base_url=base_url or url, price_in=0.0,
                             price_out=0.0, **provider_class(provider).defaults)
        if prefix in provider_classes():
            known = next((s for s in _SPECS if s.provider == prefix and s.model_id == rest), None)
            if known is not None:
                return resolve(known.name, base_url=base_url)
            if prefix == "local":
                return _gguf_spec(rest)
            spec = ModelSpec(name=chosen, provider=prefix, model_id=rest, **provider_class(prefix).defaults)
            if prefix == "openai" and base_url:
                spec = spec.model_copy(update={"base_url": base_url, "price_in": 0.0, "price_out": 0.0})
            return spec
    close = difflib.get_close_matches(key, known_names(), n=4, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise UnknownModelError(
        f"Unknown model {chosen!r}.{hint} See `devgpt models` (or %devgpt models) for the list, or name any "
        f"vendor model as provider:model-id with provider one of {', '.join(provider_classes())}, "
        f"{', '.join(servers())}, or gguf:/path/to/model.gguf."
    )
