"""Google Gemini through the official ``google-genai`` SDK (not the deprecated google-generativeai)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..prompts import Prompt
from ..settings import max_retries, timeout_s
from .base import Finish, Provider, connection_error, http_error, timeout_error


class GeminiProvider(Provider):
    name = "gemini"
    vendor = "Gemini"
    key_env = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
    sdk = "google.genai"
    defaults = {"context_window": 1048576, "max_output": 8192}

    def _client(self) -> Any:
        from google import genai
        from google.genai import types

        def make(key: str, url: str | None, timeout: float, retries: int) -> Any:
            http = types.HttpOptions(
                base_url=url, timeout=int(timeout * 1000),
                retry_options=types.HttpRetryOptions(attempts=retries + 1, initial_delay=0.5, max_delay=8.0,
                                                     http_status_codes=[429, 500, 502, 503, 504]))
            return genai.Client(api_key=key, http_options=http)

        return self.cached_client(make, self.api_key(), self.custom_url,
                                  timeout_s(), max_retries())

    def _request(self, prompt: Prompt, max_tokens: int, temperature: float) -> dict[str, Any]:
        from google.genai import types

        system = None
        contents: list[Any] = []
        if prompt.is_completion:
            contents.append(types.Content(role="user", parts=[types.Part(text=prompt.text or "")]))
        for m in prompt.messages:
            if m.role == "system":
                system = m.content
            else:
                role = "model" if m.role == "assistant" else "user"
                contents.append(types.Content(role=role, parts=[types.Part(text=m.content)]))
        config = types.GenerateContentConfig(system_instruction=system, temperature=temperature,
                                             max_output_tokens=max_tokens, stop_sequences=prompt.stop or None)
        if prompt.schema_ is not None:
            config.response_mime_type = "application/json"
            config.response_json_schema = prompt.schema_
        return {"model": self.spec.model_id, "contents": contents, "config": config}

    def translate(self, exc: Exception) -> Exception:
        import httpx2
        from google.genai import errors

        if isinstance(exc, errors.APIError):
            return http_error(self.spec, self.vendor, exc.code, str(exc.message or ""))
        if isinstance(exc, httpx2.TimeoutException):
            return timeout_error(self.vendor)
        if isinstance(exc, httpx2.TransportError):
            return connection_error(self.vendor, self.custom_url or
                                    "generativelanguage.googleapis.com")
        return exc

    @staticmethod
    def _finish(resp: Any) -> str | None:
        candidates = getattr(resp, "candidates", None) or []
        reason = getattr(candidates[0], "finish_reason", None) if candidates else None
        if reason is None:
            return None
        name = str(getattr(reason, "name", reason)).lower()
        return "length" if name == "max_tokens" else name

    def generate(self, prompt: Prompt, *, max_tokens: int, temperature: float,
                 stream: bool) -> Iterator[str | Finish]:
        models = self._client().models
        request = self._request(prompt, max_tokens, temperature)
        chunks = models.generate_content_stream(**request) if stream else [models.generate_content(**request)]
        meta = None
        finish = None
        for chunk in chunks:
            meta = chunk.usage_metadata or meta
            finish = self._finish(chunk) or finish
            yield chunk.text or ""
        yield Finish(finish, getattr(meta, "prompt_token_count", None), getattr(meta, "candidates_token_count", None))
