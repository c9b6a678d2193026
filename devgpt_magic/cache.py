"""On-disk cache of model replies for identical requests at temperature 0.

Keyed by the model, its endpoint, the full prompt and the generation parameters. The clock time in the
prompt's context is reduced to the date, so the same request gives the same answer all day. Files live
in the user's cache folder, readable by the user only (folder 0700, files 0600).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .models.registry import ModelSpec
from .prompts import Prompt
from .schema import Completion


def cache_dir() -> Path:
    configured = os.environ.get("DEVGPT_CACHE_DIR")
    if configured:
        return Path(configured).expanduser() / "responses"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("devgpt-magic")) / "responses"


class ResponseCache:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or cache_dir()

    @staticmethod
    def key(spec: ModelSpec, prompt: Prompt, *, max_tokens: int, temperature: float, clock: str = "",
            day: str = "") -> str:
        text = prompt.model_dump_json(by_alias=True)
        if clock:
            text = text.replace(clock, day)
        payload = json.dumps({"model": spec.name, "id": spec.model_id, "provider": spec.provider,
                              "base_url": spec.base_url, "path": spec.model_path, "prompt": text,
                              "max_tokens": max_tokens, "temperature": temperature}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> Completion | None:
        try:
            return Completion.model_validate_json(self._path(key).read_text("utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, key: str, completion: Completion) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(self.folder, 0o700)
            os.chmod(path.parent, 0o700)
            tmp = path.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(completion.model_dump_json())
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot write is only slower

    def clear(self) -> int:
        removed = 0
        if not self.folder.is_dir():
            return 0
        for file in self.folder.glob("*/*.json"):
            try:
                file.unlink()
                removed += 1
            except OSError:
                pass
        return removed
