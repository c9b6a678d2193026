"""Who may use the panel's API and with what: authorisation, users' conversations, the model field, the bounded
pool, and clients that go away mid-generation (a real Jupyter server, the real tiny local model)."""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import uuid
from pathlib import Path

import pytest
from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.identity import PasswordIdentityProvider, User
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from devgpt_magic.server.handlers import NOT_ALLOWED

pytest_plugins = ["pytest_jupyter.jupyter_server"]

USERS = {"alice-token-Qm4": "alice", "bob-token-Zp8": "bob", "restricted-token-Kc2": "restricted",
         "nocode-token-Vw7": "nocode"}


class PanelUsers(PasswordIdentityProvider):
    """Jupyter's token login, plus three users with their own tokens (as a hub or a proxy would give them)."""

    def get_user(self, handler):  # noqa: ANN001, ANN201 - jupyter_server's signature
        name = USERS.get(self.get_token(handler) or "")
        if name:
            handler._token_authenticated = True
            return User(username=name)
        return super().get_user(handler)


class NoDevGPTForRestricted(Authorizer):
    """Everyone may do everything, except that the user "restricted" may not touch the devgpt resource, and
    "nocode" may use devgpt but not run code in kernels."""

    asked: list[tuple[str, str, str]] = []

    def is_authorized(self, handler, user, action, resource):  # noqa: ANN001, ANN201
        self.asked.append((user.username, action, resource))
        if user.username == "nocode":
            return resource != "kernels"
        return not (resource == "devgpt" and user.username == "restricted")


@pytest.fixture
def extra_models(tmp_path: Path) -> Path:
    folder = tmp_path / "extra-models"
    folder.mkdir()
    return folder


@pytest.fixture
def jp_server_config(extra_models: Path):
    return {"ServerApp": {"jpserver_extensions": {"devgpt_magic": True}, "identity_provider_class": PanelUsers,
                          "authorizer_class": NoDevGPTForRestricted},
            "DevGPTServer": {"allowed_gguf_dirs": [str(extra_models)], "max_workers": 1, "max_waiting": 1}}


@pytest.fixture
def settings(jp_serverapp, http_server_client):  # noqa: ARG001 - the client fixture makes the server listen
    """The extension's state in the running server (engine, pool, conversations), for looking inside."""
    return jp_serverapp.web_app.settings


async def call(jp_fetch, path, body=None, method=None, **kwargs):
    kwargs.setdefault("request_timeout", 600)
    if body is not None:
        kwargs["body"] = body if isinstance(body, str) else json.dumps(body)
    return await jp_fetch("devgpt", *path.split("/"), method=method or ("POST" if body is not None else "GET"),
                          **kwargs)


async def as_user(port, base_url, token, path, body=None, method=None, params=""):
    """A request with a user's own token (not the server's shared one)."""
    url = f"http://127.0.0.1:{port}{base_url}devgpt/{path}{params}"
    return await AsyncHTTPClient().fetch(url, method=method or ("POST" if body is not None else "GET"),
                                         body=None if body is None else json.dumps(body), request_timeout=600,
                                         headers={"Authorization": f"token {token}"}, raise_error=True)


async def refused(coro) -> tuple[int, str]:  # noqa: ANN001 - a request
    with pytest.raises(HTTPClientError) as info:
        await coro
    error = json.loads(info.value.response.body)["error"]
    assert "\n" not in error
    return info.value.code, error


# --- authorisation ---------------------------------------------------------------------------------------------
ROUTES = [("models", None, "GET", ""), ("suggest", {"request": "list files"}, None, ""),
          ("explain", {"command": "ls"}, None, ""), ("chat", {"message": "hi"}, None, ""),
          ("chat", None, "DELETE", "?conversation_id=abc")]


async def test_every_route_refuses_a_user_the_authorizer_denies(jp_fetch, jp_http_port, jp_base_url):
    NoDevGPTForRestricted.asked.clear()
    for path, body, method, params in ROUTES:
        status, error = await refused(as_user(jp_http_port, jp_base_url, "restricted-token-Kc2", path, body, method,
                                              params))
        assert status == 403 and error == NOT_ALLOWED, path
    assert {(a, r) for u, a, r in NoDevGPTForRestricted.asked if u == "restricted"} == {
        ("read", "devgpt"), ("execute", "devgpt"), ("write", "devgpt")}
    # the same routes answer the server's token holder and another user (a blank request: no model call needed)
    assert (await call(jp_fetch, "models")).code == 200
    status, error = await refused(call(jp_fetch, "suggest", {"request": " "}))
    assert status == 400 and "Nothing to do" in error
    response = await as_user(jp_http_port, jp_base_url, "alice-token-Qm4", "chat", method="DELETE",
                             params="?conversation_id=abc")
    assert json.loads(response.body) == {"conversation_id": "abc", "cleared": False}


async def test_preview_needs_the_right_to_run_code(jp_fetch, jp_http_port, jp_base_url, jp_root_dir):
    """A preview runs the command and shows its output: a user allowed DevGPT but not kernels gets a 403 (and
    nothing runs); the same request from a user who may run code is answered."""
    marker = jp_root_dir / "preview-ran.txt"
    body = {"command": f"cat /etc/hostname; echo ran > {marker}"}
    status, error = await refused(as_user(jp_http_port, jp_base_url, "nocode-token-Vw7", "preview", body))
    assert status == 403 and "kernels permission" in error
    assert ("nocode", "execute", "kernels") in NoDevGPTForRestricted.asked
    response = await as_user(jp_http_port, jp_base_url, "alice-token-Qm4", "preview", body)
    assert "preview" in json.loads(response.body)
    assert not marker.exists()  # a preview, not a run


async def test_previews_at_once_are_bounded(jp_fetch, monkeypatch):
    from devgpt_magic import preview as preview_module
    from devgpt_magic.server import handlers

    started, release = threading.Event(), threading.Event()
    real = preview_module.preview

    def slow_preview(*args, **kwargs):  # noqa: ANN002, ANN003
        started.set()
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(preview_module, "preview", slow_preview)
    running = [asyncio.ensure_future(call(jp_fetch, "preview", {"command": "true"}))
               for _ in range(handlers.MAX_PREVIEWS)]
    await asyncio.get_running_loop().run_in_executor(None, started.wait, 30)
    await asyncio.sleep(0.2)
    status, error = await refused(call(jp_fetch, "preview", {"command": "true"}))
    assert status == 503 and "previews are already running" in error
    release.set()
    assert all(r.code == 200 for r in await asyncio.gather(*running))
    assert (await call(jp_fetch, "preview", {"command": "true"})).code == 200  # the slots were given back


# --- conversations ---------------------------------------------------------------------------------------------
async def test_another_users_conversation_id_neither_continues_nor_clears_it(jp_http_port, jp_base_url, settings):
    store = settings["devgpt_conversations"]
    alice = store.acquire("user:alice", "plan-7")
    alice.commit("my secret plan", "noted")
    store.release("user:alice", "plan-7")
    response = await as_user(jp_http_port, jp_base_url, "bob-token-Zp8", "chat", method="DELETE",
                             params="?conversation_id=plan-7")
    assert json.loads(response.body)["cleared"] is False
    response = await as_user(jp_http_port, jp_base_url, "bob-token-Zp8", "chat",
                             {"message": "Say hello in two words.", "conversation_id": "plan-7"})
    done = [json.loads(line) for line in response.body.decode().splitlines()][-1]
    assert done["type"] == "done" and done["conversation_id"] == "plan-7" and isinstance(done["truncated"], bool)
    assert done["html"].startswith("<div class='devgpt-markdown'>")  # rendered as the notebook renders it
    assert "secret plan" not in response.body.decode()
    assert [m.content for m in store.get("user:alice", "plan-7").messages] == ["my secret plan", "noted"]
    assert store.get("user:bob", "plan-7").messages[0].content == "Say hello in two words."
    response = await as_user(jp_http_port, jp_base_url, "alice-token-Qm4", "chat", method="DELETE",
                             params="?conversation_id=plan-7")
    assert json.loads(response.body)["cleared"] is True and store.get("user:bob", "plan-7").messages


@pytest.mark.parametrize("method,body,params", [
    ("POST", {"message": "hi", "conversation_id": "../../etc"}, ""),
    ("POST", {"message": "hi", "conversation_id": "x" * 65}, ""),
    ("POST", {"message": "hi", "conversation_id": 7}, ""),
    ("DELETE", None, "a%20b"),
    ("DELETE", None, ""),
])
async def test_bad_conversation_id(jp_fetch, method, body, params):
    status, error = await refused(call(jp_fetch, "chat", body, method=method, params={"conversation_id": params}
                                       if method == "DELETE" else None))
    assert status == 400 and "conversation_id" in error


@pytest.mark.parametrize("path,body,message", [
    ("suggest", {"request": ["list", "files"]}, "request must be a string"),
    ("explain", {"command": {"cmd": "ls"}}, "command must be a string"),
    ("chat", {"message": 42}, "message must be a string"),
    ("suggest", {"request": "list files", "shots": "many"}, "shots must be 'few' or 'zero'"),
    ("suggest", {"request": "list files", "mode": 1}, "mode must be 'regular' or 'fast'"),
])
async def test_bad_field_types(jp_fetch, path, body, message):
    status, error = await refused(call(jp_fetch, path, body))
    assert status == 400 and message in error


async def test_oversized_body_is_refused(jp_fetch):
    status, error = await refused(call(jp_fetch, "suggest", {"request": "x" * 1_100_000}))
    assert status == 413 and "limit" in error


# --- the model field -------------------------------------------------------------------------------------------
@pytest.fixture
def no_download(monkeypatch):
    """Fail the test if anything tries a hub download (a local-only lookup is fine)."""
    import huggingface_hub

    tried = []
    real = huggingface_hub.hf_hub_download

    def guarded(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if not kwargs.get("local_files_only"):
            tried.append(args)
            raise AssertionError("a download was attempted")
        return real(*args, **kwargs)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", guarded)
    yield tried
    assert tried == []


def models_folder() -> Path:
    return Path(os.environ["DEVGPT_MODELS_DIR"])


@pytest.mark.parametrize("model,message", [
    (42, "model must be a string"),
    (["gpt-4o"], "model must be a string"),
    ({"name": "local"}, "model must be a string"),
    ("x" * 400, "the limit is 300"),
    ("gtp4o", "Did you mean"),
    ("gguf:/etc/passwd", "outside the models folder"),
    ("gguf:/tmp/elsewhere/model.gguf", "outside the models folder"),
    ("gguf:{models}/../outside.gguf", "outside the models folder"),
    ("local:/etc/passwd", "outside the models folder"),
    ("gguf:{models}/notes.txt", "not a .gguf file"),
    ("gguf:{models}/missing.gguf", "No GGUF file at"),
    ("qwen", "qwen2.5-coder-1.5b is not downloaded: run `devgpt models pull qwen2.5-coder-1.5b`"),
    ("gemma3-270m-base", "not downloaded: run `devgpt models pull gemma3-270m-base`"),
    ("ollama:llama3", "only for the configured default model"),
    ("vllm:any", "only for the configured default model"),
    ("llamacpp:any", "only for the configured default model"),
    ("anthropic:claude-3-opus", "not one of the panel's models"),
    ("openai:o3", "not one of the panel's models"),
])
async def test_bad_model_field(jp_fetch, no_download, model, message):
    if isinstance(model, str):
        model = model.replace("{models}", str(models_folder()))
    for path, field in (("suggest", "request"), ("explain", "command"), ("chat", "message")):
        status, error = await refused(call(jp_fetch, path, {field: "ls", "model": model}))
        assert status == 400 and message in error, (path, error)


async def test_openai_with_a_base_url_only_as_the_configured_default(jp_fetch, monkeypatch):
    monkeypatch.setenv("DEVGPT_OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    status, error = await refused(call(jp_fetch, "suggest", {"request": "ls", "model": "openai:my-model"}))
    assert status == 400 and "only for the configured default model" in error and "127.0.0.1" not in error
    monkeypatch.setenv("DEVGPT_MODEL", "openai:my-model")  # the owner's choice: allowed (then the engine runs)
    status, error = await refused(call(jp_fetch, "suggest", {"request": " ", "model": "openai:my-model"}))
    assert status == 400 and "Nothing to do" in error


async def test_a_default_that_is_not_downloaded_never_downloads(jp_fetch, no_download, monkeypatch):
    monkeypatch.setenv("DEVGPT_MODEL", "qwen")
    status, error = await refused(call(jp_fetch, "suggest", {"request": "list files"}))
    assert status == 400 and "not downloaded: run `devgpt models pull qwen2.5-coder-1.5b`" in error
    data = json.loads((await call(jp_fetch, "models")).body)
    row = next(m for m in data["models"] if m["name"] == "qwen2.5-coder-1.5b")
    assert row["default"] and not row["selectable"] and row["reason"] == "not downloaded"


async def test_gguf_files_inside_allowed_folders_and_the_configured_default_are_accepted(
        jp_fetch, smollm2_path, extra_models, monkeypatch):
    """A blank request gets the engine's "Nothing to do": the model passed the panel's checks."""
    inside = models_folder() / "sub" / "tiny.gguf"
    inside.parent.mkdir(parents=True)
    inside.symlink_to(smollm2_path)  # the owner's own link inside the models folder
    (extra_models / "tiny.gguf").symlink_to(smollm2_path)
    for model in (f"gguf:{inside}", f"gguf:{models_folder()}/sub/../sub/tiny.gguf", f"local:{inside}",
                  f"gguf:{extra_models / 'tiny.gguf'}", "local", "tiny", "SmolLM2"):
        status, error = await refused(call(jp_fetch, "suggest", {"request": " ", "model": model}))
        assert status == 400 and "Nothing to do" in error, (model, error)
    outside = f"gguf:{smollm2_path}"  # outside every allowed folder: only as the configured default
    status, error = await refused(call(jp_fetch, "suggest", {"request": " ", "model": outside}))
    assert "outside the models folder" in error
    monkeypatch.setenv("DEVGPT_MODEL", outside)
    status, error = await refused(call(jp_fetch, "suggest", {"request": " ", "model": outside}))
    assert status == 400 and "Nothing to do" in error
    data = json.loads((await call(jp_fetch, "models")).body)
    assert data["default"] == outside and data["models"][0]["name"] == outside and data["models"][0]["selectable"]


async def test_a_configured_gguf_path_is_matched_with_its_case(jp_fetch, smollm2_path, tmp_path, monkeypatch):
    """The configured default may be outside the models folder; another file whose path differs only in case is
    another file, and must pass the folder check itself (the listing once matched paths without case)."""
    for folder in ("Outside", "outside"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "m.gguf").symlink_to(smollm2_path)
    configured = f"gguf:{tmp_path / 'Outside' / 'm.gguf'}"
    monkeypatch.setenv("DEVGPT_MODEL", configured)
    status, error = await refused(call(jp_fetch, "suggest", {"request": " ", "model": configured}))
    assert status == 400 and "Nothing to do" in error
    other = f"gguf:{tmp_path / 'outside' / 'm.gguf'}"
    status, error = await refused(call(jp_fetch, "suggest", {"request": " ", "model": other}))
    assert status == 400 and "outside the models folder" in error


async def test_models_say_which_can_be_chosen_and_why_not(jp_fetch, monkeypatch, fake_key):
    monkeypatch.setenv("OPENAI_API_KEY", fake_key)
    text = (await call(jp_fetch, "models")).body.decode()
    assert fake_key not in text
    data = json.loads(text)
    rows = {m["name"]: m for m in data["models"]}
    for row in rows.values():  # the keys the panel reads are still there
        assert {"name", "aliases", "provider", "local", "key_env", "key_present", "default", "available",
                "selectable", "reason"} <= row.keys()
    def shown(name):  # noqa: ANN001, ANN202
        return {k: rows[name][k] for k in ("available", "selectable", "reason")}

    assert shown("smollm2-135m") == {"available": True, "selectable": True, "reason": None}
    assert shown("gpt-4o") == {"available": True, "selectable": True, "reason": None}
    assert shown("claude-haiku-4-5") == {"available": True, "selectable": False, "reason": "needs ANTHROPIC_API_KEY"}
    assert shown("qwen2.5-coder-1.5b") == {"available": False, "selectable": False, "reason": "not downloaded"}


# --- busy, and clients that go away ----------------------------------------------------------------------------
class RawRequest:
    """An HTTP request on a socket of its own, so the test can hang up in the middle of the reply."""

    def __init__(self, port: int, base_url: str, auth: dict[str, str], path: str, body: dict) -> None:
        self.port, self.base_url, self.auth, self.path, self.body = port, base_url, auth, path, body
        self.received = b""

    async def send(self) -> RawRequest:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        payload = json.dumps(self.body).encode()
        head = (f"POST {self.base_url}devgpt/{self.path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                f"Authorization: {self.auth['Authorization']}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\n\r\n")
        self.writer.write(head.encode() + payload)
        await self.writer.drain()
        return self

    async def read_until(self, marker: bytes, timeout: float = 300) -> None:
        deadline = time.time() + timeout
        while marker not in self.received:
            assert time.time() < deadline, f"no {marker!r} in {self.received[-300:]!r}"
            chunk = await asyncio.wait_for(self.reader.read(4096), timeout=deadline - time.time())
            assert chunk, f"connection closed: {self.received[-300:]!r}"
            self.received += chunk

    def hang_up(self) -> None:
        self.writer.close()


async def until(condition, timeout: float = 60.0, what: str = "condition") -> None:  # noqa: ANN001
    deadline = time.time() + timeout
    while not await asyncio.to_thread(condition):
        assert time.time() < deadline, f"{what} not met within {timeout} s"
        await asyncio.sleep(0.05)


def generating() -> int:
    from devgpt_magic.service.client import ServiceClient

    status = ServiceClient().status()
    return status["generating"] if status else 0


async def test_busy_server_refuses_and_a_chat_whose_client_left_stops_generating(
        jp_fetch, jp_http_port, jp_base_url, jp_auth_header, settings):
    """One worker, one waiting place (this module's config): a long chat runs, a suggest waits, the next is 503.
    The waiting client hangs up (its place is freed at once), then the chat's client does: the local model stops
    mid-reply, the conversation is not committed, and the server answers the next request."""
    calls, store = settings["devgpt_calls"], settings["devgpt_conversations"]
    cid = "poem-" + uuid.uuid4().hex[:8]
    chat = await RawRequest(jp_http_port, jp_base_url, jp_auth_header, "chat", {
        "message": "Write a very long poem about the shell, at least forty lines.", "conversation_id": cid}).send()
    await chat.read_until(b'"type": "delta"')
    assert calls.running == 1 and await asyncio.to_thread(generating) == 1
    waiting = await RawRequest(jp_http_port, jp_base_url, jp_auth_header, "suggest",
                               {"request": f"list the files of folder {uuid.uuid4().hex}"}).send()
    await until(lambda: calls.waiting == 1, what="the suggest waits")
    with pytest.raises(HTTPClientError) as info:
        await call(jp_fetch, "suggest", {"request": "show the date"})
    assert info.value.code == 503 and info.value.response.headers["Retry-After"] == "5"
    assert json.loads(info.value.response.body) == {
        "error": "busy: 1 request is waiting for the model; try again in a moment."}
    waiting.hang_up()
    await until(lambda: calls.waiting == 0, timeout=10, what="the waiting call leaves the line")
    assert calls.cancelled == 1
    chat.hang_up()
    await until(lambda: generating() == 0, timeout=15, what="the local model stops generating")
    await until(lambda: calls.running == 0, timeout=15, what="the worker is free")
    assert calls.cancelled == 2 and store.get("\0server-token", cid).messages == []  # cut short: nothing kept
    assert (await call(jp_fetch, "models")).code == 200  # the server answers on
    response = await call(jp_fetch, "chat", method="DELETE", params={"conversation_id": cid})
    assert json.loads(response.body)["cleared"] is True  # and the conversation is free again


async def test_a_suggest_whose_client_left_stops_generating(jp_fetch, jp_http_port, jp_base_url, jp_auth_header,
                                                            settings):
    """The engine checks ``cancel`` when a piece arrives, so the stop comes with the first token after the hang-up
    (after the prompt is processed: seconds on a busy machine), never at the end of the reply."""
    calls = settings["devgpt_calls"]
    request = await RawRequest(jp_http_port, jp_base_url, jp_auth_header, "suggest", {
        "request": f"find every file named report-{uuid.uuid4().hex[:6]}.txt under the home folder and explain "
                   f"each option in detail", "mode": "regular"}).send()
    await until(lambda: generating() == 1, timeout=120, what="the local model starts")
    request.hang_up()
    await until(lambda: calls.running == 0, timeout=120, what="the call ends")
    assert calls.cancelled == 1  # it ended with CancelledError: stopped mid-reply, not run to the end
    await until(lambda: generating() == 0, timeout=5, what="the local model stops generating")
    assert (await call(jp_fetch, "models")).code == 200
