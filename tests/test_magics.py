"""Every magic in a real InteractiveShell with the real tiny local model."""

from __future__ import annotations

import json
import sys

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from devgpt_magic.magics import split_options


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
    from devgpt_magic.models import local

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
    from conftest import free_port

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
