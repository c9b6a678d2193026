"""Grounding in this machine's documentation (devgpt_magic.docs): program finding, help parsing, excerpts, the
option check and explanation tables, on the real help texts and manual pages installed here.

The request phrasings below are this project's own, written for these tests (none comes from NL2SH-ALFA or
DeveloperGPT). ``DEV`` was used while tuning the ranking; ``HELD_OUT`` was written at the same time and run
once after tuning, and is asserted only in aggregate.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import tempfile
import time
from pathlib import Path

import pytest

from devgpt_magic.docs import (
    check_command, count_tokens, excerpt, explain_arguments, find_programs, program_help,
)
from devgpt_magic.docs import helpdb, index, system
from devgpt_magic.docs.helpparse import parse_text

pytestmark = pytest.mark.skipif(not (shutil.which("man") and shutil.which("apropos") and shutil.which("bash")),
                                reason="needs man-db (man, apropos) and bash")

_SHARED: dict[str, Path] = {}


@pytest.fixture(autouse=True)
def shared_docs_cache(clean_env: None, tmp_path_factory: pytest.TempPathFactory,
                      monkeypatch: pytest.MonkeyPatch) -> Path:
    """One docs cache for this module (the index is built once, as it would be on a user's machine)."""
    if "dir" not in _SHARED:
        _SHARED["dir"] = tmp_path_factory.mktemp("docs-cache")
    monkeypatch.setenv("DEVGPT_CACHE_DIR", str(_SHARED["dir"]))
    return _SHARED["dir"]


def installed(name: str) -> bool:
    return name in system.builtins() or shutil.which(name.split()[0]) is not None


# --- program finding --------------------------------------------------------------------------------------------

#: (request, acceptable programs): the first is what a good answer uses
DEV = [
    ("show the configuration variables of the system", "getconf"),
    ("dump a file in octal and characters", "od"),
    ("limit the cpu time of the shell", "ulimit"),
    ("compress but keep the original", "gzip"),
    ("remove duplicate adjacent lines", "uniq"),
    ("count the lines in a file", "wc"),
    ("show how much disk space each folder uses", "du"),
    ("how much free space is left on the mounted filesystems", "df"),
    ("list the running processes", "ps"),
    ("find files by name under a directory", "find"),
    ("search for a pattern inside text files", "grep"),
    ("print the first ten lines of a file", "head"),
    ("print the last lines of a log and keep following it", "tail"),
    ("extract the second column separated by commas", "cut awk"),
    ("sort lines numerically", "sort"),
    ("make a script executable", "chmod"),
    ("change who owns a file", "chown"),
    ("create an archive of a directory", "tar zip"),
    ("download a web page to a file", "curl wget"),
    ("copy a directory recursively", "cp"),
    ("rename a file", "mv"),
    ("show the current date and time", "date"),
    ("translate uppercase letters to lowercase", "tr"),
    ("make a symbolic link", "ln"),
    ("show the differences between two files", "diff"),
    ("compute the sha256 checksum of a file", "sha256sum"),
    ("determine what kind of data a file holds", "file"),
    ("show free and used memory", "free"),
    ("report how long the system has been running", "uptime"),
    ("which user am I logged in as", "whoami who"),
    ("send a signal to terminate a process", "kill"),
    ("run a command with a time limit", "timeout"),
    ("split a large file into pieces", "split"),
    ("print a sequence of numbers", "seq"),
    ("show the commit history of the repository", "git log"),
    ("build arguments from standard input and run a command", "xargs"),
    ("show the name of the machine", "hostname"),
    ("show the full path of a command", "which realpath"),
    ("print a file in reverse order", "tac"),
    ("set the default permission mask for new files", "umask"),
    ("write output to a file and the screen at the same time", "tee"),
    ("list open files of a process", "lsof"),
    ("show listening network sockets", "ss"),
    ("show the ip addresses of the network interfaces", "ip"),
    ("decompress a zip file", "unzip"),
    ("convert a file's character encoding", "iconv"),
    ("show the kernel version", "uname"),
]

HELD_OUT = [
    ("get rid of repeated lines that follow each other", "uniq"),
    ("how big is this directory in total", "du"),
    ("page through a long text file one screen at a time", "less more"),
    ("print the contents of a file with line numbers", "nl cat"),
    ("turn a gzip file back into the original", "gzip gunzip zcat"),
    ("measure how long a command takes to run", "time"),
    ("print only the lines that appear once in a sorted file", "uniq"),
    ("show the environment variables", "env printenv"),
    ("change the current working directory", "cd"),
    ("find lines common to two sorted files", "comm"),
    ("show the last logins of users", "last lastlog"),
    ("securely copy a file to another machine", "scp"),
    ("wait for some seconds", "sleep"),
    ("encode a file in base64", "base64"),
    ("display the size of a file in bytes", "stat wc du"),
    ("delete an empty folder", "rmdir"),
    ("print the user and group ids", "id"),
    ("look up a host name in the system databases", "getent"),
    ("pretty print json", "jq"),
    ("reverse the characters of each line", "rev"),
    ("list block devices and their mount points", "lsblk findmnt"),
    ("wrap long lines to a given width", "fold fmt"),
]


def _wanted(spec: str) -> list[str]:
    return [spec] if spec.startswith("git ") else spec.split()


@pytest.mark.parametrize("request_, spec", DEV, ids=[r for r, _ in DEV])
def test_retrieval_finds_the_program_in_the_top_three(request_: str, spec: str) -> None:
    wanted = _wanted(spec)
    if not any(installed(w) for w in wanted):
        pytest.skip(f"{spec} is not installed here")
    names = [m.name for m in find_programs(request_, limit=3)]
    assert any(w in names for w in wanted), (request_, names)


def test_retrieval_top_one_accuracy_on_own_and_held_out_requests() -> None:
    def accuracy(items: list[tuple[str, str]], k: int) -> float:
        usable = [(r, _wanted(s)) for r, s in items if any(installed(w) for w in _wanted(s))]
        hits = sum(any(w in [m.name for m in find_programs(r, limit=k)] for w in ws) for r, ws in usable)
        return hits / len(usable)

    assert accuracy(DEV, 1) >= 0.8
    # written with DEV but never tuned on: measured 19/22 top-1 and 20/22 top-3 when first run
    assert accuracy(HELD_OUT, 1) >= 0.7
    assert accuracy(HELD_OUT, 3) >= 0.8


def test_matches_carry_this_machines_description() -> None:
    m = find_programs("dump a file in octal and characters", limit=1)[0]
    assert m.name == "od" and "octal" in m.description and m.on_path
    assert m.line().startswith("od - ")


# --- excerpts ---------------------------------------------------------------------------------------------------

def test_excerpt_keep_the_original_shows_gzip_keep() -> None:
    text = excerpt("compress but keep the original")
    assert text.splitlines()[0].startswith("gzip - ")
    assert "-k, --keep" in text


@pytest.mark.parametrize("request_, program, option", [
    ("limit the cpu time of the shell", "ulimit", "-t"),
    ("show the configuration variables of the system", "getconf", "-a"),
    ("dump a file in octal and characters", "od", "-c"),
    ("search for whole words only", "grep", "-w, --word-regexp"),
    ("count the lines in a file", "wc", "-l, --lines"),
])
def test_excerpt_has_the_option_the_request_describes(request_: str, program: str, option: str) -> None:
    text = excerpt(request_)
    lines = text.splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith(f"{program} - "))
    block = []
    for line in lines[start + 1:]:
        if not line.startswith("  "):
            break
        block.append(line)
    assert any(line.strip().startswith(option + " ") or line.strip().startswith(option + ",") for line in block), \
        text


@pytest.mark.parametrize("budget", [40, 80, 160, 300])
def test_excerpt_stays_within_its_token_budget(budget: int) -> None:
    from devgpt_magic.tokens import estimate_tokens

    for request_ in ("compress but keep the original", "find files not accessed in 30 days",
                     "show the commit history of the repository"):
        text = excerpt(request_, budget_tokens=budget)
        assert count_tokens(text) <= budget
        assert estimate_tokens(text) <= budget
        if budget >= 40:
            assert text, request_


def test_excerpt_for_given_programs() -> None:
    text = excerpt("list the contents of an archive", programs=["tar"])
    assert text.startswith("tar - ")
    assert "  -t, --list  list the contents of an archive" in text.splitlines()
    assert excerpt("anything", programs=["no-such-program-xyz"]) == ""


# --- help parsing on the real help texts ------------------------------------------------------------------------

COMMON = ["ls", "grep", "find", "tar", "gzip", "sed", "awk", "sort", "uniq", "wc", "head", "tail", "cut", "du", "df",
          "ps", "cp", "mv", "chmod", "xargs", "date", "git log", "curl", "ln", "touch", "stat", "tr", "ulimit"]


@pytest.mark.parametrize("name", COMMON)
def test_help_of_common_programs_is_understood(name: str) -> None:
    if not installed(name):
        pytest.skip(f"{name} is not installed")
    ph = program_help(name)
    assert ph is not None and ph.reliable, name
    assert sum(1 for o in ph.options if o.text) >= 3


def test_parsed_options_have_short_long_forms_and_arguments() -> None:
    head = program_help("head")
    lines = head.option("--lines=5")
    assert lines is not None and lines.names[:2] == ["-n", "--lines"] and lines.nargs == 1
    assert head.takes_value("-n") is True
    gzip = program_help("gzip")
    assert gzip.option("-k").names == ["-k", "--keep"] and gzip.takes_value("-k") is False
    assert gzip.option("-k").line() == "-k, --keep  keep (don't delete) input files"
    ls = program_help("ls")
    color = ls.option("--color")
    assert color is not None and color.optional  # --color[=WHEN]
    ulimit = program_help("ulimit")
    assert ulimit.kind == "builtin" and ulimit.source == "help ulimit" and "cpu time" in ulimit.option("-t").text


@pytest.mark.parametrize("name, text, expected", [
    ("gnu", "Usage: x [OPTION]...\n  -k, --keep        keep input files\n  -n, --lines=NUM   print NUM lines\n"
            "      --color[=WHEN]  colorize\n",
     {"-k": ("--keep", 0), "--lines": ("-n", 1), "--color": ("--color", 1)}),
    ("git", "usage: git log [<options>]\n\n    -n, --max-count <n>   limit\n    --[no-]follow         follow renames\n",
     {"-n": ("--max-count", 1), "--no-follow": ("--follow", 0)}),
    ("argparse", "usage: t [-h] [-o OUTPUT]\n\noptions:\n  -h, --help            show this help message and exit\n"
                 "  -o OUTPUT, --output OUTPUT\n                        where to write\n",
     {"-o": ("--output", 1)}),
    ("python", "usage: python3 [option] ...\n-B     : don't write .pyc files\n-c cmd : program passed in as string\n",
     {"-c": ("-c", 1), "-B": ("-B", 0)}),
    ("busybox", "Usage: ls [-1AaC] [-w WIDTH]\n\n\t-1\tOne column output\n\t-w N\tFormat N columns wide\n",
     {"-1": ("-1", 0), "-w": ("-w", 1), "-A": ("-A", 0)}),
    ("man", "OPTIONS\n       -a --ascii\n              Ascii text mode.\n\n       -name pattern\n"
            "              Base of file name matches pattern.\n\n       -d     A synonym for -depth.\n",
     {"--ascii": ("-a", 0), "-name": ("-name", 1), "-d": ("-d", 0)}),
    ("kubectl", "Options:\n    -A, --all-namespaces=false:\n\tIf present, list across namespaces.\n\n"
                "    -n, --namespace='':\n\tThe namespace.\n",
     {"-A": ("--all-namespaces", 0), "--namespace": ("-n", 1)}),
])
def test_help_formats(name: str, text: str, expected: dict[str, tuple[str, int]]) -> None:
    parsed = parse_text(text, "man" if name == "man" else "help")
    by_name = {n: o for o in parsed.options for n in o.names}
    for opt, (other, nargs) in expected.items():
        assert opt in by_name, (name, opt, [o.names for o in parsed.options])
        assert other in by_name[opt].names and by_name[opt].nargs == nargs, (name, by_name[opt])


# --- the option check -------------------------------------------------------------------------------------------

VALID = [
    "ls -la", "ls -lhS --group-directories-first /tmp", "ls --color=never -1",
    "grep -rnw --include='*.py' -e 'import os' .", "grep -Ei 'error|warn' app.log", "grep -A3 -B2 foo f",
    "find . -type f -name '*.log' -size +100M -mtime +30 -print", "find . -maxdepth 2 -type d -empty -delete",
    "find . -iname '*.jpg' -newer ref -print0 | xargs -0 -r ls -l", "find / -perm -4000 -type f -atime -7",
    "tar -xzvf a.tgz -C /tmp", "tar xzf a.tgz", "tar -czf b.tgz --exclude='*.tmp' dir", "tar tvf a.tar",
    "gzip -k file", "gzip -9kv f", "gzip -dc f.gz", "sed -n '10,20p' f", "sed -i.bak -e 's/a/b/' f",
    "awk -F, '{s+=$3} END {print s}' data.csv", "awk -v OFS='\\t' '{print $2}' f",
    "sort -t, -k3,3nr data.csv", "sort -u -f names", "sort -h sizes", "uniq -c", "uniq -d -i f",
    "wc -l f", "wc --lines f", "head -n 5 f", "head --lines=5 f", "head -5 f", "tail -n +2 f", "tail -f log",
    "cut -d: -f1 /etc/passwd", "cut -c1-10 f", "du -sh *", "du -h --max-depth=1 .", "df -h", "df -hT /",
    "ps aux", "ps -ef", "ps -eo pid,comm --sort=-%mem", "cp -a src dst", "cp -r --parents a b", "mv -n a b",
    "mv -t dir a b", "chmod 755 s.sh", "chmod -R u+x d", "chmod -x f", "xargs -n 1 -P 4 echo",
    "xargs -I{} mv {} {}.bak", "date +%s", "date -d yesterday +%F", "date -u --iso-8601=seconds",
    "git log --oneline --graph -n 5", "git log -5 --stat", "git -C /tmp status -s", "git diff --cached --name-only",
    "git commit -am msg", "curl -fsSL -o out https://example.com", "curl -X POST -H 'A: b' -d @f http://h",
    "ulimit -t 60", "ulimit -n 4096", "kill -9 1", "kill -TERM 1", "echo -e 'a -x'", "time ls -l",
    "for f in *.log; do gzip -k \"$f\"; done", "ls $OPTS", "ls \"$(echo -z)\"", "getconf -a", "od -c f",
    "python3 -m http.server 8000 --bind 127.0.0.1", "python3 -m pytest -x -k name", "bash -c 'tar -tzf a.tgz'",
    "env X=1 ls -l", "xargs -I % sh -c 'echo % -zz'", "grep -e -foo f", "tar --exclude .git -czf x.tgz .",
    "ssh -p 2222 host 'ls --made-up'", "docker run --rm -it -v x:/y ubuntu ls -zz",
]


@pytest.mark.parametrize("command", VALID)
def test_real_options_are_accepted(command: str) -> None:
    needed = command.split()[0]
    if needed not in ("for", "time", "env", "bash") and not installed(needed):
        pytest.skip(f"{needed} is not installed")
    assert check_command(command) == []


INVENTED = [
    ("gzip --kep file", "gzip", "--kep", "--keep"),
    ("ls --al", "ls", "--al", "--all"),
    ("ls -lz", "ls", "-lz", None),
    ("grep --recusive foo .", "grep", "--recusive", "--recursive"),
    ("find . -nmae '*.py'", "find", "-nmae", "-name"),
    ("find . -mtme +3", "find", "-mtme", "-mtime"),
    ("tar -xzf a.tgz --directroy /tmp", "tar", "--directroy", "--directory"),
    ("sed --in-plase s/a/b/ f", "sed", "--in-plase", "--in-place"),
    ("sort --numerc-sort f", "sort", "--numerc-sort", "--numeric-sort"),
    ("uniq --count-all f", "uniq", "--count-all", "--count"),
    ("wc --lnes f", "wc", "--lnes", "--lines"),
    ("head --lins=5 f", "head", "--lins=5", "--lines"),
    ("tail --follw log", "tail", "--follw", "--follow"),
    ("cut --delimeter=: -f1 f", "cut", "--delimeter=:", "--delimiter"),
    ("du --max-deph=1 .", "du", "--max-deph=1", "--max-depth"),
    ("df --humanreadable f", "df", "--humanreadable", "--human-readable"),
    ("ps --sort-by=pid", "ps", "--sort-by=pid", "--sort"),
    ("cp --recursve a b", "cp", "--recursve", "--recursive"),
    ("mv --no-clober a b", "mv", "--no-clober", "--no-clobber"),
    ("chmod --recursivly 755 d", "chmod", "--recursivly", "--recursive"),
    ("xargs --null-data rm", "xargs", "--null-data", "--null"),
    ("date --iso8601", "date", "--iso8601", "--iso-8601"),
    ("git log --onelin", "git log", "--onelin", "--oneline"),
    ("curl --outptu f http://h", "curl", "--outptu", "--output"),
    ("awk --field-sep=: '{print}' f", "awk", "--field-sep=:", None),
]


def test_unambiguous_abbreviations_of_gnu_long_options_are_accepted() -> None:
    """GNU getopt_long takes any unambiguous prefix (``wc --line``), so it is not an error; an ambiguous one
    (``ls --al``: --all or --almost-all) is."""
    assert check_command("wc --line f") == []
    assert check_command("sort --numeric f") == []
    assert [f.word for f in check_command("ls --al")] == ["--al"]


@pytest.mark.parametrize("command, program, word, suggestion", INVENTED, ids=[c for c, *_ in INVENTED])
def test_invented_options_are_flagged_with_a_suggestion(command: str, program: str, word: str,
                                                        suggestion: str | None) -> None:
    if not installed(program):
        pytest.skip(f"{program} is not installed")
    findings = check_command(command)
    assert len(findings) == 1, findings
    f = findings[0]
    assert (f.kind, f.program, f.word) == ("option", program, word)
    assert f"`{program} {word}`" in f.message and "on this machine" in f.message
    if suggestion:
        assert f.suggestion == suggestion and f.message.endswith(f"did you mean {suggestion}?")


def test_bsd_only_forms_are_flagged_on_this_linux() -> None:
    """What a model trained on macOS answers may not exist here: GNU date has no -v, GNU find no -E."""
    if not os.path.exists("/usr/bin/date") or "GNU" not in system.run(["date", "--version"])[1]:
        pytest.skip("needs GNU date")
    assert [f.word for f in check_command("date -v-1d +%F")] == ["-v-1d"]
    assert [f.word for f in check_command("find -E . -regex '.*[.]py'")] == ["-E"]


def test_message_names_the_help_it_was_checked_against() -> None:
    [f] = check_command("gzip --kep file")
    assert f.message == "`gzip --kep`: not in `gzip --help` on this machine; did you mean --keep?"
    [f] = check_command("ulimit --cpu 10")
    assert f.message.startswith("`ulimit --cpu`: not in `help ulimit` on this machine")


def test_missing_programs_and_git_subcommands() -> None:
    [f] = check_command("gzipp -k file")
    assert (f.kind, f.word, f.suggestion) == ("program", "gzipp", "gzip")
    assert check_command("myfunc() { ls -l; }; myfunc") == []
    [f] = check_command("git lgo")
    assert f.kind == "subcommand" and f.word == "lgo" and f.suggestion == "log"


def test_nested_commands_are_checked() -> None:
    findings = check_command("find . -name '*.txt' -exec gzip --kep {} \\; && echo $(ls --al)")
    assert sorted(f.word for f in findings) == ["--al", "--kep"]
    [f] = check_command("sh -c 'sort --numerc f'")
    assert f.word == "--numerc"
    [f] = check_command("timeout 5 wc --lnes f")
    assert f.word == "--lnes"


def test_unknown_help_format_gives_no_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tool = tmp_path / "bin" / "mytool"
    tool.parent.mkdir()
    marker = tmp_path / "ran"
    tool.write_text(f"#!/bin/sh\ntouch {marker}\necho 'mytool does things. Call it.'\n")
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tool.parent}{os.pathsep}{os.environ['PATH']}")
    assert check_command("mytool --whatever -xyz") == []
    assert not marker.exists(), "an unknown script must not be started to read its help"
    assert parse_text("This program has no options worth the name.\n").options == []


# --- explanation tables -----------------------------------------------------------------------------------------

def test_explain_arguments_gives_help_lines_and_flags_unknown_ones() -> None:
    table = {"tar": "the archiver", "-xzvf": "extract, gunzip, verbose, file", "a.tgz": "the archive",
             "-C /tmp": "into /tmp", "--frobnicate": "made up"}
    out = explain_arguments("tar -xzvf a.tgz -C /tmp --frobnicate", table)
    assert out["tar"].startswith("tar - ")
    assert out["-xzvf"].splitlines()[0].startswith("-x, --extract")
    assert len(out["-xzvf"].splitlines()) == 4
    assert out["-C /tmp"].startswith("-C, --directory=DIR")
    assert "--frobnicate" in out and out["--frobnicate"] is None
    assert "a.tgz" not in out  # an operand: nothing to say, so no flag either


def test_explain_arguments_for_parsing_forms() -> None:
    out = explain_arguments("head --lines=5 f | ls -la | find . -name x | tar xzf a.tgz",
                            {"--lines=5": "", "-la": "", "-name": "", "xzf": ""})
    assert out["--lines=5"].startswith("-n, --lines=")
    assert out["-la"].splitlines() == [program_help("ls").option("-l").line(), program_help("ls").option("-a").line()]
    assert out["-name"].startswith("-name PATTERN") or out["-name"].startswith("-name pattern")
    assert out["xzf"].splitlines()[0].startswith("-x, --extract")


# --- caching and offline ----------------------------------------------------------------------------------------

def test_help_is_read_once_per_program_version() -> None:
    program_help("uniq")
    before = sum(system.RUNS.values())
    assert program_help("uniq") is not None
    helpdb.clear_memory()  # a new process: the disk cache answers
    assert program_help("uniq").option("-c") is not None
    assert check_command("uniq -c f") == []
    assert sum(system.RUNS.values()) == before


def test_help_cache_follows_the_executable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new version of a program (another mtime or size) is read again."""
    real = shutil.which("uniq")
    fake = tmp_path / "bin" / "uniq"
    fake.parent.mkdir()
    shutil.copy2(real, fake)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    program_help("uniq")
    runs = system.RUNS[f"uniq --help"]
    program_help("uniq")
    assert system.RUNS["uniq --help"] == runs
    os.utime(fake, (time.time() + 5, time.time() + 5))
    program_help("uniq")
    assert system.RUNS["uniq --help"] == runs + 1


def test_index_is_cached_on_disk(shared_docs_cache: Path) -> None:
    find_programs("warm")
    assert list((shared_docs_cache / "docs").glob("index-*.json"))
    index.reset()
    before = system.RUNS["apropos"]
    assert find_programs("dump a file in octal and characters", limit=1)[0].name == "od"
    assert system.RUNS["apropos"] == before


def test_everything_works_offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A cold cache, no network for this process: every call still answers (help texts are local)."""
    monkeypatch.setenv("DEVGPT_CACHE_DIR", str(tmp_path / "cold"))
    index.reset()
    helpdb.clear_memory()

    def no_network(*args: object, **kwargs: object) -> None:
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    try:
        assert find_programs("compress but keep the original", limit=1)[0].name == "gzip"
        assert "-k, --keep" in excerpt("compress but keep the original")
        assert [f.word for f in check_command("gzip --kep f")] == ["--kep"]
    finally:
        index.reset()
        helpdb.clear_memory()


def test_help_is_never_read_by_starting_a_file_a_command_points_at(tmp_path, monkeypatch):
    """A path in a command (the model's text, or a stranger's file in /tmp) is never started for its help:
    only the program PATH finds by that name is. Relative PATH entries are ignored too."""
    from devgpt_magic.docs import helpdb, system

    marker = tmp_path / "ran"
    for folder in (tmp_path / "project", Path(tempfile.gettempdir())):
        folder.mkdir(exist_ok=True)
    script = f"#!/bin/sh\ntouch {marker}\n"
    planted = [tmp_path / "project" / "tool.py", Path(tempfile.gettempdir()) / f"tool-{tmp_path.name}.py",
               tmp_path / "project" / "ls"]
    for path in planted:
        path.write_text(script + "# import sys.exit(\n")
        path.chmod(0o755)
    monkeypatch.chdir(tmp_path / "project")
    helpdb.clear_memory()
    try:
        for name in ("./tool.py", str(planted[0]), f"./{planted[1].name}", str(planted[1]), "./ls", str(planted[2])):
            found = helpdb.program_help(name)
            assert found is None or not found.path or found.path.startswith(("/usr/", "/bin/", "/sbin/"))
        monkeypatch.setenv("PATH", "." + os.pathsep + os.environ["PATH"])
        assert system.which("tool.py") is None
        assert helpdb.program_help("tool.py") is None
        assert not marker.exists()
        # the real program at its own path is still read
        tar = system.which("tar")
        assert tar and helpdb.program_help(tar) is not None
    finally:
        planted[1].unlink()
