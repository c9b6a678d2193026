"""ipywidgets command cards: the command, its explanations, an argument table, a risk badge, and buttons.

Confirmation rules (the same as :mod:`devgpt_magic.confirm`, with buttons): Run only opens a
Confirm / Cancel row; Confirm runs a safe or caution command; a dangerous command then needs a second,
explicit acknowledgement whose label names the danger. Nothing runs on any other path.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any, Callable

import ipywidgets as w

from .execution import RunOutcome, run_confirmed
from .safety import needs_second_confirmation
from .schema import CommandStep

if TYPE_CHECKING:
    from .results import CommandResult

_COLORS = {"safe": "#2e7d32", "caution": "#b26a00", "dangerous": "#c62828"}
_HIDDEN = {"display": "none"}


def _show(widget: w.Widget, visible: bool) -> None:
    widget.layout.display = None if visible else "none"


def _badge(step: CommandStep) -> str:
    risk = step.risk
    level = risk.level if risk else "safe"
    reasons = "; ".join(risk.reasons) if risk and risk.reasons else ""
    tail = f" <span style='font-weight:normal'>— {html.escape(reasons)}</span>" if reasons else ""
    return (f"<span style='color:white;background:{_COLORS[level]};border-radius:3px;padding:1px 6px'>"
            f"{level}</span>{tail}")


class _ConfirmFlow(w.VBox):
    """Confirm / Cancel, then (for dangerous commands) the explicit acknowledgement."""

    def __init__(self, steps: list[CommandStep], on_run: Callable[[], None]) -> None:
        self.steps = steps
        self.on_run = on_run
        listing = "".join(f"<li><code>{html.escape(s.command)}</code></li>" for s in steps)
        what = "this command" if len(steps) == 1 else f"these {len(steps)} commands in order, stopping at the first failure"
        self.question = w.HTML(f"Run {what}?<ol style='margin:2px 0'>{listing}</ol>")
        self.confirm_button = w.Button(description="Confirm", button_style="primary", icon="check")
        self.cancel_button = w.Button(description="Cancel", icon="times")
        dangers = [s for s in steps if needs_second_confirmation(s.risk)]
        reasons = "; ".join(r for s in dangers for r in (s.risk.reasons if s.risk else []))
        self.danger_note = w.HTML(f"<b style='color:{_COLORS['dangerous']}'>Dangerous:</b> "
                                  f"{html.escape(reasons)}. This cannot be undone.")
        short = reasons.split(";")[0][:60]
        self.acknowledge_button = w.Button(description=f"Yes, run it: {short}", button_style="danger",
                                           icon="exclamation-triangle", layout=w.Layout(width="auto"))
        self.danger_row = w.VBox([self.danger_note, w.HBox([self.acknowledge_button])])
        self.needs_acknowledgement = bool(dangers)
        super().__init__([self.question, w.HBox([self.confirm_button, self.cancel_button]), self.danger_row])
        _show(self.danger_row, False)
        _show(self, False)
        self.confirm_button.on_click(self._confirmed)
        self.cancel_button.on_click(lambda _: self.close_flow())
        self.acknowledge_button.on_click(self._acknowledged)
        self._asked = False
        self._confirmed_once = False

    def ask(self) -> None:
        self._asked = True
        self._confirmed_once = False
        _show(self.danger_row, False)
        _show(self, True)

    def close_flow(self) -> None:
        self._asked = False
        self._confirmed_once = False
        _show(self, False)

    def _confirmed(self, _: Any) -> None:
        if not self._asked:  # Confirm counts only after Run opened the question
            return
        if self.needs_acknowledgement:
            self._confirmed_once = True
            _show(self.danger_row, True)
            return
        self.close_flow()
        self.on_run()

    def _acknowledged(self, _: Any) -> None:
        if not (self._asked and self._confirmed_once):  # the acknowledgement only counts after Confirm
            return
        self.close_flow()
        self.on_run()


class CommandCard(w.VBox):
    def __init__(self, step: CommandStep, result: "CommandResult", shell: Any) -> None:
        self.step = step
        self.result = result
        self.shell = shell
        e = html.escape
        explanations = "".join(f"<div>{e(x)}</div>" for x in step.explanations)
        rows = "".join(f"<tr><td style='text-align:left'><code>{e(a)}</code></td><td style='text-align:left'>{e(m)}</td></tr>"
                       for a, m in step.arguments.items())
        table = f"<table style='margin:4px 0'>{rows}</table>" if rows else ""
        self.body = w.HTML(f"<pre style='margin:0;font-size:110%'><code>{e(step.command)}</code></pre>"
                           f"{explanations}{table}<div style='margin-top:4px'>{_badge(step)}</div>")
        self.run_button = w.Button(description="Run", icon="play", tooltip="asks for confirmation first")
        self.insert_button = w.Button(description="Insert as cell", icon="plus")
        self.copy_button = w.Button(description="Copy", icon="copy")
        self.copy_text = w.Text(value=step.command, layout=w.Layout(width="100%", display="none"))
        self.flow = _ConfirmFlow([step], self._run)
        self.status = w.HTML()
        self.output = w.Output(layout=w.Layout(max_height="300px", overflow="auto"))
        super().__init__([self.body, w.HBox([self.run_button, self.insert_button, self.copy_button]), self.copy_text,
                          self.flow, self.status, self.output],
                         layout=w.Layout(border="1px solid var(--jp-border-color1, #ccc)", padding="6px",
                                         margin="4px 0"))
        self.run_button.on_click(lambda _: self.flow.ask())
        self.insert_button.on_click(self._insert)
        self.copy_button.on_click(self._copy)

    def _run(self) -> RunOutcome:
        self.status.value = "<i>running…</i>"
        with self.output:
            outcome = run_confirmed(self.shell, self.step.command)
        self.result.runs.append(outcome)
        color = _COLORS["safe"] if outcome.ok else _COLORS["dangerous"]
        self.status.value = f"<span style='color:{color}'>exit code {outcome.exit_code}</span>"
        return outcome

    def _insert(self, _: Any) -> None:
        if _ask_frontend("insert", "!" + self.step.command, self._inserted):
            self.status.value = "<i>Asking JupyterLab to add a <code>!command</code> cell…</i>"
        else:  # no kernel comms (terminal-less tests, other shells): IPython's own next-input payload
            self.shell.set_next_input("!" + self.step.command, replace=False)
            self.status.value = "<i>A <code>!command</code> cell is added below the next cell you run.</i>"

    def _inserted(self, ok: bool) -> None:
        if ok:
            self.status.value = "<i>Inserted a <code>!command</code> cell below the active cell (not run).</i>"
        else:
            _show(self.copy_text, True)
            self.status.value = ("<i>This front end cannot insert cells without the devgpt-magic labextension: "
                                 "copy the command from the field below.</i>")

    def _copy(self, _: Any) -> None:
        if not _ask_frontend("copy", self.step.command, self._copied):
            self._copied(False)

    def _copied(self, ok: bool) -> None:
        if ok:
            self.status.value = "<i>Copied to the clipboard.</i>"
        else:
            _show(self.copy_text, True)
            self.status.value = "<i>The clipboard is out of reach here: select the command in the field below.</i>"


def _ask_frontend(action: str, text: str, on_answer: Callable[[bool], None]) -> bool:
    """Ask JupyterLab (the devgpt-magic labextension answers this comm target) to insert or copy.

    Returns False when there is no kernel to carry the request. Otherwise ``on_answer`` gets the front
    end's verdict later, or False when the comm closes unanswered (a front end without the labextension).
    """
    try:
        from comm import create_comm

        comm = create_comm(target_name="devgpt_frontend", data={"action": action, "text": text})
    except Exception:  # no kernel (terminal IPython, tests): the caller falls back
        return False
    if getattr(comm, "kernel", None) is None:
        return False
    answered: list[bool] = []

    def answer(msg: dict) -> None:
        answered.append(bool(msg.get("content", {}).get("data", {}).get("ok")))
        on_answer(answered[0])

    def closed(_: dict) -> None:
        if not answered:
            on_answer(False)

    comm.on_msg(answer)
    comm.on_close(closed)
    return True


class SuggestionCard(w.VBox):
    """All command cards of one suggestion, plus "Run all" for several commands."""

    def __init__(self, result: "CommandResult", shell: Any) -> None:
        self.result = result
        self.cards = [CommandCard(step, result, shell) for step in result.commands]
        children: list[w.Widget] = list(self.cards)
        self.run_all_button = w.Button(description="Run all in order", icon="forward",
                                       tooltip="one confirmation for all; stops at the first failure")
        self.run_all_flow = _ConfirmFlow(result.commands, self._run_all)
        if len(self.cards) > 1:
            children += [self.run_all_button, self.run_all_flow]
        self.footer = w.HTML(f"<small style='color:var(--jp-ui-font-color2,#777)'>{html.escape(result.footer())}</small>")
        children.append(self.footer)
        super().__init__(children)
        self.run_all_button.on_click(lambda _: self.run_all_flow.ask())

    def _run_all(self) -> None:
        for card in self.cards:
            if not card._run().ok:
                break
