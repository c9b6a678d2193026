"""Several candidate answers, chosen by what they do rather than by how they read.

A small model's greedy answer is often one flag or one pipeline step away from right, and a few sampled
answers are right on different requests; picking by identical command strings, or "the first that exits 0",
recovers almost none of that (measured on the committed runs). So each candidate that only reads is run in
a sandbox over a throwaway view of the working folder (no network, nothing outside writable), candidates are
grouped by what they print and change, and the answer comes from the largest group; the runners-up are
offered as other ways. Nothing is run outside the sandbox for this, and a candidate rated anything but safe
is not run at all: it stays a group of its own.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

from .schema import Suggestion

#: How a command behaves: a signature (equal for commands that print and change the same), and whether it
#: looked like a success (exit 0 with output or changes). None when it was not run.
Behaviour = Callable[[str], "Outcome | None"]


@dataclass(frozen=True)
class Outcome:
    signature: str
    ok: bool
    #: what the command wrote to stderr when it failed and produced nothing ("" otherwise): the message a
    #: revision is asked with (see :func:`failure`)
    error: str = ""


#: how much of an error message goes back to the model: the first lines say what went wrong
ERROR_CHARS = 300


def error_text(exit_code: int | None, stderr: str, produced: bool = False) -> str:
    """The error of a run that failed and ``produced`` nothing (no output, no change), trimmed; "" otherwise.
    A silent failure is an answer (``grep`` that matched nothing exits 1 without a message), and so is a run
    that did its job beside some noise (``find`` printing the files it could read and "Permission denied" for
    the rest; a last line that failed after the files were removed)."""
    if exit_code in (0, None) or produced or not stderr.strip():
        return ""
    lines = [line.rstrip() for line in stderr.strip().splitlines() if line.strip()]
    return "\n".join(lines[:3])[:ERROR_CHARS]  # the first lines name the mistake; the rest is mostly usage


def failure(command: str, request: str, outcome: Outcome | None) -> str | None:
    """Why ``command`` should be asked again (one line), or None. A path the user named that is missing here
    is not the model's mistake: the user may mean another folder, and a revision would only trade their file
    for one that exists.

    The message goes to the model, so it carries nothing the command did not already say: quoted text that
    is not in the command is masked (``xargs -a ~/.netrc ls`` would otherwise quote a password as a missing
    file name), and so is anything that looks like a credential."""
    if outcome is None or not outcome.error:
        return None
    for missing in _MISSING.findall(outcome.error):
        path = next(p for p in missing if p)
        if path in request or os.path.basename(path.rstrip("/")) in request.split():
            return None
    from .secrets import redact

    def mask(quoted: re.Match[str]) -> str:
        inner = next(g for g in quoted.groups() if g is not None)
        return quoted.group(0) if inner in command else quoted.group(0).replace(inner, "…")

    said = redact(_QUOTED.sub(mask, outcome.error))
    return f"`{command}` failed when run on this machine: {' | '.join(said.splitlines())}"


#: the path in "ls: cannot access 'x': No such file or directory", "cat: x: No such file or directory", GNU's
#: curly quotes in a UTF-8 locale, a name with an apostrophe in double quotes, Python's "[Errno 2]"
_MISSING = re.compile(r"(?:'([^'\n]+)'|‘([^’\n]+)’|\"([^\"\n]+)\"|([^\s:'\"‘’]+)):(?: \[Errno \d+\])? "
                      r"No such file or directory")
#: quoted text in an error message
_QUOTED = re.compile(r"'([^'\n]*)'|‘([^’\n]*)’|\"([^\"\n]*)\"")


def signature_of(exit_ok: bool, stdout: str, changes: list[str]) -> str:
    lines = sorted(" ".join(line.split()) for line in stdout.splitlines() if line.strip())
    return hashlib.sha256(repr((exit_ok, lines, sorted(changes))).encode()).hexdigest()


def sandbox_behaviour(cwd: str, timeout: float = 5.0) -> Behaviour:
    """Run a command over a throwaway view of ``cwd`` (the user's working folder)."""
    from .sandbox import SandboxUnavailable, run_in_view

    def behave(command: str) -> Outcome | None:
        try:
            run = run_in_view(command, cwd, timeout=timeout, output_cap=1 << 20, diffs=False)
        except SandboxUnavailable:
            return None
        if run.timed_out or run.network or run.output_overflow:
            return None
        changes = [f"{c.kind}:{c.path}" for c in run.changes]
        ok = run.exit_code == 0 and bool(run.stdout.strip() or changes)
        # a write the sandbox itself refused (outside the view, or a read-only copy) is its limit, not a mistake
        limited = bool(run.readonly_writes or run.outside_writes)
        error = "" if limited else error_text(run.exit_code, run.stderr, bool(run.stdout.strip() or changes))
        return Outcome(signature_of(run.exit_code == 0, run.stdout, changes), ok, error)

    return behave


def sandbox_ready() -> bool:
    """Whether candidates can be told apart by what they do here. Without a sandbox they could only be grouped
    by their text, which picks no better than the greedy answer (measured on the committed runs), so the
    samples would cost seconds for nothing unless the user asked to see other ways."""
    from .sandbox import availability

    return availability().ok


def runs_here(suggestion: Suggestion) -> bool:
    """Whether every program the answer names is on this machine: another way that cannot run here is no way
    (a sample sometimes writes its refusal as a command, ``error 1 explanation: ...``)."""
    from .docs import check_command

    return not any(finding.kind == "program" for step in suggestion.commands for finding in check_command(step.command))


def runnable(suggestion: Suggestion) -> bool:
    """Only an answer rated safe is run, even in the sandbox."""
    return all(step.risk is not None and step.risk.level == "safe" for step in suggestion.commands)


def command_text(suggestion: Suggestion) -> str:
    return "\n".join(step.command for step in suggestion.commands)


def choose(candidates: list[Suggestion], behaviour: Behaviour) -> tuple[Suggestion, list[Suggestion]]:
    """The best candidate and the runners-up (one per other behaviour, most popular first).

    ``candidates[0]`` is the greedy answer: it wins ties. Invalid ("not a terminal task") candidates count
    as one behaviour of their own, so several of them outvote a lone command.
    """
    groups: dict[str, list[int]] = {}
    success: dict[str, bool] = {}
    seen: dict[str, Outcome | None] = {}
    for index, candidate in enumerate(candidates):
        text = command_text(candidate)
        if candidate.is_invalid:
            key, ok = "invalid", False
        else:
            if text not in seen:
                seen[text] = behaviour(text) if runnable(candidate) else None
            outcome = seen[text]
            key, ok = (outcome.signature, outcome.ok) if outcome else (f"unrun:{text}", False)
        groups.setdefault(key, []).append(index)
        success[key] = ok
    ranked = sorted(groups, key=lambda k: (-success[k], -len(groups[k]), groups[k][0]))
    best_key = ranked[0]
    if not success[best_key] and 0 not in groups[best_key]:
        best_key = next(k for k in groups if 0 in groups[k])  # nothing worked for sure: keep the greedy answer
        ranked.remove(best_key)
        ranked.insert(0, best_key)
    best = candidates[0] if 0 in groups[best_key] else candidates[groups[best_key][0]]
    others: list[Suggestion] = []
    shown = {command_text(best)}
    for key in ranked[1:]:
        representative = candidates[groups[key][0]]
        if key != "invalid" and command_text(representative) not in shown:
            shown.add(command_text(representative))
            others.append(representative)
    return best, others
