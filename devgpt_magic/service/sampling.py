"""Grammar-constrained sampling that checks one token instead of the whole vocabulary.

llama-cpp-python puts the grammar into the sampler chain, so every generated token runs the grammar over every
entry of the vocabulary (49k for SmolLM2, 151k for Qwen). Measured here: constrained generation runs at half
the free speed on SmolLM2 and three quarters on Qwen2.5-Coder-1.5B. llama.cpp's own ``common_sampler`` avoids
that, but llama-cpp-python does not expose it; this is the same method: sample without the grammar, ask the
grammar about that one token, and only when it refuses, sample again with the grammar over the whole
vocabulary. Structured replies are mostly what the model would write anyway, so the second step is rare.

The result is the same as the stock chain: a token the grammar accepts that wins over the whole vocabulary
also wins over the grammar's subset, and the refused case is the stock order (grammar, penalties, pick).
``DEVGPT_GRAMMAR_SAMPLING=full`` brings back the stock chain.
"""

from __future__ import annotations

import ctypes
import math
import os
from typing import Any

import numpy as np

from ..errors import ConfigError

#: the token data layout llama.cpp's samplers read: (id, logit, p) per vocabulary entry
_TOKEN_DATA = np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True)


def checked_sampling_enabled() -> bool:
    """``DEVGPT_GRAMMAR_SAMPLING``: ``checked`` (default) or ``full`` (llama-cpp-python's own chain)."""
    value = os.environ.get("DEVGPT_GRAMMAR_SAMPLING", "checked").strip().lower() or "checked"
    if value not in ("checked", "full"):
        raise ConfigError(f"DEVGPT_GRAMMAR_SAMPLING is {value!r}; use checked or full.")
    return value == "checked"


class CheckedGrammarSampler:
    """Stands in for llama-cpp-python's ``LlamaSampler`` in ``Llama.generate`` (it calls ``sample`` only).

    ``chain`` is the stock chain built without the grammar (penalties, then greedy or top-k/top-p/temperature
    and a draw); this object owns the grammar sampler and both advance on every chosen token.
    """

    def __init__(self, model: Any, chain: Any, grammar: Any) -> None:
        import llama_cpp.llama_cpp as capi

        self._capi = capi
        self._chain = chain  # keeps the chain (and its native memory) alive as long as this object
        self._grammar = capi.llama_sampler_init_grammar(model.vocab, grammar._grammar.encode("utf-8"),
                                                        grammar._root.encode("utf-8"))
        if not self._grammar:
            raise ValueError("llama.cpp did not accept the grammar")
        self._n_vocab = int(capi.llama_vocab_n_tokens(model.vocab))
        self._ids = np.arange(self._n_vocab, dtype=np.intc)
        self._data = np.zeros(self._n_vocab, dtype=_TOKEN_DATA)
        self._one = np.zeros(1, dtype=_TOKEN_DATA)
        self.checked = 0  # tokens the grammar allowed at the first try
        self.refused = 0  # tokens sampled again under the full grammar

    # --- llama.cpp token data arrays over numpy buffers -------------------------------------------------------
    def _array(self, data: np.ndarray) -> Any:
        capi = self._capi
        pointer = ctypes.cast(data.ctypes.data, ctypes.POINTER(capi.llama_token_data))
        return capi.llama_token_data_array(data=pointer, size=len(data), selected=-1, sorted=False)

    def _candidates(self, ctx: Any, idx: int) -> tuple[np.ndarray, Any]:
        logits = self._capi.llama_get_logits_ith(ctx.ctx, idx)
        data = self._data
        data["id"] = self._ids
        data["logit"] = np.ctypeslib.as_array(logits, shape=(self._n_vocab,))
        data["p"] = 0.0
        return data, self._array(data)

    def _pick(self, data: np.ndarray, array: Any) -> int:
        self._capi.llama_sampler_apply(self._chain.sampler, ctypes.byref(array))
        if array.selected < 0 or array.selected >= array.size:
            raise RuntimeError("the sampler chain selected no token")
        # the chain may have sorted or shortened the array in place; ``data`` is that same memory
        return int(data["id"][array.selected])

    def _allowed(self, token: int) -> bool:
        one = self._one
        one["id"] = token
        one["logit"] = 1.0
        self._capi.llama_sampler_apply(self._grammar, ctypes.byref(self._array(one)))
        return not math.isinf(float(one["logit"][0]))

    # --- what Llama.generate calls ----------------------------------------------------------------------------
    def sample(self, ctx: Any, idx: int = -1) -> int:
        data, array = self._candidates(ctx, idx)
        token = self._pick(data, array)
        if self._allowed(token):
            self.checked += 1
        else:
            self.refused += 1
            data, array = self._candidates(ctx, idx)
            self._capi.llama_sampler_apply(self._grammar, ctypes.byref(array))
            token = self._pick(data, array)
        self._capi.llama_sampler_accept(self._grammar, token)
        self._capi.llama_sampler_accept(self._chain.sampler, token)
        return token

    def close(self) -> None:
        if self._grammar:
            self._capi.llama_sampler_free(self._grammar)
            self._grammar = None
        self._chain.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001, S110 - interpreter teardown: llama.cpp may be gone already
            pass
