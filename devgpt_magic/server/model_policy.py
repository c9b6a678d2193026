"""Which models a panel request may use, and how the model picker lists them.

The ``model`` field comes from the browser, so it is untrusted: left to the registry alone, ``gguf:/any/path``
would make the server probe and load any file, a local preset that is not on disk would start a multi-GB
hub download, and ``ollama:`` / ``openai:`` with a base URL would make the server post to local ports. The
panel therefore gets the models the engine lists (names and aliases), ``local``, ``gguf:`` files inside
the models folder (or a folder the server's owner allowed), and whatever the owner configured as the
default; local models only when their file is already on disk. Resolution itself stays in the engine.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..engine import Engine
from ..errors import UnknownModelError
from ..models.local_files import is_available, models_dir
from ..models.registry import ModelSpec
from ..schema import ModelRow

MAX_MODEL_CHARS = 300


class ModelRefused(Exception):
    """The model field names something the panel may not use; the message says what to do instead."""


def _shown(value: str) -> str:
    """The user's text, quoted and short, safe to put in a one-line error."""
    return repr(value if len(value) <= 80 else value[:80] + "…")


def _inside(path: str, folder: str) -> bool:
    """``path`` lies in ``folder``, judged on the text alone (no file is touched for a refused path)."""
    folder = os.path.normpath(os.path.abspath(os.path.expanduser(folder)))
    return os.path.commonpath([path, folder]) == folder


def not_downloaded(name: str) -> str:
    return (f"{name} is not downloaded: run `devgpt models pull {name}` in a terminal, or use Pull next to the "
            f"panel's model picker, then pick it again.")


def pullable(spec: ModelSpec) -> bool:
    """A registry preset whose file a pull can fetch (never a path or URL from a request)."""
    from ..models.registry import all_models

    return (spec.is_local and bool(spec.filename) and not spec.model_path and not spec.package_file
            and any(s.name == spec.name for s in all_models()))


class ModelPolicy:
    """Checks a request's ``model`` against what the engine lists and the server's owner allowed."""

    def __init__(self, engine: Engine, allowed_gguf_dirs: Iterable[str] = ()) -> None:
        self.engine = engine
        self.allowed_gguf_dirs = list(allowed_gguf_dirs)

    def gguf_dirs(self) -> list[str]:
        """The models folder first (read now: DEVGPT_MODELS_DIR may change), then the owner's extra folders."""
        return [str(models_dir()), *self.allowed_gguf_dirs]

    def check(self, value: Any) -> str | None:
        """The model name to hand to the engine (None: the configured default), or ModelRefused."""
        if value is None:
            model = None
        elif not isinstance(value, str):
            raise ModelRefused("model must be a string: a name from GET /devgpt/models, or leave it out for the "
                               "default.")
        else:
            model = value.strip() or None
        if model is not None and len(model) > MAX_MODEL_CHARS:
            raise ModelRefused(f"model is {len(model):,} characters long; the limit is {MAX_MODEL_CHARS}. Pick a "
                               f"name from GET /devgpt/models.")
        spec = self._allowed_spec(model)
        if spec.is_local and not is_available(spec):
            if spec.model_path:
                raise ModelRefused(f"No GGUF file at {spec.model_path}: copy the model there first, or pick "
                                   f"another model.")
            raise ModelRefused(not_downloaded(spec.name))
        return model

    def _allowed_spec(self, model: str | None) -> ModelSpec:
        if model is None:
            return self.engine.default_spec()  # the owner's choice, but never a download (checked by the caller)
        rows = self.engine.model_listing()
        names = {n for row in rows for n in (row.name, *row.aliases)} | {"local"}
        # names compare without case, but a file path with its case: gguf:/m/X.gguf is not gguf:/m/x.gguf
        listed = {n if ":" in n and "/" in n else n.lower() for n in names}
        if (model if ":" in model and "/" in model else model.lower()) in listed:
            return self.engine.resolve(model)
        try:
            spec = self.engine.resolve(model)
        except UnknownModelError as exc:
            raise ModelRefused(str(exc)) from None
        if spec.name.lower() in listed and not spec.model_path:
            return spec  # another spelling of a listed model, e.g. openai:gpt-4o
        if spec.is_local and spec.model_path:
            return self._gguf(model, spec)
        if spec.base_url:
            raise ModelRefused(f"{_shown(model)} would make the server call another server; the panel allows that "
                               f"only for the configured default model: start Jupyter with DEVGPT_MODEL set to it.")
        raise ModelRefused(f"{_shown(model)} is not one of the panel's models: pick one from GET /devgpt/models, "
                           f"or start Jupyter with DEVGPT_MODEL set to it.")

    def _gguf(self, model: str, spec: ModelSpec) -> ModelSpec:
        path = os.path.normpath(os.path.abspath(str(spec.model_path)))
        if not any(_inside(path, folder) for folder in self.gguf_dirs()):
            raise ModelRefused(f"{_shown(model)} is outside the models folder: put the file in {models_dir()} "
                               f"(or ask the server's owner to add its folder to c.DevGPTServer.allowed_gguf_dirs).")
        if Path(path).suffix.lower() != ".gguf":
            raise ModelRefused(f"{_shown(model)} is not a .gguf file: name a GGUF model file.")
        return spec.model_copy(update={"model_path": path})

    def listing(self) -> dict[str, Any]:
        """The picker's data: every listed model, whether the panel may choose it and why not, the file of each
        local model, which one ``local`` means here, and which presets a pull can fetch (with their size).

        ``default`` is what a request without a model uses, the same model as ``%devgpt cmd`` and ``devgpt cmd``
        (``DEVGPT_MODEL``, else ``local``: ``DEVGPT_LOCAL_MODEL`` or the best preset on disk).
        """
        from ..models.registry import default_local

        rows = self.engine.model_listing()
        default = next((row.name for row in rows if row.default), self.engine.default_spec().name)
        local = default_local()
        models = [{**row.model_dump(), **selectable(row), **self._file_info(row.name, row.local),
                   "local_default": row.name == local.name} for row in rows]
        if not any(row.name == local.name for row in rows):  # e.g. DEVGPT_LOCAL_MODEL is a file, DEVGPT_MODEL cloud
            row = ModelRow(name="local", provider="local", local=True, available=is_available(local),
                           description=f"the local model here: {local.name}")
            models.insert(0, {**row.model_dump(), **selectable(row), **self._file_info("local", True),
                              "local_default": True})
        return {"default": default, "models": models}

    def _file_info(self, name: str, local: bool) -> dict[str, Any]:
        """``file`` (the GGUF file's name, not its folder), ``size`` and ``pullable`` (not on disk, and a pull can
        fetch it)."""
        nothing = {"file": None, "size": None, "pullable": False}
        if not local:
            return nothing
        try:
            spec = self.engine.resolve(name)
        except Exception:  # noqa: BLE001 - listed names resolve; be safe anyway
            return nothing
        from ..models.local_files import gguf_path

        try:
            path = str(gguf_path(spec, download=False))
        except Exception:  # noqa: BLE001 - not on disk
            path = None
        file = os.path.basename(path) if path else (os.path.basename(spec.model_path) if spec.model_path
                                                      else spec.filename)
        return {"file": file, "size": spec.size, "pullable": path is None and pullable(spec)}

    def describe(self, model: str | None) -> dict[str, Any]:
        """One model the panel may use (``check`` passed): its name and file, for a typed ``gguf:`` path."""
        spec = self._allowed_spec(model)
        return {"name": model or spec.name, "resolved": spec.name, "local": spec.is_local,
                **self._file_info(model or spec.name, spec.is_local)}


def selectable(row: ModelRow) -> dict[str, Any]:
    """``selectable`` and, when False, a short ``reason`` the picker shows next to the name."""
    if row.local and not row.available:
        reason = "file not found" if row.name.startswith("gguf:") else "not downloaded"
        return {"selectable": False, "reason": reason}
    if row.needs_key and not row.key_present:
        return {"selectable": False, "reason": f"needs {row.key_env[0]}" if row.key_env else "needs an API key"}
    return {"selectable": True, "reason": None}
