"""What flows between commands: what a command prints, who runs what it reads, and checks across commands.

:func:`output_of` describes a command's output as a :class:`~.model.Source` (literal text, downloaded, decoded,
secret, endless...). The next command in a pipe sees it as ``cmd.stdin``; shells and interpreters that read their
script from stdin (:func:`reads_script_from_stdin`) check it, network senders look for secrets in it.
"""

from __future__ import annotations

import base64
import binascii
import re
import shlex
from typing import TYPE_CHECKING

from .model import Cmd, Source
from .paths import secret, size_bytes
from .programs import (COPY_VALUE_OPTIONS, DESTRUCTIVE, DOWNLOADERS, INTERPRETERS, NETWORK_SENDERS, READERS, SHELLS,
                       program_name)

if TYPE_CHECKING:
    from .walk import Checker

_ENV = "your environment variables (which often hold keys and tokens)"
_ENDLESS_FILES = ("/dev/zero", "/dev/urandom", "/dev/random", "/dev/full")
#: Filters whose output is their input, text and all.
_TEXT_PASS = {"cat", "tee", "stdbuf"}
#: Filters whose output still carries the input's nature (secret, downloaded, endless), not its exact text
#: (``iconv -f UTF-7`` decodes, ``col -b`` applies backspaces, ``fold`` splits a line into two commands).
_FLAG_PASS = {"dos2unix", "unix2dos", "iconv", "col", "expand", "unexpand", "fold",
              "tr", "sed", "awk", "grep", "cut", "sort", "uniq", "head", "tail", "nl", "paste", "fmt", "xxd", "od",
              "base64", "base32", "gzip", "bzip2", "xz", "zstd", "tac", "pv", "buffer", "mbuffer", "strings",
              "hexdump", "column", "jq", "yq"}


def read_operands(cmd: Cmd) -> list[str]:
    """The operands a program reads (copy-like programs write their last one)."""
    if cmd.name not in READERS:
        return []
    if cmd.name in COPY_VALUE_OPTIONS:
        ops, target = cmd.copy_operands(COPY_VALUE_OPTIONS[cmd.name])
        return ops if target is not None or len(ops) < 2 else ops[:-1]  # with -t every operand is a source
    ops = cmd.operands
    if cmd.name in ("scp", "rsync", "sftp") and len(ops) > 1:
        return ops[:-1]
    return ops


def file_source(check: "Checker", word: str) -> Source:
    """What reading the file ``word`` gives."""
    w = word.strip("'\"")
    src = Source(unknown=True, file=w)
    if w in _ENDLESS_FILES:
        src.infinite = True
        src.unknown = True
    what = secret(w, check.where)
    if what:
        src.secrets.append(what)
    return src


# --- what a command prints ------------------------------------------------------------------------------------

_ESCAPES = {"a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n", "r": "\r", "t": "\t",
            "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?"}


def _unescape(text: str, mode: str, hex_escapes: bool = True) -> tuple[str, bool]:
    """Backslash escapes as bash reads them in ``printf``'s format (``mode="format"``: ``\\nnn``, quotes), in a
    ``%b`` argument (``"b"``: ``\\0nnn`` or ``\\nnn``, ``\\c``) or after ``echo -e`` (``"echo"``: ``\\0nnn``,
    ``\\c``); and whether ``\\c`` ended the output there (checked against bash by the tests)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] != "\\" or i + 1 == len(text):
            out.append(text[i])
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "c" and mode != "format":
            return "".join(out), True
        if not hex_escapes and nxt in "xuUeE":  # dash's echo and printf know none of these
            out.append("\\" + nxt)
            i += 2
        elif nxt in _ESCAPES and (mode == "format" or nxt not in "'\"?"):
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt in "01234567" and (mode != "echo" or nxt == "0"):
            start = i + 2 if nxt == "0" and mode != "format" else i + 1
            digits = re.match(r"[0-7]{0,3}", text[start:]).group(0)  # type: ignore[union-attr]
            out.append(chr(int(digits or "0", 8) & 0xFF))
            i = start + len(digits)
        elif nxt in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[nxt]
            digits = re.match(r"[0-9A-Fa-f]{0,%d}" % width, text[i + 2:]).group(0)  # type: ignore[union-attr]
            out.append(chr(min(int(digits, 16), 0x10FFFF)) if digits else "\\" + nxt)
            i += 2 + len(digits)
        else:
            out.append("\\" + nxt)
            i += 2
    return "".join(out), False


def _echo_texts(cmd: Cmd) -> list[str]:
    """What ``echo`` prints: bash's reading (escapes only after ``-e``) and, when it differs, the reading of
    shells whose echo decodes escapes unless told ``-E`` (zsh; dash's too): the checks look at every one."""
    words = cmd.argv[1:]
    decode: bool | None = None
    while words and re.fullmatch(r"-[neE]+", words[0]):
        decode = {"e": True, "E": False}.get(words[0].replace("n", "")[-1:], decode)
        words = words[1:]
    text = " ".join(words)
    readings = [_unescape(text, "echo")[0] if decode else text]
    if "\\" in text and decode is None:
        readings.append(_unescape(text, "echo")[0])
    if "\\" in " ".join(cmd.argv[1:]):  # dash (/bin/sh): only -n is an option, escapes but \x always decoded
        dash = cmd.argv[2:] if cmd.argv[1:2] == ["-n"] else cmd.argv[1:]
        readings.append(_unescape(" ".join(dash), "echo", hex_escapes=False)[0])
    return list(dict.fromkeys(readings))


#: a conversion as bash's printf reads it: flags (``'`` groups digits), width and precision (``*`` takes them
#: from the arguments, which this reading does not follow: such a format makes the output unknown)
def _printf_texts(cmd: Cmd) -> list[str] | None:
    """What printf prints in bash and, where it differs, in dash (/bin/sh), which decodes no ``\\x``: the checks
    look at both (``printf 'hi\\n\\x23; rm -rf ~' | sh`` hides the deletion behind a comment only in bash)."""
    bash, dash = _printf_text(cmd), _printf_text(cmd, hex_escapes=False)
    return None if bash is None else list(dict.fromkeys([bash] + ([dash] if dash is not None else [])))


_CONVERSION = re.compile(r"%([-+ #0']*)(\*|\d*)(?:\.(\*|\d*))?([a-zA-Z%])")


def _printf_text(cmd: Cmd, hex_escapes: bool = True) -> str | None:
    """What bash's ``printf`` prints, or None when it cannot be worked out here (``-v``, ``*`` widths, number
    formats given words): the output is then unknown, and whatever runs it is checked as unknown."""
    words = cmd.argv[1:]
    if words[:1] == ["--"]:
        words = words[1:]
    if not words or words[0].startswith("-") and words[0] != "-":
        return None  # -v NAME assigns instead of printing; no format prints nothing useful to check
    fmt, args = words[0], words[1:]
    out: list[str] = []
    while True:
        used, pos = 0, 0
        for m in _CONVERSION.finditer(fmt):
            text, stop = _unescape(fmt[pos:m.start()], "format", hex_escapes)
            out.append(text)
            if stop:
                return "".join(out)
            pos = m.end()
            flags, width, precision, conv = m.groups()
            if "*" in (width, precision):
                return None
            if conv == "%":
                out.append("%")
                continue
            arg = args[used] if used < len(args) else ""
            used += 1
            if conv == "b":
                arg, stop = _unescape(arg, "b", hex_escapes)
            elif conv == "c":
                arg = arg[:1]
            elif conv in "di":
                if not re.fullmatch(r"[-+]?\d*", arg):
                    return None
                arg = str(int(arg or "0"))
            elif conv != "s":
                return None
            if precision is not None and conv in "sb":
                arg = arg[:int(precision or "0")]
            out.append(arg.ljust(int(width)) if "-" in flags and width else arg.rjust(int(width or "0")))
            if conv == "b" and stop:
                return "".join(out)
        if "%" in fmt[pos:]:
            return None  # a conversion this reading does not know
        text, stop = _unescape(fmt[pos:], "format", hex_escapes)
        out.append(text)
        args = args[used:]
        if stop or not used or not args:
            return "".join(out)


def _decode(cmd: Cmd, texts: list[str]) -> list[str]:
    """Decode literal text the way the decoder would, when we can (base64, base32, hex, reversed)."""
    out: list[str] = []
    for t in texts:
        data = t.strip()
        try:
            if cmd.name in ("base64", "basenc") or (cmd.name == "openssl" and "base64" in cmd.argv):
                out.append(base64.b64decode(data + "=" * (-len(data) % 4)).decode("utf-8", "replace"))
            elif cmd.name == "base32":
                out.append(base64.b32decode(data + "=" * (-len(data) % 8)).decode("utf-8", "replace"))
            elif cmd.name == "xxd":
                out.append(binascii.unhexlify(re.sub(r"\s", "", data)).decode("utf-8", "replace"))
            elif cmd.name == "rev":
                out.append("\n".join(line[::-1] for line in t.split("\n")))
            elif cmd.name == "tr" and len(cmd.operands) >= 2:
                a, b = _tr_set(cmd.operands[0]), _tr_set(cmd.operands[1])
                if len(a) == len(b):
                    out.append(t.translate(str.maketrans(a, b)))
        except (ValueError, binascii.Error, UnicodeError):
            continue
    return out


def _tr_set(spec: str) -> str:
    out, i = [], 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            out += [chr(c) for c in range(ord(spec[i]), ord(spec[i + 2]) + 1)]
            i += 3
        else:
            out.append(spec[i])
            i += 1
    return "".join(out)


def is_decoding(cmd: Cmd) -> bool:
    n, a = cmd.name, cmd.argv[1:]
    if n in ("base64", "base32", "basenc"):
        return any(x in ("-d", "-D", "--decode") or (x.startswith("-") and not x.startswith("--") and "d" in x)
                   for x in a)
    if n == "xxd":
        return any(x.startswith("-r") for x in a)
    if n == "openssl":
        return "-d" in a or "-base64" in a and "-d" in a
    if n in ("gunzip", "zcat", "bunzip2", "bzcat", "unxz", "xzcat", "unzstd", "zstdcat", "unlzma", "uudecode"):
        return True
    if n in ("gzip", "xz", "zstd", "bzip2", "lzma", "brotli"):
        return any(x in ("--decompress", "--decode") or (x.startswith("-") and not x.startswith("--") and "d" in x)
                   for x in a)
    if n == "rev":
        return True
    if n == "tr":
        ops = cmd.operands
        return len(ops) >= 2 and not any(x.startswith("-") for x in a) and len(_tr_set(ops[0])) >= 20
    return False


#: A variable whose name says it holds a credential: ``OPENAI_API_KEY``, ``GITHUB_TOKEN``, ``DB_PASSWORD``.
_CREDENTIAL_NAME = re.compile(r"(?:^|_)(?:API_?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|CREDENTIALS?|PAT)(?:_|$)",
                              re.I)
_VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def secret_variables(cmd: Cmd, words: list[str], *, named: bool = True) -> list[str]:
    """Secrets that ``$NAME`` references in ``words`` carry: a variable the command filled from a secret file
    (``k=$(<~/.ssh/id_rsa)``), or (with ``named``) one named like a credential (``$AWS_SECRET_ACCESS_KEY``)."""
    found: list[str] = []
    for word in words:
        for name in _VARIABLE.findall(word):
            if name in cmd.check.secret_vars:
                found.append(cmd.check.secret_vars[name])
            elif named and _CREDENTIAL_NAME.search(name):
                found.append(f"${name} (a credential)")
    return found


def output_of(cmd: Cmd) -> Source:
    """What ``cmd`` prints, as far as we can tell."""
    n = cmd.name
    stdin = cmd.stdin or Source()
    secrets = [s for s in (secret(w, cmd.where) for w in read_operands(cmd)) if s] + cmd.reveals
    if n in ("echo", "printf"):
        printed = _echo_texts(cmd) if n == "echo" else _printf_texts(cmd)
        if printed is None:  # not worked out: unknown, and each argument is still checked as a line of its own
            words = [w for w in cmd.argv[1:] if w != "--"]
            printed = ["\n".join(words[1:])] if len(words) > 1 else []
            unknown = True
        else:
            unknown = False
        src = Source(texts=[printed] if isinstance(printed, str) else printed, unknown=unknown,
                     programs=[n] if unknown else [], secrets=secret_variables(cmd, cmd.argv[1:]))
        for srcs in cmd.subs.values():
            for s in srcs:
                src = src.merge(s.tainted())
        return src
    if n == "printenv" and cmd.operands:
        return Source(unknown=True, programs=[n], secrets=secret_variables(cmd, ["$" + o for o in cmd.operands]))
    if n == "yes":
        return Source(texts=[" ".join(cmd.operands) or "y"], infinite=True)
    if n in DOWNLOADERS:
        return Source(unknown=True, downloads=True, programs=[n])
    if n in ("env", "printenv", "set", "export", "declare", "typeset", "compgen") and not cmd.operands:
        return Source(unknown=True, env=True, programs=[n])
    if n == "history" or (n == "fc" and "-l" in cmd.flags):
        return Source(unknown=True, secrets=["your shell history, which often holds passwords"], programs=[n])
    if n == "gpg" and cmd.has("--export-secret-keys", "--export-secret-subkeys"):
        return Source(unknown=True, secrets=["your GPG private keys"], programs=[n])
    if n == "crontab" and "-l" in cmd.flags:
        return Source(unknown=True, programs=["crontab -l"])
    if is_decoding(cmd):
        decoded = _decode(cmd, stdin.texts) if stdin.texts and not stdin.unknown else []
        src = Source(texts=decoded, unknown=not decoded, decodes=n not in ("rev", "tr") or not decoded,
                     downloads=stdin.downloads, secrets=list(stdin.secrets), env=stdin.env)
        if n in ("rev", "tr") and decoded:
            src.decodes = True
        return src
    if n == "cat" or n in _TEXT_PASS:
        files = cmd.operands if n == "cat" else []
        src = Source(texts=list(stdin.texts), unknown=stdin.unknown, downloads=stdin.downloads,
                     decodes=stdin.decodes, secrets=list(stdin.secrets) + secrets, env=stdin.env,
                     infinite=stdin.infinite, programs=list(stdin.programs)) if (not files or "-" in files) \
            else Source(secrets=secrets)
        for f in files:
            if f != "-":
                src = src.merge(file_source(cmd.check, f))
        return src
    if n == "head" or (n == "dd" and any(a.startswith("count=") for a in cmd.argv)):
        size = next((size_bytes(v) for v in cmd.values("-c", "--bytes")), None)
        src = stdin.tainted()
        for f in cmd.operands:
            if f in _ENDLESS_FILES and size and size >= (10 << 30):
                src.infinite = True
        src.secrets += secrets
        endless = stdin.infinite or any(f in _ENDLESS_FILES for f in cmd.operands)
        if size is not None and size >= (10 << 30) and endless:
            src.infinite = True
        return src
    if n in _FLAG_PASS:
        src = stdin.tainted()
        src.infinite = stdin.infinite and n not in ("sort", "tail", "uniq", "tac")
        src.secrets += secrets
        for f in cmd.operands:
            if f in _ENDLESS_FILES:
                src.infinite = n not in ("sort", "tail", "uniq", "tac")
        return src
    src = stdin.tainted() if cmd.stdin is not None else Source(unknown=True)
    src.secrets += secrets
    src.programs.append(n)
    return src


# --- who runs a script from stdin -------------------------------------------------------------------------------

_SHELL_VALUE_OPTS = {"-o", "+o", "-O", "+O", "--rcfile", "--init-file"}
_INTERP_CODE_OPTS = {"python": ("-c", "-m"), "perl": ("-e", "-E"), "ruby": ("-e",), "node": ("-e", "-p", "--eval",
                     "--print"), "php": ("-r",), "lua": ("-e",), "pwsh": ("-c", "-Command", "-command", "-f",
                     "-File", "-EncodedCommand", "-e", "-enc"), "Rscript": ("-e",), "julia": ("-e", "-E"),
                     "deno": ("eval",), "bun": ("-e", "--eval"), "osascript": ("-e",), "awk": (),
                     "groovy": ("-e",), "expect": ("-c",), "gdb": ("-ex", "-x", "--batch", "-batch"),
                     "tclsh": (), "guile": ("-c",), "jshell": (), "ipython": ("-c", "-m"), "octave": ("--eval",),
                     "matlab": ("-batch", "-r"), "gnuplot": ("-e",)}


def shell_script_operand(cmd: Cmd) -> tuple[str | None, bool]:
    """(the -c text or None, whether a script file is named) for a shell command line."""
    args = cmd.argv[1:]
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            return None, i + 1 < len(args)
        if a in _SHELL_VALUE_OPTS:
            i += 2
            continue
        if a.startswith("-") and len(a) > 1 and not a.startswith("--") and "c" in a[1:] and a[0] == "-":
            return (args[i + 1] if i + 1 < len(args) else ""), False
        if a == "-s" or (a.startswith("-") and "s" in a[1:] and not a.startswith("--")):
            return None, False
        if a == "-":
            return None, False
        if a.startswith("-") or a.startswith("+"):
            i += 1
            continue
        return None, True
    return None, False


def reads_script_from_stdin(cmd: Cmd) -> bool:
    """A shell, interpreter, ``at`` or remote shell that takes its program from stdin."""
    n = cmd.name
    if n in SHELLS:
        text, has_file = shell_script_operand(cmd)
        return text is None and not has_file
    if n in ("at", "batch"):
        return not cmd.values("-f")
    if n in INTERPRETERS and n != "awk":
        codes = _INTERP_CODE_OPTS.get(n, ())
        if any(a in codes or a.split("=", 1)[0] in codes for a in cmd.argv[1:]):
            return False
        ops = [a for a in cmd.argv[1:] if not a.startswith("-")]
        return not ops or ops[0] == "-"
    return False


# --- checks every command gets ------------------------------------------------------------------------------

def generic_checks(cmd: Cmd) -> None:
    n = cmd.name
    # code fetched or decoded on the fly and handed to an interpreter: bash <(curl ...), python3 <(...)
    if (n in SHELLS or n in INTERPRETERS or n in ("source", ".", "eval")) and cmd.subs:
        for srcs in cmd.subs.values():
            for s in srcs:
                if s.downloads:
                    cmd.add("dangerous", f"downloads code and runs it with {n} without showing it")
                elif s.decodes:
                    cmd.add("dangerous", f"decodes hidden text and runs it with {n}")
    # a script read from stdin
    if reads_script_from_stdin(cmd) and cmd.stdin is not None and not cmd.stdin.empty:
        stdin_script(cmd)
    # run-time arguments of destructive programs
    if n in DESTRUCTIVE and cmd.subs and n not in ("git", "docker", "kubectl"):
        if any(not all(s.texts and not s.unknown for s in srcs) for srcs in cmd.subs.values()):
            cmd.add("caution", f"gives {n} arguments computed at run time ($(...)), which cannot be checked")
    # secrets leaving the machine
    if n in NETWORK_SENDERS:
        leaked: list[str] = secret_variables(cmd, cmd.argv[1:], named=False)
        named = secret_variables(cmd, cmd.argv[1:])
        if named and not leaked:  # curl -H "Authorization: Bearer $GITHUB_TOKEN": routine, if the host is right
            cmd.add("caution", f"sends {named[0]} to another machine: make sure that is where it belongs")
        env = False
        for srcs in cmd.subs.values():
            for s in srcs:
                leaked += s.secrets
                env = env or s.env
        if leaked:
            cmd.add("dangerous", f"sends {leaked[0]} to another machine")
        if env:
            cmd.add("dangerous", f"sends {_ENV} to another machine")
        if cmd.stdin is not None and n in ("nc", "socat", "telnet", "openssl", "ssh", "mail", "mailx", "sendmail",
                                           "mutt", "sshpass") and not reads_script_from_stdin(cmd):
            if cmd.stdin.secrets:
                cmd.add("dangerous", f"sends {cmd.stdin.secrets[0]} to another machine")
            elif cmd.stdin.env:
                cmd.add("dangerous", f"sends {_ENV} to another machine")
    if n in READERS and n not in NETWORK_SENDERS:
        for w in read_operands(cmd):
            what = secret(w, cmd.where)
            if what and what != "your whole home folder":
                shown = n in _TEXT_PASS or n in _FLAG_PASS or n in ("less", "more", "bat", "view")
                cmd.add("caution", f"reads {what}" + ("; it will be shown in the output" if shown else ""))
                break


#: editors that read commands from standard input (``!cmd``, ``r !cmd``, ``w !cmd``, ``:!cmd`` run cmd): ed and
#: ex always, vi and vim in ex mode (``-e``, ``-es``)
_LINE_EDITORS = {"ed", "red", "ex"}
_EX_EDITORS = {"vi", "vim", "nvim", "view", "gvim"}
#: grouping and keywords that can stand before a command on a line: ``(perl)``, ``{ perl; }``, ``if perl``
_KEYWORDS = {"(", ")", "{", "}", "!", "if", "then", "elif", "else", "fi", "while", "until", "do", "done", "time",
             "coproc"}
_EDITOR_SHELL = re.compile(r"(?m)^\s*:?\s*[\d.,$;+'\-]*\s*(?:([rRwWeE])\w*\s*)?!(.+)$")


def _stdin_reader(segment: list[str]) -> str | None:
    """The shell, interpreter or editor a simple command starts that takes its program or commands from
    standard input (no program, script or code given), or None. Assignments, wrappers (``env``, ``nice``,
    ``timeout``, ``exec -a``), keywords and redirections of other streams are looked through."""
    from .wrappers import wrapper_for

    words: list[str] = []
    skip = False
    for word in segment:
        if skip:
            skip = False
            continue
        if re.fullmatch(r"\d*(>>?|<|>&|<&|&>>?)(\S*)", word):
            skip = not re.fullmatch(r"\d*(>>?|<|>&|<&|&>>?)\S+", word)
            if word.lstrip("0123456789").startswith("<") and not word.lstrip("0123456789").startswith("<&"):
                return None  # its stdin comes from elsewhere
            continue
        if word not in _KEYWORDS:
            words.append(word)
    for _ in range(8):
        while words and re.fullmatch(r"[A-Za-z_]\w*=.*", words[0]):
            words = words[1:]
        wrapper = wrapper_for(program_name(words[0])) if words else None
        inner = wrapper.split(words) if wrapper is not None else None
        if inner is None or not inner.argv:
            break
        words = inner.argv
    if not words:
        return None
    name = program_name(words[0])
    if name in _LINE_EDITORS or words[0].rsplit("/", 1)[-1] in _LINE_EDITORS:
        return words[0].rsplit("/", 1)[-1]
    if any(w not in ("-", "--") and not w.startswith("-") for w in words[1:]):
        return None
    if name in _EX_EDITORS or name == "vim":
        return name if any(re.fullmatch(r"-[a-zA-Z]*[eE][a-zA-Z]*", w) for w in words[1:]) else None
    return name if name in SHELLS or (name in INTERPRETERS and name != "awk") else None


def editor_commands(cmd: Cmd, editor: str, commands: str) -> None:
    """Editor commands read from standard input: their ``!cmd`` parts are checked as shell text, and ``w !cmd``
    after ``r FILE`` as FILE piped into cmd (``r ~/.ssh/id_rsa`` then ``w !curl -T - ...`` sends the key)."""
    read = [m.group(1) for m in re.finditer(r"(?m)^\s*[\d.,$]*\s*r\s+([^!\s]\S*)\s*$", commands)]
    for m in _EDITOR_SHELL.finditer(commands):
        text = m.group(2)
        if m.group(1) in ("w", "W") and read:
            text = f"cat {' '.join(shlex.quote(f) for f in read)} | {text}"
        cmd.check.text(text, suffix=f" (run by {editor})")


def _rest_read_as_program(cmd: Cmd, script: str) -> None:
    """A shell reading its script from stdin reads it line by line, so a line that starts an interpreter, a
    shell or an editor without a program (``perl``, ``FOO=1 exec perl``, ``(sh 2>/dev/null)``, ``ed -s x``)
    hands it the rest of the script: ``printf 'perl\\nunlink glob q{~/*}' | sh`` runs that Perl. The rest is
    checked as such."""
    lines = script.split("\n")
    for i, line in enumerate(lines[:-1]):
        try:
            lexer = shlex.shlex(line, posix=True, punctuation_chars=";|()")  # not &: 0<&0 is one word
            lexer.whitespace_split = True
            lexer.commenters = "#"
            tokens = list(lexer)
        except ValueError:
            continue
        segments: list[list[str]] = [[]]
        for token in tokens:
            if token and set(token) <= set(";&|()"):
                segments.append([])
            else:
                segments[-1].append(token)
        reader = next((r for r in (_stdin_reader(s) for s in segments if s) if r), None)
        if reader is None:
            continue
        rest = "\n".join(lines[i + 1:])
        if reader in SHELLS:
            cmd.check.text(rest, suffix=f" (read by {reader} from the rest of the script)")
        elif reader in _LINE_EDITORS or reader in _EX_EDITORS or reader == "vim":
            cmd.add("caution", f"{reader} reads the rest of the script as editor commands")
            editor_commands(cmd, reader, rest)
        else:
            cmd.add("caution", f"{reader} reads the rest of the script as its own program")
            cmd.check.code(reader, rest, origin="stdin")
        return


def stdin_script(cmd: Cmd) -> None:
    """A shell or interpreter reading its program from a pipe, here-string, heredoc or file."""
    src = cmd.stdin
    assert src is not None
    n = cmd.name
    runner = "at (to run later)" if n in ("at", "batch") else n
    if n in ("at", "batch"):
        cmd.add("caution", "schedules commands to run later, unattended (at)")
    if src.downloads:
        cmd.add("dangerous", f"downloads a script and pipes it straight into {runner}")
    if src.decodes:
        cmd.add("dangerous", f"decodes hidden text and runs it with {runner}")
    if "network" in src.programs:
        cmd.add("dangerous", f"runs commands received over the network with {runner}")
    shell_text = n in SHELLS or n in ("at", "batch", "source", ".")
    if src.texts:
        text = "\n".join(src.texts)
        if shell_text:
            cmd.check.text(text)
            if n in SHELLS:
                _rest_read_as_program(cmd, text)
        else:
            cmd.check.code(n, text, origin="stdin")
    if src.unknown and not src.downloads and not src.decodes:
        what = f"the file {src.file}" if src.file else "a pipe"
        if shell_text:
            cmd.add("caution", f"runs a script read from {what} with {runner}, which cannot be checked")
        else:
            cmd.add("caution", f"runs code read from {what} with {runner}, which cannot be checked")


#: openssl commands that work on local data only; any other first word (``s_client``, ``ocsp -url``, a
#: variable, nothing at all: interactive mode) may talk to the network.
_OPENSSL_LOCAL = re.compile(
    r"(asn1parse|base64|ca|ciphers|cms|crl|crl2pkcs7|dgst|dhparam|dsa|dsaparam|ec|ecparam|enc|errstr|gendsa|"
    r"genpkey|genrsa|help|info|kdf|list|mac|nseq|passwd|pkcs12|pkcs7|pkcs8|pkey|pkeyparam|pkeyutl|prime|rand|"
    r"rehash|req|rsa|rsautl|smime|speed|spkac|srp|storeutl|ts|verify|version|x509|"
    r"md5|md4|sha\d*|sha3-\d+|sha512-\d+|shake\d+|blake2\w+|sm3|rmd160|ripemd160|"
    r"(aes|aria|camellia|des|bf|cast|chacha20|rc2|rc4|seed|sm4|idea)[\w-]*)")


def pipe_stage_name(name: str, argv: list[str]) -> str:
    """A pipe stage's name for :func:`pipeline_checks`: openssl is a network end unless its command is one
    that only works on local data (``openssl enc -d | sh`` decodes a file; ``openssl s_client ... | sh`` is a
    reverse shell)."""
    if name == "openssl" and not (len(argv) > 1 and _OPENSSL_LOCAL.fullmatch(argv[1])):
        return "openssl network"
    return name


def pipeline_checks(check: "Checker", stages: list[tuple[str, bool]]) -> None:
    """Checks on a whole pipe: a shell whose input or output goes over the network is a reverse shell."""
    names = [n for n, _ in stages]
    runners = [n for n, reads in stages if reads]
    if runners and any(n in ("nc", "socat", "telnet", "openssl network") for n in names):
        check.add("dangerous", f"connects {runners[0]} to another machine over the network (a reverse shell)")
    if runners and "devtcp" in check.facts:
        check.add("dangerous", f"runs commands received over a raw network connection with {runners[0]}")


def combine(check: "Checker") -> None:
    """Findings that need two facts seen anywhere in the command."""
    f = check.facts
    if "reflog-expire-now" in f and "gc-prune-now" in f:
        check.add("dangerous", "expires the reflog and prunes at once: commits you could still recover are "
                               "deleted for good")
    if "devtcp" in f and "runtime-command" in f:
        check.add("dangerous", "runs commands received over a raw network connection (a reverse shell)")
    if "devtcp" in f and "stdin-shell" in f and not any("reverse shell" in r for r in check.findings.items):
        check.add("dangerous", "connects a shell to a raw network connection (a reverse shell)")
    if "downloaded-variable" in f and "runtime-command" in f:
        check.add("dangerous", "runs text downloaded from the network as a command")

