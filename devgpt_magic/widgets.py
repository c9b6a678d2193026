"""ipywidgets command cards: the command, its explanations, an argument table, a risk badge, and buttons.

Confirmation rules (the same as :mod:`devgpt_magic.confirm`, with buttons): Run only opens a
Confirm / Cancel row; Confirm runs a safe or caution command; a dangerous command then needs a second,
explicit acknowledgement whose label names the danger. The danger is on screen from the first click: the
question of a dangerous command is red, says why, and its Confirm button is red. Nothing runs on any other
path. Insert as cell adds a safe or caution command at once (inserting runs nothing); a dangerous one only
after the same acknowledgement, and the cell carries a ``# DANGEROUS: ...`` line above the command.

**Preview** runs the command in a sandbox over the working folder (:func:`devgpt_magic.preview.preview`; the
real files are untouched) and shows what it would change; the badge then reflects the effects
(:func:`devgpt_magic.preview.effect_risk`: a preview that deletes or rewrites many files makes the command
dangerous, so it needs the acknowledgement). **Run** after a preview runs with undo
(:func:`devgpt_magic.undo.run_with_undo`), and **Undo** restores the files.

Every model-written string reaches the widgets' HTML escaped (``_e``): ipywidgets' HTML sets innerHTML.
"""

from __future__ import annotations

import html
import os
import time
import sys
from typing import TYPE_CHECKING, Any, Callable

import ipywidgets as w

from .confirm import danger_reasons, is_dangerous, risk_of, together
from .execution import RunOutcome, run_confirmed
from .render import (arguments_table_html, insert_cell_text, other_ways, risk_badge_html, step_html, unique_steps,
                     visible)
from .safety.model import LEVELS
from .schema import CommandStep, RiskLevel

if TYPE_CHECKING:
    from .preview import PreviewResult
    from .results import CommandResult
    from .undo import UndoableRun

_COLORS = {"safe": "#2e7d32", "caution": "#b26a00", "dangerous": "#c62828"}
_MUTED = "color:var(--jp-ui-font-color2,#777)"


def _show(widget: w.Widget, visible: bool) -> None:
    widget.layout.display = None if visible else "none"


def _e(text: str) -> str:
    """Untrusted text as HTML text: escaped, with invisible characters shown (see ``render.visible``)."""
    return html.escape(visible(text))




def _badge(step: CommandStep) -> str:
    return risk_badge_html(risk_of(step))


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class _ConfirmFlow(w.VBox):
    """Confirm / Cancel, then (for dangerous commands) the explicit acknowledgement.

    ``verb="insert"`` is the flow of inserting a dangerous command: no Confirm (inserting runs nothing),
    only the acknowledgement that names the danger, or Cancel. :meth:`set_steps` re-reads the risks (a preview
    may have raised them) and closes any open question.
    """

    #: seconds after the acknowledgement appears during which a click on it does not count: a double click on
    #: Confirm must not give both answers
    SETTLE_S = 0.8

    def __init__(self, steps: list[CommandStep], on_run: Callable[[], None], *, verb: str = "run",
                 before_run: Callable[[], bool] | None = None) -> None:
        self.on_run = on_run
        self.verb = verb
        #: judges the commands again where they will run; True when that changed their risk (ask anew)
        self.before_run = before_run
        self._shown_at = 0.0
        self.question = w.HTML()
        self.confirm_button = w.Button(description="Confirm", button_style="primary", icon="check")
        self.cancel_button = w.Button(description="Cancel", icon="times")
        self.danger_note = w.HTML()
        self.acknowledge_button = w.Button(button_style="danger", icon="exclamation-triangle",
                                           layout=w.Layout(width="auto"))
        self.acknowledge_row = w.HBox([self.acknowledge_button])
        self.danger_row = w.VBox([self.danger_note])
        # the acknowledgement comes below Confirm: appearing, it moves nothing under the pointer
        super().__init__([self.question, self.danger_row, w.HBox([self.confirm_button, self.cancel_button]),
                          self.acknowledge_row])
        _show(self.confirm_button, verb == "run")
        self.confirm_button.on_click(self._confirmed)
        self.cancel_button.on_click(lambda _: self.close_flow())
        self.acknowledge_button.on_click(self._acknowledged)
        self._asked = False
        self._confirmed_once = False
        self.set_steps(steps)

    def set_steps(self, steps: list[CommandStep], *, undo_note: str = "") -> None:
        self.steps = steps
        listing = "".join(f"<li><code>{_e(s.command)}</code></li>" for s in steps)
        if self.verb == "insert":
            self.question.value = ("Insert this command as a new cell below the active cell? It is not run."
                                   f"<ol style='margin:2px 0'>{listing}</ol>")
        else:
            what = ("this command" if len(steps) == 1
                    else f"these {len(steps)} commands in order, stopping at the first failure")
            self.question.value = f"Run {what}?<ol style='margin:2px 0'>{listing}</ol>"
        dangers = [s for s in steps if is_dangerous(s)]
        reasons = "; ".join(danger_reasons(s) for s in dangers)
        if self.verb == "run":
            tail = undo_note or "This cannot be undone."
        else:
            tail = "Running it cannot be undone."
        self.danger_note.value = (f"<b style='color:{_COLORS['dangerous']}'>Dangerous:</b> "
                                  f"<span style='color:{_COLORS['dangerous']}'>{_e(reasons)}</span>. {_e(tail)}")
        short = reasons.split(";")[0][:60]
        self.acknowledge_button.description = f"Yes, {self.verb} it: {short}"
        self.needs_acknowledgement = bool(dangers)
        self.confirm_button.button_style = "danger" if dangers else "primary"
        self.confirm_button.icon = "exclamation-triangle" if dangers else "check"
        self.layout.border = f"2px solid {_COLORS['dangerous']}" if dangers else None
        self.layout.padding = "4px" if dangers else None
        self.close_flow()

    def ask(self) -> None:
        self._asked = True
        self._confirmed_once = self.verb == "insert"  # nothing runs: the acknowledgement alone decides
        self._shown_at = time.monotonic()
        _show(self.danger_row, self.needs_acknowledgement)  # the danger shows from the first click
        _show(self.acknowledge_row, self.verb == "insert")  # running: the acknowledgement comes after Confirm
        _show(self, True)

    def close_flow(self) -> None:
        self._asked = False
        self._confirmed_once = False
        _show(self, False)

    def _rejudged(self) -> bool:
        """After a ``%cd`` since the question, the commands are judged again where they will run; if that changed
        their risk, the question is asked anew (with the acknowledgement a new danger needs) and this answer is
        not taken."""
        if self.before_run is not None and self.before_run():
            self.ask()
            return True
        return False

    def _confirmed(self, _: Any) -> None:
        if not self._asked or self.verb != "run":  # Confirm counts only after Run opened the question
            return
        if self._rejudged():
            return
        if self.needs_acknowledgement:
            self._confirmed_once = True
            self._shown_at = time.monotonic()
            _show(self.acknowledge_row, True)
            return
        self.close_flow()
        self.on_run()

    def _acknowledged(self, _: Any) -> None:
        if not (self._asked and self._confirmed_once):  # the acknowledgement only counts after Confirm
            return
        if time.monotonic() - self._shown_at < self.SETTLE_S:  # the second click of a double click on Confirm
            return
        if self._rejudged():
            return
        self.close_flow()
        self.on_run()


class CommandCard(w.VBox):
    """One command: what it is and does, its risk, and Run / Preview / Insert as cell / Copy (/ Undo)."""

    def __init__(self, step: CommandStep, result: "CommandResult", shell: Any, *,
                 on_change: Callable[[], None] | None = None, small: bool = False) -> None:
        self.step = step
        self.result = result
        self.shell = shell
        self.on_change = on_change
        #: the risk shown and enforced: the command's own, raised by what its preview did
        self.risk: RiskLevel = risk_of(step)
        self.preview_result: PreviewResult | None = None
        self.undo_run: UndoableRun | None = None
        self.body = w.HTML(step_html(step, big=not small))
        self.badge = w.HTML(f"<div style='margin-top:4px'>{risk_badge_html(self.risk)}</div>")
        self.run_button = w.Button(description="Run", icon="play", tooltip="asks for confirmation first")
        self.preview_button = w.Button(description="Preview", icon="eye",
                                       tooltip="run it in a sandbox first and see what it would change "
                                               "(your files are not touched)")
        self.insert_button = w.Button(description="Insert as cell", icon="plus")
        self.copy_button = w.Button(description="Copy", icon="copy")
        self.undo_button = w.Button(description="Undo", icon="undo", tooltip="restore what this run changed",
                                    layout=w.Layout(display="none"))
        self.copy_text = w.Text(value=step.command, layout=w.Layout(width="100%", display="none"))
        self.flow = _ConfirmFlow([self.current_step()], self._confirmed_run, before_run=self.judge_here)
        self.insert_flow = _ConfirmFlow([self.current_step()], self._do_insert, verb="insert",
                                        before_run=self.judge_here)
        self.backup_question = w.HTML()
        self.without_undo_button = w.Button(description="Run it without undo", button_style="warning",
                                            icon="play", layout=w.Layout(width="auto"))
        self.backup_cancel_button = w.Button(description="Cancel", icon="times")
        self.backup_flow = w.VBox([self.backup_question, w.HBox([self.without_undo_button, self.backup_cancel_button])],
                                  layout=w.Layout(display="none"))
        self.preview_box = w.HTML(layout=w.Layout(display="none"))
        self.status = w.HTML()
        self.output = w.Output(layout=w.Layout(max_height="300px", overflow="auto"))
        buttons = w.HBox([self.run_button, self.preview_button, self.insert_button, self.copy_button,
                          self.undo_button], layout=w.Layout(flex_flow="row wrap"))
        super().__init__([self.body, self.badge, buttons, self.copy_text, self.flow, self.insert_flow,
                          self.backup_flow, self.preview_box, self.status, self.output],
                         layout=w.Layout(border="1px solid var(--jp-border-color1, #ccc)", padding="6px",
                                         margin="4px 0"))
        self.add_class("devgpt-command-card")
        self._backup_pending = False
        self.run_button.on_click(lambda _: self._ask(self.flow))
        self.preview_button.on_click(self._preview)
        self.insert_button.on_click(self._insert)
        self.copy_button.on_click(self._copy)
        self.undo_button.on_click(self._undo)
        self.without_undo_button.on_click(self._run_without_undo)
        self.backup_cancel_button.on_click(self._cancel_backup)

    def current_step(self) -> CommandStep:
        """The command with the risk the card shows (raised by its preview, if any)."""
        return self.step.model_copy(update={"risk": self.risk})

    def _ask(self, flow: _ConfirmFlow) -> None:
        """Open one question at a time: a Run question and an Insert question never stand side by side."""
        self.judge_here()
        for other in (self.flow, self.insert_flow):
            if other is not flow:
                other.close_flow()
        _show(self.backup_flow, False)
        self._backup_pending = False
        flow.ask()

    def judge_here(self) -> bool:
        """Run, Preview and Insert use the kernel's folder at the click; the risk was judged for the folder the
        card was made in. After a ``%cd`` the command is judged again for where it will run, and a preview of the
        other folder no longer counts (nor its undo). True when it was judged again (the folder had changed)."""
        from .safety import assess

        here = os.path.realpath(os.getcwd())
        judged = self.step.risk.judged_in if self.step.risk is not None else None
        if judged is not None and os.path.realpath(judged) == here:
            return False
        risk = assess(self.step.command, cwd=here)
        if judged is None and self.step.risk is not None and LEVELS[self.step.risk.level] > LEVELS[risk.level]:
            # judged for an unknown folder, it failed closed: knowing the folder now never lowers it
            risk = self.step.risk.model_copy(update={"judged_in": here})
        self.step = self.step.model_copy(update={"risk": risk})
        self.risk = risk_of(self.step)
        if self.preview_result is not None:
            self.preview_result = None
            _show(self.preview_box, False)
            self.run_button.tooltip = "asks for confirmation first"
        self.badge.value = f"<div style='margin-top:4px'>{risk_badge_html(self.risk)}</div>"
        self.flow.set_steps([self.current_step()])
        self.insert_flow.set_steps([self.current_step()])
        if judged is not None:
            self.status.value = (f"<i>The kernel's folder is now {_e(here)}, not {_e(judged)}: the command was "
                                 f"judged again for where it will run.</i>")
        if self.on_change is not None:
            self.on_change()
        return True

    # --- running -----------------------------------------------------------------------------------------
    def _confirmed_run(self) -> None:
        self._run()

    def _run(self, *, allow_without_undo: bool = False) -> RunOutcome:
        """Run the confirmed command (callers guarantee the confirmation): with undo after a preview."""
        self.status.value = "<i>running…</i>"
        previewed = self.preview_result is not None and self.preview_result.available
        if previewed:
            outcome = self._run_with_undo(allow_without_undo)
            if outcome is None:
                return RunOutcome(command=self.step.command, exit_code=None, output="")
        else:
            with self.output:
                outcome = run_confirmed(self.shell, self.step.command)
        self.result.runs.append(outcome)
        color = _COLORS["safe"] if outcome.ok else _COLORS["dangerous"]
        ended = "interrupted, " if outcome.interrupted else ""
        undo = ""
        if self.undo_run is not None and previewed and self.undo_run.with_undo:
            undo = f" · <b>Undo</b> restores the files (run {_e(self.undo_run.run_id)})"
        self.status.value = f"<span style='color:{color}'>{ended}exit code {outcome.exit_code}</span>{undo}"
        self.result.refresh_static()
        return outcome

    def _run_with_undo(self, allow_without_undo: bool) -> RunOutcome | None:
        from .undo import BackupTooLarge, run_with_undo

        assert self.preview_result is not None
        from .errors import DevGPTError

        done = problem = None
        with self.output:  # (an Output widget swallows exceptions raised inside it: catch them here)
            try:
                done = run_with_undo(self.preview_result, out=sys.stdout, foreground=False,
                                     allow_without_undo=allow_without_undo)
            except (BackupTooLarge, DevGPTError) as exc:
                problem = exc
        if isinstance(problem, BackupTooLarge):  # nothing ran: ask before running without undo
            self._backup_pending = True
            self.backup_question.value = f"<span style='color:{_COLORS['caution']}'>{_e(str(problem))}</span>"
            _show(self.backup_flow, True)
            self.status.value = "<i>Nothing ran yet.</i>"
            return None
        if done is None:  # a one-line reason, or a traceback the output area shows
            why = _one_line(str(problem)) if problem is not None else "see the error above"
            self.status.value = f"<span style='color:{_COLORS['dangerous']}'>Nothing ran: {_e(why)}</span>"
            return None
        outcome = done.outcome or RunOutcome(command=self.step.command, exit_code=done.exit_code,
                                             interrupted=done.interrupted)
        if self.shell is not None:
            self.shell.user_ns["_exit_code"] = outcome.exit_code
        self.undo_run = done
        if done.with_undo:
            _show(self.undo_button, True)
            self.result.records.setdefault(self.step.command, []).append(
                f"ran with undo as run {done.run_id} (%devgpt undo {done.run_id} restores the files)")
        else:
            self.result.records.setdefault(self.step.command, []).append("ran without undo")
        return outcome

    def _run_without_undo(self, _: Any) -> None:
        if not self._backup_pending:  # only as the answer to the question a confirmed run asked
            return
        self._backup_pending = False
        _show(self.backup_flow, False)
        self._run(allow_without_undo=True)

    def _cancel_backup(self, _: Any) -> None:
        self._backup_pending = False
        _show(self.backup_flow, False)
        self.status.value = "<i>Nothing was run.</i>"

    def _undo(self, _: Any) -> None:
        from .undo import UndoError, undo

        if self.undo_run is None:
            return
        try:
            report = undo(self.undo_run.run_id)
        except UndoError as exc:
            self.status.value = f"<span style='color:{_COLORS['dangerous']}'>{_e(_one_line(str(exc)))}</span>"
            return
        _show(self.undo_button, False)
        summary = report.summary()
        self.status.value = f"<span style='color:{_COLORS['safe']}'>{_e(summary.splitlines()[0])}</span>" + "".join(
            f"<div>{_e(line.strip())}</div>" for line in summary.splitlines()[1:])
        self.result.record(self.step.command, summary.splitlines()[0])

    # --- preview -----------------------------------------------------------------------------------------
    def _preview(self, _: Any) -> None:
        from .errors import DevGPTError
        from .preview import effect_risk, preview

        self.judge_here()
        self.status.value = "<i>Previewing in a sandbox (your files are not touched)…</i>"
        try:
            result = preview(self.step.command, cwd=os.getcwd())
        except DevGPTError as exc:
            self.status.value = f"<span style='color:{_COLORS['dangerous']}'>{_e(_one_line(str(exc)))}</span>"
            return
        if not result.available:
            self.status.value = f"<i>Preview not available: {_e(_one_line(result.unavailable_reason))}</i>"
            return
        self.preview_result = result
        self.preview_box.value = result.html()
        _show(self.preview_box, True)
        self.risk = effect_risk(risk_of(self.step), result)
        self.badge.value = f"<div style='margin-top:4px'>{risk_badge_html(self.risk)}</div>"
        undo_note = "Run keeps a backup: Undo restores what its preview showed."
        self.flow.set_steps([self.current_step()], undo_note=undo_note)
        self.insert_flow.set_steps([self.current_step()])  # an inserted cell carries the raised danger too
        self.run_button.tooltip = "asks for confirmation first; runs with undo"
        self.status.value = f"<i>{_e(result.headline())}</i>"
        self.result.record(self.step.command, result.headline())
        if self.on_change is not None:
            self.on_change()

    # --- insert and copy ---------------------------------------------------------------------------------
    def _insert(self, _: Any) -> None:
        self.judge_here()  # the cell runs in the kernel's folder: judged there (after a %cd too)
        if is_dangerous(self.current_step()):
            self._ask(self.insert_flow)  # the same explicit acknowledgement as for Run
        else:
            self._do_insert()

    def _do_insert(self) -> None:
        text = insert_cell_text([self.current_step()])
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


def _open_comm(data: dict) -> Any:
    """A comm to the devgpt-magic labextension, or None without a kernel (terminal IPython, tests)."""
    try:
        from comm import create_comm

        comm = create_comm(target_name="devgpt_frontend", data=data)
    except Exception:  # noqa: BLE001 - no kernel: the caller falls back
        return None
    if getattr(comm, "kernel", None) is None:
        return None
    return comm


def _ask_frontend(action: str, text: str, on_answer: Callable[[bool], None]) -> bool:
    """Ask JupyterLab (the devgpt-magic labextension answers this comm target) to insert or copy.

    Returns False when there is no kernel to carry the request. Otherwise ``on_answer`` gets the front
    end's verdict later, or False when the comm closes unanswered (a front end without the labextension).
    """
    comm = _open_comm({"action": action, "text": text})
    if comm is None:
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


def tell_frontend(data: dict) -> bool:
    """Send ``data`` to the labextension without waiting for an answer (e.g. a card's new static view)."""
    return _open_comm(data) is not None


class SuggestionCard(w.VBox):
    """All command cards of one suggestion (identical commands once), "Run all" for several commands, other
    ways to do it, the engine's notice and the footer."""

    def __init__(self, result: "CommandResult", shell: Any) -> None:
        self.result = result
        suggestion = result.suggestion
        children: list[w.Widget] = []
        if suggestion.invalid_reason is not None:
            self.invalid_note = w.HTML(f"<div style='color:{_COLORS['caution']}'><b>Not a terminal task:</b> "
                                       f"{_e(suggestion.invalid_reason)}</div>")
            children.append(self.invalid_note)
        self.cards = [CommandCard(step, result, shell, on_change=self._risks_changed)
                      for step in unique_steps(result.commands)]
        children += self.cards
        self.run_all_button = w.Button(description="Run all in order", icon="forward",
                                       tooltip="one confirmation for all; stops at the first failure")
        self.run_all_note = w.HTML()
        self.run_all_flow = _ConfirmFlow(together([c.current_step() for c in self.cards]), self._run_all,
                                         before_run=self._rejudge_all)
        if len(self.cards) > 1:
            children += [w.HBox([self.run_all_button, self.run_all_note], layout=w.Layout(align_items="center")),
                         self.run_all_flow]
        self.alternatives = [CommandCard(step, result, shell, small=True) for step in other_ways(suggestion)]
        if self.alternatives:
            children.append(w.HTML("<b>Other ways</b> <span style='" + _MUTED + "'>(they behaved differently in a "
                                   "sandbox; each asks before it runs)</span>"))
            children += self.alternatives
        self.notice = w.HTML(f"<div style='color:{_COLORS['caution']}'>note: {_e(suggestion.notice)}</div>"
                             if suggestion.notice else "")
        children.append(self.notice)
        text = result.footer() if result.show_footer else ""
        self.footer = w.HTML(f"<small style='{_MUTED}'>{_e(text)}</small>" if text else "")
        children.append(self.footer)
        super().__init__(children)
        self.add_class("devgpt-live")
        self.run_all_button.on_click(self._ask_run_all)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        """The widget view, with a short text stand-in: the card's static twin follows it in the notebook."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if isinstance(bundle, tuple):  # (data, metadata)
            bundle[0]["text/plain"] = "DevGPT command card (the static view follows)"
        elif isinstance(bundle, dict):
            bundle["text/plain"] = "DevGPT command card (the static view follows)"
        return bundle

    def _risks_changed(self) -> None:
        self.run_all_flow.set_steps(together([c.current_step() for c in self.cards]))

    def _rejudge_all(self) -> bool:
        changed = [card.judge_here() for card in self.cards]  # every card, not only up to the first change
        if any(changed):
            self.run_all_flow.set_steps(together([c.current_step() for c in self.cards]))
        return any(changed)

    def _ask_run_all(self, _: Any) -> None:
        for card in self.cards:
            card.judge_here()
        # they run one after another in this folder: judged together too (ln -s ~ h; rm -rf h/*)
        self.run_all_flow.set_steps(together([c.current_step() for c in self.cards]))
        self.run_all_flow.ask()

    def _run_all(self) -> None:
        self.run_all_note.value = ""
        total = len(self.cards)
        for number, card in enumerate(self.cards, 1):
            outcome = card._run()
            if not outcome.ok:
                why = ("did not start" if outcome.exit_code is None
                       else f"{'was interrupted, ' if outcome.interrupted else ''}exit code {outcome.exit_code}")
                rest = f"; {total - number} after it not run" if number < total else ""
                self.run_all_note.value = (f"<span style='color:{_COLORS['dangerous']}'>Stopped: command {number} "
                                           f"of {total} (<code>{_e(card.step.command)}</code>) {why}{rest}.</span>")
                return
        self.run_all_note.value = f"<span style='color:{_COLORS['safe']}'>All {total} commands ran.</span>"


__all__ = ["CommandCard", "SuggestionCard", "arguments_table_html", "tell_frontend"]
