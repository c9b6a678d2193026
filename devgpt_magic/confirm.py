"""The confirmation rules every front end shares: nothing runs unasked; dangerous needs a second, explicit yes.

Widgets implement the same rules with buttons; this module is the text form (terminal IPython, the CLI).
Inserting a command (a new cell, the next prompt) follows the same rule for danger: a dangerous command is
only inserted after the same explicit acknowledgement, and it carries its warning with it.

Answers must come from a person. The CLI therefore reads them from the terminal (``/dev/tty``), never from
standard input, which a pipe or a script can fill (``printf 'y\\nyes\\n' | devgpt cmd --run ...``).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable

from .render import visible
from .safety import assess
from .safety.model import LEVELS
from .schema import CommandStep, RiskLevel

Ask = Callable[[str], str]


class NoTerminalError(Exception):
    """There is no terminal to ask a person on (no controlling terminal: a pipe, cron, CI)."""


def risk_of(step: CommandStep) -> RiskLevel:
    """The step's assessed risk; a step that was never assessed is assessed now, never taken as safe."""
    return step.risk if step.risk is not None else assess(step.command)


def is_dangerous(step: CommandStep) -> bool:
    return risk_of(step).level == "dangerous"


def danger_reasons(step: CommandStep) -> str:
    """The reasons as one line ("recursively deletes your home folder; ...")."""
    return " ".join("; ".join(risk_of(step).reasons).split()) or "rated dangerous"


def together(steps: list[CommandStep], cwd: str | None = None) -> list[CommandStep]:
    """``steps`` as they run, one after another in one folder: when the commands together are worse than each
    alone (``ln -s ~ h`` then ``rm -rf h/*``; ``echo 'rm -rf ~' > x.sh`` then ``sh x.sh``), the last one carries
    that risk, so every question, ``--yes`` refusal and acknowledgement that reads a step's risk asks for it."""
    if len(steps) < 2:
        return steps
    # each step runs in a shell of its own: the joined text must not let one swallow the next (a final backslash,
    # an open quote, a heredoc without its end), so each is first made to stand alone, doing what it does alone
    joined = assess("\n".join(_alone(step.command) for step in steps), cwd=cwd or os.getcwd())
    worst = max(LEVELS[risk_of(step).level] for step in steps)
    if LEVELS[joined.level] <= worst:
        return steps
    raised = RiskLevel(level=joined.level, reasons=[f"with the commands before it: {r}" for r in joined.reasons],
                       judged_in=joined.judged_in)
    return steps[:-1] + [steps[-1].model_copy(update={"risk": raised})]


def _alone(command: str) -> str:
    """``command`` as text that does, joined to others, what it does in a ``bash -c`` of its own: ``:`` when bash
    cannot parse it (nothing runs); its heredocs closed when they run to the end (bash runs them, warning); a
    final backslash (a literal one under ``bash -c``) kept from joining the next line."""
    try:
        check = subprocess.run(["bash", "-n", "-c", command], capture_output=True, timeout=5, text=True,
                               stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return ":"
    if check.returncode != 0:
        return ":"
    if "here-document" in check.stderr:
        ends = [m.group(2) for m in re.finditer(r"<<-?\s*(['\"]?)([\w.-]+)\1", command)]
        command = "\n".join([command, *ends])
    stripped = command.rstrip()
    if (len(stripped) - len(stripped.rstrip("\\"))) % 2:  # an odd number of final backslashes
        command += "\n:"
    return command


def confirm_steps(steps: list[CommandStep], ask: Ask | None = None, *, assume_yes: bool = False) -> bool:
    """Ask once for all the steps (default No); dangerous steps also need the word ``yes`` typed out.

    ``assume_yes`` (the CLI's ``--yes``) skips the y/N question, never the typed ``yes`` of a dangerous step.
    """
    if not steps:
        return False
    ask = ask or input  # looked up now: terminal IPython (and tests) may replace input()
    listing = "\n".join(f"  {i}. {visible(s.command)}" for i, s in enumerate(steps, 1))
    what = "this command" if len(steps) == 1 else f"these {len(steps)} commands in order, stopping at the first failure"
    try:
        if not assume_yes:
            answer = ask(f"Run {what}?\n{listing}\n[y/N] ").strip().lower()
            if answer not in ("y", "yes"):
                return False
        for step in steps:
            if is_dangerous(step):
                answer = ask(f"DANGEROUS: `{visible(step.command)}` {danger_reasons(step)}.\n"
                             "Type yes to run it anyway: ").strip().lower()
                if answer != "yes":
                    return False
    except (EOFError, KeyboardInterrupt):
        return False
    return True


def confirm_insert(steps: list[CommandStep], ask: Ask | None = None) -> bool:
    """Inserting runs nothing, so safe and caution commands need no question; a dangerous one needs the same
    typed ``yes`` as running it."""
    ask = ask or input
    try:
        for step in steps:
            if is_dangerous(step):
                answer = ask(f"DANGEROUS: `{visible(step.command)}` {danger_reasons(step)}.\n"
                             "Type yes to insert it anyway (it is not run): ").strip().lower()
                if answer != "yes":
                    return False
    except (EOFError, KeyboardInterrupt):
        return False
    return True


def ask_terminal(prompt: str) -> str:
    """Ask on the controlling terminal and read one line from it, whatever stdin and stdout are.

    Raises :class:`NoTerminalError` when the process has no terminal; EOFError when the terminal closes.
    """
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        raise NoTerminalError from None
    with open(fd, encoding="utf-8", errors="replace") as tty:  # closes fd
        os.write(fd, prompt.encode("utf-8", "replace"))
        line = tty.readline()
    if not line:
        raise EOFError
    return line.rstrip("\n")


def has_terminal() -> bool:
    """True when ``/dev/tty`` can be opened (the process has a controlling terminal)."""
    try:
        os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
        return True
    except OSError:
        return False
