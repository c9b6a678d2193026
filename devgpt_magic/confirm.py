"""The confirmation rules every front end shares: nothing runs unasked; dangerous needs a second, explicit yes.

Widgets implement the same rules with buttons; this module is the text form (terminal IPython, the CLI).
"""

from __future__ import annotations

from collections.abc import Callable

from .schema import CommandStep
from .safety import needs_second_confirmation

Ask = Callable[[str], str]


def confirm_steps(steps: list[CommandStep], ask: Ask = input) -> bool:
    """Ask once for all the steps (default No); dangerous steps also need the word ``yes`` typed out."""
    if not steps:
        return False
    listing = "\n".join(f"  {i}. {s.command}" for i, s in enumerate(steps, 1))
    what = "this command" if len(steps) == 1 else f"these {len(steps)} commands in order, stopping at the first failure"
    try:
        answer = ask(f"Run {what}?\n{listing}\n[y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            return False
        for step in steps:
            if needs_second_confirmation(step.risk):
                reasons = "; ".join(step.risk.reasons) if step.risk else ""
                answer = ask(f"DANGEROUS: `{step.command}` {reasons}.\nType yes to run it anyway: ").strip().lower()
                if answer != "yes":
                    return False
    except (EOFError, KeyboardInterrupt):
        return False
    return True
