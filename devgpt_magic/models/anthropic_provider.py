"""Anthropic's Claude models through the official ``anthropic`` SDK, with structured outputs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..prompts import Prompt
from ..settings import max_retries, timeout_s
from .base import Finish, Provider, connection_error, http_error, timeout_error


class AnthropicProvider(Provider):
    name = "anthropic"
    vendor = "Anthropic"
    key_env = ("ANTHROPIC_API_KEY",)
    sdk = "anthropic"
    defaults = {"context_window": 200000, "max_output": 8192}

    def _client(self) -> Any:
        from anthropic import Anthropic

        return self.cached_client(lambda key, url, timeout, retries: Anthropic(
            api_key=key, base_url=url, timeout=timeout, max_retries=retries),
            self.api_key(), self.custom_url, timeout_s(), max_retries())

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
            schema = prompt.reply_schema(strict=True)
            args["output_config"] = {"format": {"type": "json_schema", "schema": schema}}
        return args

    def translate(self, exc: Exception) -> Exception:
        import anthropic

        if isinstance(exc, anthropic.APITimeoutError):
            return timeout_error(self.vendor)
        if isinstance(exc, anthropic.APIConnectionError):
            return connection_error(self.vendor, self.custom_url or
                                    "api.anthropic.com")
        if isinstance(exc, anthropic.APIStatusError):
            return http_error(self.spec, self.vendor, exc.status_code, str(getattr(exc, "message", "")))
        return exc

    def generate(self, prompt: Prompt, *, max_tokens: int, temperature: float,
                 stream: bool) -> Iterator[str | Finish]:
        request = self._request(prompt, max_tokens, temperature)
        if not stream:
            resp = self._client().messages.create(**request)
            yield "".join(getattr(block, "text", "") for block in resp.content if block.type == "text")
            yield Finish(resp.stop_reason, resp.usage.input_tokens, resp.usage.output_tokens)
            return
        with self._client().messages.stream(**request) as events:
            yield from events.text_stream
            final = events.get_final_message()
        yield Finish(final.stop_reason, final.usage.input_tokens, final.usage.output_tokens)
