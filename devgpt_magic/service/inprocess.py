"""The service's model host run inside the calling process (``DEVGPT_LOCAL_BACKEND=inprocess``).

Same loading (AMX-safe), prefix snapshots and token counts as the service, without its isolation: a crash in
llama.cpp takes this process with it. For tests, and for users who prefer one process.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import ProviderError, RequestError
from .host import ModelHost, RequestProblem

_HOST: ModelHost | None = None
_HOST_LOCK = threading.Lock()


def host() -> ModelHost:
    global _HOST
    with _HOST_LOCK:
        if _HOST is None:
            from ..settings import cache_root
            from .cpu import report

            _HOST = ModelHost(report(), max_models=2, cache_root=cache_root())
            atexit.register(_HOST.close)  # free models before interpreter teardown unloads llama.cpp
        return _HOST


def chunks(path: str, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """What the service would stream for ``path``, generated here; closing the iterator cancels it."""
    cancel = threading.Event()
    generated = host().generate("text" if path == "/v1/completions" else "chat", body, cancel)
    try:
        yield from generated
    except RequestProblem as exc:
        from .client import PromptTooLong

        if exc.kind == "context_length_exceeded":
            raise PromptTooLong(str(exc)) from None
        raise RequestError(f"The local model cannot take this request: {exc}.") from None
    except (RuntimeError, OSError) as exc:
        raise ProviderError(f"llama.cpp failed: {exc}") from None
    finally:
        cancel.set()
        generated.close()


def loaded_models() -> list[Path]:
    """Models loaded in this process."""
    return [m.path for m in _HOST.models.values()] if _HOST is not None else []
