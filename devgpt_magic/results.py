"""What ``%devgpt cmd`` returns: the suggestion, the outcome of anything run, and its displays.

``s = %devgpt cmd ...`` gives ``s.commands[0].command``; ``s.runs`` records what ran and how it ended.
In JupyterLab the result shows as interactive cards; in terminal IPython and in saved notebooks it reads as
text, Markdown or HTML (``_repr_mimebundle_``).

A card in a kernel is two outputs: the live widget, then its *static twin* (HTML, Markdown and plain text
of everything on the card, and of what ran since). The widget needs its kernel; the twin is what a saved
notebook, a notebook opened without a kernel, nbconvert and GitHub show. The devgpt-magic labextension's
stylesheet hides the twin while the widget beside it is live (and the widget's "model not found" line when it
is not), and rewrites the twin in the notebook when something runs (a widget callback's display update does
not reach JupyterLab's output area).
"""

from __future__ import annotations

import uuid
from typing import Any

from .execution import RunOutcome
from .render import decided_text, footer, suggestion_html, suggestion_markdown, suggestion_text
from .schema import CommandStep, Suggestion

#: the metadata key that marks a card's static twin (the labextension finds it by this)
STATIC_KEY = "devgpt"


class CommandResult:
    def __init__(self, suggestion: Suggestion, *, local: bool, shell: Any = None) -> None:
        self.suggestion = suggestion
        self.local = local
        self.shell = shell
        self.runs: list[RunOutcome] = []
        #: per command: what else happened to it (a preview's headline, how to undo a run, an undo)
        self.records: dict[str, list[str]] = {}
        #: the footer (model · tokens · time) on the card and its twin; ``show_usage`` off hides it
        self.show_footer = True
        self.static_id = uuid.uuid4().hex
        self._shown_in: int | None = None
        self._card: Any = None
        self._twin_shown = False

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

    def record(self, command: str, line: str) -> None:
        """Note what happened to ``command`` on the static twin (and refresh it)."""
        self.records.setdefault(command, []).append(line)
        self.refresh_static()

    def __repr__(self) -> str:
        return suggestion_text(self.suggestion, runs=self.runs, records=self.records)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return self.static_bundle()

    def static_bundle(self) -> dict[str, str]:
        """Text, Markdown and HTML of the card and what ran: every model- or command-derived string escaped."""
        footer_text = self.footer() if self.show_footer else ""
        return {"text/plain": suggestion_text(self.suggestion, runs=self.runs, records=self.records),
                "text/markdown": suggestion_markdown(self.suggestion, runs=self.runs, records=self.records),
                "text/html": suggestion_html(self.suggestion, runs=self.runs, records=self.records,
                                             footer_text=footer_text, notice=self.suggestion.notice)}

    def static_metadata(self) -> dict[str, Any]:
        return {STATIC_KEY: {"static": self.static_id}}

    def card(self) -> Any:
        """The ipywidgets view (built once, so its buttons keep their state)."""
        if self._card is None:
            from .widgets import SuggestionCard

            self._card = SuggestionCard(self, shell=self.shell)
        return self._card

    def _ipython_display_(self) -> None:
        """Cards and their static twin where widgets can render; the mimebundle elsewhere. Shown once per cell."""
        from IPython.display import display

        count = getattr(self.shell, "execution_count", None)
        if count is not None and self._shown_in == count:
            return
        self._shown_in = count
        if widgets_available(self.shell) and (self.commands or self.suggestion.alternatives):
            display(self.card())
            display(self.static_bundle(), raw=True, metadata=self.static_metadata(), display_id=self.static_id)
            self._twin_shown = True
        else:
            display(self.static_bundle(), raw=True)

    def refresh_static(self) -> None:
        """Rewrite the static twin after a run, preview or undo: through the labextension (JupyterLab ignores a
        display update sent from a widget callback) and as a display update (front ends that honour it)."""
        if not self._twin_shown:
            return
        bundle = self.static_bundle()
        try:
            from IPython.display import update_display

            update_display(bundle, raw=True, metadata=self.static_metadata(), display_id=self.static_id)
        except Exception:  # noqa: BLE001 - no kernel to send it to: nothing to refresh
            pass
        from .widgets import tell_frontend

        tell_frontend({"action": "static", "id": self.static_id, "data": bundle,
                       "metadata": self.static_metadata()})


def widgets_available(shell: Any) -> bool:
    """True inside a Jupyter kernel (a front end that can render widgets), False in terminal IPython."""
    return getattr(shell, "kernel", None) is not None


class DecidedNote:
    """A regular answer's commands, shown while they are being explained (models that explain after deciding
    spend most of the answer's time there). In a kernel the note goes when the card or an error arrives; in
    terminal IPython it stays as a line above the card."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.handle: Any = None

    def show(self, suggestion: Suggestion) -> None:
        from IPython.display import display

        self.handle = display({"text/plain": decided_text(suggestion)}, raw=True, display_id=True)

    def clear(self) -> None:
        if self.handle is not None and widgets_available(self.shell):
            self.handle.update({"text/plain": ""}, raw=True)
        self.handle = None
