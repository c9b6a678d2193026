"""What a path on a command line means: a critical folder, an important file, a secret, a disk device.

Every question about a path goes through here, so the rules stay about programs and the path knowledge is
in one table each:

- :func:`critical_target`: a folder whose recursive deletion, move or permission change is a disaster
  (``/``, system folders, your home, the working folder and its ancestors when the context is known);
- :data:`IMPORTANT_FILES` / :func:`important_file`: files whose change gives someone access, starts programs by
  itself, or breaks logins (shell startup files, ``authorized_keys``, cron, systemd units, sudoers...);
- :data:`SECRETS` / :func:`secret`: files whose contents must not leave the machine (keys, credentials);
- :data:`BLOCK_DEVICE`: disks and partitions.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
from dataclasses import dataclass
from fnmatch import translate
from typing import Any, Callable

SYSTEM_DIRS = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/opt", "/proc", "/root",
               "/run", "/sbin", "/srv", "/sys", "/usr", "/var", "/snap", "/Applications", "/Library", "/System",
               "/private", "/nix", "/mnt", "/media")
#: Folders holding every user's home: the folder itself and each user's home are critical, deeper paths are not.
USER_ROOTS = ("/home", "/Users")
#: Places whose files are programs: overwriting one replaces a program everybody runs.
BINARY_DIRS = ("/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/lib64", "/usr/libexec", "/lib", "/lib64",
               "/boot")
#: System folders where installing or replacing a file is routine (a second look, not a disaster).
SOFT_SYSTEM_DIRS = ("/usr/local", "/opt", "/srv", "/var/www", "/var/tmp", "/var/log", "/mnt", "/media",
                    "/usr/share/fonts", "/etc/apt/sources.list.d", "/etc/apt/keyrings", "/usr/share/keyrings",
                    "/etc/yum.repos.d", "/etc/nginx", "/etc/apache2", "/etc/docker")
BLOCK_DEVICE = re.compile(
    r"^/dev/(sd[a-z]|hd[a-z]|vd[a-z]|xvd[a-z]|nvme\d|mmcblk\d|r?disk\d|md\d|mapper/|dm-\d|loop\d|sr\d|root\b)")
_VAR = re.compile(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*|[0-9@*])\}?$")
#: ``${NAME...}`` with an operator (``${HOME%/}``, ``${DIR:-/}``, ``${X#./}``): whatever it gives is computed.
_VAR_OP = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*|[0-9@*])([^A-Za-z0-9_}][^}]*)\}$")
_HOME_WORDS = ("~", "$HOME", "${HOME}")
_PWD_WORDS = ("$PWD", "${PWD}", "$(pwd)", "`pwd`", "$(pwd -P)", "$(pwd -L)", "~+")
_HERE = (".", "./", "./*", "*", ".*", "*/", "*.*", "./.*", "{*,.*}", ".[!.]*", "..?*")


def unquote(word: str) -> str:
    """The word without surrounding quotes (bashlex already removed most quoting)."""
    return word.strip().strip("'\"")


@dataclass(frozen=True)
class Where:
    """Who is asking: the shell's current folder (None when unknown), the user's home, and the folder that must
    not be deleted because it holds the notebook (the working folder given to assess; ``cd`` does not move it)."""

    cwd: str | None
    home: str
    protect: str | None = None


def _expand(word: str, where: Where) -> str:
    """``~``, ``$HOME`` and ``$PWD`` replaced by what they mean; everything else left as written."""
    p = unquote(word)
    for h in _HOME_WORDS:
        if p == h or p.startswith(h + "/"):
            return where.home.rstrip("/") + p[len(h):] if where.home else p
    for w in _PWD_WORDS:
        if (p == w or p.startswith(w + "/")) and where.cwd:
            return where.cwd.rstrip("/") + p[len(w):]
    return p


def normpath(path: str) -> str:
    """``posixpath.normpath`` that also folds a leading ``//``: POSIX keeps it apart, Linux reads ``//etc`` as
    ``/etc``, and no table of system folders would match it."""
    p = posixpath.normpath(path)
    return "/" + p.lstrip("/") if p.startswith("//") else p


def resolve(word: str, where: Where) -> str | None:
    """The absolute, normalised path a word names, or None when it depends on something unknown."""
    p = _expand(word, where)
    if not p or "$" in p or "`" in p or p.startswith("~"):
        return None
    if not p.startswith("/"):
        if not where.cwd:
            return None
        p = posixpath.join(where.cwd, p)
    return normpath(p)


def canonical(word: str, where: Where) -> str:
    """The path as shown to the user and matched against the tables: home written as ``~``."""
    p = _expand(word, where)
    absolute = resolve(word, where)
    if absolute is not None:
        p = absolute
    home = where.home.rstrip("/")
    if home and (p == home or p.startswith(home + "/")):
        p = "~" + p[len(home):]
    return re.sub(r"/+", "/", p)


def is_glob_of(p: str) -> tuple[str, bool]:
    """(the folder, True) for ``folder/*``-like words, else (word, False)."""
    for tail in ("/*", "/.*", "/{*,.*}", "/*.*"):
        if p.endswith(tail):
            return p[: -len(tail)] or "/", True
    return p, False


def _inside(path: str, folder: str) -> bool:
    folder = folder.rstrip("/") or "/"
    return path == folder or path.startswith(folder + "/") or folder == "/"


#: Folders inside home whose loss is a disaster of its own.
HOME_TREASURES = {
    ".ssh": "your SSH keys folder ~/.ssh", ".gnupg": "your GPG keys folder ~/.gnupg",
    ".aws": "your AWS credentials folder ~/.aws", ".config": "your settings folder ~/.config",
    ".local": "your ~/.local folder (installed programs and data)", "Documents": "your Documents folder",
    "Desktop": "your Desktop folder", "Pictures": "your Pictures folder", "Library": "your Library folder",
    ".kube": "your Kubernetes credentials folder ~/.kube", ".password-store": "your password store",
    "Downloads": "your Downloads folder", "Music": "your Music folder", "Videos": "your Videos folder",
}


def _critical_target_as_written(word: str, where: Where) -> str | None:
    """Why deleting, moving or re-permissioning ``word`` recursively would be a disaster, or None."""
    p = unquote(word)
    if not p:
        return None
    op = _VAR_OP.match(p.rstrip("/*").rstrip("/") if p.rstrip("/*") else p)
    if op:  # ${HOME%/} is your home; ${DIR:-/} or ${X#...} could be anything, / included
        if op.group(1) == "HOME":
            return "your home folder (or a folder computed from it)"
        if op.group(1) == "PWD":
            return critical_target("$PWD", where) or "the current folder (or a folder computed from it)"
        return f"{p}, which is computed at run time and may be / or your home folder"
    if p in ("~-", "~-/", "~-/*"):
        return "the folder you were in before (~-)"
    if p in ("~", "~/", "~/*", "~/.*", "$HOME", "${HOME}", "$HOME/", "${HOME}/", "$HOME/*", "${HOME}/*",
             "$HOME/.*", "${HOME}/.*", "~/{*,.*}"):
        return "your home folder"
    if p in _PWD_WORDS or p.rstrip("/*") in _PWD_WORDS:
        if not where.cwd:
            return "everything in the current folder"
    elif p in _HERE and not where.cwd:
        return "everything in the current folder"
    if re.fullmatch(r"(\.\./?)+\*?|(\.\./)+\.\*", p) and not where.cwd:
        return "the parent folder" if p.rstrip("/*") == ".." else "a parent folder"
    if p.rstrip("/*") == "" and p.startswith("/"):
        return "the whole file system (/)"
    var = _VAR.match(p.rstrip("/*").rstrip("/")) if p.rstrip("/*") else None
    if var and var.group(1) not in ("HOME", "PWD"):
        return f"{p}, which is / if the variable is empty"
    if re.fullmatch(r"~[A-Za-z0-9_.-]+/?\*?", p):
        return f"the home folder of {p.rstrip('/*')[1:]}"
    absolute = resolve(p, where)
    if absolute is None:
        return None
    base, glob = is_glob_of(absolute)
    base = normpath(base)
    if any(c in base for c in "*?["):
        matched = _glob_hits_critical(base, where, p)
        if matched:
            return matched
    if base == "/":
        return "the whole file system (/)"
    cwd = normpath(where.protect) if where.protect else None
    if cwd and _inside(cwd, base):
        if base == cwd:
            return "the folder you are working in, which holds this notebook"
        return f"{base}, which holds the folder you are working in and this notebook"
    home = normpath(where.home) if where.home else None
    if home and _inside(home, base):
        return "your home folder" if base == home else f"{base}, which holds your home folder"
    if home and _inside(base, home):
        rest = base[len(home) + 1:]
        top = rest.split("/", 1)[0]
        if "/" not in rest and top in HOME_TREASURES:
            return HOME_TREASURES[top]
        return None
    for root in USER_ROOTS:
        if base == root:
            return f"the folder holding every user's home ({root})"
        if base.startswith(root + "/") and "/" not in base[len(root) + 1:]:
            return f"the home folder {base}"
        if base.startswith(root + "/"):
            return None
    for d in SYSTEM_DIRS:
        if base == d or base.startswith(d + "/"):
            return f"the system folder {base}"
    return None


def _components_match(path: str, pattern: str) -> bool:
    """A shell glob against a path, one folder level at a time (``*`` never crosses ``/`` nor matches a leading
    dot), as the shell matches it."""
    names, pats = path.strip("/").split("/"), pattern.strip("/").split("/")
    if len(names) != len(pats):
        return False
    return all(fnmatch.fnmatchcase(n, q) and not (n.startswith(".") and not q.startswith("."))
               for n, q in zip(names, pats))


def _glob_hits_critical(pattern: str, where: Where, written: str) -> str | None:
    """``/h*`` matches ``/home``: the first critical folder a glob can match, described, or None."""
    home = normpath(where.home) if where.home else None
    candidates = list(SYSTEM_DIRS) + list(USER_ROOTS) + list(BINARY_DIRS)
    for anchor in (home, normpath(where.protect) if where.protect else None):
        while anchor and anchor != "/":
            candidates.append(anchor)
            anchor = posixpath.dirname(anchor)
    if home:
        candidates += [posixpath.join(home, name) for name in HOME_TREASURES]
    for candidate in candidates:
        if _components_match(candidate, pattern):
            why = critical_target(candidate, where)
            if why:
                return f"{why} (matched by {written})"
    return None


def _system_path_as_written(word: str, where: Where) -> str | None:
    """The system folder a path lies in (``/etc``, ``/usr``...), or None."""
    absolute = resolve(word, where)
    if absolute is None:
        return None
    home = where.home.rstrip("/")
    if home and (absolute == home or absolute.startswith(home + "/")):
        return None
    for d in SYSTEM_DIRS:
        if absolute == d or absolute.startswith(d + "/"):
            return d
    return None


def soft_system_path(word: str, where: Where) -> bool:
    absolute = resolve(word, where)
    return bool(absolute) and any(absolute == d or absolute.startswith(d + "/") for d in SOFT_SYSTEM_DIRS)


def binary_path(word: str, where: Where) -> bool:
    absolute = resolve(word, where)
    return bool(absolute) and any(absolute.startswith(d + "/") for d in BINARY_DIRS)


# --- important files ------------------------------------------------------------------------------------------
#: kind -> (level when overwritten or deleted, level when appended to)
WRITE_LEVELS = {
    "startup": ("dangerous", "caution"),   # runs at every login or shell start: content is checked when known
    "access": ("dangerous", "dangerous"),  # decides who may log in or become root
    "autostart": ("dangerous", "dangerous"),  # starts programs by itself (cron, services)
    "config": ("dangerous", "caution"),    # the system or a tool stops working if it is replaced
    "secret": ("dangerous", "caution"),    # keys and credentials: replacing them locks you out
    "hook": ("caution", "caution"),        # runs on a later action (git hooks)
}


@dataclass(frozen=True)
class Important:
    what: str
    kind: str

    @property
    def overwrite_level(self) -> str:
        return WRITE_LEVELS[self.kind][0]

    @property
    def append_level(self) -> str:
        return WRITE_LEVELS[self.kind][1]


#: (glob patterns on the canonical path, with home written as ~; what it is; kind). A pattern without "/"
#: matches the file name anywhere, so ``.bashrc`` in an unknown folder still counts.
IMPORTANT_FILES: list[tuple[tuple[str, ...], str, str]] = [
    ((".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".profile", ".zshrc", ".zprofile", ".zshenv",
      ".zlogin", ".zlogout", ".kshrc", ".cshrc", ".tcshrc", ".bash_aliases", ".bash_functions", ".zsh_aliases",
      ".aliases", "~/.bashrc.d/*", "~/.zshrc.d/*", "~/.config/fish/config.fish", "~/.config/fish/conf.d/*",
      "~/.config/fish/functions/*", "~/.oh-my-zsh/custom/*", "/etc/profile", "/etc/bash.bashrc", "/etc/bashrc",
      "/etc/zsh/*", "/etc/environment", "~/.pam_environment", ".inputrc", ".xprofile", ".xinitrc", ".xsession",
      ".xsessionrc"),
     "a shell startup file, which runs every time a shell starts", "startup"),
    (("*/site-packages/*.pth", "*/dist-packages/*.pth", "sitecustomize.py", "usercustomize.py"),
     "a file Python runs every time it starts", "autostart"),
    (("~/.ipython/*/startup/*", "~/.ipython/*/ipython_config.py", "~/.ipython/*/ipython_kernel_config.py",
      "~/.jupyter/*.py", "~/.local/share/jupyter/kernels/*", "/usr/local/share/jupyter/kernels/*",
      "~/.config/environment.d/*", "~/.ssh/rc", "~/.ssh/environment", "/etc/ssh/sshrc", "~/.Rprofile",
      "~/.octaverc", "~/.gdbinit", "~/.emacs", "~/.emacs.d/init.el", "~/.config/nvim/init.*", "~/.psqlrc",
      "~/.sqliterc", "~/.pythonrc", "~/.pythonrc.py", "~/.config/direnv/direnvrc"),
     "a file that runs code by itself each time you log in or start that program", "autostart"),
    (("~/.local/bin/*", "~/bin/*"), "a program on your PATH, which runs in place of any program of that name",
     "autostart"),
    (("/etc/profile.d/*",), "a system-wide login script", "autostart"),
    (("authorized_keys", "authorized_keys2"), "the list of keys allowed to log in as you (authorized_keys)",
     "access"),
    (("/etc/sudoers", "/etc/sudoers.d/*", "/etc/sudoers.d"), "the sudoers file, which decides who can become root",
     "access"),
    (("/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/pam.d/*", "/etc/security/*",
      "/etc/ssh/sshd_config", "/etc/ssh/sshd_config.d/*", "/etc/ld.so.preload", "/etc/login.defs", "/etc/doas.conf"),
     "a system file that controls logins and accounts", "access"),
    (("/etc/crontab", "/etc/cron.d/*", "/etc/cron.d", "/etc/cron.hourly/*", "/etc/cron.daily/*", "/etc/cron.weekly/*",
      "/etc/cron.monthly/*", "/var/spool/cron/*", "/var/spool/cron/crontabs/*", "/etc/anacrontab"),
     "a cron table, which runs commands on a schedule", "autostart"),
    (("~/.config/systemd/user/*", "~/.config/systemd/user", "/etc/systemd/system/*", "/etc/systemd/system",
      "/lib/systemd/system/*", "/usr/lib/systemd/system/*", "/etc/systemd/user/*", "~/.local/share/systemd/user/*"),
     "a systemd unit, which starts a program by itself", "autostart"),
    (("~/.config/autostart/*", "/etc/xdg/autostart/*", "~/Library/LaunchAgents/*", "/Library/LaunchAgents/*",
      "/Library/LaunchDaemons/*", "/etc/rc.local", "/etc/init.d/*", "/etc/rc*.d/*", "/etc/init/*",
      "/etc/update-motd.d/*", "/etc/udev/rules.d/*"),
     "a file that starts a program by itself at login or boot", "autostart"),
    (("/etc/hosts", "/etc/fstab", "/etc/resolv.conf", "/etc/nsswitch.conf", "/etc/hostname", "/etc/default/grub",
      "/boot/*", "/etc/apt/sources.list", "/etc/os-release", "/etc/ld.so.conf", "/etc/modules",
      "/etc/network/interfaces", "/etc/netplan/*"),
     "a system configuration file the machine needs to start or reach the network", "config"),
    (("~/.ssh/config", "~/.gitconfig", "~/.config/git/config", "~/.npmrc", "~/.pypirc", "~/.netrc",
      "~/.docker/config.json", "~/.kube/config", "~/.vimrc", "~/.tmux.conf", "~/.condarc", "~/.pip/pip.conf",
      "~/.config/pip/pip.conf", "/etc/pip.conf", "~/.jupyter/*", "~/.curlrc", "~/.wgetrc", "~/.yarnrc",
      "~/.yarnrc.yml", "~/.cargo/config.toml", "~/.config/uv/uv.toml"),
     "one of your tool configuration files", "config"),
    (("~/.ssh/id_*", "*/.ssh/id_*", "~/.aws/credentials", "~/.gnupg/*", "~/.git-credentials"),
     "your keys or credentials", "secret"),
    ((".git/hooks/*", "*/.git/hooks/*", ".git/config", "*/.git/config"),
     "a git hook or repository setting, which runs commands on later git actions", "hook"),
]

#: (glob patterns as above; what leaks when the file leaves the machine)
SECRETS: list[tuple[tuple[str, ...], str]] = [
    (("~/.ssh", "~/.ssh/", "*/.ssh", "*/.ssh/id_*", "*/.ssh/*_rsa", "*/.ssh/*_ed25519", "*/.ssh/*_ecdsa",
      "*/.ssh/*key*", "~/.ssh/id_*", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"),
     "your SSH keys"),
    (("~/.aws", "~/.aws/*", "*/.aws/credentials"), "your AWS credentials"),
    (("~/.config/gcloud", "~/.config/gcloud/*"), "your Google Cloud credentials"),
    (("~/.azure", "~/.azure/*"), "your Azure credentials"),
    (("~/.kube", "~/.kube/*", "*/.kube/config"), "your Kubernetes credentials"),
    (("~/.docker/config.json",), "your Docker registry credentials"),
    (("~/.gnupg", "~/.gnupg/*", "~/.password-store", "~/.password-store/*"), "your GPG keys or passwords"),
    ((".netrc", ".git-credentials", ".npmrc", ".pypirc", ".pgpass", ".my.cnf", "~/.config/gh/hosts.yml",
      ".vault-token", "~/.terraform.d/credentials.tfrc.json", "~/.config/hub", "credentials.json",
      "~/.config/rclone/rclone.conf", "~/.s3cfg", "~/.boto"),
     "saved passwords or tokens"),
    ((".env", ".env.*", "*.pem", "*.key", "*.p12", "*.pfx", "*.keystore", "*.jks", "/etc/ssl/private",
      "/etc/ssl/private/*", "*secrets*.y*ml", "*.tfstate"),
     "a file of secrets or private keys"),
    (("/etc/shadow", "/etc/gshadow", "/etc/sudoers"), "the system's password hashes and account data"),
    (("/proc/self/environ", "/proc/*/environ", "/proc/self/task/*/environ"),
     "the environment variables of a process (which often hold keys)"),
    ((".bash_history", ".zsh_history", ".python_history", ".psql_history", ".mysql_history"),
     "your shell history, which often holds passwords"),
    (("~/.mozilla", "~/.mozilla/*", "~/.config/google-chrome", "~/.config/google-chrome/*",
      "~/.config/chromium/*", "~/Library/Keychains", "~/Library/Keychains/*",
      "~/Library/Application Support/Google/Chrome/*"), "your browser's saved logins and cookies"),
    (("~", "~/"), "your whole home folder"),
]


def _compile(patterns: tuple[str, ...]) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    paths = [translate(p) for p in patterns if "/" in p or p.startswith("~")]
    names = [translate(p) for p in patterns if "/" not in p and not p.startswith("~")]
    return (re.compile("|".join(paths)) if paths else None, re.compile("|".join(names)) if names else None)


_IMPORTANT = [(_compile(pats), Important(what, kind)) for pats, what, kind in IMPORTANT_FILES]
_SECRETS = [(_compile(pats), what) for pats, what in SECRETS]


def _match(compiled: tuple[re.Pattern[str] | None, re.Pattern[str] | None], path: str) -> bool:
    by_path, by_name = compiled
    if by_path is not None and by_path.match(path):
        return True
    return by_name is not None and by_name.match(posixpath.basename(path.rstrip("/")) or path) is not None


def _important_file_as_written(word: str, where: Where) -> Important | None:
    """The important file (see :data:`IMPORTANT_FILES`) a word names, or None."""
    p = unquote(word)
    if not p or p.startswith("-") or p.startswith("/dev/"):
        return None
    path = canonical(p, where)
    for compiled, info in _IMPORTANT:
        if _match(compiled, path):
            return info
    return None


def _secret_as_written(word: str, where: Where) -> str | None:
    """What would leak if the file a word names left the machine, or None. Public keys are not secret."""
    p = unquote(word)
    if not p or p.startswith("-") or p.endswith((".pub", "known_hosts", ".example", ".sample", ".template", ".dist",
                                                   ".tpl")) or "://" in p:
        return None
    if p.startswith("@"):
        p = p[1:]
    path = canonical(p, where)
    if path.endswith((".pub", "/known_hosts")) or posixpath.basename(path).startswith("authorized_keys"):
        return None
    path = is_glob_of(path)[0]  # ~/* is all of home, ~/.ssh/* all of ~/.ssh
    for compiled, what in _SECRETS:
        if _match(compiled, path):
            return what
    return None


SIZE = re.compile(r"^(\d+(?:\.\d+)?)([kKmMgGtTpPeE]?)(i?[bB])?$")
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50, "e": 1 << 60}


def size_bytes(text: str) -> float | None:
    """``100G`` -> bytes; ``c``/``w``/``b`` dd suffixes understood; None when not a size."""
    t = text.strip()
    dd = {"c": 1, "w": 2, "b": 512}
    if t and t[-1] in dd and t[:-1].isdigit():
        return float(t[:-1]) * dd[t[-1]]
    m = SIZE.match(t)
    if not m:
        return None
    unit = m.group(2).lower()
    factor = _UNITS[unit]
    if m.group(3) and not m.group(3).lower().startswith("i") and unit and m.group(3) == "B" and len(m.group(3)) == 1:
        factor = {"": 1, "k": 1000, "m": 10**6, "g": 10**9, "t": 10**12, "p": 10**15, "e": 10**18}[unit]
    return float(m.group(1)) * factor


#: Writing this much on purpose fills most disks.
DISK_FILL_BYTES = 10 * (1 << 30)


_GLOB_TAIL = re.compile(r"(/[^/]*[*?[][^/]*)+$")


def _through_links(word: str, where: Where) -> str | None:
    """The path ``word`` names once the links on disk are followed (``cache/*`` with ``cache -> ~`` is
    ``/home/me/*``), when that differs from the path as written; else None."""
    absolute = resolve(word, where)
    if absolute is None:
        return None
    tail = _GLOB_TAIL.search(absolute)
    if tail:  # cache/*: what is inside the folder the link leads to
        base, rest = absolute[:tail.start()], tail.group(0)
    elif unquote(word).endswith("/"):  # cache/: the folder the link leads to
        base, rest = absolute, ""
    else:  # cache: the link itself (rm removes the link), inside the folders its parents lead to
        base, rest = posixpath.dirname(absolute), "/" + posixpath.basename(absolute)
    try:
        real = os.path.realpath(base or "/").rstrip("/") + rest
    except (OSError, ValueError):
        return None
    return real if real and real != absolute else None


def _also_through_links(judge: Callable[[str, Where], Any]) -> Callable[[str, Where], Any]:
    """A path judge that also judges where existing links lead: a cloned repository can hold ``cache -> ../..``,
    and ``rm -rf cache/*`` then deletes what the link points at."""
    def judged(word: str, where: Where) -> Any:
        found = judge(word, where)
        if found is None and (real := _through_links(word, where)) is not None:
            found = judge(real, where)
            if isinstance(found, str):
                found = f"{found} (through the link {unquote(word)})"
        return found
    judged.__doc__ = judge.__doc__
    judged.__name__ = judge.__name__.removeprefix("_").removesuffix("_as_written")
    return judged


critical_target = _also_through_links(_critical_target_as_written)
system_path = _also_through_links(_system_path_as_written)
important_file = _also_through_links(_important_file_as_written)
secret = _also_through_links(_secret_as_written)
