"""What ``%devgpt cmd`` returns: the suggestion, the outcome of anything run, and its displays.

``s = %devgpt cmd ...`` gives ``s.commands[0].command``; ``s.runs`` records what ran and how it ended.
In JupyterLab the result shows as interactive cards; in terminal IPython and in saved notebooks it reads as
text, Markdown or HTML (``_repr_mimebundle_``).
"""

from __future__ import annotations

from typing import Any

from .execution import RunOutcome
from .render import footer, suggestion_html, suggestion_markdown, suggestion_text
from .schema import CommandStep, Suggestion


class CommandResult:
    def __init__(self, suggestion: Suggestion, *, local: bool, shell: Any = None) -> None:
        self.suggestion = suggestion
        self.local = local
        self.shell = shell
        self.runs: list[RunOutcome] = []
        self._shown_in: int | None = None
        self._card: Any = None

    @property
    def commands(self) -> list[CommandStep]:
        return self.suggestion.commands

    @property
    def is_invalid(self) -> bool:
        return self.suggestion.is_invalid

    @property
    def usage(self):  # noqa: ANN201
        return self.suggestion.usage

    def footer(self) -> str:
        return footer(self.suggestion.usage, local=self.local)

    def __repr__(self) -> str:
        return suggestion_text(self.suggestion)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/plain": suggestion_text(self.suggestion),
                "text/markdown": suggestion_markdown(self.suggestion),
                "text/html": suggestion_html(self.suggestion)}

    def card(self) -> Any:
        """The ipywidgets view (built once, so its buttons keep their state)."""
        if self._card is None:
            from .widgets import SuggestionCard

            self._card = SuggestionCard(self, shell=self.shell)
        return self._card

    def _ipython_display_(self) -> None:
        """Cards where widgets can render; the mimebundle elsewhere. Shown once per cell, not twice."""
        from IPython.display import display

        count = getattr(self.shell, "execution_count", None)
        if count is not None and self._shown_in == count:
            return
        self._shown_in = count
        if widgets_available(self.shell) and not self.is_invalid:
            display(self.card())
        else:
            display(self._repr_mimebundle_(), raw=True)


def widgets_available(shell: Any) -> bool:
    """True inside a Jupyter kernel (a front end that can render widgets), False in terminal IPython."""
    return getattr(shell, "kernel", None) is not None
