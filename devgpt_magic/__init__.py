"""devgpt-magic: an LLM developer assistant for Jupyter, IPython and the terminal.

Importing this package stays cheap on purpose: no vendor SDK and no llama_cpp is imported until a
provider is first used, so ``%load_ext devgpt_magic`` costs milliseconds.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "load_ipython_extension", "unload_ipython_extension"]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where the prebuilt side panel lives inside the package (also installed as shared data)."""
    return [{"src": "labextension", "dest": "devgpt-magic"}]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """Jupyter server finds the REST API for the side panel here (enabled by the installed config file)."""
    return [{"module": "devgpt_magic.server"}]


def load_ipython_extension(ipython):  # noqa: ANN001 - IPython's hook signature
    from .magics import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython):  # noqa: ANN001
    from .magics import unload_ipython_extension as _unload

    _unload(ipython)
