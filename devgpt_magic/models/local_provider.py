"""Local GGUF models run by llama.cpp, schema-constrained by a GBNF grammar so replies always parse.

By default the model runs in the user's local model service (:mod:`devgpt_magic.service`), not in the
process that asks: a crash in native code (the AMX segfault on Sapphire-Rapids-class CPUs) then costs one
request, never the user's kernel or Jupyter server, and every kernel, the CLI and the server extension
share one warm copy of the model. ``DEVGPT_LOCAL_BACKEND=inprocess`` loads the model in this process
instead (once per process, a lock per model), with the same loader and prefix snapshots.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, RequestError
from ..prompts import Prompt
from ..settings import number_setting
from .base import Finish, Provider
from .grammar import grammar_text
from .local_files import gguf_path
from .openai_provider import chat_args, chunk_piece

if TYPE_CHECKING:
    from .registry import ModelSpec

REPEAT_PENALTY = 1.1


def context_size(spec: "ModelSpec") -> int:
    """``DEVGPT_N_CTX`` (default 4096) capped by the model's own window: memory grows with it."""
    wanted = int(number_setting("DEVGPT_N_CTX", 4096, "a token count, e.g. 4096"))
    return max(512, min(wanted, spec.context_window))


def backend() -> str:
    value = os.environ.get("DEVGPT_LOCAL_BACKEND", "service").strip().lower() or "service"
    if value not in ("service", "inprocess"):
        raise ConfigError(f"DEVGPT_LOCAL_BACKEND is {value!r}; use service (the default) or inprocess.")
    if value == "service" and not hasattr(os, "fork"):
        return "inprocess"  # no Unix sockets and fork on Windows
    return value


class LocalProvider(Provider):
    name = "local"
    vendor = "llama.cpp"
    sdk = "llama_cpp"
    cancellable = True
    seedable = True
    defaults = {"context_window": 8192, "max_output": 1024}

    def _body(self, prompt: Prompt, max_tokens: int, temperature: float, seed: int | None = None) -> dict[str, Any]:
        body = chat_args(prompt, str(gguf_path(self.spec).resolve()), max_tokens, temperature)
        body.update(n_ctx=context_size(self.spec), repeat_penalty=REPEAT_PENALTY)
        if seed is not None:
            body["seed"] = seed
        if grammar := self.constraint(prompt):
            body["grammar"] = grammar
        return body

    def constraint(self, prompt: Prompt) -> str:
        return grammar_text(prompt.mode, prompt.task, prompt.plan) if prompt.schema_ is not None else ""

    def generate(self, prompt: Prompt, *, max_tokens: int, temperature: float, stream: bool,
                 cancel: threading.Event | None = None, seed: int | None = None) -> Iterator[str | Finish]:
        # always streamed underneath, whatever the caller wants: that is what lets Ctrl-C stop a generation
        body = self._body(prompt, max_tokens, temperature, seed)
        path = "/v1/completions" if prompt.is_completion else "/v1/chat/completions"
        if backend() == "service":
            from ..service.client import ServiceClient

            chunks = ServiceClient().stream(path, body, cancel=cancel)
        else:
            from ..service.inprocess import chunks as inprocess_chunks

            chunks = inprocess_chunks(path, body)
        finish = Finish()
        for chunk in self._fitting(chunks):
            usage = chunk.get("usage")
            if usage:
                finish.prompt_tokens = usage.get("prompt_tokens")
                finish.completion_tokens = usage.get("completion_tokens")
                continue
            piece, reason = chunk_piece(chunk, prompt.is_completion)
            finish.reason = reason or finish.reason
            if piece:
                yield piece
        yield finish

    def _fitting(self, chunks: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        from ..service.client import PromptTooLong

        try:
            yield from chunks
        except PromptTooLong as exc:
            raise RequestError(f"The request is too long for {self.spec.name}: {exc.detail}. Shorten it, or raise "
                               f"DEVGPT_N_CTX (up to {self.spec.context_window}).") from None
