"""The errors a user can meet. Each one renders as a single line that says what to do next.

Front ends catch :class:`DevGPTError` and print ``str(error)``; anything else is a bug.
"""

from __future__ import annotations

from .secrets import redact


class DevGPTError(Exception):
    """Base class: the message is one line, free of secrets, and tells the user what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(" ".join(message.split())))

    @property
    def message(self) -> str:
        return str(self)


class RequestError(DevGPTError):
    """The user's input cannot be sent (empty, or longer than the model's context window)."""


class UnknownModelError(DevGPTError):
    """The model name is neither in the registry nor of the form ``provider:model-id``."""


class MissingKeyError(DevGPTError):
    """A cloud model was chosen but the environment variable holding its key is not set."""

    def __init__(self, model: str, env_var: str) -> None:
        self.env_var = env_var
        super().__init__(
            f"{model} needs an API key: set the environment variable {env_var} before starting "
            f"Jupyter or the terminal (e.g. export {env_var}=...), or pick a local model with --model local."
        )


class ConfigError(DevGPTError):
    """A setting in the environment has a value that cannot be used."""


class ModelUnavailableError(DevGPTError):
    """A local model file cannot be found or downloaded."""


class ProviderError(DevGPTError):
    """The model's service failed: auth, rate limit, server error, timeout or no connection."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False) -> None:
        self.status = status
        self.retryable = retryable
        super().__init__(message)


class ParseError(DevGPTError):
    """The model's reply could not be turned into a valid suggestion, even after one repair call."""

    def __init__(self, message: str, raw_text: str) -> None:
        #: why the reply was rejected, without the raw text (what the repair call tells the model)
        self.reason = redact(" ".join(message.split()))
        self.raw_text = raw_text
        shown = " ".join(raw_text.split())
        if len(shown) > 300:
            shown = shown[:300] + "…"
        super().__init__(f"{message} Raw model output: {shown!r}")


class CancelledError(DevGPTError):
    """The caller stopped the request (a closed browser tab, a Stop button) before the reply was complete."""
