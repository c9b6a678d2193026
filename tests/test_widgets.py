"""Command cards with their real buttons: nothing runs without Confirm; dangerous needs the acknowledgement."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell

from devgpt_magic.engine import Engine
from devgpt_magic.results import CommandResult
from devgpt_magic.schema import CommandStep, Suggestion


@pytest.fixture
def shell(tmp_path, monkeypatch):
    ip = InteractiveShell.instance()
    monkeypatch.chdir(tmp_path)
    return ip


def result_for(shell, *commands: str) -> CommandResult:
    suggestion = Engine._assess(Suggestion(request="r", commands=[CommandStep(command=c) for c in commands]))
    return CommandResult(suggestion, local=True, shell=shell)


def test_run_without_confirm_runs_nothing(shell, tmp_path):
    r = result_for(shell, "touch marker.txt")
    card = r.card().cards[0]
    card.run_button.click()
    assert not (tmp_path / "marker.txt").exists() and r.runs == []
    card.flow.cancel_button.click()
    card.flow.confirm_button.click()  # a stale Confirm after Cancel counts for nothing
    assert not (tmp_path / "marker.txt").exists() and r.runs == []
    assert card.flow.layout.display == "none"


def test_confirm_runs_through_ipython_and_records_outcome(shell, tmp_path):
    r = result_for(shell, "touch marker.txt && echo made-it")
    card = r.card().cards[0]
    card.run_button.click()
    card.flow.confirm_button.click()
    assert (tmp_path / "marker.txt").exists()
    assert r.runs[0].exit_code == 0 and "made-it" in r.runs[0].output
    assert "exit code 0" in card.status.value


def test_dangerous_needs_second_acknowledgement(shell, tmp_path):
    (tmp_path / "victim").mkdir()
    (tmp_path / "victim" / "f").write_text("x")
    r = result_for(shell, "cd victim && rm -rf ./*")
    card = r.card().cards[0]
    assert card.step.risk.level == "dangerous"
    card.run_button.click()
    card.flow.confirm_button.click()
    assert (tmp_path / "victim" / "f").exists() and r.runs == []  # one confirmation is not enough
    assert "current folder" in card.flow.acknowledge_button.description + card.flow.danger_note.value
    card.flow.acknowledge_button.click()
    assert not (tmp_path / "victim" / "f").exists() and r.runs[0].ok


def test_acknowledge_alone_runs_nothing(shell, tmp_path):
    r = result_for(shell, "rm -rf ./* ; touch marker.txt")
    card = r.card().cards[0]
    card.run_button.click()
    card.flow.acknowledge_button.click()
    assert r.runs == [] and not (tmp_path / "marker.txt").exists()


def test_run_all_stops_on_first_failure(shell, tmp_path):
    r = result_for(shell, "touch one.txt", "false", "touch three.txt")
    card = r.card()
    card.run_all_button.click()
    assert r.runs == []
    card.run_all_flow.confirm_button.click()
    assert (tmp_path / "one.txt").exists() and not (tmp_path / "three.txt").exists()
    assert [o.exit_code for o in r.runs] == [0, 1]


def test_insert_and_copy(shell):
    r = result_for(shell, "ls -la")
    card = r.card().cards[0]
    card.insert_button.click()
    assert shell.rl_next_input == "!ls -la" or "ls -la" in str(shell.payload_manager.read_payload())
    card.copy_button.click()
    assert card.copy_text.layout.display is None and card.copy_text.value == "ls -la"
