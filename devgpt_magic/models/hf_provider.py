"""Hugging Face Inference (serverless providers or a dedicated endpoint) through ``huggingface_hub``.

Instruction-tuned models use the chat-completion task with a JSON-schema response format; base models use
text generation with a JSON grammar. huggingface_hub does not retry inference calls itself, so 429/5xx
and timeouts go through :func:`call_with_retries`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..errors import ProviderError
from ..prompts import Prompt
from ..settings import timeout_s
from .base import Finish, Provider, call_with_retries, connection_error, http_error, timeout_error


class HuggingFaceProvider(Provider):
    name = "hf"
    vendor = "Hugging Face"
    key_env = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")
    sdk = "huggingface_hub"
    defaults = {"context_window": 8192, "max_output": 1024}

    def _client(self) -> Any:
        from huggingface_hub import InferenceClient

        return self.cached_client(lambda url, key, timeout: InferenceClient(base_url=url, token=key, timeout=timeout),
                                  self.custom_url, self.api_key(), timeout_s())

    def translate(self, exc: Exception) -> Exception:
        import httpx2
        from huggingface_hub.errors import HfHubHTTPError, InferenceTimeoutError, OfflineModeIsEnabled

        if isinstance(exc, OfflineModeIsEnabled):
            return ProviderError("HF_HUB_OFFLINE=1 is set, so Hugging Face Inference cannot be reached: unset it, "
                                 "or choose a local model with --model local.")
        if isinstance(exc, InferenceTimeoutError) or isinstance(exc, httpx2.TimeoutException):
            return timeout_error(self.vendor)
        if isinstance(exc, HfHubHTTPError):
            response = getattr(exc, "response", None)
            status = getattr(response, "status_code", None)
            return http_error(self.spec, self.vendor, status, str(exc).splitlines()[0] if str(exc) else "")
        if isinstance(exc, httpx2.TransportError):
            return connection_error(self.vendor, self.custom_url or "router.huggingface.co")
        return exc

    def _call(self, fn: Any) -> Any:
        """huggingface_hub does not retry: failures become ProviderErrors here, so the retryable ones retry."""
        def once() -> Any:
            try:
                return fn()
            except Exception as exc:  # noqa: BLE001 - translate() keeps what it does not know
                self.fail(exc)

        return call_with_retries(once)

    def _chat_args(self, prompt: Prompt, max_tokens: int, temperature: float) -> dict[str, Any]:
        args: dict[str, Any] = {"messages": [m.model_dump() for m in prompt.messages], "max_tokens": max_tokens,
                                "temperature": temperature, "model": self.spec.model_id}
        if prompt.stop:
            args["stop"] = prompt.stop
        if prompt.schema_ is not None:
            args["response_format"] = {"type": "json_schema",
                                       "json_schema": {"name": "devgpt_reply", "schema": prompt.schema_}}
        return args

    def _generation_args(self, prompt: Prompt, max_tokens: int, temperature: float) -> dict[str, Any]:
        args: dict[str, Any] = {"prompt": prompt.text or "", "max_new_tokens": max_tokens, "stop": prompt.stop,
                                "details": True, "model": None if self.custom_url else self.spec.model_id}
        if temperature > 0:
            args.update(do_sample=True, temperature=temperature)
        if prompt.schema_ is not None:
            args["grammar"] = {"type": "json", "value": prompt.schema_}
        return args

    def generate(self, prompt: Prompt, *, max_tokens: int, temperature: float,
                 stream: bool) -> Iterator[str | Finish]:
        client = self._client()
        if prompt.is_completion:  # text generation: no streaming of structured replies needed
            out = self._call(lambda: client.text_generation(**self._generation_args(prompt, max_tokens, temperature)))
            details = out.details
            yield out.generated_text or ""
            yield Finish(getattr(details, "finish_reason", None), None, getattr(details, "generated_tokens", None))
            return
        args = self._chat_args(prompt, max_tokens, temperature)
        if not stream:
            out = self._call(lambda: client.chat_completion(**args))
            yield out.choices[0].message.content or ""
            yield Finish(out.choices[0].finish_reason, getattr(out.usage, "prompt_tokens", None) if out.usage else None,
                         getattr(out.usage, "completion_tokens", None) if out.usage else None)
            return
        usage = None
        finish = None
        for chunk in self._call(lambda: client.chat_completion(stream=True, **args)):
            usage = getattr(chunk, "usage", None) or usage
            if not chunk.choices:
                continue
            choice = chunk.choices[0]
            finish = choice.finish_reason or finish
            yield (choice.delta.content if choice.delta else None) or ""
        yield Finish(finish, getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None))
