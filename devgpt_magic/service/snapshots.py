"""Keeping the evaluated prompt prefixes of a model warm across prompt families and service restarts.

llama.cpp reuses the KV cache for the part of a new prompt that matches the previous one, so consecutive
requests of one kind (fast commands, regular commands, chat) evaluate their system text and examples only
once. Switching kinds throws that away. This keeps a few snapshots of shared prefixes: when a request is
about to discard a prefix that the previous requests shared, the prefix is saved first; when a request
starts with a saved prefix that matches it better than what is in the cache, the snapshot is restored.

A prefix is what two consecutive requests had in common: the fixed part of the prompt, found without the
client having to say where it ends. Snapshots hold only the KV cells of sequence 0 (llama.cpp's per-sequence
state), tens of MB for a 1.5B model, not llama-cpp-python's ``save_state`` (which copies a logits array of
hundreds of MB). At a graceful exit they are written to the user's cache folder with llama.cpp's own state
file format, and a fresh service reads them back, so even its first request starts warm.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Prefixes shorter than this are cheap to evaluate again: not worth a snapshot.
MIN_PREFIX = 192
#: A snapshot is worth restoring when it matches this many more tokens than the cache does.
MIN_GAIN = 48
MAX_SNAPSHOTS = 4


def common_prefix(a: Any, b: Any) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


@dataclass
class Snapshot:
    tokens: list[int]
    state: bytes


def _capture(llm: Any, n_tokens: int) -> Snapshot:
    """The KV state of the first ``n_tokens`` tokens (the cache is cut back to them first)."""
    import llama_cpp.llama_cpp as capi

    if llm.n_tokens > n_tokens:
        llm._ctx.kv_cache_seq_rm(0, n_tokens, -1)
        llm.n_tokens = n_tokens
    size = capi.llama_state_seq_get_size(llm.ctx, 0)
    buffer = (ctypes.c_uint8 * size)()
    written = capi.llama_state_seq_get_data(llm.ctx, buffer, size, 0)
    return Snapshot(tokens=[int(t) for t in llm.input_ids[:n_tokens]], state=bytes(buffer[:written]))


def _restore(llm: Any, snapshot: Snapshot) -> bool:
    import llama_cpp.llama_cpp as capi

    buffer = (ctypes.c_uint8 * len(snapshot.state)).from_buffer_copy(snapshot.state)
    if capi.llama_state_seq_set_data(llm.ctx, buffer, len(snapshot.state), 0) != len(snapshot.state):
        llm.reset()
        llm._ctx.kv_cache_clear()
        return False
    n = len(snapshot.tokens)
    llm.input_ids[:n] = snapshot.tokens
    llm.n_tokens = n
    llm._requires_eval = True  # logits are stale: the last prompt token is evaluated again
    return True


class PrefixSnapshots:
    """The snapshots of one loaded model (callers hold the model's lock)."""

    def __init__(self, limit: int = MAX_SNAPSHOTS) -> None:
        self.limit = limit
        self.items: list[Snapshot] = []  # most recently used last
        #: tokens the last two requests shared: the fixed prefix of the current prompt family
        self.shared = 0
        self.restored = 0
        self.saved = 0

    def before(self, llm: Any, tokens: list[int]) -> None:
        """Called with a request's prompt tokens just before llama.cpp evaluates them."""
        current = [int(t) for t in llm.input_ids[: llm.n_tokens]]
        in_cache = common_prefix(current, tokens)
        if self.shared >= MIN_PREFIX and in_cache < self.shared - MIN_GAIN and not self._covers(current[: self.shared]):
            self._add(_capture(llm, self.shared))
            self.saved += 1
        best, matched = self._best(tokens)
        if best is not None and matched >= in_cache + MIN_GAIN and _restore(llm, best):
            self.items.remove(best)
            self.items.append(best)
            self.restored += 1
            in_cache = matched
        self.shared = in_cache

    def _covers(self, prefix: list[int]) -> bool:
        return any(common_prefix(s.tokens, prefix) >= len(prefix) - MIN_GAIN for s in self.items)

    def _best(self, tokens: list[int]) -> tuple[Snapshot | None, int]:
        best, matched = None, 0
        for snapshot in self.items:
            n = common_prefix(snapshot.tokens, tokens)
            if n > matched:
                best, matched = snapshot, n
        return best, matched

    def _add(self, snapshot: Snapshot) -> None:
        self.items = [s for s in self.items if common_prefix(s.tokens, snapshot.tokens) < len(s.tokens)]
        self.items.append(snapshot)
        del self.items[: -self.limit]

    # --- across restarts ----------------------------------------------------------------------------------
    def keep_current(self, llm: Any) -> None:
        """At exit: the current family's prefix becomes a snapshot too."""
        current = [int(t) for t in llm.input_ids[: llm.n_tokens]]
        if self.shared >= MIN_PREFIX and not self._covers(current[: self.shared]):
            self._add(_capture(llm, self.shared))

    def save(self, folder: Path) -> int:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for old in folder.glob("*.state"):
            old.unlink()
        index = []
        for i, snapshot in enumerate(self.items):
            path = folder / f"{i}.state"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(snapshot.state)
            index.append({"file": path.name, "tokens": snapshot.tokens})
        fd = os.open(folder / "index.json", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(index, handle)
        return len(index)

    def load(self, folder: Path) -> int:
        try:
            index = json.loads((folder / "index.json").read_text())
            self.items = [Snapshot(tokens=[int(t) for t in row["tokens"]], state=(folder / row["file"]).read_bytes())
                          for row in index][-self.limit:]
        except (OSError, ValueError, KeyError, TypeError):
            self.items = []
        return len(self.items)


def state_folder(cache_root: Path, model_path: Path, n_ctx: int, repack: bool) -> Path:
    """Snapshots are valid only for the same model file, context size, load options and llama.cpp build."""
    import llama_cpp

    st = model_path.stat()
    key = json.dumps([str(model_path.resolve()), st.st_size, st.st_mtime_ns, n_ctx, repack, llama_cpp.__version__])
    return cache_root / "states" / hashlib.sha256(key.encode()).hexdigest()[:20]
