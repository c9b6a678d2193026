"""Programs that run another command: where their own options end and the inner command starts.

One :class:`Wrapper` entry per program in :data:`WRAPPERS`. The walker strips wrappers one after another
(``sudo timeout 5 nice -n 5 env X=1 rm -rf /`` -> ``rm -rf /``) and judges what is left, so a wrapper needs no
rule of its own: list which of its options take a value, how many plain words come before the inner command,
and whether the inner command is a word list (``argv``), one shell text (``text``: ``ssh host CMD``, ``watch``)
or only given through an option (``none``: ``su -c CMD``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable


#: What env (and sudo) take as a setting: any NAME=VALUE whose name is not an option, including names a shell
#: assignment cannot have (``BASH_FUNC_ls%%=() { ...; }`` defines a function for the bash it starts)
_ENV_SETTING = re.compile(r"^[^=\s-][^=\s]*=")
from .parse import quote_word


def _s(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class Unwrapped:
    """The inner command of a wrapper: a word list, shell texts, or both; plus what the wrapper adds."""

    argv: list[str] | None
    texts: list[str] = field(default_factory=list)
    fed: bool = False
    notes: list[tuple[str, str]] = field(default_factory=list)
    #: appended to every reason about the inner command (e.g. " on the remote machine web1")
    suffix: str = ""
    #: NAME=value settings the wrapper puts in the inner command's environment (``env LD_PRELOAD=x ls``)
    assignments: list[str] = field(default_factory=list)
    #: files the wrapper reads into the inner command's arguments (``xargs -a FILE``), as ``cat`` would read them
    reads: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Wrapper:
    #: options that take a separate value (``-u root``); ``--opt=value`` and ``-uroot`` are understood anyway
    value: frozenset[str] = frozenset()
    #: plain words before the inner command (timeout's DURATION, flock's FILE, chroot's DIR)
    positionals: int = 0
    #: options whose value is a shell text that gets run (``su -c TEXT``)
    text_opts: frozenset[str] = frozenset()
    #: options whose value is a NAME=value setting for the inner command (``systemd-run --setenv``)
    env_opts: frozenset[str] = frozenset()
    #: "argv": the rest is a command; "text": the rest, joined, is shell text; "none": only text_opts run
    inner: str = "argv"
    #: options after which nothing runs (``command -v``)
    lookup: frozenset[str] = frozenset()
    #: NAME=value words are allowed among the options (env)
    assignments: bool = False
    #: the wrapper appends arguments of its own (xargs, parallel)
    fed: bool = False
    #: the first plain word must be one of these for the wrapper to apply (``poetry run``)
    subcommand: frozenset[str] = frozenset()
    #: with no inner command, the wrapper starts a shell that reads stdin (su, ssh host, chroot DIR)
    shell_by_default: bool = False
    #: a finding about the wrapper itself, e.g. ("caution", "runs as root (sudo)")
    note: tuple[str, str] | None = None
    #: options that add a finding when present, e.g. {"--on-calendar": ("caution", "...")}
    option_notes: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: options after which the inner command starts (``xterm -e CMD``)
    start_after: frozenset[str] = frozenset()
    #: a function for wrappers the fields cannot describe; gets argv, returns Unwrapped or None (not wrapping)
    custom: Callable[[list[str]], Unwrapped | None] | None = None

    def split(self, argv: list[str]) -> Unwrapped | None:
        if self.custom is not None:
            return self.custom(argv)
        return generic_split(self, argv)


def generic_split(w: Wrapper, argv: list[str]) -> Unwrapped | None:
    i, n, left = 1, len(argv), w.positionals
    texts: list[str] = []
    notes: list[tuple[str, str]] = [w.note] if w.note else []
    plain: list[str] = []
    settings: list[str] = []
    while i < n:
        word = argv[i]
        if word == "--" or word in w.start_after:
            i += 1
            break
        if w.assignments and _ENV_SETTING.match(word):
            settings.append(word)
            i += 1
            continue
        name = word.split("=", 1)[0]
        if name in w.env_opts:
            value = word.split("=", 1)[1] if "=" in word else (argv[i + 1] if i + 1 < n else "")
            settings.append(value)
            i += 1 if "=" in word else 2
            continue
        if word.startswith("-") and len(word) > 1 and not (left == 0 and plain and not w.text_opts):
            if word.split("=", 1)[0] in w.lookup or word in w.lookup:
                return Unwrapped(argv=None, notes=notes)
            for opt, note in w.option_notes.items():
                if word == opt or word.startswith(opt + "="):
                    notes.append(note)
            if word.startswith("--"):
                name, eq, val = word.partition("=")
                takes = name in w.value or name in w.text_opts
                value = val if eq else (argv[i + 1] if takes and i + 1 < n else "")
                if name in w.text_opts:
                    texts.append(value)
                i += 1 if (eq or not takes) else 2
                continue
            j, skip_next = 1, False
            while j < len(word):
                opt = "-" + word[j]
                if opt in w.text_opts or opt in w.value:
                    attached = word[j + 1:]
                    if opt in w.text_opts:
                        texts.append(attached if attached else (argv[i + 1] if i + 1 < n else ""))
                    skip_next = not attached
                    break
                j += 1
            i += 2 if skip_next else 1
            continue
        if left > 0:
            left -= 1
            plain.append(word)
            i += 1
            continue
        break
    if w.subcommand and (not plain or plain[0] not in w.subcommand):
        return None
    inner = argv[i:]
    if w.inner == "text":
        if inner:
            texts.append(" ".join(inner))
        inner = []
    elif w.inner == "none":
        inner = []
    elif len(inner) == 1 and re.search(r"\s", inner[0]):
        texts.append(inner[0])  # "sudo 'rm -rf /'" fails in a real shell, but a wrapper may run it through one
        inner = []
    if not inner and not texts and w.shell_by_default:
        inner = ["sh"]
    return Unwrapped(argv=inner or None, texts=texts, fed=w.fed, notes=notes,
                     assignments=[a for a in settings if _ENV_SETTING.match(a)])


# --- wrappers the fields cannot describe --------------------------------------------------------------------

_SSH_VALUE = _s("-B -b -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w")
_SSH_CODE_OPTIONS = ("proxycommand", "localcommand", "knownhostscommand")


def ssh_option_texts(value: str) -> list[tuple[str, str]]:
    """(option, command) for ssh ``-o`` values that run a local command."""
    key, _, rest = value.partition("=") if "=" in value.split(" ", 1)[0] else value.partition(" ")
    if key.strip().lower() in _SSH_CODE_OPTIONS:
        return [(key.strip(), rest.strip())]
    return []


#: Services that publish whatever ``ssh -R`` forwards to them on the public internet.
_PUBLIC_TUNNELS = re.compile(r"(^|[@.])(serveo\.net|localhost\.run|pinggy\.io|localtunnel\.me|ssh\.localhost\.run)$")


def _ssh_exposure(forwards: list[tuple[str, str]], gateway: bool, host: str) -> list[tuple[str, str]]:
    """Port forwards that listen on every network interface (``-L 0.0.0.0:80:...``, ``-g``) or on a public
    tunnel service: anyone who can reach that port reaches what is behind it (a notebook server, say)."""
    notes = []
    for opt, value in forwards:
        parts = value.split(":")
        bind = parts[0] if len(parts) == (2 if opt == "-D" else 4) else None
        if opt == "-R" and _PUBLIC_TUNNELS.search(host):
            notes.append(("dangerous", f"puts a local service on the public internet through {host} (ssh -R)"))
        elif (bind is not None and bind in ("0.0.0.0", "*", "", "::", "[::]")) or (gateway and opt != "-R"):
            where = "the remote machine's" if opt == "-R" else "this machine's"
            notes.append(("dangerous", f"opens a port on every one of {where} network interfaces (ssh {opt} "
                                       f"{value}), so anyone who can reach it gets through"))
    return notes


def _ssh(argv: list[str]) -> Unwrapped | None:
    i, n = 1, len(argv)
    texts: list[str] = []
    notes: list[tuple[str, str]] = []
    forwards: list[tuple[str, str]] = []
    gateway = False
    host = None
    while i < n:
        word = argv[i]
        if word == "--":
            i += 1
            continue
        if word.startswith("-") and len(word) > 1 and host is None:
            # a bundle of flags (-gNf), the last of which may take a value attached or in the next word (-gL 80:..)
            letters = word[1:]
            cut = next((k for k, c in enumerate(letters) if "-" + c in _SSH_VALUE), len(letters))
            gateway = gateway or "g" in letters[:cut]
            if cut == len(letters):
                i += 1
                continue
            opt, attached = "-" + letters[cut], letters[cut + 1:]
            value = attached or (argv[i + 1] if i + 1 < n else "")
            if opt == "-o":
                gateway = gateway or bool(re.fullmatch(r"(?i)gatewayports[= ]\s*(yes|clientspecified)", value.strip()))
                for _key, text in ssh_option_texts(value):
                    texts.append(text)
                    notes.append(("caution", "runs a local command through an ssh option (ProxyCommand/LocalCommand)"))
            if opt == "-R":
                notes.append(("caution", "opens a tunnel from the remote machine back into this one (ssh -R)"))
            if opt in ("-L", "-D", "-R"):
                forwards.append((opt, value))
            i += 1 if attached else 2
            continue
        if host is None:
            host = word
            i += 1
            break
        break
    notes += _ssh_exposure(forwards, gateway, host or "")
    if host is None:
        return Unwrapped(argv=None, texts=texts, notes=notes)
    remote = argv[i:]
    suffix = f" on the remote machine {host}"
    if remote:
        return Unwrapped(argv=["sh", "-c", " ".join(remote)], texts=texts, notes=notes, suffix=suffix)
    return Unwrapped(argv=["sh"], texts=texts, notes=notes, suffix=suffix)


_SU_VALUE = _s("-s --shell -g --group -G --supp-group -w --whitelist-environment")
_SU_TEXT = _s("-c --command --session-command")


def _su(argv: list[str], name: str) -> Unwrapped | None:
    """``su [-] [user] [-c TEXT]``; ``runuser -u USER -- CMD``; options may come after the user."""
    texts: list[str] = []
    i, n = 1, len(argv)
    user_form = False
    while i < n:
        word = argv[i]
        if word in ("-u", "--user") and name == "runuser":
            user_form = True
            i += 2
            continue
        if word == "--":
            if user_form:
                return Unwrapped(argv=argv[i + 1:] or ["sh"], notes=[("caution", f"runs as another user ({name})")])
            i += 1
            continue
        opt, eq, val = word.partition("=")
        if opt in _SU_TEXT:
            texts.append(val if eq else (argv[i + 1] if i + 1 < n else ""))
            i += 1 if eq else 2
            continue
        if word.startswith("-c") and len(word) > 2:
            texts.append(word[2:])
        elif opt in _SU_VALUE and not eq:
            i += 1
        elif user_form and not word.startswith("-"):
            return Unwrapped(argv=argv[i:], notes=[("caution", f"runs as another user ({name})")])
        i += 1
    return Unwrapped(argv=None if texts else ["sh"], texts=texts, notes=[("caution", f"runs as another user ({name})")])


def _sg(argv: list[str]) -> Unwrapped | None:
    """``sg GROUP [-c] COMMAND-TEXT``."""
    words = [w for w in argv[1:] if w != "-"]
    if not words:
        return None
    rest = words[1:]
    if rest[:1] == ["-c"]:
        rest = rest[1:]
    return Unwrapped(argv=None if rest else ["sh"], texts=[" ".join(rest)] if rest else [],
                     notes=[("caution", "runs with another group's rights (sg)")])


def _watch(argv: list[str]) -> Unwrapped | None:
    """watch joins its arguments and runs them with ``sh -c`` (or as argv with ``-x``)."""
    w = Wrapper(value=_s("-n --interval -q --equexit -s --shotsfile"), inner="argv")
    out = generic_split(w, argv)
    if out is None or out.argv is None:
        return out
    if "-x" in argv or "--exec" in argv:
        return out
    return Unwrapped(argv=None, texts=out.texts + [" ".join(out.argv)])


_XARGS = Wrapper(value=_s("-I -n -P -L -s -d -E -a --max-args --max-procs --delimiter --arg-file --replace --eof "
                           "--max-lines --max-chars --process-slot-var"), fed=True)


def _values(argv: list[str], short: str, long: str) -> list[str]:
    """Values of an option written ``-a X``, ``-aX``, ``--arg-file X`` or ``--arg-file=X``."""
    out = []
    for i, word in enumerate(argv):
        if word in (short, long) and i + 1 < len(argv):
            out.append(argv[i + 1])
        elif word.startswith(long + "="):
            out.append(word.split("=", 1)[1])
        elif word.startswith(short) and len(word) > len(short) and not word.startswith("--"):
            out.append(word[len(short):])
    return out


def _xargs(argv: list[str]) -> Unwrapped | None:
    """xargs appends what it reads to the command; with ``-I X`` it puts it in place of X. When X *is* the program
    (``xargs -I{} {}``), what runs comes from the input and cannot be checked."""
    out = generic_split(_XARGS, argv)
    if out is None or not out.argv:
        return out
    out = replace(out, reads=_values(argv, "-a", "--arg-file"))
    marks = [argv[i + 1] for i, word in enumerate(argv[:-1]) if word in ("-I", "--replace")]
    marks += [word[2:] for word in argv if word.startswith("-I") and len(word) > 2]
    marks += [word.split("=", 1)[1] for word in argv if word.startswith("--replace=")]
    marks += ["{}"] if "-i" in argv else []
    if any(m and m in out.argv[0] for m in marks):
        return Unwrapped(argv=None, reads=out.reads, notes=out.notes + [
            ("caution", "the program to run comes from what xargs reads, so it cannot be checked")])
    return out


_PARALLEL = Wrapper(value=_s("-j --jobs -S --sshlogin -a --arg-file --colsep -I --results --joblog --delay --timeout "
                             "-N -n --tmpdir --workdir --env --halt --retries --sshloginfile --basefile --return -d "
                             "--delimiter -E --eta-file --memfree --load"), fed=True)
_PARALLEL_SEPARATORS = ("::::+", "::::", ":::+", ":::")
_PARALLEL_MARK = re.compile(r"\{(\d*|\.|/|//|/\.|#|%)\}")


def _parallel(argv: list[str]) -> Unwrapped | None:
    """GNU parallel runs its command template once per input, through a shell. With no template, every input
    *is* a command (``parallel ::: 'rm -rf ~'``, ``cat cmds | parallel``). Inputs written after ``:::`` are known,
    so each command is built and checked; inputs from a file or a pipe are not."""
    cut = next((k for k, word in enumerate(argv) if word in _PARALLEL_SEPARATORS), len(argv))
    head = generic_split(_PARALLEL, argv[:cut])
    if head is None:
        return None
    template = head.argv or []
    literal = [w for k, w in enumerate(argv[cut:], start=cut)
               if w not in _PARALLEL_SEPARATORS and _group(argv, k) in (":::", ":::+")]
    unknown_inputs = cut == len(argv) or any(w in ("::::", "::::+") for w in argv[cut:])
    texts = list(head.texts)
    notes = list(head.notes)
    if not template:
        texts += literal
        if unknown_inputs:
            return Unwrapped(argv=["sh"], texts=texts, notes=notes + [
                ("caution", "runs each line of its input as a command (parallel), which cannot be checked")])
        return Unwrapped(argv=None, texts=texts, notes=notes)
    line = " ".join(template)
    for value in literal[:MAX_FED]:
        quoted = value if _PARALLEL_MARK.search(template[0]) else quote_word(value)  # {} as the program: a command
        texts.append(_PARALLEL_MARK.sub(lambda _m: quoted, line) if _PARALLEL_MARK.search(line)
                     else f"{line} {quoted}")
    if _PARALLEL_MARK.search(template[0]) and unknown_inputs:
        notes.append(("caution", "the program to run comes from what parallel reads, so it cannot be checked"))
        return Unwrapped(argv=None, texts=texts, notes=notes)
    return Unwrapped(argv=template, texts=texts, fed=True, notes=notes)


#: At most this many commands built from parallel's inputs are checked (a cost bound).
MAX_FED = 32


def _group(argv: list[str], k: int) -> str:
    """The ``:::``-like separator that the input word at index ``k`` belongs to."""
    return next((argv[j] for j in range(k, -1, -1) if argv[j] in _PARALLEL_SEPARATORS), "")


def _start_stop_daemon(argv: list[str]) -> Unwrapped | None:
    """``start-stop-daemon -S -x PROGRAM -- ARGS``: runs PROGRAM with ARGS as a background service."""
    w = Wrapper(value=_s("-x --exec -a --startas -n --name -p --pidfile -u --user -c --chuid -r --chroot -d --chdir "
                         "-N --nicelevel -P --procsched -I --iosched -k --umask -s --signal -R --retry -g --group "
                         "--output"))
    if not any(a in ("-S", "--start") for a in argv):
        return Unwrapped(argv=None)
    out = generic_split(w, argv)
    program = [argv[i + 1] for i, word in enumerate(argv[:-1]) if word in ("-x", "--exec", "-a", "--startas")]
    program += [word.split("=", 1)[1] for word in argv if word.startswith(("--exec=", "--startas="))]
    if not program:
        return Unwrapped(argv=None)
    args = argv[argv.index("--") + 1:] if "--" in argv else []
    notes = (out.notes if out else []) + [("caution", "starts a program as a background service (start-stop-daemon)")]
    return Unwrapped(argv=[program[-1]] + args, notes=notes)


_HYPERFINE_VALUE = _s("-w --warmup -m --min-runs -M --max-runs -r --runs -S --shell -n --command-name --style --sort "
                      "--time-unit -u --output --input -D --parameter-step-size --export-asciidoc --export-csv "
                      "--export-json --export-markdown --export-orgmode")
_HYPERFINE_TEXT = _s("-p --prepare -s --setup -c --cleanup --conclude --reference")


def _hyperfine(argv: list[str]) -> Unwrapped | None:
    """Every plain word is a shell command hyperfine runs (many times), and so are its setup, prepare, cleanup
    and reference texts. Parameter values (``-L name a,b``) are put into ``{name}`` as hyperfine does; a shell
    of its own (``--shell``) and files it writes are noted (the check reads bash and cannot see those files'
    use)."""
    texts: list[str] = []
    notes: list[tuple[str, str]] = []
    params: dict[str, list[str]] = {}
    i = 1
    while i < len(argv):
        word = argv[i]
        name, eq, value = word.partition("=")
        if word == "--":
            texts += argv[i + 1:]
            break
        if name in _HYPERFINE_TEXT:
            texts.append(value if eq else (argv[i + 1] if i + 1 < len(argv) else ""))
            i += 1 if eq else 2
        elif name in ("-L", "--parameter-list", "-P", "--parameter-scan"):
            if name in ("-L", "--parameter-list") and i + 2 < len(argv):
                params[argv[i + 1]] = argv[i + 2].split(",")
            elif i + 1 < len(argv):
                notes.append(("caution", "runs commands with numbers put into them (hyperfine -P)"))
            i += 3 if name in ("-L", "--parameter-list") else 4
        elif name in _HYPERFINE_VALUE:
            value = value if eq else (argv[i + 1] if i + 1 < len(argv) else "")
            if name in ("-S", "--shell") and value not in ("none", "bash", "/bin/bash", "/usr/bin/bash"):
                notes.append(("caution", f"runs every command with {value or 'another shell'} (hyperfine --shell)"))
                texts.append(value)
            if (name.startswith("--export") or name == "--output") and value not in ("null", "pipe", "inherit"):
                texts.append(f": > {quote_word(value)}")
            i += 1 if eq else 2
        else:
            if not word.startswith("-"):
                texts.append(word)
            i += 1
    for name, values in params.items():  # every value in its place: {cmd} with 'rm -rf ~'
        key = "{" + name + "}"
        texts = [t.replace(key, v) for t in texts for v in (values if key in t else [""])]
    return Unwrapped(argv=None, texts=texts, notes=notes)


def _version_manager(argv: list[str]) -> Unwrapped | None:
    """``mise [-C DIR] exec|x [TOOL@VERSION...] -- CMD`` or ``-c TEXT``; nothing runs through other
    subcommands here."""
    words = [w for i, w in enumerate(argv[1:], start=1)
             if not w.startswith("-") and argv[i - 1] not in ("-C", "--cd", "-E", "--env", "-j", "--jobs")]
    if words[:1] not in (["exec"], ["x"]):
        return None
    texts = _values(argv, "-c", "--command")
    inner = argv[argv.index("--") + 1:] if "--" in argv else []
    return Unwrapped(argv=inner or None, texts=texts)


def _vagrant(argv: list[str]) -> Unwrapped | None:
    """``vagrant ssh|winrm|powershell [NAME] -c TEXT`` runs the text on the virtual machine; ``vagrant ssh``
    without one starts a shell there that reads standard input."""
    if argv[1:2] not in (["ssh"], ["winrm"], ["powershell"]):
        return None
    texts = _values(argv, "-c", "--command")
    if "--" in argv and argv[argv.index("--") + 1:]:  # vagrant ssh NAME -- CMD: the rest runs there
        texts.append(" ".join(argv[argv.index("--") + 1:]))
    return Unwrapped(argv=None if texts or argv[1] != "ssh" else ["sh"], texts=texts,
                     suffix=" (on the vagrant machine)")


_LLDB_TEXT = ("-o", "--one-line", "-O", "--one-line-before-file", "-k", "--one-line-on-crash")
_LLDB_FILES = ("-s", "--source", "-S", "--source-before-file", "-K", "--source-on-crash")
#: lldb commands that only look at a program or steer it (abbreviations included): anything else is not checked
_LLDB_READS = re.compile(r"(bt|thread|frame|fr|(?:breakpoint|br|b|watchpoint|wa)(?!\s+com)|image|im|register|re|"
                         r"(?:memory\s+read|me\s+r|x)(?!.*\s(?:-o|--outfile)\b)|disassemble|di|quit|q|exit|"
                         r"continue|c|next|n|step|s|si|ni|finish|fin|target\s+create|file|version|help|up|down|"
                         r"list|l|source\s+list|kill)(\s|$)")
_LLDB_SHELL = re.compile(r"(?:pla\w*\s+)?sh\w*(?:\s+-[hstT]?\s*\S+)*?\s+(?:--\s+)?(.*)", re.S)
_LLDB_LAUNCH = re.compile(r"(r|ru|run|pro\w*\s+la\w*)(\s+.*)?$", re.S)


def _lldb(argv: list[str]) -> Unwrapped | None:
    """lldb commands (``-o``): ``platform shell CMD`` (``pla sh``, ``shell``) runs CMD; ``run`` and ``process
    launch`` start the program (after ``--``, or the first operand) with the line's own arguments. Commands not
    known to only inspect (``script`` runs Python, ``expr`` runs code in the program, ``command alias``
    renames) and command files make it at least caution: nothing here follows them."""
    texts: list[str] = []
    notes: list[tuple[str, str]] = []
    launches: list[str] = []
    operands: list[str] = []
    i = 1
    while i < len(argv):
        word = argv[i]
        name, eq, value = word.partition("=")
        if word == "--":
            operands = argv[i + 1:]
            break
        if name in _LLDB_TEXT or name in _LLDB_FILES:
            line = value if eq else (argv[i + 1] if i + 1 < len(argv) else "")
            i += 1 if eq else 2
            if name in _LLDB_FILES:
                notes.append(("caution", f"runs the lldb commands in {line}, which are not checked here"))
                continue
            line = line.strip()
            shell = _LLDB_SHELL.fullmatch(line)
            launch = _LLDB_LAUNCH.fullmatch(line)
            if shell and shell.group(1).strip():
                rest = shell.group(1)
                if re.search(r"(^|\s)--(\s|$)", rest):
                    rest = re.split(r"(?:^|\s)--(?:\s|$)", rest, maxsplit=1)[1]
                else:
                    rest = re.sub(r"^(?:-[a-zA-Z]\s+\S+\s+)+", "", rest)
                texts.append(rest)
            elif launch:
                launches.append((launch.group(2) or "").strip())
            elif not _LLDB_READS.match(line):
                notes.append(("caution", f"runs the lldb command {line.split()[0] if line else line!r}, which is "
                                         "not checked here"))
            continue
        if not word.startswith("-") and not operands:
            operands = [word]
        i += 1
    if launches and operands:
        program = operands if "--" in argv else operands[:1]
        for extra in launches:
            extra = re.sub(r"^(?:-\S+\s+)*--\s*", "", extra) if "--" in extra else extra
            texts.append(" ".join([quote_word(w) for w in program] + ([extra] if extra else [])))
    return Unwrapped(argv=None, texts=texts, notes=notes)


def _fd(argv: list[str]) -> Unwrapped | None:
    """``fd PATTERN -x CMD...`` / ``-X CMD...`` (``--exec``, ``--exec-batch``) runs CMD on what it finds; the
    command ends at a ``;`` word."""
    for i, word in enumerate(argv[1:], start=1):
        name, eq, value = word.partition("=")
        if name in ("-x", "--exec", "-X", "--exec-batch"):
            inner = ([value] if eq else []) + argv[i + 1:]
            inner = inner[:inner.index(";")] if ";" in inner else inner
            return Unwrapped(argv=inner or None, fed=True)
    return None


_PERF_RUNS = {"stat", "record", "trace", "ftrace"}
_PERF = Wrapper(text_opts=_s("--pre --post"),
                value=_s("-e --event -p --pid -t --tid -o --output -r --repeat -C --cpu -x --field-separator -G "
                         "--cgroup -I --interval-print -F --freq -c --count -u --uid -m --mmap-pages --filter -D "
                         "--delay --call-graph -b --branch-filter -j --control --duration --switch-output -T"))


def _perf(argv: list[str]) -> Unwrapped | None:
    """``perf stat|record|trace|ftrace CMD``, also under another word (``perf sched record CMD``,
    ``perf kvm stat record CMD``): perf runs the command it measures."""
    found = [i for i, word in enumerate(argv[1:4], start=1) if word in _PERF_RUNS]
    if not found:
        return None
    inner = generic_split(_PERF, [argv[0]] + argv[found[-1] + 1:])
    written = [f": > {quote_word(v)}" for v in _values(argv, "-o", "--output")]  # perf trace -o ~/.bashrc
    return replace(inner, texts=inner.texts + written) if inner is not None else None


_ROOT = ("caution", "runs as root ({})")


def _root(name: str) -> tuple[str, str]:
    return (_ROOT[0], _ROOT[1].format(name))


_SCHEDULE = ("caution", "schedules a command to run later, unattended")

#: program -> how to find the command it runs. Add a wrapper here; no rule is needed for it.
WRAPPERS: dict[str, Wrapper] = {
    "sudo": Wrapper(value=_s("-u -g -h -p -C -D -r -t -U -T --user --group --host --prompt --chdir --role --type "
                             "--close-from --other-user --command-timeout"),
                    lookup=_s("-l --list -v --validate -k --reset-timestamp -K --remove-timestamp -V --version"),
                    note=_root("sudo"), shell_by_default=True),
    "doas": Wrapper(value=_s("-u -C"), note=_root("doas"), shell_by_default=True),
    "pkexec": Wrapper(value=_s("--user"), note=_root("pkexec"), shell_by_default=True),
    "su": Wrapper(custom=lambda a: _su(a, "su")),
    "runuser": Wrapper(custom=lambda a: _su(a, "runuser")),
    "sg": Wrapper(custom=_sg),
    "gosu": Wrapper(positionals=1, note=("caution", "runs as another user (gosu)")),
    "su-exec": Wrapper(positionals=1, note=("caution", "runs as another user (su-exec)")),
    "setpriv": Wrapper(value=_s("--reuid --regid --groups --inh-caps --ambient-caps --bounding-set")),
    "nice": Wrapper(value=_s("-n --adjustment")),
    "ionice": Wrapper(value=_s("-c -n -p -P -u -t --class --classdata --pid --pgid --uid")),
    "chrt": Wrapper(positionals=1, value=_s("-T -P -D --sched-runtime --sched-period --sched-deadline"),
                    lookup=_s("-p --pid -m --max")),
    "taskset": Wrapper(positionals=1, lookup=_s("-p --pid")),
    "numactl": Wrapper(value=_s("-C -N -m -p -i --cpunodebind --membind --preferred --interleave --physcpubind")),
    "prlimit": Wrapper(value=_s("-p --pid")),
    "cgexec": Wrapper(value=_s("-g")),
    "timeout": Wrapper(value=_s("-s -k --signal --kill-after"), positionals=1),
    "env": Wrapper(value=_s("-u -C --unset --chdir -a --argv0"), text_opts=_s("-S --split-string"),
                   assignments=True),
    "stdbuf": Wrapper(value=_s("-i -o -e --input --output --error")),
    "xargs": Wrapper(custom=_xargs),
    "parallel": Wrapper(custom=_parallel),
    "start-stop-daemon": Wrapper(custom=_start_stop_daemon),
    "time": Wrapper(value=_s("-f -o --format --output")),
    "watch": Wrapper(custom=_watch),
    "nohup": Wrapper(),
    "setsid": Wrapper(),
    "disown": Wrapper(),
    "exec": Wrapper(value=_s("-a")),
    "command": Wrapper(lookup=_s("-v -V")),
    "builtin": Wrapper(),
    "caffeinate": Wrapper(value=_s("-t -w")),
    "chronic": Wrapper(),
    "unbuffer": Wrapper(),
    "eatmydata": Wrapper(),
    "nocache": Wrapper(),
    "fakeroot": Wrapper(value=_s("-l --lib --faked -s -i")),
    "flock": Wrapper(value=_s("-w --wait --timeout -E --conflict-exit-code"), positionals=1,
                     text_opts=_s("-c --command")),
    "chroot": Wrapper(value=_s("--userspec --groups"), positionals=1, shell_by_default=True,
                      note=("caution", "runs a command inside another root folder (chroot)")),
    "systemd-run": Wrapper(
        value=_s("-u --unit -p --property -E --setenv --uid --gid -M --machine -H --host --slice --description "
                 "--on-active --on-boot --on-startup --on-unit-active --on-unit-inactive --on-calendar "
                 "--path-property --socket-property --timer-property --service-type --nice --working-directory "
                 "--capsule"),
        env_opts=_s("-E --setenv"),
        option_notes={o: _SCHEDULE for o in ("--on-active", "--on-boot", "--on-startup", "--on-calendar",
                                             "--on-unit-active", "--on-unit-inactive")}
        | {"--remain-after-exit": ("caution", "starts a background service (systemd-run)")},
        note=("caution", "starts the command as a system service (systemd-run)")),
    "strace": Wrapper(value=_s("-o -e -p -s -u -E -a -b -I -O -S -X -P --trace --signal --status --output --attach "
                               "--string-limit --user --env --columns --detach-on --interruptible --overhead "
                               "--summary-sort-by --const-print-style --trace-path --decode-pids --inject --fault "
                               "--quiet --silence --abbrev --verbose --raw --read --write --kvm --stack-traces")),
    "ltrace": Wrapper(value=_s("-o -e -p -s -u -n -a -l -x -F -w -A -D")),
    "valgrind": Wrapper(),
    "firejail": Wrapper(),
    "bwrap": Wrapper(value=_s("--bind --ro-bind --dev-bind --tmpfs --proc --dev --chdir --setenv --unsetenv "
                              "--symlink --dir --file --uid --gid --hostname --seccomp --lock-file")),
    "nsenter": Wrapper(value=_s("-t --target -S -G --setuid --setgid"),
                       note=("caution", "runs a command inside another process's namespaces (nsenter)")),
    "unshare": Wrapper(value=_s("--map-user --map-group -S -G --setuid --setgid --propagation --setgroups")),
    "busybox": Wrapper(),
    "toybox": Wrapper(),
    "script": Wrapper(value=_s("-E --echo -O --log-out -I --log-in -B --log-io -T --log-timing -m "
                               "--logging-format"), text_opts=_s("-c --command"), inner="none",
                      shell_by_default=True),
    "ssh": Wrapper(custom=_ssh),
    "screen": Wrapper(value=_s("-S -c -e -h -p -t -T -X -s -L -Logfile")),
    "xvfb-run": Wrapper(value=_s("-n --server-num -s --server-args -f --auth-file -e --error-file -p "
                                 "--xauth-protocol -w --wait")),
    "proxychains": Wrapper(value=_s("-f")),
    "proxychains4": Wrapper(value=_s("-f")),
    "torsocks": Wrapper(value=_s("-u -p -a -P")),
    "tsocks": Wrapper(),
    "dbus-launch": Wrapper(),
    "dbus-run-session": Wrapper(),
    "catchsegv": Wrapper(),
    "xterm": Wrapper(value=_s("-T -title -geometry -fa -fs -bg -fg"), lookup=_s("-version -help"),
                     start_after=_s("-e -x --command")),
    "gnome-terminal": Wrapper(value=_s("--title --working-directory --profile"), start_after=_s("-e -x")),
    "at-spi-bus-launcher": Wrapper(),
    "doppler": Wrapper(positionals=1, subcommand=_s("run")),
    "poetry": Wrapper(positionals=1, subcommand=_s("run"), value=_s("-C --directory -P --project")),
    "pipenv": Wrapper(positionals=1, subcommand=_s("run")),
    "pdm": Wrapper(positionals=1, subcommand=_s("run")),
    "hatch": Wrapper(positionals=1, subcommand=_s("run"), value=_s("-e --env -p --project --data-dir --cache-dir")),
    "rye": Wrapper(positionals=1, subcommand=_s("run")),
    "uv": Wrapper(positionals=1, subcommand=_s("run"), value=_s("--with --python -p --project --directory")),
    "conda": Wrapper(positionals=1, subcommand=_s("run"), value=_s("-n --name -p --prefix --cwd")),
    "mamba": Wrapper(positionals=1, subcommand=_s("run"), value=_s("-n --name -p --prefix --cwd")),
    "micromamba": Wrapper(positionals=1, subcommand=_s("run"), value=_s("-n --name -p --prefix --cwd")),
    "bundle": Wrapper(positionals=1, subcommand=_s("exec")),
    "direnv": Wrapper(positionals=2, subcommand=_s("exec")),
    "aws-vault": Wrapper(positionals=2, subcommand=_s("exec"), value=_s("--region --duration -d")),
    "op": Wrapper(positionals=1, subcommand=_s("run"), value=_s("--env-file")),
    "dotenv": Wrapper(value=_s("-e -v -c -f")),
    "nix-shell": Wrapper(value=_s("-p -A --arg --argstr -I"), text_opts=_s("--run --command"), inner="none"),
    "perf": Wrapper(custom=_perf),
    "fd": Wrapper(custom=_fd), "fdfind": Wrapper(custom=_fd),
    "hyperfine": Wrapper(custom=_hyperfine),
    "mise": Wrapper(custom=_version_manager),
    **{name: Wrapper(positionals=1, subcommand=_s("exec"))
       for name in ("asdf", "pyenv", "rbenv", "nodenv", "goenv", "jenv", "plenv", "phpenv")},
    "yarn": Wrapper(positionals=1, subcommand=_s("exec"), value=_s("--cwd")),
    "pnpm": Wrapper(positionals=1, subcommand=_s("exec"),
                    value=_s("-C --dir --filter -F --workspace-dir --reporter --loglevel")),
    "vagrant": Wrapper(custom=_vagrant),
    "lldb": Wrapper(custom=_lldb),
}
#: Versioned or vendor names of the same wrapper.
WRAPPER_ALIASES = {"sudo.ws": "sudo", "run0": "sudo", "gtimeout": "timeout", "gnice": "nice", "genv": "env",
                   "gxargs": "xargs", "konsole": "xterm", "x-terminal-emulator": "xterm", "urxvt": "xterm",
                   "byobu": "screen", "mosh": "ssh", "autossh": "ssh", "dash-env": "env"}


def wrapper_for(name: str) -> Wrapper | None:
    return WRAPPERS.get(WRAPPER_ALIASES.get(name, name))
