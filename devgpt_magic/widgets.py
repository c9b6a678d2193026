"""ipywidgets command cards: the command, its explanations, an argument table, a risk badge, and buttons.

Confirmation rules (the same as :mod:`devgpt_magic.confirm`, with buttons): Run only opens a
Confirm / Cancel row; Confirm runs a safe or caution command; a dangerous command then needs a second,
explicit acknowledgement whose label names the danger. Nothing runs on any other path. Insert as cell
adds a safe or caution command at once (inserting runs nothing); a dangerous one only after the same
acknowledgement, and the cell carries a ``# DANGEROUS: ...`` line above the command.

Every model-written string reaches the widgets' HTML escaped (``_e``): ipywidgets' HTML sets innerHTML.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any, Callable

import ipywidgets as w

from .confirm import danger_reasons, is_dangerous, risk_of
from .execution import RunOutcome, run_confirmed
from .render import insert_cell_text, visible
from .schema import CommandStep

if TYPE_CHECKING:
    from .results import CommandResult

_COLORS = {"safe": "#2e7d32", "caution": "#b26a00", "dangerous": "#c62828"}
_HIDDEN = {"display": "none"}


def _show(widget: w.Widget, visible: bool) -> None:
    widget.layout.display = None if visible else "none"


def _e(text: str) -> str:
    """Untrusted text as HTML text: escaped, with invisible characters shown (see ``render.visible``)."""
    return html.escape(visible(text))


def _badge(step: CommandStep) -> str:
    risk = risk_of(step)
    level = risk.level
    reasons = "; ".join(risk.reasons)
    tail = f" <span style='font-weight:normal'>— {_e(reasons)}</span>" if reasons else ""
    return (f"<span style='color:white;background:{_COLORS[level]};border-radius:3px;padding:1px 6px'>"
            f"{level}</span>{tail}")


class _ConfirmFlow(w.VBox):
    """Confirm / Cancel, then (for dangerous commands) the explicit acknowledgement.

    ``verb="insert"`` is the flow of inserting a dangerous command: no Confirm (inserting runs nothing),
    only the acknowledgement that names the danger, or Cancel.
    """

    def __init__(self, steps: list[CommandStep], on_run: Callable[[], None], *, verb: str = "run") -> None:
        self.steps = steps
        self.on_run = on_run
        self.verb = verb
        listing = "".join(f"<li><code>{_e(s.command)}</code></li>" for s in steps)
        if verb == "insert":
            self.question = w.HTML("Insert this command as a new cell below the active cell? It is not run."
                                   f"<ol style='margin:2px 0'>{listing}</ol>")
        else:
            what = ("this command" if len(steps) == 1
                    else f"these {len(steps)} commands in order, stopping at the first failure")
            self.question = w.HTML(f"Run {what}?<ol style='margin:2px 0'>{listing}</ol>")
        self.confirm_button = w.Button(description="Confirm", button_style="primary", icon="check")
        self.cancel_button = w.Button(description="Cancel", icon="times")
        dangers = [s for s in steps if is_dangerous(s)]
        reasons = "; ".join(danger_reasons(s) for s in dangers)
        self.danger_note = w.HTML(f"<b style='color:{_COLORS['dangerous']}'>Dangerous:</b> {_e(reasons)}. "
                                  + ("This cannot be undone." if verb == "run" else "Running it cannot be undone."))
        short = reasons.split(";")[0][:60]
        self.acknowledge_button = w.Button(description=f"Yes, {verb} it: {short}", button_style="danger",
                                           icon="exclamation-triangle", layout=w.Layout(width="auto"))
        self.danger_row = w.VBox([self.danger_note, w.HBox([self.acknowledge_button])])
        self.needs_acknowledgement = bool(dangers)
        super().__init__([self.question, w.HBox([self.confirm_button, self.cancel_button]), self.danger_row])
        _show(self.confirm_button, verb == "run")
        _show(self.danger_row, False)
        _show(self, False)
        self.confirm_button.on_click(self._confirmed)
        self.cancel_button.on_click(lambda _: self.close_flow())
        self.acknowledge_button.on_click(self._acknowledged)
        self._asked = False
        self._confirmed_once = False

    def ask(self) -> None:
        self._asked = True
        self._confirmed_once = self.verb == "insert"  # nothing runs: the acknowledgement alone decides
        _show(self.danger_row, self.verb == "insert")
        _show(self, True)

    def close_flow(self) -> None:
        self._asked = False
        self._confirmed_once = False
        _show(self, False)

    def _confirmed(self, _: Any) -> None:
        if not self._asked or self.verb != "run":  # Confirm counts only after Run opened the question
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
        e = _e
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
        self.insert_flow = _ConfirmFlow([step], self._do_insert, verb="insert")
        self.status = w.HTML()
        self.output = w.Output(layout=w.Layout(max_height="300px", overflow="auto"))
        super().__init__([self.body, w.HBox([self.run_button, self.insert_button, self.copy_button]), self.copy_text,
                          self.flow, self.insert_flow, self.status, self.output],
                         layout=w.Layout(border="1px solid var(--jp-border-color1, #ccc)", padding="6px",
                                         margin="4px 0"))
        self.run_button.on_click(lambda _: self._ask(self.flow))
        self.insert_button.on_click(self._insert)
        self.copy_button.on_click(self._copy)

    def _ask(self, flow: _ConfirmFlow) -> None:
        """Open one question at a time: a Run question and an Insert question never stand side by side."""
        for other in (self.flow, self.insert_flow):
            if other is not flow:
                other.close_flow()
        flow.ask()

    def _run(self) -> RunOutcome:
        self.status.value = "<i>running…</i>"
        with self.output:
            outcome = run_confirmed(self.shell, self.step.command)
        self.result.runs.append(outcome)
        color = _COLORS["safe"] if outcome.ok else _COLORS["dangerous"]
        ended = "interrupted, " if outcome.interrupted else ""
        self.status.value = f"<span style='color:{color}'>{ended}exit code {outcome.exit_code}</span>"
        return outcome

    def _insert(self, _: Any) -> None:
        if is_dangerous(self.step):
            self._ask(self.insert_flow)  # the same explicit acknowledgement as for Run
        else:
            self._do_insert()

    def _do_insert(self) -> None:
        text = insert_cell_text([self.step])
        if _ask_frontend("insert", text, self._inserted):
            self.status.value = "<i>Asking JupyterLab to add the command as a new cell…</i>"
        else:  # no kernel comms (terminal-less tests, other shells): IPython's own next-input payload
            self.shell.set_next_input(text, replace=False)
            self.status.value = "<i>The command is added as a new cell below the next cell you run.</i>"

    def _inserted(self, ok: bool) -> None:
        if ok:
            self.status.value = "<i>Inserted the command as a new cell below the active cell (not run).</i>"
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
        self.footer = w.HTML(f"<small style='color:var(--jp-ui-font-color2,#777)'>{_e(result.footer())}</small>")
        children.append(self.footer)
        super().__init__(children)
        self.run_all_button.on_click(lambda _: self.run_all_flow.ask())

    def _run_all(self) -> None:
        for card in self.cards:
            if not card._run().ok:
                break
