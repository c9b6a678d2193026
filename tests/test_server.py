"""The server extension's REST API through a real Jupyter server (pytest-jupyter), with the tiny local model."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture
def jp_server_config():
    return {"ServerApp": {"jpserver_extensions": {"devgpt_magic": True}}}


async def call(jp_fetch, path, body=None, method=None, **kwargs):
    kwargs.setdefault("request_timeout", 600)  # a local model on 2 busy cores can take a while
    if body is not None:
        kwargs["body"] = body if isinstance(body, str) else json.dumps(body)
    response = await jp_fetch("devgpt", path, method=method or ("POST" if body is not None else "GET"), **kwargs)
    return response


async def test_requests_without_token_are_refused(jp_fetch, jp_base_url, jp_http_port):
    await call(jp_fetch, "models")  # the server is up and the extension answers with the token
    client = AsyncHTTPClient()
    for method, path, body in (("GET", "models", None), ("POST", "suggest", '{"request": "ls"}'),
                               ("POST", "chat", '{"message": "hi"}')):
        with pytest.raises(HTTPClientError) as info:
            await client.fetch(f"http://127.0.0.1:{jp_http_port}{jp_base_url}devgpt/{path}", method=method,
                               body=body, raise_error=True)
        assert info.value.code == 403


async def test_models_lists_key_presence_never_keys(jp_fetch, monkeypatch, fake_key):
    monkeypatch.setenv("OPENAI_API_KEY", fake_key)
    response = await call(jp_fetch, "models")
    text = response.body.decode()
    assert fake_key not in text
    data = json.loads(text)
    rows = {m["name"]: m for m in data["models"]}
    assert data["default"] == "smollm2-135m" and rows["smollm2-135m"]["local"]
    assert rows["gpt-4o"]["key_present"] and not rows["claude-haiku-4-5"]["key_present"]
    assert rows["smollm2-135m"]["selectable"] and not rows["claude-haiku-4-5"]["selectable"]


@pytest.mark.parametrize("body,status,message", [
    ("{not json", 400, "not valid JSON"),
    ('["a list"]', 400, "JSON object"),
    ({"request": "list files", "model": "gtp4o"}, 400, "Did you mean"),
    ({"request": "list files", "model": "haiku"}, 400, "ANTHROPIC_API_KEY"),
    ({"request": "   "}, 400, "Nothing to do"),
    ({"request": "list files", "mode": "slow"}, 400, "mode must be"),
    ({"request": "list files", "events": "yes"}, 400, "events must be"),
    ({"request": "   ", "events": True}, 400, "Nothing to do"),
])
async def test_suggest_bad_input(jp_fetch, body, status, message):
    with pytest.raises(HTTPClientError) as info:
        await call(jp_fetch, "suggest", body)
    assert info.value.code == status
    error = json.loads(info.value.response.body)["error"]
    assert message in error and "\n" not in error


async def test_provider_failure_is_502(jp_fetch, monkeypatch):
    from support import free_port

    monkeypatch.setenv("DEVGPT_OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    monkeypatch.setenv("DEVGPT_MAX_RETRIES", "0")
    monkeypatch.setenv("DEVGPT_MODEL", "openai:x")  # a server at a base URL: only as the configured default
    with pytest.raises(HTTPClientError) as info:
        await call(jp_fetch, "suggest", {"request": "list files", "model": "openai:x"})
    assert info.value.code == 502 and "Cannot connect" in json.loads(info.value.response.body)["error"]


async def test_real_suggestion_and_explain_from_local_model(jp_fetch):
    response = await call(jp_fetch, "suggest", {"request": "list the files here", "mode": "fast"})
    data = json.loads(response.body)
    assert data["model"] == "smollm2-135m" and (data["commands"] or data["invalid_reason"])
    for step in data["commands"]:
        assert step["command"] and step["risk"]["level"] in ("safe", "caution", "dangerous")
    response = await call(jp_fetch, "explain", {"command": "ls -la"})
    data = json.loads(response.body)
    assert data["invalid_reason"] or data["commands"][0]["command"] == "ls -la"


async def test_suggest_events_hand_over_the_command_before_its_explanation(jp_fetch, monkeypatch):
    """A model that explains after deciding: ``decided`` (commands and risk) comes first, then the whole card."""
    from support import explaining_after

    explaining_after(monkeypatch)
    body = {"request": "list the files in this folder, newest first", "model": "smollm2", "events": True}
    response = await call(jp_fetch, "suggest", body)
    assert response.headers["Content-Type"].startswith("application/x-ndjson")
    events = [json.loads(line) for line in response.body.decode().splitlines()]
    assert [e["type"] for e in events] == ["decided", "done"]
    decided, done = events
    assert [c["command"] for c in decided["commands"]] == [c["command"] for c in done["suggestion"]["commands"]]
    assert all(c["risk"]["level"] in ("safe", "caution", "dangerous") for c in decided["commands"])
    assert done["suggestion"]["mode"] == "regular" and "raw_text" not in done["suggestion"]
    response = await call(jp_fetch, "suggest", dict(body, mode="fast"))  # nothing to explain: the card alone
    assert [json.loads(line)["type"] for line in response.body.decode().splitlines()] == ["done"]


async def test_chat_streams_and_keeps_conversation(jp_fetch):
    response = await call(jp_fetch, "chat", {"message": "Name one shell command."})
    events = [json.loads(line) for line in response.body.decode().splitlines()]
    assert response.headers["Content-Type"].startswith("application/x-ndjson")
    deltas = [e for e in events if e["type"] == "delta"]
    done = events[-1]
    assert done["type"] == "done" and len(deltas) > 1 and "".join(d["text"] for d in deltas) == done["text"]
    assert isinstance(done["truncated"], bool)
    cid = done["conversation_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", cid)  # made by the server: the request named no conversation
    await call(jp_fetch, "chat", {"message": "Another one?", "conversation_id": cid})
    response = await call(jp_fetch, "chat", method="DELETE", params={"conversation_id": cid})
    assert json.loads(response.body)["cleared"] is True


async def test_concurrent_requests_to_one_local_model(jp_fetch):
    """Two requests at once: the model's lock serialises them and the server keeps answering meanwhile."""
    slow = [asyncio.ensure_future(call(jp_fetch, "suggest", {"request": f"show file number {i}", "mode": "fast"}))
            for i in range(2)]
    await asyncio.sleep(0.2)
    quick = await call(jp_fetch, "models")  # answered while the model is busy: the event loop is free
    assert quick.code == 200 and not all(t.done() for t in slow)
    results = await asyncio.gather(*slow)
    assert all(r.code == 200 for r in results)
