"""The OpenAI provider against a real OpenAI-compatible server on loopback (llama_cpp.server, tiny model)."""

from __future__ import annotations

import pytest

from devgpt_magic.chat import ChatReply, ChatSession
from devgpt_magic.engine import Engine
from devgpt_magic.errors import ProviderError


@pytest.fixture
def engine(llama_server) -> Engine:
    """A fixed context: the tiny model's reply depends on every character of the prompt, the clock and the
    working folder included (at one minute it once rambled past the token limit in regular mode)."""
    from devgpt_magic.context import Context

    return Engine(base_url=llama_server,
                  context=Context(platform="Linux-6.1-x86_64", shell="bash", now="Friday 2026-11-27 10:00 UTC",
                                  cwd="/home/dev/project"))


@pytest.mark.parametrize("mode", ["regular", "fast"])
def test_suggestion_through_compatible_server(engine, mode):
    s = engine.suggest("list all files including hidden ones", model="openai:smollm2", mode=mode)
    assert s.model == "openai:smollm2"
    assert s.is_invalid or s.commands
    assert s.usage.prompt_tokens > 100 and s.usage.completion_tokens > 0
    assert s.usage.cost_usd == 0.0  # a self-hosted server costs nothing per token


def test_streamed_chat_through_compatible_server(engine):
    session = ChatSession()
    items = list(engine.chat(session, "Name one Linux command.", model="openai:smollm2"))
    assert isinstance(items[-1], ChatReply)
    assert len([i for i in items if isinstance(i, str)]) > 1
    assert len(session.messages) == 2


def test_server_down_is_one_clear_line(monkeypatch):
    from support import free_port

    monkeypatch.setenv("DEVGPT_MAX_RETRIES", "0")
    url = f"http://127.0.0.1:{free_port()}/v1"
    engine = Engine(base_url=url)
    with pytest.raises(ProviderError) as info:
        engine.suggest("list files", model="openai:smollm2")
    assert "Cannot connect" in str(info.value) and "\n" not in str(info.value)
    assert str(info.value).count(url) == 1
