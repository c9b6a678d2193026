"""Rules for programs that run text as code: shells, eval, interpreters, awk, schedulers, editors, tmux."""

from __future__ import annotations

import base64
import re

from .flow import shell_script_operand
from .model import ASSIGNMENT, Cmd
from .paths import important_file


def shell(cmd: Cmd) -> None:
    """``bash -c TEXT`` is parsed and checked; a script from stdin is checked by the data flow."""
    text, has_file = shell_script_operand(cmd)
    if text is not None:
        if cmd.fed and re.search(r"\{\}|\$[@*1-9]|\$\{[@*1-9]\}", text):
            cmd.add("caution", f"runs shell text built from what {cmd.fed} feeds {cmd.name}, which cannot be checked")
        cmd.check.text(text, stdin=cmd.stdin)
    elif has_file:
        script = next((a for a in cmd.argv[1:] if not a.startswith(("-", "+"))), "")
        if script in ("/dev/stdin", "/proc/self/fd/0") and cmd.stdin is not None:
            from .flow import stdin_script

            stdin_script(cmd)
        elif script.startswith(("/dev/tcp/", "/dev/udp/")):
            cmd.add("dangerous", f"runs a script received over the network ({script})")


def eval_(cmd: Cmd) -> None:
    cmd.add("caution", "runs text as a command (eval)")
    cmd.check.text(" ".join(cmd.argv[1:]), stdin=cmd.stdin)


def source(cmd: Cmd) -> None:
    ops = cmd.operands
    if not ops:
        return
    if ops[0] in ("/dev/stdin", "-", "/proc/self/fd/0") and cmd.stdin is not None:
        from .flow import stdin_script

        stdin_script(cmd)
    elif 1 in cmd.subs:
        cmd.add("caution", f"runs a script produced by another command ({cmd.name}), which cannot be checked")
    else:
        info = important_file(ops[0], cmd.where)
        if info is None and ops[0].startswith(("/tmp/", "/dev/shm/")):
            cmd.add("caution", f"runs the script {ops[0]} in this shell")


def cd(cmd: Cmd) -> None:
    """Later commands in the same text run in the new folder; an unknown folder makes the working folder unknown."""
    from .paths import Where, resolve

    ops = [o for o in cmd.operands if o != "-P" and o != "-L"]
    target = ops[0] if ops else "~"
    new = resolve(target, cmd.where) if target != "-" else None
    cmd.check.where = Where(new, cmd.where.home, cmd.where.protect)


def alias(cmd: Cmd) -> None:
    for word in cmd.argv[1:]:
        name, eq, value = word.partition("=")
        if eq and value:
            cmd.check.text(value)
            if name in ("sudo", "ls", "cd", "git", "cat", "rm", "ssh", "python", "pip", "su"):
                cmd.add("caution", f"redefines the command {name}")


def trap(cmd: Cmd) -> None:
    ops = [a for a in cmd.argv[1:] if a not in ("--",)]
    if not ops or ops[0] in ("-l", "-p", "-", ""):
        return
    cmd.check.text(ops[0])


def declare(cmd: Cmd) -> None:
    """export/declare/local/readonly/typeset: assignments, checked like any other."""
    for i, word in enumerate(cmd.argv[1:], start=1):
        if ASSIGNMENT.match(word):
            cmd.check.assignment(word, cmd.subs.get(i, []))


# --- interpreters ---------------------------------------------------------------------------------------------

#: language -> options whose value is program text
CODE_OPTIONS = {
    "python": ("-c",), "perl": ("-e", "-E"), "ruby": ("-e",), "node": ("-e", "-p", "--eval", "--print"),
    "php": ("-r",), "lua": ("-e",), "Rscript": ("-e",), "julia": ("-e", "-E"), "bun": ("-e", "--eval"),
    "osascript": ("-e",), "groovy": ("-e",), "expect": ("-c",), "guile": ("-c",), "gdb": ("-ex", "--eval-command"),
    "sbcl": ("--eval",), "racket": ("-e",), "tclsh": (),
}


def interpreter(cmd: Cmd) -> None:
    lang = cmd.name
    options = CODE_OPTIONS.get(lang, ())
    codes = cmd.values(*options) if options else []
    if lang == "python":
        # python -c stops option parsing: everything after the code is sys.argv
        for i, word in enumerate(cmd.argv[1:], start=1):
            if word == "-c" and i + 1 < len(cmd.argv):
                codes = [cmd.argv[i + 1]]
                break
            if word.startswith("-c") and len(word) > 2 and not word.startswith("--"):
                codes = [word[2:]]
                break
            if re.fullmatch(r"-[A-Za-z]*c", word) and i + 1 < len(cmd.argv):
                codes = [cmd.argv[i + 1]]
                break
            if not word.startswith("-"):
                break
        module = cmd.values("-m")
        if module and module[0] in ("http.server", "SimpleHTTPServer", "pyftpdlib", "uploadserver"):
            cmd.add("caution", "shares the current folder over the network")
    if lang == "perl":
        for i, word in enumerate(cmd.argv[1:], start=1):
            if re.fullmatch(r"-[a-zA-Z]*[eE]", word) and len(word) > 2 and i + 1 < len(cmd.argv):
                codes.append(cmd.argv[i + 1])
    if lang == "deno" and cmd.argv[1:2] == ["eval"]:
        codes = cmd.argv[2:3]
    if lang == "pwsh":
        codes = _pwsh_codes(cmd)
    for code in codes:
        if re.fullmatch(r"\s*\$\{?[A-Za-z_][A-Za-z0-9_]*\}?\s*|\s*\$[0-9@*]\s*", code):
            cmd.add("caution", f"runs {lang} code from a variable, which cannot be checked")
        cmd.check.code(lang, code)
    for index, srcs in cmd.subs.items():
        word = cmd.argv[index] if index < len(cmd.argv) else ""
        if word in codes and any(s.unknown for s in srcs):
            cmd.add("caution", f"runs {lang} code built at run time by $(...), which cannot be checked")


def _pwsh_codes(cmd: Cmd) -> list[str]:
    codes: list[str] = []
    args = cmd.argv[1:]
    for i, word in enumerate(args):
        low = word.lower()
        if low in ("-c", "-command", "/c") and i + 1 < len(args):
            codes.append(" ".join(args[i + 1:]))
            break
        if low in ("-e", "-enc", "-encodedcommand", "-ec") and i + 1 < len(args):
            cmd.add("caution", "runs an encoded PowerShell command")
            try:
                codes.append(base64.b64decode(args[i + 1]).decode("utf-16-le"))
            except Exception:  # not valid base64: nothing more to see
                cmd.add("caution", "runs PowerShell code that cannot be decoded")
    return codes


def awk(cmd: Cmd) -> None:
    if cmd.values("-f", "--file"):
        return
    ops = cmd.operands_skipping({"-F", "-v", "--assign", "--field-separator", "-f", "--file", "-i", "--include"})
    if ops:
        cmd.check.code("awk", ops[0])


def editor(cmd: Cmd) -> None:
    """vim -c '!cmd', vim +'!cmd': editor commands that run shell text."""
    commands = cmd.values("-c", "--cmd") + [w[1:] for w in cmd.argv[1:] if w.startswith("+") and len(w) > 1]
    for c in commands:
        c = c.lstrip(":").strip()
        m = re.match(r"^(?:silent\s*)?!(.*)$|^(?:call\s+)?system\(\s*['\"](.*)['\"]\s*\)|"
                     r"^(?:r|read|w|write)\s*!(.*)$", c)
        if m:
            text = next(g for g in m.groups() if g is not None)
            cmd.add("caution", "runs a shell command from the editor")
            cmd.check.text(text)
        elif re.match(r"^(py|python3?|pyx|perl|ruby|lua)\b", c):
            lang = re.match(r"^(\w+)", c).group(1)
            lang = {"py": "python", "python3": "python", "pyx": "python"}.get(lang, lang)
            cmd.add("caution", "runs code from the editor")
            cmd.check.code(lang, c.split(None, 1)[1] if " " in c else "")


def tmux(cmd: Cmd) -> None:
    args = cmd.argv[1:]
    sub = next((a for a in args if not a.startswith("-")), "")
    if sub in ("new", "new-session", "new-window", "neww", "split-window", "splitw", "respawn-pane", "respawn-window",
               "run-shell", "run", "display-popup", "popup"):
        rest = args[args.index(sub) + 1:]
        words, i = [], 0
        while i < len(rest):
            w = rest[i]
            if w.startswith("-") and len(w) == 2 and w[1] in "cstnFeElpPxyw":
                i += 2
                continue
            if w.startswith("-"):
                i += 1
                continue
            words = rest[i:]
            break
        if words:
            cmd.check.text(" ".join(words))
    elif sub in ("send-keys", "send"):
        rest = [w for w in args[args.index(sub) + 1:] if not w.startswith("-")]
        targets = cmd.values("-t")
        keys = [w for w in rest if w not in targets and w not in ("Enter", "C-m", "KPEnter")]
        if keys:
            cmd.add("caution", "types a command into another terminal (tmux send-keys)")
            cmd.check.text(" ".join(keys))


def at(cmd: Cmd) -> None:
    if cmd.has("-l", "-d", "-r", "-c") or cmd.name in ("atq", "atrm"):
        return
    files = cmd.values("-f")
    if files:
        cmd.add("caution", f"schedules the script {files[0]} to run later, unattended (at)")
    elif cmd.stdin is None:
        cmd.add("caution", "schedules commands to run later, unattended (at)")


def crontab(cmd: Cmd) -> None:
    flags = cmd.flags
    if "-r" in flags:
        cmd.add("dangerous", "deletes all your scheduled cron jobs (crontab -r)")
        return
    if flags & {"-l"} and not cmd.operands:
        return
    if "-e" in flags:
        cmd.add("caution", "edits your scheduled cron jobs")
        return
    ops = cmd.operands_skipping({"-u"})
    if not ops or ops == ["-"]:
        src = cmd.stdin
        if src is None:
            cmd.add("caution", "replaces your cron jobs with what you type")
            return
        keeps = "crontab -l" in src.programs
        if not keeps:
            cmd.add("dangerous", "replaces all your scheduled cron jobs with new ones")
        cmd.add("caution", "installs scheduled cron jobs that run by themselves")
        for text in src.texts:
            for line in text.splitlines():
                job = _cron_command(line)
                if job:
                    cmd.check.text(job, suffix=" (as a cron job)")
        if src.downloads:
            cmd.add("dangerous", "installs cron jobs downloaded from the network")
        return
    cmd.add("dangerous", f"replaces all your scheduled cron jobs with the ones in {ops[0]}")


def _cron_command(line: str) -> str | None:
    line = line.strip()
    if not line or line.startswith("#") or re.match(r"^[A-Z_]+=", line):
        return None
    if line.startswith("@"):
        parts = line.split(None, 1)
        return parts[1] if len(parts) > 1 else None
    parts = line.split(None, 5)
    return parts[5] if len(parts) == 6 else None


def sudoedit(cmd: Cmd) -> None:
    cmd.add("caution", "edits files as root")
    for target in cmd.operands:
        info = important_file(target, cmd.where)
        if info is not None:
            cmd.add("caution", f"edits {target}, {info.what}")
