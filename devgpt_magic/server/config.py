"""Settings of the server extension, read from Jupyter's own config (``c.DevGPTServer.*``).

They live in the server's config, not in the request, because they decide what a panel user may make the
server do with the owner's machine and keys: which files it may load, how many model calls may wait.
"""

from __future__ import annotations

from traitlets import Int, List, Unicode
from traitlets.config import Configurable


class DevGPTServer(Configurable):
    """Limits of the side panel's REST API; e.g. in ``jupyter_server_config.py``:
    ``c.DevGPTServer.allowed_gguf_dirs = ["/srv/models"]``."""

    allowed_gguf_dirs = List(Unicode(), help=(
        "Folders, besides the models folder (DEVGPT_MODELS_DIR), whose .gguf files a panel request may load "
        "with model 'gguf:PATH'. Files elsewhere are refused unless they are the configured default model.")
    ).tag(config=True)
    max_workers = Int(2, help="Model calls (suggest, explain, chat) that run at once.").tag(config=True)
    max_waiting = Int(8, help=(
        "Model calls that may wait for a free worker; beyond that a request gets 503 (busy).")).tag(config=True)
    conversations_per_user = Int(64, help=(
        "Chat conversations kept per user; the least recently used one is forgotten first.")).tag(config=True)
    conversation_users = Int(256, help=(
        "Users whose conversations are kept; the least recently active user's are forgotten first.")
    ).tag(config=True)
    conversation_max_messages = Int(200, help=(
        "Messages (user and assistant turns) kept per conversation; the oldest exchanges go first.")
    ).tag(config=True)
    conversation_max_chars = Int(200_000, help=(
        "Characters kept per conversation; the oldest exchanges go first (the newest one always stays).")
    ).tag(config=True)
