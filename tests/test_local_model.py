"""The real SmolLM2-135M model in-process: constrained decoding makes every reply parse and validate."""

from __future__ import annotations


import pytest

from devgpt_magic.chat import ChatReply, ChatSession
from devgpt_magic.engine import Engine
from devgpt_magic.errors import ModelUnavailableError, RequestError
from devgpt_magic.parsing import load_json
from devgpt_magic.schema import Techniques

REQUESTS = [
    "list all files in this folder including hidden ones", "show how much disk space each folder here uses",
    "count the lines of every python file below src", "print the current git branch",
    "find log files bigger than 50MB under /var/log", "show the last 30 lines of server.log",
    "make a directory called output", "show which process listens on port 8080", "print my username",
    "compress the docs folder into docs.zip", "search for the word TODO in all markdown files",
    "show free memory", "list the ten most recently changed files", "copy config.yaml to config.bak",
    "show environment variable names", "download https://example.com/a.txt into /tmp",
    "delete every .pyc file below here", "rename notes.txt to notes.md", "show the python version",
    "sort names.txt and remove duplicate lines",
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    # module fixtures start before the per-test environment: give this engine its own empty response cache
    from devgpt_magic.cache import ResponseCache

    return Engine(cache=ResponseCache(tmp_path_factory.mktemp("responses")))


@pytest.mark.timeout(1500)  # 20 regular replies of the tiny model run to 300-550 tokens each on 2 busy cores
@pytest.mark.parametrize("mode, one_call", [("regular", False), ("fast", False), ("regular", True)])
def test_every_reply_parses_and_validates(engine, mode, one_call):
    """Regular mode explains after deciding (the preset), and in one call as a cloud model asks (the grammar
    of the regular reply still has to hold for a local model asked that way)."""
    how = Techniques(explain_after=False) if one_call else None
    results = [engine.suggest(r, mode=mode, techniques=how) for r in REQUESTS]
    assert len(results) >= 20
    for request, s in zip(REQUESTS, results):
        assert s.request == request and s.model == "smollm2-135m"
        assert s.is_invalid or (s.commands and all(c.command.strip() and c.risk for c in s.commands))
        assert s.usage.prompt_tokens > 0 and s.usage.completion_tokens > 0 and s.usage.cost_usd is None
        assert not s.usage.estimated
    # a request the tiny model cannot answer in one piece would need a repair call: none may need two
    assert sum(s.repaired for s in results) <= len(results) // 4
    commands = [s for s in results if not s.is_invalid]
    # the tiny model calls many plain requests invalid (about half in regular mode); all of them would mean a
    # prompt regression like the one the example order fixed (15 of 16 invalid)
    assert len(commands) >= len(results) // 4, "the few-shot prompt should steer requests to commands"


def test_zero_shot_and_explain(engine):
    s = engine.suggest("list files", mode="fast", shots="zero")
    assert s.is_invalid or s.commands
    e = engine.explain("tar -xzvf a.tgz -C /tmp", use_cache=False)
    assert e.is_invalid or e.commands[0].command == "tar -xzvf a.tgz -C /tmp"
    reply = load_json(e.raw_text)  # the grammar's explain shape: the command is not written again
    assert "cmd_to_execute" not in reply and ("arguments" in reply or reply.get("error") == 1)


def test_model_loaded_once(engine):
    from devgpt_magic.service.client import ServiceClient

    engine.suggest("print the date", mode="fast", use_cache=False)
    before = ServiceClient().status()
    engine.suggest("print the time", mode="fast", use_cache=False)
    after = ServiceClient().status()
    assert len(after["models"]) == 1 and after["pid"] == before["pid"]
    assert after["models"][0]["requests"] == before["models"][0]["requests"] + 1


def test_in_process_backend(monkeypatch):
    """DEVGPT_LOCAL_BACKEND=inprocess loads the model here, with the same loader and counts."""
    from devgpt_magic.service.inprocess import loaded_models

    monkeypatch.setenv("DEVGPT_LOCAL_BACKEND", "inprocess")
    s = Engine().suggest("print the date", mode="fast", use_cache=False)
    assert s.is_invalid or s.commands
    assert s.usage.prompt_tokens > 100 and not s.usage.estimated
    assert [p.name for p in loaded_models()] == ["SmolLM2-135M-Instruct.Q4_1.gguf"]


def test_usage_totals_accumulate(engine):
    before = engine.usage_totals().get("smollm2-135m")
    s = engine.suggest("show the date", mode="fast")
    after = engine.usage_totals()["smollm2-135m"]
    assert after.calls == (before.calls if before else 0) + s.usage.calls
    assert after.prompt_tokens == (before.prompt_tokens if before else 0) + s.usage.prompt_tokens


def test_chat_streams_and_remembers(engine):
    session = ChatSession()
    items = list(engine.chat(session, "What does the ls command do? One sentence."))
    chunks = [i for i in items if isinstance(i, str)]
    reply = items[-1]
    assert isinstance(reply, ChatReply) and len(chunks) > 1 and "".join(chunks) == reply.text
    assert len(session.messages) == 2
    engine.chat_text(session, "And cd?")
    assert len(session.messages) == 4


def test_interrupted_chat_changes_nothing(engine):
    session = ChatSession()
    engine.chat_text(session, "Say hi.")
    totals = engine.usage_totals()["smollm2-135m"]
    stream = engine.chat(session, "Write a long poem about shells.")
    next(stream)
    with pytest.raises(KeyboardInterrupt):
        stream.throw(KeyboardInterrupt)
    assert len(session.messages) == 2
    assert engine.usage_totals()["smollm2-135m"] == totals
    engine.chat_text(session, "Say bye.")  # the model still works after an interruption
    assert len(session.messages) == 4


def test_request_longer_than_context(engine):
    with pytest.raises(RequestError) as info:
        engine.suggest("list files " * 1700)  # under the character limit, over n_ctx
    assert "too long" in str(info.value)


def test_empty_and_huge_requests(engine):
    with pytest.raises(RequestError, match="Nothing to do"):
        engine.suggest("   ")
    with pytest.raises(RequestError, match="limit"):
        engine.suggest("x" * 50_000)


def test_missing_gguf_and_offline_preset(monkeypatch, tmp_path):
    monkeypatch.setenv("DEVGPT_LOCAL_MODEL", str(tmp_path / "absent.gguf"))
    with pytest.raises(ModelUnavailableError, match="DEVGPT_LOCAL_MODEL"):
        Engine().suggest("list files")
    monkeypatch.delenv("DEVGPT_LOCAL_MODEL")
    with pytest.raises(ModelUnavailableError) as info:
        Engine().suggest("list files", model="mistral-q4")
    assert "DEVGPT_LOCAL_MODEL" in str(info.value) and "\n" not in str(info.value)


def test_gguf_path_model(smollm2_path):
    s = Engine().suggest("show the date", model=f"gguf:{smollm2_path}", mode="fast")
    assert s.is_invalid or s.commands


@pytest.mark.parametrize("request_text", ["list the files in this folder, newest first",
                                          "count the lines of every python file here"])
def test_explain_after_gives_the_fast_command_explained(engine, request_text):
    """The real model: the regular answer's commands are exactly the fast answer's, now explained.

    Both are asked right after the same fast request, so llama.cpp starts each from the same cached prefix: a
    cold and a warm evaluation of one prompt can differ in the last bits, and the tiny model's greedy answer
    with them."""
    after = Techniques(explain_after=True)
    engine.suggest(request_text, model="smollm2", mode="fast", use_cache=False, techniques=after)
    fast = engine.suggest(request_text, model="smollm2", mode="fast", use_cache=False, techniques=after)
    regular = engine.suggest(request_text, model="smollm2", mode="regular", use_cache=False, techniques=after)
    assert [c.command for c in regular.commands] == [c.command for c in fast.commands]
    assert regular.mode == "regular" and regular.usage.calls >= 1 + len(fast.commands)


def test_a_seeded_sample_is_the_same_each_time(engine):
    """Candidates are drawn with seeds so that asking again settles the same way: llama.cpp must honour them.
    The prompt is evaluated once first, so that every sample starts from the same cached prefix."""
    from devgpt_magic.engine import SAMPLING_TEMPERATURE

    spec, provider = engine._ready("smollm2")
    prompt = engine.builder.command("count the lines of every python file here", mode="fast")
    provider.complete(prompt, max_tokens=60, temperature=0.0)

    def sample(seed: int) -> str:
        return provider.complete(prompt, max_tokens=60, temperature=SAMPLING_TEMPERATURE, seed=seed).text

    assert sample(7) == sample(7) == sample(7)
    assert len({sample(seed) for seed in range(1, 6)}) >= 2  # and the seeds do sample: not all the same answer


def test_a_plan_reply_names_its_needs_before_the_command(engine):
    """Techniques.plan through the real model: the grammar makes the reply say what the command must do before
    the command, and the command is still read from it."""
    plan = Techniques(plan=True)
    answered = 0
    for request_text in ("list the files in this folder, newest first", "show free memory"):
        s = engine.suggest(request_text, model="smollm2", mode="fast", use_cache=False, techniques=plan)
        data = load_json(s.raw_text)
        assert list(data)[0] == "needs" and (s.is_invalid or s.commands[0].command == data["commands"][0].strip())
        answered += not s.is_invalid
    assert answered  # the tiny model refuses none of these in fast mode; at least one reply is a command


def test_a_reply_cached_under_another_grammar_is_not_served(engine, monkeypatch):
    """The grammar is part of a cached reply's key: after it changes (a new version of the package), a reply
    it would no longer allow is asked again, not served from the cache."""
    from devgpt_magic.models import local_provider

    request_text = "print the name of the current folder"
    first = engine.suggest(request_text, model="smollm2", mode="fast")
    assert engine.suggest(request_text, model="smollm2", mode="fast").usage.cached
    before = local_provider.grammar_text
    monkeypatch.setattr(local_provider, "grammar_text",
                        lambda *args: before(*args).replace('cmdend "\\""', 'cmdend ws "\\""'))
    again = engine.suggest(request_text, model="smollm2", mode="fast")
    assert not again.usage.cached and not first.usage.cached
