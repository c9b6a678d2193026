"""The example library and its retriever: the library loads and is well formed, its commands parse and (the
ones marked runnable) run in a sandboxed scratch project, and ``retrieval.similar`` finds relevant entries for
requests of our own, deterministically and without near-duplicates. Speed: ``python -m evaluation.bench_retrieval``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from devgpt_magic.prompts import library, retrieval
from devgpt_magic.prompts.examples import fast_reply

ENTRIES = library.entries()
COMMANDS = [e for e in ENTRIES if not e.error]
#: shell builtins and keywords a command may start with (not on PATH)
BUILTINS = {"time", "ulimit", "umask", "unset", "export", "set", "echo", "printf", "cd", "pwd", "kill", "command",
            "type", "jobs", "for", "if", "test", "true", "false", "read", "source", "exec"}


def test_library_loads_and_is_well_formed():
    assert 300 <= len(ENTRIES) <= 800
    requests = [e.request.strip().lower() for e in ENTRIES]
    assert len(set(requests)) == len(requests), "duplicate requests"
    assert len([e for e in ENTRIES if e.error]) >= 5
    for e in ENTRIES:
        assert e.request and e.tags, e
        if e.error:
            assert e.explanation and not e.command, e
            continue
        assert isinstance(e.command, str) and e.command.strip() == e.command and "\n" not in e.command, e
        assert e.explanations and all(isinstance(x, str) and x for x in e.explanations), e
        assert e.args, e
        for key, meaning in e.args.items():
            assert key in e.command and meaning, f"{e.request}: argument {key!r} is not in {e.command!r}"


def test_entries_give_example_replies():
    entry = next(e for e in COMMANDS if e.command.startswith("tar "))
    request, reply = entry.example()
    assert request == entry.request and reply["error"] == 0
    command = reply["commands"][0]
    assert command["cmd_to_execute"] == entry.command and command["arg_explanations"] == entry.args
    assert fast_reply(reply) == {"commands": [entry.command]}
    invalid = next(e for e in ENTRIES if e.error)
    assert invalid.reply() == {"input": invalid.request, "error": 1, "explanation": invalid.explanation}


def test_every_command_is_valid_bash():
    # one bash -n over all commands, each in its own function; per command only if that finds an error
    script = "".join(f"f{i}() {{\n{e.command}\n}}\n" for i, e in enumerate(COMMANDS))
    if subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True).returncode == 0:
        return
    bad = [e.command for e in COMMANDS
           if subprocess.run(["bash", "-n", "-c", e.command], capture_output=True).returncode]
    assert not bad, bad


def _available(command: str) -> bool:
    return all(p in BUILTINS or shutil.which(p) for p in retrieval.programs(command))


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap (apt-get install bubblewrap)")
def test_runnable_commands_succeed_in_a_scratch_project(tmp_path_factory):
    """Every entry marked runnable (no network, root, real processes) runs in a fresh copy of the scratch
    project inside bubblewrap and exits 0 (diff and cmp: 0 or 1, "differ"). One sandbox runs them all, one after
    another, each in a new copy of the project and the home folder."""
    from evaluation import sandbox

    root = sandbox.build_fixture(Path(__file__).with_name("library_fixture.sh"), tmp_path_factory.mktemp("lib") / "fs")
    assert (root / "home/dev/project/.git").is_dir(), (root.parent / "fs.log").read_text()
    shutil.move(root / "home/dev", root / "seed")
    runnable = [e for e in COMMANDS if e.run and _available(e.command)]
    assert len(runnable) >= 0.6 * len(COMMANDS)
    (root / "cmds").mkdir()
    (root / "out").mkdir()
    for i, e in enumerate(runnable):
        (root / "cmds" / f"{i}.sh").write_text(e.command + "\n")
    driver = r"""
for f in /cmds/*.sh; do
  i=${f##*/}; i=${i%.sh}
  rm -rf /home/dev /tmp/* /tmp/.[!.]* 2>/dev/null; cp -a /seed /home/dev
  (cd /home/dev/project && exec timeout 10 bash "$f" </dev/null >/out/$i.out 2>/out/$i.err); echo $? >/out/$i.rc
done
"""
    argv = sandbox.bwrap_argv(root, driver, {"HOME": "/home/dev"})
    program = argv.index("bash")  # bubblewrap's options end where the program begins
    argv[program:program] = ["--tmpfs", "/home"]  # the copies live in memory: fast to make and to throw away
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    failures = []
    for i, e in enumerate(runnable):
        rc = int((root / "out" / f"{i}.rc").read_text())
        if rc != 0 and not (rc == 1 and retrieval.programs(e.command)[:1] in (["diff"], ["cmp"])):
            err = (root / "out" / f"{i}.err").read_text()[-300:]
            failures.append(f"{e.request!r}: `{e.command}` exited {rc}: {err}")
    sandbox._force_rmtree(root)
    assert not failures, "\n".join(failures)


# (request of our own, text that the first command, or one of the first four, must contain; must it be the first?)
RELEVANT = [
    ("biggest files in this folder", "ls -lS", True),
    ("count words in a file", "wc -w", True),
    ("show me the 10 largest files below this directory", "sort -r", False),
    ("how many lines does each python file have", "wc -l", False),
    ("gzip a file and keep the original", "gzip -k", True),
    ("list the contents of a tar.gz without extracting", "tar -t", True),
    ("extract a zip archive into a folder", "unzip", True),
    ("files modified in the last 2 days", "-mtime", False),
    ("only search the current directory, not subdirectories, for .log files", "-maxdepth 1", False),
    ("which files contain the word password", "grep -", False),
    ("grep -l for TODO in the src tree", "grep -rl", False),
    ("lines that do not contain DEBUG", "grep -v", False),
    ("match a whole word only with grep", "grep -w", True),
    ("make my script executable", "chmod +x", True),
    ("verify downloaded files against a sha256 checksum list", "sha256sum -c", False),
    ("md5 of a file", "md5sum", True),
    ("sort a file by its second column numerically", "-k2,2n", False),
    ("sort human readable sizes from du", "sort -h", False),
    ("total size of all png files", "du -c", False),
    ("sum the values in a column with awk", "awk", True),
    ("replace a word in a file in place with sed", "sed -i", True),
    ("count how often each line occurs", "uniq -c", False),
    ("what process is listening on port 8080", "ss -", False),
    ("top memory consuming processes", "--sort=-%mem", False),
    ("undo the last git commit but keep the changes", "git reset --soft", True),
    ("show commits by a particular author", "--author", True),
    ("which branches exist", "git branch", False),
    ("who changed this line in git", "git blame", True),
    ("find broken symbolic links", "-xtype l", True),
    ("delete empty subdirectories", "-empty", True),
    ("show hidden dotfiles in this folder", ".", False),
    ("convert a unix timestamp to a date", "date -u -d @", True),
    ("current date in YYYY-MM-DD format", "date +%F", True),
    ("how much memory is free", "free", False),
    ("compare two folders recursively", "diff -r", False),
    ("lines common to two sorted files", "comm -12", True),
    ("hex dump of a binary file", "xxd", False),
    ("printable strings in an executable", "strings", True),
    ("resource limits of my shell", "ulimit", True),
    ("pass the files find prints to xargs, safe for names with spaces", "-print0", False),
    ("pretty print a json file", "jq .", False),
    ("show disk free space for each mounted drive", "df", False),
]


@pytest.mark.parametrize("request_, expected, first", RELEVANT, ids=[r for r, _, _ in RELEVANT])
def test_retrieval_finds_relevant_examples(request_, expected, first):
    found = retrieval.similar(request_, k=4)
    commands = [e.command for e in found]
    assert found and expected in (commands[0] if first else " \n ".join(commands)), commands


def test_retrieval_is_deterministic_diverse_and_bounded():
    for request in ["biggest files in this folder", "compress the logs folder", "git history of one file"]:
        first = retrieval.similar(request, k=5)
        assert first == retrieval.similar(request, k=5) and 1 <= len(first) <= 5
        signatures = [frozenset(retrieval.programs(e.command) + retrieval.flags(e.command)) for e in first]
        assert len(set(signatures)) == len(signatures), [e.command for e in first]
    assert retrieval.similar("", k=3) == [] and retrieval.similar("list files", k=0) == []
    assert retrieval.similar("zqxv wqpz", k=3) == []


def test_invalid_entries_only_when_asked():
    assert all(not e.error for e in retrieval.similar("water the tomato seedlings", k=5))
    found = retrieval.similar("water the tomato seedlings", k=1, invalid=True)
    assert found and found[0].error == 1


def test_program_and_flag_hints():
    assert "grep -w" in retrieval.similar("grep -w", k=1)[0].command
    assert retrieval.programs("find . -name '*.py' -print0 | xargs -0 wc -l") == ["xargs", "find", "wc"]
    assert retrieval.programs("nice -n 10 tar -czf a.tgz logs") == ["nice", "tar"]
    assert retrieval.programs("awk -F, '{print $1; exit}' a.csv | sort") == ["awk", "sort"]
    assert "flag-maxdepth" in retrieval.flags("use find -maxdepth 1")
    assert retrieval.stem("directories") == retrieval.stem("folder") and retrieval.stem("largest") == "big"


