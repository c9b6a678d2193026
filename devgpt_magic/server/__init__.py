"""Jupyter server extension: the engine behind a REST + streaming API for the JupyterLab side panel.

Enabled by the installed package (``jupyter-config/.../devgpt_magic.json``); every handler sits behind
Jupyter's authentication and XSRF rules (``APIHandler`` + ``@web.authenticated``) and its authorisation
(``@authorized`` on the resource ``devgpt``). Limits are Jupyter config: ``c.DevGPTServer.*``
(:mod:`devgpt_magic.server.config`).
"""

from __future__ import annotations

from typing import Any


def _load_jupyter_server_extension(serverapp: Any) -> None:
    from .config import DevGPTServer
    from .handlers import setup_handlers

    setup_handlers(serverapp.web_app, DevGPTServer(parent=serverapp))
    serverapp.log.info("devgpt_magic server extension loaded")


# the name jupyter_server also looks for
load_jupyter_server_extension = _load_jupyter_server_extension
