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


def take_next_input(shell) -> str | None:
    """What set_next_input queued for the next cell (and forget it)."""
    text = getattr(shell, "rl_next_input", None)
    shell.rl_next_input = None
    payloads = shell.payload_manager.read_payload()
    shell.payload_manager.clear_payload()
    for payload in payloads:
        if payload.get("source") == "set_next_input":
            text = payload["text"]
    return text


def test_insert_and_copy(shell):
    take_next_input(shell)
    r = result_for(shell, "ls -la")
    card = r.card().cards[0]
    card.insert_button.click()
    assert take_next_input(shell) == "!ls -la"
    card.copy_button.click()
    assert card.copy_text.layout.display is None and card.copy_text.value == "ls -la"


def test_insert_dangerous_needs_the_acknowledgement(shell, tmp_path):
    take_next_input(shell)
    r = result_for(shell, "rm -rf ~")
    card = r.card().cards[0]
    card.insert_button.click()
    assert take_next_input(shell) is None  # not yet
    assert card.insert_flow.layout.display is None and card.insert_flow.danger_row.layout.display is None
    assert card.insert_flow.acknowledge_button.description.startswith("Yes, insert it: ")
    assert "home" in card.insert_flow.danger_note.value
    card.insert_flow.cancel_button.click()  # No: nothing inserted, and a stale acknowledgement counts for nothing
    card.insert_flow.acknowledge_button.click()
    assert take_next_input(shell) is None
    card.insert_button.click()
    card.insert_flow.acknowledge_button.click()
    inserted = take_next_input(shell)
    assert inserted.splitlines()[0].startswith("# DANGEROUS: ") and inserted.splitlines()[1] == "!rm -rf ~"
    assert r.runs == []  # inserting never runs


def test_insert_keeps_multi_line_commands_whole(shell):
    take_next_input(shell)
    command = "cat <<EOF > notes.txt\n$HOME {x}\nEOF"
    r = result_for(shell, command)
    r.card().cards[0].insert_button.click()
    inserted = take_next_input(shell)
    assert inserted.startswith("%%bash\n") and inserted.endswith(command)


def test_model_text_is_escaped_in_every_widget(shell):
    payload = "<img src=x onerror=alert(1)>"
    step = CommandStep(command=f"echo '{payload}'", explanations=[payload], arguments={payload: payload})
    suggestion = Engine._assess(Suggestion(request="r", commands=[step, CommandStep(command="rm -rf ~")]))
    card = CommandResult(suggestion, local=True, shell=shell).card()
    import ipywidgets as w

    def html_values(widget):
        if isinstance(widget, w.HTML):
            yield widget.value
        for child in getattr(widget, "children", ()):
            yield from html_values(child)

    values = list(html_values(card))
    assert any("&lt;img src=x onerror=alert(1)&gt;" in v for v in values)
    assert not any("<img" in v for v in values)


def test_front_end_without_the_labextension_gets_the_copy_field(tmp_path):
    """A real kernel: when the front end closes the comm unanswered (as JupyterLab does for a target nobody
    registered), the card says so and shows the command to copy by hand instead of claiming success."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        code = ("from devgpt_magic.engine import Engine\n"
                "from devgpt_magic.results import CommandResult\n"
                "from devgpt_magic.schema import CommandStep, Suggestion\n"
                "s = Engine._assess(Suggestion(request='r', commands=[CommandStep(command='ls -la')]))\n"
                "card = CommandResult(s, local=True, shell=get_ipython()).card().cards[0]\n"
                "card.copy_button.click()\n")
        messages = []
        kc.execute_interactive(code, timeout=60, output_hook=messages.append)
        opened = [m["content"] for m in messages
                  if m["msg_type"] == "comm_open" and m["content"]["target_name"] == "devgpt_frontend"]
        assert opened[0]["data"] == {"action": "copy", "text": "ls -la"}
        kc.session.send(kc.shell_channel.socket, kc.session.msg("comm_close", {"comm_id": opened[0]["comm_id"],
                                                                               "data": {}}))
        shown = []
        kc.execute_interactive("print(card.copy_text.layout.display, '|', card.status.value)", timeout=60,
                               output_hook=lambda m: shown.append(m["content"].get("text", "")))
        text = "".join(shown)
        assert text.startswith("None |") and "field below" in text
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
