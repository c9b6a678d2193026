"""Rules for developer and operations tools: git, containers, Kubernetes, infrastructure and cloud CLIs."""

from __future__ import annotations

import re
import shlex

from .model import Cmd, abbreviated
from .paths import critical_target, secret


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


# --- git ------------------------------------------------------------------------------------------------------

_GIT_GLOBAL_VALUE = {"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env", "--super-prefix",
                     "--list-cmds", "--exec-path"}
#: git settings whose value is a command git runs later (key pattern, regex on the lowercased key)
_GIT_CODE_KEYS = re.compile(
    r"^(core\.(sshcommand|pager|editor|fsmonitor|gitproxy|askpass|hookspath|alternaterefsCommand)|"
    r"credential(\..*)?\.helper|diff\.(external|.*\.(textconv|command))|merge\..*\.driver|filter\..*\.(clean|smudge|"
    r"process)|sequence\.editor|gpg(\..*)?\.program|uploadpack\.packobjectshook|remote\..*\.(uploadpack|receivepack)|"
    r"pager\..*|web\.browser|browser\..*\.(cmd|path)|sendemail\..*cmd|difftool\..*\.cmd|mergetool\..*\.cmd|"
    r"include\.path|includeif\..*\.path|core\.alternaterefscommand|protocol\..*\.allow|ssh\.variant|"
    r"instaweb\..*|man\..*\.cmd|gc\.auto.*hook|receive\.procreceiverefs|transfer\.fsckobjects)$", re.I)


def _url_host(url: str) -> str:
    """``https://github.com/x`` -> ``github.com``; ``git@github.com:x`` -> ``github.com``."""
    m = re.match(r"^(?:[a-z+]+://)?(?:[^@/]+@)?([^/:]+)", url.strip().lower())
    return m.group(1) if m else url


def git_config(cmd: Cmd, key: str, value: str) -> None:
    """A git setting (``git config``, ``git -c``): settings that make git run commands, send code or credentials
    elsewhere, or stop checking who it talks to."""
    k = key.lower()
    if re.fullmatch(r"url\..+\.(push)?insteadof", k) and value:
        new = key[4:key.lower().rindex(".")]
        if _url_host(new) != _url_host(value) or new.lower().startswith("http://"):
            cmd.add("dangerous", f"makes git fetch and push {value} from {new} instead, another server that gets "
                                 "your code and credentials")
        else:
            cmd.add("caution", f"makes git use {new} in place of {value}")
        return
    if re.fullmatch(r"http(\..+)?\.sslverify", k) and value.lower() in ("false", "0", "no", "off"):
        cmd.add("caution", "turns off git's certificate checks, so anyone on the network can pose as the server")
        return
    if re.fullmatch(r"http(\..+)?\.(proxy|sslcainfo|sslcapath|extraheader)|remote\..+\.(url|pushurl)", k) and value:
        cmd.add("caution", f"changes where or how git connects ({key} {value})")
        return
    if k.startswith("alias."):
        if value.startswith("!"):
            cmd.add("caution", f"defines a git alias that runs a shell command ({key})")
            cmd.check.text(value[1:])
        elif value:
            cmd.check.argv(["git", *_split(value)])
        return
    if _GIT_CODE_KEYS.match(k):
        if k.startswith("protocol.") and value != "always":
            return
        if k == "core.fsmonitor" and value.lower() in ("true", "false", "0", "1", ""):
            return
        if k.startswith("credential") and not value.startswith("!") and " " not in value:
            return  # a named helper (store, cache, osxkeychain, manager)
        cmd.add("caution", f"sets git's {key}, which makes git run a command later")
        cmd.check.text(value[1:] if value.startswith("!") else value)


#: A git configuration file: ``~/.gitconfig``, ``~/.config/git/config``, a repository's ``.git/config``.
GIT_CONFIG_FILE = re.compile(r"(^|/)(\.gitconfig|git/config|\.git/config)$")


def git_config_text(cmd: Cmd, text: str) -> None:
    """Settings written straight into a git config file (``printf '[core]\\n\\tpager = rm -rf ~' >>
    ~/.gitconfig``), judged like ``git config`` would set them."""
    section = ""
    for line in text.splitlines():
        line = line.strip()
        head = re.fullmatch(r'\[\s*([^\]\s"]+)(?:\s+"([^"]*)")?\s*\]', line)
        if head:
            section = head.group(1) + (f".{head.group(2)}" if head.group(2) else "")
            continue
        key, eq, value = line.partition("=")
        if eq and section and key.strip() and not key.strip().startswith(("#", ";")):
            git_config(cmd, f"{section}.{key.strip()}", value.strip().strip('"'))


def _git_env_config(cmd: Cmd) -> None:
    """Settings git takes from the environment: ``GIT_CONFIG_PARAMETERS`` (what ``git -c`` passes on) and
    ``GIT_CONFIG_KEY_<n>``/``GIT_CONFIG_VALUE_<n>``, judged like ``git -c``."""
    env = cmd.check.variables
    for key, value in re.findall(r"'([^']*)'(?:='([^']*)')?", env.get("GIT_CONFIG_PARAMETERS", "")):
        git_config(cmd, key, value)
    for name, key in list(env.items()):
        m = re.fullmatch(r"GIT_CONFIG_KEY_(\d+)", name)
        if m:
            git_config(cmd, key, env.get(f"GIT_CONFIG_VALUE_{m.group(1)}", ""))


def _git_config_env(cmd: Cmd, setting: str) -> None:
    """``git --config-env=KEY=VAR``: the value of KEY is in the environment variable VAR."""
    key, _, var = setting.partition("=")
    if var in cmd.check.variables:
        git_config(cmd, key, cmd.check.variables[var])
    elif key:
        cmd.add("caution", f"takes git's {key} from ${var}, which is not shown here")


def git(cmd: Cmd) -> None:
    _git_env_config(cmd)
    args = cmd.argv[1:]
    i = 0
    while i < len(args) and args[i].startswith("-"):
        a = args[i]
        if a.startswith("--config-env="):
            _git_config_env(cmd, a[len("--config-env="):])
            i += 1
        elif a == "--config-env" and i + 1 < len(args):
            _git_config_env(cmd, args[i + 1])
            i += 2
        elif a == "-c" and i + 1 < len(args):
            key, _, value = args[i + 1].partition("=")
            git_config(cmd, key, value)
            i += 2
        elif a.startswith("-c") and len(a) > 2:
            key, _, value = a[2:].partition("=")
            git_config(cmd, key, value)
            i += 1
        elif a in _GIT_GLOBAL_VALUE:
            i += 2
        else:
            i += 1
    if i >= len(args):
        return
    sub, rest = args[i], args[i + 1:]
    flags = set()
    for r in rest:
        if r == "--":
            break
        if r.startswith("--"):
            flags.add(r.split("=", 1)[0])
        elif r.startswith("-") and len(r) > 1:
            flags.update(f"-{c}" for c in r[1:])
    flags |= abbreviated(flags, _GIT_LONG)
    for r in rest:
        if r.startswith("ext::"):
            cmd.add("caution", "uses an ext:: remote, which runs a command")
            cmd.check.text(r[5:].replace("%S", "x").replace("%s", "x"))
        for opt in ("--upload-pack=", "--receive-pack=", "--exec="):
            if r.startswith(opt) and sub in ("clone", "fetch", "pull", "push", "ls-remote", "archive"):
                cmd.add("caution", f"runs a command on the remote side ({opt[:-1]})")
                cmd.check.text(r[len(opt):])
    if sub == "clone":  # git clone -c KEY=VALUE sets it in the new repository before the checkout
        for i in range(len(rest)):
            key, _, setting = _option_value(rest, i, "-c", "--config").partition("=")
            if key:
                git_config(cmd, key, setting)
    rule = _GIT_SUBCOMMANDS.get(sub)
    if rule is not None:
        rule(cmd, rest, flags)


#: Long options the git rules look for; git accepts any unambiguous beginning of one (``--for`` is ``--force``).
_GIT_LONG = ("--force", "--mirror", "--hard", "--delete", "--discard-changes", "--prune", "--recursive", "--dry-run",
             "--force-with-lease", "--cached", "--staged", "--worktree")


def _git_push(cmd: Cmd, rest: list[str], flags: set[str]) -> None:
    if "--mirror" in flags:
        cmd.add("dangerous", "makes the remote an exact copy of this repository, deleting branches and tags there "
                             "(git push --mirror)")
    if flags & {"-f", "--force"} or any(r.startswith("+") for r in rest):
        cmd.add("dangerous", "force-pushes, overwriting history on the remote")
    elif flags & {"--force-with-lease", "--force-if-includes"}:
        cmd.add("caution", "force-pushes (with lease) and may overwrite history on the remote")
    if "--delete" in flags or "-d" in flags or any(r.startswith(":") for r in rest):
        cmd.add("caution", "deletes a branch or tag on the remote")
    if "--prune" in flags:
        cmd.add("caution", "deletes remote branches that do not exist here (--prune)")


def _git_reset(cmd: Cmd, rest: list[str], flags: set[str]) -> None:
    if "--hard" in flags:
        cmd.add("dangerous", "discards uncommitted changes for good (git reset --hard)")
    elif "--merge" in flags or "--keep" in flags:
        cmd.add("caution", "resets files in the working tree")


def _git_clean(cmd: Cmd, rest: list[str], flags: set[str]) -> None:
    if flags & {"-f", "--force"} and not flags & {"-n", "--dry-run"}:
        cmd.add("dangerous", "deletes untracked files for good (git clean)")


def _git_branch(cmd: Cmd, rest: list[str], flags: set[str]) -> None:
    if "-D" in flags or ({"-d", "--delete"} & flags and {"-f", "--force"} & flags):
        cmd.add("dangerous", "force-deletes a branch, even with unmerged commits (git branch -D)")
    elif {"-d", "--delete"} & flags:
        cmd.add("caution", "deletes a branch")
    elif {"-f", "--force"} & flags or "-M" in flags or "-C" in flags:
        cmd.add("caution", "moves or overwrites a branch (git branch -f)")


def _git_checkout(cmd: Cmd, rest: list[str], flags: set[str]) -> None:
    if flags & {"-f", "--force", "--discard-changes"}:
        cmd.add("dangerous", "discards uncommitted changes for good (forced checkout)")
    elif "." in rest or "--" in rest or ":/" in rest or "-p" in flags:
        cmd.add("caution", "discards uncommitted changes to files")


def _git_restore(cmd: Cmd, rest: list[str], flags: set[str]) -> None:
    if ("." in rest or "--" in rest or ":/" in rest or "*" in rest) and not (flags & {"--staged", "-S"}
                                                                                and not flags & {"-W", "--worktree"}):
        cmd.add("caution", "discards uncommitted changes to files")


def _git_rm(cmd: Cmd, rest: list[str], flags: set[str]) -> None:
    targets = [r for r in rest if not r.startswith("-")]
    if "-r" in flags and not {"--cached"} & flags:
        critical = [w for w in (critical_target(t, cmd.where) for t in targets) if w] + \
            [f"every file in {t}" for t in targets if t in (":/", "-A")]
        if critical:
            cmd.add("dangerous", f"removes {critical[0]} from the repository and from disk (git rm -r)")
            return
    if "--cached" in flags:
        cmd.add("caution", "stops tracking files (they stay on disk)")
    else:
        cmd.add("caution", "deletes files from the repository and from disk (git rm)")


def _git_update_ref(cmd: Cmd, rest: list[str], flags: set[str]) -> None:
    if "-d" in flags or "--stdin" in flags:
        cmd.add("dangerous", "deletes a branch or ref without any safety check (git update-ref -d)")
    else:
        cmd.add("caution", "moves a branch or ref by hand (git update-ref)")


def _git_reflog(cmd: Cmd, rest: list[str], flags: set[str]) -> None:
    if rest[:1] == ["expire"]:
        cmd.add("caution", "rewrites or prunes repository history")
        if any(r.startswith(("--expire=now", "--expire=all", "--expire-unreachable=now", "--expire-unreachable=all"))
               or r in ("--expire", "--expire-unreachable") for r in rest):
            cmd.check.facts.add("reflog-expire-now")
    elif rest[:1] == ["delete"]:
        cmd.add("caution", "deletes reflog entries, the record of where branches were")


def _git_gc(cmd: Cmd, rest: list[str], flags: set[str]) -> None:
    if flags & {"-n", "--dry-run"}:
        return
    if any(r in ("--prune=now", "--prune=all") for r in rest) or cmd.argv[1:2] == ["prune"] \
            or any(a == "prune" for a in cmd.argv[1:3]):
        cmd.add("caution", "prunes unreachable commits now; they cannot be recovered afterwards")
        cmd.check.facts.add("gc-prune-now")


def _git_filter(cmd: Cmd, rest: list[str], flags: set[str]) -> None:
    cmd.add("caution", "rewrites or prunes repository history")
    for opt in ("--tree-filter", "--index-filter", "--msg-filter", "--commit-filter", "--env-filter",
                "--parent-filter", "--tag-name-filter"):
        for i, r in enumerate(rest):
            if r == opt and i + 1 < len(rest):
                cmd.check.text(rest[i + 1])


def _git_stash(cmd: Cmd, rest: list[str], flags: set[str]) -> None:
    if rest[:1] in (["clear"], ["drop"]):
        cmd.add("caution", "deletes stashed changes")


_GIT_CONFIG_VALUE = {"-f", "--file", "--blob", "--type", "--default", "--comment", "--value"}


def _git_config_cmd(cmd: Cmd, rest: list[str], flags: set[str]) -> None:
    words, i = [], 0
    while i < len(rest):
        if rest[i] in _GIT_CONFIG_VALUE:
            i += 2
            continue
        if not rest[i].startswith("-"):
            words.append(rest[i])
        i += 1
    if flags & {"--unset", "--unset-all", "--get", "--get-all", "--list", "-l", "--get-regexp", "--remove-section"}:
        return
    if words[:1] in (["get"], ["list"], ["unset"], ["remove-section"], ["rename-section"], ["edit"]):
        return
    if words[:1] == ["set"]:  # git 2.46: git config set KEY VALUE
        words = words[1:]
    if len(words) >= 2:
        git_config(cmd, words[0], " ".join(words[1:]) if len(words) > 2 and words[0].lower().startswith("alias.")
                   else words[1])


def _git_runs(cmd: Cmd, rest: list[str], flags: set[str]) -> None:
    """rebase -x, submodule foreach, bisect run, difftool -x: commands git runs for you."""
    for opt in ("-x", "--exec", "--extcmd", "-t", "--to-cmd", "--cc-cmd", "--header-cmd", "--sendmail-cmd"):
        for i, r in enumerate(rest):
            if r == opt and i + 1 < len(rest) and opt != "-t":
                cmd.check.text(rest[i + 1])
            elif r.startswith(opt + "=") and opt.startswith("--"):
                cmd.check.text(r[len(opt) + 1:])
    if rest[:1] == ["foreach"]:
        words = [r for r in rest[1:] if r not in ("--recursive", "-q", "--quiet")]
        if words:
            cmd.check.text(" ".join(words))
    if rest[:1] == ["run"] and len(rest) > 1:
        cmd.check.argv(rest[1:])


def _option_value(words: list[str], i: int, short: str, long: str, *, separate: bool = True) -> str:
    """The value given at ``words[i]`` as ``-xVALUE``, ``--long=VALUE`` or (when ``separate``) ``-x VALUE`` and
    ``--long VALUE``; "" when ``words[i]`` is not that option."""
    word = words[i]
    if word in (short, long):
        return words[i + 1] if separate and i + 1 < len(words) else ""
    if word.startswith(long + "="):
        return word[len(long) + 1:]
    return word[len(short):] if word.startswith(short) and not word.startswith("--") else ""


def _git_grep(cmd: Cmd, rest: list[str], flags: set[str]) -> None:
    """``git grep -O CMD`` opens the matching files with CMD (the value is only ever attached)."""
    for i in range(len(rest)):
        text = _option_value(rest, i, "-O", "--open-files-in-pager", separate=False)
        if text:
            cmd.add("caution", "opens the matching files with a command (git grep -O)")
            cmd.check.text(text)


def _git_remote(cmd: Cmd, rest: list[str], flags: set[str]) -> None:
    words = [r for r in rest if not r.startswith("-")]
    if words[:1] == ["set-url"] and len(words) >= 3:
        cmd.add("caution", f"changes where git fetches and pushes {words[1]} ({words[-1]})")


def _git_filter_repo(cmd: Cmd, rest: list[str], flags: set[str]) -> None:
    """filter-repo's ``--*-callback`` options are Python code run for every commit, file or name."""
    _git_filter(cmd, rest, flags)
    for i, r in enumerate(rest):
        name, eq, value = r.partition("=")
        if name.endswith("-callback"):
            code = value if eq else (rest[i + 1] if i + 1 < len(rest) else "")
            cmd.add("caution", f"runs Python code on the repository ({name})")
            cmd.check.code("python", code)


def _git_worktree(cmd: Cmd, rest: list[str], flags: set[str]) -> None:
    if rest[:1] == ["remove"] and flags & {"-f", "--force"}:
        cmd.add("caution", "removes a worktree even with uncommitted changes")


def _git_tag(cmd: Cmd, rest: list[str], flags: set[str]) -> None:
    if flags & {"-d", "--delete"}:
        cmd.add("caution", "deletes a tag")


_GIT_SUBCOMMANDS = {
    "push": _git_push, "reset": _git_reset, "clean": _git_clean, "branch": _git_branch, "checkout": _git_checkout,
    "switch": _git_checkout, "restore": _git_restore, "rm": _git_rm, "update-ref": _git_update_ref,
    "reflog": _git_reflog, "gc": _git_gc, "prune": _git_gc, "filter-branch": _git_filter,
    "filter-repo": _git_filter_repo, "stash": _git_stash, "config": _git_config_cmd, "rebase": _git_runs,
    "submodule": _git_runs, "bisect": _git_runs, "difftool": _git_runs, "worktree": _git_worktree, "tag": _git_tag,
    "grep": _git_grep, "remote": _git_remote, "send-email": _git_runs,
}


# --- containers -------------------------------------------------------------------------------------------------

_DOCKER_GLOBAL = {"-H", "--host", "-c", "--context", "--config", "-l", "--log-level", "--tlscacert", "--tlscert",
                  "--tlskey"}
_RUN_VALUE = set("""-v --volume -e --env -p --publish -P --name -w --workdir -u --user --entrypoint --network --net
--mount -l --label --env-file -m --memory --cpus --device --cap-add --cap-drop --add-host --dns -h --hostname
--restart --runtime --security-opt --tmpfs --ulimit --shm-size --platform --pull --log-driver --log-opt --health-cmd
--ipc --pid --userns --volumes-from --gpus --link --expose --label-file --cidfile --stop-signal --stop-timeout
-a --attach --cgroupns --cpu-shares -c --memory-swap --uts --isolation --detach-keys --dns-search --dns-option
--group-add --ip --ip6 --mac-address --oom-score-adj --sysctl --cpuset-cpus --blkio-weight --storage-opt
--annotation --network-alias --domainname --cgroup-parent --health-interval --health-retries
--health-timeout""".split())
_EXEC_VALUE = {"-e", "--env", "-u", "--user", "-w", "--workdir", "--env-file", "--detach-keys"}


def _after_options(args: list[str], value_opts: set[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """(words from the first operand on, [(option, value)]) for a docker-style subcommand."""
    options: list[tuple[str, str]] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            return args[i + 1:], options
        if a.startswith("-") and len(a) > 1:
            name, eq, val = a.partition("=")
            if eq:
                options.append((name, val))
                i += 1
            elif name in value_opts and i + 1 < len(args):
                options.append((name, args[i + 1]))
                i += 2
            elif len(name) > 2 and not name.startswith("--") and "-" + name[-1] in value_opts and i + 1 < len(args):
                options.append(("-" + name[-1], args[i + 1]))  # -itv /x:/y
                i += 2
            else:
                options.append((name, ""))
                i += 1
            continue
        return args[i:], options
    return [], options


def _container_run(cmd: Cmd, args: list[str], how: str) -> None:
    rest, options = _after_options(args, _RUN_VALUE)
    mounts: list[tuple[str, str]] = []
    privileged = False
    for name, value in options:
        if name == "--privileged":
            privileged = True
            cmd.add("caution", "runs a container with full control of the machine (--privileged)")
        elif name in ("-v", "--volume") and ":" in value:
            host, _, inner = value.partition(":")
            mounts.append((host, inner.split(":", 1)[0]))
        elif name == "--mount":
            parts = dict(p.partition("=")[::2] for p in value.split(","))
            src = parts.get("source") or parts.get("src")
            dst = parts.get("target") or parts.get("destination") or parts.get("dst")
            if src and dst:
                mounts.append((src, dst))
        elif name in ("--pid", "--net", "--network", "--ipc", "--uts", "--userns", "--cgroupns") and value == "host":
            cmd.add("caution", f"shares the machine's {name.lstrip('-')} with the container ({name}=host)")
        elif name == "--cap-add" and value.upper() in ("ALL", "SYS_ADMIN", "SYS_PTRACE", "SYS_MODULE",
                                                       "DAC_READ_SEARCH"):
            cmd.add("caution", f"gives the container the {value} capability")
        elif name == "--security-opt" and "unconfined" in value:
            cmd.add("caution", "turns off the container's security profile")
    host_ns = any(n in ("--pid", "--net", "--network", "--ipc", "--uts") and v == "host" for n, v in options)
    if privileged and (host_ns or any(h.rstrip("/") in ("", "/var/run/docker.sock", "/run/docker.sock", "/dev")
                                      for h, _ in mounts)):
        cmd.add("dangerous", "gives the container full control of the machine (--privileged with the host's "
                             "processes, disks or Docker)")
    for host, inner in mounts:
        why = critical_target(host, cmd.where)
        if host.rstrip("/") in ("/var/run/docker.sock", "/run/docker.sock"):
            cmd.add("caution", "gives the container control of Docker, and so of the machine")
        elif why and not why.startswith(("everything in the current folder", "the folder you are working in")):
            cmd.add("caution", f"gives the container {why}")
            if privileged and host.strip() == "/":
                cmd.add("dangerous", "gives a privileged container the whole file system: full control of the machine")
    if len(rest) > 1:
        inner_argv = rest[1:]
        mapped = []
        for word in inner_argv:
            for host, inner in sorted(mounts, key=lambda m: -len(m[1])):
                inside = inner.rstrip("/")
                if inside and host.startswith(("/", "~", "$")):
                    outside = host.rstrip("/")
                    word = re.sub(r"(?<![\w./-])" + re.escape(inside) + r"(?=/|$|[\s;'\")|&>])",
                                  lambda _m: outside or "/", word)
            mapped.append(word)
        with cmd.check.findings.suffix(f" ({how})"):
            cmd.check.argv(mapped)


def docker(cmd: Cmd) -> None:
    args = cmd.argv[1:]
    while args and args[0].startswith("-"):
        args = args[2:] if args[0] in _DOCKER_GLOBAL else args[1:]
    if cmd.name == "docker-compose":
        return _compose(cmd, args)
    words = [a for a in args if not a.startswith("-")]
    if not words:
        return
    sub = words[0]
    if sub == "compose":
        return _compose(cmd, args[args.index("compose") + 1:])
    if sub == "container" and len(words) > 1:
        sub = {"run": "run", "create": "create", "exec": "exec", "rm": "rm", "prune": "container-prune",
               "kill": "kill"}.get(words[1], sub)
    if words[:2] == ["system", "prune"]:
        cmd.add("dangerous", "deletes all unused containers, networks and images (docker system prune)")
        if "--volumes" in args:
            cmd.add("dangerous", "deletes unused Docker volumes and the data in them")
    elif sub == "rmi" or words[:2] in (["image", "rm"], ["image", "prune"]):
        cmd.add("dangerous", "deletes Docker images")
    elif words[:2] in (["volume", "rm"], ["volume", "prune"]):
        cmd.add("dangerous", "deletes Docker volumes and the data in them")
    elif sub == "rm" or sub == "container-prune" or words[:2] == ["container", "prune"]:
        cmd.add("caution", "deletes containers")
    elif words[:2] in (["network", "prune"], ["builder", "prune"]) or sub == "kill":
        cmd.add("caution", "stops or deletes Docker resources")
    elif words[:2] in (["stack", "rm"], ["swarm", "leave"], ["service", "rm"]):
        cmd.add("caution", "removes running services")
    if sub in ("run", "create"):
        _container_run(cmd, args[args.index(words[0]) + (2 if words[0] == "container" else 1):],
                       "through a container")
    elif sub == "exec":
        start = args.index(words[0]) + (2 if words[0] == "container" else 1)
        rest, _ = _after_options(args[start:], _EXEC_VALUE)
        if len(rest) > 1:
            with cmd.check.findings.suffix(f" (inside the container {rest[0]})"):
                cmd.check.argv(rest[1:])


def _compose(cmd: Cmd, args: list[str]) -> None:
    words, options = _after_options(args, {"-f", "--file", "-p", "--project-name", "--profile", "--env-file",
                                           "--project-directory", "--ansi", "--parallel", "--progress"})
    if not words:
        return
    sub, rest = words[0], words[1:]
    flags = {a.split("=", 1)[0] for a in rest if a.startswith("-")}
    if sub == "down":
        if flags & {"-v", "--volumes"} or any(re.fullmatch(r"-[a-z]*v[a-z]*", a) for a in rest):
            cmd.add("dangerous", "deletes the project's volumes and the data in them (compose down -v)")
        cmd.add("caution", "stops and removes the project's containers")
    elif sub == "rm":
        cmd.add("caution", "deletes the project's stopped containers")
    elif sub in ("run", "exec"):
        inner, _ = _after_options(rest, _RUN_VALUE | _EXEC_VALUE | {"--index"})
        if len(inner) > 1:
            with cmd.check.findings.suffix(f" (inside the service {inner[0]})"):
                cmd.check.argv(inner[1:])


# --- Kubernetes and infrastructure ----------------------------------------------------------------------------

_KUBE_VALUE = {"-n", "--namespace", "--context", "--kubeconfig", "-s", "--server", "--cluster", "--user", "--token",
               "-l", "--selector", "-o", "--output", "-f", "--filename", "--field-selector", "--as", "--as-group",
               "--request-timeout", "-c", "--container", "--grace-period", "--timeout", "-k", "--kustomize",
               "--image", "--replicas", "--cascade"}


def kubectl(cmd: Cmd) -> None:
    words = cmd.positional(_KUBE_VALUE)
    if not words:
        return
    sub = words[0]
    argv = cmd.argv
    everywhere = cmd.has("-A", "--all-namespaces")
    if sub == "delete":
        kind = words[1].lower() if len(words) > 1 else ""
        broad = cmd.has("--all", "-A", "--all-namespaces", "-l", "--selector", "-f", "--filename", "-k",
                        "--kustomize") or kind in ("all",)
        if kind.split("/")[0] in ("pod", "pods", "po") and not broad:
            cmd.add("caution", "deletes a pod (its controller usually starts a new one)")
        else:
            where = " in every namespace" if everywhere else ""
            if kind.split("/")[0] in ("namespace", "namespaces", "ns", "project", "projects"):
                what = "a Kubernetes namespace and everything in it"
            else:
                what = f"Kubernetes objects ({' '.join(words[1:3]) or 'from files'})"
            cmd.add("dangerous", f"deletes {what}{where} (kubectl delete)")
    elif sub in ("drain", "cordon", "taint", "uncordon"):
        cmd.add("caution", f"changes which nodes run workloads (kubectl {sub})")
    elif sub == "scale" and any(v == "0" for v in cmd.values("--replicas")):
        cmd.add("caution", "scales a workload to zero replicas, stopping it")
    elif sub in ("replace", "apply", "patch", "edit", "set", "rollout", "annotate", "label", "create"):
        if cmd.has("--force") or cmd.has("--prune"):
            cmd.add("caution", f"changes cluster resources forcefully (kubectl {sub} --force/--prune)")
        if sub == "create" and "cluster-admin" in " ".join(argv):
            cmd.add("caution", "grants cluster-admin rights")
    elif sub == "exec" or sub == "run" or sub == "debug":
        if "--" in argv:
            inner = argv[argv.index("--") + 1:]
            with cmd.check.findings.suffix(" (inside the cluster)"):
                cmd.check.argv(inner)
        if sub == "debug" and any(w.startswith("node/") for w in words):
            cmd.add("caution", "opens a shell on a cluster node")
    elif sub == "port-forward" and any(a in ("0.0.0.0", "::", "*") for v in cmd.values("--address")
                                       for a in v.split(",")):
        cmd.add("dangerous", "opens a cluster service to every network interface of this machine "
                             "(kubectl port-forward --address 0.0.0.0)")
    elif sub == "config" and len(words) > 1 and words[1].startswith("delete-"):
        cmd.add("caution", "deletes a kubeconfig entry")


def helm(cmd: Cmd) -> None:
    words = cmd.positional({"-n", "--namespace", "--kube-context", "--kubeconfig", "-f", "--values", "--set",
                            "--version", "--timeout"})
    if not words:
        return
    if words[0] in ("uninstall", "delete", "del", "un"):
        cmd.add("dangerous", "removes a Helm release and everything it created in the cluster")
    elif words[0] == "rollback" or (words[0] == "upgrade" and cmd.has("--force")):
        cmd.add("caution", f"changes a running release (helm {words[0]})")


def terraform(cmd: Cmd) -> None:
    words = cmd.positional({"-chdir", "-var", "-var-file", "-target", "-state", "-out", "-lock-timeout",
                            "-parallelism"})
    args = cmd.argv[1:]
    if not words:
        return
    sub = words[0]
    auto = any(a.lstrip("-") in ("auto-approve", "auto-approve=true", "yes", "y", "force") for a in args)
    destroy_flag = any(a.lstrip("-").startswith("destroy") for a in args)
    if sub == "destroy" or "destroy" in words[:3] or (sub == "apply" and destroy_flag):
        tool = cmd.argv[0].rsplit("/", 1)[-1]
        cmd.add("dangerous", f"destroys the infrastructure this configuration manages ({tool} destroy)")
    elif sub == "apply" and auto:
        cmd.add("dangerous", "changes real infrastructure without showing the plan first (-auto-approve)")
    elif sub == "apply":
        cmd.add("caution", "changes real infrastructure (terraform apply)")
    elif sub in ("state", "workspace", "taint", "import", "force-unlock", "untaint"):
        changes = ("rm", "mv", "delete", "push", "replace-provider")
        if sub in ("state", "workspace") and words[1:2] and words[1] in changes:
            cmd.add("caution", f"changes terraform's record of the infrastructure ({sub} {words[1]})")
        elif sub not in ("state", "workspace"):
            cmd.add("caution", f"changes terraform's record of the infrastructure ({sub})")


def pulumi(cmd: Cmd) -> None:
    words = cmd.positional({"-s", "--stack", "-C", "--cwd", "--target", "-t"})
    if not words:
        return
    yes = cmd.has("-y", "--yes", "-f", "--force", "--skip-preview")
    if words[0] == "destroy" or words[:2] == ["stack", "rm"]:
        cmd.add("dangerous", "destroys the infrastructure this stack manages (pulumi destroy)")
    elif words[0] in ("up", "update") and yes:
        cmd.add("dangerous", "changes real infrastructure without a preview (pulumi up --yes)")
    elif words[0] in ("up", "update", "refresh", "import"):
        cmd.add("caution", f"changes real infrastructure (pulumi {words[0]})")


def serverless(cmd: Cmd) -> None:
    words = cmd.positional({"-s", "--stage", "-r", "--region", "--app", "--profile"})
    if words[:1] in (["remove"], ["destroy"]):
        cmd.add("dangerous", f"deletes the deployed service and its resources ({cmd.name} {words[0]})")
    elif words[:1] == ["deploy"]:
        if "--require-approval" in cmd.argv and "never" in cmd.argv:
            cmd.add("caution", "deploys without asking for approval")
        cmd.add("caution", f"deploys to real infrastructure ({cmd.name} deploy)")


# --- cloud CLIs -----------------------------------------------------------------------------------------------

_AWS_VALUE = {"--profile", "--region", "--output", "--endpoint-url", "--query", "--cli-input-json", "--color",
              "--ca-bundle", "--cli-read-timeout", "--cli-connect-timeout", "--exclude", "--include", "--acl",
              "--storage-class", "--sse", "--content-type", "--expires", "--metadata", "--grants", "--bucket",
              "--key", "--instance-ids", "--db-instance-identifier", "--table-name", "--function-name",
              "--stack-name", "--cluster", "--service", "--user-name", "--policy-arn", "--group-id"}
_DESTROY_VERBS = ("delete", "terminate", "purge", "destroy", "remove", "deregister", "drop")
_CHANGE_VERBS = ("stop", "reboot", "modify", "update", "put", "attach", "detach", "revoke", "disable", "create-access",
                 "authorize", "reset", "restore", "run-instances", "cancel", "deactivate")


def aws(cmd: Cmd) -> None:
    words = cmd.positional(_AWS_VALUE)
    if len(words) < 2:
        return
    service, op = words[0], words[1]
    recursive = cmd.has("--recursive")
    force = cmd.has("--force")
    if service == "s3":
        target = next((w for w in words[2:] if w.startswith("s3://")), words[2] if len(words) > 2 else "")
        if op == "rm":
            cmd.add("dangerous" if recursive else "caution",
                    f"{'deletes every object under' if recursive else 'deletes'} {target} (aws s3 rm)")
        elif op == "rb":
            cmd.add("dangerous" if force else "caution",
                    f"deletes the bucket {target}{' and everything in it' if force else ''} (aws s3 rb)")
        elif op in ("sync", "mv", "cp"):
            if cmd.has("--delete"):
                cmd.add("caution", "deletes files at the destination that are not in the source (aws s3 sync --delete)")
            if op == "mv":
                cmd.add("caution", "moves files, deleting them from the source")
            sources = [w for w in words[2:-1]]
            dest = words[-1] if len(words) > 3 else ""
            leaked = [s for s in (secret(w, cmd.where) for w in sources) if s]
            if leaked and dest.startswith("s3://"):
                cmd.add("dangerous", f"sends {leaked[0]} to another machine (a storage bucket)")
        return
    if op.startswith(_DESTROY_VERBS):
        cmd.add("dangerous", f"deletes cloud resources (aws {service} {op})")
    elif op.startswith(_CHANGE_VERBS) or (service == "iam" and op.startswith(("create", "add", "attach"))):
        cmd.add("caution", f"changes cloud resources (aws {service} {op})")
        if "AdministratorAccess" in " ".join(cmd.argv):
            cmd.add("caution", "grants administrator rights")


#: CLIs whose subcommand words name what they do: delete/destroy words are dangerous.
CLOUD_CLIS = {"gcloud", "az", "doctl", "heroku", "fly", "flyctl", "vercel", "netlify", "firebase", "linode-cli",
              "hcloud", "oci", "ibmcloud", "eksctl", "openstack", "scw", "vultr-cli", "civo", "railway", "supabase",
              "wrangler", "gh", "glab", "s3cmd", "mc", "b2", "exo", "upcloud", "render", "aliyun", "tccli", "kind",
              "minikube", "k3d", "colima", "multipass", "vagrant", "ansible", "bq", "cf", "atlas", "stripe",
              "databricks", "snowsql", "kn", "eb", "copilot", "sam", "cdk", "amplify", "pm2", "nomad", "consul",
              "vault",
              "podman-machine", "lxc", "virsh", "VBoxManage", "qm", "pct"}
_CLOUD_DESTROY = {"delete", "destroy", "remove", "rm", "purge", "terminate", "wipe", "drop", "rb", "del", "undefine",
                  "uninstall", "nuke"}
_CLOUD_CHANGE = {"stop", "reset", "disable", "detach", "scale", "deploy", "rollback", "revoke", "set-iam-policy",
                 "add-iam-policy-binding", "restart", "halt", "shutdown", "down", "unregister", "suspend"}
_CLOUD_SAFE_FIRST = {"list", "ls", "describe", "get", "show", "info", "status", "help", "version", "login", "whoami"}


def cloud(cmd: Cmd) -> None:
    words = [w for w in cmd.argv[1:] if not w.startswith("-")]
    verbs = [w.lower() for w in words[:5]]
    name = cmd.name
    if name == "gsutil" or name == "s3cmd" or name == "mc":
        recursive = cmd.has("-r", "-R", "--recursive", "--force")
        if any(v in ("rm", "del") for v in verbs):
            cmd.add("dangerous" if recursive or any("**" in w or w.endswith("/*") for w in words) else "caution",
                    f"deletes storage objects ({name} {' '.join(verbs[:2])})")
            return
        if any(v in ("rb",) for v in verbs):
            cmd.add("dangerous", f"deletes a storage bucket ({name} rb)")
            return
        if "cp" in verbs or "rsync" in verbs or "put" in verbs or "sync" in verbs:
            leaked = [s for s in (secret(w, cmd.where) for w in words) if s]
            if leaked:
                cmd.add("dangerous", f"sends {leaked[0]} to another machine (a storage bucket)")
            if cmd.has("-d", "--delete", "--remove"):
                cmd.add("caution", "deletes files at the destination that are not in the source")
        return
    if name == "gh" or name == "glab":
        leaked = [s for s in (secret(w.lstrip("@"), cmd.where) for w in cmd.argv[2:]) if s]
        leaked += [s for v in cmd.values("-F", "--field", "--body-file", "--input", "-f") if v.lstrip("@")
                   for s in [secret(v.split("=@", 1)[-1].lstrip("@"), cmd.where)] if s]
        if leaked:
            cmd.add("dangerous", f"sends {leaked[0]} to {'GitHub' if name == 'gh' else 'GitLab'}")
        if verbs[:2] in (["gist", "create"], ["snippet", "create"]):
            cmd.add("caution", f"uploads files as a {'public ' if cmd.has('--public', '-p') else ''}gist")
        if verbs[:2] in (["repo", "delete"], ["release", "delete"], ["repo", "archive"]):
            cmd.add("dangerous", f"deletes a repository or release on the server ({name} {' '.join(verbs[:2])})")
        elif "delete" in verbs[:3] or ("api" in verbs[:1] and cmd.values("-X", "--method") in (["DELETE"],)):
            cmd.add("caution", f"deletes something on the server ({name} {' '.join(verbs[:3])})")
        return
    if verbs and verbs[0] in _CLOUD_SAFE_FIRST:
        return
    for v in verbs:
        base = v.split(":")[-1]
        if v in _CLOUD_DESTROY or base in ("destroy", "delete", "remove", "reset", "purge") and ":" in v:
            cmd.add("dangerous", f"deletes cloud resources ({name} {' '.join(words[:4])})")
            return
    if any(v in _CLOUD_CHANGE for v in verbs):
        cmd.add("caution", f"changes cloud resources ({name} {' '.join(words[:4])})")


def rclone(cmd: Cmd) -> None:
    words = cmd.positional({"--config", "--exclude", "--include", "--filter", "--transfers", "--checkers"})
    if not words:
        return
    if words[0] in ("purge",):
        cmd.add("dangerous", "deletes a remote folder and everything in it (rclone purge)")
    elif words[0] in ("delete", "deletefile", "rmdirs", "rmdir", "cleanup"):
        cmd.add("caution", f"deletes files on a remote (rclone {words[0]})")
    elif words[0] in ("sync", "move", "moveto", "copy", "copyto"):
        if words[0] == "sync":
            cmd.add("caution", "deletes files at the destination that are not in the source (rclone sync)")
        leaked = [s for s in (secret(w, cmd.where) for w in words[1:-1]) if s]
        if leaked:
            cmd.add("dangerous", f"sends {leaked[0]} to another machine")
