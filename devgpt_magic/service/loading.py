"""Loading a GGUF model with llama-cpp-python in a way that cannot hit the AMX crash.

Shared by the model service and the in-process backend, so both load a model the same way.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .cpu import CpuReport, RepackSetting, report, use_repack

_PATCH_LOCK = threading.Lock()


@contextlib.contextmanager
def _default_params_without_repack() -> Iterator[None]:
    """``Llama`` has no keyword for the model parameter ``use_extra_bufts``: while it is constructed, the
    default model parameters it starts from come with repacking off. It reads them once, in ``__init__``."""
    import llama_cpp.llama_cpp as capi

    original = capi.llama_model_default_params

    def without_repack() -> Any:
        params = original()
        params.use_extra_bufts = False
        return params

    with _PATCH_LOCK:
        capi.llama_model_default_params = without_repack
        try:
            yield
        finally:
            capi.llama_model_default_params = original


def threads() -> int:
    """``DEVGPT_N_THREADS``: CPU threads a local model computes with (default: every core). Fewer leaves cores
    to other work on a shared machine: two model processes that each take every core slow each other down
    by far more than half, because llama.cpp's threads wait for each other at every step."""
    from ..settings import number_setting

    cores = os.cpu_count() or 2
    return max(1, min(cores, int(number_setting("DEVGPT_N_THREADS", cores, "a count of threads, e.g. 2"))))


def load_llama(path: Path, *, n_ctx: int, cls: Any = None, cpu: CpuReport | None = None,
               repack: RepackSetting | None = None, **kwargs: Any) -> Any:
    """A ``llama_cpp.Llama`` (or subclass ``cls``) for ``path``, with repacking off where it would crash."""
    from llama_cpp import Llama

    cls = cls or Llama
    repacking = use_repack(cpu or report(), repack)
    options = dict(model_path=str(path), n_ctx=n_ctx, n_threads=threads(), verbose=False, **kwargs)
    if repacking:
        return cls(**options)
    with _default_params_without_repack():
        return cls(**options)
