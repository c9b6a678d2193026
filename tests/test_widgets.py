"""Command cards with their real buttons: nothing runs without Confirm; dangerous needs the acknowledgement."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell

from devgpt_magic.confirm import is_dangerous
from devgpt_magic.engine import Engine
from devgpt_magic.results import CommandResult
from devgpt_magic.sandbox import availability
from devgpt_magic.schema import CommandStep, Suggestion, Usage


@pytest.fixture(autouse=True)
def settled(monkeypatch):
    """The acknowledgement counts at once in these tests (a person takes longer than SETTLE_S anyway); the
    test of the guard itself sets it back."""
    from devgpt_magic.widgets import _ConfirmFlow

    monkeypatch.setattr(_ConfirmFlow, "SETTLE_S", 0.0)


@pytest.fixture
def shell(tmp_path, monkeypatch):
    monkeypatch.setenv("SHELL", "/bin/bash")  # the kernel's `!` runs in $SHELL: a one-line insert needs bash
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
    assert inserted.startswith("%%bash\n") and f"\n{command}\nDEVGPT_END\n" in inserted


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
        assert opened, [m["content"] for m in messages if m["msg_type"] in ("error", "stream")]
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


# --- issue 16: cards as a user lives with them ------------------------------------------------------------------
IMG = "<img src=x onerror=alert(1)>"


def full_suggestion(**extra) -> Suggestion:
    step = CommandStep(command="tar -xzvf a.tgz -C /tmp", explanations=["Extracts the archive " + IMG],
                       arguments={"-x": "extract", "-C /tmp": "into /tmp " + IMG, "--bogus": "made up"},
                       argument_notes={"--bogus": "not in `tar --help` on this machine"})
    usage = Usage(model="tiny-model", prompt_tokens=12, completion_tokens=34, latency_s=1.5)
    fields = dict(request="r", commands=[step], usage=usage, notice="a tiny model: try a bigger one",
                  alternatives=[CommandStep(command="bsdtar -xf a.tgz -C /tmp"), CommandStep(command=step.command)])
    fields.update(extra)
    return Engine._assess(Suggestion(**fields))


def html_values(widget):
    import ipywidgets as w

    if isinstance(widget, w.HTML):
        yield widget.value
    for child in getattr(widget, "children", ()):
        yield from html_values(child)


def test_static_twin_holds_everything_on_the_card(shell, monkeypatch):
    monkeypatch.setenv("HOME", "/home/dev")  # a home under /tmp would add "holds your home folder" first
    r = CommandResult(full_suggestion(), local=True, shell=shell)
    bundle = r.static_bundle()
    html, text, markdown = bundle["text/html"], bundle["text/plain"], bundle["text/markdown"]
    assert "devgpt-static" in html and "tar -xzvf a.tgz -C /tmp" in html
    assert "Extracts the archive &lt;img" in html and "<img" not in html  # escaped
    assert "<th" in html and ">argument</th>" in html and "not in `tar --help` on this machine" in html
    assert "Other ways" in html and "bsdtar -xf a.tgz -C /tmp" in html and html.count("tar -xzvf a.tgz") == 1
    assert "a tiny model: try a bigger one" in html and "tiny-model · 12 in / 34 out" in html
    assert "risk: CAUTION - unpacks an archive" in text and "Other ways" in text and "--bogus" in text
    assert "| argument | meaning |" in markdown and "Other ways" in markdown


def test_static_twin_records_what_ran(shell, tmp_path):
    r = result_for(shell, "echo ran-for-real")
    card = r.card().cards[0]
    assert "ran:" not in r.static_bundle()["text/html"]
    card.run_button.click()
    card.flow.confirm_button.click()
    html = r.static_bundle()["text/html"]
    assert "ran: exit code 0" in html and "ran-for-real" in html
    assert "ran: exit code 0" in r.static_bundle()["text/plain"]


def test_footer_and_notice_are_on_the_card_once(shell):
    r = CommandResult(full_suggestion(), local=True, shell=shell)
    card = r.card()
    values = list(html_values(card))
    assert sum("tiny-model · 12 in / 34 out" in v for v in values) == 1
    assert any("a tiny model: try a bigger one" in v for v in values)
    r2 = CommandResult(full_suggestion(), local=True, shell=shell)
    r2.show_footer = False
    assert not any("tiny-model" in v for v in html_values(r2.card()))
    assert "tiny-model" not in r2.static_bundle()["text/html"]


def test_the_danger_shows_from_the_first_run_click(shell, tmp_path):
    r = result_for(shell, "rm -rf ~")
    card = r.card().cards[0]
    flow = card.flow
    assert flow.layout.display == "none"
    card.run_button.click()
    assert flow.danger_row.layout.display is None and "home" in flow.danger_note.value
    assert "#c62828" in flow.danger_note.value and flow.confirm_button.button_style == "danger"
    assert flow.acknowledge_row.layout.display == "none"  # the acknowledgement comes after Confirm
    assert r.runs == []
    card.flow.cancel_button.click()
    safe = result_for(shell, "ls").card().cards[0]
    safe.run_button.click()
    assert safe.flow.confirm_button.button_style == "primary" and safe.flow.danger_row.layout.display == "none"


def test_argument_table_has_a_header_and_a_readable_name_column(shell):
    step = CommandStep(command="grep -r x .", arguments={"-r": "recursive " * 40, "--exclude-dir=node_modules": "y"})
    r = CommandResult(Engine._assess(Suggestion(request="r", commands=[step])), local=True, shell=shell)
    body = r.card().cards[0].body.value
    assert "<thead>" in body and ">argument</th>" in body and ">meaning</th>" in body
    assert "white-space:nowrap'><code>-r</code>" in body  # a long meaning cannot squeeze the name column


def test_identical_commands_are_shown_and_run_once(shell, tmp_path):
    r = result_for(shell, "echo one >> log.txt", "echo one >> log.txt ", "echo two >> log.txt")
    card = r.card()
    assert [c.step.command.strip() for c in card.cards] == ["echo one >> log.txt", "echo two >> log.txt"]
    card.run_all_button.click()
    card.run_all_flow.confirm_button.click()
    assert (tmp_path / "log.txt").read_text() == "one\ntwo\n"
    assert "All 2 commands ran" in card.run_all_note.value
    assert r.static_bundle()["text/html"].count("echo one &gt;&gt; log.txt</code>") == 1


def test_run_all_says_which_command_failed(shell, tmp_path):
    r = result_for(shell, "touch one.txt", "false", "touch three.txt")
    card = r.card()
    card.run_all_button.click()
    card.run_all_flow.confirm_button.click()
    note = card.run_all_note.value
    assert "Stopped: command 2 of 3" in note and "<code>false</code>" in note and "exit code 1" in note
    assert "1 after it not run" in note


def test_deleting_the_kernels_own_folder_is_dangerous_on_the_card(shell, tmp_path):
    step = CommandStep(command=f"rm -rf {tmp_path}")
    suggestion = Engine._assess(Suggestion(request="r", commands=[step]), str(tmp_path))
    card = CommandResult(suggestion, local=True, shell=shell).card().cards[0]
    assert card.risk.level == "dangerous" and "dangerous" in card.badge.value
    card.run_button.click()
    card.flow.confirm_button.click()
    assert tmp_path.exists() and card.flow.acknowledge_row.layout.display is None  # still asks for the second


def test_other_ways_have_their_own_buttons_and_confirmation(shell, tmp_path):
    suggestion = Engine._assess(Suggestion(request="r", commands=[CommandStep(command="touch a.txt")],
                                           alternatives=[CommandStep(command="touch b.txt"),
                                                         CommandStep(command="touch a.txt")]))
    r = CommandResult(suggestion, local=True, shell=shell)
    card = r.card()
    assert [a.step.command for a in card.alternatives] == ["touch b.txt"]  # not a repeat of the suggestion
    other = card.alternatives[0]
    other.run_button.click()
    assert not (tmp_path / "b.txt").exists()
    other.flow.confirm_button.click()
    assert (tmp_path / "b.txt").exists() and not (tmp_path / "a.txt").exists()
    take_next_input(shell)
    other.insert_button.click()
    assert take_next_input(shell) == "!touch b.txt"


def test_explain_refused_by_the_model_still_shows_the_commands_risk(shell):
    suggestion = Engine._assess(Suggestion(request="rm -rf ~", commands=[CommandStep(command="rm -rf ~")],
                                           invalid_reason="not a terminal task " + IMG))
    r = CommandResult(suggestion, local=True, shell=shell)
    card = r.card()
    assert "Not a terminal task" in card.invalid_note.value and "&lt;img" in card.invalid_note.value
    assert card.cards[0].risk.level == "dangerous" and "dangerous" in card.cards[0].badge.value
    bundle = r.static_bundle()
    assert "Not a terminal task" in bundle["text/html"] and "devgpt-risk-dangerous" in bundle["text/html"]
    assert "risk: DANGEROUS" in bundle["text/plain"]


def test_the_widget_text_stand_in_is_short(shell):
    bundle = CommandResult(full_suggestion(), local=True, shell=shell).card()._repr_mimebundle_()
    assert bundle["text/plain"] == "DevGPT command card (the static view follows)"
    assert "application/vnd.jupyter.widget-view+json" in bundle


# --- Preview, Run with undo, Undo on a card (real bubblewrap) -------------------------------------------------

needs_bwrap = pytest.mark.skipif(not availability().ok, reason="needs bubblewrap (apt-get install bubblewrap)")


@pytest.fixture
def files(tmp_path, monkeypatch):
    """A working folder of its own (tmp_path also holds the cache, where the undo store lives)."""
    root = tmp_path / "w"
    (root / "logs").mkdir(parents=True)
    for n in range(3):
        (root / "logs" / f"{n}.tmp").write_text(f"log {n}\n")
    (root / "keep.txt").write_text("keep\n")
    monkeypatch.chdir(root)
    return root


@needs_bwrap
def test_preview_then_run_with_undo_then_undo(shell, files):
    from test_preview import snapshot

    before = snapshot(files)
    r = result_for(shell, "rm logs/*.tmp")
    card = r.card().cards[0]
    card.preview_button.click()
    assert snapshot(files) == before  # a preview never touches the real files
    assert card.preview_box.layout.display is None and "3 paths deleted" in card.preview_box.value
    assert "logs/0.tmp" in card.preview_box.value and "deletes 3 files" in card.status.value
    assert card.risk.level == "caution" and "its preview deletes 3 files" in card.badge.value
    assert "deletes 3 files" in r.static_bundle()["text/html"]
    card.run_button.click()
    card.flow.confirm_button.click()
    assert not list((files / "logs").iterdir()) and r.runs[0].ok
    assert card.undo_button.layout.display is None and "Undo" in card.status.value
    assert "ran with undo" in r.static_bundle()["text/html"]
    card.undo_button.click()
    assert snapshot(files) == before and "Undid run" in card.status.value
    assert card.undo_button.layout.display == "none"


@needs_bwrap
def test_a_preview_that_deletes_many_files_needs_the_second_confirmation(shell, files, monkeypatch):
    monkeypatch.setenv("DEVGPT_PREVIEW_DANGER_FILES", "2")
    r = result_for(shell, "rm logs/*.tmp")
    card = r.card().cards[0]
    assert card.risk.level != "dangerous"
    card.preview_button.click()
    assert card.risk.level == "dangerous"
    card.run_button.click()
    assert card.flow.confirm_button.button_style == "danger" and "more than 2" in card.flow.danger_note.value
    card.flow.confirm_button.click()
    assert len(list((files / "logs").iterdir())) == 3  # not yet
    card.flow.acknowledge_button.click()
    assert not list((files / "logs").iterdir())
    take_next_input(shell)
    card.insert_button.click()  # Insert carries the danger the preview found
    card.insert_flow.acknowledge_button.click()
    assert take_next_input(shell).startswith("# DANGEROUS: its preview deletes 3 files")


@needs_bwrap
def test_a_backup_too_large_asks_before_running_without_undo(shell, files, monkeypatch):
    monkeypatch.setenv("DEVGPT_UNDO_MAX_MB", "0")
    r = result_for(shell, "rm keep.txt")
    card = r.card().cards[0]
    card.preview_button.click()
    card.run_button.click()
    card.flow.confirm_button.click()
    assert (files / "keep.txt").exists() and r.runs == []  # nothing ran: it asks first
    assert card.backup_flow.layout.display is None and "DEVGPT_UNDO_MAX_MB" in card.backup_question.value
    card.without_undo_button.click()
    assert not (files / "keep.txt").exists() and r.runs[0].ok
    assert card.undo_button.layout.display == "none"
    card.without_undo_button.click()  # a stale answer runs nothing again
    assert len(r.runs) == 1


@needs_bwrap
def test_undo_refuses_when_a_file_changed_again(shell, files):
    r = result_for(shell, "sed -i s/keep/kept/ keep.txt")
    card = r.card().cards[0]
    card.preview_button.click()
    card.run_button.click()
    card.flow.confirm_button.click()
    assert (files / "keep.txt").read_text() == "kept\n"
    (files / "keep.txt").write_text("changed by hand\n")
    card.undo_button.click()
    assert "Undo refused" in card.status.value and (files / "keep.txt").read_text() == "changed by hand\n"


def test_preview_without_bubblewrap_says_so_in_one_line(shell, monkeypatch):
    from devgpt_magic import preview as preview_module
    from devgpt_magic.sandbox import Availability

    monkeypatch.setattr(preview_module, "availability",
                        lambda: Availability(ok=False, reason="bubblewrap is not installed: apt-get install bubblewrap"))
    r = result_for(shell, "ls")
    card = r.card().cards[0]
    card.preview_button.click()
    assert card.status.value == "<i>Preview not available: bubblewrap is not installed: apt-get install bubblewrap</i>"
    assert card.preview_result is None and card.preview_box.layout.display == "none"


def test_run_after_a_cd_judges_the_command_again_where_it_will_run(shell, tmp_path, monkeypatch):
    """`rm -r old` is caution in a project folder and dangerous in /etc: a card made in the project, then Run
    after `%cd /etc`, asks for the second acknowledgement and says why; nothing runs before it."""
    suggestion = Engine._assess(Suggestion(request="r", commands=[CommandStep(command="rm -r old")]), str(tmp_path))
    result = CommandResult(suggestion, local=True, shell=shell)
    card = result.card().cards[0]
    assert card.step.risk.level == "caution" and card.step.risk.judged_in == str(tmp_path)
    card.run_button.click()
    assert not card.flow.needs_acknowledgement
    card.flow.cancel_button.click()
    monkeypatch.chdir("/etc")
    card.run_button.click()
    assert card.step.risk.level == "dangerous" and card.step.risk.judged_in == "/etc"
    assert card.flow.needs_acknowledgement and "/etc/old" in card.flow.danger_note.value
    assert "judged again" in card.status.value and "dangerous" in card.badge.value.lower()
    card.flow.confirm_button.click()
    assert result.runs == []  # one confirmation is not enough for the new danger
    card.flow.cancel_button.click()
    # back in the project folder: judged for it again
    monkeypatch.chdir(tmp_path)
    card.run_button.click()
    assert card.step.risk.level == "caution" and not card.flow.needs_acknowledgement


def test_run_all_judges_every_card_again_after_a_cd(shell, tmp_path, monkeypatch):
    suggestion = Engine._assess(Suggestion(request="r", commands=[CommandStep(command="ls"),
                                                                  CommandStep(command="rm -r old")]), str(tmp_path))
    card = CommandResult(suggestion, local=True, shell=shell).card()
    monkeypatch.chdir("/etc")
    card.run_all_button.click()
    assert card.run_all_flow.needs_acknowledgement and "/etc/old" in card.run_all_flow.danger_note.value


def test_a_risk_judged_for_an_unknown_folder_is_never_lowered_at_run(shell, tmp_path):
    """`cd victim && rm -rf ./*` judged without a folder fails closed (dangerous); knowing the folder at Run
    (where it is only caution) must not take the second confirmation away."""
    (tmp_path / "victim").mkdir()
    (tmp_path / "victim" / "f").write_text("x")
    card = result_for(shell, "cd victim && rm -rf ./*").card().cards[0]
    assert card.step.risk.judged_in is None and card.step.risk.level == "dangerous"
    card.run_button.click()
    card.flow.confirm_button.click()
    assert (tmp_path / "victim" / "f").exists() and card.flow.needs_acknowledgement



def test_a_double_click_on_confirm_never_gives_the_acknowledgement(shell, tmp_path, monkeypatch):
    """The acknowledgement appears below Confirm, and a click on it within SETTLE_S of its appearing (the second
    click of a double click on the red Confirm) does not count."""
    from devgpt_magic.widgets import _ConfirmFlow

    monkeypatch.setattr(_ConfirmFlow, "SETTLE_S", 30.0)
    victim = tmp_path / "home"
    victim.mkdir()
    (victim / "f").write_text("keep")
    monkeypatch.setenv("HOME", str(victim))
    card = result_for(shell, "rm -rf ~/*").card().cards[0]
    assert is_dangerous(card.current_step())
    assert card.flow.children[-1] is card.flow.acknowledge_row  # below Confirm: it moves nothing when shown
    card.run_button.click()
    card.flow.confirm_button.click()
    card.flow.acknowledge_button.click()  # at once: the second click of a double click
    assert (victim / "f").exists()
    monkeypatch.setattr(_ConfirmFlow, "SETTLE_S", 0.0)
    card.flow.acknowledge_button.click()
    assert not (victim / "f").exists()


def test_a_cd_between_run_and_confirm_judges_again_and_asks_anew(shell, tmp_path, monkeypatch):
    """Judged for the folder it was made in, run where the kernel is at Confirm: after a %cd in between the
    command is judged again, and a danger there needs its acknowledgement (a review deleted a folder this way)."""
    project, victim = tmp_path / "project", tmp_path / "victim"
    for folder in (project, victim):
        folder.mkdir()
    (victim / "f").write_text("keep")
    monkeypatch.chdir(project)
    card = result_for(shell, "rm -r ../victim").card().cards[0]
    assert not is_dangerous(card.current_step())
    card.run_button.click()
    monkeypatch.chdir(victim)  # %cd into the folder the command deletes
    card.flow.confirm_button.click()
    assert (victim / "f").exists() and is_dangerous(card.current_step())  # asked anew, nothing ran
    card.flow.confirm_button.click()
    assert (victim / "f").exists()  # the danger needs its acknowledgement
    card.flow.acknowledge_button.click()
    assert not (victim / "f").exists()


def test_run_all_judges_the_commands_together(shell, tmp_path, monkeypatch):
    """`ln -s ~ h` is safe and `rm -rf h/*` caution; run one after the other they delete the home folder."""
    home = tmp_path / "home"
    (home / "important").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    result = result_for(shell, "ln -s ~ h", "rm -rf h/*")
    assert not any(is_dangerous(step) for step in result.suggestion.commands)
    card = result.card()
    card.run_all_button.click()
    assert card.run_all_flow.needs_acknowledgement
    card.run_all_flow.confirm_button.click()
    assert (home / "important").exists()  # one click is not enough
