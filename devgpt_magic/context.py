"""What the model is told about the user's machine: platform, shell, date and working directory.

Only these four facts: no environment variable values, no user names, no paths but the cwd.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
from pathlib import Path

from pydantic import BaseModel

from .execution import user_shell


class Context(BaseModel):
    platform: str
    shell: str
    now: str
    cwd: str

    @classmethod
    def current(cls, cwd: str | None = None) -> "Context":
        shell = "cmd.exe" if os.name == "nt" else Path(user_shell()).name  # the shell commands will run in
        now = _dt.datetime.now().astimezone()
        return cls(
            platform=platform.platform(),
            shell=shell,
            now=now.strftime("%A %Y-%m-%d %H:%M %Z"),
            cwd=cwd or os.getcwd(),
        )

    @property
    def day(self) -> str:
        """The date part of ``now`` (weekday and date), for cache keys that should hold all day."""
        return " ".join(self.now.split()[:2])

    def machine_lines(self) -> str:
        """The facts that do not change while a kernel runs: they may sit in the reusable prompt prefix."""
        return f"- Operating system: {self.platform}\n- Shell: {self.shell}"

    def moment(self) -> str:
        """The facts that change (clock, working directory): they go with the user's newest message, so
        llama.cpp can reuse the evaluated system prompt and examples from one request to the next."""
        return f"[{self.now} · cwd {self.cwd}]"
