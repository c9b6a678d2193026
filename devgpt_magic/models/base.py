"""One interface for every model: ``complete`` for structured replies, ``stream`` for chat.

Each vendor module maps its SDK's failures onto :class:`ProviderError` with one clear line, so front ends
never show an SDK traceback. Rate limits and server errors are retried with backoff by the SDK where it
has that built in (OpenAI, Anthropic, Gemini), otherwise by :func:`call_with_retries`.
"""

from __future__ import annotations

import os
import random
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from ..errors import MissingKeyError, ProviderError
from ..prompts import Prompt
from ..schema import Completion
from .registry import ModelSpec

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_RETRIES = 2


def timeout_s() -> float:
    try:
        return float(os.environ.get("DEVGPT_TIMEOUT", DEFAULT_TIMEOUT_S))
    except ValueError:
        return DEFAULT_TIMEOUT_S


def max_retries() -> int:
    try:
        return max(0, int(os.environ.get("DEVGPT_MAX_RETRIES", DEFAULT_RETRIES)))
    except ValueError:
        return DEFAULT_RETRIES


def base_url_override(provider: str) -> str | None:
    """``DEVGPT_GEMINI_BASE_URL`` and friends: a gateway or proxy the user configured on purpose."""
    return os.environ.get(f"DEVGPT_{provider.upper()}_BASE_URL") or None


def http_error(spec: ModelSpec, vendor: str, status: int | None, detail: str = "") -> ProviderError:
    """The one line the user sees for an HTTP failure, by status."""
    detail = " ".join(detail.split())[:200]
    if status in (401, 403):
        env = " or ".join(spec.key_env) or "the key"
        return ProviderError(f"{vendor} refused the API key (HTTP {status}): check {env}.", status=status)
    if status == 429:
        return ProviderError(f"{vendor} is rate limiting requests (HTTP 429) and retries did not help: wait a "
                             f"minute or choose another model with --model.", status=status, retryable=True)
    if status is not None and status >= 500:
        return ProviderError(f"{vendor} had a server error (HTTP {status}) and retries did not help: try again "
                             f"later or choose another model with --model.", status=status, retryable=True)
    if status == 404:
        return ProviderError(f"{vendor} does not know model {spec.model_id!r} (HTTP 404): check the name with "
                             f"`devgpt models` or the vendor's model list.", status=status)
    return ProviderError(f"{vendor} rejected the request (HTTP {status}): {detail or 'no detail given'}",
                         status=status)


def timeout_error(vendor: str) -> ProviderError:
    return ProviderError(f"{vendor} did not answer within {timeout_s():g} s: try again, or allow longer with "
                         f"DEVGPT_TIMEOUT=<seconds>.", retryable=True)


def connection_error(vendor: str, where: str) -> ProviderError:
    return ProviderError(f"Cannot connect to {vendor} at {where}: check that the server is running and "
                         f"reachable (or that you are online).", retryable=True)


def call_with_retries(fn: Callable[[], T], *, retries: int | None = None, base_delay: float = 0.5) -> T:
    """Retry retryable ProviderErrors (429, 5xx, timeouts) with jittered exponential backoff."""
    attempts = (max_retries() if retries is None else retries) + 1
    for attempt in range(attempts):
        try:
            return fn()
        except ProviderError as exc:
            if not exc.retryable or attempt == attempts - 1:
                raise
            time.sleep(base_delay * (2**attempt) * (0.5 + random.random() / 2))
    raise AssertionError("unreachable")


class Provider(ABC):
    """A model behind one vendor's API (or llama.cpp in-process)."""

    vendor: str = ""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self._clients: dict[tuple[Any, ...], Any] = {}

    def cached_client(self, make: Callable[..., Any], *settings: Any) -> Any:
        """One SDK client per distinct settings (key, URL, timeout), kept alive for connection reuse.

        Keeping the reference also matters for correctness: google-genai closes its HTTP client when the
        Client object is garbage-collected, even in the middle of a request.
        """
        if settings not in self._clients:
            self._clients.clear()
            self._clients[settings] = make(*settings)
        return self._clients[settings]

    def api_key(self) -> str:
        """The key from the environment; MissingKeyError names the variable to set."""
        for var in self.spec.key_env:
            value = os.environ.get(var, "").strip()
            if value:
                return value
        raise MissingKeyError(self.spec.name, self.spec.key_env[0])

    @abstractmethod
    def complete(self, prompt: Prompt, *, max_tokens: int, temperature: float) -> Completion:
        """One structured (or free-text) reply."""

    def stream(self, prompt: Prompt, *, max_tokens: int, temperature: float) -> Iterator[str | Completion]:
        """Text chunks as they are generated, then the final Completion. Default: no real streaming."""
        completion = self.complete(prompt, max_tokens=max_tokens, temperature=temperature)
        yield completion.text
        yield completion


def elapsed(start: float) -> float:
    return time.perf_counter() - start
