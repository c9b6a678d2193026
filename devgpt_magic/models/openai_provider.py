"""OpenAI, and any OpenAI-compatible server (Ollama, vLLM, llama.cpp's server) by base URL.

The OpenAI key goes only to OpenAI's own host. A compatible server gets ``DEVGPT_COMPAT_API_KEY`` if set,
or the OpenAI key only when the user opts in with ``DEVGPT_SEND_OPENAI_KEY=1``, else a placeholder: a
local Ollama never needs, and must never receive, the user's OpenAI key.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

from ..prompts import Prompt
from ..schema import Completion, response_schema
from ..tokens import make_usage
from .base import Provider, base_url_override, connection_error, http_error, max_retries, timeout_error, timeout_s
from .registry import is_openai_host

OPENAI_URL = "https://api.openai.com/v1"
_FIXED_TEMPERATURE = ("gpt-5", "o1", "o3", "o4")


class OpenAIProvider(Provider):
    vendor = "OpenAI"

    @property
    def base_url(self) -> str:
        return self.spec.base_url or base_url_override("openai") or OPENAI_URL

    @property
    def is_official(self) -> bool:
        return is_openai_host(self.base_url)

    def api_key(self) -> str:
        if self.is_official:
            return super().api_key()
        compat = os.environ.get("DEVGPT_COMPAT_API_KEY", "").strip()
        if compat:
            return compat
        if os.environ.get("DEVGPT_SEND_OPENAI_KEY") == "1" and os.environ.get("OPENAI_API_KEY"):
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
        return "OpenAI" if self.is_official else f"the OpenAI-compatible server at {self.base_url}"

    def _response_format(self, prompt: Prompt) -> dict[str, Any] | None:
        if prompt.schema_ is None:
            return None
        if self.is_official:
            return {"type": "json_schema",
                    "json_schema": {"name": "devgpt_reply", "strict": True,
                                    "schema": response_schema(prompt.mode, strict=True)}}
        # the widest-supported form among compatible servers (llama.cpp, vLLM, Ollama)
        return {"type": "json_object", "schema": response_schema(prompt.mode, bounded=True)}

    def _translate(self, exc: Exception) -> Exception:
        import openai

        if isinstance(exc, openai.APITimeoutError):
            return timeout_error(self._vendor_name)
        if isinstance(exc, openai.APIConnectionError):
            return connection_error(self._vendor_name, self.base_url)
        if isinstance(exc, openai.APIStatusError):
            return http_error(self.spec, self._vendor_name, exc.status_code, str(getattr(exc, "message", "")))
        return exc

    def _request(self, prompt: Prompt, max_tokens: int, temperature: float) -> dict[str, Any]:
        args: dict[str, Any] = {"model": self.spec.model_id, "max_tokens": max_tokens, "temperature": temperature}
        if self.is_official and not prompt.is_completion:
            # OpenAI's current chat models take max_completion_tokens; reasoning models fix temperature at 1
            args["max_completion_tokens"] = args.pop("max_tokens")
            if self.spec.model_id.startswith(_FIXED_TEMPERATURE):
                args.pop("temperature")
        if prompt.stop:
            args["stop"] = prompt.stop[:4]
        if not prompt.is_completion:
            args["messages"] = [m.model_dump() for m in prompt.messages]
            fmt = self._response_format(prompt)
            if fmt:
                args["response_format"] = fmt
        else:
            args["prompt"] = prompt.text
        return args

    def complete(self, prompt: Prompt, *, max_tokens: int, temperature: float) -> Completion:
        import openai

        client = self._client()
        args = self._request(prompt, max_tokens, temperature)
        start = time.perf_counter()
        try:
            if prompt.is_completion:
                resp = client.completions.create(**args)
                text = resp.choices[0].text or ""
            else:
                resp = client.chat.completions.create(**args)
                text = resp.choices[0].message.content or ""
        except openai.OpenAIError as exc:
            raise self._translate(exc) from None
        latency = time.perf_counter() - start
        usage = resp.usage
        return Completion(
            text=text, finish_reason=resp.choices[0].finish_reason,
            usage=make_usage(self.spec, prompt_tokens=getattr(usage, "prompt_tokens", None),
                             completion_tokens=getattr(usage, "completion_tokens", None),
                             prompt_text=prompt.all_text(), completion_text=text, latency_s=latency))

    def stream(self, prompt: Prompt, *, max_tokens: int, temperature: float) -> Iterator[str | Completion]:
        import openai

        client = self._client()
        args = self._request(prompt, max_tokens, temperature)
        if self.is_official:
            args["stream_options"] = {"include_usage": True}
        start = time.perf_counter()
        pieces: list[str] = []
        finish = None
        usage = None
        try:
            create = client.completions.create if prompt.is_completion else client.chat.completions.create
            for chunk in create(stream=True, **args):
                usage = getattr(chunk, "usage", None) or usage
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                piece = choice.text if prompt.is_completion else (choice.delta.content if choice.delta else None)
                finish = choice.finish_reason or finish
                if piece:
                    pieces.append(piece)
                    yield piece
        except openai.OpenAIError as exc:
            raise self._translate(exc) from None
        text = "".join(pieces)
        yield Completion(text=text, finish_reason=finish,
                         usage=make_usage(self.spec, prompt_tokens=getattr(usage, "prompt_tokens", None),
                                          completion_tokens=getattr(usage, "completion_tokens", None),
                                          prompt_text=prompt.all_text(), completion_text=text,
                                          latency_s=time.perf_counter() - start))
