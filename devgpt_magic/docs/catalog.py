"""What the index cannot read from the machine: which programs developers reach for, the everyday words for
what some of them do (added to their own one-line description, never replacing it), how to ask some programs
for help, and which programs are never started to read their help.

The hints say what a tool is for in common words ("disk usage of folders"), the way a reader of its manual
page would summarise it; they are not phrasings of any evaluation item.
"""

from __future__ import annotations

#: common developer tools -> extra words for what they do ("" when the manual's own line says it well)
COMMON: dict[str, str] = {
    # files and folders
    "ls": "list directory folder contents files hidden sizes", "cp": "copy files folders", "mv": "move rename",
    "rm": "delete remove files", "mkdir": "create make folder", "rmdir": "remove delete empty folder",
    "touch": "create empty file timestamp", "ln": "symbolic link symlink", "find": "search files by name size "
    "modification time type", "du": "disk usage size of folders files total", "df": "disk free space filesystems",
    "stat": "file size permissions timestamps owner", "file": "what kind type of file", "tree": "folder tree",
    "chmod": "change permissions executable mode", "chown": "change owner", "chgrp": "change group",
    "realpath": "absolute path", "basename": "file name without folder", "dirname": "folder of a path",
    "readlink": "symbolic link target", "install": "", "truncate": "file size", "shred": "securely delete",
    "mktemp": "temporary file", "locate": "find files by name database",
    # text
    "cat": "print file contents concatenate", "tac": "reverse order of lines", "head": "first lines",
    "tail": "last lines follow file as it grows log", "less": "page scroll view file", "more": "page view file",
    "grep": "search text pattern regular expression", "sed": "replace substitute text edit in place",
    "awk": "columns fields text processing", "cut": "columns fields delimiter extract", "sort": "order lines",
    "uniq": "duplicate adjacent lines count unique", "wc": "count lines words characters bytes",
    "tr": "translate replace delete characters case", "nl": "line numbers", "paste": "columns side by side",
    "join": "", "comm": "", "diff": "compare files differences", "patch": "apply diff", "cmp": "compare bytes",
    "split": "", "csplit": "", "fold": "wrap lines width", "fmt": "wrap paragraphs", "column": "table columns",
    "rev": "reverse characters", "expand": "tabs spaces", "iconv": "character encoding convert",
    "od": "octal hex dump", "xxd": "hex dump", "hexdump": "hex dump", "strings": "printable text in binary",
    "tee": "output to file and screen", "printf": "format print", "echo": "print text", "seq": "numbers",
    "shuf": "random shuffle", "base64": "encode decode", "jq": "json query pretty print", "vim": "editor",
    "nano": "editor",
    # archives and checksums
    "tar": "archive tarball create extract tgz", "gzip": "compress gz", "gunzip": "decompress gz",
    "zcat": "", "bzip2": "compress", "xz": "compress", "zip": "archive compress", "unzip": "extract zip",
    "sha256sum": "checksum hash", "sha1sum": "checksum hash", "md5sum": "checksum hash", "cksum": "checksum",
    # processes and system
    "ps": "running processes", "top": "processes cpu memory usage live", "kill": "stop process",
    "pkill": "kill processes by name", "pgrep": "find process id by name", "killall": "kill processes by name",
    "nice": "priority", "renice": "priority", "nohup": "keep running after logout", "timeout": "",
    "watch": "repeat every seconds", "sleep": "wait pause", "time": "how long command takes", "xargs":
    "run command for each input line arguments", "env": "environment variables", "printenv": "environment variables",
    "uptime": "", "free": "memory ram", "uname": "kernel version operating system architecture",
    "hostname": "machine name", "whoami": "current user name", "id": "user group ids", "who": "logged in users",
    "w": "logged in users", "last": "login history", "date": "current time", "lsof": "open files ports",
    "ulimit": "resource limits cpu time file size open files", "umask": "default permissions new files",
    "getconf": "system configuration variables", "lscpu": "cpu information", "lsblk": "disks partitions",
    "mount": "", "findmnt": "mounted filesystems", "dmesg": "kernel messages", "journalctl": "system logs",
    "systemctl": "services", "crontab": "scheduled jobs", "sudo": "as root", "su": "", "which": "path of command",
    "type": "how a command name is interpreted", "command": "", "alias": "", "history": "",
    "cd": "change directory", "pwd": "current directory", "export": "environment variable", "source": "",
    "test": "", "read": "", "exit": "", "jobs": "", "bg": "", "fg": "", "wait": "", "trap": "signals",
    "getent": "users hosts lookup", "groups": "", "passwd": "", "useradd": "", "usermod": "",
    # network
    "curl": "download http request web url api", "wget": "download web url", "ssh": "remote login machine",
    "scp": "copy files remote machine", "rsync": "sync copy files remote", "ip": "network address interfaces",
    "ss": "network connections listening ports sockets", "netstat": "network connections ports",
    "ping": "network reachability", "dig": "dns lookup", "host": "dns lookup", "nslookup": "dns lookup",
    "nc": "network connection port", "traceroute": "network route",
    # development
    "git": "version control repository commits", "git log": "commit history", "git status": "changed files",
    "git diff": "changes", "git clone": "copy repository", "git commit": "save changes", "git branch": "",
    "git checkout": "", "git stash": "", "git grep": "search tracked files", "make": "build", "python3": "python", "python": "",
    "pip": "python packages install", "node": "javascript", "npm": "javascript packages",
    "docker": "containers images", "kubectl": "kubernetes", "gcc": "compile c", "cargo": "rust", "java": "",
    "sqlite3": "database", "openssl": "certificates encryption",
}

#: the first word of a whatis name that marks a family of subcommand pages (git-log -> "git log")
SUBCOMMAND_FAMILIES = {"git", "docker", "cargo", "apt", "dpkg", "systemd", "podman", "openssl", "devlink", "tc",
                       "dcb", "ip", "bridge", "perf"}

#: arguments that print a program's complete help (default: ``--help``)
HELP_ARGS: dict[str, list[str]] = {
    "curl": ["--help", "all"],
    "ps": ["--help", "all"],
    "ip": ["help"],
    "mawk": ["-W", "usage"],
    "top": ["-h"],
    "ssh": ["-h"], "scp": ["-h"], "sftp": ["-h"], "dig": ["-h"], "ping": ["-h"], "nc": ["-h"],
}

#: programs whose option list lives in another program's documentation as well (apt -> apt-get's manual)
SHARED_DOCS: dict[str, list[str]] = {"apt": ["apt-get", "apt-cache"], "gunzip": ["gzip"], "zcat": ["gzip"],
                                     "egrep": ["grep"], "fgrep": ["grep"], "pip3": ["pip"], "vi": ["vim"]}

#: never started to read their help (they may act on any argument): their manual page is read instead
NEVER_RUN = frozenset("""reboot shutdown halt poweroff init telinit runlevel killall5 systemd sulogin login agetty getty
startx xinit Xorg X kexec sl cmatrix yes rc openrc-shutdown nslookup gcloud gsutil bq aws az npm npx yarn pnpm snap
brew""".split())

#: tools with subcommands whose own options are read from ``TOOL SUB --help``; value: how to ask
SUBCOMMAND_TOOLS: dict[str, dict] = {
    "git": {"help": ["{sub}", "-h"], "man": "git-{sub}", "list": ["--list-cmds=main,nohelpers"]},
    "docker": {"help": ["{sub}", "--help"], "nested": True, "operand_stops": {"run", "exec", "create"}},
    "kubectl": {"help": ["{sub}", "--help"], "nested": True, "extra": ["options"]},
    "cargo": {"help": ["{sub}", "--help"], "man": "cargo-{sub}"},
    "pip": {"help": ["{sub}", "--help"]},
    "pip3": {"help": ["{sub}", "--help"]},
    "openssl": {"help": ["{sub}", "-help"], "man": "openssl-{sub}", "list": ["list", "-1", "-commands"]},
}

#: programs that run their command on another machine: what follows is not checked against this one
REMOTE = frozenset("ssh mosh autossh".split())

#: programs that accept unambiguous abbreviations of long options though their help does not say so
ABBREVIATING = frozenset("pip pip3".split())

#: programs whose options stop at the first operand (what follows is a script, a command or a message)
STOP_AT_OPERAND = frozenset("""echo printf python python3 python2 pypy3 node perl ruby php lua bash sh zsh dash ksh
fish java Rscript ssh exec eval busybox awk mawk gawk nawk osascript deno bun""".split())

#: programs whose options are not checked (they pass unknown options on, or accept open-ended ones)
UNCHECKED = frozenset("""gcc g++ cc c++ clang clang++ ld ld.lld ld.gold as cpp ffmpeg ffprobe npm npx yarn pnpm go gh
aws gcloud az terraform helm conda mamba brew snap poetry uv dotnet rustup mvn gradle bazel cmake meson ninja
[ test [[ true false : ssh-keygen stty tput setterm""".split())

#: builtin-like names that `[`-style commands are documented under
ALIASES = {"[": "test", "[[": "test"}

#: tools with subcommands whose options are the same for every subcommand (checked against the tool's own help)
GLOBAL_OPTIONS = frozenset("systemctl apt apt-get apt-cache journalctl loginctl hostnamectl timedatectl".split())

#: words that start with a dash but are operands for that program (signals, modes, priorities)
OPERAND_PATTERNS: dict[str, str] = {
    "kill": r"-(SIG)?[A-Z][A-Z0-9+-]*|-\d+", "pkill": r"-(SIG)?[A-Z][A-Z0-9+-]*|-\d+",
    "killall": r"-(SIG)?[A-Z][A-Z0-9+-]*|-\d+", "chmod": r"-[rwxXstugoa]+([,=+-][rwxXstugoa]*)*",
    "nice": r"-\d+", "renice": r"-\d+", "trap": r"-.*", "printf": r"-.*", "echo": r"-.*",
}
