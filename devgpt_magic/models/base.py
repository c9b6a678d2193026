"""What a provider is: one generator per vendor, and everything around it written once.

A provider class carries its vendor's facts (the ``name`` used in ``name:model-id``, the key variables, the
defaults for unlisted models, the SDK it imports lazily) and implements one method, :meth:`Provider.generate`,
which yields text pieces and ends with a :class:`Finish` record. :meth:`Provider.complete` and
:meth:`Provider.stream` live here, with the timing, the joining of pieces, the usage bookkeeping and the
mapping of SDK failures onto one-line :class:`ProviderError` messages (through :meth:`Provider.translate`).
The registry, the secret masking and the tests read the vendor facts from these classes, so adding a vendor
is one module ``models/<name>_provider.py`` plus catalog rows for its models.
"""

from __future__ import annotations

import ipaddress
import os
import random
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, TypeVar
from urllib.parse import urlparse

from ..errors import CancelledError, ConfigError, MissingKeyError, ProviderError
from ..prompts import Prompt
from ..schema import Completion
from ..settings import max_retries, timeout_s
from ..tokens import make_usage

if TYPE_CHECKING:
    from .registry import ModelSpec

T = TypeVar("T")

def base_url_override(provider: str) -> str | None:
    """``DEVGPT_GEMINI_BASE_URL`` and friends: a gateway or proxy the user configured on purpose."""
    return os.environ.get(f"DEVGPT_{provider.upper()}_BASE_URL") or None


def plain_http_elsewhere(url: str | None) -> bool:
    """A URL that would carry a key unencrypted off this machine: plain http to any host but loopback."""
    if not url:
        return False
    parsed = urlparse(url)
    if parsed.scheme != "http":
        return False
    host = (parsed.hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


def http_error(spec: "ModelSpec", vendor: str, status: int | None, detail: str = "") -> ProviderError:
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
    place = "" if where in vendor else f" at {where}"  # "the OpenAI-compatible server at URL" names it already
    return ProviderError(f"Cannot connect to {vendor}{place}: check that the server is running and "
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


@dataclass
class Finish:
    """The last thing a generator yields: why it stopped and the token counts the vendor reported."""

    reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class Provider(ABC):
    """A model behind one vendor's API (or llama.cpp). Subclasses set the vendor facts and ``generate``."""

    #: the prefix in ``name:model-id`` and the ``provider`` field of catalog rows
    name: ClassVar[str] = ""
    #: how the vendor is named in messages
    vendor: ClassVar[str] = ""
    #: environment variables that may hold the key, checked first to last; empty when none is needed
    key_env: ClassVar[tuple[str, ...]] = ()
    #: the SDK module, imported only inside methods so that loading the extension stays cheap
    sdk: ClassVar[str | None] = None
    #: limits for ``name:model-id`` models that the catalog does not list
    defaults: ClassVar[dict[str, int]] = {"context_window": 8192, "max_output": 1024}
    #: short prefixes this class serves at a fixed URL (``ollama:llama3.2``)
    servers: ClassVar[dict[str, str]] = {}
    #: ``generate`` takes ``cancel`` and stops even before the first piece (prompt evaluation, a queue)
    cancellable: ClassVar[bool] = False
    #: ``generate`` takes ``seed``: a sampled reply is the same each time for the same seed (candidates are
    #: then reproducible and can be cached); other vendors ignore it
    seedable: ClassVar[bool] = False

    def __init__(self, spec: "ModelSpec") -> None:
        self.spec = spec
        self._clients: dict[tuple[Any, ...], Any] = {}

    def constraint(self, prompt: Prompt) -> str:
        """What this provider holds the reply to beyond the prompt (a local grammar), as text. It is part of a
        cached reply's key: after a grammar changes, a reply it would no longer allow is not served again."""
        return ""

    # --- vendor facts that depend on the spec --------------------------------------------------------------
    @classmethod
    def key_variables(cls, spec: "ModelSpec") -> tuple[str, ...]:
        """The variables that may hold this spec's key (a subclass may depend on the endpoint)."""
        return cls.key_env

    @classmethod
    def needs_key(cls, spec: "ModelSpec") -> bool:
        return bool(cls.key_env)

    @classmethod
    def all_key_variables(cls) -> tuple[str, ...]:
        """Every variable this vendor may read a credential from, for masking."""
        return cls.key_env

    # --- what a vendor module implements ------------------------------------------------------------------
    @abstractmethod
    def generate(self, prompt: Prompt, *, max_tokens: int, temperature: float,
                 stream: bool) -> Iterator[str | Finish]:
        """Text pieces as the vendor sends them (the whole text once when ``stream`` is False), then a Finish."""

    def translate(self, exc: Exception) -> Exception:
        """The one-line ProviderError for an SDK failure; anything unknown passes through."""
        return exc

    def fail(self, exc: Exception) -> NoReturn:
        """Raise the translation of ``exc``, or ``exc`` itself when there is none."""
        translated = self.translate(exc)
        if translated is exc:
            raise exc
        raise translated from None

    # --- written once ---------------------------------------------------------------------------------------
    def complete(self, prompt: Prompt, *, max_tokens: int, temperature: float,
                 cancel: threading.Event | None = None, seed: int | None = None) -> Completion:
        """One structured (or free-text) reply."""
        for item in self._run(prompt, max_tokens=max_tokens, temperature=temperature, stream=False, cancel=cancel,
                              seed=seed):
            if isinstance(item, Completion):
                return item
        raise AssertionError("unreachable: _run always ends with a Completion")

    def stream(self, prompt: Prompt, *, max_tokens: int, temperature: float,
               cancel: threading.Event | None = None) -> Iterator[str | Completion]:
        """Text chunks as they are generated, then the final Completion."""
        return self._run(prompt, max_tokens=max_tokens, temperature=temperature, stream=True, cancel=cancel)

    def _run(self, prompt: Prompt, *, max_tokens: int, temperature: float, stream: bool,
             cancel: threading.Event | None = None, seed: int | None = None) -> Iterator[str | Completion]:
        """``cancel`` is checked between pieces: once set, the generator is closed (a local model stops
        between two tokens) and CancelledError ends the call."""
        start = time.perf_counter()
        pieces: list[str] = []
        finish = Finish()
        extra: dict[str, Any] = {"cancel": cancel} if self.cancellable and cancel is not None else {}
        if self.seedable and seed is not None:
            extra["seed"] = seed
        generator = self.generate(prompt, max_tokens=max_tokens, temperature=temperature, stream=stream, **extra)
        try:
            for item in generator:
                if cancel is not None and cancel.is_set():
                    raise CancelledError("The request was cancelled before the reply was complete.")
                if isinstance(item, Finish):
                    finish = item
                elif item:
                    pieces.append(item)
                    if stream:
                        yield item
        except CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every SDK failure becomes one line, or passes through
            self.fail(exc)
        finally:
            generator.close()
        text = "".join(pieces)
        yield Completion(text=text, finish_reason="length" if finish.reason in ("length", "max_tokens") else
                         finish.reason,
                         usage=make_usage(self.spec, prompt_tokens=finish.prompt_tokens,
                                          completion_tokens=finish.completion_tokens, prompt_text=prompt.all_text(),
                                          completion_text=text, latency_s=time.perf_counter() - start))

    # --- helpers for vendor modules ------------------------------------------------------------------------
    def cached_client(self, make: Callable[..., Any], *settings: Any) -> Any:
        """One SDK client per distinct settings (key, URL, timeout), kept alive for connection reuse.

        Keeping the reference also matters for correctness: google-genai closes its HTTP client when the
        Client object is garbage-collected, even in the middle of a request.
        """
        if settings not in self._clients:
            self._clients.clear()
            self._clients[settings] = make(*settings)
        return self._clients[settings]

    @property
    def custom_url(self) -> str | None:
        """A gateway or proxy the user set for this model or vendor; None means the SDK's own endpoint."""
        return self.spec.base_url or base_url_override(self.name)

    def api_key(self) -> str:
        """The key from the environment; MissingKeyError names the variable to set. A vendor key never
        leaves the machine unencrypted: a plain-http gateway on another host is refused before any request."""
        for var in self.spec.key_env:
            value = os.environ.get(var, "").strip()
            if value:
                if plain_http_elsewhere(self.custom_url):
                    raise ConfigError(f"Refusing to send {var} over plain http to {urlparse(self.custom_url).hostname}"
                                      f": give the gateway an https:// URL (plain http is allowed only on loopback).")
                return value
        raise MissingKeyError(self.spec.name, self.spec.key_env[0])
