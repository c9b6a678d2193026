"""Local GGUF models run in-process by llama-cpp-python, schema-constrained so replies always parse.

A model loads once per process and stays loaded; a lock per model serialises calls, because one
llama.cpp context cannot serve two generations at once (the server extension and a notebook kernel may
both ask). llama.cpp reuses the KV cache of a prompt prefix shared with the previous call, so the
system text and few-shot examples are evaluated once and later requests only pay for the new request.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import ProviderError, RequestError
from ..prompts import Prompt
from ..schema import Completion
from ..tokens import make_usage
from .base import Provider
from .grammar import llama_grammar
from .local_files import gguf_path
from .registry import ModelSpec

_LOADED: dict[Path, tuple[Any, threading.Lock]] = {}
_LOADING = threading.Lock()


def context_size(spec: ModelSpec) -> int:
    """``DEVGPT_N_CTX`` (default 4096) capped by the model's own window: memory grows with it."""
    try:
        wanted = int(os.environ.get("DEVGPT_N_CTX", "4096"))
    except ValueError:
        wanted = 4096
    return max(512, min(wanted, spec.context_window))


def load(spec: ModelSpec) -> tuple[Any, threading.Lock]:
    """The process-wide llama.cpp instance for this model file (loaded on first use)."""
    path = gguf_path(spec).resolve()
    with _LOADING:
        if path not in _LOADED:
            from llama_cpp import Llama

            try:
                llm = Llama(model_path=str(path), n_ctx=context_size(spec), n_threads=os.cpu_count() or 2,
                            verbose=False)
            except (ValueError, RuntimeError) as exc:
                raise ProviderError(f"llama.cpp could not load {path.name} ({exc}): is it a valid GGUF file?") from None
            if not _LOADED:
                atexit.register(_close_all)
            _LOADED[path] = (llm, threading.Lock())
        return _LOADED[path]


def _close_all() -> None:
    """Free models before interpreter teardown; llama.cpp's own __del__ fails once its library is unloaded."""
    for llm, lock in list(_LOADED.values()):
        with lock:
            llm.close()
    _LOADED.clear()


def loaded_models() -> list[Path]:
    return list(_LOADED)


class LocalProvider(Provider):
    vendor = "llama.cpp"

    def _kwargs(self, prompt: Prompt, max_tokens: int, temperature: float) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"max_tokens": max_tokens, "temperature": temperature, "repeat_penalty": 1.1}
        if prompt.stop:
            kwargs["stop"] = prompt.stop
        if prompt.schema_ is not None:
            kwargs["grammar"] = llama_grammar(prompt.mode)
        return kwargs

    def _check_fits(self, llm: Any, prompt: Prompt, max_tokens: int) -> None:
        n_prompt = len(llm.tokenize(prompt.all_text().encode("utf-8", "ignore"), add_bos=False, special=True))
        if n_prompt + min(max_tokens, 64) > llm.n_ctx():
            raise RequestError(f"The request is too long for {self.spec.name}: about {n_prompt} tokens against a "
                               f"context of {llm.n_ctx()}. Shorten it, or raise DEVGPT_N_CTX (up to "
                               f"{self.spec.context_window}).")

    def complete(self, prompt: Prompt, *, max_tokens: int, temperature: float) -> Completion:
        llm, lock = load(self.spec)
        kwargs = self._kwargs(prompt, max_tokens, temperature)
        with lock:
            self._check_fits(llm, prompt, max_tokens)
            start = time.perf_counter()
            try:
                if prompt.is_completion:
                    out = llm.create_completion(prompt=prompt.text, **kwargs)
                    text = out["choices"][0]["text"]
                else:
                    out = llm.create_chat_completion(messages=[m.model_dump() for m in prompt.messages], **kwargs)
                    text = out["choices"][0]["message"]["content"] or ""
            except ValueError as exc:  # llama.cpp reports context overflow as ValueError
                raise RequestError(f"{self.spec.name} cannot take this request: {exc}") from None
            latency = time.perf_counter() - start
        usage = out.get("usage") or {}
        return Completion(
            text=text,
            finish_reason=out["choices"][0].get("finish_reason"),
            usage=make_usage(self.spec, prompt_tokens=usage.get("prompt_tokens"),
                             completion_tokens=usage.get("completion_tokens"), prompt_text=prompt.all_text(),
                             completion_text=text, latency_s=latency),
        )

    def stream(self, prompt: Prompt, *, max_tokens: int, temperature: float) -> Iterator[str | Completion]:
        llm, lock = load(self.spec)
        kwargs = self._kwargs(prompt, max_tokens, temperature)
        with lock:
            self._check_fits(llm, prompt, max_tokens)
            start = time.perf_counter()
            pieces: list[str] = []
            finish: str | None = None
            chunks = 0
            if prompt.is_completion:
                iterator = llm.create_completion(prompt=prompt.text, stream=True, **kwargs)
            else:
                iterator = llm.create_chat_completion(messages=[m.model_dump() for m in prompt.messages],
                                                      stream=True, **kwargs)
            try:
                for chunk in iterator:
                    choice = chunk["choices"][0]
                    piece = choice.get("text") if prompt.is_completion else choice.get("delta", {}).get("content")
                    finish = choice.get("finish_reason") or finish
                    if piece:
                        chunks += 1
                        pieces.append(piece)
                        yield piece
            finally:
                close = getattr(iterator, "close", None)
                if close:
                    close()
            latency = time.perf_counter() - start
            text = "".join(pieces)
            completion_tokens = len(llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)) if text else 0
            prompt_tokens = max(0, llm.n_tokens - completion_tokens)
        yield Completion(text=text, finish_reason=finish,
                         usage=make_usage(self.spec, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                                          prompt_text=prompt.all_text(), completion_text=text, latency_s=latency))
