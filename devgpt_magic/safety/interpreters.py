"""A look inside interpreter one-liners (``python -c``, ``perl -e``, ``node -e``, ``awk 'BEGIN{...}'``...).

Not a parser for each language: a few patterns per language for the calls that matter (running shell commands,
deleting files, network, running decoded or downloaded code), plus the string literals in the code. A literal
that looks like a shell command is checked like one; a literal path is checked like a delete or write target.
What cannot be understood stays at caution; what is plainly destructive is dangerous.
"""

from __future__ import annotations

import codecs
import re
from typing import TYPE_CHECKING

from .parse import quote_word
from .paths import critical_target, important_file, secret
from .programs import SHELLS, program_name

if TYPE_CHECKING:
    from .walk import Checker

_STRING = re.compile(r"""'''(.*?)'''|\"\"\"(.*?)\"\"\"|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|`((?:[^`\\]|\\.)*)`""",
                     re.S)
_PROGRAM_AND_ARGS = re.compile(r"""(['"])([\w./-]+)\1\s*,\s*(?:\{\s*args\s*:\s*)?(?:c\s*\(|list\s*\(|\[)\s*"""
                               r"""((?:(?:'[^']*'|"[^"]*")\s*,?\s*)+)[\])]""")
_LIST = re.compile(r"""\[\s*((?:(?:'[^']*'|"[^"]*")\s*,\s*)*(?:'[^']*'|"[^"]*"))\s*,?\s*\]""")

#: language -> regex of calls that run shell commands or other programs
RUNS_COMMANDS = {
    "python": r"\.system\s*\(|\.popen\s*\(|\b(os\.system|os\.popen|subprocess|commands\.getoutput|pty\.spawn|"
              r"os\.exec\w*|os\.spawn\w*|check_output|check_call|Popen|getstatusoutput)\b|"
              r"get_ipython\(\)\.(system|getoutput|run_line_magic|run_cell_magic)",
    "perl": r"\b(system|exec|qx|open\s*\(?\s*\w+\s*,\s*['\"]\s*\||readpipe)\b|`",
    "ruby": r"\b(system|exec|spawn|IO\.popen|Open3|%x|Kernel\.`)|`",
    "node": r"child_process|\b(exec|execSync|spawn|spawnSync|execFile|execFileSync)\s*\(",
    "php": r"\b(system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec)\s*\(|`",
    "lua": r"\bos\.execute|\bio\.popen",
    "awk": r"\bsystem\s*\(|\|\s*getline|\|\s*\"|print[^;}]*\|",
    "pwsh": r"(?i)\b(Invoke-Expression|iex|Start-Process|Invoke-Command|cmd\s*/c)\b",
    "osascript": r"do shell script|doShellScript",
    "Rscript": r"\b(system2?|shell)\s*\(",
    "julia": r"\brun\s*\(|`",
    "tclsh": r"\bexec\b",
    "gdb": r"(?m)^\s*(shell|!)|\bshell\b",
    "octave": r"\b(system|shell_cmd|unix|dos|popen2?)\b",
    "gnuplot": r"\bsystem\b|`|(?:^|\n)\s*!|['\"][<|]",
    "lisp": r"\((shell-command\S*|async-shell-command|call-process\S*|start-process\S*|make-process|process-lines|"
            r"process-file|system\*?|run-program|sb-ext:run-program|uiop:run-program|process\*?|subprocess)[\s)]",
    "java": r"Runtime\.getRuntime\(\)\.exec|ProcessBuilder|\.exec\s*\(",
}
RUNS_COMMANDS["tclsh"] = r"\b(exec|spawn)\b|\bopen\s+[\"{]?\|"
RUNS_COMMANDS["node"] += r"|Deno\.(run|Command)|Bun\.(spawn|spawnSync|\$)|\$`"

#: Interpreters that read the same language as another one in these tables.
FAMILY = {"bun": "node", "deno": "node", "ts-node": "node", "tsx": "node", "ipython": "python", "expect": "tclsh",
          "wish": "tclsh", "R": "Rscript", "guile": "lisp", "racket": "lisp", "sbcl": "lisp", "emacs": "lisp",
          "jshell": "java", "groovy": "java", "scala": "java", "kotlinc": "java", "matlab": "octave"}
_GENERIC_RUNS = r"\b(system|exec|popen|spawn|shell_exec|passthru)\s*\("

#: language -> regex of calls that delete files; group "r" marks recursive deletion
DELETES = {
    "python": r"(?P<r>rmtree|remove_tree)|\bos\.(remove|unlink|rmdir|removedirs)\b|\.unlink\(|\.rmdir\(",
    "perl": r"(?P<r>rmtree|remove_tree)|\bunlink\b|\brmdir\b",
    "ruby": r"(?P<r>rm_rf|rm_r|remove_dir|remove_entry|rmtree)|File\.delete|FileUtils\.rm\b|Dir\.rmdir|File\.unlink",
    "node": r"(?P<r>recursive\s*:\s*true|rimraf|rmdirSync|removeSync|emptyDirSync)|\bfs\.(rm|unlink|rmdir)\w*|"
            r"rmSync|unlinkSync",
    "php": r"\bunlink\s*\(|\brmdir\s*\(",
    "lua": r"\bos\.remove",
    "pwsh": r"(?i)(?P<r>-Recurse)|\bRemove-Item\b|\brm\b|\bdel\b",
    "Rscript": r"(?P<r>unlink\([^)]*recursive\s*=\s*TRUE)|\bunlink\s*\(|file\.remove",
    "octave": r"(?P<r>rmdir\s*\([^)]*['\"]s['\"])|\bdelete\s*\(|\brmdir\s*\(|\bunlink\s*\(",
    "lisp": r"(?P<r>delete-directory[^)]*\bt\)|delete-directory/files)|\(delete-file|\(delete-directory",
    "tclsh": r"(?P<r>file\s+delete\s+-force)|file\s+delete",
    "java": r"(?P<r>deleteDirectory|walkFileTree|\.deleteDir\(\))|Files\.delete(IfExists)?|FileUtils\.forceDelete|"
            r"\.delete\(\)",
    "julia": r"(?P<r>recursive\s*=\s*true)|\brm\s*\(|Filesystem\.rm\b",
}
DELETES["node"] += r"|Deno\.remove(Sync)?"

#: language -> calls that move a file or folder; group "src" is the first argument when it is a literal
MOVES = {
    "python": r"(?:shutil\.move|os\.renames?|os\.replace)\s*\(\s*(?P<q>['\"])(?P<src>.*?)(?P=q)|"
              r"Path\(\s*(?P<q2>['\"])(?P<src2>.*?)(?P=q2)\s*\)\.(?:rename|replace)\(",
    "node": r"(?:\brenameSync|\bfs\.rename|promises\.rename|\bmoveSync|Deno\.rename(?:Sync)?)\s*\(\s*"
            r"(?P<q>['\"`])(?P<src>.*?)(?P=q)",
    "ruby": r"(?:FileUtils\.(?:mv|move)|File\.rename)\s*\(?\s*(?P<q>['\"])(?P<src>.*?)(?P=q)",
    "perl": r"\b(?:move|rename)\s*\(?\s*(?P<q>['\"])(?P<src>.*?)(?P=q)",
    "php": r"\brename\s*\(\s*(?P<q>['\"])(?P<src>.*?)(?P=q)",
}

#: language -> constructs that hide what the code calls (a name built from strings, a function looked up at run
#: time): the checker cannot follow them, so code using them is at least caution (fail closed).
OPAQUE = {
    "python": r"\bgetattr\s*\(|__import__\s*\(\s*[^'\"\s]|importlib|__builtins__|__dict__|\bglobals\s*\(|"
              r"\bvars\s*\(|sys\.modules|\bctypes\b|__subclasses__|__globals__|methodcaller|attrgetter|"
              r"pickle\.loads?|\bmarshal\b|\bimport\s*\*",
    "node": r"\bglobal(This)?\s*\[|process\.binding|process\.mainModule|\brequire\s*\(\s*[^'\"`\s)]|"
            r"\bimport\s*\(\s*[^'\"`\s)]|module\.constructor|Reflect\.",
    "perl": r"&\{\s*['\"$]|->can\s*\(|\*\{\s*['\"]|CORE::GLOBAL",
    "ruby": r"\b(__send__|public_send|send|const_get|instance_variable_get|method)\s*[(:]",
    "php": r"\$\w+\s*\(|\bcall_user_func|array_map\s*\(\s*['\"]|\$\$",
    "lua": r"_G\s*\[|\bgetfenv\b|\brawget\s*\(",
}
_NETWORK = re.compile(r"socket|urllib|requests\.|http\.client|httpx|aiohttp|\bfetch\s*\(|net\.(connect|Socket|"
                      r"createConnection)|require\(['\"](net|http|https|dgram)['\"]\)|Net::HTTP|TCPSocket|IO::Socket|"
                      r"LWP|fsockopen|curl_exec|Invoke-WebRequest|Invoke-RestMethod|Net\.WebClient|/inet/tcp|"
                      r"/inet/udp|websocket|smtplib|ftplib|paramiko|urlopen|DownloadString|iwr\b|wget|curl",
                      re.I)
_SHELL_LITERAL = re.compile(r"(^|/)(ba|z|da|k|c|tc|fi)?sh(\s+-i)?$|cmd\.exe|powershell")
_SPAWNS_SHELL = re.compile(r"pty\.spawn|os\.dup2|dup2\(|\bexec\s*\(\s*['\"]/bin/|/bin/(ba)?sh|\bsh\s+-i|cmd\.exe|"
                           r"STDIN->fdopen|open\s*\(\s*STDIN|spawn\(['\"](/bin/)?(ba)?sh")
_RUNS_CODE = {
    "python": r"\bexec\s*\(|\beval\s*\(|\bcompile\s*\(|__import__\(['\"]os['\"]\)\.system|marshal\.loads",
    "perl": r"\beval\b",
    "ruby": r"\beval\b|instance_eval|class_eval",
    "node": r"\beval\s*\(|new\s+Function\s*\(|vm\.run",
    "php": r"\beval\s*\(|assert\s*\(|create_function",
    "lua": r"\bload(string)?\s*\(|\bdofile\b",
    "pwsh": r"(?i)Invoke-Expression|\biex\b|ScriptBlock\]::Create",
}
_DECODES = re.compile(r"b64decode|base64|decodebytes|fromhex|unhexlify|zlib\.decompress|codecs\.decode|rot.?13|"
                      r"decode_base64|unpack\s*\(\s*['\"][mHu]|Buffer\.from\([^)]*['\"](base64|hex)['\"]|atob\(|"
                      r"FromBase64String|gzinflate|str_rot13|\.decode\(['\"](hex|base64)", re.I)
_HOME = re.compile(r"expanduser\(\s*['\"]~|Path\.home\(\)|environ\[['\"]HOME|environ\.get\(['\"]HOME|getenv\(['\"]HOME|"
                   r"\$ENV\{HOME\}|ENV\[['\"]HOME|os\.homedir\(\)|process\.env\.HOME|Dir\.home|\$HOME|"
                   r"Deno\.env\.get\(['\"]HOME|Bun\.env\.HOME|"
                   r"\$env:USERPROFILE|homedir\(\)|getProperty\(\s*['\"]user\.home|"
                   r"\$HOME|~/?['\"]")
#: The home folder itself (not a path inside it), as each language writes it.
_HOME_EXACT = re.compile(r"expanduser\(\s*['\"]~/?['\"]\s*\)|Path\.home\(\)(?!\s*/|\s*\.(?!r?glob\(|iterdir\())|"
                         r"environ\[['\"]HOME['\"]\](?!\s*[+])|"
                         r"environ\.get\(['\"]HOME['\"]\)(?!\s*[+])|getenv\(['\"]HOME['\"]\)(?!\s*[+.])|"
                         r"\$ENV\{HOME\}(?!\s*\.|/)|ENV\[['\"]HOME['\"]\](?!\s*[+])|\.homedir\(\)(?!\s*[+])|"
                         r"process\.env\.HOME(?!\s*[+])|Dir\.home(?!\s*[+])|"
                         r"Deno\.env\.get\(['\"]HOME['\"]\)(?!\s*[+])|Bun\.env\.HOME(?!\s*[+])|"
                         r"(?<![.\w])homedir\(\)(?!\s*[*+])|getProperty\(\s*['\"]user\.home['\"]\s*\)(?!\s*[+])")
_WRITES = re.compile(r"open\s*\([^)]*,\s*['\"][wa]|write_text|write_bytes|writeFile|appendFile|File\.write|"
                     r"shutil\.(copy\w*|move)|os\.(rename|replace)|copyFile(Sync)?|FileUtils\.(cp|mv|copy|move)|"
                     r"write-region|with-temp-file|append-to-file|"
                     r"file_put_contents|Out-File|Set-Content|Add-Content|>>|print\s*>|"
                     r"open\s*\(\s*\w+\s*,\s*['\"]?>", re.S)
_APPENDS = re.compile(r"open\s*\([^)]*,\s*['\"]a|appendFile|Add-Content|>>|FILE_APPEND")
_FORK = re.compile(r"fork\s*(\(\s*\))?\s*(while|until)\s*fork|while[^{;:]*[:{]?[^}]*\bfork\b|for\s*\(\s*;\s*;\s*\)"
                   r"[^}]*fork|\bfork\b[^;]*\bwhile\b|loop\s*\{[^}]*fork", re.S)


def literals(code: str) -> list[str]:
    """The string literals in the code, with escapes decoded (``"\\x72m -rf ~"`` is ``rm -rf ~``)."""
    out = []
    for m in _STRING.finditer(code):
        text = next(g for g in m.groups() if g is not None) if any(g is not None for g in m.groups()) else ""
        if "\\" in text:
            try:
                text = codecs.decode(text.encode("latin-1", "backslashreplace"), "unicode_escape")
            except (UnicodeError, ValueError):  # not a valid escape: keep quotes and backslashes simple
                text = text.replace("\\'", "'").replace('\\"', '"').replace("\\\\", "\\")
        out.append(text)
    return out


def _looks_like_shell(text: str) -> bool:
    from .rules import RULES
    from .wrappers import wrapper_for

    words = text.strip().split()
    if not words:
        return False
    name = program_name(words[0])
    return name in RULES or name in SHELLS or wrapper_for(name) is not None or any(c in text for c in "|;&>`$")


#: languages without deletion tables whose code is still read: gdb and gnuplot only run shell commands through
#: the RUNS_COMMANDS forms (gdb's python lines are read as Python), awk has its own reading
_READ_ELSEWHERE = {"gdb", "gnuplot", "awk", "osascript"}


def inspect_code(check: "Checker", language: str, code: str, *, origin: str = "") -> None:
    """Add findings for interpreter code: what it runs, deletes, moves, writes and sends, and whether it hides
    what it calls (then it is at least caution, and its shell-like strings are checked as commands anyway)."""
    lang = FAMILY.get(language, language)
    if language == "ipython":
        code = _ipython_shell(check, code)
    if lang == "gdb":  # gdb's python command runs Python
        for m in re.finditer(r"(?m)^\s*(?:python|py|pi)\s+(.+)$", code):
            inspect_code(check, "python", m.group(1), origin=origin)
    if lang not in DELETES and lang not in _READ_ELSEWHERE:
        check.add("caution", f"runs {language} code, which this check cannot read")
        for text in literals(code):
            if _looks_like_shell(text):
                check.text(text)
    lits = literals(code)
    if lang == "python":
        code = python_names(code)
    runs = re.search(RUNS_COMMANDS.get(lang, _GENERIC_RUNS), code)
    opaque = re.search(OPAQUE.get(lang, r"(?!x)x"), code)
    network = _NETWORK.search(code)
    where = check.where
    if lang == "awk":
        _awk(check, code, lits)
    if _FORK.search(code) and re.search(r"\bfork\b", code):
        check.add("dangerous", "is a fork bomb: it starts processes until the machine hangs")
    if opaque:
        hidden = opaque.group(0).rstrip(" ([:").strip()
        check.add("caution", f"uses {language} code that hides what it calls ({hidden}), so it cannot be fully checked")
    if runs or opaque:
        if runs:
            check.add("caution", f"runs shell commands from {language}")
        for text in _shell_candidates(lang, code, lits):
            check.text(text)
        if runs and _DECODES.search(code):
            check.add("dangerous", f"decodes hidden text and runs it as a command ({language})")
        if runs and network and (_SPAWNS_SHELL.search(code) or any(_SHELL_LITERAL.search(lit.strip())
                                                                   for lit in lits)):
            check.add("dangerous", "connects a shell to another machine over the network (a reverse shell)")
        elif runs and network:
            check.add("dangerous", f"runs commands and talks to the network from {language}: it may let another "
                                   "machine control this one")
    elif network and _SPAWNS_SHELL.search(code):
        check.add("dangerous", "connects a shell to another machine over the network (a reverse shell)")
    _deletes(check, lang, language, code, lits)
    _moves(check, lang, language, code)
    runs_code = re.search(_RUNS_CODE.get(lang, r"\beval\s*\("), code)
    if runs_code and origin != "eval":
        for m in re.finditer(r"\b(?:exec|eval|compile|Function|instance_eval|loadstring|load)\s*\(\s*", code):
            literal = _STRING.match(code, m.end())
            if literal:  # exec('import os; os.system(...)'): the string is code too
                inspect_code(check, language, literals(literal.group(0))[0], origin="eval")
    if runs_code:
        if _DECODES.search(code):
            check.add("dangerous", f"decodes hidden code and runs it ({language})")
        elif network:
            check.add("dangerous", f"downloads code and runs it ({language})")
        else:
            check.add("caution", f"runs code built at run time ({language})")
    if _WRITES.search(code):
        append = bool(_APPENDS.search(code))
        for t in lits:
            if t.startswith(("/", "~", ".")) or "/" in t:
                info = important_file(t, where)
                if info is not None:
                    check.add(info.append_level if append else info.overwrite_level,
                              f"{'adds to' if append else 'overwrites'} {t}, {info.what} (from {language})")
    if lang == "gnuplot":
        for m in re.finditer(r"set\s+(?:output|print|table)\s+['\"]([^'\"|][^'\"]*)['\"]", code):
            check.write(None, m.group(1), append=False)
    leaked = [w for w in (secret(t, where) for t in lits if "/" in t or t.startswith((".", "~")))
              if w and w != "your whole home folder"]
    if _HOME.search(code) and re.search(r"\.ssh|\.aws|\.gnupg|\.kube", code):
        leaked.append("your keys or credentials")
    if leaked and network:
        check.add("dangerous", f"sends {leaked[0]} to another machine (from {language})")
    elif leaked:
        check.add("caution", f"reads {leaked[0]} (from {language})")
    if network and re.search(r"(?i)chmod|os\.chmod|0o?777|setuid", code) and runs:
        check.add("caution", f"changes permissions from {language}")


def _shell_candidates(lang: str, code: str, lits: list[str]) -> list[str]:
    """Text in the code that looks like a shell command: string literals, ``['rm', '-rf', '/']`` lists, backticks,
    and each language's own ways to run a command (tcl ``exec rm ...``, gnuplot ``!cmd`` and ``"< cmd"``)."""
    candidates = [lit[1:] if lit.startswith(("|", "<")) else lit for lit in lits]
    # "rm -rf " + path, f"rm -rf {path}", `rm -rf ${path}`: the computed part is unknown, as $X is to a shell
    candidates += [_computed(m.group(0)) for m in _STRING.finditer(code)
                   if re.match(r"\s*(\+|%|\.\s*format\b|\.\s*\$|\.\s*\w)", code[m.end():]) or "{" in m.group(0)]
    candidates = [c for c in candidates if c and _looks_like_shell(c)]
    for m in _LIST.finditer(code):
        words = [w.strip()[1:-1] for w in re.findall(r"'[^']*'|\"[^\"]*\"", m.group(1))]
        if words:
            candidates.append(" ".join(quote_word(w) for w in words))
    for m in _PROGRAM_AND_ARGS.finditer(code):  # spawn('rm', ['-rf', '/']), system2("rm", c("-rf", "~"))
        words = [m.group(2)] + [w[1:-1] for w in re.findall(r"'[^']*'|\"[^\"]*\"", m.group(3))]
        candidates.append(" ".join(quote_word(w) for w in words))
    if lang in ("perl", "ruby", "php", "julia", "gnuplot") and "`" in code:
        candidates += re.findall(r"`([^`]*)`", code)
    if lang == "tclsh":
        candidates += re.findall(r"(?:^|[\[;{\s])(?:exec|spawn)\s+([^\]\n;}]+)", code)
    if lang in ("gdb", "gnuplot"):
        candidates += re.findall(r"(?m)^\s*(?:shell\s|!)\s*(.+)$", code)
    return candidates


def _computed(literal: str) -> str:
    """A string literal that is joined with something computed: ``{...}`` / ``${...}`` placeholders and a
    missing end become ``$X`` (``"rm -rf " + home`` -> ``rm -rf $X``)."""
    found = literals(literal)
    text = found[0] if found else ""
    home = re.sub(r"\$?\{[^{}]*\}", lambda m: "~" if _HOME_EXACT.search(m.group(0)) else "$X", text)
    return home + ("$X" if home.endswith(" ") else "")


def _deletes(check: "Checker", lang: str, language: str, code: str, lits: list[str]) -> None:
    """Deleting calls: dangerous on critical folders and important files, caution otherwise."""
    if not re.search(DELETES.get(lang, r"(?!x)x"), code):
        return
    recursive = any(m.group("r") for m in re.finditer(DELETES[lang], code) if "r" in m.groupdict()) or bool(
        re.search(r"\.rglob\(|\bos\.walk\(|\bglob\([^)]*\*\*|recursive\s*[=:]\s*(True|true)", code))
    targets = [t for t in lits if not re.search(r"glob\(\s*(['\"])" + re.escape(t) + r"\1", code)]  # patterns
    targets += ["~"] if _home_itself(code) else []
    if lang in ("pwsh", "tclsh"):
        bare = re.findall(r"(?<![\w.$-])(~|/|\$HOME|\$env:USERPROFILE|\$env:HOME|C:\\?)(?=[\s;'\")\]}]|$)", code)
        targets += ["/" if t.startswith("C:") else "~" if t.startswith("$") else t for t in bare]
    hit = False
    for t in targets:
        why = critical_target(t, check.where)
        info = important_file(t, check.where)
        if why and (recursive or t.strip() in ("/", "~")):
            check.add("dangerous", f"{'recursively deletes' if recursive else 'deletes'} {why} (from {language})")
            hit = True
        elif info is not None and info.kind != "hook":
            check.add("dangerous", f"deletes {t}, {info.what} (from {language})")
            hit = True
    if not hit:
        check.add("caution", f"{'recursively deletes' if recursive else 'deletes'} files from {language}")


def _moves(check: "Checker", lang: str, language: str, code: str) -> None:
    """``shutil.move('/home/u/proj', ...)``: moving away a critical folder or an important file."""
    pattern = MOVES.get(lang)
    if pattern is None:
        return
    for m in re.finditer(pattern, code):
        source = next((g for k, g in m.groupdict().items() if k.startswith("src") and g), None)
        if source is None:
            continue
        why = critical_target(source, check.where)
        info = important_file(source, check.where)
        if why:
            check.add("dangerous", f"moves away {why} (from {language})")
        elif info is not None and info.kind != "hook":
            check.add("dangerous", f"moves {source} away, {info.what} (from {language})")
        else:
            check.add("caution", f"moves files from {language}")
    if lang == "python" and re.search(r"(?:shutil\.move|os\.renames?|os\.replace)\s*\(\s*(?:os\.path\.)?"
                                      r"expanduser\(\s*['\"]~/?['\"]\s*\)|(?:shutil\.move|os\.rename)\s*\(\s*"
                                      r"(?:pathlib\.)?Path\.home\(\)\s*,", code):
        check.add("dangerous", f"moves away your home folder (from {language})")


#: Functions a ``from MODULE import *`` brings in that the tables look for, by module.
_STAR_NAMES = {"os": r"system|popen|remove|unlink|rmdir|removedirs|renames?|replace|chmod|exec\w*|spawn\w*|kill",
               "subprocess": r"run|call|Popen|check_output|check_call|getoutput|getstatusoutput",
               "shutil": r"rmtree|move|copy\w*|chown", "pty": r"spawn"}


def python_names(code: str) -> str:
    """Python code with its import aliases written out, so the tables see the real calls.

    ``from os import system as s; s(...)`` -> ``os.system(...)``; ``import shutil as sh`` -> ``shutil``;
    ``__import__('os').remove`` -> ``os.remove``; ``from os import *; system(...)`` -> ``os.system(...)``.
    """
    code = re.sub(r"(?:__import__|importlib\.import_module)\(\s*(['\"])([\w.]+)\1\s*\)", r"\2", code)
    aliases: dict[str, str] = {}
    for m in re.finditer(r"\bfrom\s+([\w.]+)\s+import\s+\(?([^\n;)]+)", code):
        for item in m.group(2).split(","):
            parts = item.split()
            if parts == ["*"] and m.group(1) in _STAR_NAMES:
                code = re.sub(rf"(?<![\w.])({_STAR_NAMES[m.group(1)]})\s*\(", rf"{m.group(1)}.\1(", code)
            elif len(parts) == 3 and parts[1] == "as":
                aliases[parts[2]] = f"{m.group(1)}.{parts[0]}"
            elif len(parts) == 1 and parts[0].isidentifier():
                aliases[parts[0]] = f"{m.group(1)}.{parts[0]}"
    for m in re.finditer(r"(?<!\S)import\s+([^\n;]+)", code):
        if re.search(r"\bfrom\s+\S+\s+$", code[:m.start()]):
            continue
        for item in m.group(1).split(","):
            parts = item.split()
            if len(parts) == 3 and parts[1] == "as":
                aliases[parts[2]] = parts[0]
    for alias, target in aliases.items():
        if alias != target:
            code = re.sub(rf"(?<![\w.]){re.escape(alias)}(?=\s*[.(])", target, code)
    return code


def _ipython_shell(check: "Checker", code: str) -> str:
    """IPython's shell escapes (``!cmd``, ``x = !cmd``, ``%sx``, ``%system``, ``%%bash`` cells) are checked as
    shell text; ``%run FILE`` runs a file unseen. Returns the Python that is left."""
    lines = code.split("\n")
    if lines and re.match(r"\s*%%(bash|sh|script\s+\S*sh|system)\b", lines[0]):
        check.text("\n".join(lines[1:]))
        return ""
    python = []
    for line in lines:
        m = re.match(r"\s*(?:[\w, ]+=\s*)?(?:!{1,2}|%(?:sx|system|sc\s+-?\w*\s*\w+\s*=)\s)(.*)$", line)
        if m:
            check.text(m.group(1))
            continue
        m = re.match(r"\s*%run\s+(?:-\w+\s+)*(\S+)", line)
        if m:
            check.add("caution", f"runs the file {m.group(1)}, whose contents are not shown here (%run)")
            continue
        python.append(line)
    return "\n".join(python)


def _home_itself(code: str) -> bool:
    """The code names the home folder itself (not joined with a path inside it)."""
    return any(not re.search(r"join\(\s*(os\.|process\.|\$)?$", code[max(0, m.start() - 20):m.start()])
               for m in _HOME_EXACT.finditer(code))


def _awk_value(expr: str) -> str | None:
    """The string an awk expression makes when it is only literals and ``ENVIRON["NAME"]`` joined together
    (``ENVIRON["HOME"] "/.bashrc"`` -> ``~/.bashrc``); None when part of it is only known at run time."""
    out = []
    parts = r'"((?:[^"\\]|\\.)*)"|ENVIRON\s*\[\s*"(\w+)"\s*\]|([A-Za-z_$][\w$]*(?:\[[^]]*\])?)|(\S)'
    for m in re.finditer(parts, expr):
        text, env, name, other = m.groups()
        if text is not None:
            out.append(text.replace('\\"', '"').replace("\\\\", "\\"))
        elif env is not None:
            out.append("~" if env == "HOME" else f"${env}")
        elif name is not None or other not in ("(", ")"):
            return None
    return "".join(out)


def _awk(check: "Checker", code: str, lits: list[str]) -> None:
    """awk's own ways to reach outside: ``/inet/tcp``, ``print > FILE``, ``print | CMD``, ``CMD | getline``,
    ``system(CMD)`` with a command built from strings and ``ENVIRON``."""
    if re.search(r"/inet/(tcp|udp)/", code):
        if re.search(r"\|\s*getline|system\s*\(", code):
            check.add("dangerous", "runs commands received over the network (awk /inet/tcp, a reverse shell)")
        else:
            check.add("caution", "opens a network connection (awk /inet)")
    for m in re.finditer(r"\b(?:print|printf)\b[^;}|>]*(>>|>|\|&?)\s*([^;}\n]+)", code):
        op, value = m.group(1), _awk_value(m.group(2))
        if "/inet/" in m.group(2):
            continue
        if value is None:
            check.add("caution", "writes to a file or command whose name awk computes, which cannot be checked")
        elif op.startswith("|"):
            check.add("caution", "pipes text into a command from awk")
            check.text(value)
            if program_name(value.split()[0] if value.split() else "") in SHELLS:
                check.add("caution", "pipes text into a shell from awk, which cannot be checked")
        else:
            check.write(None, value, append=op == ">>")
    for m in re.finditer(r"((?:\"(?:[^\"\\]|\\.)*\"|ENVIRON\s*\[\s*\"\w+\"\s*\]|\s)+)\|\s*getline|"
                         r"\bsystem\s*\(([^;}]*)\)", code):
        value = _awk_value(m.group(1) or m.group(2))
        if value is None:
            check.add("caution", "runs a command awk builds at run time, which cannot be checked")
        elif value.strip():
            check.text(value)
