"""The terminal and magic faces of Preview, Run with undo and Undo: argument handling and confirmation only.

``cli.py`` and ``magics.py`` call these so that their own edits stay one line per action. The rules are
the ones every front end shares (:mod:`devgpt_magic.confirm`): nothing runs before a y/N answered by a
person (on the terminal, ``/dev/tty``, for the CLI), and a dangerous command (by its text, or because its
preview deletes or rewrites more than ``DEVGPT_PREVIEW_DANGER_FILES`` files) needs ``yes`` typed out.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from .errors import DevGPTError
from .execution import RunOutcome
from .preview import PreviewResult, effect_risk, preview
from .render import risk_line, visible
from .schema import CommandStep

NO_TERMINAL = ("devgpt run asks on a terminal and there is none here (stdin and pipes cannot confirm): run it in a "
               "terminal.")


class RunRefused(DevGPTError):
    """The command cannot be confirmed here (no terminal)."""


def assessed(command: str, result: PreviewResult, text_risk: Any = None) -> CommandStep:
    """The command as a step whose risk is its text's, raised by what its preview did."""
    from .safety import assess

    base = text_risk if text_risk is not None else assess(command, cwd=result.cwd)
    return CommandStep(command=command, risk=effect_risk(base, result))


def _exit_status(outcome: RunOutcome | Any) -> int:
    if getattr(outcome, "interrupted", False):
        return 130
    code = outcome.exit_code
    return 0 if code == 0 else code if code and code > 0 else 1


# --- the devgpt console script -------------------------------------------------------------------------
def cli_preview(args: Any) -> int:
    """``devgpt preview [--timeout S] [--json] COMMAND``: 0 after a preview; 2 (one line) when none is possible."""
    import json

    result = preview(" ".join(args.command), timeout=args.timeout)
    if not result.available:
        raise DevGPTError(result.unavailable_reason)
    print(json.dumps(result.to_json(), indent=1) if args.json else result.text())
    return 0


def cli_run(args: Any) -> int:
    """``devgpt run COMMAND``: preview, show, ask on the terminal, run with undo."""
    from .confirm import NoTerminalError, ask_terminal, confirm_steps, has_terminal

    command = " ".join(args.command)
    if not has_terminal():
        raise RunRefused(NO_TERMINAL)
    result = preview(command, timeout=args.timeout)
    print(result.text())
    step = assessed(command, result)
    print(f"  {risk_line(step.risk)}")
    try:
        if not confirm_steps([step], ask_terminal):
            print("Nothing was run.")
            return 0
    except NoTerminalError:
        raise RunRefused(NO_TERMINAL) from None
    print(f"$ {visible(command)}", flush=True)
    outcome = undo_runner({command: result}, ask_terminal, foreground=True)(step)
    return _exit_status(outcome)


def cli_undo(args: Any) -> int:
    """``devgpt undo [RUN_ID] [--list]``."""
    from .undo import runs_text, undo

    if args.list:
        print(runs_text())
        return 0
    print(undo(args.run_id).summary())
    return 0


def preview_steps(steps: list[CommandStep], *, timeout: float | None = None,
                  out: Callable[[str], None] = print) -> tuple[list[CommandStep], dict[str, PreviewResult]]:
    """Preview each suggested command (each from the current state of the folder), print the previews, and
    return the steps with their risks raised by what the previews saw (``cmd --preview``)."""
    previews: dict[str, PreviewResult] = {}
    raised = []
    for step in steps:
        result = preview(step.command, timeout=timeout)
        previews[step.command] = result
        new = assessed(step.command, result, step.risk)
        out(result.text())
        out(f"  {risk_line(new.risk)}")
        raised.append(step.model_copy(update={"risk": new.risk}))
    if len(steps) > 1:
        out("(each command was previewed on its own, from the folder as it is now)")
    return raised, previews


def undo_runner(previews: dict[str, PreviewResult], ask: Callable[[str], str], *, foreground: bool,
                out: Any = None, shell: Any = None,
                on_run: Callable[[Any], None] | None = None) -> Callable[[CommandStep], RunOutcome]:
    """A function that runs a confirmed step with undo when it has a preview (asking before running without
    undo when the backup is too big), and plainly when it has none; it prints how to undo."""
    from .execution import run_command
    from .undo import BackupTooLarge, run_with_undo

    def run(step: CommandStep) -> RunOutcome:
        result = previews.get(step.command)
        if result is None or not result.available:
            print("(no preview, so this run cannot be undone)", file=sys.stderr)
            outcome = run_command(step.command, cwd=result.cwd if result else None, out=out, foreground=foreground)
        else:
            try:
                done = run_with_undo(result, out=out, foreground=foreground)
            except BackupTooLarge as exc:
                try:
                    answer = ask(f"{exc}\nRun it without undo? [y/N] ").strip().lower()
                except (EOFError, KeyboardInterrupt):
                    answer = ""
                if answer not in ("y", "yes"):
                    print("Nothing was run.")
                    return RunOutcome(command=step.command, exit_code=None, output="")
                done = run_with_undo(result, out=out, foreground=foreground, allow_without_undo=True)
            print(done.summary(), file=sys.stderr if shell is None else sys.stdout)
            outcome = done.outcome or RunOutcome(command=step.command, exit_code=done.exit_code)
            if on_run is not None:
                on_run(done)
        if shell is not None:
            shell.user_ns["_exit_code"] = outcome.exit_code
        return outcome

    return run


# --- %devgpt preview / run / undo --------------------------------------------------------------------------
def magic_preview(magics: Any, args: Any, text: str) -> PreviewResult:
    from IPython.display import display

    result = preview(text, timeout=args.timeout)
    display(result)
    return result


def magic_run(magics: Any, args: Any, text: str) -> Any:
    """Preview, show, ask (y/N; ``yes`` typed out when dangerous), run with undo. Returns the run (or None)."""
    from IPython.display import display

    from .confirm import confirm_steps
    from .execution import _stdin_is_tty

    result = preview(text, timeout=args.timeout)
    display(result)
    step = assessed(text, result)
    print(risk_line(step.risk))
    if not confirm_steps([step]):
        print("Nothing was run.")
        return None
    shell = magics.shell
    foreground = getattr(shell, "kernel", None) is None and _stdin_is_tty()
    runs: list[Any] = []
    undo_runner({text: result}, lambda prompt: input(prompt), foreground=foreground, out=sys.stdout, shell=shell,
                on_run=runs.append)(step)
    magics.last_run = runs[-1] if runs else None
    return None


def magic_undo(magics: Any, args: Any, text: str) -> None:
    from .undo import runs_text, undo

    if args.list:
        print(runs_text())
        return
    print(undo(text.strip() or None).summary())
