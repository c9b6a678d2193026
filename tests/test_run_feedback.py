"""Run feedback: the chosen command runs in the sandbox, and a real error goes back to the model once."""

from __future__ import annotations

import json
import shutil

import pytest

from devgpt_magic.candidates import Outcome, error_text, failure, sandbox_behaviour
from devgpt_magic.engine import Engine
from devgpt_magic.schema import Techniques
from support import Scripted

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap (apt-get install bubblewrap)")
FEEDBACK = Techniques(run_feedback=True)


def by_errors(errors: dict[str, str | None]):
    """A behaviour from a table of error messages ("" for a run that works, None for one that failed without
    a message); remembers what it ran."""
    ran: list[str] = []

    def behave(command: str) -> Outcome | None:
        ran.append(command)
        return Outcome(command, errors[command] == "", errors[command] or "")

    return behave, ran


def test_only_a_failure_with_a_message_counts_and_only_its_first_lines_go_back():
    assert error_text(0, "warning: something") == ""
    assert error_text(1, "") == ""  # grep that matched nothing: an answer, not a mistake
    assert error_text(None, "killed") == ""  # timed out: a long-running command is not wrong for it
    assert error_text(1, "find: './root': Permission denied", produced=True) == ""  # did its job beside noise
    usage = "error: unknown field \"prio\"\n\nUsage:\n ps [options]\n\n Try 'ps --help'\nFor more details see ps(1)."
    assert error_text(1, usage) == "error: unknown field \"prio\"\nUsage:\n ps [options]"


@pytest.mark.parametrize("request_text, error, asked", [
    ("count the words in notes.txt", "cat: notes.txt: No such file or directory", False),
    ("show /srv/app/config.yml", "cat: /srv/app/config.yml: No such file or directory", False),
    ("list the logs in ./logs", "ls: cannot access './logs': No such file or directory", False),
    ("count the words in my notes", "cat: notes.txt: No such file or directory", True),  # the model's guess
    ("list the file foo.txt", "ls: cannot access 'bar.txt': No such file or directory", True),
    ("show the directory tree", "bash: line 1: tree: command not found", True),
    ("find the logs under logs", "find: ‘logs’: No such file or directory", False),  # GNU, UTF-8 locale
    ("show it's.txt", 'ls: cannot access "it\'s.txt": No such file or directory', False),
    ("run /srv/app/run.py", "python3: can't open file '/srv/app/run.py': [Errno 2] No such file or directory", False),
])
def test_a_missing_path_the_user_named_is_not_the_models_mistake(request_text, error, asked):
    command = "ls bar.txt; wc -w notes.txt; tree"  # what the model wrote names what is missing
    got = failure(command, request_text, Outcome("s", False, error))
    assert (got is not None) == asked
    if asked:
        assert error in got and "\n" not in got


def test_the_message_says_nothing_the_command_did_not():
    """A safe-rated command can make a secret file's lines look like missing file names; they never reach the
    model. What the command itself says (a format field, a program name) stays."""
    netrc = "ls: cannot access 'machine db login admin password hunter2': No such file or directory"
    told = failure("xargs -d '\\n' -a ~/.netrc ls", "list the files named in my netrc", Outcome("s", False, netrc))
    assert "hunter2" not in told and "cannot access '…'" in told
    told = failure("ps -o prio", "show priorities", Outcome("s", False, 'error: unknown format specifier "prio"\nUsage:'))
    assert told.endswith('error: unknown format specifier "prio" | Usage:')  # one line: no forged prompt turns


def test_an_error_goes_back_once_and_a_revision_that_runs_is_kept():
    behave, ran = by_errors({"tree -L 2": "bash: line 1: tree: command not found", "find . -maxdepth 2": ""})
    Scripted.answers, Scripted.asked = ['{"commands": ["tree -L 2"]}', '{"commands": ["find . -maxdepth 2"]}'], []
    s = Engine(provider_factory=Scripted).suggest("show the directory tree two levels deep", model="smollm2",
                                                  mode="fast", use_cache=False, techniques=FEEDBACK, behaviour=behave)
    assert s.commands[0].command == "find . -maxdepth 2" and s.repaired
    assert ran == ["tree -L 2", "find . -maxdepth 2"] and s.usage.calls == 2
    told = Scripted.asked[1].messages[-1].content
    assert "tree: command not found" in told and "`tree -L 2`" in told


def test_a_revision_that_fails_too_is_dropped_but_its_tokens_are_counted():
    behave, _ = by_errors({"ps -o prio": "error: unknown field", "ps -o pri": "error: unknown field"})
    Scripted.answers, Scripted.asked = ['{"commands": ["ps -o prio"]}', '{"commands": ["ps -o pri"]}'], []
    s = Engine(provider_factory=Scripted).suggest("show my process priority", model="smollm2", mode="fast",
                                                  use_cache=False, techniques=FEEDBACK, behaviour=behave)
    assert s.commands[0].command == "ps -o prio" and not s.repaired and s.usage.calls == 2


def test_a_revision_is_kept_only_if_it_plainly_works():
    """Installed programs, no finding, but the run failed without a message: no error to report, and no fix."""
    behave, _ = by_errors({"pwdd": "bash: pwdd: command not found", "ls -d .\nfalse": None})
    Scripted.answers = ['{"commands": ["pwdd"]}', '{"commands": ["ls -d .", "false"]}']
    Scripted.asked = []
    s = Engine(provider_factory=Scripted).suggest("print the working directory", model="smollm2", mode="fast",
                                                  use_cache=False, techniques=FEEDBACK, behaviour=behave)
    assert [c.command for c in s.commands] == ["pwdd"] and not s.repaired


def test_a_revision_that_copies_the_help_text_is_not_kept():
    """Qwen 0.5B once answered the help excerpt itself, line by line; its last line printed and exited 0. An
    installed program (ls) passes the help checks, so the copy is caught by its option lines."""
    copied = "ls - list directory contents\n-a, --all  do not ignore entries starting with ."
    behave, _ = by_errors({"tree -L 2": "bash: line 1: tree: command not found", copied: ""})
    Scripted.answers = ['{"commands": ["tree -L 2"]}',
                        json.dumps({"commands": copied.splitlines()})]
    Scripted.asked = []
    s = Engine(provider_factory=Scripted).suggest("show the tree two levels deep", model="smollm2", mode="fast",
                                                  use_cache=False, techniques=FEEDBACK, behaviour=behave)
    assert [c.command for c in s.commands] == ["tree -L 2"] and not s.repaired


def test_a_command_that_runs_cleanly_costs_no_second_call_and_an_unsafe_one_is_never_run():
    behave, ran = by_errors({"ls -a": ""})
    Scripted.answers, Scripted.asked = ['{"commands": ["ls -a"]}'], []
    engine = Engine(provider_factory=Scripted)
    s = engine.suggest("list all files", model="smollm2", mode="fast", use_cache=False, techniques=FEEDBACK,
                       behaviour=behave)
    assert s.commands[0].command == "ls -a" and len(Scripted.asked) == 1 and ran == ["ls -a"]
    Scripted.answers = ['{"commands": ["rm -rf build"]}']
    s = engine.suggest("delete the build folder", model="smollm2", mode="fast", use_cache=False, techniques=FEEDBACK,
                       behaviour=behave)
    assert s.commands[0].command == "rm -rf build" and len(Scripted.asked) == 2 and ran == ["ls -a"]


def test_only_local_models_get_run_feedback(monkeypatch):
    """What a command printed in the sandbox does not go to a cloud vendor."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-real")
    behave, ran = by_errors({"tree": "bash: tree: command not found"})
    Scripted.answers, Scripted.asked = ['{"commands": ["tree"]}'], []
    Engine(provider_factory=Scripted).suggest("show the tree", model="gpt-4o-mini", mode="fast", use_cache=False,
                                              techniques=FEEDBACK, behaviour=behave)
    assert ran == [] and len(Scripted.asked) == 1


def test_off_unless_the_model_or_the_caller_turns_it_on():
    behave, ran = by_errors({"tree": "bash: tree: command not found"})
    Scripted.answers, Scripted.asked = ['{"commands": ["tree"]}'], []
    Engine(provider_factory=Scripted).suggest("show the tree", model="smollm2", mode="fast", use_cache=False,
                                              techniques=Techniques(), behaviour=behave)
    assert ran == [] and len(Scripted.asked) == 1


@needs_bwrap
def test_a_real_sandbox_error_is_fixed_over_the_users_folder(tmp_path, monkeypatch):
    """The model guessed a file name; the sandbox says it is not there; the revision names the real one and runs.
    The user's folder is never written."""
    from devgpt_magic.context import Context

    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "notes.md").write_text("one two three\n")
    monkeypatch.chdir(folder)
    behave = sandbox_behaviour(str(folder))
    assert "No such file or directory" in behave("wc -w notes.txt").error
    assert behave("grep -c zzz notes.md").error == ""  # no match: exit 1, no message
    assert behave("cat notes.md missing.txt").error == ""  # printed what it could: not asked again
    assert behave("touch /usr/devgpt-feedback-probe").error == ""  # the sandbox's read-only system: its limit
    assert behave("mkdir -p ~/devgpt-feedback-probe && cp gone.txt ~/devgpt-feedback-probe/").error == ""
    Scripted.answers = ['{"commands": ["wc -w notes.txt"]}', '{"commands": ["wc -w notes.md"]}']
    Scripted.asked = []
    engine = Engine(context=Context.current(str(folder)), provider_factory=Scripted)
    s = engine.suggest("count the words in my notes", model="smollm2", mode="fast", use_cache=False,
                       techniques=FEEDBACK)
    assert s.commands[0].command == "wc -w notes.md" and s.repaired
    assert sorted(p.name for p in folder.iterdir()) == ["notes.md"]
