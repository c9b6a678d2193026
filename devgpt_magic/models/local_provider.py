"""Local GGUF models run by llama.cpp, schema-constrained by a GBNF grammar so replies always parse.

By default the model runs in the user's local model service (:mod:`devgpt_magic.service`), not in the
process that asks: a crash in native code (the AMX segfault on Sapphire-Rapids-class CPUs) then costs one
request, never the user's kernel or Jupyter server, and every kernel, the CLI and the server extension
share one warm copy of the model. ``DEVGPT_LOCAL_BACKEND=inprocess`` loads the model in this process
instead (once per process, a lock per model), with the same loader and prefix snapshots.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, ProviderError, RequestError
from ..prompts import Prompt
from .base import Finish, Provider
from .grammar import grammar_text
from .local_files import gguf_path
from .openai_provider import chat_args, chunk_piece

if TYPE_CHECKING:
    from .registry import ModelSpec

REPEAT_PENALTY = 1.1


def context_size(spec: "ModelSpec") -> int:
    """``DEVGPT_N_CTX`` (default 4096) capped by the model's own window: memory grows with it."""
    from .base import _number_setting

    wanted = int(_number_setting("DEVGPT_N_CTX", 4096, "a token count, e.g. 4096"))
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
    defaults = {"context_window": 8192, "max_output": 1024}

    def _body(self, prompt: Prompt, max_tokens: int, temperature: float) -> dict[str, Any]:
        body = chat_args(prompt, str(gguf_path(self.spec).resolve()), max_tokens, temperature)
        body.update(n_ctx=context_size(self.spec), repeat_penalty=REPEAT_PENALTY)
        if prompt.schema_ is not None:
            body["grammar"] = grammar_text(prompt.mode)
        return body

    def generate(self, prompt: Prompt, *, max_tokens: int, temperature: float,
                 stream: bool) -> Iterator[str | Finish]:
        # always streamed underneath, whatever the caller wants: that is what lets Ctrl-C stop a generation
        body = self._body(prompt, max_tokens, temperature)
        path = "/v1/completions" if prompt.is_completion else "/v1/chat/completions"
        chunks = _service_chunks(path, body) if backend() == "service" else _inprocess_chunks(path, body)
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


def _service_chunks(path: str, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    from ..service.client import ServiceClient

    yield from ServiceClient().stream(path, body)


# --- in this process ---------------------------------------------------------------------------------------
_HOST: Any = None
_HOST_LOCK = threading.Lock()


def _inprocess_chunks(path: str, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The service's model host, run in this process: the same loading, snapshots and token counts."""
    global _HOST
    from ..service.host import ModelHost, RequestProblem

    with _HOST_LOCK:
        if _HOST is None:
            from ..service.cpu import report
            from .local_files import cache_root

            _HOST = ModelHost(report(), max_models=2, cache_root=cache_root())
            atexit.register(_HOST.close)  # free models before interpreter teardown unloads llama.cpp
    cancel = threading.Event()
    chunks = _HOST.generate("text" if path == "/v1/completions" else "chat", body, cancel)
    try:
        yield from chunks
    except RequestProblem as exc:
        from ..service.client import PromptTooLong

        if exc.kind == "context_length_exceeded":
            raise PromptTooLong(str(exc)) from None
        raise RequestError(f"The local model cannot take this request: {exc}.") from None
    except (RuntimeError, OSError) as exc:
        raise ProviderError(f"llama.cpp failed: {exc}") from None
    finally:
        cancel.set()
        chunks.close()


def loaded_models() -> list[Path]:
    """Models loaded in this process (the in-process backend); the service reports its own."""
    return [m.path for m in _HOST.models.values()] if _HOST is not None else []
