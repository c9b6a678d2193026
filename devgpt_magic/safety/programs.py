"""Program names: how a written command name maps to a table key, and the families rules talk about."""

from __future__ import annotations

import posixpath
import re

_VERSIONED = re.compile(r"^(python|pypy|perl|ruby|node|nodejs|php|lua|luajit|pip|tclsh|wish|bash|zsh|ksh|"
                        r"mysql|psql|pwsh|Rscript|julia|gawk|mawk|nawk|busybox|irb|jruby)[\d.]*(-\w+)?$")
_ALIASES = {"nodejs": "node", "pypy": "python", "python": "python", "gawk": "awk", "mawk": "awk", "nawk": "awk",
            "luajit": "lua", "irb": "ruby", "jruby": "ruby", "mariadb": "mysql", "powershell": "pwsh",
            "docker-compose": "docker-compose", "podman": "docker", "nerdctl": "docker", "tofu": "terraform",
            "terragrunt": "terraform", "ncat": "nc", "netcat": "nc", "mongo": "mongosh", "gsutil": "gsutil",
            "vim": "vim", "nvim": "vim", "vi": "vim", "ex": "vim", "view": "vim", "sudoedit": "sudoedit",
            "rbash": "bash", "kubecolor": "kubectl", "oc": "kubectl", "microk8s.kubectl": "kubectl",
            "k": "kubectl", "mkfs": "mkfs", "pip3": "pip", "yarnpkg": "yarn", "apt-get": "apt", "aptitude": "apt",
            "yum": "dnf", "microdnf": "dnf", "fetch": "curl", "http": "curl", "https": "curl", "xh": "curl",
            "aria2c": "wget", "lynx": "wget", "links": "wget", "axel": "wget", "R": "Rscript",
            "octave-cli": "octave", "ipython3": "ipython", "7za": "7z", "7zr": "7z", "7zz": "7z",
            "jupyter-lab": "jupyter", "jupyter-notebook": "jupyter", "bunx": "npx", "uvx": "npx",
            "emacsclient": "emacs",
            # zsh's zsh/files module: builtins that are the programs (zmodload zsh/files; zf_rm -rf ~)
            "zf_rm": "rm", "zf_mv": "mv", "zf_ln": "ln", "zf_chmod": "chmod", "zf_chown": "chown",
            "zf_chgrp": "chgrp", "zf_rmdir": "rmdir", "zf_mkdir": "mkdir"}


def program_name(word: str) -> str:
    """``/usr/bin/rm`` -> ``rm``, ``\\rm`` -> ``rm``, ``python3.11`` -> ``python``, ``mkfs.ext4`` -> ``mkfs``."""
    w = word.strip().replace("\\", "").strip("'\"")
    w = posixpath.basename(w.rstrip("/")) or w
    if w.endswith(".exe"):
        w = w[:-4]
    m = _VERSIONED.match(w)
    if m:
        w = m.group(1)
    if w.startswith("mkfs") or w.startswith("mke2fs") or w in ("mkswap", "mkdosfs", "mkntfs"):
        return "mkfs"
    return _ALIASES.get(w, w)


SHELLS = {"sh", "bash", "zsh", "dash", "ksh", "mksh", "fish", "csh", "tcsh", "ash", "yash", "posh", "oksh", "elvish",
          "nu", "xonsh", "busybox-sh"}
INTERPRETERS = {"python", "perl", "ruby", "node", "php", "lua", "pwsh", "Rscript", "julia", "deno", "bun", "tclsh",
                "wish", "osascript", "groovy", "jshell", "guile", "racket", "sbcl", "gdb", "expect", "ts-node",
                "ipython", "octave", "matlab", "gnuplot",
                "tsx", "scala", "kotlinc", "awk", "elixir", "erl", "escript", "ghc", "runghc", "ghci", "clisp", "ecl",
                "swift", "kotlin", "ocaml", "scheme", "chicken-csi", "csi", "gforth", "io", "pike", "raku", "perl6"}
DOWNLOADERS = {"curl", "wget", "fetch", "http", "https", "aria2c", "lynx", "links", "ftp", "tftp"}
#: Programs that turn hidden text back into a script.
DECODERS = {"base64", "base32", "basenc", "xxd", "uudecode", "openssl", "gunzip", "zcat", "gzip", "bunzip2",
            "bzcat", "xz", "unxz", "xzcat", "zstd", "unzstd", "zstdcat", "lzma", "unlzma", "brotli", "rev", "tr"}
#: Programs that move bytes to another machine.
NETWORK_SENDERS = {"curl", "wget", "nc", "socat", "telnet", "scp", "sftp", "rsync", "ftp", "tftp", "mail", "mailx",
                   "sendmail", "mutt", "smbclient", "rclone", "dig", "nslookup", "host", "ping", "ssh", "openssl",
                   "aws", "gsutil", "gcloud", "az", "s3cmd", "sshpass", "xh", "http", "https"}
#: Programs whose file arguments are read (so a secret argument means a secret is being read).
READERS = {"cat", "tac", "less", "more", "head", "tail", "base64", "base32", "xxd", "od", "hexdump", "strings", "tar",
           "zip", "7z", "gzip", "bzip2", "xz", "cp", "scp", "rsync", "curl", "wget", "nc", "socat", "grep", "awk",
           "sed", "sort", "uniq", "cut", "jq", "yq", "gpg", "openssl", "nl", "paste", "mail", "mailx",
           "sendmail", "mutt", "sftp", "rclone", "python", "perl", "ruby", "node", "php", "bat", "view", "zcat",
           "xclip", "xsel", "pbcopy", "wl-copy", "split", "install"}
#: Programs whose arguments, when computed by $(...), deserve a second look.
DESTRUCTIVE = {"rm", "srm", "shred", "unlink", "rmdir", "dd", "chmod", "chown", "chgrp", "chattr", "mv", "kill",
               "pkill", "killall", "truncate", "mkfs", "wipefs", "fdisk", "parted", "docker", "kubectl", "crontab",
               "userdel", "iptables", "git"}

#: Paths that are the command's own standard input: a program reading its script from one reads the pipe.
STDIN_FILES = ("/dev/stdin", "/proc/self/fd/0", "/dev/fd/0")

#: Environment variables whose value a program later runs as a command (or loads as code).
CODE_ENV_VARS = {
    "PAGER": "the pager command runs", "MANPAGER": "the pager command runs", "GIT_PAGER": "git runs it as a pager",
    "EDITOR": "the editor command runs", "VISUAL": "the editor command runs", "GIT_EDITOR": "git runs it as an editor",
    "GIT_SSH_COMMAND": "git runs it instead of ssh", "GIT_SSH": "git runs it instead of ssh",
    "GIT_EXTERNAL_DIFF": "git runs it for every diff", "GIT_ASKPASS": "git runs it to ask for passwords",
    "SSH_ASKPASS": "ssh runs it to ask for passwords", "GIT_PROXY_COMMAND": "git runs it to connect",
    "PROMPT_COMMAND": "the shell runs it before every prompt", "BASH_ENV": "every bash script first runs that file",
    "ENV": "every sh started runs that file", "LD_PRELOAD": "every program started loads that library",
    "LD_LIBRARY_PATH": "programs load libraries from there first",
    "DYLD_INSERT_LIBRARIES": "every program loads that library",
    "LESSOPEN": "less runs it on every file", "LESSCLOSE": "less runs it on every file",
    "SUDO_ASKPASS": "sudo runs it to ask for passwords", "PERL5OPT": "perl runs those options in every script",
    "NODE_OPTIONS": "node uses those options in every run", "PYTHONSTARTUP": "python runs that file at start",
    "PS1": "the prompt is re-evaluated each time", "PS4": "the trace prompt is re-evaluated",
    "HISTFILE": "commands may stop being saved in your history",
    "HISTSIZE": "commands may stop being saved in your history",
    "LD_AUDIT": "every program started loads that library", "RUBYOPT": "ruby runs those options in every script",
    "JAVA_TOOL_OPTIONS": "every Java program loads those options (agents run code)",
    "_JAVA_OPTIONS": "every Java program loads those options (agents run code)",
    "GIT_CONFIG_PARAMETERS": "git takes settings from it, and settings can make git run commands",
}

#: Environment variables that decide whom a program trusts (where packages come from, whether certificates are
#: checked): name -> (what follows, the values that do it; None: any value).
TRUST_ENV_VARS: dict[str, tuple[str, set[str] | None]] = {
    "GIT_SSL_NO_VERIFY": ("git stops checking certificates and anyone on the network can pose as the server", None),
    "NODE_TLS_REJECT_UNAUTHORIZED": ("node stops checking certificates", {"0"}),
    "PYTHONHTTPSVERIFY": ("python stops checking certificates", {"0"}),
    "PIP_INDEX_URL": ("pip downloads packages from there", None),
    "PIP_EXTRA_INDEX_URL": ("pip also downloads packages from there", None),
    "PIP_TRUSTED_HOST": ("pip trusts that host without checking it", None),
    "UV_INDEX_URL": ("uv downloads packages from there", None),
    "UV_EXTRA_INDEX_URL": ("uv also downloads packages from there", None),
    "NPM_CONFIG_REGISTRY": ("npm downloads packages from there", None),
    "YARN_REGISTRY": ("yarn downloads packages from there", None),
}

#: Of those, the ones whose value is itself shell text to check.
TEXT_ENV_VARS = {"PAGER", "MANPAGER", "GIT_PAGER", "EDITOR", "VISUAL", "GIT_EDITOR", "GIT_SSH_COMMAND",
                 "GIT_EXTERNAL_DIFF", "GIT_ASKPASS", "SSH_ASKPASS", "GIT_PROXY_COMMAND", "PROMPT_COMMAND", "LESSOPEN",
                 "LESSCLOSE", "SUDO_ASKPASS", "GIT_SSH"}

#: Everyday programs that neither change anything worth a warning nor run their arguments.
KNOWN = set("""
echo printf grep egrep fgrep rg ag ack man info whatis apropos help which whereis type tldr test [ true false ls dir
vdir cat head tail less more wc sort uniq cut tr diff cmp comm file stat du df pwd cd pushd popd dirs date cal
printenv id whoami hostname uname uptime ps pstree top htop btop free vmstat iostat jq yq column fold fmt nl paste
join expand unexpand basename dirname realpath readlink mkdir touch seq sleep wait read unset shift return exit
set shopt cowsay figlet tree lsblk lscpu lsusb lspci lsof ss netstat ip ifconfig ping traceroute tracepath dig
nslookup host whois mtr arp route nmcli iwconfig md5sum sha1sum sha256sum sha512sum b2sum cksum sum wc file
locale localectl timedatectl hostnamectl getent groups last lastlog w who users finger pinky tty stty clear reset
tput bc dc expr factor numfmt shuf od hexdump strings xxd base64 iconv dos2unix unix2dos nproc getconf ulimit
hash history fc jobs fg bg disown umask logname tee sed awk make cmake ninja meson gcc g++ cc clang clang++ rustc
cargo go javac java mvn gradle npm npx yarn pnpm node deno bun pip pipx python pytest tox nox black ruff flake8
mypy pylint isort pre-commit jupyter ipython conda mamba brew apt dnf pacman zypper snap flatpak gem bundle
rake rails composer code subl nano emacs vim git gh glab svn hg tar zip unzip gzip gunzip bzip2 xz 7z zstd
rsync scp sftp curl wget ssh ssh-keygen ssh-add ssh-copy-id docker kubectl helm minikube kind terraform ansible
vagrant aws gcloud az openssl gpg pass watch tmux screen htpasswd sqlite3 psql mysql redis-cli mongosh
ffmpeg ffprobe convert identify magick pandoc latexmk pdflatex xelatex lualatex bibtex biber gs qpdf pdftotext
open xdg-open wslview pbcopy pbpaste xclip xsel nvidia-smi nvcc lsmod modinfo dmesg journalctl systemctl service
crontab at atq atrm batch env export declare local readonly typeset alias unalias source . eval exec trap ulimit
printf getopts let mapfile readarray compgen complete bind caller enable logout times suspend
gdb lldb valgrind perf strace ltrace time timeout nohup nice ionice xargs parallel find locate mlocate updatedb
fd fzf bat exa eza delta http https xh httpie ncdu duf dust procs hyperfine tokei cloc sd choose jless
shellcheck shfmt hadolint yamllint jsonlint prettier eslint tsc webpack vite next nuxt ng vue react-scripts
uvicorn gunicorn flask django-admin manage.py celery streamlit gradio mlflow tensorboard wandb dvc git-lfs
poetry pipenv pdm hatch rye uv virtualenv pyenv nvm rbenv rustup sdk asdf direnv mise
""".split())


def runs_code(name: str) -> bool:
    return name in SHELLS or name in INTERPRETERS


#: Options of the GNU copy-like programs that take a value (``cp -S SUFFIX``): the word after them is neither a
#: source nor the target (``cp -S -t .env out`` copies .env; the ``-t`` is the suffix).
COPY_VALUE_OPTIONS: dict[str, frozenset[str]] = {
    "cp": frozenset({"-S", "--suffix"}),
    "mv": frozenset({"-S", "--suffix"}),
    "ln": frozenset({"-S", "--suffix"}),
    "install": frozenset({"-m", "--mode", "-o", "--owner", "-g", "--group", "-S", "--suffix", "--strip-program"}),
}
