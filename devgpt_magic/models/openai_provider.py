"""OpenAI, and any OpenAI-compatible server (Ollama, vLLM, llama.cpp's server) by base URL.

The OpenAI key goes only to OpenAI's own host, and only over https. A compatible server gets
``DEVGPT_COMPAT_API_KEY`` if set, or the OpenAI key only when the user opts in with
``DEVGPT_SEND_OPENAI_KEY=1``, else a placeholder: a local Ollama never needs, and must never receive, the
user's OpenAI key.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from ..errors import ConfigError
from ..prompts import Prompt
from ..settings import max_retries, timeout_s
from .base import Finish, Provider, connection_error, http_error, plain_http_elsewhere, timeout_error

if TYPE_CHECKING:
    from .registry import ModelSpec

OPENAI_URL = "https://api.openai.com/v1"
_FIXED_TEMPERATURE = ("gpt-5", "o1", "o3", "o4")
COMPAT_KEY = "DEVGPT_COMPAT_API_KEY"


def is_openai_host(url: str) -> bool:
    host = urlparse(url).hostname or ""
    return host == "api.openai.com" or host.endswith(".openai.com")


def chat_args(prompt: Prompt, model: str, max_tokens: int, temperature: float) -> dict[str, Any]:
    """The request body of the OpenAI protocol (chat messages, or a completion prompt for base models)."""
    args: dict[str, Any] = {"model": model, "max_tokens": max_tokens, "temperature": temperature}
    if prompt.stop:
        args["stop"] = prompt.stop[:4]
    if prompt.is_completion:
        args["prompt"] = prompt.text
    else:
        args["messages"] = [m.model_dump() for m in prompt.messages]
    return args


def chunk_piece(chunk: Any, completion: bool) -> tuple[str | None, str | None]:
    """The text and finish reason of one streamed chunk (SDK objects or plain dicts alike)."""
    get = (lambda o, k: o.get(k)) if isinstance(chunk, dict) else getattr  # noqa: E731
    choices = get(chunk, "choices") or []
    if not choices:
        return None, None
    choice = choices[0]
    if completion:
        return get(choice, "text"), get(choice, "finish_reason")
    delta = get(choice, "delta")
    return (get(delta, "content") if delta else None), get(choice, "finish_reason")


class OpenAIProvider(Provider):
    """OpenAI itself; a vendor with an OpenAI-compatible API is a subclass that sets ``name``, ``vendor``,
    ``key_env`` and ``url`` (its own endpoint, which alone receives its key)."""

    name = "openai"
    vendor = "OpenAI"
    key_env = ("OPENAI_API_KEY",)
    sdk = "openai"
    defaults = {"context_window": 128000, "max_output": 4096}
    servers = {"ollama": "http://127.0.0.1:11434/v1", "vllm": "http://127.0.0.1:8000/v1",
               "llamacpp": "http://127.0.0.1:8080/v1"}
    url = OPENAI_URL

    # --- vendor facts ------------------------------------------------------------------------------------
    @classmethod
    def key_variables(cls, spec: "ModelSpec") -> tuple[str, ...]:
        return cls.key_env if cls._own_endpoint(spec.base_url) else (COMPAT_KEY,)

    @classmethod
    def needs_key(cls, spec: "ModelSpec") -> bool:
        return cls._own_endpoint(spec.base_url)  # local servers (Ollama, vLLM, llama.cpp) usually take no key

    @classmethod
    def all_key_variables(cls) -> tuple[str, ...]:
        return (*cls.key_env, COMPAT_KEY)

    @classmethod
    def _own_endpoint(cls, url: str | None) -> bool:
        if not url:
            return True
        if cls.url == OPENAI_URL:
            return is_openai_host(url)
        return urlparse(url).hostname == urlparse(cls.url).hostname

    # --- client ------------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return self.custom_url or self.url

    @property
    def is_official(self) -> bool:
        """The vendor's own endpoint: its key goes there and nowhere else."""
        return self._own_endpoint(self.base_url)

    def api_key(self) -> str:
        if self.is_official:
            if urlparse(self.base_url).scheme != "https":
                raise ConfigError(f"Refusing to send the {self.vendor} key over plain "
                                  f"{urlparse(self.base_url).scheme}: use {self.url}.")
            return super().api_key()
        compat = os.environ.get(COMPAT_KEY, "").strip()
        if compat:
            return compat
        if os.environ.get("DEVGPT_SEND_OPENAI_KEY") == "1" and os.environ.get("OPENAI_API_KEY"):
            if plain_http_elsewhere(self.base_url):
                raise ConfigError(f"Refusing to send OPENAI_API_KEY over plain http to "
                                  f"{urlparse(self.base_url).hostname}: use an https:// URL for that server.")
            return os.environ["OPENAI_API_KEY"]
        return "not-needed"

    def _client(self) -> Any:
        from openai import OpenAI

        # base_url always explicit: the SDK would otherwise read OPENAI_BASE_URL and might send the key there
        return self.cached_client(lambda key, url, timeout, retries: OpenAI(
            api_key=key, base_url=url, timeout=timeout, max_retries=retries),
            self.api_key(), self.base_url, timeout_s(), max_retries())

    @property
    def _vendor_name(self) -> str:
        return self.vendor if self.is_official else f"the OpenAI-compatible server at {self.base_url}"

    def _response_format(self, prompt: Prompt) -> dict[str, Any] | None:
        if prompt.schema_ is None:
            return None
        if self.is_official and self.url == OPENAI_URL:
            return {"type": "json_schema",
                    "json_schema": {"name": "devgpt_reply", "strict": True,
                                    "schema": prompt.reply_schema(strict=True)}}
        # the widest-supported form among compatible servers (llama.cpp, vLLM, Ollama)
        return {"type": "json_object",
                "schema": prompt.reply_schema(bounded=True)}

    def translate(self, exc: Exception) -> Exception:
        import openai

        if isinstance(exc, openai.APITimeoutError):
            return timeout_error(self._vendor_name)
        if isinstance(exc, openai.APIConnectionError):
            return connection_error(self._vendor_name, self.base_url)
        if isinstance(exc, openai.APIStatusError):
            return http_error(self.spec, self._vendor_name, exc.status_code, str(getattr(exc, "message", "")))
        return exc

    def _request(self, prompt: Prompt, max_tokens: int, temperature: float) -> dict[str, Any]:
        args = chat_args(prompt, self.spec.model_id, max_tokens, temperature)
        if self.is_official and self.url == OPENAI_URL and not prompt.is_completion:
            # OpenAI's current chat models take max_completion_tokens; reasoning models fix temperature at 1
            args["max_completion_tokens"] = args.pop("max_tokens")
            if self.spec.model_id.startswith(_FIXED_TEMPERATURE):
                args.pop("temperature")
        fmt = None if prompt.is_completion else self._response_format(prompt)
        if fmt:
            args["response_format"] = fmt
        return args

    def generate(self, prompt: Prompt, *, max_tokens: int, temperature: float,
                 stream: bool) -> Iterator[str | Finish]:
        client = self._client()
        args = self._request(prompt, max_tokens, temperature)
        create = client.completions.create if prompt.is_completion else client.chat.completions.create
        if not stream:
            resp = create(**args)
            choice = resp.choices[0]
            yield (choice.text if prompt.is_completion else choice.message.content) or ""
            yield Finish(choice.finish_reason, getattr(resp.usage, "prompt_tokens", None),
                         getattr(resp.usage, "completion_tokens", None))
            return
        if self.is_official:
            args["stream_options"] = {"include_usage": True}  # vendors' own APIs take it; some servers do not
        usage = None
        finish = None
        # closed when this generator is (a cancelled reply): the SDK's stream and its generator refer to each
        # other, so without the `with` the connection stayed open, and the vendor generating, until a GC pass
        with create(stream=True, **args) as chunks:
            for chunk in chunks:
                usage = getattr(chunk, "usage", None) or usage
                piece, reason = chunk_piece(chunk, prompt.is_completion)
                finish = reason or finish
                if piece:
                    yield piece
        yield Finish(finish, getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None))
