"""Anthropic's Claude models through the official ``anthropic`` SDK, with structured outputs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from ..prompts import Prompt
from ..schema import Completion, response_schema
from ..tokens import make_usage
from .base import Provider, base_url_override, connection_error, http_error, max_retries, timeout_error, timeout_s


class AnthropicProvider(Provider):
    vendor = "Anthropic"

    def _client(self) -> Any:
        from anthropic import Anthropic

        return self.cached_client(lambda key, url, timeout, retries: Anthropic(
            api_key=key, base_url=url, timeout=timeout, max_retries=retries),
            self.api_key(), self.spec.base_url or base_url_override("anthropic"), timeout_s(), max_retries())

    def _request(self, prompt: Prompt, max_tokens: int, temperature: float) -> dict[str, Any]:
        system = "\n".join(m.content for m in prompt.messages if m.role == "system")
        messages = [{"role": m.role, "content": m.content} for m in prompt.messages if m.role != "system"]
        if prompt.is_completion:
            messages = [{"role": "user", "content": prompt.text or ""}]
        # the current SDK and models take no sampling parameters (temperature was removed from the API)
        args: dict[str, Any] = {"model": self.spec.model_id, "max_tokens": max_tokens, "messages": messages}
        if system:
            args["system"] = system
        if prompt.stop:
            args["stop_sequences"] = prompt.stop
        if prompt.schema_ is not None:
            args["output_config"] = {"format": {"type": "json_schema",
                                                "schema": response_schema(prompt.mode, strict=True)}}
        return args

    def _translate(self, exc: Exception) -> Exception:
        import anthropic

        if isinstance(exc, anthropic.APITimeoutError):
            return timeout_error(self.vendor)
        if isinstance(exc, anthropic.APIConnectionError):
            return connection_error(self.vendor, self.spec.base_url or base_url_override("anthropic") or
                                    "api.anthropic.com")
        if isinstance(exc, anthropic.APIStatusError):
            return http_error(self.spec, self.vendor, exc.status_code, str(getattr(exc, "message", "")))
        return exc

    @staticmethod
    def _finish(reason: str | None) -> str | None:
        return "length" if reason == "max_tokens" else reason

    def complete(self, prompt: Prompt, *, max_tokens: int, temperature: float) -> Completion:
        import anthropic

        start = time.perf_counter()
        try:
            resp = self._client().messages.create(**self._request(prompt, max_tokens, temperature))
        except anthropic.AnthropicError as exc:
            raise self._translate(exc) from None
        text = "".join(getattr(block, "text", "") for block in resp.content if block.type == "text")
        return Completion(text=text, finish_reason=self._finish(resp.stop_reason),
                          usage=make_usage(self.spec, prompt_tokens=resp.usage.input_tokens,
                                           completion_tokens=resp.usage.output_tokens, prompt_text=prompt.all_text(),
                                           completion_text=text, latency_s=time.perf_counter() - start))

    def stream(self, prompt: Prompt, *, max_tokens: int, temperature: float) -> Iterator[str | Completion]:
        import anthropic

        start = time.perf_counter()
        pieces: list[str] = []
        try:
            with self._client().messages.stream(**self._request(prompt, max_tokens, temperature)) as events:
                for piece in events.text_stream:
                    if piece:
                        pieces.append(piece)
                        yield piece
                final = events.get_final_message()
        except anthropic.AnthropicError as exc:
            raise self._translate(exc) from None
        text = "".join(pieces)
        yield Completion(text=text, finish_reason=self._finish(final.stop_reason),
                         usage=make_usage(self.spec, prompt_tokens=final.usage.input_tokens,
                                          completion_tokens=final.usage.output_tokens, prompt_text=prompt.all_text(),
                                          completion_text=text, latency_s=time.perf_counter() - start))
