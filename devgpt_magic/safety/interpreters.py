"""A look inside interpreter one-liners (``python -c``, ``perl -e``, ``node -e``, ``awk 'BEGIN{...}'``...).

Not a parser for each language: a few patterns per language for the calls that matter (running shell commands,
deleting files, network, running decoded or downloaded code), plus the string literals in the code. A literal
that looks like a shell command is checked like one; a literal path is checked like a delete or write target.
What cannot be understood stays at caution; what is plainly destructive is dangerous.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .paths import critical_target, important_file, secret
from .programs import SHELLS, program_name

if TYPE_CHECKING:
    from .walk import Checker

_STRING = re.compile(r"""'''(.*?)'''|\"\"\"(.*?)\"\"\"|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|`((?:[^`\\]|\\.)*)`""",
                     re.S)
_LIST = re.compile(r"""\[\s*((?:(?:'[^']*'|"[^"]*")\s*,\s*)*(?:'[^']*'|"[^"]*"))\s*,?\s*\]""")

#: language -> regex of calls that run shell commands or other programs
RUNS_COMMANDS = {
    "python": r"\.system\s*\(|\.popen\s*\(|\b(os\.system|os\.popen|subprocess|commands\.getoutput|pty\.spawn|"
              r"os\.exec\w*|os\.spawn\w*|check_output|check_call|Popen|getstatusoutput)\b",
    "perl": r"\b(system|exec|qx|open\s*\(?\s*\w+\s*,\s*['\"]\s*\||readpipe)\b|`",
    "ruby": r"\b(system|exec|spawn|IO\.popen|Open3|%x|Kernel\.`)|`",
    "node": r"child_process|\b(exec|execSync|spawn|spawnSync|execFile|execFileSync)\s*\(",
    "php": r"\b(system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec)\s*\(|`",
    "lua": r"\bos\.execute|\bio\.popen",
    "awk": r"\bsystem\s*\(|\|\s*getline|\|\s*\"|print[^;}]*\|",
    "pwsh": r"(?i)\b(Invoke-Expression|iex|Start-Process|Invoke-Command|cmd\s*/c)\b",
    "osascript": r"do shell script",
    "Rscript": r"\b(system2?|shell)\s*\(",
    "julia": r"\brun\s*\(|`",
    "tclsh": r"\bexec\b",
    "gdb": r"(?m)^\s*(shell|!)|\bshell\b",
    "expect": r"\bspawn\b|\bexec\b",
}
_GENERIC_RUNS = r"\b(system|exec|popen|spawn|shell_exec|passthru)\s*\("

#: language -> regex of calls that delete files; group "r" marks recursive deletion
DELETES = {
    "python": r"(?P<r>rmtree|remove_tree|rmtree\()|\bos\.(remove|unlink|rmdir|removedirs)\b|\.unlink\(|\.rmdir\(",
    "perl": r"(?P<r>rmtree|remove_tree)|\bunlink\b|\brmdir\b",
    "ruby": r"(?P<r>rm_rf|rm_r|remove_dir|remove_entry|rmtree)|File\.delete|FileUtils\.rm\b|Dir\.rmdir|File\.unlink",
    "node": r"(?P<r>recursive\s*:\s*true|rimraf|rmdirSync|removeSync|emptyDirSync)|\bfs\.(rm|unlink|rmdir)\w*|"
            r"rmSync|unlinkSync",
    "php": r"\bunlink\s*\(|\brmdir\s*\(",
    "lua": r"\bos\.remove",
    "pwsh": r"(?i)(?P<r>-Recurse)|\bRemove-Item\b|\brm\b|\bdel\b",
    "Rscript": r"(?P<r>unlink\([^)]*recursive\s*=\s*TRUE)|\bunlink\s*\(|file\.remove",
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
                   r"\$env:USERPROFILE|"
                   r"\$HOME|~/?['\"]")
#: The home folder itself (not a path inside it), as each language writes it.
_HOME_EXACT = re.compile(r"expanduser\(\s*['\"]~/?['\"]\s*\)|Path\.home\(\)(?!\s*[/.])|"
                         r"environ\[['\"]HOME['\"]\](?!\s*[+])|"
                         r"environ\.get\(['\"]HOME['\"]\)(?!\s*[+])|getenv\(['\"]HOME['\"]\)(?!\s*[+.])|"
                         r"\$ENV\{HOME\}(?!\s*\.|/)|ENV\[['\"]HOME['\"]\](?!\s*[+])|\.homedir\(\)(?!\s*[+])|"
                         r"process\.env\.HOME(?!\s*[+])|Dir\.home(?!\s*[+])")
_WRITES = re.compile(r"open\s*\([^)]*,\s*['\"][wa]|write_text|write_bytes|writeFile|appendFile|File\.write|"
                     r"file_put_contents|Out-File|Set-Content|Add-Content|>>|print\s*>|"
                     r"open\s*\(\s*\w+\s*,\s*['\"]?>", re.S)
_APPENDS = re.compile(r"open\s*\([^)]*,\s*['\"]a|appendFile|Add-Content|>>|FILE_APPEND")
_FORK = re.compile(r"fork\s*(\(\s*\))?\s*(while|until)\s*fork|while[^{;:]*[:{]?[^}]*\bfork\b|for\s*\(\s*;\s*;\s*\)"
                   r"[^}]*fork|\bfork\b[^;]*\bwhile\b|loop\s*\{[^}]*fork", re.S)


def literals(code: str) -> list[str]:
    out = []
    for m in _STRING.finditer(code):
        text = next(g for g in m.groups() if g is not None) if any(g is not None for g in m.groups()) else ""
        out.append(text.replace("\\'", "'").replace('\\"', '"').replace("\\\\", "\\"))
    return out


def _looks_like_shell(text: str) -> bool:
    from .rules import RULES
    from .wrappers import wrapper_for

    words = text.strip().split()
    if not words:
        return False
    name = program_name(words[0])
    return name in RULES or name in SHELLS or wrapper_for(name) is not None or any(c in text for c in "|;&>`$")


def inspect_code(check: "Checker", language: str, code: str, *, origin: str = "") -> None:
    """Add findings for interpreter code."""
    lang = language
    lits = literals(code)
    runs = re.search(RUNS_COMMANDS.get(lang, _GENERIC_RUNS), code)
    network = _NETWORK.search(code)
    where = check.where
    if lang == "awk":
        _awk(check, code, lits)
    if _FORK.search(code) and re.search(r"\bfork\b", code):
        check.add("dangerous", "is a fork bomb: it starts processes until the machine hangs")
    if runs:
        backtick_exec = lang in ("perl", "ruby", "php", "julia") and "`" in code
        check.add("caution", f"runs shell commands from {language}")
        candidates = [lit for lit in lits if _looks_like_shell(lit)]
        for m in _LIST.finditer(code):
            words = [w.strip()[1:-1] for w in re.findall(r"'[^']*'|\"[^\"]*\"", m.group(1))]
            if words:
                candidates.append(" ".join(_quote(w) for w in words))
        if backtick_exec:
            candidates += re.findall(r"`([^`]*)`", code)
        for text in candidates:
            check.text(text)
        if network and (_SPAWNS_SHELL.search(code) or any(_SHELL_LITERAL.search(lit.strip()) for lit in lits)):
            check.add("dangerous", "connects a shell to another machine over the network (a reverse shell)")
        elif network:
            check.add("dangerous", f"runs commands and talks to the network from {language}: it may let another "
                                   "machine control this one")
        if lang == "gdb":
            for m in re.finditer(r"(?m)^\s*(?:shell|!)\s*(.+)$", code):
                check.text(m.group(1))
    elif network and _SPAWNS_SHELL.search(code):
        check.add("dangerous", "connects a shell to another machine over the network (a reverse shell)")
    deletes = re.search(DELETES.get(lang, r"(?!x)x"), code)
    if deletes:
        recursive = any(m.group("r") for m in re.finditer(DELETES[lang], code) if "r" in m.groupdict())
        targets = lits + (["~"] if _home_itself(code) else [])
        if lang == "pwsh":
            bare = re.findall(r"(?<![\w.$-])(~|/|\$HOME|\$env:USERPROFILE|\$env:HOME|C:\\?)(?=[\s;'\")]|$)", code)
            targets += ["/" if t.startswith("C:") else "~" if t.startswith("$") else t for t in bare]
        hit = False
        for t in targets:
            why = critical_target(t, where)
            info = important_file(t, where)
            if why and (recursive or t.strip() in ("/", "~")):
                check.add("dangerous", f"{'recursively deletes' if recursive else 'deletes'} {why} (from {language})")
                hit = True
            elif info is not None and info.kind != "hook":
                check.add("dangerous", f"deletes {t}, {info.what} (from {language})")
                hit = True
        if not hit:
            check.add("caution", f"{'recursively deletes' if recursive else 'deletes'} files from {language}")
    runs_code = re.search(_RUNS_CODE.get(lang, r"\beval\s*\("), code)
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
    leaked = [w for w in (secret(t, where) for t in lits if "/" in t or t.startswith((".", "~"))) if w]
    if _HOME.search(code) and re.search(r"\.ssh|\.aws|\.gnupg|\.kube", code):
        leaked.append("your keys or credentials")
    if leaked and network:
        check.add("dangerous", f"sends {leaked[0]} to another machine (from {language})")
    elif leaked:
        check.add("caution", f"reads {leaked[0]} (from {language})")
    if network and re.search(r"(?i)chmod|os\.chmod|0o?777|setuid", code) and runs:
        check.add("caution", f"changes permissions from {language}")


def _home_itself(code: str) -> bool:
    """The code names the home folder itself (not joined with a path inside it)."""
    return any(not re.search(r"join\(\s*(os\.|process\.|\$)?$", code[max(0, m.start() - 20):m.start()])
               for m in _HOME_EXACT.finditer(code))


def _quote(word: str) -> str:
    return word if re.fullmatch(r"[\w./~:=@%+,-]+", word) else "'" + word.replace("'", "'\\''") + "'"


def _awk(check: "Checker", code: str, lits: list[str]) -> None:
    if re.search(r"/inet/(tcp|udp)/", code):
        if re.search(r"\|\s*getline|system\s*\(", code):
            check.add("dangerous", "runs commands received over the network (awk /inet/tcp, a reverse shell)")
        else:
            check.add("caution", "opens a network connection (awk /inet)")
    for m in re.finditer(r"(?:print|printf)[^;}|>]*>>?\s*\"([^\"]+)\"", code):
        check.write(None, m.group(1), append=">>" in m.group(0))
    for m in re.finditer(r"\|\s*\"([^\"]+)\"", code):
        name = program_name(m.group(1).split()[0]) if m.group(1).split() else ""
        if name in SHELLS:
            check.add("caution", "pipes text into a shell from awk, which cannot be checked")
