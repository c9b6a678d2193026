"""Every magic in a real InteractiveShell with the real tiny local model."""

from __future__ import annotations

import json
import sys

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from devgpt_magic.magics import split_options
from devgpt_magic.render import bash_cell


@pytest.fixture(scope="module")
def ip():
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "devgpt_magic")
    shell.run_line_magic("config", "DevGPTMagics.confirm_in_terminal = False")
    yield shell
    shell.run_line_magic("unload_ext", "devgpt_magic")


def magics(ip):
    return ip.magics_manager.registry["DevGPTMagics"]


def test_load_imports_no_sdk_or_llama():
    import subprocess

    code = ("import sys; from IPython.core.interactiveshell import InteractiveShell; "
            "ip = InteractiveShell.instance(); ip.run_line_magic('load_ext', 'devgpt_magic'); "
            "print([m for m in ('openai', 'anthropic', 'google.genai', 'huggingface_hub', 'llama_cpp', 'pydantic') "
            "if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_split_options_keeps_request_verbatim():
    options, rest = split_options("--fast -m gpt4o find . -name '*.py' -size +1M")
    assert options == ["--fast", "-m", "gpt4o"] and rest == "find . -name '*.py' -size +1M"
    assert split_options("--model='a b' hi") == (["--model='a b'"], "hi")


def test_cmd_returns_result_object(ip, capsys):
    s = ip.run_line_magic("devgpt", "cmd --fast show the current directory")
    out = capsys.readouterr().out
    assert s is not None and (s.commands or s.is_invalid)
    if s.commands:
        assert isinstance(s.commands[0].command, str) and s.commands[0].risk is not None
    assert "smollm2-135m" in out and "local" in out  # the footer
    bundle = s._repr_mimebundle_()
    assert {"text/plain", "text/markdown", "text/html"} <= set(bundle)


def test_regular_mode_shows_the_command_while_explaining_it(ip, capsys, monkeypatch):
    """A model that explains after deciding: the commands are shown first, then the card."""
    from support import explaining_after

    explaining_after(monkeypatch)
    s = ip.run_line_magic("devgpt", "cmd list the files in this folder, newest first")
    out = capsys.readouterr().out
    assert s.commands and "(explaining each part...)" in out
    note, card = out.split("(explaining each part...)", 1)
    assert [line for line in note.splitlines() if "$ " in line] == [line for line in card.splitlines()
                                                                     if line.lstrip("0123456789. ").startswith("$ ")
                                                                     and not line.startswith(" ")]


def test_the_decided_note_is_cleared_in_a_kernel(ip, monkeypatch):
    """In a kernel the note is one display, updated to nothing when the card comes (terminal IPython keeps it)."""
    from types import SimpleNamespace

    from devgpt_magic.results import DecidedNote
    from devgpt_magic.schema import CommandStep, Suggestion

    published = []
    monkeypatch.setattr(ip.display_pub, "publish", lambda data, metadata=None, *, transient=None, update=False,
                        **_: published.append((data, (transient or {}).get("display_id"), update)))
    note = DecidedNote(SimpleNamespace(kernel=object()))
    note.show(Suggestion(request="r", commands=[CommandStep(command="ls -t")]))
    note.clear()
    note.clear()  # once only
    (shown, shown_id, first_update), (cleared, cleared_id, second_update) = published
    assert shown["text/plain"].startswith("$ ls -t") and not first_update
    assert cleared == {"text/plain": ""} and second_update and cleared_id == shown_id is not None
    terminal = DecidedNote(SimpleNamespace())
    terminal.show(Suggestion(request="r", commands=[CommandStep(command="ls -t")]))
    terminal.clear()
    assert len(published) == 3


def test_cell_magic_and_explain(ip, capsys):
    s = ip.run_cell_magic("devgpt", "cmd --fast", "list files\nsorted by size")
    assert s.suggestion.request == "list files\nsorted by size"
    e = ip.run_line_magic("devgpt", "explain ls -la /tmp")
    assert e.is_invalid or e.commands[0].command == "ls -la /tmp"


def test_config_traits(ip):
    ip.run_line_magic("config", "DevGPTMagics.fast = True")
    try:
        s = ip.run_line_magic("devgpt", "cmd print the date")
        assert s.suggestion.mode == "fast"
    finally:
        ip.run_line_magic("config", "DevGPTMagics.fast = False")
    ip.run_line_magic("config", "DevGPTMagics.show_usage = False")
    try:
        assert not magics(ip).show_usage
    finally:
        ip.run_line_magic("config", "DevGPTMagics.show_usage = True")


def test_chat_memory_history_save_load_reset(ip, tmp_path, capsys):
    ip.run_line_magic("devgpt", "reset")
    ip.run_cell_magic("devgpt_chat", "", "My project is called Zebrafish. Say OK.")
    ip.run_line_magic("devgpt", "chat What is my project called?")
    session = magics(ip).session
    assert len(session.messages) == 4 and "Zebrafish" in session.messages[0].content
    # the second call sent the first exchange along: the model saw it
    path = tmp_path / "chat.json"
    ip.run_line_magic("devgpt", f"history --save {path}")
    assert len(json.loads(path.read_text())["messages"]) == 4
    ip.run_cell_magic("devgpt_chat", "--reset", "Hello again.")
    assert len(session.messages) == 2
    ip.run_line_magic("devgpt", f"history --load {path}")
    assert len(session.messages) == 4
    capsys.readouterr()
    ip.run_line_magic("devgpt", "history")
    assert "Zebrafish" in capsys.readouterr().out
    ip.run_line_magic("devgpt", "reset")
    assert session.messages == []


def test_chat_survives_switching_models(ip, vendor, monkeypatch):
    from fake_vendor import Reply
    from vendor_payloads import openai_chunks

    ip.run_line_magic("devgpt", "reset")
    ip.run_cell_magic("devgpt_chat", "", "Remember the word kiwi.")
    monkeypatch.setenv("DEVGPT_OPENAI_BASE_URL", vendor.url + "/v1")
    vendor.queue(Reply(200, events=openai_chunks(["kiwi"])))
    ip.run_cell_magic("devgpt_chat", "--model openai:other", "Which word?")
    sent = vendor.requests[-1].body["messages"]
    assert any("kiwi" in m["content"] for m in sent[1:-1])  # the earlier local exchange went to the new model
    assert len(magics(ip).session.messages) == 4


def test_usage_models_help(ip, capsys):
    ip.run_line_magic("devgpt", "usage")
    out = capsys.readouterr().out
    assert "smollm2-135m" in out and "total" in out
    ip.run_line_magic("devgpt", "models")
    assert "gpt-4o" in capsys.readouterr().out
    ip.run_line_magic("devgpt", "help")
    assert "%devgpt cmd" in capsys.readouterr().out


def test_cache_info_and_clear(ip, capsys):
    ip.run_line_magic("devgpt", "cmd --fast show the date")
    ip.run_line_magic("devgpt", "cmd --fast show the date")  # the second is answered from the cache
    assert "cached" in capsys.readouterr().out
    ip.run_line_magic("devgpt", "cache")
    info = capsys.readouterr().out
    assert "cached replies" in info and not info.startswith("0 ") and "DEVGPT_CACHE_MAX_MB" in info
    ip.run_line_magic("devgpt", "cache clear")
    assert "Removed" in capsys.readouterr().out
    ip.run_line_magic("devgpt", "cache info")
    assert capsys.readouterr().out.startswith("0 cached replies")
    with pytest.raises(UsageError, match="cache info"):
        ip.run_line_magic("devgpt", "cache purge")


def test_errors_are_one_line_and_keep_state(ip, capsys, fake_key, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", fake_key)
    before = magics(ip).engine.usage_totals()
    ip.run_line_magic("devgpt", "cmd --model gtp4o list files")
    ip.run_line_magic("devgpt", "cmd    ")
    err = capsys.readouterr().err
    assert "Did you mean" in err and "Nothing to do" in err and "Traceback" not in err
    assert fake_key not in err
    assert magics(ip).engine.usage_totals() == before
    with pytest.raises(UsageError):
        ip.run_line_magic("devgpt", "frobnicate")


def test_interrupted_chat_keeps_history_and_totals(ip, monkeypatch, capsys):
    ip.run_line_magic("devgpt", "reset")
    ip.run_cell_magic("devgpt_chat", "", "Hi.")
    m = magics(ip)
    before_messages = list(m.session.messages)
    before_usage = m.engine.usage_totals()
    from devgpt_magic.models import local_provider as local

    real_stream = local.LocalProvider.stream

    def interrupted(self, *args, **kwargs):
        for i, item in enumerate(real_stream(self, *args, **kwargs)):
            if i == 3:
                raise KeyboardInterrupt
            yield item

    monkeypatch.setattr(local.LocalProvider, "stream", interrupted)
    ip.run_cell_magic("devgpt_chat", "", "Tell me a long story.")
    assert "interrupted" in capsys.readouterr().err
    assert m.session.messages == before_messages and m.engine.usage_totals() == before_usage


def test_key_never_in_outputs_or_saved_history(ip, tmp_path, capsys, fake_key, monkeypatch):
    from support import free_port

    monkeypatch.setenv("ANTHROPIC_API_KEY", fake_key)
    monkeypatch.setenv("DEVGPT_ANTHROPIC_BASE_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("DEVGPT_MAX_RETRIES", "0")
    ip.run_line_magic("devgpt", "reset")
    ip.run_cell_magic("devgpt_chat", "", f"my key is {fake_key}, what is pwd?")
    ip.run_line_magic("devgpt", "cmd --model haiku --fast list files")  # fails: nothing listens there
    path = tmp_path / "h.json"
    ip.run_line_magic("devgpt", f"history --save {path}")
    captured = capsys.readouterr()
    assert fake_key not in captured.out + captured.err
    assert fake_key not in path.read_text()


def test_unload_removes_magics():
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "devgpt_magic")
    assert "devgpt" in shell.magics_manager.magics["line"]
    shell.run_line_magic("unload_ext", "devgpt_magic")
    assert "devgpt" not in shell.magics_manager.magics["line"]
    assert "devgpt_chat" not in shell.magics_manager.magics["cell"]
    shell.run_line_magic("load_ext", "devgpt_magic")  # and loads again cleanly
    assert "devgpt" in shell.magics_manager.magics["line"]


# --- options belong to their action (issue 11) ----------------------------------------------------------
def test_options_that_belong_to_another_action_are_refused(ip):
    with pytest.raises(UsageError, match=r"%devgpt models takes no options; --save belongs to another action"):
        ip.run_line_magic("devgpt", "models --save f.json")
    with pytest.raises(UsageError, match=r"history takes --save FILE, --load FILE, --force; --model"):
        ip.run_line_magic("devgpt", "history --model gpt4o")
    with pytest.raises(UsageError, match=r"%devgpt cmd takes --model MODEL, --fast, .*; --load belongs"):
        ip.run_line_magic("devgpt", "cmd --load f.json list files")
    with pytest.raises(UsageError, match="--force only goes with --save"):
        ip.run_line_magic("devgpt", "history --force")


def test_option_sets_come_from_the_parser():
    from devgpt_magic import magics as m

    parser = m.DevGPTMagics.devgpt.parser
    declared = [a for a in parser._actions if a.option_strings and a.dest != "help"]
    for action in declared:
        for spelling in action.option_strings:
            typed = f"{spelling} VALUE rest" if action.nargs != 0 else f"{spelling} rest"
            options, rest = split_options(typed)
            assert options[0] == spelling and rest == "rest", spelling
        assert any(action.option_strings[0] in names for names in m._ACTION_OPTIONS.values())
    assert m._VALUE_OPTIONS | m._FLAG_OPTIONS == {s for a in declared for s in a.option_strings}


# --- history files ----------------------------------------------------------------------------------
def test_history_save_is_private_never_overwrites_and_refuses_symlinks(ip, tmp_path, capsys):
    import os
    import stat

    session = magics(ip).session
    session.reset()
    session.commit("first question", "first answer")
    path = tmp_path / "h.json"
    ip.run_line_magic("devgpt", f"history --save {path}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    saved = path.read_text()
    session.commit("second question", "second answer")
    capsys.readouterr()
    ip.run_line_magic("devgpt", f"history --save {path}")
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err and err.count("\n") == 1
    assert path.read_text() == saved  # nothing the user had is lost
    path.chmod(0o644)
    ip.run_line_magic("devgpt", f"history --save {path} --force")
    assert "second answer" in path.read_text() and stat.S_IMODE(path.stat().st_mode) == 0o600
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "link.json"
    link.symlink_to(victim)
    for extra in ("", " --force"):
        ip.run_line_magic("devgpt", f"history --save {link}{extra}")
        assert "symbolic link" in capsys.readouterr().err
        assert victim.read_text() == "keep me" and os.path.islink(link)
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "created-through-link.json")
    ip.run_line_magic("devgpt", f"history --save {dangling}")
    assert "symbolic link" in capsys.readouterr().err and not (tmp_path / "created-through-link.json").exists()
    session.reset()


LIVE = ("<img", "<script", "onerror=\"", "<svg")


def published(ip, monkeypatch) -> list[dict]:
    """Every display bundle the shell publishes from now on."""
    seen: list[dict] = []
    real = ip.display_pub.publish

    def record(data, metadata=None, *args, **kwargs):
        seen.append(data)
        return real(data, metadata, *args, **kwargs)

    monkeypatch.setattr(ip.display_pub, "publish", record)
    return seen


def test_loaded_history_shows_markdown_with_html_escaped(ip, tmp_path, monkeypatch):
    evil = tmp_path / "evil.json"
    reply = ("Here is **bold** text.\n\n<img src=x onerror=\"window.__pwned=1\">\n\n<script>window.__pwned=2</script>"
             "\n\n```python\nprint('<b>kept</b>')\n```")
    evil.write_text(json.dumps({"version": 1, "messages": [
        {"role": "user", "content": "hi <svg onload=alert(1)>"}, {"role": "assistant", "content": reply}]}))
    ip.run_line_magic("devgpt", f"history --load {evil}")
    seen = published(ip, monkeypatch)
    ip.run_line_magic("devgpt", "history")
    bundle = seen[-1]
    assert "text/markdown" not in bundle  # a front end renders text/markdown from a run cell as trusted
    html = bundle["text/html"]
    assert not any(tag in html for tag in LIVE), html
    assert "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;" in html and "<strong>bold</strong>" in html
    assert "<code class=\"language-python\">print('&lt;b&gt;kept&lt;/b&gt;')" in html
    assert "<img src=x" in bundle["text/plain"]  # the plain view shows the text as it is
    ip.run_line_magic("devgpt", "reset")


def test_chat_reply_streams_as_escaped_markdown(ip, vendor, monkeypatch):
    from fake_vendor import Reply
    from vendor_payloads import openai_chunks

    from devgpt_magic import results

    monkeypatch.setattr(results, "widgets_available", lambda shell: True)  # as in a notebook
    monkeypatch.setenv("DEVGPT_OPENAI_BASE_URL", vendor.url + "/v1")
    vendor.queue(Reply(200, events=openai_chunks(["Use **ls**. <img src=x ", "onerror=\"window.__pwned=1\"> ",
                                                  "<script>alert(1)</script>"])))
    ip.run_line_magic("devgpt", "reset")
    seen = published(ip, monkeypatch)
    ip.run_cell_magic("devgpt_chat", "--model openai:m", "list files")
    bundles = [b for b in seen if "text/html" in b]
    assert len(bundles) >= 2  # streamed, then the final reply
    for bundle in bundles:
        assert "text/markdown" not in bundle and not any(tag in bundle["text/html"] for tag in LIVE)
    assert "<strong>ls</strong>" in bundles[-1]["text/html"] and "&lt;script&gt;" in bundles[-1]["text/html"]
    ip.run_line_magic("devgpt", "reset")


# --- inserting: the danger travels with the command, never after a No --------------------------------
def queue_commands(vendor, monkeypatch, *commands: str) -> None:
    from fake_vendor import Reply
    from vendor_payloads import openai_chat

    monkeypatch.setenv("DEVGPT_OPENAI_BASE_URL", vendor.url + "/v1")
    reply = {"input": "r", "error": 0, "commands": [
        {"seq": i, "cmd_to_execute": c, "cmd_explanations": ["does it"], "arg_explanations": {}}
        for i, c in enumerate(commands, 1)]}
    vendor.queue(Reply(200, openai_chat(json.dumps(reply))))


def take_next_input(shell):
    text = getattr(shell, "rl_next_input", None)
    shell.rl_next_input = None
    for payload in shell.payload_manager.read_payload():
        if payload.get("source") == "set_next_input":
            text = payload["text"]
    shell.payload_manager.clear_payload()
    return text


@pytest.fixture
def answers(monkeypatch):
    """Answers typed at terminal IPython's prompts (input()), and the questions asked."""
    given: list[str] = []
    asked: list[str] = []

    def fake_input(prompt=""):
        asked.append(prompt)
        return given.pop(0)

    monkeypatch.setattr("builtins.input", fake_input)
    return given, asked


def test_terminal_insert_never_after_no(ip, vendor, monkeypatch, tmp_path, answers, capsys):
    monkeypatch.setenv("SHELL", "/bin/bash")  # the kernel's `!` runs in $SHELL: a one-line insert needs bash
    given, asked = answers
    monkeypatch.chdir(tmp_path)
    m = magics(ip)
    monkeypatch.setattr(m, "confirm_in_terminal", True)
    take_next_input(ip)
    queue_commands(vendor, monkeypatch, "touch marker.txt")
    given.append("n")
    result = ip.run_line_magic("devgpt", "cmd --insert --no-cache --model openai:m make a marker")
    assert take_next_input(ip) is None and not (tmp_path / "marker.txt").exists() and result.runs == []
    assert "Nothing was inserted" in capsys.readouterr().out
    given.append("y")
    result = ip.run_line_magic("devgpt", "cmd --insert --no-cache --model openai:m make a marker")
    assert (tmp_path / "marker.txt").exists() and result.runs[0].ok
    assert take_next_input(ip) == "!touch marker.txt"


def test_terminal_insert_of_a_dangerous_command_needs_yes(ip, vendor, monkeypatch, answers, capsys):
    monkeypatch.setenv("SHELL", "/bin/bash")
    given, asked = answers
    take_next_input(ip)
    queue_commands(vendor, monkeypatch, "rm -rf ~", "ls")
    given.append("y")  # anything but the word yes refuses
    ip.run_line_magic("devgpt", "cmd --insert --no-cache --model openai:m clean up")
    assert take_next_input(ip) is None and "DANGEROUS" in asked[-1] and "insert" in asked[-1]
    given.append("yes")
    ip.run_line_magic("devgpt", "cmd --insert --no-cache --model openai:m clean up")
    lines = take_next_input(ip).splitlines()
    assert lines[0].startswith("# DANGEROUS: ") and lines[1:] == ["!rm -rf ~", "!ls"]


def test_notebook_insert_of_a_dangerous_command_points_to_the_card(ip, vendor, monkeypatch, capsys):
    from devgpt_magic import results

    monkeypatch.setattr(results, "widgets_available", lambda shell: True)
    take_next_input(ip)
    queue_commands(vendor, monkeypatch, "rm -rf ~")
    ip.run_line_magic("devgpt", "cmd --insert --no-cache --model openai:m clean up")
    assert take_next_input(ip) is None and "Insert as cell on its card" in capsys.readouterr().err
    queue_commands(vendor, monkeypatch, "ls -la", "cat <<EOF\nhi\nEOF")
    ip.run_line_magic("devgpt", "cmd --insert --no-cache --model openai:m list")
    assert take_next_input(ip) == bash_cell("ls -la\ncat <<EOF\nhi\nEOF")


# --- issue 16: references in chat cells, truncation, the footer once, explain's risk, the default starred ----
def chat_sent(vendor) -> str:
    """The user turn the model was sent last."""
    return vendor.requests[-1].body["messages"][-1]["content"]


def queue_chat(vendor, monkeypatch, *pieces: str, finish: str = "stop") -> None:
    from fake_vendor import Reply
    from vendor_payloads import openai_chunks

    monkeypatch.setenv("DEVGPT_OPENAI_BASE_URL", vendor.url + "/v1")
    vendor.queue(Reply(200, events=openai_chunks(list(pieces) or ["OK."], finish=finish)))


def test_chat_cell_fills_in_variables(ip, vendor, monkeypatch, capsys):
    ip.run_line_magic("devgpt", "reset")
    ip.user_ns.update(project_name="Zebrafish", config={"port": 8080}, numbers=[3, 1, 2])
    queue_chat(vendor, monkeypatch)
    ip.run_cell_magic("devgpt_chat", "--model openai:m",
                      "Project {project_name} on port {config['port']}, first {numbers[0]}; "
                      "keep {{project_name}}, JSON {\"a\": 1} and {not_defined} as typed.")
    sent = chat_sent(vendor)
    assert ("Project Zebrafish on port 8080, first 3; keep {project_name}, JSON {\"a\": 1} and {not_defined} as "
            "typed.") in sent
    out = capsys.readouterr().out
    assert "included {project_name} (str, 9 characters)" in out and "{config['port']} (int" in out
    ip.run_line_magic("devgpt", "reset")


def test_chat_cell_references_in_out_and_err(ip, vendor, monkeypatch, capsys):
    ip.run_line_magic("devgpt", "reset")
    ip.run_cell("def halve(x):\n    return x / 0", store_history=True)
    code_cell = ip.execution_count - 1
    ip.run_cell("sorted([3, 1, 2])", store_history=True)
    out_cell = ip.execution_count - 1
    ip.run_cell("halve(4)", store_history=True)
    err_cell = ip.execution_count - 1
    capsys.readouterr()
    queue_chat(vendor, monkeypatch)
    ip.run_cell_magic("devgpt_chat", "--model openai:m",
                      f"Code: {{In[{code_cell}]}} Result: {{Out[{out_cell}]}} Why does this fail? {{Err[{err_cell}]}}")
    sent = chat_sent(vendor)
    assert "```python\ndef halve(x):\n    return x / 0\n```" in sent
    assert "[1, 2, 3]" in sent
    assert "ZeroDivisionError: division by zero" in sent and "in halve" in sent and "Traceback" in sent
    assert "interactiveshell.py" not in sent  # IPython's own frames are left out
    out = capsys.readouterr().out
    assert f"In[{code_cell}] (code" in out and f"Out[{out_cell}] (list" in out
    assert f"Err[{err_cell}] (ZeroDivisionError traceback" in out
    queue_chat(vendor, monkeypatch)
    ip.run_cell_magic("devgpt_chat", "--model openai:m", "And the last error? {Err} Cell 9999: {Err[9999]}")
    sent = chat_sent(vendor)
    assert "ZeroDivisionError" in sent and "{Err[9999]}" in sent
    assert "no error recorded for cell 9999" in capsys.readouterr().out
    queue_chat(vendor, monkeypatch)
    ip.run_cell_magic("devgpt_chat", "--model openai:m --verbatim", "Literally {Err}")
    assert chat_sent(vendor).endswith("Literally {Err}")
    ip.run_line_magic("devgpt", "reset")


def test_chat_references_are_capped(ip, vendor, monkeypatch, capsys):
    from devgpt_magic.chat_refs import MAX_REF_CHARS, MAX_TOTAL_CHARS

    ip.run_line_magic("devgpt", "reset")
    ip.user_ns["huge"] = "x" * (MAX_REF_CHARS * 3)
    queue_chat(vendor, monkeypatch)
    refs = " ".join(["{huge}"] * (MAX_TOTAL_CHARS // MAX_REF_CHARS + 2))
    ip.run_cell_magic("devgpt_chat", "--model openai:m", f"Look: {refs}")
    sent = chat_sent(vendor)
    assert sent.count("x") <= MAX_TOTAL_CHARS + 10 and "[cut: " in sent and "{huge}" in sent
    out = capsys.readouterr().out
    assert "cut)" in out and "over the 16,000-character limit" in out
    ip.run_line_magic("devgpt", "reset")


def test_a_truncated_reply_says_so(ip, vendor, monkeypatch, capsys):
    from devgpt_magic import results

    ip.run_line_magic("devgpt", "reset")
    queue_chat(vendor, monkeypatch, "on and on", finish="length")
    ip.run_cell_magic("devgpt_chat", "--model openai:m", "Talk.")
    assert "cut off at the token limit" in capsys.readouterr().out
    monkeypatch.setattr(results, "widgets_available", lambda shell: True)  # as in a notebook
    seen = published(ip, monkeypatch)
    queue_chat(vendor, monkeypatch, "on and on", finish="length")
    ip.run_cell_magic("devgpt_chat", "--model openai:m", "Talk more.")
    assert "cut off at the token limit" in [b for b in seen if "text/html" in b][-1]["text/html"]
    ip.run_line_magic("devgpt", "reset")


def test_notebook_cards_print_no_second_footer(ip, vendor, monkeypatch, capsys):
    from devgpt_magic import results

    monkeypatch.setattr(results, "widgets_available", lambda shell: True)
    seen = published(ip, monkeypatch)
    queue_commands(vendor, monkeypatch, "ls -la")
    result = ip.run_line_magic("devgpt", "cmd --no-cache --model openai:m list")
    out = capsys.readouterr().out
    assert result.footer() and result.footer() not in out  # the card and its static twin carry it
    static = [b for b in seen if "text/html" in b and "devgpt-static" in b["text/html"]]
    assert len(static) == 1 and result.footer().split(" · ")[0] in static[0]["text/html"]


def test_explain_shows_the_risk_of_the_users_command_when_the_model_refuses(ip, vendor, monkeypatch, capsys):
    from fake_vendor import Reply
    from vendor_payloads import openai_chat

    monkeypatch.setenv("DEVGPT_OPENAI_BASE_URL", vendor.url + "/v1")
    refusal = json.dumps({"input": "rm -rf ~", "error": 1, "explanation": "not a terminal task"})
    vendor.queue(Reply(200, openai_chat(refusal)))
    seen = published(ip, monkeypatch)
    result = ip.run_line_magic("devgpt", "explain --no-cache --model openai:m rm -rf ~")
    assert result.is_invalid and result.commands[0].command == "rm -rf ~"
    assert result.commands[0].risk.level == "dangerous"
    text = [b for b in seen if "text/plain" in b][-1]["text/plain"]
    assert "Not a terminal task" in text and "risk: DANGEROUS" in text and "$ rm -rf ~" in text


def test_models_stars_a_gguf_default(ip, capsys, monkeypatch, smollm2_path):
    monkeypatch.setenv("DEVGPT_LOCAL_MODEL", str(smollm2_path))
    ip.run_line_magic("devgpt", "models")
    lines = capsys.readouterr().out.splitlines()
    starred = [line for line in lines if " * " in line or line.split("  ")[0].endswith(" *")]
    assert len(starred) == 1 and starred[0].startswith(f"gguf:{smollm2_path} *")


def test_explain_table_keeps_only_arguments_of_the_command(ip, vendor, monkeypatch):
    """A model that explains options the command does not have: those rows are dropped, bundled flags stay."""
    from fake_vendor import Reply
    from vendor_payloads import openai_chat

    from devgpt_magic.grounding import arguments_in_command

    monkeypatch.setenv("DEVGPT_OPENAI_BASE_URL", vendor.url + "/v1")
    command = "tar -xzvf a.tgz -C /tmp"
    table = {"-x": "extract", "-z": "through gzip", "-C /tmp": "into /tmp", "a.tgz": "the archive",
             "--exclude=*.log": "made up", "-q": "made up", "<file>": "a placeholder"}
    vendor.queue(Reply(200, openai_chat(json.dumps({"input": command, "error": 0, "commands": [
        {"seq": 1, "cmd_to_execute": command, "cmd_explanations": ["Extracts a.tgz into /tmp."],
         "arg_explanations": table}]}))))
    result = ip.run_line_magic("devgpt", f"explain --no-cache --model openai:m {command}")
    assert list(result.commands[0].arguments) == ["-x", "-z", "-C /tmp", "a.tgz"]
    assert "--exclude" not in repr(result) and "made up" not in repr(result)
    # tar's dash-less bundle, --opt=value against the option's name, quotes aside
    assert list(arguments_in_command("tar xzf a.tgz", {"-x": "", "-f": "", "-j": ""})) == ["-x", "-f"]
    assert list(arguments_in_command("head --lines=5 f", {"--lines": "", "--bytes=2": ""})) == ["--lines"]
    assert list(arguments_in_command('find . -name "*.log"', {"-name '*.log'": "", "-delete": ""})) == ["-name '*.log'"]
    # the whole command is no argument (Qwen 1.5B once explained `find ... -delete` as one row)
    whole = "find . -name '*.log' -size +100M -delete"
    assert list(arguments_in_command(whole, {whole: "finds and deletes", "-delete": "deletes"})) == ["-delete"]
    assert list(arguments_in_command("ls", {"ls": "lists"})) == ["ls"]


def test_chat_references_in_a_real_kernel(vendor, tmp_path):
    """ipykernel, as a notebook runs it: {name}, {In[n]} and {Err} (the failed cell's traceback, recorded by the
    extension's post_run_cell hook) reach the model, and the cell says what was included."""
    import os

    from support import KEY_VARS
    from fake_vendor import Reply
    from jupyter_client.manager import start_new_kernel
    from vendor_payloads import openai_chunks

    env = {name: value for name, value in os.environ.items() if name not in KEY_VARS}
    env.update(DEVGPT_OPENAI_BASE_URL=vendor.url + "/v1", DEVGPT_CACHE_DIR=str(tmp_path / "cache"),
               DEVGPT_MODELS_DIR=str(tmp_path / "models"), HF_HUB_OFFLINE="1")
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path), env=env)
    try:
        def run(code: str) -> tuple[int, str]:
            texts: list[str] = []
            reply = kc.execute_interactive(code, timeout=120, output_hook=lambda m: texts.append(
                m["content"].get("text", "") + m["content"].get("data", {}).get("text/plain", "")
                + m["content"].get("ename", "")))
            return reply["content"]["execution_count"], "".join(texts)

        run("%load_ext devgpt_magic")
        run("service_name = 'billing-api'")
        code_cell, _ = run("def halve(x):\n    return x / 0")
        failed_cell, failed = run("halve(4)")
        assert "ZeroDivisionError" in failed
        vendor.queue(Reply(200, events=openai_chunks(["Divide by 2, not 0."])))
        count = len(vendor.requests)
        _, out = run(f"%%devgpt_chat --model openai:m\nIn {{service_name}}, {{In[{code_cell}]}} fails with {{Err}}. "
                     f"The same as {{Err[{failed_cell}]}}?")
        assert len(vendor.requests) == count + 1, out
        sent = vendor.requests[-1].body["messages"][-1]["content"]
        assert "\nIn billing-api, ```python\ndef halve(x):\n    return x / 0\n```" in sent
        assert sent.count("ZeroDivisionError: division by zero") == 2 and "in halve" in sent
        assert "included {service_name} (str" in out and f"In[{code_cell}] (code" in out
        assert f"Err[{failed_cell}] (ZeroDivisionError traceback" in out and "Divide by 2" in out
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.mark.parametrize("action", ["preview", "run", "explain", "cmd"])
def test_the_line_reaches_the_magic_as_typed(ip, monkeypatch, action):
    """No IPython expansion: `{expr}` would run Python before anything is shown, and `$name` or `{x}` would
    change the command between what the user typed and what is assessed and run."""
    ip.user_ns["d"] = "/home/someone"
    ip.user_ns["payload"] = "; touch /tmp/x"
    seen: list[str] = []
    monkeypatch.setattr(magics(ip), f"_do_{action}", lambda args, text: seen.append(text))
    typed = "rm -rf $d/tmp; ls {payload} {__import__('os').getpid()} --format '{{.Names}}'"
    ip.run_line_magic("devgpt", f"{action} {typed}")
    assert seen == [typed]


def test_references_never_send_a_credential(ip, vendor, monkeypatch, capsys):
    """A key held in a variable, a cell or the environment is masked before the message leaves; the line form
    of chat fills references in the same way (IPython's own expansion is off for %devgpt)."""
    ip.run_line_magic("devgpt", "reset")
    key = "sk-proj-" + "Z" * 40
    ip.user_ns.update(cfg={"token": "ghp_" + "A1b2" * 9}, note="plain words", settings={"api": key})
    monkeypatch.setenv("OPENAI_API_KEY", key)
    queue_chat(vendor, monkeypatch)
    ip.run_cell_magic("devgpt_chat", "--model openai:m", "Why does {cfg} fail? settings: {settings}")
    sent = chat_sent(vendor)
    assert "ghp_" not in sent and "A1b2A1b2" not in sent and key not in sent and "settings: {'api'" in sent
    assert "credentials masked" in capsys.readouterr().out
    queue_chat(vendor, monkeypatch)
    ip.run_line_magic("devgpt", "chat --model openai:m explain {note} and {cfg}")
    sent = chat_sent(vendor)
    assert "explain plain words and" in sent and "A1b2A1b2" not in sent and key not in sent
    ip.run_line_magic("devgpt", "reset")


def test_the_decided_note_in_a_real_kernel_is_replaced_by_the_card(vendor, tmp_path):
    """ipykernel: the note is a display with an id, updated to nothing before the card is shown."""
    import json as jsonlib
    import os
    from pathlib import Path

    from support import KEY_VARS
    from fake_vendor import Reply
    from jupyter_client.manager import start_new_kernel
    from vendor_payloads import openai_chat

    env = {name: value for name, value in os.environ.items() if name not in KEY_VARS}
    env.update(DEVGPT_OPENAI_BASE_URL=vendor.url + "/v1", DEVGPT_CACHE_DIR=str(tmp_path / "cache"),
               DEVGPT_MODELS_DIR=str(tmp_path / "models"), HF_HUB_OFFLINE="1")
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path), env=env)
    try:
        vendor.queue(Reply(200, openai_chat(jsonlib.dumps({"commands": ["ls -t"]}))))
        vendor.queue(Reply(200, openai_chat(jsonlib.dumps({"input": "ls -t", "error": 0, "commands": [
            {"seq": 1, "cmd_to_execute": "ls -t", "cmd_explanations": ["Lists files, newest first."],
             "arg_explanations": {"-t": "sort by time"}}]}))))
        messages: list = []
        code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
                "from support import explaining_after; explaining_after(name='gpt-4o-mini')\n"
                "%load_ext devgpt_magic\n"
                "%devgpt cmd --model gpt-4o-mini list the files here, newest first")
        reply = kc.execute_interactive(code, timeout=120, output_hook=messages.append)
        assert reply["content"]["status"] == "ok", [m["content"] for m in messages]
        shown = [(m["msg_type"], m["content"].get("data", {}).get("text/plain", ""),
                  m["content"].get("transient", {}).get("display_id")) for m in messages
                 if m["msg_type"] in ("display_data", "update_display_data")]
        (kind, note, note_id), (update, cleared, cleared_id) = shown[:2]
        assert kind == "display_data" and note.startswith("$ ls -t") and "explaining" in note and note_id
        assert (update, cleared, cleared_id) == ("update_display_data", "", note_id)
        assert any("ls -t" in text and kind == "display_data" for kind, text, _ in shown[2:])  # then the card
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_a_key_typed_into_a_chat_never_reaches_the_model(fake_key, monkeypatch):
    """Masked before it leaves, so no model can echo it into the reply or the saved history (the tiny model once
    did, at some minutes of the day, in test_key_never_in_outputs_or_saved_history)."""
    from devgpt_magic.chat import ChatSession
    from devgpt_magic.engine import Engine
    from devgpt_magic.models.base import Finish, Provider

    class Echo(Provider):
        def generate(self, prompt, *, max_tokens, temperature, stream):  # noqa: ANN001, ANN201
            yield prompt.messages[-1].content
            yield Finish("stop", 1, 1)

    monkeypatch.setenv("ANTHROPIC_API_KEY", fake_key)
    session = ChatSession()
    reply = Engine(provider_factory=Echo).chat_text(session, f"my key is {fake_key}, what is pwd?", model="smollm2")
    assert fake_key not in reply.text and "my key is ***" in reply.text
    assert all(fake_key not in m.content for m in session.messages)
