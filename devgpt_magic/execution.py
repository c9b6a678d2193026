"""Running a command the user confirmed, through IPython's own ``!`` machinery.

``shell.run_cell("!cmd")`` behaves exactly as ``!cmd`` typed in a cell: the kernel's working directory,
the user's shell, ``$var``/``{expr}`` expansion from the user's namespace, and ``_exit_code`` set. The
output is teed: it still streams to wherever stdout goes (a card's Output widget, the terminal) and is
also recorded on the result.
"""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stdout
from typing import Any

from pydantic import BaseModel


class RunOutcome(BaseModel):
    command: str
    exit_code: int | None
    output: str = ""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


class _Tee(io.TextIOBase):
    def __init__(self, target: Any) -> None:
        self.target = target
        self.buffer_text = io.StringIO()

    def write(self, text: str) -> int:
        self.buffer_text.write(text)
        self.target.write(text)
        return len(text)

    def flush(self) -> None:
        self.target.flush()


def run_confirmed(shell: Any, command: str) -> RunOutcome:
    """Run one confirmed command; callers guarantee the confirmation (see ``confirm`` and ``widgets``)."""
    line = " ".join(command.splitlines()).strip()
    tee = _Tee(sys.stdout)
    shell.user_ns.pop("_exit_code", None)
    with redirect_stdout(tee):
        shell.run_cell("!" + line, store_history=False)
    code = shell.user_ns.get("_exit_code")
    return RunOutcome(command=command, exit_code=code if isinstance(code, int) else None,
                      output=tee.buffer_text.getvalue().replace("\r\n", "\n"))
