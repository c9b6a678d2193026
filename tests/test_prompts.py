from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from devgpt_magic.context import Context
from devgpt_magic.engine import Engine
from devgpt_magic.prompts import PromptBuilder
from devgpt_magic.prompts.examples import COMMAND_EXAMPLES, EXPLAIN_EXAMPLE
from devgpt_magic.schema import response_schema
from fake_vendor import Reply
from vendor_payloads import REGULAR_REPLY, openai_chat

CTX = Context(platform="Linux-6.1-x86_64", shell="zsh", now="Friday 2026-11-27 10:00 UTC", cwd="/home/dev/proj")


@pytest.fixture
def builder() -> PromptBuilder:
    return PromptBuilder(CTX)


@pytest.mark.parametrize("mode", ["regular", "fast"])
@pytest.mark.parametrize("shots", ["few", "zero"])
def test_instruct_prompt_parts(builder, mode, shots):
    p = builder.command("list big files", mode=mode, shots=shots)
    system = p.messages[0]
    assert system.role == "system"
    for part in ("Linux-6.1-x86_64", "zsh", "no GUI", "yes/no", "simplest"):
        assert part in system.content
    # the changing facts ride with the newest message, so the system text and examples stay a reusable prefix
    assert "2026-11-27" not in system.content
    assert p.messages[-1].content == "[Friday 2026-11-27 10:00 UTC · cwd /home/dev/proj]\nlist big files"
    assert ('"cmd_to_execute"' in system.content) == (mode == "regular")
    assert '"error": 1' in system.content
    assert p.messages[-1].role == "user"
    examples = p.messages[1:-1]
    assert len(examples) == (2 * len(COMMAND_EXAMPLES) if shots == "few" else 0)
    if shots == "few":
        replies = [json.loads(m.content) for m in examples if m.role == "assistant"]
        assert any(r.get("error") == 1 for r in replies)  # an invalid request among the examples
        if mode == "fast":
            assert all(set(r) == {"commands"} for r in replies if not r.get("error"))
        else:
            assert all("arg_explanations" in c for r in replies if not r.get("error") for c in r["commands"])


def test_base_model_transcript(builder):
    p = builder.command("list big files", mode="fast", base_model=True)
    assert p.is_completion and not p.messages
    assert p.text.endswith("Request: [Friday 2026-11-27 10:00 UTC · cwd /home/dev/proj] list big files\nResponse:")
    assert p.text.count("Request:") == len(COMMAND_EXAMPLES) + 1
    assert "\nRequest:" in p.stop


def test_explain_and_chat_prompts(builder):
    p = builder.explain("tar -xzf a.tgz")
    assert "each argument" in p.messages[0].content and p.messages[-1].content.endswith("]\ntar -xzf a.tgz")
    assert p.messages[1].content.endswith(EXPLAIN_EXAMPLE[0])
    shown = json.loads(p.messages[2].content)  # the explanation names no command: the user gave it
    assert set(shown) == {"explanation", "arguments"} and "-r" in shown["arguments"]
    assert p.task == "explain" and p.schema_ == response_schema("regular", explain=True)
    assert "cmd_to_execute" not in p.messages[0].content
    chat = builder.chat_system()
    assert chat.role == "system" and "Markdown" in chat.content and "zsh" in chat.content
    assert builder.chat_turn("hi") == "[Friday 2026-11-27 10:00 UTC · cwd /home/dev/proj]\nhi"


def test_static_prefix_identical_across_requests_and_minutes():
    """What llama.cpp reuses: everything before the newest message must not change between requests."""
    early = PromptBuilder(CTX).command("list files")
    later_ctx = CTX.model_copy(update={"now": "Friday 2026-11-27 10:07 UTC", "cwd": "/tmp"})
    later = PromptBuilder(later_ctx).command("show disk usage")
    assert early.messages[:-1] == later.messages[:-1]


def test_no_environment_values_in_prompts(monkeypatch):
    secret = "sk-secret-value-1234567890abcdef"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    monkeypatch.setenv("SOME_TOKEN", "tok-987654321")
    b = PromptBuilder()
    texts = [b.command("x").all_text(), b.command("x", mode="fast", base_model=True).all_text(),
             b.explain("ls").all_text(), b.chat_system().content]
    for text in texts:
        assert secret not in text and "tok-987654321" not in text


def test_examples_and_tuning_requests_are_not_from_evaluation_sets():
    from evaluation.suites import nl2sh_alfa
    from evaluation.tuning import DOABLE, IMPOSSIBLE

    folder = Path(__file__).resolve().parents[2] / "shared" / "eval" / "developergpt"
    eval_lines = set()
    for f in folder.glob("*.txt"):
        eval_lines |= {line.strip().lower() for line in f.read_text("utf-8").splitlines() if line.strip()}
    assert eval_lines, f"evaluation files not found in {folder}"
    eval_lines |= {item.request.strip().lower() for item in nl2sh_alfa()}
    for request in [r for r, _ in [*COMMAND_EXAMPLES, EXPLAIN_EXAMPLE]] + DOABLE + IMPOSSIBLE:
        assert request.lower() not in eval_lines


@pytest.mark.parametrize("mode", ["regular", "fast"])
def test_invalid_example_placement(builder, mode):
    def verdicts(prompt):
        return [json.loads(m.content).get("error", 0) for m in prompt.messages if m.role == "assistant"]

    first = verdicts(builder.command("x", mode=mode))
    last = verdicts(builder.command("x", mode=mode, invalid_example="last"))
    assert first[0] == 1 and sum(first) == 1
    assert last[-1] == 1 and sum(last) == 1 and len(last) == len(first)
    middle = verdicts(builder.command("x", mode=mode, invalid_example="middle"))
    assert middle[0] == middle[-1] == 0 and sum(middle) == 1
    assert verdicts(builder.command("x", mode=mode, invalid_example="none")) == [0] * (len(first) - 1)


def test_invalid_example_placement_reaches_the_model(vendor, monkeypatch):
    """The engine sends the examples in the model's registry order, unless a tuning run overrides it."""
    vendor.queue(Reply(200, openai_chat(REGULAR_REPLY)))
    monkeypatch.setenv("DEVGPT_OPENAI_BASE_URL", vendor.url + "/v1")
    engine = Engine(context=CTX)

    def verdicts() -> list[int]:
        sent = vendor.requests[-1].body["messages"]
        return [json.loads(m["content"]).get("error", 0) for m in sent if m["role"] == "assistant"]

    engine.suggest("find big logs", model="openai:m", use_cache=False)
    assert engine.resolve("openai:m").placement("regular") == "first" and verdicts()[0] == 1
    engine.suggest("find big logs", model="openai:m", use_cache=False, invalid_example="last")
    assert verdicts()[-1] == 1 and verdicts()[0] == 0


@pytest.mark.parametrize("reply", ["json", "fenced"])
def test_a_plan_reply_says_what_the_request_needs_first(builder, reply):
    """Techniques.plan: every fixed example shows what its request needs before the command (and, in JSON, before
    the refusal), in the reply format asked for, and the schema asks for needs. Regular mode has no plan."""
    from devgpt_magic.prompts.builder import FENCE_STOP
    from devgpt_magic.prompts.examples import NEEDS

    p = builder.command("list big files", mode="fast", plan=True, reply=reply)
    assert p.plan and ("# needs: <" if reply == "fenced" else '{"needs": "<') in p.messages[0].content
    replies = [m.content for m in p.messages[1:-1] if m.role == "assistant"]
    shown, refusals = [], 0
    for text in replies:
        if reply == "json":
            data = json.loads(text)
            assert list(data)[0] == "needs"  # written first: the command or the refusal follows from it
            assert list(data)[1:] in (["commands"], ["error", "explanation"])
            shown.append(data["needs"])
            refusals += data.get("error") == 1
        elif text.startswith("ERROR: "):
            refusals += 1
        else:  # the needs are a comment inside the block: a line before it would meet the stop sequence
            fence, comment, command, *rest = text.split("\n")
            assert fence == "```bash" and comment.startswith("# needs: ") and rest == ["```"]
            assert FENCE_STOP not in text.split(command)[0]
            shown.append(comment.removeprefix("# needs: "))
    assert refusals == 1
    assert sorted(shown) == sorted(NEEDS[r] for r, a in COMMAND_EXAMPLES if reply == "json" or a.get("error") != 1)
    assert (p.schema_ is not None and "needs" in json.dumps(p.schema_)) == (reply == "json")
    plain = builder.command("list big files", mode="fast", reply=reply)
    assert not plain.plan and "needs" not in json.dumps([m.content for m in plain.messages]).lower()
    regular = builder.command("list big files", mode="regular", plan=True)
    assert not regular.plan and "needs" not in json.dumps([m.content for m in regular.messages]).lower()


def test_every_example_has_its_needs_written():
    from devgpt_magic.prompts.examples import NEEDS

    assert set(NEEDS) == {request for request, _ in COMMAND_EXAMPLES}
