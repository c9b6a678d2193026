"""The models a service process holds, and one generation on one of them.

Each loaded model has a lock: one llama.cpp context serves one generation at a time, so requests for the
same model from several kernels, the CLI and the Jupyter server queue here. A generation can be cancelled
between two tokens (the client went away: Ctrl-C, a closed panel) without harming the model or the service.
Replies are OpenAI-shaped dicts (chat.completion / text_completion, and their stream chunks), with exact
token counts from the model's own tokenizer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cpu import CpuReport, use_repack
from .loading import load_llama
from .sampling import CheckedGrammarSampler, checked_sampling_enabled
from .snapshots import PrefixSnapshots, state_folder

#: llama.cpp's grammar parser is not free; the same few grammars arrive again and again.
_GRAMMARS: dict[str, Any] = {}
_SAMPLING = ("temperature", "top_p", "top_k", "min_p", "repeat_penalty", "presence_penalty",
             "frequency_penalty", "seed", "stop")


class RequestProblem(ValueError):
    """The request itself cannot be served (bad field, prompt longer than the context)."""

    kind = "invalid_request_error"


class TooLong(RequestProblem):
    kind = "context_length_exceeded"


def _served_llama_class() -> Any:
    from llama_cpp import Llama, StoppingCriteriaList

    class ServedLlama(Llama):
        """Adds three things around llama-cpp-python's completion: prefix snapshots, cancellation between
        tokens, and the prompt length for the usage report. The chat handlers call ``create_completion``
        with the formatted prompt's tokens, so this one override sees every request."""

        snapshots: PrefixSnapshots | None = None
        cancel: threading.Event | None = None
        prompt_tokens: int = 0
        checked_grammar: bool = checked_sampling_enabled()
        last_sampler: CheckedGrammarSampler | None = None

        def _tokens(self, prompt: Any) -> list[int]:
            if not isinstance(prompt, str):
                return [int(t) for t in prompt]
            bos = self.token_bos()
            head = [bos] if self._model.add_bos_token() and bos != -1 else []
            return head + self.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)

        def _init_sampler(self, *args: Any, grammar: Any = None, **kwargs: Any) -> Any:
            """The stock chain, with the grammar checked token by token instead of over the vocabulary."""
            if grammar is None or not self.checked_grammar:
                return super()._init_sampler(*args, grammar=grammar, **kwargs)
            chain = super()._init_sampler(*args, grammar=None, **kwargs)
            self.last_sampler = CheckedGrammarSampler(self._model, chain, grammar)
            return self.last_sampler

        def create_completion(self, prompt: Any, **kwargs: Any) -> Any:
            tokens = self._tokens(prompt)
            self.prompt_tokens = len(tokens)
            if len(tokens) >= self.n_ctx():
                raise TooLong(f"about {len(tokens)} tokens against a context of {self.n_ctx()}")
            if self.snapshots is not None:
                self.snapshots.before(self, tokens)
            cancel = self.cancel
            if cancel is not None:
                stops = list(kwargs.get("stopping_criteria") or [])
                stops.append(lambda _ids, _logits: cancel.is_set())
                kwargs["stopping_criteria"] = StoppingCriteriaList(stops)
            return super().create_completion(prompt=tokens if not isinstance(prompt, str) else prompt, **kwargs)

    return ServedLlama


@dataclass
class LoadedModel:
    path: Path
    n_ctx: int
    repack: bool
    llm: Any
    state_dir: Path | None
    lock: threading.Lock = field(default_factory=threading.Lock)
    loaded_at: float = field(default_factory=time.time)
    last_used: float = field(default_factory=time.time)
    requests: int = 0
    busy: bool = False

    def describe(self) -> dict[str, Any]:
        snaps = self.llm.snapshots
        return {"path": str(self.path), "n_ctx": self.n_ctx, "repack": self.repack, "requests": self.requests,
                "busy": self.busy, "loaded_s_ago": round(time.time() - self.loaded_at, 1),
                "prefix_snapshots": len(snaps.items) if snaps else 0,
                "snapshots_restored": snaps.restored if snaps else 0}


class ModelHost:
    """Loads models on first use and keeps at most ``max_models`` (least recently used one goes first)."""

    def __init__(self, cpu: CpuReport, *, max_models: int = 2, cache_root: Path | None = None,
                 repack: bool | None = None, snapshots: bool = True) -> None:
        self.cpu = cpu
        self.snapshots = snapshots
        self.repack = use_repack(cpu) if repack is None else repack
        self.max_models = max(1, max_models)
        self.cache_root = cache_root
        self.models: dict[tuple[str, int], LoadedModel] = {}
        self._lock = threading.Lock()
        self._cancels: set[threading.Event] = set()
        self.served = 0

    @property
    def active(self) -> int:
        """Generations running or waiting for their model."""
        return len(self._cancels)

    def cancel_all(self) -> None:
        for cancel in list(self._cancels):
            cancel.set()

    def get(self, path: str, n_ctx: int) -> LoadedModel:
        model_path = Path(path)
        if not model_path.is_absolute() or model_path.suffix.lower() != ".gguf" or not model_path.is_file():
            raise RequestProblem(f"no GGUF model file at {path}")
        key = (str(model_path), n_ctx)
        with self._lock:
            loaded = self.models.get(key)
            if loaded is None:
                self._evict()
                loaded = self._load(model_path, n_ctx)
                self.models[key] = loaded
            loaded.last_used = time.time()
            return loaded

    def _load(self, path: Path, n_ctx: int) -> LoadedModel:
        try:
            llm = load_llama(path, n_ctx=n_ctx, cls=_served_llama_class(), cpu=self.cpu,
                             repack="on" if self.repack else "off")
        except (ValueError, RuntimeError) as exc:
            raise RequestProblem(f"llama.cpp could not load {path.name} ({exc}): is it a valid GGUF file?") from None
        _abort_when_cancelled(llm)
        llm.snapshots = PrefixSnapshots() if self.snapshots else None
        folder = state_folder(self.cache_root, path, n_ctx, self.repack) if self.cache_root else None
        if folder is not None and llm.snapshots is not None:
            llm.snapshots.load(folder)
        return LoadedModel(path=path, n_ctx=n_ctx, repack=self.repack, llm=llm, state_dir=folder)

    def _evict(self) -> None:
        while len(self.models) >= self.max_models:
            idle = [m for m in self.models.values() if not m.busy]
            if not idle:
                return  # every model is generating: allow one more rather than wait
            oldest = min(idle, key=lambda m: m.last_used)
            self._close(oldest)
            del self.models[(str(oldest.path), oldest.n_ctx)]

    @staticmethod
    def _close(model: LoadedModel) -> None:
        with model.lock:
            if model.state_dir is not None and model.llm.snapshots is not None:
                try:
                    model.llm.snapshots.keep_current(model.llm)
                    model.llm.snapshots.save(model.state_dir)
                except OSError:
                    pass  # a cache that cannot be written only costs warm-up time later
            model.llm.close()

    def close(self) -> None:
        with self._lock:
            for model in list(self.models.values()):
                self._close(model)
            self.models.clear()

    # --- generation ------------------------------------------------------------------------------------------
    def generate(self, kind: str, body: dict[str, Any], cancel: threading.Event) -> Iterator[dict[str, Any]]:
        """OpenAI-shaped stream chunks for ``kind`` "chat" or "text", then one chunk with ``usage``."""
        model = self.get(str(body.get("model", "")), int(body.get("n_ctx") or 4096))
        kwargs = {k: body[k] for k in _SAMPLING if body.get(k) is not None}
        kwargs["max_tokens"] = int(body.get("max_tokens") or 256)
        if body.get("grammar"):
            kwargs["grammar"] = _grammar(str(body["grammar"]))
        self._cancels.add(cancel)
        acquired = False
        try:
            while not cancel.is_set() and not acquired:  # wait for our turn, unless the client leaves first
                acquired = model.lock.acquire(timeout=0.2)
        finally:
            if not acquired or cancel.is_set():
                self._cancels.discard(cancel)
                if acquired:
                    model.lock.release()
                acquired = acquired and not cancel.is_set()
        if not acquired:
            return
        model.busy = True
        try:
            with self._lock:
                model.requests += 1
                self.served += 1
            llm = model.llm
            llm.cancel = cancel
            start_tokens = None
            finish = None
            stream: Any = None
            try:
                if kind == "chat":
                    messages = body.get("messages")
                    if not isinstance(messages, list) or not messages:
                        raise RequestProblem("messages must be a non-empty list")
                    stream = llm.create_chat_completion(messages=messages, stream=True, **kwargs)
                else:
                    prompt = body.get("prompt")
                    if not isinstance(prompt, str):
                        raise RequestProblem("prompt must be a string")
                    stream = llm.create_completion(prompt=prompt, stream=True, **kwargs)
                for chunk in stream:
                    if start_tokens is None:
                        start_tokens = llm.prompt_tokens
                    choice = (chunk.get("choices") or [{}])[0]
                    finish = choice.get("finish_reason") or finish
                    yield chunk
                    if cancel.is_set():
                        break
            except RequestProblem:
                raise
            except RuntimeError:
                if not cancel.is_set():
                    raise  # llama.cpp failed by itself
                # llama_decode was aborted because the client left: nothing to report to anyone
            except ValueError as exc:  # llama-cpp-python reports context overflow as ValueError
                raise (TooLong if "context" in str(exc) else RequestProblem)(str(exc)) from None
            finally:
                if stream is not None and hasattr(stream, "close"):
                    stream.close()
                llm.cancel = None
            prompt_tokens = start_tokens if start_tokens is not None else llm.prompt_tokens
            completion = max(0, llm.n_tokens - prompt_tokens) + (1 if finish == "length" else 0)
            yield {"object": "chat.completion.chunk" if kind == "chat" else "text_completion", "choices": [],
                   "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion,
                             "total_tokens": prompt_tokens + completion}}
        finally:
            model.busy = False
            model.last_used = time.time()
            self._cancels.discard(cancel)
            model.lock.release()

    def describe(self) -> list[dict[str, Any]]:
        return [m.describe() for m in self.models.values()]


def _abort_when_cancelled(llm: Any) -> None:
    """llama.cpp asks this between compute steps of ``llama_decode``: a cancelled request stops even while
    its prompt is being evaluated (seconds for a long prompt), not only between two generated tokens."""
    import llama_cpp.llama_cpp as capi

    def should_abort(_data: Any) -> bool:
        cancel = llm.cancel
        return cancel is not None and cancel.is_set()

    callback = capi.ggml_abort_callback(should_abort)
    capi.llama_set_abort_callback(llm.ctx, callback, None)
    llm.abort_callback = callback  # ctypes must keep the function alive as long as the context


def _grammar(text: str) -> Any:
    grammar = _GRAMMARS.get(text)
    if grammar is None:
        from llama_cpp import LlamaGrammar

        try:
            grammar = LlamaGrammar.from_string(text, verbose=False)
        except (ValueError, RuntimeError) as exc:
            raise RequestProblem(f"the grammar does not parse ({exc})") from None
        if len(_GRAMMARS) > 16:
            _GRAMMARS.clear()
        _GRAMMARS[text] = grammar
    return grammar
