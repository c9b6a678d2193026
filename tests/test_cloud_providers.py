"""Cloud providers through their real SDKs against a loopback server that answers as each vendor documents.

Covers success (with provider-reported usage and cost), 401, 429-then-success, 500, timeout, a refused
connection, streaming, and that the key never shows in an error.
"""

from __future__ import annotations

import json

import pytest

from devgpt_magic.chat import ChatReply, ChatSession
from devgpt_magic.engine import Engine
from devgpt_magic.errors import ConfigError, MissingKeyError, ProviderError
from devgpt_magic.models.base import plain_http_elsewhere
from fake_vendor import Reply
from vendor_payloads import (REGULAR_REPLY, STRICT_REPLY, anthropic_error, anthropic_events, anthropic_message,
                             gemini_error, gemini_response, openai_chat, openai_chunks, openai_error)

FAST_RETRY = {"retry-after-ms": "10", "retry-after": "0"}

VENDORS = {
    # name: (model, key env, base-url env, ok reply, 401, 429, 500)
    "openai": ("openai:gpt-4o", "DEVGPT_COMPAT_API_KEY", "DEVGPT_OPENAI_BASE_URL",
               lambda: openai_chat(STRICT_REPLY), openai_error(401, "Incorrect API key provided", "invalid_request_error"),
               openai_error(429, "Rate limit reached", "requests"), openai_error(500, "server error", "server_error")),
    "gemini": ("flash", "GEMINI_API_KEY", "DEVGPT_GEMINI_BASE_URL", lambda: gemini_response(REGULAR_REPLY),
               gemini_error(401, "API key not valid.", "UNAUTHENTICATED"),
               gemini_error(429, "Resource has been exhausted", "RESOURCE_EXHAUSTED"),
               gemini_error(500, "Internal error", "INTERNAL")),
    "anthropic": ("haiku", "ANTHROPIC_API_KEY", "DEVGPT_ANTHROPIC_BASE_URL",
                  lambda: anthropic_message(STRICT_REPLY), anthropic_error("authentication_error", "invalid x-api-key"),
                  anthropic_error("rate_limit_error", "Number of requests has exceeded your rate limit"),
                  anthropic_error("api_error", "Internal server error")),
    "hf": ("mistral", "HF_TOKEN", "DEVGPT_HF_BASE_URL", lambda: openai_chat(REGULAR_REPLY, model="mistral"),
           {"error": "Invalid credentials in Authorization header"}, {"error": "Rate limit reached"},
           {"error": "Internal Server Error"}),
}


def hub_online(monkeypatch) -> None:
    """HF_HUB_OFFLINE blocks every huggingface_hub request, loopback included; the hub reads it once, at
    import, so an earlier test that imported it offline needs the constant reset too."""
    import huggingface_hub.constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)


@pytest.fixture(params=sorted(VENDORS))
def setup(request, vendor, monkeypatch, fake_key):
    name = request.param
    model, key_env, url_env, ok, e401, e429, e500 = VENDORS[name]
    monkeypatch.setenv(key_env, fake_key)
    hub_online(monkeypatch)
    base = vendor.url + ("/v1" if name == "openai" else "")
    monkeypatch.setenv(url_env, base)
    return name, model, ok, e401, e429, e500


def test_success_reports_usage_and_cost(setup, vendor):
    name, model, ok, *_ = setup
    vendor.queue(Reply(200, ok()))
    engine = Engine()
    s = engine.suggest("find big logs", model=model)
    assert s.commands[0].command == "find /var/log -type f -size +100M"
    assert s.usage.prompt_tokens > 0 and s.usage.completion_tokens > 0
    if name != "hf":  # HF bills compute time, so its catalog price is unknown
        assert not s.usage.estimated
        spec = engine.resolve(model)
        if spec.price_in:
            expected = (s.usage.prompt_tokens * spec.price_in + s.usage.completion_tokens * spec.price_out) / 1e6
            assert s.usage.cost_usd == pytest.approx(expected)
    assert engine.usage_totals()[s.model].calls == 1
    sent = vendor.requests[-1]
    text = str(sent.body)
    assert "find big logs" in text
    assert "cwd " in text and "Operating system" in text  # the context went with the prompt


def test_structured_output_requested(setup, vendor):
    name, model, ok, *_ = setup
    vendor.queue(Reply(200, ok()))
    Engine().suggest("find big logs", model=model)
    body = vendor.requests[-1].body
    if name == "gemini":
        cfg = body["generationConfig"]
        assert cfg["responseMimeType"] == "application/json" and "anyOf" in cfg["responseJsonSchema"]
    elif name == "anthropic":
        assert body["output_config"]["format"]["type"] == "json_schema"
    elif name == "hf":  # huggingface_hub rewrites json_schema into the hf-inference form
        fmt = body["response_format"]
        assert "anyOf" in (fmt.get("value") or fmt.get("json_schema", {}).get("schema"))
    else:  # a compatible server gets the widely supported json_object form with the schema
        assert body["response_format"]["type"] == "json_object" and "schema" in body["response_format"]


EXPLAINED = {"explanation": "Extracts a.tgz into /tmp.", "arguments": {"-x": "extract", "-C /tmp": "into /tmp"}}
STRICT_EXPLAINED = {"explanation": "Extracts a.tgz into /tmp.",
                    "arguments": [{"arg": "-x", "explanation": "extract"}, {"arg": "-C /tmp", "explanation": "into /tmp"}]}


def _sent_schema(name: str, body: dict) -> dict:
    if name == "gemini":
        return body["generationConfig"]["responseJsonSchema"]
    if name == "anthropic":
        return body["output_config"]["format"]["schema"]
    fmt = body["response_format"]
    return fmt.get("schema") or fmt.get("value") or fmt["json_schema"]["schema"]


def test_explain_asks_for_an_explanation_that_does_not_repeat_the_command(setup, vendor):
    """The explain reply names no command (the user gave it): every vendor is sent that schema, and its
    answer is read back onto the user's own command."""
    name, model, *_ = setup
    strict = name in ("openai", "anthropic")
    text = json.dumps(STRICT_EXPLAINED if strict else EXPLAINED)
    reply = {"openai": lambda: openai_chat(text), "anthropic": lambda: anthropic_message(text),
             "gemini": lambda: gemini_response(text), "hf": lambda: openai_chat(text, model="mistral")}[name]()
    vendor.queue(Reply(200, reply))
    e = Engine().explain("tar -xzf a.tgz -C /tmp", model=model)
    assert e.commands[0].explanations == ["Extracts a.tgz into /tmp."] and e.commands[0].arguments["-x"] == "extract"
    sent = json.dumps(_sent_schema(name, vendor.requests[-1].body))
    assert '"arguments"' in sent and "cmd_to_execute" not in sent


def test_a_plan_reply_is_asked_of_every_vendor(setup, vendor):
    """Techniques.plan in fast mode: every vendor is sent a schema whose reply says what the command must do
    (strict vendors: needs among the required fields), and the command is read from the reply."""
    from devgpt_magic.schema import Techniques

    name, model, *_ = setup
    strict = name in ("openai", "anthropic")
    answer = {"needs": "log files; over 100MB", "commands": ["find . -name '*.log' -size +100M"]}
    if strict:
        answer = {**answer, "input": "find big logs", "error": 0, "explanation": ""}
    text = json.dumps(answer)
    reply = {"openai": lambda: openai_chat(text), "anthropic": lambda: anthropic_message(text),
             "gemini": lambda: gemini_response(text), "hf": lambda: openai_chat(text, model="mistral")}[name]()
    vendor.queue(Reply(200, reply))
    s = Engine().suggest("find big logs", model=model, mode="fast", techniques=Techniques(plan=True))
    assert [c.command for c in s.commands] == ["find . -name '*.log' -size +100M"]
    sent = _sent_schema(name, vendor.requests[-1].body)
    answering = [form for form in sent.get("anyOf", [sent]) if "commands" in form.get("properties", {})]
    assert answering and all("needs" in form["required"] for form in answering)


def test_401_gives_one_line_naming_the_variable(setup, vendor, fake_key):
    name, model, ok, e401, *_ = setup
    vendor.queue(Reply(401, e401))
    with pytest.raises(ProviderError) as info:
        Engine().suggest("find big logs", model=model)
    message = str(info.value)
    assert "401" in message and "\n" not in message
    assert fake_key not in message
    assert len(vendor.requests) == 1  # auth failures are not retried


def test_429_then_success_is_retried(setup, vendor):
    name, model, ok, e401, e429, e500 = setup
    vendor.queue(Reply(429, e429, headers=FAST_RETRY), Reply(200, ok()))
    s = Engine().suggest("find big logs", model=model)
    assert s.commands and len(vendor.requests) == 2


def test_500_retried_then_clear_error(setup, vendor, monkeypatch):
    name, model, ok, e401, e429, e500 = setup
    monkeypatch.setenv("DEVGPT_MAX_RETRIES", "1")
    vendor.queue(Reply(500, e500, headers=FAST_RETRY))
    engine = Engine()
    with pytest.raises(ProviderError) as info:
        engine.suggest("find big logs", model=model)
    assert "500" in str(info.value) and "try again later" in str(info.value)
    assert len(vendor.requests) == 2
    assert engine.usage_totals() == {}  # a failed call changes no totals


def test_timeout(setup, vendor, monkeypatch):
    name, model, ok, *_ = setup
    monkeypatch.setenv("DEVGPT_TIMEOUT", "1")
    monkeypatch.setenv("DEVGPT_MAX_RETRIES", "0")
    vendor.queue(Reply(200, ok(), delay=3))
    with pytest.raises(ProviderError) as info:
        Engine().suggest("find big logs", model=model)
    assert "did not answer within 1 s" in str(info.value)


def test_connection_refused(setup, monkeypatch):
    name, model, *_ = setup
    from support import free_port

    monkeypatch.setenv("DEVGPT_MAX_RETRIES", "0")
    hub_online(monkeypatch)
    url = f"http://127.0.0.1:{free_port()}" + ("/v1" if name == "openai" else "")
    env = {"openai": "DEVGPT_OPENAI_BASE_URL", "gemini": "DEVGPT_GEMINI_BASE_URL",
           "anthropic": "DEVGPT_ANTHROPIC_BASE_URL", "hf": "DEVGPT_HF_BASE_URL"}[name]
    monkeypatch.setenv(env, url)
    with pytest.raises(ProviderError) as info:
        Engine().suggest("find big logs", model=model)
    assert "Cannot connect" in str(info.value)


def test_missing_key_names_variable(monkeypatch):
    for model, var in (("gpt4o", "OPENAI_API_KEY"), ("flash", "GEMINI_API_KEY"), ("sonnet", "ANTHROPIC_API_KEY"),
                       ("zephyr", "HF_TOKEN")):
        with pytest.raises(MissingKeyError) as info:
            Engine().suggest("list files", model=model)
        assert var in str(info.value) and "notebook" not in str(info.value)


def test_openai_streaming_chat(vendor, monkeypatch):
    monkeypatch.setenv("DEVGPT_OPENAI_BASE_URL", vendor.url + "/v1")
    vendor.queue(Reply(200, events=openai_chunks(["Use ", "`du -sh`", "."])))
    session = ChatSession()
    items = list(Engine().chat(session, "how big is this folder?", model="openai:gpt-4o"))
    assert [i for i in items if isinstance(i, str)] == ["Use ", "`du -sh`", "."]
    assert isinstance(items[-1], ChatReply) and items[-1].text == "Use `du -sh`."
    assert len(session.messages) == 2


def test_anthropic_streaming_chat(vendor, monkeypatch, fake_key):
    monkeypatch.setenv("ANTHROPIC_API_KEY", fake_key)
    monkeypatch.setenv("DEVGPT_ANTHROPIC_BASE_URL", vendor.url)
    vendor.queue(Reply(200, events=anthropic_events(["Hello", " there"])))
    reply = Engine().chat_text(ChatSession(), "hi", model="haiku")
    assert reply.text == "Hello there" and reply.usage.completion_tokens == 2
    headers = vendor.requests[-1].headers
    assert fake_key in (headers.get("x-api-key", "") + headers.get("authorization", ""))


def test_gemini_streaming_chat(vendor, monkeypatch, fake_key):
    monkeypatch.setenv("GEMINI_API_KEY", fake_key)
    monkeypatch.setenv("DEVGPT_GEMINI_BASE_URL", vendor.url)
    vendor.queue(Reply(200, events=[gemini_response("Hel", 10, 1), gemini_response("lo", 10, 2)]))
    reply = Engine().chat_text(ChatSession(), "hi", model="flash")
    assert reply.text == "Hello"
    assert "streamGenerateContent" in vendor.requests[-1].path


def test_openai_key_not_sent_to_compatible_server(vendor, monkeypatch, fake_key):
    monkeypatch.setenv("OPENAI_API_KEY", fake_key)
    monkeypatch.setenv("DEVGPT_OPENAI_BASE_URL", vendor.url + "/v1")
    vendor.queue(Reply(200, openai_chat(REGULAR_REPLY)))
    Engine().suggest("find big logs", model="openai:my-model", use_cache=False)
    assert fake_key not in str(vendor.requests[-1].headers)
    monkeypatch.setenv("DEVGPT_SEND_OPENAI_KEY", "1")  # the user's explicit opt-in
    Engine().suggest("find big logs", model="openai:my-model", use_cache=False)
    assert vendor.requests[-1].headers["authorization"] == f"Bearer {fake_key}"


@pytest.mark.parametrize("name", sorted(VENDORS))
def test_no_vendor_key_over_plain_http_off_this_machine(name, vendor, monkeypatch, fake_key):
    """A gateway URL with http:// on another host would carry the key in clear text: refused before any
    request, with a line that says what to do and never shows the key. Loopback stays allowed (the fake
    vendor here is on loopback and gets the key)."""
    model, key_env, url_env, ok, *_ = VENDORS[name]
    hub_online(monkeypatch)
    if name == "openai":  # the OpenAI key goes to another server only on the user's explicit opt-in
        monkeypatch.setenv("OPENAI_API_KEY", fake_key)
        monkeypatch.setenv("DEVGPT_SEND_OPENAI_KEY", "1")
        model = "openai:my-model"
    else:
        monkeypatch.setenv(key_env, fake_key)
    monkeypatch.setenv(url_env, "http://gateway.example.com" + ("/v1" if name == "openai" else ""))
    seen = len(vendor.requests)
    with pytest.raises(ConfigError) as info:
        Engine().suggest("find big logs", model=model, use_cache=False)
    assert "plain http to gateway.example.com" in str(info.value) and "https://" in str(info.value)
    assert fake_key not in str(info.value) and len(vendor.requests) == seen
    monkeypatch.setenv(url_env, vendor.url + ("/v1" if name == "openai" else ""))
    vendor.queue(Reply(200, ok()))
    Engine().suggest("find big logs", model=model, use_cache=False)
    assert fake_key in str(vendor.requests[-1].headers)


@pytest.mark.parametrize("url, elsewhere", [
    (None, False), ("https://gateway.example.com", False), ("http://127.0.0.1:8080/v1", False),
    ("http://127.8.0.1", False), ("http://[::1]:11434", False), ("http://localhost:8000", False),
    ("http://gateway.example.com", True), ("http://10.0.0.5:8000/v1", True), ("http://[fe80::1]", True),
    ("HTTP://Gateway.Example.com", True), ("http://localhost.evil.com", True),
])
def test_plain_http_elsewhere(url, elsewhere):
    assert plain_http_elsewhere(url) is elsewhere


def test_garbage_then_repair(vendor, monkeypatch):
    monkeypatch.setenv("DEVGPT_OPENAI_BASE_URL", vendor.url + "/v1")
    vendor.queue(Reply(200, openai_chat("I think you should use find.")), Reply(200, openai_chat(REGULAR_REPLY)))
    engine = Engine()
    s = engine.suggest("find big logs", model="openai:m")
    assert s.repaired and s.commands
    repair_turn = vendor.requests[-1].body["messages"]
    assert repair_turn[-2]["content"] == "I think you should use find."
    assert "could not be used" in repair_turn[-1]["content"]
    assert engine.usage_totals()["openai:m"].calls == 2


def test_garbage_twice_fails_with_raw_text(vendor, monkeypatch):
    from devgpt_magic.errors import ParseError

    monkeypatch.setenv("DEVGPT_OPENAI_BASE_URL", vendor.url + "/v1")
    vendor.queue(Reply(200, openai_chat("no idea")))
    engine = Engine()
    with pytest.raises(ParseError) as info:
        engine.suggest("find big logs", model="openai:m")
    assert "no idea" in str(info.value) and "after one repair attempt" in str(info.value)
    assert len(vendor.requests) == 2 and engine.usage_totals() == {}


def test_truncated_reply_is_repaired(vendor, monkeypatch):
    monkeypatch.setenv("DEVGPT_OPENAI_BASE_URL", vendor.url + "/v1")
    vendor.queue(Reply(200, openai_chat('{"commands": ["find /var/log -si', finish="length")),
                 Reply(200, openai_chat(REGULAR_REPLY)))
    s = Engine().suggest("find big logs", model="openai:m")
    assert s.repaired and s.commands[0].command.endswith("+100M")


@pytest.mark.parametrize("name", ["openai", "anthropic", "gemini", "hf"])
def test_a_stopped_chat_hangs_up_on_the_vendor(name, vendor, monkeypatch, fake_key):
    """Closing a streamed reply (Stop in the panel, a client that left) closes the vendor's connection at once, so
    the vendor stops generating; it is not left streaming into a socket nobody reads until a GC pass."""
    import time

    model, key_env, url_env = VENDORS[name][:3]
    if name == "hf":
        hub_online(monkeypatch)
    monkeypatch.setenv(key_env, fake_key)
    monkeypatch.setenv(url_env, vendor.url + ("/v1" if name == "openai" else ""))
    pieces = [f"Line {n}.\n" for n in range(400)]
    events = {"openai": lambda: openai_chunks(pieces), "hf": lambda: openai_chunks(pieces, model="mistral"),
              "anthropic": lambda: anthropic_events(pieces),
              "gemini": lambda: [gemini_response(p, 10, n + 1) for n, p in enumerate(pieces)]}[name]()
    vendor.queue(Reply(200, events=events, event_delay=0.02))
    session = ChatSession()
    stream = Engine().chat(session, "tell me everything", model=model)
    received = [piece for piece, _ in zip(stream, range(5))]
    assert "".join(received).startswith("Line 0.")
    stream.close()
    deadline = time.time() + 5
    while time.time() < deadline and not vendor.hangups:
        time.sleep(0.05)
    assert vendor.hangups and vendor.hangups[0] < 100 and not session.messages
