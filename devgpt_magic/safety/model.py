"""The small data types every rule sees: findings, what flows through a pipe, and one command to judge."""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from ..schema import RiskLevel
from .paths import Where

if TYPE_CHECKING:  # the walker implements Checker; rules only call these methods
    from .walk import Checker

LEVELS = {"safe": 0, "caution": 1, "dangerous": 2}
NAMES = {v: k for k, v in LEVELS.items()}
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")


class Findings:
    """Reasons with a level each; the verdict is the worst level, reasons worst first, without repeats."""

    def __init__(self) -> None:
        self.items: dict[str, int] = {}
        self._suffix: list[str] = []

    def add(self, level: str, reason: str) -> None:
        reason = " ".join((reason.strip() + "".join(self._suffix)).split())
        if len(reason) > 200:  # a reason quoting a long command stays readable
            reason = reason[:197] + "..."
        rank = LEVELS[level]
        if rank and self.items.get(reason, -1) < rank:
            self.items[reason] = rank

    @contextmanager
    def suffix(self, text: str) -> Iterator[None]:
        """Every reason added inside gets ``text`` appended (e.g. " on the remote machine web1")."""
        self._suffix.append(text)
        try:
            yield
        finally:
            self._suffix.pop()

    @property
    def worst(self) -> int:
        return max(self.items.values(), default=0)

    def verdict(self) -> RiskLevel:
        if not self.items:
            return RiskLevel(level="safe", reasons=[])
        ordered = sorted(self.items.items(), key=lambda item: -item[1])  # stable: first found first
        return RiskLevel(level=NAMES[self.worst], reasons=[r for r, _ in ordered])  # type: ignore[arg-type]


@dataclass
class Source:
    """What we know about a stream of bytes (a command's output, a pipe, a here-string, a file on stdin)."""

    #: literal text known to be in the stream (echo/printf arguments, here-strings, heredocs, decoded base64)
    texts: list[str] = field(default_factory=list)
    #: part of the stream is not known (a file, a program's output)
    unknown: bool = False
    downloads: bool = False
    decodes: bool = False
    #: what secret files the stream carries (descriptions)
    secrets: list[str] = field(default_factory=list)
    #: the environment (env, printenv, set) is in the stream
    env: bool = False
    #: the stream never ends (yes, /dev/zero)
    infinite: bool = False
    #: producing programs as "name sub" strings, e.g. "crontab -l"
    programs: list[str] = field(default_factory=list)
    #: file the stream is read from, when it is one
    file: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.texts or self.unknown or self.downloads or self.decodes or self.secrets or self.env
                    or self.infinite)

    def merge(self, other: "Source | None") -> "Source":
        if other is None:
            return self
        return Source(self.texts + other.texts, self.unknown or other.unknown, self.downloads or other.downloads,
                      self.decodes or other.decodes, self.secrets + other.secrets, self.env or other.env,
                      self.infinite or other.infinite, self.programs + other.programs, self.file or other.file)

    def tainted(self) -> "Source":
        """What still flows after an unknown program transformed this stream: the flags, not the text."""
        return Source([], True, self.downloads, self.decodes, list(self.secrets), self.env, False,
                      list(self.programs))


@dataclass
class Cmd:
    """One simple command after unwrapping, as a rule sees it."""

    argv: list[str]
    name: str
    check: "Checker"
    #: sources of $(...) / `...` / <(...) found in each word, by word index
    subs: dict[int, list[Source]] = field(default_factory=dict)
    stdin: Source | None = None
    #: the wrapper (xargs, parallel) that appends arguments the checker cannot see, or ""
    fed: str = ""
    #: output redirections (operator, target word)
    writes: list[tuple[str, str]] = field(default_factory=list)
    #: the command is the last stage reading a pipe (so stdin carries the pipe's data)
    piped: bool = False
    #: secrets a rule found this command prints (``find ~ -name id_rsa -exec cat {} ;``), so they flow on
    reveals: list[str] = field(default_factory=list)

    # -- convenience -----------------------------------------------------------------------------------------
    @property
    def where(self) -> Where:
        return self.check.where

    def add(self, level: str, reason: str) -> None:
        self.check.findings.add(level, reason)

    @property
    def args(self) -> list[str]:
        return self.argv[1:]

    @cached_property
    def flags(self) -> set[str]:
        """Options before ``--``: long ones as written (without =value), short bundles split into letters."""
        out: set[str] = set()
        for word in self.argv[1:]:
            if word == "--":
                break
            if word.startswith("--"):
                out.add(word.split("=", 1)[0])
            elif word.startswith("-") and len(word) > 1 and not word[1].isdigit():
                out.update(f"-{c}" for c in word[1:])
        return out

    def has(self, *options: str) -> bool:
        """Whether any of the options is given; for GNU-style programs also as a beginning (``rm --rec``)."""
        flags = self.flags
        if self.name in ABBREVIATING:
            flags = flags | abbreviated(flags, options)
        return any(o in flags for o in options)

    @cached_property
    def operands(self) -> list[str]:
        """Words that are not options (everything after ``--``)."""
        out, after = [], False
        for word in self.argv[1:]:
            if after:
                out.append(word)
            elif word == "--":
                after = True
            elif not (word.startswith("-") and len(word) > 1):
                out.append(word)
        return out

    def operands_skipping(self, value_options: set[str] | frozenset[str]) -> list[str]:
        """Operands when some options take a separate value (``-o FILE``), which is then not an operand."""
        out, i, after = [], 1, False
        while i < len(self.argv):
            word = self.argv[i]
            if after or not (word.startswith("-") and len(word) > 1):
                out.append(word)
            elif word == "--":
                after = True
            elif word in value_options:
                i += 1
            i += 1
        return out

    def copy_operands(self, value_options: frozenset[str]) -> tuple[list[str], str | None]:
        """(operands, the ``-t`` folder or None) of cp/mv/ln/install as GNU reads them: an option that takes a
        value skips it, ``-t`` may be bundled (``-rt DIR``, ``-tDIR``) and ``--target-directory`` shortened
        (``--target=DIR``). A misread here would hide a source from the secret checks."""
        ops: list[str] = []
        target: str | None = None
        i, after, argv = 1, False, self.argv
        while i < len(argv):
            word = argv[i]
            if after or not (word.startswith("-") and len(word) > 1):
                ops.append(word)
            elif word == "--":
                after = True
            elif word.startswith("--"):
                name, eq, value = word.partition("=")
                if len(name) >= 3 and "--target-directory".startswith(name):
                    if eq:
                        target = value
                    elif i + 1 < len(argv):
                        target, i = argv[i + 1], i + 1
                elif name in value_options and not eq:
                    i += 1
            else:
                for k, letter in enumerate(word[1:], start=1):
                    if letter != "t" and f"-{letter}" not in value_options:
                        continue
                    value = word[k + 1:]
                    if not value and i + 1 < len(argv):
                        value, i = argv[i + 1], i + 1
                    if letter == "t":
                        target = value
                    break
            i += 1
        return ops, target

    def values(self, *names: str) -> list[str]:
        """Values of options: ``-o X``, ``-oX``, ``--out X``, ``--out=X``."""
        out: list[str] = []
        words = self.argv[1:]
        for i, word in enumerate(words):
            if word == "--":
                break
            for name in names:
                if word == name and i + 1 < len(words):
                    out.append(words[i + 1])
                elif (name.startswith("--") or len(name) > 2) and word.startswith(name + "="):
                    out.append(word[len(name) + 1:])  # --out=X, and single-dash long options: gdb -ex=X
                elif not name.startswith("--") and len(name) == 2 and word.startswith(name) and len(word) > 2 \
                        and not word.startswith("--"):
                    out.append(word[2:])
        return out

    def positional(self, value_options: frozenset[str] | set[str] = frozenset()) -> list[str]:
        """Non-option words in order, skipping the values of the given options (``git -C dir push``)."""
        return self.operands_skipping(value_options)


def abbreviated(written: set[str], options: Iterable[str]) -> set[str]:
    """The long options that written flags stand for as beginnings (``--rec`` -> ``--recursive``).

    Why: getopt_long and git accept any unambiguous beginning of a long option, so ``rm --rec --for ~`` is
    ``rm --recursive --force ~``. An ambiguous beginning counts for every option it begins (fail closed).
    """
    return {o for o in options if o.startswith("--")
            for f in written if f.startswith("--") and len(f) >= 5 and o.startswith(f)}


#: Programs whose long options may be abbreviated (GNU getopt_long).
ABBREVIATING = {"rm", "srm", "shred", "unlink", "rmdir", "chmod", "chown", "chgrp", "cp", "mv", "ln", "install",
                "tee", "truncate", "sed", "tar", "sort", "split", "touch", "mkdir"}

#: A rule: looks at one command and adds findings. Its table entry is the program name.
Rule = Callable[[Cmd], None]
