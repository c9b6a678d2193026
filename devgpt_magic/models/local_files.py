"""Where a local model's GGUF file comes from: a path, a package's data file, the models folder, the hub.

Hub downloads go through huggingface_hub (with its progress bar). Offline, the error names
``DEVGPT_LOCAL_MODEL`` so the user can point at a file they already have.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ModelUnavailableError

if TYPE_CHECKING:
    from .registry import ModelSpec


def models_dir() -> Path:
    """``DEVGPT_MODELS_DIR``, else the user's cache folder; ``python -m evaluation models fetch`` fills it."""
    configured = os.environ.get("DEVGPT_MODELS_DIR")
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("devgpt-magic")) / "models"


def package_data_file(package: str, filename: str) -> Path | None:
    """A data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / filename
        if candidate.is_file():
            return candidate
    return None


def _offline_hint(spec: ModelSpec) -> str:
    target = models_dir() / (spec.filename or "model.gguf")
    return (f"put {spec.filename} at {target}, or set DEVGPT_LOCAL_MODEL=/path/to/model.gguf, "
            f"or use the bundled model with --model local")


def gguf_path(spec: ModelSpec, *, download: bool = True) -> Path:
    """The file to load for a local spec; downloads a hub preset when allowed and needed."""
    if spec.model_path:
        path = Path(spec.model_path).expanduser()
        if not path.is_file():
            raise ModelUnavailableError(f"GGUF file not found: {path}. Set DEVGPT_LOCAL_MODEL (or gguf:PATH) "
                                        f"to an existing .gguf file.")
        return path
    if spec.package_file:
        found = package_data_file(*spec.package_file)
        if found is None:
            raise ModelUnavailableError(f"The {spec.name} model file is missing: reinstall it with "
                                        f"`pip install --force-reinstall {spec.package_file[0].replace('_', '-')}`.")
        return found
    if not (spec.repo_id and spec.filename):
        raise ModelUnavailableError(f"{spec.name} has no file source: set DEVGPT_LOCAL_MODEL to a .gguf file.")
    local = models_dir() / spec.filename
    if local.is_file():
        return local
    from huggingface_hub import hf_hub_download

    try:
        return Path(hf_hub_download(spec.repo_id, spec.filename, local_files_only=True))
    except Exception:  # not in the hub cache: fall through to a download
        pass
    if not download or os.environ.get("HF_HUB_OFFLINE") == "1":
        raise ModelUnavailableError(f"{spec.name} is not downloaded and downloads are off: {_offline_hint(spec)}.")
    try:
        return Path(hf_hub_download(spec.repo_id, spec.filename))
    except Exception as exc:  # any network or hub failure ends in the same advice
        raise ModelUnavailableError(
            f"Could not download {spec.name} from the Hugging Face hub ({type(exc).__name__}); offline? "
            f"{_offline_hint(spec)[0].upper()}{_offline_hint(spec)[1:]}."
        ) from None


def pulled(spec: "ModelSpec") -> bool:
    """The preset's file is in the models folder (where ``devgpt models pull`` puts it): a cheap check, made
    on every resolution of the default model, so it never asks the hub or its cache."""
    return bool(spec.filename) and (models_dir() / spec.filename).is_file()


def is_available(spec: ModelSpec) -> bool:
    """True when the model can load without a download."""
    try:
        gguf_path(spec, download=False)
        return True
    except ModelUnavailableError:
        return False
