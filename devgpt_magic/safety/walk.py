"""The walk over a parsed command: every simple command, wherever it hides, with what flows into it.

:class:`Checker` visits lists, pipelines, subshells, groups, loops, conditionals, functions, ``$(...)``,
backticks, process substitutions, redirects, here-strings and heredocs. For each simple command it strips
assignments and wrappers (:mod:`.wrappers`), looks the program up in the rule table (:mod:`.rules`) and
judges the redirections. Pipes carry a :class:`~.model.Source` from one command to the next, so a shell at the
end of a pipe knows whether its script was downloaded, decoded, or literal text it can check.

Text that is run as a script (``bash -c``, ``eval``, ``su -c``, ``ssh host CMD``, heredocs into shells...) is
parsed and walked again, one level deeper; past :data:`MAX_DEPTH` levels, or when bashlex cannot parse it,
the checker says so (caution) and still scans the words it can see.
"""

from __future__ import annotations

import re
import shlex
from contextlib import ExitStack
from typing import Any

from . import flow
from .model import ASSIGNMENT, Cmd, Findings, Source
from .parse import (FORK_BOMB, INVISIBLE, TooManyWords, expand_braces, fallback_commands, heredoc_body, normalise,
                    parse, split_odd_line_breaks, substitution_bodies, word_text)
from .paths import (BLOCK_DEVICE, Where, normpath, binary_path, important_file, resolve, secret, soft_system_path,
                    system_path)
from .programs import CODE_ENV_VARS, KNOWN, SHELLS, TEXT_ENV_VARS, TRUST_ENV_VARS, program_name, runs_code
from .rules_tools import GIT_CONFIG_FILE, git_config_text
from .wrappers import wrapper_for

#: How many levels of text-run-as-a-script (``bash -c "eval '...'"``) are parsed before giving up (caution).
MAX_DEPTH = 10
#: Longer texts are not parsed (a cost bound): they are caution, and the words in them are still scanned.
MAX_TEXT = 20_000
_OUTPUT = {">", ">>", ">|", "&>", "&>>", ">&", "<>"}
#: ``${!name}``: the variable whose name is the value of ``name``
_INDIRECT = re.compile(r"\$\{!([A-Za-z_]\w*)\}")
_QUIET_DEVICES = ("/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/fd/", "/dev/stdin", "/dev/pts/",
                  "/dev/console", "/dev/shm/")


class Checker:
    """Walks one shell text; findings, facts and variables are shared with the texts it runs."""

    def __init__(self, where: Where, findings: Findings | None = None, depth: int = 0,
                 facts: set[str] | None = None, variables: dict[str, str] | None = None) -> None:
        self.where = where
        self.findings = findings if findings is not None else Findings()
        self.depth = depth
        #: things noticed anywhere in the command, for rules that need two of them (see combine())
        self.facts = facts if facts is not None else set()
        self.variables = variables if variables is not None else {}
        self.flat = False
        self._source = ""
        #: files a downloader wrote earlier in the same command (curl -o FILE), shared with nested texts
        self.downloaded: set[str] = set()
        #: names that ``hash -p PROGRAM NAME`` pointed at another program earlier in the same command
        self.renamed: dict[str, str] = {}
        #: symbolic links made earlier in the same command (ln -s ~ x): link name -> what it points at
        self.links: dict[str, str] = {}
        #: shell functions defined earlier in the same command: name -> body text
        self.functions: dict[str, str] = {}
        #: variables filled from a secret earlier in the same command (k=$(<~/.ssh/id_rsa)): name -> what it holds
        self.secret_vars: dict[str, str] = {}
        #: files written earlier in the same command with known text (echo 'rm -rf ~' > x.sh), by name
        self.written: dict[str, str] = {}
        self._pipes: list[list[tuple[str, bool]]] = []

    # --- API for rules --------------------------------------------------------------------------------------
    def add(self, level: str, reason: str) -> None:
        self.findings.add(level, reason)

    def child(self) -> "Checker":
        c = Checker(self.where, self.findings, self.depth + 1, self.facts, dict(self.variables))
        c.flat = self.flat
        c.downloaded = self.downloaded
        c.renamed = dict(self.renamed)
        c.functions = dict(self.functions)
        c.links = self.links
        c.secret_vars = dict(self.secret_vars)
        c.written = self.written
        return c

    def text(self, script: str, *, stdin: Source | None = None, suffix: str = "") -> Source:
        """Check shell text that something runs (``bash -c TEXT``); returns what it prints."""
        if not script or not script.strip():
            return Source()
        with self.findings.suffix(suffix) if suffix else ExitStack():
            if self.flat:
                return Source(unknown=True)
            if self.depth + 1 > MAX_DEPTH:
                self.add("caution", "nests commands inside commands more deeply than can be checked")
                self.flat_scan(script)
                return Source(unknown=True)
            return self.child().run(script, stdin)

    def argv(self, argv: list[str], *, stdin: Source | None = None, fed: str = "",
             subs: dict[int, list[Source]] | None = None, writes: list[tuple[str, str]] | None = None) -> Source:
        """Check a command given as words (``find -exec CMD ;``, ``docker exec c CMD``)."""
        if not argv:
            return Source()
        if self.depth + 1 > MAX_DEPTH:
            self.add("caution", "nests commands inside commands more deeply than can be checked")
            self.flat_scan(" ".join(argv))
            return Source(unknown=True)
        return self.child().command(list(argv), subs or {}, stdin, fed=fed, writes=writes or [])

    def code(self, language: str, code: str, *, origin: str = "") -> None:
        """Check a program text for an interpreter (``python -c CODE``)."""
        from .interpreters import inspect_code

        inspect_code(self, language, code, origin=origin)

    # --- walking --------------------------------------------------------------------------------------------
    def run(self, script: str, stdin: Source | None = None) -> Source:
        script, odd = split_odd_line_breaks(script)
        # a line starting with "!cmd" is IPython's shell escape: in a notebook, cmd runs
        script = re.sub(r"(?m)^([ \t]*)!{1,2}(?=[^\s!=(])", r"\1", script)
        if odd:
            self.add("caution", "contains an unusual line break that can hide a second command; it is read here "
                                "as a new line")
        if INVISIBLE.search(script):
            self.add("caution", "contains invisible characters, so it may not be what it looks like")
        if FORK_BOMB.search(script) or re.search(r"\b(\w+)\s*\(\)\s*\{[^}]*\b\1\s*\|\s*\1\s*&", script):
            self.add("dangerous", "is a fork bomb: it starts processes until the machine hangs")
        if len(script) > MAX_TEXT:
            self.add("caution", "is too long to check fully; read it carefully before running it")
            self.flat_scan(script)
            return Source(unknown=True)
        parsed = parse(script)
        if parsed is None:
            self.add("caution", "could not be fully parsed; read it carefully before running it")
            self.fallback(script)
            return Source(unknown=True)
        self._source, trees = parsed
        if self._source != normalise(script):
            # rewritten for bashlex: a pattern that spans quotes could have swallowed a whole command
            # (``time ls; echo "[[ "; rm -rf ~; echo " ]]"``), so the plain words are checked as well
            self.child().fallback(script)
        out = Source()
        for tree in trees:
            out = out.merge(self.node(tree, stdin))
        flow.combine(self)
        return out

    def node(self, n: Any, stdin: Source | None = None) -> Source:
        kind = getattr(n, "kind", None)
        if kind == "command":
            return self.simple(n, stdin)
        if kind == "pipeline":
            return self.pipeline(n, stdin)
        if kind == "list":
            out = Source()
            for part in n.parts:
                if part.kind != "operator":
                    out = out.merge(self.node(part, stdin))
            return out
        if kind == "compound":
            stdin, writes = self.redirects(getattr(n, "redirects", None) or [], stdin)
            out = Source()
            for part in n.list:
                if part.kind not in ("reservedword", "operator"):
                    out = out.merge(self.node(part, stdin))
            self.check_writes(None, writes, out)
            return Source() if any(op in (">", ">|", "&>") for op, _ in writes) else out
        if kind == "function":
            self.define_function(n)
        if kind in ("if", "for", "while", "until", "function"):
            out = Source()
            for part in n.parts:
                if part.kind == "word":
                    for src in self.substitutions(part):
                        out = out.merge(src)
                elif part.kind not in ("reservedword", "operator", "pipe"):
                    out = out.merge(self.node(part, stdin))
            return out.tainted() if kind != "function" else Source()
        if kind == "word":
            out = Source()
            for src in self.substitutions(n):
                out = out.merge(src)
            return out
        return Source()

    def define_function(self, n: Any) -> None:
        """Remember a function's body, so that a call is checked with its arguments in place of ``"$@"``:
        ``f() { rm "$@"; }; f -rf ~`` deletes the home folder."""
        name = next((p.word for p in n.parts if p.kind == "word"), None)
        body = next((p for p in n.parts if p.kind == "compound"), None)
        pos = getattr(body, "pos", None)
        if name and pos and self._source:
            self.functions[name] = self._source[pos[0]:pos[1]]

    def through_link(self, word: str) -> str:
        """A path that goes through a link made earlier (``x/...``) as the path it reaches; the link's own name
        stays (``rm x`` removes the link, not what it points at)."""
        head, sep, rest = word.removeprefix("./").partition("/")
        if head in self.links and sep:
            return self.links[head].rstrip("/") + "/" + rest
        return word

    def _indirect(self, m: re.Match[str]) -> str:
        """``${!x}`` as ``${HOME}`` when the script set ``x=HOME``; as written otherwise."""
        target = self.variables.get(m.group(1), "")
        return "${" + target + "}" if re.fullmatch(r"[A-Za-z_]\w*", target) else m.group(0)

    def call_function(self, argv: list[str]) -> None:
        """The function's body checked as it runs for this call: ``"$@"``, ``$*`` and ``$1``...``$9`` replaced by
        the call's words (a function can only do what its body does with them)."""
        words = [shlex.quote(a) if re.search(r"\s", a) else a for a in argv[1:]]
        body = re.sub(r'"?\$(\{[@*]\}|[@*])"?', lambda m: " ".join(words), self.functions[argv[0]])
        body = re.sub(r'"?\$\{?([1-9])\}?"?', lambda m: words[int(m.group(1)) - 1] if int(m.group(1)) <= len(words)
                      else "", body)
        self.text(body, suffix=f" (in the function {argv[0]})")

    def pipeline(self, n: Any, stdin: Source | None) -> Source:
        stages = [p for p in n.parts if p.kind not in ("pipe", "reservedword")]
        self._pipes.append([])
        src = stdin
        try:
            for k, stage in enumerate(stages):
                src = self.node(stage, src if k or stdin is not None else None)
                if k + 1 < len(stages) and src is not None and src.empty:
                    src = Source(unknown=True)  # a stage we know nothing about still writes something
            flow.pipeline_checks(self, self._pipes[-1])
        finally:
            self._pipes.pop()
        return src or Source()

    def substitutions(self, word: Any) -> list[Source]:
        """Walk every $(...), `...`, <(...) inside a word; their outputs."""
        out: list[Source] = []
        for part in getattr(word, "parts", None) or []:
            if part.kind in ("commandsubstitution", "processsubstitution"):
                out.append(self.node(part.command, None))
            elif part.kind == "parameter" and re.fullmatch(r"[A-Za-z_]\w*(\[.*\])?@P", part.value):
                # ${x@P} expands x as a prompt string, which runs the command substitutions x holds
                self.add("caution", f"expands ${{{part.value}}} as a prompt, which runs any $(...) the variable "
                                    "holds")
                value = self.variables.get(part.value.split("@")[0].split("[")[0], "")
                for body in substitution_bodies(value):
                    out.append(self.text(body).merge(Source(unknown=True)))
            elif part.kind == "parameter" and any(m in part.value for m in ("$(", "`", "<(", ">(")):
                # ${x:-$(cmd)}, ${x:-<(cmd)}: bashlex keeps the inner command as text, the shell runs it
                for body in substitution_bodies(part.value):
                    out.append(self.text(body).merge(Source(unknown=True)))
            else:
                out += self.substitutions(part)
        return out

    def redirects(self, parts: list[Any], stdin: Source | None) -> tuple[Source | None, list[tuple[str, str]]]:
        """Input redirections turned into the command's stdin; output ones returned as (operator, target)."""
        writes: list[tuple[str, str]] = []
        for r in parts:
            kind = r.type
            target = getattr(r, "output", None)
            word = word_text(target, self._source) if hasattr(target, "word") else None
            subs = self.substitutions(target) if hasattr(target, "word") else []
            if kind in ("<<", "<<-"):
                body = heredoc_body(getattr(r, "heredoc", None))
                for inner in substitution_bodies(body):
                    self.text(inner)
                stdin = Source(texts=[body])
            elif kind == "<<<":
                src = Source(texts=[word] if word and not subs else [], unknown=bool(subs))
                for s in subs:
                    src = src.merge(s)
                stdin = src
            elif kind in ("<", "<&") and word is not None:
                if subs:  # < <(curl ...)
                    src = Source()
                    for s in subs:
                        src = src.merge(s)
                    stdin = src
                else:
                    stdin = flow.file_source(self, word)
                    if word.startswith(("/dev/tcp/", "/dev/udp/")):
                        self.facts.add("devtcp")
                        stdin = Source(unknown=True, programs=["network"])
            elif kind in _OUTPUT and word is not None:
                writes.append((kind, word))
        return stdin, writes

    # --- one simple command ---------------------------------------------------------------------------------
    def simple(self, n: Any, stdin: Source | None) -> Source:
        words: list[str] = []
        subs: dict[int, list[Source]] = {}
        redirect_parts = []
        for part in n.parts:
            if part.kind == "assignment" and not words:
                srcs = self.substitutions(part)
                self.assignment(word_text(part, self._source), srcs)
            elif part.kind in ("word", "assignment"):
                srcs = self.substitutions(part)
                if srcs:
                    subs[len(words)] = srcs
                    words.append(word_text(part, self._source))
                else:
                    words += self.brace_words(part)
            elif part.kind == "redirect":
                redirect_parts.append(part)
        piped = stdin is not None
        stdin, writes = self.redirects(redirect_parts, stdin)
        if not words:
            self.check_writes(None, writes, Source())
            self._record("", False)
            # $(< file) prints the file: what it carries (a secret, say) flows on
            return stdin if stdin is not None and not writes and not piped else Source()
        return self.command(words, subs, stdin, writes=writes, piped=piped)

    def brace_words(self, part: Any) -> list[str]:
        """The words one word becomes after brace expansion (``{rm,-rf,~}`` -> ``rm -rf ~``)."""
        word = word_text(part, self._source)
        pos = getattr(part, "pos", None)
        raw = self._source[pos[0]:pos[1]] if pos and self._source else word
        if "{" not in raw or part.kind == "assignment":
            return [word]
        try:
            expanded = expand_braces(raw)
        except TooManyWords:
            self.add("caution", f"expands {_shown(raw)} into too many words to check them all")
            return [word]
        if expanded == [raw]:
            return [word]
        out = []
        for item in expanded:
            try:
                parts = shlex.split(item)
            except ValueError:
                parts = [item]
            if parts:
                out.append(" ".join(parts))
            elif item:  # '' stays an empty word; an unquoted empty one ({~,}) disappears
                out.append("")
        return out

    def assignment(self, word: str, srcs: list[Source]) -> None:
        name, _, value = word.partition("=")
        name = name.rstrip("+")
        if srcs:
            self.variables.pop(name, None)
            merged = Source()
            for s in srcs:
                merged = merged.merge(s)
            if merged.downloads:
                self.facts.add("downloaded-variable")
            if merged.secrets:
                self.secret_vars[name] = merged.secrets[0]
        else:
            self.variables[name] = value
            literal = value.strip("'\"")
            if name == "HOME" and literal.startswith("/") and not re.search(r"[$`]", literal):
                # HOME=/etc; echo ... >> ~/sudoers: from here on ~ is that folder (see known())
                self.add("caution", f"sets HOME to {literal}, so ~ names that folder")
            elif name == "CDPATH":
                self.add("caution", "sets CDPATH, so cd may go to another folder than the one it names")
        if name.startswith("BASH_FUNC_"):  # env 'BASH_FUNC_ls%%=() { rm -rf ~; }' bash -c ls
            self.add("caution", f"defines the shell function {name[10:].rstrip('%')} for the programs it starts")
            self.text(value.strip("'\"").lstrip("( )"))
            return
        if name in ("PS1", "PS2", "PS4") and not substitution_bodies(value):
            return
        if name in TRUST_ENV_VARS:
            what, when = TRUST_ENV_VARS[name]
            if value.strip("'\"") and (when is None or value.strip("'\"").lower() in when):
                self.add("caution", f"sets {name}, so {what}")
        if name in CODE_ENV_VARS:
            what = CODE_ENV_VARS[name]
            self.add("caution", f"sets {name}, so {what}")
            if name in ("PS1", "PS2", "PS4"):
                for body in substitution_bodies(value):
                    self.text(body)
            elif name in TEXT_ENV_VARS:
                self.text(value)

    def command(self, argv: list[str], subs: dict[int, list[Source]], stdin: Source | None, *,
                fed: str = "", writes: list[tuple[str, str]] | None = None, piped: bool = False) -> Source:
        writes = writes or []
        with ExitStack() as stack:
            # leading NAME=value words (from text or env) are assignments
            while argv and ASSIGNMENT.match(argv[0]):
                self.assignment(argv[0], subs.get(0, []))
                argv, subs = argv[1:], _shift(subs, 1)
            if not argv:
                self.check_writes(None, writes, Source())
                return Source()
            # f=~/.bashrc; echo x >> $f: a variable set to plain text in the same command is that text
            argv = [argv[0]] + [self.known(w) for w in argv[1:]]
            writes = [(op, self.known(target)) for op, target in writes]
            resolved = self.command_name(argv, subs, stdin)
            if resolved is None:
                self.check_writes(None, writes, Source(unknown=True))
                self._record("$", False)
                return Source(unknown=True)
            argv = resolved
            if argv[0] in self.renamed:  # hash -p /bin/rm ls; ls -rf ~
                argv = [self.renamed[argv[0]], *argv[1:]]
            if any("${!" in a for a in argv):  # x=HOME; rm -rf ${!x}
                argv = [_INDIRECT.sub(self._indirect, a) for a in argv]
            if self.links:  # ln -s ~ x; rm -rf x/*: the path through the link is what it points at
                argv = argv[:1] + [self.through_link(a) for a in argv[1:]]
            if argv[0] in self.functions and self.depth < MAX_DEPTH:
                self.call_function(argv)
            for _ in range(12):  # wrappers inside wrappers
                name = program_name(argv[0])
                wrapper = wrapper_for(name)
                if wrapper is None:
                    break
                inner = wrapper.split(argv)
                if inner is None:
                    break
                for level, reason in inner.notes:
                    self.add(level, reason)
                for listed in inner.reads:
                    what = secret(listed, self.where)
                    if what and what != "your whole home folder":
                        self.add("caution", f"reads {what}; its lines become arguments of the command")
                        break
                for setting in inner.assignments:  # env LD_PRELOAD=x ls: the same as LD_PRELOAD=x ls
                    self.assignment(setting, [])
                fed = fed or (name if inner.fed else "")
                if inner.suffix:
                    stack.enter_context(self.findings.suffix(inner.suffix))
                for text in inner.texts:
                    self.text(text, stdin=stdin)
                if inner.argv is None and not inner.texts:
                    break  # "env" alone prints the environment; "command -v x" looks a name up
                if inner.argv is None:
                    self.check_writes(None, writes, Source(unknown=True))
                    self._record(name, False)
                    return Source(unknown=True)
                removed = len(argv) - len(inner.argv)
                argv, subs = inner.argv, _shift(subs, removed)
                while argv and ASSIGNMENT.match(argv[0]):
                    self.assignment(argv[0], [])
                    argv, subs = argv[1:], _shift(subs, 1)
                if not argv:
                    return Source()
            name = program_name(argv[0])
            cmd = Cmd(argv=argv, name=name, check=self, subs=subs, stdin=stdin, fed=fed, writes=writes,
                      piped=piped)
            self.judge(cmd)
            out = flow.output_of(cmd)
            self.check_writes(cmd, writes, out)
            reads_script = flow.reads_script_from_stdin(cmd)
            if reads_script and name in SHELLS:
                self.facts.add("stdin-shell")
            self._record(flow.pipe_stage_name(name, argv), reads_script)
            if any(op in (">", ">|", "&>", ">>", "&>>") for op, t in writes if not t.isdigit()):
                return Source()
            return out

    def known(self, word: str) -> str:
        """``word`` with ``$NAME``/``${NAME}`` replaced by the plain text the command assigned to NAME."""
        def value(m: re.Match[str]) -> str:
            text = self.variables.get(m.group(1) or m.group(2), None)
            if text is None or re.search(r"[$`\s]", text.strip("'\"")):
                return m.group(0)
            return text.strip("'\"")
        home = self.variables.get("HOME", "").strip("'\"")
        if home.startswith("/") and (word == "~" or word.startswith("~/")) and not re.search(r"[$`\s]", home):
            word = home.rstrip("/") + word[1:]
        return re.sub(r"\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)", value, word) if "$" in word else word

    def command_name(self, argv: list[str], subs: dict[int, list[Source]], stdin: Source | None) -> list[str] | None:
        """argv with a run-time command name resolved when possible; None when what runs cannot be known."""
        first = argv[0]
        if 0 in subs:
            src = Source()
            for s in subs[0]:
                src = src.merge(s)
            rest = " ".join(shlex.quote(a) for a in argv[1:])
            if src.downloads:
                self.add("dangerous", "runs text downloaded from the network as a command")
            if src.decodes:
                self.add("dangerous", "decodes hidden text and runs it as a command")
            if src.texts and not src.unknown:
                self.text(" ".join(src.texts) + (" " + rest if rest else ""), stdin=stdin)
            else:
                self.add("caution", "the command to run comes from the output of $(...) at run time, "
                                    "so what runs cannot be checked")
            return None
        if re.fullmatch(r"=[\w.+-]+", first):  # zsh (a `!` line runs in $SHELL) expands =rm to rm's path
            self.add("caution", f"in zsh, {first} is the program {first[1:]}")
            return [first[1:]] + argv[1:]
        if "$" not in first and "`" not in first:
            return argv
        m = re.fullmatch(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", first)
        if m and m.group(1) in self.variables:
            value = self.variables[m.group(1)]
            ifs = self.variables.get("IFS")
            if ifs is not None:  # word splitting on other characters: split the way the shell would
                self.add("caution", "changes how the shell splits words (IFS), which can hide what runs")
                words = [w for w in re.split("[" + re.escape(ifs or " ") + "]+", value) if w]
            else:
                try:
                    words = shlex.split(value)
                except ValueError:
                    words = value.split()
            if words:
                return words + argv[1:]
        m = re.fullmatch(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?[-=]([^}]*)\}", first)
        if m and m.group(1):
            self.add("caution", "the command name is built at run time, so what runs cannot be checked")
            return [m.group(1)] + argv[1:]
        self.add("caution", "the command name is built at run time, so what runs cannot be checked")
        if stdin is not None and stdin.downloads:
            self.add("dangerous", "runs commands downloaded from the network")
        self.facts.add("runtime-command")
        return None

    def judge(self, cmd: Cmd) -> None:
        from .rules import RULES

        if cmd.argv[0] in self.downloaded or (cmd.name in SHELLS or runs_code(cmd.name) or cmd.name in (
                "source", ".")) and any(a in self.downloaded for a in cmd.argv[1:3]):
            self.add("dangerous", "downloads a program or script and runs it without showing it")
        if cmd.argv[0] in self.written:
            self.text(self.written[cmd.argv[0]], suffix=f" (in {cmd.argv[0]}, written just before)")
        elif local_program(cmd.argv[0], self.where):
            self.add("caution", f"runs the program {cmd.argv[0]}, a file whose contents are not shown here")
        rule = RULES.get(cmd.name)
        if rule is not None:
            rule(cmd)
        elif cmd.name not in KNOWN:
            self.unknown_program(cmd)
        flow.generic_checks(cmd)

    def unknown_program(self, cmd: Cmd) -> None:
        """A program we know nothing about that is given a command: if that command is dangerous, so is this."""
        from .rules import RULES

        for i, word in enumerate(cmd.argv[1:], start=1):
            if word.startswith("-"):
                continue
            head = word.split(None, 1)[0] if word.strip() else ""
            if program_name(head) not in RULES and not wrapper_for(program_name(head)):
                continue
            probe = Checker(self.where, Findings(), self.depth + 1, set(), dict(self.variables))
            probe.flat = self.flat
            if " " in word.strip():
                probe.text(word)
            else:
                probe.command(cmd.argv[i:], _shift(cmd.subs, i), cmd.stdin)
            if probe.findings.worst >= 2:
                self.add("caution", f"{cmd.name} is given a command to run ({word if ' ' in word else head})")
                for reason, rank in probe.findings.items.items():
                    self.add("dangerous" if rank == 2 else "caution", reason)
            return

    # --- redirections ---------------------------------------------------------------------------------------
    def check_writes(self, cmd: Cmd | None, writes: list[tuple[str, str]], content: Source) -> None:
        for op, target in writes:
            if target.isdigit() or target == "-":
                continue
            if content.downloads:
                self.downloaded.update({target, "./" + target.lstrip("./")})
            elif content.texts and not content.unknown:
                text = "\n".join(content.texts)
                for name in (target, "./" + target.lstrip("./")):
                    self.written[name] = (self.written.get(name, "") + "\n" + text) if op in (">>", "&>>") else text
            self.write(cmd, target, append=op in (">>", "&>>"), content=content, how="redirect", op=op)

    def write(self, cmd: Cmd | None, target: str, *, append: bool, content: Source | None = None,
              how: str = "writes", op: str = ">") -> None:
        """Judge writing to a file: devices, network, important files, system folders, disk fill."""
        content = content or Source(unknown=True)
        t = target.strip("'\"")
        name = cmd.name if cmd is not None else ""
        if t.startswith(("/dev/tcp/", "/dev/udp/")):
            host = "/".join(t.split("/")[3:5])
            self.facts.add("devtcp")
            if name in SHELLS or runs_code(name):
                self.add("dangerous", f"connects a shell to {host} over the network (a reverse shell)")
            elif content.secrets:
                self.add("dangerous", f"sends {content.secrets[0]} to {host}")
            elif content.env:
                self.add("dangerous", f"sends your environment variables (which often hold keys) to {host}")
            else:
                self.add("caution", f"opens a raw network connection to {host}")
            return
        if BLOCK_DEVICE.match(t):
            self.add("dangerous", f"writes straight onto the disk device {t}")
            return
        if t in ("/dev/mem", "/dev/kmem", "/dev/port"):
            self.add("dangerous", f"writes into the machine's memory ({t})")
            return
        if t.startswith(_QUIET_DEVICES) or t == "/dev/zero":
            return
        if content.infinite:
            self.add("dangerous", f"writes endlessly to {t} until the disk is full")
        info = important_file(t, self.where)
        shown = _shown(t)
        if content.texts and GIT_CONFIG_FILE.search(t):
            git_config_text(Cmd(argv=["git", "config"], name="git", check=self), "\n".join(content.texts))
        if info is not None:
            if append:
                self.add(info.append_level, f"adds to {shown}, {info.what}")
                if info.kind in ("startup", "autostart", "hook") and content.texts:
                    self.text("\n".join(content.texts), suffix=f" (added to {shown})")
                if content.downloads:
                    self.add("dangerous", f"adds downloaded text to {shown}, {info.what}")
            else:
                self.add(info.overwrite_level, f"overwrites {shown}, {info.what}")
                if info.kind in ("startup", "autostart", "hook") and content.texts:
                    self.text("\n".join(content.texts), suffix=f" (written to {shown})")
            return
        sysdir = system_path(t, self.where)
        if sysdir is not None:
            absolute = resolve(t, self.where) or t
            if binary_path(t, self.where):
                self.add("dangerous", f"overwrites the program {absolute}")
            elif append or soft_system_path(t, self.where) or t.endswith("/") or re.search(r"\.d/[^/]+$", absolute):
                self.add("caution", f"{'adds to' if append else 'writes'} the system file {absolute}")
            else:
                self.add("dangerous", f"overwrites a file in the system folder {sysdir} ({absolute})")
            return
        if append:
            return
        from .paths import critical_target

        critical = critical_target(t, self.where) if t.rstrip("/") in ("~", "$HOME", "${HOME}", "") else None
        if critical:
            self.add("dangerous", f"overwrites {critical}")
        elif how == "empties":
            self.add("caution", f"empties {t}")
        else:
            self.add("caution", f"overwrites {t} if it exists")

    # --- failure modes --------------------------------------------------------------------------------------
    def fallback(self, script: str) -> None:
        """bashlex could not parse: check the words shlex finds, and the text of every $(...) and backticks."""
        for body in substitution_bodies(script):
            self.text(body)
        groups = fallback_commands(script)
        names = []
        for words in groups:
            names.append(program_name(words[0]) if words else "")
            self.command(list(words), {}, None)
        if "|" in script:
            from .programs import DOWNLOADERS, INTERPRETERS

            for i, name in enumerate(names):
                if name in DOWNLOADERS and any(n in INTERPRETERS for n in names[i + 1:]):
                    self.add("dangerous", "downloads a script and pipes it straight into a shell or interpreter")

    def flat_scan(self, script: str) -> None:
        """Too deep to follow: drop all quoting and check every known program's words where they appear."""
        from .rules import RULES

        flat = re.sub(r"[\\'\"`]", " ", script)
        flat = re.sub(r"\$\(", " ; ", flat)
        probe = Checker(self.where, self.findings, MAX_DEPTH, self.facts, dict(self.variables))
        probe.flat = True
        names: list[str] = []
        for words in fallback_commands(flat):
            for i, word in enumerate(words):
                name = program_name(word)
                names.append(name)
                if name in RULES and name not in SHELLS and name not in ("eval", "exec", "source", "."):
                    probe.command(words[i:], {}, None)
                    break
        from .programs import DOWNLOADERS, INTERPRETERS

        if "|" in flat and any(n in DOWNLOADERS for n in names):
            first = next(k for k, n in enumerate(names) if n in DOWNLOADERS)
            if any(n in SHELLS or n in INTERPRETERS for n in names[first + 1:]):
                self.add("dangerous", "downloads a script and pipes it into a shell or interpreter")

    def _record(self, name: str, reads_stdin_script: bool) -> None:
        if self._pipes:
            self._pipes[-1].append((name, reads_stdin_script))


#: Programs a project installs for itself (virtual environments, node_modules): tools, not unseen scripts.
_INSTALLED = re.compile(r"(^|/)(\.?venv[^/]*|env|\.tox/[^/]+|\.nox/[^/]+|\.pixi/envs/[^/]+)/bin/[^/]+$|"
                        r"(^|/)node_modules/\.bin/[^/]+$")


def local_program(word: str, where: Where) -> bool:
    """``./x.sh``, ``scripts/run``, ``~/bin/x``, ``/tmp/x``: a program named by a path outside the system folders,
    so what it does is in a file the check does not see (``/usr/bin/x`` and ``.venv/bin/x`` are installed tools)."""
    w = word.strip("'\"")
    if "/" not in w or _INSTALLED.search(w) or w.startswith(("/dev/tcp/", "/dev/udp/")):
        return False
    return system_path(w, where) is None or w.startswith(("/tmp/", "/var/tmp/", "/dev/shm/"))


def _shift(subs: dict[int, list[Source]], k: int) -> dict[int, list[Source]]:
    return {i - k: v for i, v in subs.items() if i - k >= 0} if subs and k else subs


def _shown(path: str) -> str:
    return path if len(path) < 60 else "..." + path[-57:]


def new_checker(cwd: str | None, home: str) -> Checker:
    folder = normpath(cwd) if cwd else None
    return Checker(Where(folder, home, folder))
