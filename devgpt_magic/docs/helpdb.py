"""A program's options on this machine: read once from ``PROG --help`` and ``man PROG`` (or bash's ``help NAME``,
or ``git SUB -h``), parsed, and cached per program and version.

The cache key is the executable's real path, modification time and size (bash's, for builtins), plus the parser
version: upgrading a program re-reads its help; nothing else does. Parsed help lives in memory for the process
and as JSON under ``<devgpt cache>/docs/help/``.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import os
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from . import catalog, system
from .helpparse import OptionDoc, ParsedText, man_sections, parse_text

PARSER_VERSION = 4
#: help texts of programs that take any unambiguous prefix of a long option (GNU getopt_long, util-linux,
#: procps, Python argparse)
_GETOPT_LONG = re.compile(r"Mandatory arguments to long options|For more details see \w|GNU coreutils|"
                          r"show this help message and exit|Report bugs to|General help using GNU software")
#: fewer parsed option lines than this and the help's format counts as unknown: no option is flagged
MIN_OPTIONS = 2

_MEMORY: dict[str, "ProgramHelp"] = {}
_LOCK = threading.Lock()


@dataclass
class ProgramHelp:
    """The documented options of one program (``gzip``), builtin (``ulimit``) or subcommand (``git log``)."""

    program: str
    kind: str  # "program" | "builtin" | "subcommand"
    path: str | None
    #: where a reader can see it, for messages: "gzip --help", "man find", "help ulimit", "git log -h"
    source: str
    options: list[OptionDoc] = field(default_factory=list)
    mentions: set[str] = field(default_factory=set)
    abbreviations: dict[str, str] = field(default_factory=dict)
    subcommands: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    #: True once the manual page was read too (or there is none)
    complete: bool = False
    #: True when the program accepts unambiguous abbreviations of long options (GNU getopt_long, argparse)
    abbrev: bool = False
    #: the raw (label, kind, text) texts it was parsed from, kept so the manual can be merged in later
    texts: list = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._by_name: dict[str, OptionDoc] = {}
        for opt in self.options:
            for name in opt.names:
                self._by_name.setdefault(name, opt)
        self._longs = sorted(n for n in self._by_name if n.startswith("--"))
        self._single_long = sorted(n for n in self._by_name if not n.startswith("--") and len(n) > 2)
        self._wild = [re.compile(re.escape(n[: -len(m.group(0))]) + "[a-zA-Z]{%d}$" % len(m.group(0)))
                      for n in self._by_name for m in [re.search(r"(?<=[a-z])[A-Z]{2,3}$", n)] if m]

    # --- what the help says ---------------------------------------------------------------------------------
    @property
    def reliable(self) -> bool:
        """True when the help's format was understood well enough to call an option unknown."""
        return len(self.options) >= MIN_OPTIONS

    @property
    def single_dash_long(self) -> bool:
        """True for programs with long options spelled with one dash (``find -name``, ``java -version``)."""
        return len(self._single_long) >= 3

    def option(self, word: str) -> OptionDoc | None:
        """The documented option ``word`` is (``--lines=5`` -> ``--lines``; a unique ``--abbrev`` too), or None."""
        if word in self._by_name:
            return self._by_name[word]
        name = word.split("=", 1)[0]
        if name in self._by_name:
            return self._by_name[name]
        if self.abbrev and name.startswith("--") and len(name) > 3:
            hits = [n for n in self._longs if n.startswith(name)]
            if len(hits) == 1:
                return self._by_name[hits[0]]
            if hits and len({id(self._by_name[h]) for h in hits}) == 1:
                return self._by_name[hits[0]]
        return None

    def known(self, word: str) -> bool:
        """True when the help or the manual knows ``word`` as an option in any form."""
        name = word.split("=", 1)[0]
        if self.option(word) is not None or name in self.mentions:
            return True
        if name.startswith("--no-") and ("--" + name[5:] in self._by_name or "--" + name[5:] in self.mentions):
            return True
        if name.startswith("--") and ("--no-" + name[2:] in self._by_name):
            return True
        for short, full in self.abbreviations.items():
            if name.startswith(short) and full.startswith(name):
                return True
        return any(w.match(name) for w in self._wild)

    def takes_value(self, word: str) -> bool | None:
        """True/False when the documented option needs a separate value; None when that is not known."""
        opt = self.option(word)
        if opt is None:
            return None
        return opt.nargs > 0 and not opt.optional

    def suggest(self, word: str) -> str | None:
        """The closest documented spelling of a mistyped option, if one is close."""
        name = word.split("=", 1)[0]
        pool = list(self._by_name) + [m for m in self.mentions if len(m) > 2]
        if name.startswith("--"):
            pool = [p for p in pool if p.startswith("--")]
            hits = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
        else:
            longer = [p for p in pool if len(p) > 2]
            hits = difflib.get_close_matches(name, longer, n=1, cutoff=0.6)
            if not hits and len(name) > 3 and "-" + name in self._by_name:
                hits = ["-" + name]
        return hits[0] if hits else None

    def line_for(self, word: str) -> str | None:
        opt = self.option(word)
        return opt.line() if opt else None

    # --- cache form -----------------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {"program": self.program, "kind": self.kind, "path": self.path, "source": self.source,
                "options": [o.to_json() for o in self.options], "mentions": sorted(self.mentions),
                "abbreviations": self.abbreviations, "subcommands": self.subcommands, "sources": self.sources,
                "complete": self.complete, "abbrev": self.abbrev, "texts": [] if self.complete else [list(t) for t in self.texts]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ProgramHelp":
        return cls(data["program"], data["kind"], data["path"], data["source"],
                   [OptionDoc.from_json(o) for o in data["options"]], set(data["mentions"]),
                   dict(data["abbreviations"]), list(data["subcommands"]), list(data["sources"]),
                   bool(data.get("complete")), bool(data.get("abbrev")), [tuple(t) for t in data.get("texts", [])])


# --- finding what to run ----------------------------------------------------------------------------------------

def _path_program(tool: str) -> str | None:
    """The program a path in a command names, only when it is the very program that PATH finds by its name
    (``/usr/bin/tar``). Help is never read by starting a file that a command (the model's or a stranger's)
    points at: ``./tool.py``, ``venv/bin/x`` or ``/tmp/x`` would run code nobody confirmed, and a relative path
    would even be looked up in another folder than the one it was written for."""
    if not os.path.isabs(tool):
        return None
    found = system.which(os.path.basename(tool))
    if found and os.path.realpath(found) == os.path.realpath(tool):
        return found
    return None


def _safe_to_run(name: str, exe: str) -> bool:
    """Whether ``exe --help`` may be started: packaged or well-known programs and Python console scripts; never
    a program in :data:`catalog.NEVER_RUN`, and never an unknown script (it might ignore ``--help``)."""
    base = os.path.basename(name)
    if base in catalog.NEVER_RUN or os.path.basename(os.path.realpath(exe)) in catalog.NEVER_RUN:
        return False
    if base in catalog.COMMON or base in catalog.SUBCOMMAND_TOOLS:
        return True
    real = os.path.realpath(exe)
    if os.path.dirname(real) in ("/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/libexec"):
        return True
    from .index import whatis_names

    if base in whatis_names():
        return True
    try:
        with open(exe, "rb") as fh:
            head = fh.read(2048)
    except OSError:
        return False
    if b"pyenv" in head and b"exec" in head:
        return True  # a pyenv shim
    return head.startswith(b"#!") and b"python" in head.split(b"\n", 1)[0] and b"sys.exit(" in head and \
        b"import" in head


def _man(name: str) -> list[str] | None:
    if not system.man_available():
        return None
    return ["man", "-s", "1,8,1p,6", "-P", "cat", name]


def _man_text(text: str) -> str:
    """The parts of a rendered manual page that document options (the whole page when it has no such headings)."""
    sections = man_sections(text)
    keep = [v for k, v in sections.items() if k not in ("NAME", "SEE ALSO", "AUTHOR", "AUTHORS", "COPYRIGHT",
                                                        "REPORTING BUGS", "HISTORY", "BUGS", "EXAMPLES", "EXAMPLE")]
    return "\n".join(keep) if keep else text


def _list_subcommands(tool: str, exe: str, parsed_top: ParsedText | None) -> list[str]:
    spec = catalog.SUBCOMMAND_TOOLS.get(tool, {})
    if "list" in spec:
        code, out = system.run([exe, *spec["list"]], label=f"{tool} {' '.join(spec['list'])}")
        if code == 0:
            return [w for w in out.split() if re.fullmatch(r"[a-z][\w-]*", w)]
    return list(parsed_top.subcommands) if parsed_top else []


@functools.lru_cache(maxsize=1)
def _code_version() -> str:
    """A digest of the parsing code itself: a changed parser re-reads every help text."""
    here = os.path.dirname(os.path.abspath(__file__))
    parts = [PARSER_VERSION]
    for name in ("helpparse.py", "helpdb.py", "catalog.py"):
        try:
            with open(os.path.join(here, name), "rb") as fh:
                parts.append(hashlib.sha256(fh.read()).hexdigest()[:16])
        except OSError:
            parts.append(name)
    return system.digest(parts)


def _key(name: str, exe: str | None, builtin: bool) -> str:
    return system.digest([_code_version(), name, system.file_key(exe),
                          system.file_key(system.bash_path()) if builtin else None])


def _load(key: str) -> ProgramHelp | None:
    if key in _MEMORY:
        return _MEMORY[key]
    data = system.read_json(_help_dir() / f"{key}.json")
    if isinstance(data, dict):
        try:
            ph = ProgramHelp.from_json(data)
        except (KeyError, TypeError, ValueError, IndexError):
            return None
        _MEMORY[key] = ph
        return ph
    return None


def _store(key: str, ph: ProgramHelp) -> None:
    _MEMORY[key] = ph
    system.write_json(_help_dir() / f"{key}.json", ph.to_json())


def _help_dir() -> "os.PathLike[str]":
    """``<devgpt cache>/docs/help/<parser version>/``: a new parser starts a new folder."""
    return system.cache_dir() / "help" / _code_version()


def prune_old_versions() -> None:
    """Delete parsed help written by other versions of the parser (called when the index is rebuilt)."""
    import shutil

    root = system.cache_dir() / "help"
    keep = _code_version()
    try:
        for child in root.iterdir():
            if child.name != keep:
                if child.is_dir():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink()
    except OSError:
        pass


def _merge(program: str, kind: str, path: str | None, parts: list[tuple[str, str, str]]) -> ProgramHelp:
    """One ProgramHelp from several (label, source kind, text) texts: the first text's option lines win."""
    options: list[OptionDoc] = []
    seen: dict[str, OptionDoc] = {}
    mentions: set[str] = set()
    abbreviations: dict[str, str] = {}
    subcommands: list[str] = []
    sources: list[str] = []
    label = ""
    for text_label, kind_, text in parts:
        if not text.strip():
            continue
        parsed = parse_text(_man_text(text) if kind_ == "man" else text, "man" if kind_ == "man" else "help")
        mentions |= parsed.mentions
        abbreviations.update(parsed.abbreviations)
        for s in parsed.subcommands:
            if s not in subcommands:
                subcommands.append(s)
        for o in parsed.options:
            known = [seen[n] for n in o.names if n in seen]
            if not known:
                for n in o.names:
                    seen[n] = o
                options.append(o)
                continue
            first = known[0]
            if not first.text and o.text:
                first.text = o.text
            if first.arg is None and o.arg and o.nargs <= 2:
                first.arg, first.optional, first.nargs = o.arg, o.optional, o.nargs
            for n in o.names:
                if n not in seen:
                    first.names.append(n)
                    seen[n] = first
        if parsed.options:
            sources.append(text_label)
            if not label:
                label = text_label
    helps = "\n".join(text for _, kind_, text in parts if kind_ == "help")
    abbrev = bool(_GETOPT_LONG.search(helps)) or program.split()[0] in catalog.ABBREVIATING
    return ProgramHelp(program, kind, path, label or (parts[0][0] if parts else program), options, mentions,
                       abbreviations, subcommands, sources, abbrev=abbrev)


def _fetch(jobs: list[tuple[str, str, list[str]]]) -> list[tuple[str, str, str]]:
    """Run (label, kind, argv) jobs two at a time; (label, kind, text) for those that printed something useful."""
    out: list[tuple[str, str, str]] = []
    for k in range(0, len(jobs), 2):
        started = [(label, kind, system.start(argv, label=label)) for label, kind, argv in jobs[k:k + 2]]
        for label, kind, proc in started:
            code, text = system.finish(proc)
            if code == -1 or not text.strip():
                continue
            if kind == "man" and (code != 0 or text.lstrip().startswith("No manual entry")):
                continue
            out.append((label, kind, text))
    return out


def _jobs(name: str, tool: str, sub: str, exe: str | None, builtin: bool, *, help_: bool, man: bool
          ) -> list[tuple[str, str, list[str]]]:
    base = os.path.basename(tool)
    jobs: list[tuple[str, str, list[str]]] = []
    if sub:
        spec = catalog.SUBCOMMAND_TOOLS.get(base, {"help": ["{sub}", "--help"]})
        if help_ and exe and _safe_to_run(base, exe):
            argv = [exe] + [a for piece in spec["help"] for a in (sub.split() if piece == "{sub}" else [piece])]
            jobs.append((f"{base} {sub} {spec['help'][-1]}", "help", argv))
            if spec.get("extra"):
                jobs.append((f"{base} {' '.join(spec['extra'])}", "help", [exe, *spec["extra"]]))
        man_name = spec.get("man", "{tool}-{sub}").format(tool=base, sub=sub.replace(" ", "-"))
        if man and _man(man_name):
            jobs.append((f"man {man_name}", "man", _man(man_name)))
        return jobs
    if help_ and builtin and system.bash_path():
        jobs.append((f"help {tool}", "help", [system.bash_path(), "--norc", "--noprofile", "-c", f"help {tool}"]))
    if help_ and exe and _safe_to_run(base, exe):
        real_base = os.path.basename(os.path.realpath(exe))
        args = catalog.HELP_ARGS.get(base) or catalog.HELP_ARGS.get(real_base) or ["--help"]
        jobs.append((f"{base} {' '.join(args)}", "help", [exe, *args]))
    if man and (not builtin or exe):
        for man_name in [base] + catalog.SHARED_DOCS.get(base, []):
            if _man(man_name):
                jobs.append((f"man {man_name}", "man", _man(man_name)))
    return jobs


def program_help(name: str, *, full: bool = False) -> ProgramHelp | None:
    """The parsed help of ``name`` (``"gzip"``, ``"ulimit"``, ``"git log"``, ``"/usr/bin/tar"``) on this machine,
    or None when there is no such program or builtin.

    The first call reads ``--help`` (bash's ``help``, ``git SUB -h``); the manual page is read as well when
    ``full`` is true or when the help alone is not understood. Both are cached per program version, so later
    calls run nothing.
    """
    parts = name.split()
    if not parts:
        return None
    tool = catalog.ALIASES.get(parts[0], parts[0])
    sub = " ".join(parts[1:])
    builtin = "/" not in tool and tool in system.builtins()
    if "/" in tool:
        exe = _path_program(tool)
    else:
        exe = system.which(tool)
    if not exe and not builtin:
        return None
    key = _key(name, exe, builtin)
    with _LOCK:
        cached = _load(key)
    if cached is not None and (cached.complete or not full):
        return cached
    base = os.path.basename(tool)
    program = f"{base} {sub}" if sub else name
    kind = "subcommand" if sub else ("builtin" if builtin else "program")
    if cached is None:
        texts = _fetch(_jobs(name, tool, sub, exe, builtin, help_=True, man=False))
        ph = _merge(program, kind, exe, texts)
        ph.texts = texts
        if exe and not sub and base in catalog.SUBCOMMAND_TOOLS:
            ph.subcommands = _list_subcommands(base, exe, None) or ph.subcommands
        described = sum(1 for o in ph.options if o.text)
        if ph.reliable and not full and described >= 0.7 * len(ph.options):
            with _LOCK:
                _store(key, ph)
            return ph
        cached = ph
    man_texts = _fetch(_jobs(name, tool, sub, exe, builtin, help_=False, man=True))
    ph = _merge(program, kind, exe, list(cached.texts) + man_texts)
    ph.complete = True
    ph.subcommands = cached.subcommands or ph.subcommands
    with _LOCK:
        _store(key, ph)
    return ph


def clear_memory() -> None:
    """Forget the parsed help held in memory (the disk cache stays): for tests and long-lived processes."""
    _MEMORY.clear()
