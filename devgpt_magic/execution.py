"""Running a command the user confirmed: exactly the text that was shown and assessed, nothing else.

The command string goes to the user's shell unchanged, as ``[$SHELL, "-c", command]``, when that shell
is one the risk check reads (bash, sh, dash); otherwise to bash (:func:`user_shell`). It deliberately does
not go through IPython's ``!``: that expands ``{expr}`` as Python and ``$name`` from the user's namespace
before the shell sees the text, so a command rated safe (``ls {'; touch F'}``) could run something else, or
run Python in the kernel; and the old way of joining lines turned a heredoc's body into commands. Every
front end (cards, terminal IPython, the CLI) runs commands here, so the same text means the same thing
everywhere.

What ``!`` gave that is kept: the kernel's (or the terminal's) working directory, output streamed as it
comes (into a card's Output widget, or the terminal) and recorded on the :class:`RunOutcome`, and
``_exit_code`` set in the user's namespace. A kernel interrupt (Ctrl-C, or the stop button) ends the
command's whole process group, so nothing it started keeps running unseen.
"""

from __future__ import annotations

import codecs
import os
import signal
import subprocess
import sys
import time
from typing import IO, Any

from pydantic import BaseModel

#: Seconds a process group gets to exit after SIGTERM before SIGKILL.
KILL_GRACE_S = 2.0


class RunOutcome(BaseModel):
    """What ran and how it ended: the exact command, its exit code (negative: killed by that signal;
    None: never started), everything it printed (stdout and stderr, in order) and whether it was
    interrupted."""

    command: str
    exit_code: int | None
    output: str = ""
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


#: shells whose syntax the risk check reads: it parses bash. Not sh or dash: dash has no ``$'...'`` quoting
#: (``echo $'a\' ; rm -rf ~ ; echo '`` is one echo to bash and a deletion to dash) and its printf does not
#: decode ``\x``, so a dash user's commands run in bash too (an attacker's review ran both)
CHECKED_SHELLS = frozenset({"bash"})


def user_shell() -> str:
    """The shell that commands run in: the user's ``$SHELL`` when the risk check reads its syntax, else bash,
    else ``/bin/sh``.

    What runs must be what was checked. zsh, for one, turns ``ls *(e:'rm -rf ~':)`` (a glob qualifier)
    into code that a bash reading of the same text calls a harmless ``ls``; fish has its own syntax. So a
    zsh or fish user's commands run in bash, and the model is told so (:class:`devgpt_magic.context.Context`).
    """
    shell = os.environ.get("SHELL", "")
    if _executable(shell) and os.path.basename(shell) in CHECKED_SHELLS:
        return shell
    for bash in ("/bin/bash", "/usr/bin/bash"):
        if _executable(bash):
            return bash
    return "/bin/sh"


def _executable(path: str) -> bool:
    return bool(path) and os.path.isabs(path) and os.path.isfile(path) and os.access(path, os.X_OK)


def run_command(command: str, *, cwd: str | None = None, out: IO[str] | None = None,
                foreground: bool = False) -> RunOutcome:
    """Run ``command`` verbatim with the user's shell; stream its output to ``out`` and record it.

    ``foreground`` is for terminal programs (terminal IPython, the CLI): the command shares our stdin and
    process group, as a command typed at a prompt would, so it can ask for a password (sudo) and Ctrl-C
    reaches it directly. Otherwise (a kernel) stdin is empty and the command gets a session of its own,
    so an interrupt can end everything it started.
    """
    out = out if out is not None else sys.stdout
    argv = [user_shell(), "-c", command]
    try:
        child = subprocess.Popen(argv, cwd=cwd or os.getcwd(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 stdin=None if foreground else subprocess.DEVNULL, start_new_session=not foreground)
    except OSError as exc:
        note = f"devgpt: could not start {argv[0]}: {exc.strerror}\n"
        out.write(note)
        return RunOutcome(command=command, exit_code=None, output=note)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    recorded: list[str] = []
    assert child.stdout is not None
    fd = child.stdout.fileno()
    try:
        while True:
            chunk = os.read(fd, 65536)
            text = decoder.decode(chunk, final=not chunk)
            if text:
                recorded.append(text)
                out.write(text)
                out.flush()
            if not chunk:
                break
        code = child.wait()
    except KeyboardInterrupt:
        _stop(child, group=not foreground)
        note = f"\ndevgpt: interrupted; stopped the command{'' if foreground else ' and everything it started'}.\n"
        out.write(note)
        out.flush()
        recorded.append(note)
        return RunOutcome(command=command, exit_code=child.returncode, output=_text(recorded), interrupted=True)
    finally:
        child.stdout.close()
    return RunOutcome(command=command, exit_code=code, output=_text(recorded))


def run_confirmed(shell: Any, command: str) -> RunOutcome:
    """Run one confirmed command for IPython; callers guarantee the confirmation (``confirm``, ``widgets``).

    Sets ``_exit_code`` in the user's namespace as ``!`` does.
    """
    foreground = getattr(shell, "kernel", None) is None and _stdin_is_tty()  # terminal IPython
    outcome = run_command(command, foreground=foreground)
    if shell is not None:
        shell.user_ns["_exit_code"] = outcome.exit_code
    return outcome


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _text(parts: list[str]) -> str:
    """The output as recorded (on the card, its static copy saved in the notebook, ``result.runs``): with
    credentials masked, as a preview's are. The live output the user watches is the command's own."""
    from .secrets import redact

    return redact("".join(parts).replace("\r\n", "\n"))


def _stop(child: subprocess.Popen, *, group: bool) -> None:
    """SIGTERM (the process group when it has one of its own), then SIGKILL after a grace period."""

    def send(sig: int) -> None:
        try:
            if group:
                os.killpg(child.pid, sig)
            else:
                child.send_signal(sig)
        except (ProcessLookupError, PermissionError):
            pass

    send(signal.SIGTERM)
    deadline = time.monotonic() + KILL_GRACE_S
    while time.monotonic() < deadline:
        if child.poll() is not None and not (group and _group_alive(child.pid)):
            return
        time.sleep(0.05)
    send(signal.SIGKILL)
    try:
        child.wait(timeout=KILL_GRACE_S)
    except subprocess.TimeoutExpired:
        pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except (ProcessLookupError, PermissionError):
        return False
