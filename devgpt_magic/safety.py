"""Danger assessment of shell commands, from a real shell parse (bashlex), not a regex over the line.

Every simple command is found wherever it hides (pipelines, ``;``/``&&``/``||`` lists, subshells, ``$(...)``,
backticks, process substitution, ``find -exec``, ``bash -c``, ``eval``) and looked at after unwrapping
``sudo``, ``env``, ``nice``, ``xargs`` and friends. The verdict is the worst finding:

- dangerous: destroys data or the system, or runs code fetched from the network;
- caution: changes things in a way worth a second look, runs as root, or could not be understood;
- safe: everything else.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .schema import RiskLevel

_LEVELS = {"safe": 0, "caution": 1, "dangerous": 2}

SYSTEM_DIRS = ("/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/opt", "/proc", "/root",
               "/run", "/sbin", "/srv", "/sys", "/usr", "/var", "/snap", "/Applications", "/Library", "/System",
               "/Users", "/private")
SHELLS = {"sh", "bash", "zsh", "dash", "ksh", "fish", "csh", "tcsh", "ash"}
INTERPRETERS = SHELLS | {"python", "python2", "python3", "perl", "ruby", "node", "php", "lua", "pwsh"}
DOWNLOADERS = {"curl", "wget", "fetch", "http", "https", "aria2c", "lynx", "links"}
DISK_TOOLS = {"fdisk", "sfdisk", "cfdisk", "gdisk", "sgdisk", "parted", "wipefs", "mkswap", "blkdiscard",
              "mke2fs", "badblocks"}
POWER = {"shutdown", "reboot", "halt", "poweroff"}
BLOCK_DEVICE = re.compile(r"^/dev/(sd[a-z]|hd[a-z]|vd[a-z]|xvd[a-z]|nvme\d|mmcblk\d|disk\d|md\d|mapper/|dm-\d|loop\d|sr\d)")
FORK_BOMB = re.compile(r"(\S+)\s*\(\)\s*\{\s*\1\s*\|\s*\1\s*&\s*;?\s*\}")


@dataclass
class _Findings:
    items: list[tuple[int, str]] = field(default_factory=list)

    def add(self, level: str, reason: str) -> None:
        entry = (_LEVELS[level], reason)
        if entry not in self.items:
            self.items.append(entry)

    def verdict(self) -> RiskLevel:
        if not self.items:
            return RiskLevel(level="safe", reasons=[])
        worst = max(level for level, _ in self.items)
        name = next(k for k, v in _LEVELS.items() if v == worst)
        ordered = [r for lv, r in sorted(self.items, key=lambda i: -i[0])]
        return RiskLevel(level=name, reasons=ordered)  # type: ignore[arg-type]


@dataclass
class _Simple:
    argv: list[str]
    redirects: list[tuple[str, str]]
    #: commands inside $(...), `...` or <(...) in each word, by word index
    substitutions: dict[int, list[Any]]


# --- parsing ------------------------------------------------------------------------------------------------

def _simple_commands(node: Any) -> Iterator[_Simple]:
    """Every simple command in the tree, substitutions included."""
    kind = getattr(node, "kind", None)
    if kind == "command":
        argv, redirects, subs = [], [], {}
        for part in node.parts:
            if part.kind == "word":
                inner = list(_substitutions(part))
                if inner:
                    subs[len(argv)] = inner
                argv.append(part.word)
            elif part.kind == "redirect":
                target = getattr(part, "output", None)
                if hasattr(target, "word"):
                    redirects.append((part.type, target.word))
                    yield from (c for n in _substitutions(target) for c in _simple_commands(n))
        yield _Simple(argv, redirects, subs)
        for inner in subs.values():
            for n in inner:
                yield from _simple_commands(n)
        return
    for child in _children(node):
        yield from _simple_commands(child)


def _children(node: Any) -> list[Any]:
    out = []
    for attr in ("parts", "list"):
        value = getattr(node, attr, None)
        if isinstance(value, list):
            out += value
    command = getattr(node, "command", None)
    if command is not None and not isinstance(command, str):
        out.append(command)
    return out


def _substitutions(word: Any) -> Iterator[Any]:
    for part in getattr(word, "parts", None) or []:
        if part.kind in ("commandsubstitution", "processsubstitution"):
            yield part.command
        else:
            yield from _substitutions(part)


def _pipelines(node: Any) -> Iterator[list[Any]]:
    if getattr(node, "kind", None) == "pipeline":
        yield [p for p in node.parts if p.kind != "pipe"]
    for child in _children(node):
        yield from _pipelines(child)
    for part in getattr(node, "parts", None) or []:
        if part.kind == "word":
            for inner in _substitutions(part):
                yield from _pipelines(inner)


def _parse(command: str) -> list[Any] | None:
    import bashlex

    try:
        return bashlex.parse(command)
    except Exception:  # bashlex raises several unrelated types on syntax it does not support
        return None


def _fallback_commands(command: str) -> list[list[str]]:
    """When bashlex cannot parse: shlex words split at ; | & so nothing dangerous slips through unseen."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=";|&()<>")
    lexer.whitespace_split = True
    groups: list[list[str]] = [[]]
    try:
        for token in lexer:
            if token and set(token) <= set(";|&()<>"):
                groups.append([])
            else:
                groups[-1].append(token)
    except ValueError:  # unbalanced quotes
        groups = [[w for w in command.replace(";", " ; ").split() if w != ";"]]
    return [g for g in groups if g]


# --- unwrapping -----------------------------------------------------------------------------------------------

_WRAPPER_ARG_FLAGS = {
    "sudo": {"-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U", "-T", "--user", "--group", "--host", "--prompt"},
    "doas": {"-u", "-C"},
    "nice": {"-n", "--adjustment"},
    "ionice": {"-c", "-n", "-p", "-t"},
    "timeout": {"-s", "-k", "--signal", "--kill-after"},
    "env": {"-u", "-C", "-S", "--unset", "--chdir"},
    "stdbuf": {"-i", "-o", "-e"},
    "xargs": {"-I", "-i", "-n", "-P", "-L", "-l", "-s", "-d", "-E", "-e", "-a", "--max-args", "--max-procs",
              "--delimiter", "--arg-file", "--replace"},
    "time": {"-f", "-o", "--format", "--output"},
    "watch": {"-n", "-d", "--interval"},
    "nohup": set(),
    "exec": {"-a"},
    "command": set(),
    "builtin": set(),
    "caffeinate": set(),
    "chronic": set(),
}


def _unwrap(argv: list[str], findings: _Findings) -> tuple[list[str], bool]:
    """Strip wrappers and assignments; returns the real argv and whether xargs feeds it extra arguments."""
    via_xargs = False
    argv = list(argv)
    while argv:
        while argv and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", argv[0]):
            argv.pop(0)
        if not argv:
            break
        name = os.path.basename(argv[0])
        if name not in _WRAPPER_ARG_FLAGS:
            break
        if name in ("sudo", "doas"):
            findings.add("caution", f"runs as root ({name})")
        if name == "xargs":
            via_xargs = True
        arg_flags = _WRAPPER_ARG_FLAGS[name]
        i = 1
        while i < len(argv):
            word = argv[i]
            if name == "env" and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", word):
                i += 1
            elif word == "--":
                i += 1
                break
            elif word.startswith("-") and len(word) > 1:
                i += 2 if (word in arg_flags or (word[:2] in arg_flags and len(word) == 2)) else 1
            elif name == "timeout" and i == 1 or (name == "nice" and re.match(r"^-?\d+$", word)):
                i += 1  # timeout's DURATION
            else:
                break
        argv = argv[i:]
    return argv, via_xargs


# --- rules --------------------------------------------------------------------------------------------------------

def _short_flags(argv: list[str]) -> set[str]:
    flags: set[str] = set()
    for word in argv[1:]:
        if word == "--":
            break
        if word.startswith("--"):
            flags.add(word.split("=", 1)[0])
        elif word.startswith("-") and len(word) > 1:
            flags.update(f"-{c}" for c in word[1:])
    return flags


def _operands(argv: list[str]) -> list[str]:
    out, after = [], False
    for word in argv[1:]:
        if after:
            out.append(word)
        elif word == "--":
            after = True
        elif not (word.startswith("-") and len(word) > 1):
            out.append(word)
    return out


def _critical_target(path: str) -> str | None:
    """Why deleting or rewriting ``path`` recursively would be a disaster, or None."""
    p = path.strip().strip("'\"")
    home = ("~", "~/", "~/*", "$HOME", "${HOME}", "$HOME/", "${HOME}/", "$HOME/*", "${HOME}/*", "~/.*")
    if p in home:
        return "your home folder"
    if p in (".", "./", "./*", "..", "../", "../*", "*", ".*", "*/", "*.*"):
        return "everything in the current folder" if p not in ("..", "../", "../*") else "the parent folder"
    stripped = p.rstrip("/*") or "/"
    if stripped in ("/", ""):
        return "the whole file system (/)"
    if re.fullmatch(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?(/\*?)?", p):
        return f"{p}, which is / if the variable is empty"
    for d in SYSTEM_DIRS:
        if stripped == d or stripped.startswith(d + "/"):
            return f"the system folder {stripped}"
    return None


def _check_rm(argv: list[str], via_xargs: bool, findings: _Findings) -> None:
    flags = _short_flags(argv)
    recursive = bool(flags & {"-r", "-R", "--recursive"})
    force = bool(flags & {"-f", "--force"})
    targets = _operands(argv)
    how = "recursively deletes" if recursive else "force-deletes"
    critical = [why for why in map(_critical_target, targets) if why] if (recursive or force) else []
    for why in critical:
        findings.add("dangerous", f"{how} {why}")
    if (recursive or force) and via_xargs:
        findings.add("dangerous", f"{how} whatever xargs feeds it")
    elif not critical:
        findings.add("caution", f"{how if recursive else 'deletes'} {' '.join(targets) or 'files'}")


def _check_find(argv: list[str], findings: _Findings) -> None:
    if "-delete" in argv:
        findings.add("dangerous", "deletes every file that find matches (-delete)")
    for i, word in enumerate(argv):
        if word in ("-exec", "-execdir", "-ok", "-okdir"):
            end = next((j for j in range(i + 1, len(argv)) if argv[j] in (";", "\\;", "+")), len(argv))
            inner = argv[i + 1 : end]
            if inner:
                name = os.path.basename(inner[0])
                if name in ("rm", "shred", "unlink", "rmdir"):
                    findings.add("dangerous", f"deletes every file that find matches (-exec {name})")
                _check_argv(inner, findings, depth=1)


def _check_chmod(name: str, argv: list[str], findings: _Findings) -> None:
    flags = _short_flags(argv)
    recursive = bool(flags & {"-R", "--recursive"})
    operands = _operands(argv)
    paths = operands[1:] if operands else []
    mode = operands[0] if operands else ""
    wide_open = name == "chmod" and bool(re.fullmatch(r"0?777|a\+rwx|ugo\+rwx|o\+w|a\+w", mode))
    for p in paths:
        why = _critical_target(p)
        if why and (recursive or wide_open):
            findings.add("dangerous", f"changes {'permissions' if name == 'chmod' else 'ownership'} of {why}"
                         f"{' recursively' if recursive else ''}{' to world-writable' if wide_open else ''}")
    if wide_open:
        findings.add("caution", "makes files writable by everyone")
    if recursive:
        findings.add("caution", f"changes {'permissions' if name == 'chmod' else 'ownership'} recursively")


def _check_git(argv: list[str], findings: _Findings) -> None:
    args = [a for a in argv[1:]]
    while args and args[0].startswith("-"):  # git -C dir ...
        args = args[2:] if args[0] in ("-C", "-c") else args[1:]
    if not args:
        return
    sub, rest = args[0], args[1:]
    flags = _short_flags(["git", *rest])
    if sub == "push" and (flags & {"-f", "--force"} or any(r.startswith("+") for r in rest)):
        findings.add("dangerous", "force-pushes, overwriting history on the remote")
    elif sub == "push" and "--force-with-lease" in flags:
        findings.add("caution", "force-pushes (with lease) and may overwrite history on the remote")
    elif sub == "push" and ("--delete" in flags or any(r.startswith(":") for r in rest)):
        findings.add("caution", "deletes a branch or tag on the remote")
    if sub == "reset" and "--hard" in flags:
        findings.add("dangerous", "discards uncommitted changes for good (git reset --hard)")
    if sub == "clean" and flags & {"-f", "--force"}:
        findings.add("dangerous", "deletes untracked files for good (git clean)")
    if sub == "branch" and ("-D" in flags or ({"-d", "--delete"} & flags and {"-f", "--force"} & flags)):
        findings.add("dangerous", "force-deletes a branch, even with unmerged commits (git branch -D)")
    if sub in ("checkout", "restore") and ("." in rest or "--" in rest):
        findings.add("caution", "discards uncommitted changes to files")
    if sub == "stash" and rest[:1] in (["clear"], ["drop"]):
        findings.add("caution", "deletes stashed changes")
    if sub in ("filter-branch", "filter-repo") or (sub == "reflog" and rest[:1] == ["expire"]):
        findings.add("caution", "rewrites or prunes repository history")


def _check_kill(name: str, argv: list[str], findings: _Findings) -> None:
    if name in ("killall", "pkill"):
        findings.add("dangerous", f"kills every process matching a name ({name})")
        return
    words = argv[1:]
    if any(w in ("-9", "-KILL", "-SIGKILL") for w in words) or any(
            w in ("-s", "-n") and i + 1 < len(words) and words[i + 1].upper() in ("9", "KILL", "SIGKILL")
            for i, w in enumerate(words)):
        findings.add("dangerous", "kills processes without letting them clean up (kill -9)")
    else:
        findings.add("caution", "stops processes")


def _check_docker(argv: list[str], findings: _Findings) -> None:
    args = [a for a in argv[1:] if not a.startswith("-")]
    if args[:2] == ["system", "prune"]:
        findings.add("dangerous", "deletes all unused containers, networks and images (docker system prune)")
    elif args[:1] == ["rmi"] or args[:2] in (["image", "rm"], ["image", "prune"]):
        findings.add("dangerous", "deletes Docker images")
    elif args[:2] in (["volume", "rm"], ["volume", "prune"]):
        findings.add("dangerous", "deletes Docker volumes and the data in them")
    elif args[:1] == ["rm"] or args[:2] == ["container", "prune"]:
        findings.add("caution", "deletes containers")


_PACKAGE_REMOVAL = {
    "apt": {"remove", "purge", "autoremove"}, "apt-get": {"remove", "purge", "autoremove"},
    "dnf": {"remove", "erase", "autoremove"}, "yum": {"remove", "erase", "autoremove"},
    "zypper": {"remove", "rm"}, "brew": {"uninstall", "remove", "rm"}, "pip": {"uninstall"},
    "pip3": {"uninstall"}, "npm": {"uninstall", "remove", "rm", "un"}, "snap": {"remove"},
    "conda": {"remove", "uninstall"}, "apk": {"del"}, "port": {"uninstall"},
}


def _check_argv(argv: list[str], findings: _Findings, *, depth: int = 0,
                substitutions: dict[int, list[Any]] | None = None) -> None:
    if depth > 4 or not argv:
        return
    if any(c in argv[0] for c in "$`") or argv[0].startswith(("${", "$(")):
        findings.add("caution", "the command name is built at run time, so what runs cannot be checked")
    argv, via_xargs = _unwrap(argv, findings)
    if not argv:
        return
    name = os.path.basename(argv[0])
    if name in ("rm", "unlink", "rmdir", "shred", "srm"):
        if name == "shred":
            if any(BLOCK_DEVICE.match(t) for t in _operands(argv)):
                findings.add("dangerous", "overwrites a whole disk (shred on a device)")
            findings.add("caution", "destroys file contents beyond recovery (shred)")
        _check_rm(argv, via_xargs, findings) if name in ("rm", "srm") else findings.add("caution", "deletes files")
    elif name == "find":
        _check_find(argv, findings)
    elif name == "dd":
        target = next((w[3:] for w in argv[1:] if w.startswith("of=")), None)
        if target is not None:
            findings.add("dangerous", f"writes raw bytes to {target} (dd of=), overwriting what is there")
    elif name.startswith("mkfs") or name in DISK_TOOLS:
        findings.add("dangerous", f"formats or repartitions a disk ({name})")
    elif name in ("chmod", "chown", "chgrp"):
        _check_chmod(name, argv, findings)
    elif name == "git":
        _check_git(argv, findings)
    elif name in ("kill", "killall", "pkill"):
        _check_kill(name, argv, findings)
    elif name in POWER or (name == "init" and argv[1:2] in (["0"], ["6"])) or (
            name == "systemctl" and argv[1:2] and argv[1] in ("poweroff", "reboot", "halt", "kexec")):
        findings.add("dangerous", "shuts down or restarts the machine")
    elif name == "crontab" and "-r" in _short_flags(argv):
        findings.add("dangerous", "deletes all your scheduled cron jobs (crontab -r)")
    elif name in ("docker", "podman"):
        _check_docker(argv, findings)
    elif name in ("mv",):
        for source in _operands(argv)[:-1]:
            why = _critical_target(source)
            if why:
                findings.add("dangerous", f"moves {why} away")
        if _operands(argv)[-1:] == ["/dev/null"]:
            findings.add("dangerous", "moves files onto /dev/null, destroying them")
    elif name in ("truncate",) or (name == "sed" and _short_flags(argv) & {"-i", "--in-place"}):
        findings.add("caution", "changes files in place")
    elif name == "rsync" and any(w.startswith("--delete") for w in argv):
        findings.add("caution", "deletes files at the destination that are not in the source")
    elif name in _PACKAGE_REMOVAL and any(w in _PACKAGE_REMOVAL[name] for w in argv[1:3]):
        findings.add("caution", f"removes installed packages ({name})")
    elif name == "pacman" and any(w.startswith("-R") for w in argv[1:]):
        findings.add("caution", "removes installed packages (pacman)")
    elif name == "eval":
        findings.add("caution", "runs text as a command (eval)")
        _check_text(" ".join(argv[1:]), findings, depth + 1)
    elif name in ("iptables", "ufw", "setenforce", "userdel", "passwd", "visudo", "usermod"):
        findings.add("caution", f"changes system security or accounts ({name})")
    if name in SHELLS and "-c" in argv[1:]:
        i = argv.index("-c")
        if i + 1 < len(argv):
            _check_text(argv[i + 1], findings, depth + 1)
    if name in INTERPRETERS and substitutions:
        for inner in substitutions.values():
            if any(os.path.basename(_unwrap(c.argv, _Findings())[0][:1][0]) in DOWNLOADERS
                   for n in inner for c in _simple_commands(n) if _unwrap(c.argv, _Findings())[0]):
                findings.add("dangerous", f"downloads code and runs it with {name} without showing it")


def _check_redirects(redirects: list[tuple[str, str]], findings: _Findings) -> None:
    for kind, target in redirects:
        if kind not in (">", ">>", ">|", "&>", ">&", "&>>"):
            continue
        if BLOCK_DEVICE.match(target):
            findings.add("dangerous", f"writes straight onto the disk device {target}")
        elif target.startswith("/dev/"):
            continue  # /dev/null, /dev/stderr, /dev/tty
        elif _critical_target(target) and kind in (">", ">|", "&>"):
            findings.add("dangerous", f"overwrites a file in {_critical_target(target)}")
        elif kind in (">", ">|", "&>") and not target.isdigit():
            findings.add("caution", f"overwrites {target} if it exists")


def _check_pipeline(commands: list[Any], findings: _Findings) -> None:
    names = []
    for node in commands:
        simples = list(_simple_commands(node))
        argv = _unwrap(simples[0].argv, _Findings())[0] if simples else []
        names.append(os.path.basename(argv[0]) if argv else "")
    for i, name in enumerate(names):
        if name in DOWNLOADERS and any(n in INTERPRETERS for n in names[i + 1 :]):
            runner = next(n for n in names[i + 1 :] if n in INTERPRETERS)
            findings.add("dangerous", f"downloads a script and pipes it straight into {runner}")


def _check_text(command: str, findings: _Findings, depth: int = 0) -> None:
    if depth > 4:
        return
    if FORK_BOMB.search(command):
        findings.add("dangerous", "is a fork bomb: it starts processes until the machine hangs")
    trees = _parse(command)
    if trees is None:
        findings.add("caution", "could not be fully parsed; read it carefully before running it")
        for argv in _fallback_commands(command):
            _check_argv(argv, findings, depth=depth)
        words = _fallback_commands(command)
        names = [os.path.basename(_unwrap(w, _Findings())[0][0]) for w in words if _unwrap(w, _Findings())[0]]
        for i, name in enumerate(names):
            if name in DOWNLOADERS and any(n in INTERPRETERS for n in names[i + 1 :]) and "|" in command:
                findings.add("dangerous", "downloads a script and pipes it straight into a shell or interpreter")
        return
    for tree in trees:
        for simple in _simple_commands(tree):
            _check_argv(simple.argv, findings, depth=depth, substitutions=simple.substitutions)
            _check_redirects(simple.redirects, findings)
        for pipeline in _pipelines(tree):
            _check_pipeline(pipeline, findings)


def assess(command: str) -> RiskLevel:
    """The risk of running ``command`` in a POSIX shell, with the reasons a user should read."""
    findings = _Findings()
    if not command or not command.strip():
        return RiskLevel(level="safe", reasons=[])
    _check_text(command, findings)
    return findings.verdict()


def needs_second_confirmation(risk: RiskLevel | None) -> bool:
    return risk is not None and risk.level == "dangerous"
