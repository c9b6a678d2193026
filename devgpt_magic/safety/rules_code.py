"""Rules for programs that run text as code: shells, eval, interpreters, awk, schedulers, editors, tmux."""

from __future__ import annotations

import base64
import re
import shlex

from .flow import shell_script_operand
from .model import ASSIGNMENT, Cmd
from .parse import substitution_bodies
from .paths import important_file
from .programs import CODE_ENV_VARS, SHELLS, STDIN_FILES, program_name
from .rules_files import in_place_edit


def shell(cmd: Cmd) -> None:
    """``bash -c TEXT`` is parsed and checked; a script from stdin is checked by the data flow; a script file
    cannot be seen into (caution), nor can shell text that xargs or find hands over (``xargs -0 sh -c``)."""
    text, has_file = shell_script_operand(cmd)
    if text is not None:
        if cmd.fed and re.fullmatch(r"\s*(\{\}|\$[@*1]|\$\{[@*1]\}|\"\$[@*1]\"|%)?\s*", text):
            fed_script(cmd, "shell text")  # xargs -0 sh -c, xargs -I{} sh -c {}: the script is what is fed
            return
        if cmd.fed and re.search(r"\{\}|\$[@*1-9]|\$\{[@*1-9]\}", text):
            cmd.add("caution", f"runs shell text built from what {cmd.fed} feeds {cmd.name}, which cannot be checked")
        cmd.check.text(text, stdin=cmd.stdin)
    elif has_file:
        script = next((a for a in cmd.argv[1:] if not a.startswith(("-", "+"))), "")
        if script in STDIN_FILES and cmd.stdin is not None:
            from .flow import stdin_script

            stdin_script(cmd)
        elif script.startswith(("/dev/tcp/", "/dev/udp/")):
            cmd.add("dangerous", f"runs a script received over the network ({script})")
        else:
            script_file(cmd, script)


def fed_script(cmd: Cmd, what: str) -> None:
    """The program text itself comes from what xargs/parallel/find feed (``xargs -0 sh -c``)."""
    from .flow import stdin_script

    if cmd.stdin is None or cmd.stdin.empty:
        cmd.add("caution", f"runs {what} that {cmd.fed} reads, which cannot be checked")
    else:
        stdin_script(cmd)


def script_file(cmd: Cmd, script: str) -> None:
    """``bash x.sh``, ``source x.sh``, ``find -exec sh {} ;``: a script file whose text is not shown here (unless
    the same command wrote it just before: ``echo 'rm -rf ~' > x.sh; bash x.sh``)."""
    if script in cmd.check.written:
        cmd.check.text(cmd.check.written[script], suffix=f" (in {script}, written just before)")
    elif "{}" in script or cmd.fed:
        cmd.add("caution", f"runs the files {cmd.fed or 'find'} names as {cmd.name} scripts, which cannot be checked")
    else:
        cmd.add("caution", f"runs the script {script}, whose contents are not shown here")


def eval_(cmd: Cmd) -> None:
    """eval reads its words again as shell text, after their variables were expanded: ``x='$(rm -rf ~)';
    eval "$x"`` runs the rm. So known variables are put in before the text is checked."""
    cmd.add("caution", "runs text as a command (eval)")
    cmd.check.text(expand_known(" ".join(cmd.argv[1:]), cmd.check.variables), stdin=cmd.stdin)


def expand_known(text: str, variables: dict[str, str]) -> str:
    """``$name`` and ``${name}`` replaced by the values the script gave them (others left as they are)."""
    return re.sub(r"\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))",
                  lambda m: variables.get(m.group(1) or m.group(2), m.group(0)), text)


#: Scripts whose sourcing is routine setup, not unseen code: virtual environments and version managers.
_SETUP_SCRIPTS = re.compile(r"(^|/)bin/activate(\.\w+)?$|(^|/)\.cargo/env$|(^|/)nvm\.sh$|(^|/)conda\.sh$|"
                            r"(^|/)sdkman-init\.sh$|(^|/)\.ghcup/env$|^/etc/os-release$|^/usr/share/")


def source(cmd: Cmd) -> None:
    """``source FILE`` runs FILE in this shell: caution, except shell startup files (they run anyway) and the
    usual environment setup scripts (``.venv/bin/activate``)."""
    ops = cmd.operands
    if not ops:
        return
    if (ops[0] in STDIN_FILES or ops[0] == "-") and cmd.stdin is not None:
        from .flow import stdin_script

        stdin_script(cmd)
    elif 1 in cmd.subs:
        cmd.add("caution", f"runs a script produced by another command ({cmd.name}), which cannot be checked")
    else:
        info = important_file(ops[0], cmd.where)
        if ops[0] in cmd.check.written or not (info is not None and info.kind == "startup"
                                               or _SETUP_SCRIPTS.search(ops[0])):
            script_file(cmd, ops[0])


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


def hash_(cmd: Cmd) -> None:
    """``hash -p /bin/rm ls`` makes the name ``ls`` run ``/bin/rm`` from then on: later commands are judged as
    the program they really run."""
    programs = cmd.values("-p")
    if not programs:
        return
    names = [o for o in cmd.operands if o != programs[-1]]
    for name in names:
        cmd.add("caution", f"makes the name {name} run {programs[-1]}")
        cmd.check.renamed[name] = programs[-1]


def enable(cmd: Cmd) -> None:
    """``enable -f LIB NAME`` loads a shell builtin from a shared library: code that runs inside the shell."""
    if cmd.values("-f"):
        cmd.add("caution", f"loads shell code from the library {cmd.values('-f')[-1]} (enable -f)")


def pager(cmd: Cmd) -> None:
    """``less +'!cmd' FILE`` runs cmd as less starts (a ``+`` word is a command less runs at once)."""
    for word in cmd.argv[1:]:
        command = word[1:].lstrip("+") if word.startswith("+") else ""
        if command.startswith("!"):
            cmd.add("caution", f"runs a shell command from {cmd.name}")
            cmd.check.text(command[1:])


def trap(cmd: Cmd) -> None:
    ops = [a for a in cmd.argv[1:] if a not in ("--",)]
    if not ops or ops[0] in ("-l", "-p", "-", ""):
        return
    cmd.check.text(ops[0])


def declare(cmd: Cmd) -> None:
    """export/declare/local/readonly/typeset: assignments, checked like any other.

    A quoted ``'a[$(cmd)]=1'`` or ``'x=($(cmd))'`` is evaluated again by the builtin, so its ``$(...)`` runs.
    """
    for i, word in enumerate(cmd.argv[1:], start=1):
        if ASSIGNMENT.match(word):
            cmd.check.assignment(word, cmd.subs.get(i, []))
    names(cmd)


#: Builtins that evaluate a variable name or arithmetic they are given: which options take a value that is not
#: a name (so ``read -p 'prompt $(x)'`` is not mistaken for one).
_NAME_BUILTINS = {"test": (), "[": (), "[[": (), "let": (), "unset": (), "getopts": (),
                  "read": ("-d", "-i", "-n", "-N", "-p", "-t", "-u"), "wait": (), "printf": (),
                  "mapfile": ("-d", "-n", "-O", "-s", "-u", "-C", "-c"), "readarray": ("-d", "-n", "-O", "-s", "-u",
                                                                                       "-C", "-c")}


def names(cmd: Cmd) -> None:
    """``test -v 'a[$(cmd)]'``, ``printf -v``, ``read``, ``mapfile``, ``let``, ``unset``, ``declare``: a variable
    name with an array subscript is evaluated, and a ``$(...)`` in the subscript runs, even inside single quotes.
    ``mapfile -C TEXT`` runs TEXT for every line read."""
    if cmd.name == "printf":
        words = cmd.values("-v")
    else:
        words = cmd.operands_skipping(set(_NAME_BUILTINS.get(cmd.name, ()))) + cmd.values("-v", "-a", "-p")
    for word in words:
        if "$(" in word or "`" in word:  # (a double-quoted one was walked already: findings do not repeat)
            for body in substitution_bodies(word):
                cmd.check.text(body, suffix=f" (run by {cmd.name} while it evaluates a variable name)")
    # printf -v PROMPT_COMMAND 'rm -rf ~', read PROMPT_COMMAND <<< '...': the same as PROMPT_COMMAND='...'
    given = cmd.stdin.texts if cmd.name == "read" and cmd.stdin is not None else cmd.operands_skipping({"-v"})[:1]
    for word in words:
        if word in CODE_ENV_VARS and given:
            cmd.check.assignment(f"{word}={given[0]}", [])
    if cmd.name in ("mapfile", "readarray"):
        for text in cmd.values("-C"):
            cmd.add("caution", f"runs a command for every line it reads ({cmd.name} -C)")
            cmd.check.text(text)


# --- interpreters ---------------------------------------------------------------------------------------------

#: language -> options whose value is program text
CODE_OPTIONS = {
    "python": ("-c",), "perl": ("-e", "-E"), "ruby": ("-e",), "node": ("-e", "-p", "--eval", "--print"),
    "php": ("-r",), "lua": ("-e",), "Rscript": ("-e",), "julia": ("-e", "-E"), "bun": ("-e", "--eval"),
    "osascript": ("-e",), "groovy": ("-e",), "expect": ("-c",), "guile": ("-c",), "gdb": ("-ex", "--eval-command"),
    "sbcl": ("--eval",), "racket": ("-e",), "tclsh": (), "ipython": ("-c",), "octave": ("--eval",),
    "matlab": ("-batch", "-r"), "gnuplot": ("-e",), "elixir": ("-e", "--eval"), "erl": ("-eval",),
    "ghc": ("-e",), "ghci": ("-e",), "clisp": ("-x",), "ecl": ("-eval",), "swift": ("-e",), "kotlin": ("-e",),
    "raku": ("-e",), "perl6": ("-e",), "csi": ("-e", "-p"), "gforth": ("-e",), "scheme": ("--eval",),
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
            _shares_folder(cmd, (cmd.values("-d", "--directory") or ["."])[-1])
        elif module and not codes:
            _module_as_program(cmd, module[0])
    if lang in ("perl", "ruby", "node", "bun"):  # -pe CODE, -ne CODE: switches bundled with -e
        for i, word in enumerate(cmd.argv[1:], start=1):
            if re.fullmatch(r"-[a-zA-Z]*[eE]", word) and len(word) > 2 and i + 1 < len(cmd.argv):
                codes.append(cmd.argv[i + 1])
    if lang == "deno" and cmd.argv[1:2] == ["eval"]:
        codes = cmd.argv[2:3]
    if lang == "bun" and cmd.argv[1:2] == ["exec"]:  # bun exec TEXT runs TEXT with Bun's shell
        cmd.check.text(" ".join(cmd.argv[2:]), suffix=" (bun exec)")
    if lang == "pwsh":
        codes = _pwsh_codes(cmd)
    if lang == "gdb":
        codes = _gdb(cmd)
    if lang in ("perl", "ruby"):
        _in_place(cmd, codes)
    script = next((w for w in cmd.argv[1:] if not w.startswith("-")), None)
    if not codes and not cmd.values("-m") and script is not None:
        if "{}" in script or cmd.fed == "find":
            script_file(cmd, script)
        elif script in STDIN_FILES and cmd.stdin is not None:
            from .flow import stdin_script

            stdin_script(cmd)
        elif script in cmd.check.written:
            cmd.check.code(lang, cmd.check.written[script], origin=script)
    for code in codes:
        if re.fullmatch(r"\s*\$\{?[A-Za-z_][A-Za-z0-9_]*\}?\s*|\s*\$[0-9@*]\s*", code):
            cmd.add("caution", f"runs {lang} code from a variable, which cannot be checked")
        cmd.check.code(lang, code)
    for index, srcs in cmd.subs.items():
        word = cmd.argv[index] if index < len(cmd.argv) else ""
        if word in codes and any(s.unknown for s in srcs):
            cmd.add("caution", f"runs {lang} code built at run time by $(...), which cannot be checked")


_GDB_COMMANDS = ("-ex", "--ex", "-eval-command", "--eval-command", "-iex", "--iex", "-init-eval-command",
                 "--init-eval-command")


def _gdb(cmd: Cmd) -> list[str]:
    """gdb's command options in every spelling; ``pipe CMD | SHELL`` runs SHELL; ``run``/``start`` run the
    program (after ``--args``, or the first operand) with the run line's arguments. The commands are returned
    for the code check, which reads ``shell``/``!`` and ``python`` lines."""
    codes = cmd.values(*_GDB_COMMANDS)
    for script in cmd.values("-x", "--command", "-ix", "--init-command"):
        if script in STDIN_FILES and cmd.stdin is not None and not cmd.stdin.unknown:
            codes += cmd.stdin.texts
        elif script in cmd.check.written:
            codes.append(cmd.check.written[script])
        else:
            cmd.add("caution", f"runs the gdb script {script}, whose contents are not shown here")
    args = cmd.argv[cmd.argv.index("--args") + 1:] if "--args" in cmd.argv else []
    if not args:
        skip = False
        for word in cmd.argv[1:]:
            if skip:
                skip = False
            elif word in _GDB_COMMANDS or word in ("-x", "--command", "-ix", "--init-command", "-p", "--pid",
                                                    "-cd", "--cd", "-d", "--directory", "-s", "--symbols",
                                                    "-e", "--exec", "-se", "-c", "--core", "-b"):
                skip = True
            elif not word.startswith("-"):
                args = [word]
                break
    out: list[str] = []
    for code in codes:
        for line in code.splitlines():
            text = line.strip()
            piped = re.match(r"(?:pipe|\|)\s*(.*)", text)
            if piped and "|" in piped.group(1):
                cmd.check.text(piped.group(1).split("|", 1)[1], suffix=" (run by gdb)")
            elif re.match(r"(?:she|shel|shell|!)(?:\s|$)", text) or text.startswith("!"):
                cmd.check.text(re.sub(r"^(?:shell|shel|she)\s*|^!", "", text), suffix=" (run by gdb)")
            elif re.match(r"(?:pi|py|python|python-interactive)(?:\s|$)", text):
                cmd.check.code("python", text.split(None, 1)[1] if " " in text else "", origin="gdb")
            elif re.match(r"(?:so|sou|sour|sourc|source)\s", text):
                cmd.add("caution", f"runs the gdb script {text.split(None, 1)[1]}, whose contents are not shown here")
            elif m := re.match(r"set\s+logging\s+file\s+(\S+)", text):
                cmd.check.write(None, m.group(1), append=True)
            elif re.match(r"(?:call|print|p|output)\s.*\b(?:system|exec\w*|popen|unlink|remove)\s*\(", text):
                cmd.add("caution", "calls a function in the program that runs commands or deletes files (gdb)")
            elif re.match(r"(?:r|ru|run|start|starti)(?:\s|$)", text) and args:
                try:
                    extra = shlex.split(text)[1:]
                except ValueError:
                    extra = text.split()[1:]
                cmd.check.text(shlex.join(args + extra), suffix=" (started by gdb)")
            else:
                out.append(line)
    return out


#: perl/ruby code that leaves nothing of a line: ``s/.*//``, ``$_ = ""``, ``undef $_``, ``$_.clear``.
_EMPTIES_LINES = re.compile(r"\bs(.)\^?\.[*+]\$?\1\1|\$_\s*=\s*(\"\"|''|q\(\)|qq\(\)|undef)|undef\s*\$_|"
                            r"\$_\.(clear|replace\(\s*(\"\"|'')\s*\))|\bgsub!?\(\s*/\.\*/\s*,\s*(\"\"|'')\s*\)")


def _in_place(cmd: Cmd, codes: list[str]) -> None:
    """``perl -pi -e CODE FILES`` / ``ruby -i -pe``: the files are rewritten with what the code prints."""
    switches = [w for w in cmd.argv[1:] if w.startswith("-") and not w.startswith("--")]
    if not any(re.match(r"-[nplaswWTtcuUXv0-9]*i", w) for w in switches):
        return
    files, skip = [], False
    for word in cmd.argv[1:]:
        if skip or word == "--":
            skip = False
            continue
        if word.startswith("-") and len(word) > 1:
            skip = bool(re.fullmatch(r"-[a-zA-Z0-9.]*[eE]|-[IMrx]", word))
            continue
        files.append(word)
    if not codes:
        files = files[1:]  # the first operand is the script
    code = "\n".join(codes)
    prints = re.search(r"\b(print|printf|say|puts)\b", code)
    quiet = any(re.match(r"-[a-zA-Z0-9]*n", w) for w in switches) and not any(
        re.match(r"-[a-zA-Z0-9]*p", w) for w in switches) and not prints
    inserted = [m.group(2) for m in re.finditer(r"\bs(.)(?:(?!\1).)*\1((?:(?!\1).)*)\1", code)]
    in_place_edit(cmd, files, bool(_EMPTIES_LINES.search(code)) or quiet, inserted)


def _shares_folder(cmd: Cmd, folder: str) -> None:
    """``python -m http.server`` serves a folder to every machine that can reach this one."""
    from .paths import critical_target, secret

    what = secret(folder, cmd.where)
    why = critical_target(folder, cmd.where)
    if what or (why and "working in" not in why and "current folder" not in why):
        cmd.add("dangerous", f"shares {what or why} with anyone on the network")
    else:
        cmd.add("caution", "shares the current folder over the network")


def _module_as_program(cmd: Cmd, module: str) -> None:
    """``python -m pip ...``, ``python -m twine upload``: the module is the program, judged by its own rule."""
    from .rules import RULES

    name = module.split(".")[0]
    program = {"jupyterlab": ["jupyter", "lab"], "notebook": ["jupyter", "notebook"],
               "jupyter_server": ["jupyter", "server"]}.get(name, [name])
    if program[0] in RULES and name != cmd.name:
        index = next(i for i, w in enumerate(cmd.argv) if w == module or w == "-m" + module)
        cmd.check.argv(program + cmd.argv[index + 1:], stdin=cmd.stdin)


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
    """``awk 'PROGRAM'`` is checked as awk code; ``awk -f FILE`` too when the text of FILE is known (read from
    standard input, a process substitution, or written just before), else it cannot be seen into."""
    files = cmd.values("-f", "--file")
    if files:
        for f in files:
            _awk_program_file(cmd, f)
        return
    ops = cmd.operands_skipping({"-F", "-v", "--assign", "--field-separator", "-f", "--file", "-i", "--include"})
    if ops:
        cmd.check.code("awk", ops[0])


def _awk_program_file(cmd: Cmd, path: str) -> None:
    index = next((i for i, a in enumerate(cmd.argv) if a == path), None)
    if index is not None and index in cmd.subs:  # awk -f <(...)
        src = cmd.subs[index][0]
        for s in cmd.subs[index][1:]:
            src = src.merge(s)
        if src.texts:
            cmd.check.code("awk", "\n".join(src.texts), origin="stdin")
        if src.unknown or src.downloads or not src.texts:
            cmd.add("caution", "runs awk code produced by another command, which cannot be checked")
    elif (path in STDIN_FILES or path == "-") and cmd.stdin is not None:
        from .flow import stdin_script

        stdin_script(cmd)
    elif path in cmd.check.written:
        cmd.check.code("awk", cmd.check.written[path], origin=path)
    else:
        cmd.add("caution", f"runs the awk program {path}, whose contents are not shown here")


#: A vim ``!`` that runs a shell command: at the start, after a range or a space (``%!cmd``, ``w !cmd``,
#: ``sil !cmd``) or inside a string that ``exe`` runs (``exe "!cmd"``); not ``q!`` or ``set nu!``.
_VIM_BANG = re.compile(r"""(?:^|[\s%.,$\d'"|])!\s*([^"'|]+)""")
_VIM_SYSTEM = re.compile(r"""\b(?:system|systemlist|job_start|term_start|jobstart|termopen)\s*\(\s*['"]([^'"]*)['"]""")
_VIM_CODE = re.compile(r"^(?:\d*,?\d*)?(py3?|python3?|pyx|py3do|pydo|py3file|pyfile|perl|perldo|ruby|rubydo|lua|"
                       r"luado|tcl|mzscheme)\b")


def _vim_command(cmd: Cmd, c: str) -> None:
    c = c.lstrip(":").strip()
    code = _VIM_CODE.match(c)
    if code:
        lang = {"py": "python", "python3": "python", "py3": "python", "pyx": "python", "py3do": "python",
                "pydo": "python", "py3file": "python", "pyfile": "python", "perldo": "perl", "rubydo": "ruby",
                "luado": "lua"}.get(code.group(1), code.group(1))
        cmd.add("caution", "runs code from the editor")
        cmd.check.code(lang, c.split(None, 1)[1] if " " in c else "")
        return
    texts = [m.group(1) for m in _VIM_BANG.finditer(c)] + [m.group(1) for m in _VIM_SYSTEM.finditer(c)]
    if texts:
        cmd.add("caution", "runs a shell command from the editor")
        for text in texts:
            cmd.check.text(text)
    elif re.search(r"\b(exe(cute)?|sys(tem)?|source|so|call)\b", c) and re.search(r"[!(]", c):
        cmd.add("caution", f"runs editor commands that may start programs ({c[:40]})")
    # files the editor deletes or writes: delete(expand("~"), "rf"), writefile([...], PATH, "a"), :w! PATH
    for m in re.finditer(r"\bdelete\s*\(\s*(?:expand\s*\(\s*)?['\"]([^'\"]+)['\"]\)?\s*(?:,\s*['\"](\w*)['\"])?", c):
        target, flags = m.group(1), m.group(2) or ""
        cmd.check.text(f"rm {'-rf ' if 'r' in flags else ''}{shlex.quote(target) if target != '~' else '~'}",
                       suffix=" (from the editor)")
    if re.search(r"\bdelete\s*\(", c) and not re.search(r"\bdelete\s*\(\s*(?:expand\s*\()?['\"]", c):
        cmd.add("caution", "deletes files from the editor")
    for m in re.finditer(r"\bwritefile\s*\(.*?,\s*(?:expand\s*\(\s*)?['\"]([^'\"]+)['\"]\)?\s*(?:,\s*['\"](\w*)['\"])?", c):
        cmd.check.write(None, m.group(1), append="a" in (m.group(2) or ""), how="writes (from the editor)")
    for m in re.finditer(r"(?:^|\|)\s*(?:\d*,?\d*)?(?:w|write|sav|saveas|up|update|wq|x)(!?)\s+(>>)?\s*([^|!\s]\S*)", c):
        cmd.check.write(None, m.group(3), append=bool(m.group(2)), how="writes (from the editor)")


def editor(cmd: Cmd) -> None:
    """vim -c '!cmd', vim +'!cmd', ``-S``/``-u`` scripts: editor commands that run shell text or code."""
    commands = cmd.values("-c", "--cmd") + [w[1:] for w in cmd.argv[1:] if w.startswith("+") and len(w) > 1]
    for c in commands:
        _vim_command(cmd, c)
    for script in cmd.values("-S", "-u"):
        if script in ("NONE", "NORC", "DEFAULTS"):
            continue
        if script in STDIN_FILES and cmd.stdin is not None and cmd.stdin.texts and not cmd.stdin.unknown:
            for line in "\n".join(cmd.stdin.texts).splitlines():
                _vim_command(cmd, line)
        elif script in cmd.check.written:
            for line in cmd.check.written[script].splitlines():
                _vim_command(cmd, line)
        else:
            cmd.add("caution", f"runs the editor script {script}, whose contents are not shown here")
    # ex mode (vim -es, ex -s) reads its commands from standard input
    invoked = cmd.argv[0].rsplit("/", 1)[-1]
    if (invoked in ("ex", "vimex", "nex") or any(re.fullmatch(r"-[a-zA-Z]*[eE][a-zA-Z]*", w) for w in cmd.flags)) \
            and cmd.stdin is not None:
        if cmd.stdin.unknown:
            cmd.add("caution", f"runs editor commands read from standard input with {cmd.name}, which cannot be "
                               "checked")
        for line in "\n".join(cmd.stdin.texts).splitlines():
            _vim_command(cmd, line)


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


# --- small languages and build tools that can run shell commands -----------------------------------------------

def _program_texts(cmd: Cmd, options: tuple[str, ...]) -> list[str]:
    """The program text a tool is given: option values, then a literal stdin (here-string, heredoc, echo |)."""
    texts = cmd.values(*options) if options else []
    if cmd.stdin is not None:
        texts += cmd.stdin.texts
    return texts


def _unseen_program(cmd: Cmd, what: str, files: list[str]) -> None:
    """A program read from files or an unknown pipe: the tool can run commands from it, which cannot be checked."""
    for f in files:
        cmd.add("caution", f"runs the {what} in {f}, which can run commands and is not shown here")
    if cmd.stdin is not None and (cmd.stdin.unknown or cmd.stdin.downloads or cmd.stdin.decodes):
        cmd.add("dangerous" if cmd.stdin.downloads or cmd.stdin.decodes else "caution",
                f"runs {what} read from a pipe, which can run commands and cannot be checked")


def dc(cmd: Cmd) -> None:
    """dc's ``!`` runs the rest of the line as a shell command (``!<``, ``!>``, ``!=`` are comparisons)."""
    for text in _program_texts(cmd, ("-e", "--expression")):
        for m in re.finditer(r"!(?![<>=])([^\n]*)", text):
            cmd.add("caution", "runs a shell command from a dc program")
            cmd.check.text(m.group(1))
    _unseen_program(cmd, "dc program", cmd.values("-f", "--file") + cmd.operands_skipping({"-e", "--expression",
                                                                                            "-f", "--file"}))


def m4(cmd: Cmd) -> None:
    """m4's ``syscmd(...)`` and ``esyscmd(...)`` run shell commands while the macros are expanded."""
    for text in _program_texts(cmd, ("-D", "--define")):
        for body in _macro_arguments(text, ("syscmd", "esyscmd")):
            cmd.add("caution", "runs a shell command from m4 macros (syscmd)")
            cmd.check.text(body)
    _unseen_program(cmd, "m4 macros", [f for f in cmd.operands_skipping({"-D", "--define", "-I", "--include",
                                                                          "-U", "--undefine", "-o", "--error-output"})
                                       if f != "-"])


def _macro_arguments(text: str, names: tuple[str, ...]) -> list[str]:
    """The argument text of every ``name(...)`` call, found by bracket counting, m4 quotes removed."""
    out = []
    for m in re.finditer(r"\b(?:" + "|".join(names) + r")\(", text):
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            j += 1
        out.append(text[m.end(): j - 1 if not depth else j].replace("`", "").replace("'", ""))
    return out


def emacs(cmd: Cmd) -> None:
    """``emacs --batch --eval '(shell-command ...)'``: Lisp code that can run commands and delete files."""
    for code in cmd.values("--eval", "-eval"):
        cmd.check.code("emacs", code)
    for f in cmd.values("-l", "--load", "--script", "-x"):
        cmd.add("caution", f"runs the Emacs Lisp in {f}, which is not shown here")


def ed(cmd: Cmd) -> None:
    """ed scripts: ``!cmd`` and ``r !cmd`` run commands, ``w FILE`` writes FILE, ``w`` alone saves the edited
    file (emptied by ``1,$d``; text added with ``a``/``i`` into a startup file is checked as commands)."""
    saves, empties, inserted, typing = False, False, [], False
    for text in _program_texts(cmd, ()):
        for line in text.splitlines():
            if typing:
                typing = line.strip() != "."
                if typing:
                    inserted.append(line)
                continue
            m = re.match(r"\s*(?:[\d,.$;+-]*\s*[erw]\s*)?!(.*)$", line)
            if m:
                cmd.add("caution", "runs a shell command from an ed script")
                cmd.check.text(m.group(1))
                continue
            m = re.match(r"\s*[\d,.$;+-]*\s*([wW])q?(?:\s+(\S+))?\s*$", line)
            if m and m.group(2):
                cmd.check.write(cmd, m.group(2), append=m.group(1) == "W")
            saves = saves or bool(m and not m.group(2))
            empties = empties or bool(re.match(r"\s*(1,\$|,|%)d\s*$", line))
            typing = bool(re.match(r"\s*[\d,.$;+-]*\s*[aic]\s*$", line))
    if saves:
        in_place_edit(cmd, [o for o in cmd.operands if o != "-"], empties, ["\n".join(inserted)] if inserted else [])


#: A Makefile rule line with its recipe after ``;`` (``all: ; rm -rf ~``).
_MAKE_RULE = re.compile(r"^[^\t#=]*?::?[^=;]*;(.*)$")


#: make variables its built-in rules run as programs
_MAKE_PROGRAMS = {"CC", "CXX", "CPP", "LD", "AR", "AS", "FC", "F77", "RM", "MAKE", "INSTALL", "LEX", "YACC", "M4",
                  "PC", "CO", "GET", "TEX", "MAKEINFO", "CTANGLE", "CWEAVE", "TANGLE", "WEAVE", ".SHELLFLAGS",
                  "LINK.c", "COMPILE.c", "LINK.o", "RANLIB", "STRIP", "OBJCOPY"}


def make(cmd: Cmd) -> None:
    """A Makefile given as text (``make -f <(echo 'all:;rm -rf ~')``, ``--eval``) has its recipes checked;
    one produced at run time cannot be, nor can the project's own Makefile (routine, and not looked into),
    unless the same command wrote it just before."""
    texts: list[str] = list(cmd.values("--eval", "-E"))
    for i, word in enumerate(cmd.argv[1:], start=1):
        if word in ("-f", "--file", "--makefile") or word.startswith(("-f", "--file=", "--makefile=")):
            index = i + 1 if word in ("-f", "--file", "--makefile") else i
            for src in cmd.subs.get(index, []):
                texts += src.texts
                if src.unknown or src.downloads or src.decodes or not src.texts:
                    cmd.add("dangerous" if src.downloads or src.decodes else "caution",
                            "runs a Makefile produced by another command, which cannot be checked")
    named = cmd.values("-f", "--file", "--makefile") or ["GNUmakefile", "makefile", "Makefile"]
    for name in named:  # echo 'all:; rm -rf ~' > Makefile && make: written just before, so it can be read
        for key in (name, "./" + name):
            if key in cmd.check.written:
                texts.append(cmd.check.written[key])
                break
    if any(v == "-" or v in STDIN_FILES for v in cmd.values("-f", "--file", "--makefile")):
        if cmd.stdin is None or cmd.stdin.unknown:
            cmd.add("caution", "runs a Makefile read from standard input, which cannot be checked")
        else:
            texts += cmd.stdin.texts
    for word in cmd.operands:
        shell_words = word[6:].split() if word.startswith("SHELL=") else []
        if shell_words and not (len(shell_words) == 1 and program_name(shell_words[0]) in SHELLS):
            cmd.add("caution", f"makes make run every recipe with {word[6:]}")
            cmd.check.text(word[6:])
        name, eq, value = word.partition("=")
        shell_like = re.search(r"[;|&#`<>]|\$\(", value)
        if eq and re.fullmatch(r"[A-Za-z_.][\w.]*", name) and name != "SHELL" and (name in _MAKE_PROGRAMS
                                                                                   or shell_like):
            # make CC='rm -rf ~ #' x: the built-in rules run $(CC) as a command
            if shell_like or (name in _MAKE_PROGRAMS and len(value.split()) > 2):
                cmd.add("caution", f"sets {name}, which make runs as (part of) a command")
            cmd.check.text(f"{value} x", suffix=f" (make's {name})")
    for text in texts:
        for m in re.finditer(r"\$[({]file\s+(>>?)\s*([^,)}]+)", text):
            cmd.check.write(None, m.group(2).strip(), append=m.group(1) == ">>", how="writes (make's $(file))")
    for text in texts:
        for recipe in make_recipes(text):
            cmd.check.text(recipe, suffix=" (a make recipe)")


def build_file_from_stdin(cmd: Cmd) -> None:
    """just, scons, rake, invoke, tox, nox: a recipe file read from standard input runs whatever it says. The
    project's own file is routine, as make's is; one from a pipe, a here-string or a file is at least caution,
    and its text is checked as shell where it is known (recipes are shell lines)."""
    files = cmd.values("-f", "--file", "--justfile", "--rakefile", "--sconstruct", "-c", "--configfile",
                       "--noxfile", "--collection")
    if not any(v == "-" or v in STDIN_FILES for v in files):
        return
    cmd.add("caution", f"runs a {cmd.name} file read from standard input, whose recipes run as commands")
    if cmd.stdin is not None and not cmd.stdin.unknown:
        for line in "\n".join(cmd.stdin.texts).splitlines():
            if line.strip() and not line.rstrip().endswith(":"):
                cmd.check.text(line.strip().lstrip("@-"), suffix=f" (a {cmd.name} recipe)")


def ninja(cmd: Cmd) -> None:
    """A build file given on standard input (``ninja -f /dev/stdin``): its ``command =`` lines are checked when
    the text is known, else the command is caution; the project's own build.ninja is routine, as make's is."""
    files = cmd.values("-f")
    if not any(v == "-" or v in STDIN_FILES for v in files) and not any(v in cmd.check.written for v in files):
        return
    text = next((cmd.check.written[v] for v in files if v in cmd.check.written), None)
    if text is None and (cmd.stdin is None or cmd.stdin.unknown):
        cmd.add("caution", "runs a build file read from standard input, which cannot be checked")
        return
    for line in (text if text is not None else "\n".join(cmd.stdin.texts if cmd.stdin else [])).splitlines():
        m = re.match(r"\s*command\s*=\s*(.*)", line)
        if m:
            cmd.check.text(m.group(1), suffix=" (a ninja build command)")


def make_recipes(makefile: str) -> list[str]:
    """Shell commands in Makefile text: tab-indented recipe lines, ``target: ; cmd`` and ``$(shell cmd)``;
    make's ``$$`` is the shell's ``$``, ``$(NAME)`` a variable."""
    out = []
    for line in makefile.replace("\\\n", " ").split("\n"):
        m = _MAKE_RULE.match(line)
        recipe = line[1:] if line.startswith("\t") else (m.group(1) if m else None)
        if recipe is not None:
            out.append(recipe.lstrip("@-+ "))
    out += _macro_arguments(makefile.replace("$(shell ", "shell("), ("shell",))
    return [re.sub(r"\$[({]([A-Za-z_]\w*)[)}]", r"${\1}", r.replace("$$", "$")) for r in out if r.strip()]


def cmake(cmd: Cmd) -> None:
    """``cmake -E rm -rf ~``: cmake's portable commands are checked as the commands they stand for."""
    args = cmd.argv[1:]
    if args[:1] != ["-E"] or len(args) < 2:
        for script in cmd.values("-P"):
            cmd.add("caution", f"runs the CMake script {script}, which is not shown here")
        return
    sub, rest = args[1], args[2:]
    same = {"rm": ["rm"], "remove": ["rm", "-f"], "remove_directory": ["rm", "-rf"], "rename": ["mv"],
            "copy": ["cp"], "copy_directory": ["cp", "-r"], "create_symlink": ["ln", "-s"], "touch": ["touch"],
            "make_directory": ["mkdir", "-p"], "tar": ["tar"], "chdir": [], "env": ["env"], "time": []}
    if sub in same:
        if sub == "chdir" and rest:
            cmd.check.text(f"cd {shlex.quote(rest[0])} && " + " ".join(shlex.quote(w) for w in rest[1:]))
        elif same[sub] or rest:
            cmd.check.argv(same[sub] + rest)
