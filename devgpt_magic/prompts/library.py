"""The example library: a few hundred of the project's own request → command pairs (``library.jsonl``).

Written for this project from everyday developer tasks; none comes from, or paraphrases, an evaluation set
(NL2SH-ALFA, DeveloperGPT's requests). ``tests/test_library_leaks.py`` checks every entry against both.
``retrieval.similar`` picks the few most similar entries for a request; :meth:`Entry.example` gives them in
the same ``(request, regular reply)`` shape as ``examples.COMMAND_EXAMPLES``.

One JSON object a line. A command entry: ``request``, ``command`` (one pipeline string), ``explanations``,
``args`` (argument → meaning; every key is a substring of the command), ``tags`` (topics) and ``run``
(false for commands that need the network, root, a real process or other state a scratch folder lacks;
the others are run by the tests in a sandboxed scratch project). An impossible request: ``request``,
``error: 1``, ``explanation``, ``tags``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

FILE = "library.jsonl"


@dataclass(frozen=True)
class Entry:
    request: str
    command: str = ""
    explanations: tuple[str, ...] = ()
    args: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    tags: tuple[str, ...] = ()
    run: bool = True
    error: int = 0
    explanation: str = ""

    @property
    def invalid(self) -> bool:
        return bool(self.error)

    def reply(self) -> dict[str, Any]:
        """The regular-mode reply, as in ``examples.COMMAND_EXAMPLES`` (``examples.fast_reply`` shortens it)."""
        if self.error:
            return {"input": self.request, "error": 1, "explanation": self.explanation}
        return {"input": self.request, "error": 0, "commands": [{
            "seq": 1, "cmd_to_execute": self.command, "cmd_explanations": list(self.explanations),
            "arg_explanations": dict(self.args)}]}

    def example(self) -> tuple[str, dict[str, Any]]:
        return self.request, self.reply()


def parse(line: str) -> Entry:
    row = json.loads(line)
    return Entry(request=row["request"], command=row.get("command", ""),
                 explanations=tuple(row.get("explanations", ())), args=dict(row.get("args", {})),
                 tags=tuple(row.get("tags", ())), run=bool(row.get("run", True)), error=int(row.get("error", 0)),
                 explanation=row.get("explanation", ""))


@lru_cache(maxsize=1)
def entries() -> tuple[Entry, ...]:
    """Every library entry, in file order (read once, on first use)."""
    text = resources.files(__package__).joinpath(FILE).read_text("utf-8")
    return tuple(parse(line) for line in text.splitlines() if line.strip())
