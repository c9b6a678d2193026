"""Rules for programs that delete, overwrite, move or re-permission files and disks."""

from __future__ import annotations

import fnmatch
import posixpath
import re

from .model import Cmd, Source
from .paths import (BLOCK_DEVICE, is_glob_of, normpath, binary_path, canonical, critical_target, important_file, resolve,
                    secret, size_bytes, system_path, unquote, DISK_FILL_BYTES)
from .programs import COPY_VALUE_OPTIONS, INTERPRETERS, NETWORK_SENDERS, READERS, SHELLS, program_name

_DELETERS = {"rm", "srm", "shred", "unlink", "rmdir", "wipe"}


def _in_working_folder(cmd: Cmd, path: str) -> bool:
    """A relative path that stays below the working folder (``build``, ``./src``), or one inside the known cwd."""
    p = unquote(path)
    if not p or p.startswith(("/", "~", "$")):
        cwd = cmd.where.cwd
        absolute = resolve(p, cmd.where)
        return bool(cwd and absolute and (absolute == normpath(cwd)
                                          or absolute.startswith(cwd.rstrip("/") + "/")))
    norm = posixpath.normpath(p)
    return not norm.startswith("..")


# --- deleting -----------------------------------------------------------------------------------------------

def rm(cmd: Cmd) -> None:
    recursive = cmd.has("-r", "-R", "--recursive")
    force = cmd.has("-f", "--force")
    targets = cmd.operands
    how = "recursively deletes" if recursive else ("force-deletes" if force else "deletes")
    serious = False
    if "--no-preserve-root" in cmd.flags:
        cmd.add("dangerous", "turns off rm's protection of / (--no-preserve-root)")
    for index, target in enumerate(cmd.argv[1:], start=1):
        if target not in targets:
            continue
        why = critical_target(target, cmd.where) if (recursive or force) else _contents_of_critical(target, cmd)
        if (recursive or force) and target in ("{}", "$@", "$*", "${@}"):
            why = f"whatever is put in place of {target}"
        if why:
            cmd.add("dangerous", f"{how} {why}")
            serious = True
            continue
        if index in cmd.subs and (recursive or force):
            cmd.add("dangerous", f"{how} whatever the command inside $(...) prints")
            serious = True
            continue
        info = important_file(target, cmd.where)
        if info is not None and info.kind != "hook":
            cmd.add("dangerous", f"deletes {target}, {info.what}")
            serious = True
        elif binary_path(target, cmd.where):
            cmd.add("dangerous", f"deletes the program {target}")
            serious = True
        elif (recursive or force) and system_path(target, cmd.where) and target.rstrip("/").count("/") <= 2:
            cmd.add("dangerous", f"{how} the system folder {target}")
            serious = True
    if (recursive or force) and cmd.fed:
        cmd.add("dangerous", f"{how} whatever {cmd.fed} feeds it")
    elif not serious:
        cmd.add("caution", f"{how} {' '.join(targets) or 'files'}")


def _contents_of_critical(target: str, cmd: Cmd) -> str | None:
    """``~/.ssh/*``: every file in a folder whose loss is a disaster (even without -r), or None."""
    if not is_glob_of(canonical(target, cmd.where))[1]:
        return None
    why = critical_target(target, cmd.where)
    return f"every file in {why}" if why else None


def shred(cmd: Cmd) -> None:
    for target in cmd.operands:
        if BLOCK_DEVICE.match(target):
            cmd.add("dangerous", f"overwrites the whole disk {target} (shred on a device)")
        info = important_file(target, cmd.where)
        contents = _contents_of_critical(target, cmd)
        if info is not None:
            cmd.add("dangerous", f"destroys {target}, {info.what}")
        elif contents:
            cmd.add("dangerous", f"destroys {contents}")
    cmd.add("caution", "destroys file contents beyond recovery (shred)")
    if cmd.fed:
        cmd.add("dangerous", f"destroys whatever files {cmd.fed} feeds it (shred)")


def unlink(cmd: Cmd) -> None:
    for target in cmd.operands:
        info = important_file(target, cmd.where)
        if info is not None:
            cmd.add("dangerous", f"deletes {target}, {info.what}")
        elif binary_path(target, cmd.where):
            cmd.add("dangerous", f"deletes the program {target}")
    cmd.add("caution", "deletes files")


_FIND_FILTERS = {"-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex", "-iregex", "-newer",
                 "-mtime", "-mmin", "-atime", "-amin", "-ctime", "-cmin", "-size", "-user", "-group", "-uid", "-gid",
                 "-empty", "-perm", "-links", "-inum", "-samefile", "-lname", "-ilname", "-newermt", "-newerct",
                 "-used", "-nouser", "-nogroup", "-context"}
_MATCH_ALL = {"*", "*.*", ".*", "**"}
_FIND_WRITES = {"-fprint": 1, "-fprint0": 1, "-fls": 1, "-fprintf": 1}


#: Names of secret files, to tell whether a ``find -name`` pattern can match one (``-name 'id_*'``).
_SECRET_NAMES = ("id_rsa", "id_ed25519", "id_ecdsa", "id_dsa", ".env", ".netrc", ".git-credentials", ".pgpass",
                 "key.pem", "server.key", ".npmrc", ".pypirc", ".bash_history")


def _find_secret(cmd: Cmd, starts: list[str], expr: list[str]) -> str | None:
    """What secret a find looks for: a start folder that holds secrets, or a name pattern that matches one."""
    for start in starts:
        what = secret(start, cmd.where)
        if what and what != "your whole home folder":
            return what
    for k, word in enumerate(expr[:-1]):
        if word in ("-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename"):
            pattern = expr[k + 1]
            name = posixpath.basename(pattern)
            example = next((n for n in _SECRET_NAMES if fnmatch.fnmatch(n, name)), None)
            what = secret(pattern, cmd.where) or secret(name, cmd.where) or (
                secret(example, cmd.where) if example else None)
            if what and what != "your whole home folder":
                return what
    return None


def find(cmd: Cmd) -> None:
    argv = cmd.argv
    starts: list[str] = []
    i = 1
    while i < len(argv) and argv[i] in ("-H", "-L", "-P", "-O0", "-O1", "-O2", "-O3", "-D"):
        i += 2 if argv[i] == "-D" else 1
    while i < len(argv) and not argv[i].startswith("-") and argv[i] not in ("(", "!", ",", "\\(", "\\!"):
        starts.append(argv[i])
        i += 1
    starts = starts or ["."]
    expr = argv[i:]
    filtered = any(w in _FIND_FILTERS and (k + 1 >= len(expr) or expr[k + 1] not in _MATCH_ALL)
                   for k, w in enumerate(expr))
    removes = {"deletes"} if "-delete" in expr else set()
    execs: list[list[str]] = []
    k = 0
    while k < len(expr):
        word = expr[k]
        if word in ("-exec", "-execdir", "-ok", "-okdir"):
            end = next((j for j in range(k + 1, len(expr)) if expr[j] in (";", "\\;", "+")), len(expr))
            inner = expr[k + 1:end]
            if inner:
                execs.append(inner)
            k = end + 1
            continue
        if word in _FIND_WRITES and k + 1 < len(expr):
            cmd.check.write(cmd, expr[k + 1], append=False)
            k += 2
            continue
        k += 1
    looks_for = _find_secret(cmd, starts, expr)
    if looks_for and not execs:
        cmd.reveals.append(looks_for)  # the names of secret files: "| xargs cat | nc" sends them
    changes_all: list[str] = []
    for inner in execs:
        name = program_name(inner[0])
        if "{}" in inner[0]:
            cmd.add("caution", "runs every file find matches as a program, which cannot be checked")
        elif name in _DELETERS or (name == "git" and inner[1:2] == ["rm"]):
            removes.add("deletes")
        elif name == "mv" and ("{}" in inner[1:-1] or ("{}" in inner and any(
                w == "-t" or w.startswith("--target-directory") for w in inner))):
            removes.add("moves away")
            cmd.check.argv(inner, fed="find")
        elif name in ("chmod", "chown", "chgrp", "chattr", "truncate", "shred"):
            changes_all.append(name)
            cmd.check.argv(inner)
        else:
            cmd.check.argv(inner, fed="find")
        if looks_for and any("{}" in w for w in inner[1:]):
            if name in NETWORK_SENDERS:
                cmd.add("dangerous", f"sends {looks_for} to another machine (found by find)")
            elif name in READERS or name in SHELLS or name in INTERPRETERS:
                cmd.add("caution", f"reads {looks_for} (found by find)")
                cmd.reveals.append(looks_for)
    critical = [why for why in (critical_target(s, cmd.where) for s in starts) if why]
    in_work = all(_in_working_folder(cmd, s) or s in (".", "./") and not cmd.where.cwd for s in starts)
    place = ", ".join(starts)
    for how in sorted(removes):
        if filtered and (in_work or not critical):
            cmd.add("caution", f"{how} the files find matches under {place}")
        elif critical:
            cmd.add("dangerous", f"{how} every file find matches in {critical[0]}")
        elif not filtered:
            cmd.add("dangerous", f"{how} every file under {place} (find with no filter)")
        else:
            cmd.add("caution", f"{how} the files find matches under {place}")
    for name in changes_all:
        if critical and not (filtered and in_work):
            cmd.add("dangerous", f"runs {name} on every file find matches in {critical[0]}")
        else:
            cmd.add("caution", f"runs {name} on every file find matches")


# --- disks ----------------------------------------------------------------------------------------------------

def _dd_bytes(value: str | None) -> float | None:
    if value is None:
        return None
    total = 1.0
    for part in value.split("x"):
        size = size_bytes(part)
        if size is None:
            return None
        total *= size
    return total


def dd(cmd: Cmd) -> None:
    opts = {w.split("=", 1)[0]: w.split("=", 1)[1] for w in cmd.argv[1:] if "=" in w}
    target = opts.get("of")
    source = opts.get("if")
    if target is None:
        if source and BLOCK_DEVICE.match(source):
            cmd.add("caution", f"reads the raw disk {source}")
        return
    if BLOCK_DEVICE.match(target):
        cmd.add("dangerous", f"writes raw bytes to {target} (dd of=), overwriting the disk")
        return
    if target.startswith("/dev/"):
        cmd.check.write(cmd, target, append=False)
        return
    block = _dd_bytes(opts.get("bs") or opts.get("obs")) or 512.0
    count = opts.get("count")
    endless_source = source in ("/dev/zero", "/dev/urandom", "/dev/random") or (
        source is None and cmd.stdin is not None and cmd.stdin.infinite)
    total = block * float(count) if count and count.isdigit() else None
    if endless_source and count is None:
        cmd.add("dangerous", f"writes endlessly to {target} until the disk is full (dd with no count)")
    elif total is not None and total >= DISK_FILL_BYTES:
        cmd.add("dangerous", f"writes {total / (1 << 30):.0f} GiB to {target}, which can fill the disk")
    info = important_file(target, cmd.where)
    if info is not None or system_path(target, cmd.where):
        cmd.check.write(cmd, target, append=False)
    else:
        cmd.add("caution", f"writes raw bytes to {target} (dd), replacing what is there")


def disk_tool(cmd: Cmd) -> None:
    if cmd.name in ("fdisk", "sfdisk", "parted", "gdisk", "sgdisk") and (
            cmd.has("-l", "--list", "-d", "--dump", "-p", "--print") or "print" in cmd.operands):
        return
    if cmd.name == "wipefs" and not cmd.has("-a", "--all", "-o", "--offset"):
        cmd.add("caution", "looks at or erases disk signatures (wipefs)")
        return
    what = "formats" if cmd.name == "mkfs" else "repartitions or erases"
    cmd.add("dangerous", f"{what} a disk ({program_name(cmd.argv[0]) if cmd.name != 'mkfs' else cmd.argv[0]})")


def fallocate(cmd: Cmd) -> None:
    size = next((size_bytes(v) for v in cmd.values("-l", "--length")), None)
    if size is not None and size >= DISK_FILL_BYTES:
        cmd.add("dangerous", f"reserves {size / (1 << 30):.0f} GiB on disk, which can fill it")
    else:
        cmd.add("caution", "reserves space on disk for a file (fallocate)")


def truncate(cmd: Cmd) -> None:
    sizes = cmd.values("-s", "--size")
    empties = any(s.strip() in ("0", "-0") or s.startswith(("<", "-", "%", "/")) for s in sizes)
    ref = cmd.values("-r", "--reference")
    value_opts = {"-s", "--size", "-r", "--reference", "-o"}
    for target in cmd.operands_skipping(value_opts):
        if important_file(target, cmd.where) or system_path(target, cmd.where):
            cmd.check.write(cmd, target, append=False)
    if empties or ref:
        cmd.add("caution", f"empties {' '.join(cmd.operands_skipping(value_opts)) or 'files'}")
    big = next((size_bytes(s.lstrip("+")) for s in sizes), None)
    if big is not None and big >= DISK_FILL_BYTES:
        cmd.add("caution", "makes a very large (sparse) file")
    cmd.add("caution", "changes files in place")


# --- permissions ----------------------------------------------------------------------------------------------

_WIDE_OPEN = re.compile(r"^(0?[0-7]?77[67]|a\+rwx|ugo\+rwx|o\+w|a\+w|o\+rwx|a=rwx|\+w|o=rwx|0?666|a\+rw)$")
_SETUID = re.compile(r"^([2467][0-7]{3}|[ugoa]*[+=][rwxXt]*s[rwxXt]*|\+s)$")
#: Programs that let whoever runs them run anything: setuid on them gives root to everyone.
_ESCAPES = SHELLS | INTERPRETERS | {"find", "vim", "vi", "less", "more", "cp", "mv", "env", "nmap", "awk", "tar",
                                    "zip", "nano", "dd", "tee", "chmod", "chown", "docker", "rsync", "busybox"}


def _locks_out(mode: str) -> bool:
    if re.fullmatch(r"0*[0-3]?[0-7]?[0-7]?", mode) and mode:
        digits = mode.lstrip("0")
        owner = int(mode[-3]) if len(mode) >= 3 else 0
        return owner < 5 or digits == ""
    return bool(re.fullmatch(r"[ua]*[-=]r?w?x?|a=|u=|0|-r|-x|-rwx|a-rwx|ugo-rwx|u-rwx|u-r|u-x|a-r|a-x|go-rwx,u-rwx",
                             mode)) and mode not in ("go-rwx", "og-rwx", "o-rwx", "g-w", "o-w", "go-w", "a-w", "u-w")


def _who_may_read(mode: str) -> str:
    """"others" for ``o+r``, ``a+r``, ``+r``, ``644``; "your group" for ``g+r``, ``640``; else ""."""
    if re.fullmatch(r"0*[0-7]{3,4}", mode):
        return "others" if int(mode[-1]) & 4 else "your group" if int(mode[-2]) & 4 else ""
    who = ""
    for part in mode.split(","):
        m = re.fullmatch(r"([ugoa]*)[+=][rwxXst]*r[rwxXst]*", part)
        if m and (not m.group(1) or set(m.group(1)) & {"o", "a"}):
            return "others"
        if m and "g" in m.group(1):
            who = "your group"
    return who


def chmod(cmd: Cmd) -> None:
    ops = [o for o in cmd.operands]
    if cmd.values("--reference"):
        mode, paths = "", ops
    else:
        mode, paths = (ops[0] if ops else ""), ops[1:]
    if mode.startswith("-") and not ops:
        mode = ""
    # "-R 000 ." puts the mode after an option; "chmod -x file" is a mode that looks like an option
    for word in cmd.argv[1:]:
        if re.fullmatch(r"-[rwxXst]+", word) and not mode:
            mode = word
    recursive = cmd.has("-R", "--recursive")
    wide_open = bool(_WIDE_OPEN.match(mode))
    lockout = _locks_out(mode) if mode else False
    setuid = bool(_SETUID.match(mode))
    detail = ": everyone can change it" if wide_open else (": nobody can use it any more" if lockout else "")
    how = "recursively changes" if recursive else "changes"
    for p in paths:
        why = critical_target(p, cmd.where)
        if why and (recursive or wide_open or lockout):
            cmd.add("dangerous", f"{how} permissions of {why}{detail}")
        info = important_file(p, cmd.where)
        if info is not None and info.kind in ("access", "secret", "config", "autostart") and (wide_open or lockout):
            cmd.add("dangerous", f"{how} permissions of {p}, {info.what}{detail}")
        if binary_path(p, cmd.where) and (wide_open or lockout or recursive):
            cmd.add("dangerous", f"{how} permissions of the program {p}{detail}")
        if setuid:
            if program_name(p) in _ESCAPES:
                cmd.add("dangerous", f"makes {p} run as its owner (setuid): anyone can use it to become root")
            else:
                cmd.add("caution", f"makes {p} run with its owner's rights (setuid/setgid)")
    readers = _who_may_read(mode)
    if readers:
        for p in paths:
            what = secret(p, cmd.where)
            if what and what != "your whole home folder":
                cmd.add("dangerous" if readers == "others" else "caution", f"lets {readers} read {what} ({p})")
    if wide_open:
        cmd.add("caution", "makes files writable by everyone")
    if lockout and paths:
        cmd.add("caution", f"takes read or run permission away ({mode})")
    if recursive:
        cmd.add("caution", "changes permissions recursively")
    if cmd.fed and (recursive or wide_open or lockout):
        cmd.add("dangerous", f"changes permissions of whatever {cmd.fed} feeds it")


def chown(cmd: Cmd) -> None:
    ops = cmd.operands
    paths = ops if cmd.values("--reference") else ops[1:]
    recursive = cmd.has("-R", "--recursive")
    what = "ownership" if cmd.name != "chgrp" else "group"
    owner = "" if cmd.values("--reference") or not ops else ops[0]
    to_root = cmd.name == "chown" and re.match(r"^(root|0)([:.]|$)", owner) is not None
    for p in paths:
        why = critical_target(p, cmd.where)
        if why and recursive:
            cmd.add("dangerous", f"recursively changes {what} of {why}")
        elif why and to_root and why != "the whole file system (/)" and not why.startswith("the system folder"):
            cmd.add("dangerous", f"gives root ownership of {why}, locking you out of it")
        info = important_file(p, cmd.where)
        if info is not None and info.kind in ("access", "autostart"):
            cmd.add("dangerous", f"changes {what} of {p}, {info.what}")
        if binary_path(p, cmd.where) and recursive:
            cmd.add("dangerous", f"changes {what} of the programs in {p}")
    if recursive:
        cmd.add("caution", f"changes {what} recursively")
    else:
        cmd.add("caution", f"changes {what} of files")
    if cmd.fed and recursive:
        cmd.add("dangerous", f"changes {what} of whatever {cmd.fed} feeds it")


def chattr(cmd: Cmd) -> None:
    modes = [w for w in cmd.argv[1:] if re.fullmatch(r"[+=-][aAcCdDeEFijPsStTux]+", w)]
    locks = any(m[0] in "+=" and ("i" in m or "a" in m) for m in modes)
    targets = [w for w in cmd.operands if w not in modes]
    recursive = cmd.has("-R")
    for t in targets:
        why = critical_target(t, cmd.where)
        if locks and (why or important_file(t, cmd.where) or system_path(t, cmd.where)):
            cmd.add("dangerous", f"makes {why or t} impossible to change or delete, even for root (chattr +i)")
    if locks:
        cmd.add("caution", "makes files impossible to change or delete, even for root (chattr +i)")
    else:
        cmd.add("caution", "changes file attributes (chattr)")
    if recursive and locks:
        cmd.add("caution", "changes file attributes recursively")


def setfacl(cmd: Cmd) -> None:
    recursive = cmd.has("-R", "--recursive")
    for t in cmd.operands:
        why = critical_target(t, cmd.where)
        if why and recursive:
            cmd.add("dangerous", f"changes access rules of {why} recursively")
    cmd.add("caution", "changes who may access files (setfacl)")


# --- moving, copying, linking, writing ------------------------------------------------------------------------

def _destination(cmd: Cmd) -> tuple[list[str], str | None, bool]:
    """(sources, destination, destination is a folder) for cp/mv/install/ln."""
    ops, target_dir = cmd.copy_operands(COPY_VALUE_OPTIONS.get(cmd.name, frozenset()))
    if target_dir is not None:
        return ops, target_dir, True
    if len(ops) < 2:
        return ops, None, False
    dest = ops[-1]
    return ops[:-1], dest, dest.endswith("/") or len(ops) > 2


def _dest_files(sources: list[str], dest: str, is_dir: bool) -> list[str]:
    if not is_dir:
        return [dest]
    return [dest.rstrip("/") + "/" + posixpath.basename(s.rstrip("/")) for s in sources] + [dest]


def mv(cmd: Cmd) -> None:
    sources, dest, is_dir = _destination(cmd)
    for source in sources:
        why = critical_target(source, cmd.where)
        if why:
            cmd.add("dangerous", f"moves away {why}")
            continue
        info = important_file(source, cmd.where)
        if info is not None and info.kind != "hook":
            cmd.add("dangerous", f"moves {source} away, {info.what}")
        elif binary_path(source, cmd.where):
            cmd.add("dangerous", f"moves the program {source} away")
    if dest is None:
        return
    if dest == "/dev/null":
        cmd.add("dangerous", "moves files onto /dev/null, destroying them")
        return
    for target in _dest_files(sources, dest, is_dir):
        if important_file(target, cmd.where) or system_path(target, cmd.where):
            cmd.check.write(cmd, target, append=False)
            break
    if cmd.fed:
        cmd.add("caution", f"moves whatever {cmd.fed} feeds it")


def cp(cmd: Cmd) -> None:
    sources, dest, is_dir = _destination(cmd)
    if dest is None:
        return
    emptying = any(s in ("/dev/null", "/dev/zero") for s in sources)
    content = Source(unknown=True)
    for target in _dest_files(sources, dest, is_dir):
        if BLOCK_DEVICE.match(target):
            cmd.add("dangerous", f"copies over the disk device {target}")
            return
        if important_file(target, cmd.where) or system_path(target, cmd.where):
            cmd.check.write(cmd, target, append=False, content=content)
            return
    if emptying:
        cmd.add("caution", f"empties {dest}")
    elif cmd.has("-f", "--force", "--remove-destination") and cmd.has("-r", "-R", "--recursive", "-a", "--archive"):
        cmd.add("caution", f"copies over whatever is in {dest}")
    if cmd.has("-r", "-R", "--recursive", "-a", "--archive"):
        contents_into_home(cmd, [s for s in sources if re.search(r"/\.?\*?$", s)], dest)


def contents_into_home(cmd: Cmd, sources: list[str], dest: str) -> None:
    """``cp -r pub/. ~/``, ``rsync -a evil/ ~``: a folder's contents land straight in the home folder, where
    they can replace ``~/.bashrc`` or plant ``~/.ssh/authorized_keys``; what the folder holds is not shown."""
    target = resolve(dest, cmd.where) if sources else None
    if target is not None and target.rstrip("/") == cmd.where.home.rstrip("/"):
        cmd.add("caution", f"copies the contents of {sources[0]} straight into your home folder, where they can "
                           "replace files such as ~/.bashrc or ~/.ssh/authorized_keys")


def install(cmd: Cmd) -> None:
    if cmd.has("-d", "--directory"):
        return
    sources, dest, is_dir = _destination(cmd)
    modes = cmd.values("-m", "--mode")
    if modes and _SETUID.match(modes[0]):
        cmd.add("caution", "installs a program that runs with its owner's rights (setuid)")
    if dest is None:
        return
    for target in _dest_files(sources, dest, is_dir):
        if important_file(target, cmd.where) or system_path(target, cmd.where):
            cmd.check.write(cmd, target, append=False)
            return


def ln(cmd: Cmd) -> None:
    force = cmd.has("-f", "--force")
    sources, dest, is_dir = _destination(cmd)
    if dest is None:
        if cmd.has("-s", "--symbolic") and len(sources) == 1:  # ln -s ~ : a link named after the target, here
            cmd.check.links[posixpath.basename(sources[0].rstrip("/")) or sources[0]] = sources[0]
        return
    if cmd.has("-s", "--symbolic") and not is_dir and len(sources) == 1:
        cmd.check.links[dest.rstrip("/").removeprefix("./")] = sources[0]  # ln -s ~ x; rm -rf x/*
    for target in _dest_files(sources, dest, is_dir):
        info = important_file(target, cmd.where)
        if info is not None:
            creates = force or info.kind in ("autostart", "access")  # a new link there is as bad as a new file
            cmd.add(info.overwrite_level if creates else "caution", f"replaces {target} with a link, {info.what}")
            return
        if system_path(target, cmd.where) and force:
            cmd.check.write(cmd, target, append=False)
            return
        if target.strip("'\"").endswith(("_history", "/.bash_history")) or "/var/log/" in target:
            cmd.add("caution", f"links {target} elsewhere, which hides what is written to it")
            return
    if force:
        cmd.add("caution", f"replaces {dest} with a link if it exists")


def tee(cmd: Cmd) -> None:
    """tee and sponge write what they read into the files they are given."""
    append = cmd.has("-a", "--append")
    for target in cmd.operands:
        if target == "-":
            continue
        cmd.check.write(cmd, target, append=append, content=cmd.stdin or Source(unknown=True))


def sed(cmd: Cmd) -> None:
    """sed scripts: ``e`` runs commands (with no argument: the input lines themselves), ``w FILE`` and the ``w``
    flag of ``s`` write files, ``-i`` edits in place (a script that deletes every line empties the files)."""
    in_place = cmd.has("--in-place") or any(
        w == "-i" or (w.startswith("-i") and not w.startswith("--")) or re.fullmatch(r"-[a-zA-Z]*i[a-zA-Z]*", w)
        for w in cmd.argv[1:])
    scripts = cmd.values("-e", "--expression")
    ops = cmd.operands_skipping({"-e", "--expression", "-f", "--file", "-l", "--line-length"})
    if not scripts and ops:
        scripts, ops = [ops[0]], ops[1:]
    commands = [c for script in scripts for c in sed_commands(script)]
    for address, letter, argument in commands:
        if letter == "e" or (letter == "s" and "e" in argument.split("\0")[2]):
            text = argument if letter == "e" else argument.split("\0")[1]
            if text.strip():
                cmd.add("caution", "runs a shell command from a sed script (e command)")
                cmd.check.text(text)
            else:
                cmd.add("caution", "runs lines of its input as shell commands (sed e), which cannot be checked")
        target = argument if letter in ("w", "W") else argument.split("\0")[3] if letter == "s" else ""
        if target and target not in ("/dev/stdout", "/dev/stderr"):
            cmd.check.write(cmd, target, append=False)
    if cmd.values("-f", "--file"):
        cmd.add("caution", f"runs the sed script in {cmd.values('-f', '--file')[0]}, which is not shown here")
    if in_place:
        quiet = cmd.has("-n", "--quiet", "--silent") and not any(c[1] in "pPwW" for c in commands)
        destroys = quiet or any(not address and (letter == "d" or (letter == "s" and _empties(argument)))
                                for address, letter, argument in commands)
        inserted = [a.split("\0")[1] if letter == "s" else a for _, letter, a in commands if letter in "saic"]
        in_place_edit(cmd, ops, destroys, inserted)


def in_place_edit(cmd: Cmd, targets: list[str], destroys: bool, inserted: list[str]) -> None:
    """Files changed in place (``sed -i``, ``perl -pi``, ``ruby -i``): important files and programs are worth a
    look; an edit that empties every line is dangerous on important files, a whole folder, or whatever find or
    xargs hands over. Text put into a shell startup file is checked as the commands it becomes."""
    cmd.add("caution", "changes files in place")
    for target in targets:
        info = important_file(target, cmd.where)
        why = critical_target(target, cmd.where)
        if info is not None:
            cmd.add(info.overwrite_level if destroys else info.append_level,
                    f"{'empties' if destroys else 'edits'} {target}, {info.what}")
            if info.kind in ("startup", "autostart"):
                for text in inserted:
                    cmd.check.text(text, suffix=f" (written into {target})")
        elif binary_path(target, cmd.where):
            cmd.add("dangerous", f"edits the program {target}")
        elif destroys and why:
            cmd.add("dangerous", f"empties every file in {why}")
        elif destroys and any(c in target for c in "*?["):
            cmd.add("dangerous", f"empties every file matching {target}")
    if destroys and (cmd.fed or "{}" in targets):
        cmd.add("dangerous", f"empties every file {cmd.fed or 'find'} passes to {cmd.name}")


def _empties(s_argument: str) -> bool:
    """An ``s`` command that replaces whole lines with nothing (``s/.*//``, ``s/^.*$//``)."""
    regex, replacement = s_argument.split("\0")[:2]
    return replacement == "" and regex.strip("^$") in (".*", ".\\+", ".+", "\\(.*\\)")


def _sed_address(script: str, i: int) -> int:
    """Index after the address(es) starting at ``i`` (``3``, ``$``, ``/re/``, ``\\%re%``, ``1~2``, ``a,b``, ``!``)."""
    for _ in range(2):
        if i < len(script) and (script[i].isdigit() or script[i] == "$"):
            i += 1
            while i < len(script) and (script[i].isdigit() or script[i] == "~"):
                i += 1
        elif i < len(script) and script[i] in "/\\":
            delim = script[i + 1] if script[i] == "\\" and i + 1 < len(script) else "/"
            i += 2 if script[i] == "\\" else 1
            while i < len(script) and script[i] != delim:
                i += 2 if script[i] == "\\" else 1
            i += 1
            while i < len(script) and script[i] in "IM":
                i += 1
        if i < len(script) and script[i] == ",":
            i += 1
            if i < len(script) and script[i] in "+~":
                i += 1
            continue
        break
    while i < len(script) and script[i] in " \t!":
        i += 1
    return i


def _sed_part(script: str, i: int, delim: str) -> tuple[str, int]:
    """The text up to the next unescaped ``delim``, and the index after it."""
    out = []
    while i < len(script) and script[i] != delim:
        if script[i] == "\\" and i + 1 < len(script):
            out.append(script[i:i + 2] if script[i + 1] != delim else delim)
            i += 2
            continue
        out.append(script[i])
        i += 1
    return "".join(out), i + 1


def sed_commands(script: str) -> list[tuple[str, str, str]]:
    """(address, command letter, argument) for each command of a sed script. The argument of ``s`` is
    ``regex NUL replacement NUL flags NUL write-file``; of ``e``, ``w``, ``r``, ``a``, ``i``, ``c`` its text."""
    out: list[tuple[str, str, str]] = []
    i, n = 0, len(script)
    while i < n:
        if script[i] in " \t\n;{}":
            i += 1
            continue
        start = i
        i = _sed_address(script, i)
        address = script[start:i].strip()
        if i >= n:
            break
        letter = script[i]
        i += 1
        end_of_line = script.find("\n", i)
        end_of_line = n if end_of_line < 0 else end_of_line
        if letter in ("s", "y"):
            delim = script[i] if i < n else "/"
            regex, i = _sed_part(script, i + 1, delim)
            replacement, i = _sed_part(script, i, delim)
            flags, target = "", ""
            while i < n and script[i] not in ";\n}":
                if script[i] == "w":
                    eol = script.find("\n", i)
                    target = script[i + 1: n if eol < 0 else eol].strip()
                    i = n if eol < 0 else eol
                    break
                flags += script[i]
                i += 1
            out.append((address, letter, "\0".join((regex, replacement, flags, target))))
        elif letter in "aicrRwWe":
            text = script[i:end_of_line]
            if letter in "aic":
                text = re.sub(r"^\s*\\?", "", text)
            out.append((address, letter, text.strip() if letter != "e" else text))
            i = end_of_line
        elif letter in ":btT#":
            semicolon = script.find(";", i, end_of_line)
            i = end_of_line if letter == "#" or semicolon < 0 else semicolon
        else:
            out.append((address, letter, ""))
    return out
