"""devgpt-magic: an LLM developer assistant for Jupyter, IPython and the terminal.

Importing this package stays cheap on purpose: no vendor SDK and no llama_cpp is imported until a
provider is first used, so ``%load_ext devgpt_magic`` costs milliseconds.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ipython):  # noqa: ANN001 - IPython's hook signature
    from .magics import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython):  # noqa: ANN001
    from .magics import unload_ipython_extension as _unload

    _unload(ipython)
