"""Checking a command against this machine's documentation: every program exists, every option is one its
help (or manual page) knows; and the help line for each argument of a model's explanation table.

Never a false alarm when unsure: an option is called unknown only when the program's help was understood
(:attr:`ProgramHelp.reliable`), the option is in neither the help nor the manual page (in any spelling, prose
included), and nothing before it could have swallowed it as a value. Words built by the shell at run time
(``$x``, ``$(...)``) are not judged, nor are programs given by a path, nor tools with subcommands this
module does not know how to ask about.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
from dataclasses import asdict, dataclass
from typing import Any

from . import catalog, system
from .helpdb import ProgramHelp, program_help

MAX_DEPTH = 4
_OPAQUE_PARTS = {"parameter", "commandsubstitution", "processsubstitution"}
_NUMERIC = re.compile(r"^[-+]\d[\d.,:kKmMgGsShHdD%]*$")
_FIND_EXEC = {"-exec", "-execdir", "-ok", "-okdir"}
_TERMINATES = re.compile(r"terminates? (the )?option list|remaining arguments are passed", re.I)


@dataclass(frozen=True)
class Finding:
    """One thing the docs on this machine disagree with."""

    #: "program" (not on PATH), "option" (not in the help), "subcommand" (not a command of that tool)
    kind: str
    #: the program as written, with its subcommand: "gzip", "git log"
    program: str
    #: the offending word as written: "--kep", "-lz", "gzipp"
    word: str
    #: one line for a person or a model: "`gzip --kep`: not in `gzip --help` on this machine; did you mean --keep?"
    message: str
    #: the closest documented spelling, when one is close
    suggestion: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


Word = tuple[str, bool]  # (text after quote removal, built at run time)


# --- the simple commands of a script ----------------------------------------------------------------------------

def _walk(node: Any, source: str, out: list[list[Word]], funcs: set[str]) -> None:
    word_text = _safety()[0].word_text
    kind = getattr(node, "kind", None)
    if kind == "command":
        words: list[Word] = []
        for part in node.parts:
            pk = getattr(part, "kind", None)
            if pk == "word" or (pk == "assignment" and words):
                opaque = any(getattr(q, "kind", None) in _OPAQUE_PARTS for q in getattr(part, "parts", []) or [])
                words.append((word_text(part, source), opaque))
        if words:
            out.append(words)
    elif kind == "function":
        name = getattr(node, "name", None)
        if name is not None and getattr(name, "word", None):
            funcs.add(name.word)
    for attr in ("parts", "list"):
        for child in getattr(node, attr, None) or []:
            _walk(child, source, out, funcs)
    for attr in ("command", "output", "body"):
        child = getattr(node, attr, None)
        if child is not None and hasattr(child, "kind"):
            _walk(child, source, out, funcs)


def _safety() -> Any:
    """The project's shell parsing helpers (imported on first use: importing :mod:`devgpt_magic.safety` takes a
    second, and finding programs or building an excerpt does not need it)."""
    from ..safety import parse, programs, wrappers

    return parse, programs, wrappers


def wrapper_for(name: str) -> Any:
    return _safety()[2].wrapper_for(name)


def simple_commands(script: str) -> tuple[list[list[Word]], set[str]]:
    """Every simple command of ``script`` as words (nested ones too: ``$(...)``, loops, functions), and the names
    of the functions it defines."""
    sp = _safety()[0]
    fallback_commands, word_text = sp.fallback_commands, sp.word_text
    parsed = sp.parse(script)
    out: list[list[Word]] = []
    funcs: set[str] = set()
    if parsed is None:
        for group in fallback_commands(script):
            out.append([(w, "$" in w or "`" in w) for w in group])
        return out, funcs
    source, trees = parsed
    for tree in trees:
        _walk(tree, source, out, funcs)
    return out, funcs


# --- what exists ------------------------------------------------------------------------------------------------

def _exists(name: str) -> bool:
    return name in system.SHELL_KEYWORDS or name in system.builtins() or system.which(name) is not None


def _similar_program(name: str) -> str | None:
    pool = set(system.path_programs()) | set(system.builtins())
    hits = difflib.get_close_matches(name, sorted(pool), n=1, cutoff=0.8)
    return hits[0] if hits else None


# --- the checker ------------------------------------------------------------------------------------------------

class _Checker:
    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.funcs: set[str] = set()

    def script(self, text: str, depth: int = 0) -> None:
        if depth > MAX_DEPTH or not text.strip():
            return
        try:
            commands, funcs = simple_commands(text)
        except Exception:  # a parser failure must never break the caller: no findings for this text
            return
        self.funcs |= funcs
        for argv in commands:
            try:
                self.argv(argv, depth)
            except RecursionError:
                raise
            except Exception:  # unexpected help text or parse shape: silent for this command, never wrong
                continue

    def add(self, kind: str, program: str, word: str, message: str, suggestion: str | None = None) -> None:
        f = Finding(kind, program, word, message, suggestion)
        if f not in self.findings:
            self.findings.append(f)

    def argv(self, argv: list[Word], depth: int) -> None:
        if not argv or depth > MAX_DEPTH:
            return
        prog, opaque = argv[0]
        if opaque or not prog or prog.startswith("-") or any(c in prog for c in "*?[]{}=~") and \
                prog not in ("[", "[["):
            return
        if "/" in prog and not (os.path.isfile(prog) and os.access(prog, os.X_OK)):
            return  # a script made earlier in the command, or relative to a folder we cannot see
        name = prog
        base = os.path.basename(name)
        if base in system.SHELL_KEYWORDS or base in self.funcs or base in ("]", "]]"):
            return
        missing = "/" not in name and not _exists(base)
        if missing:
            hint = _similar_program(base)
            msg = f"`{base}`: no program or shell builtin of that name on this machine (not on PATH)"
            self.add("program", base, base, msg + (f"; did you mean {hint}?" if hint else ""), hint)
        words = [w for w, _ in argv]
        wrapper = wrapper_for(base)
        if wrapper is not None and base not in ("busybox",) and base not in catalog.REMOTE:
            inner = wrapper.split(words)
            if inner is not None:
                n_inner = len(inner.argv) if inner.argv else 0
                own = argv[: len(argv) - n_inner] if n_inner else argv
                if not missing:
                    self.options(name, base, own[1:], stop_at_operand=True, wrapper=True)
                if inner.argv:
                    self.argv(argv[len(argv) - n_inner:], depth + 1)
                for text in inner.texts:
                    self.script(text, depth + 1)
                return
        if missing:
            return
        if base in _safety()[1].SHELLS:
            for k, (w, op) in enumerate(argv[1:-1], start=1):
                if w == "-c" or (re.fullmatch(r"-[a-zA-Z]*c[a-zA-Z]*", w) and not op):
                    text, top = argv[k + 1]
                    if not top:
                        self.script(text, depth + 1)
                    break
            return
        if base in ("eval",):
            if not any(op for _, op in argv[1:]):
                self.script(" ".join(w for w, _ in argv[1:]), depth + 1)
            return
        if base in catalog.UNCHECKED or catalog.ALIASES.get(base, base) in catalog.UNCHECKED:
            return
        self.options(name, base, argv[1:], stop_at_operand=base in catalog.STOP_AT_OPERAND, depth=depth)

    # --- options ------------------------------------------------------------------------------------------------
    def options(self, name: str, base: str, args: list[Word], *, stop_at_operand: bool = False,
                wrapper: bool = False, depth: int = 0) -> None:
        if not any(w.startswith("-") and not op for w, op in args) and base not in catalog.SUBCOMMAND_TOOLS:
            return
        ph = program_help(name)
        if ph is None:
            return
        if not wrapper and (base in catalog.SUBCOMMAND_TOOLS or ph.subcommands):
            self.subcommand(name, base, ph, args, depth)
            return
        if not ph.reliable and not ph.complete:
            ph = program_help(name, full=True) or ph
        if base == "tar" and args and not args[0][1] and re.fullmatch(r"[A-Za-z]+", args[0][0]):
            args = self.tar_old_style(ph, args)
        self.run_options(ph, base, args, stop_at_operand=stop_at_operand, depth=depth)

    def run_options(self, ph: ProgramHelp, shown: str, args: list[Word], *, stop_at_operand: bool,
                    depth: int = 0) -> None:
        """Check option words against ``ph``; re-read with the manual page before calling anything unknown."""
        if not ph.reliable and not ph.complete:
            ph = program_help(ph.program, full=True) or ph
        unknown, nested = self._scan(ph, args, stop_at_operand)
        if unknown and not ph.complete:
            ph = program_help(ph.program, full=True) or ph
            unknown, nested = self._scan(ph, args, stop_at_operand)
        if ph.reliable:
            for w, bad in unknown:
                self._report(ph, w, bad)
        for inner in nested:
            self.argv(inner, depth + 1)

    def _scan(self, ph: ProgramHelp, args: list[Word], stop_at_operand: bool
              ) -> tuple[list[tuple[str, str]], list[list[Word]]]:
        """(unknown option words with their unknown part, commands run by ``find -exec``)."""
        unknown: list[tuple[str, str]] = []
        nested: list[list[Word]] = []
        i, n = 0, len(args)
        prog = os.path.basename(ph.program.split()[0])
        is_find = prog == "find"
        pattern = catalog.OPERAND_PATTERNS.get(prog)
        operand = re.compile(pattern) if pattern else None
        while i < n:
            w, opaque = args[i]
            if opaque:
                i += 1
                continue
            if w == "--":
                break
            if is_find and w in _FIND_EXEC:
                j = i + 1
                while j < n and args[j][0] not in (";", "\\;", "+"):
                    j += 1
                if j > i + 1:
                    nested.append(list(args[i + 1: j]))
                i = j + 1
                continue
            if not w.startswith("-") or w == "-" or _NUMERIC.match(w) or (operand and operand.fullmatch(w)):
                if stop_at_operand and not w.startswith("-"):
                    break
                i += 1
                continue
            bad, takes = self._word(ph, w)
            if bad is not None:
                unknown.append((w, bad))
                i += 1
                continue
            nxt = args[i + 1][0] if i + 1 < n else None
            doc = ph.option(w) if takes is True else None
            if doc is not None and _TERMINATES.search(doc.text):
                break  # python -m MOD ARGS...: the rest belongs to the module
            if takes is True and nxt is not None:
                i += 2
            elif takes is None and nxt is not None and nxt.startswith("-"):
                i += 2  # an option whose value is not documented may have taken it
            else:
                i += 1
        return unknown, nested

    @staticmethod
    def _word(ph: ProgramHelp, w: str) -> tuple[str | None, bool | None]:
        """(the unknown part of option word ``w`` or None, whether the next word is its value: True/False/None
        for not known)."""
        if w.startswith("--"):
            name, eq, _ = w.partition("=")
            if ph.known(name):
                takes = ph.takes_value(name)
                return None, (False if eq else takes)
            return name, False
        if ph.known(w):
            takes = ph.takes_value(w)
            return None, takes
        if "=" in w and ph.known(w.split("=", 1)[0]):
            return None, False
        m = re.fullmatch(r"(-[A-Za-z]+)(\d[\w.]*)", w)
        if m and any(n.startswith(m.group(1)) for n in ph._by_name):
            return None, False
        chars = w[1:]
        for k, ch in enumerate(chars):
            opt = "-" + ch
            if ch.isdigit():
                return None, False
            if not ph.known(opt):
                if ph.single_dash_long or k == 0 and len(chars) > 2 and not any(
                        ph.known("-" + c) for c in chars[1:3]):
                    return w, False
                return opt, False
            doc = ph.option(opt)
            if doc is None:
                return None, None  # known from prose only: whether it takes a value is not known
            if doc.nargs and k < len(chars) - 1:
                return None, False  # the rest of the word is its value (-n5, -i.bak, -d:)
            if doc.nargs:
                return None, not doc.optional
        return None, False

    def _report(self, ph: ProgramHelp, w: str, bad: str) -> None:
        suggestion = ph.suggest(w if bad == w or bad.startswith("--") else bad)
        if bad == w and not w.startswith("--"):
            suggestion = ph.suggest(w)
        where = f"`{ph.source}`" if ph.source else f"the help of {ph.program}"
        if bad == w or bad == w.split("=", 1)[0]:
            msg = f"`{ph.program} {w}`: not in {where} on this machine"
        else:
            msg = f"`{ph.program} {w}`: `{bad}` is not in {where} on this machine"
        if suggestion and suggestion != bad:
            msg += f"; did you mean {suggestion}?"
        else:
            suggestion = None
        self.add("option", ph.program, w, msg, suggestion)

    def tar_old_style(self, ph: ProgramHelp, args: list[Word]) -> list[Word]:
        """``tar xzf a.tgz`` -> ``tar -x -z -f a.tgz`` when every letter is a tar option (else unchanged)."""
        letters = args[0][0]
        if not all(ph.option("-" + c) for c in letters):
            return args
        rest = list(args[1:])
        result: list[Word] = []
        for c in letters:
            result.append(("-" + c, False))
            if ph.takes_value("-" + c) and rest:
                result.append(rest.pop(0))  # old style: the values follow in the order of their letters
        return result + rest

    # --- subcommands --------------------------------------------------------------------------------------------
    def subcommand(self, name: str, base: str, top: ProgramHelp, args: list[Word], depth: int) -> None:
        """``git -C dir log --oneline``: global options against the tool's help, the rest against the
        subcommand's."""
        i, n = 0, len(args)
        while i < n and args[i][0].startswith("-") and args[i][0] != "--":
            w, opaque = args[i]
            if opaque:
                i += 1
                continue
            bad, takes = self._word(top, w) if top.reliable else (None, None)
            if bad is not None:
                if not top.complete:
                    top = program_help(top.program, full=True) or top
                    bad, takes = self._word(top, w)
                if bad is not None:
                    self._report(top, w, bad)
            nxt = args[i + 1][0] if i + 1 < n else None
            if (takes is True or takes is None) and nxt is not None and (takes or nxt.startswith("-")):
                i += 2
            else:
                i += 1
        if i >= n or args[i][1]:
            return
        sub = args[i][0]
        spec = catalog.SUBCOMMAND_TOOLS.get(base)
        if spec is None:
            if base in catalog.GLOBAL_OPTIONS:
                self.run_options(top, base, args, stop_at_operand=False, depth=depth)
                return
            if sub in top.subcommands:
                return  # a subcommand tool this module does not know how to ask: unsure, so silent
            self.run_options(top, base, args, stop_at_operand=False, depth=depth)
            return
        if sub not in top.subcommands:
            if base == "git" and top.subcommands and not self._git_alias(sub) and \
                    f"git-{sub}" not in system.path_programs():
                hint = difflib.get_close_matches(sub, top.subcommands, n=1, cutoff=0.6)
                msg = f"`git {sub}`: not a git command on this machine (`git --list-cmds=main`)"
                self.add("subcommand", "git", sub, msg + (f"; did you mean git {hint[0]}?" if hint else ""),
                         hint[0] if hint else None)
            return
        words = [sub]
        k = i + 1
        ph = program_help(f"{name} {sub}")
        while spec.get("nested") and ph is not None and ph.subcommands and k < n and not args[k][1] and \
                args[k][0] in ph.subcommands and len(words) < 3:
            words.append(args[k][0])
            k += 1
            ph = program_help(f"{name} {' '.join(words)}")
        if ph is None:
            return
        stops = any(w in spec.get("operand_stops", ()) for w in words)
        self.run_options(ph, ph.program, args[k:], stop_at_operand=stops, depth=depth)

    @staticmethod
    def _git_alias(sub: str) -> bool:
        return _git_alias(sub)


@functools.lru_cache(maxsize=256)
def _git_alias(sub: str) -> bool:
    """True when ``git SUB`` is one of the user's aliases (asked once per process)."""
    code, out = system.run(["git", "config", "--get", f"alias.{sub}"], timeout=3, label="git config")
    return code == 0 and bool(out.strip())


def check_command(command: str) -> list[Finding]:
    """What this machine's documentation disagrees with in ``command``: programs that are not installed,
    options their help does not know (with the closest documented spelling), git subcommands that do not exist.
    An empty list means nothing was found, not that the command is right."""
    checker = _Checker()
    try:
        checker.script(command)
    except RecursionError:
        pass
    return checker.findings


# --- explanation tables -----------------------------------------------------------------------------------------

def _programs_in(command: str) -> list[tuple[str, str, list[str]]]:
    """(program to ask, program as shown, its argument words) for each simple command, wrappers removed and
    subcommands resolved (``git log``)."""
    out: list[tuple[str, str, list[str]]] = []
    commands, _ = simple_commands(command)
    pending = [[w for w, _ in argv] for argv in commands]
    seen = 0
    while pending and seen < 50:
        seen += 1
        words = pending.pop(0)
        if not words:
            continue
        base = os.path.basename(words[0])
        wrapper = wrapper_for(base)
        if wrapper is not None:
            inner = wrapper.split(words)
            if inner is not None and (inner.argv or inner.texts):
                n_inner = len(inner.argv) if inner.argv else 0
                out.append((words[0], base, words[1: len(words) - n_inner]))
                if inner.argv:
                    pending.append(list(inner.argv))
                for text in inner.texts:
                    pending.extend([w for w, _ in a] for a in simple_commands(text)[0])
                continue
        if base in catalog.SUBCOMMAND_TOOLS:
            rest = words[1:]
            k = 0
            top = program_help(words[0]) if rest and rest[0].startswith("-") else None
            while k < len(rest) and rest[k].startswith("-"):
                takes = top.takes_value(rest[k]) if top is not None and "=" not in rest[k] else False
                k += 2 if takes else 1
            if k < len(rest):
                out.append((f"{words[0]} {rest[k]}", f"{base} {rest[k]}", rest[k + 1:]))
                out.append((words[0], base, rest[:k]))
                continue
        if base == "find":
            for k, w in enumerate(words):
                if w in _FIND_EXEC:
                    end = next((j for j in range(k + 1, len(words)) if words[j] in (";", "\\;", "+")), len(words))
                    pending.append(words[k + 1: end])
        out.append((words[0], base, words[1:]))
    return out


def _help_line(ph: ProgramHelp, word: str) -> tuple[bool, str | None]:
    """(decided, line): the documented line for option ``word``; (True, None) when the help does not know it;
    (False, None) when that cannot be said."""
    opt = ph.option(word)
    if opt is not None:
        return True, opt.line()
    if ph.known(word):
        return True, f"{word.split('=', 1)[0]}  (documented in `{ph.sources[-1] if ph.sources else ph.source}`)"
    if not word.startswith("--") and len(word) > 2:
        lines = []
        for k, ch in enumerate(word[1:]):
            if ch.isdigit():
                break
            o = ph.option("-" + ch)
            if o is None:
                return (True, None) if ph.reliable else (False, None)
            lines.append(o.line())
            if o.nargs and not o.optional:
                break
        return True, "\n".join(lines)
    return (True, None) if ph.reliable else (False, None)


def explain_arguments(command: str, args: dict[str, str]) -> dict[str, str | None]:
    """For each argument of a model's explanation table (its keys: ``"-k"``, ``"--lines=5"``, ``"-xzvf"``,
    ``"-type f"``, ``"gzip"``), the help line for it on this machine, or None when the program's help (and manual
    page) reliably does not know it, so a card can flag "not in `tar --help` on this machine".

    Arguments nothing can be said about (operands like ``*.log``, programs whose help is not understood) are
    left out of the result: test ``key in result and result[key] is None``, not ``result.get(key) is None``.
    """
    from .index import describe

    programs = _programs_in(command)
    out: dict[str, str | None] = {}
    for key in args:
        raw = key.strip()
        if not raw:
            continue
        first = raw.split()[0]
        if not first.startswith("-"):
            for ask, shown, _ in programs:
                if raw in (shown, os.path.basename(ask)) or raw == shown.split()[-1] and " " in shown:
                    desc = describe(shown)
                    if desc:
                        out[key] = f"{shown} - {desc}"
                    break
            else:
                for ask, shown, words in programs:
                    if shown == "tar" and words and words[0] == first and re.fullmatch(r"[A-Za-z]+", first):
                        ph = program_help(ask)
                        if ph is not None and ph.reliable:
                            decided, line = _help_line(ph, "-" + first)
                            if decided:
                                out[key] = line
                        break
            continue
        candidates = [p for p in programs if first in p[2] or any(w.startswith(first + "=") for w in p[2])]
        if not candidates:
            candidates = programs
        decided_none = False
        for ask, shown, _ in candidates:
            if os.path.basename(ask.split()[0]) in catalog.UNCHECKED:
                continue
            ph = program_help(ask)
            if ph is None:
                continue
            decided, line = _help_line(ph, first)
            if line is None and not ph.complete:
                ph = program_help(ask, full=True) or ph
                decided, line = _help_line(ph, first)
            if line is not None:
                out[key] = line
                decided_none = False
                break
            if decided:
                decided_none = True
        else:
            if decided_none:
                out[key] = None
    return out
