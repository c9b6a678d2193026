"""Danger assessment of shell commands, from a real shell parse (bashlex), not a regex over the line.

Why: a suggested command is shown with a risk badge and a dangerous one needs a second confirmation naming the
danger, so the check must **fail closed**. Anything it cannot see into (text run by a shell or an interpreter
from a variable, a file or a pipe; a script file a shell runs or sources, ``./x.sh``; ``$(...)`` whose output
becomes a command; commands that xargs, parallel or ``find -exec`` take from their input; interpreter code that
hides its calls, ``getattr(os, 'sys'+'tem')``; wrappers it does not know; nesting past :data:`~.walk.MAX_DEPTH`;
text bashlex cannot parse; line breaks a shell ignores but a notebook does not, U+2028) is at least *caution*,
and it is *dangerous* when what it can see is dangerous (``python -c "shutil.rmtree('/')"``,
``bash -c "bash -c 'rm -rf ~'"``, ``{rm,-rf,~}``, ``echo 'rm -rf ~' > x.sh; bash x.sh``).

Levels:

- dangerous: destroys data, the system, cloud resources or a database; gives someone else access or control
  (reverse shells, sending keys away, new root accounts, persistence); runs code fetched or decoded unseen;
- caution: changes things in a way worth a second look, runs as root, or could not be fully checked;
- safe: everything else.

How it works (one module each):

- :mod:`.parse` turns text into bashlex trees (rewriting what bashlex cannot read; shlex fallback otherwise) and
  expands braces as bash does;
- :mod:`.walk` visits every simple command wherever it hides (pipelines, lists, subshells, ``$(...)``,
  backticks, process substitution, redirects, assignments, heredocs, functions, loops, if/case bodies),
  strips assignments and wrappers, and judges redirections; pipes carry what flows (:mod:`.flow`);
- :mod:`.wrappers` is the table of programs that run another command (``sudo``, ``timeout``, ``ssh``...);
- :mod:`.rules` is the table of per-program rules, implemented in :mod:`.rules_files`, :mod:`.rules_code`,
  :mod:`.rules_tools`, :mod:`.rules_system` and :mod:`.rules_share` (servers, tunnels, publishing, package
  sources);
- :mod:`.paths` knows which paths are critical (``/``, system folders, home, the working folder), important
  (shell startup files, ``authorized_keys``, cron, sudoers, systemd units) or secret (keys, credentials);
- :mod:`.interpreters` looks inside one-liners (``python -c``, ``perl -e``, ``node -e``, awk programs, and the
  languages that share their tables: IPython, bun/deno, R, Octave, gnuplot, Tcl, Lisp/Emacs, Java).

HOW TO ADD A RULE: write a function ``def myprog(cmd: Cmd) -> None`` that looks at ``cmd.flags``,
``cmd.operands``, ``cmd.values("-o")`` or ``cmd.stdin`` and calls ``cmd.add("dangerous" | "caution", "short plain
reason")``, then add one entry ``"myprog": module.myprog`` to :data:`.rules.RULES` (use ``cmd.check.text(...)``
when an option holds shell text to check, ``cmd.check.code(language, ...)`` for program text,
``cmd.check.write(...)`` for a file it writes; ``_all(rule1, rule2)`` when several rules look at one program).
A program that just runs another command needs no function: add a :class:`~.wrappers.Wrapper` entry to
:data:`.wrappers.WRAPPERS` saying which options take a value and how many words come before the inner command.
A new important or secret path is one line in :data:`.paths.IMPORTANT_FILES` or :data:`.paths.SECRETS`. Then add
the commands to the tables in ``tests/test_safety.py``.
"""

from __future__ import annotations

import os

from ..schema import RiskLevel
from .walk import new_checker

__all__ = ["assess", "needs_second_confirmation", "RiskLevel"]


def assess(command: str, *, cwd: str | None = None, home: str | None = None) -> RiskLevel:
    """The risk of running ``command`` in a POSIX shell, with the reasons a user should read (worst first).

    ``cwd`` is the folder the command will run in (the notebook's folder): deleting, moving away or
    re-permissioning it or any folder above it is dangerous. ``home`` defaults to the user's home folder.
    """
    if not command or not command.strip():
        return RiskLevel(level="safe", reasons=[])
    checker = new_checker(cwd, home if home is not None else os.path.expanduser("~"))
    received = as_received(command)
    if received != command:
        # NUL bytes vanish in bash's $(...) and variables; a lone UTF-16 half becomes "?" (a glob) when IPython
        # hands a cell to bash: what runs is that text, so that is what is checked, and the change is named
        checker.add("caution", "holds characters a shell drops or replaces (NUL, a lone UTF-16 half)")
        command = received
    checker.run(command)
    return checker.findings.verdict().model_copy(update={"judged_in": os.path.normpath(cwd) if cwd else None})


def as_received(command: str) -> str:
    """``command`` as bash receives it from a notebook cell: NULs dropped, unencodable characters as ``?``."""
    return command.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def needs_second_confirmation(risk: RiskLevel | None) -> bool:
    return risk is not None and risk.level == "dangerous"
