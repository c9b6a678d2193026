"""What the model is told about the user's machine: platform, shell, date and working directory.

Only these four facts: no environment variable values, no user names, no paths but the cwd.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
from pathlib import Path

from pydantic import BaseModel


class Context(BaseModel):
    platform: str
    shell: str
    now: str
    cwd: str

    @classmethod
    def current(cls, cwd: str | None = None) -> "Context":
        shell = Path(os.environ.get("SHELL", "") or ("cmd.exe" if os.name == "nt" else "/bin/sh")).name
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

    def as_lines(self) -> str:
        return (
            f"- Operating system: {self.platform}\n"
            f"- Shell: {self.shell}\n"
            f"- Current date and time: {self.now}\n"
            f"- Current working directory: {self.cwd}"
        )
