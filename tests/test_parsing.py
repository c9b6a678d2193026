"""The parser survives what models really send, and raises only ParseError otherwise."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devgpt_magic.errors import ParseError
from devgpt_magic.parsing import parse_suggestion


def parse(text: str, mode: str = "regular"):
    return parse_suggestion(text, request="req", mode=mode)  # type: ignore[arg-type]


REGULAR = {"input": "x", "error": 0, "commands": [
    {"seq": 2, "cmd_to_execute": "wc -l a.txt", "cmd_explanations": ["counts"], "arg_explanations": {"-l": "lines"}},
    {"seq": 1, "cmd_to_execute": "ls", "cmd_explanations": ["lists"], "arg_explanations": {}}]}


def test_regular_format_in_seq_order():
    s = parse(json.dumps(REGULAR))
    assert [c.command for c in s.commands] == ["ls", "wc -l a.txt"]
    assert s.commands[1].arguments == {"-l": "lines"} and s.commands[1].explanations == ["counts"]


def test_fast_format():
    assert [c.command for c in parse('{"commands": ["ls -a", "pwd"]}', "fast").commands] == ["ls -a", "pwd"]


def test_invalid_request():
    s = parse('{"input": "fly me", "error": 1, "explanation": "Not possible."}')
    assert s.is_invalid and s.invalid_reason == "Not possible." and not s.commands


@pytest.mark.parametrize("text", [
    'Here you go:\n```json\n{"commands": ["ls -a"]}\n```\nHope it helps!',
    'Sure! {"commands": ["ls -a"]} Anything else?',
    '{"commands": ["ls -a",],}',
    '```\n{"commands": ["ls -a"]}\n```',
    '{"commands": "ls -a"}',
    '{"command": "ls -a"}',
    '{"cmd": "ls -a", "description": "lists"}',
    '[{"command": "ls -a"}]',
    '{"commands": [["ls", "-a"]]}',
    '{"commands": ["ls", "-a"]}',
    '{"steps": [{"command": "ls -a", "explanation": "lists", "args": [{"arg": "-a", "description": "all"}]}]}',
    "{'commands': ['ls -a']}",
    '{"commands": ["`ls -a`"]}',
    '{"commands": ["$ ls -a"]}',
])
def test_messy_replies(text):
    assert parse(text, "fast").commands[0].command == "ls -a"


def test_unescaped_backslash_semicolon_kept_literally():
    s = parse('{"commands": ["find . -name \'*.log\' -exec rm {} \\\\;"]}', "fast")
    assert s.commands[0].command.endswith("{} \\;")
    s = parse('{"commands": ["find . -exec wc -l {} \\;"]}', "fast")  # the invalid JSON escape a model writes
    assert s.commands[0].command == "find . -exec wc -l {} \\;"


def test_arguments_as_list_of_strings_and_pairs():
    s = parse('{"commands": [{"cmd_to_execute": "ls -a", "arg_explanations": ["-a: all files"]}]}')
    assert s.commands[0].arguments == {"-a": "all files"}


@pytest.mark.parametrize("text", ["", "   ", "no json here", "{}", '{"commands": []}', "[]", "42", '"ls"',
                                  '{"error": 0}', '{"commands": [{"explanation": "no command"}]}'])
def test_unusable_replies_raise_parse_error_with_raw_text(text):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert "Raw model output" in str(info.value)
    assert info.value.raw_text == text


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_any_text_raises_only_parse_error(text):
    try:
        parse(text)
    except ParseError:
        pass


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["commands", "cmd", "command", "error", "explanation", "seq", "args", "x"]) | st.text(max_size=8),
        children, max_size=4),
    max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(json_values, st.sampled_from(["", "```json\n", "Sure: "]))
def test_any_json_shape_raises_only_parse_error(value, prefix):
    try:
        s = parse(prefix + json.dumps(value))
    except ParseError:
        return
    assert s.is_invalid or all(c.command.strip() for c in s.commands)


# --- the reply to "explain this command" -----------------------------------------------------------------------

def test_an_explanation_names_no_command_and_gets_the_users():
    from devgpt_magic.parsing import parse_explanation

    s = parse_explanation('{"explanation": "Extracts a.tgz into /tmp.", "arguments": {"-x": "extract", '
                          '"-C /tmp": "into /tmp"}}', command="tar -xzf a.tgz -C /tmp")
    [step] = s.commands
    assert step.command == "tar -xzf a.tgz -C /tmp" and step.explanations == ["Extracts a.tgz into /tmp."]
    assert step.arguments == {"-x": "extract", "-C /tmp": "into /tmp"}
    strict = parse_explanation('{"explanation": "Lists.", "arguments": [{"arg": "-l", "explanation": "long"}]}',
                               command="ls -l")
    assert strict.commands[0].arguments == {"-l": "long"}


def test_an_explanation_in_the_command_format_or_a_refusal_still_reads():
    """A model that ignores the schema (a cloud model without structured output) may answer the old way."""
    from devgpt_magic.parsing import parse_explanation

    old = parse_explanation(json.dumps(REGULAR), command="ls")
    assert [c.command for c in old.commands] == ["ls", "wc -l a.txt"] and old.commands[0].explanations == ["lists"]
    refusal = parse_explanation('{"input": "hello there", "error": 1, "explanation": "not a command"}',
                                command="hello there")
    assert refusal.is_invalid and refusal.invalid_reason == "not a command"
    strict = parse_explanation('{"explanation": "not a command", "arguments": [], "error": 1}', command="hello")
    assert strict.is_invalid and strict.invalid_reason == "not a command"  # the strict schema's refusal
    kept = parse_explanation('{"explanation": "Lists.", "arguments": {}, "commands": []}', command="ls")
    assert kept.commands[0].command == "ls" and kept.commands[0].explanations == ["Lists."]
    for empty in ("I cannot explain that.", "{}", '{"explanation": null}', '{"explanation": "", "arguments": {}}'):
        with pytest.raises(ParseError):  # worth the repair turn
            parse_explanation(empty, command="ls")


@settings(max_examples=300, deadline=None)
@given(json_values, st.sampled_from(["", "```json\n"]))
def test_any_explanation_shape_raises_only_parse_error(value, prefix):
    from devgpt_magic.parsing import parse_explanation

    try:
        s = parse_explanation(prefix + json.dumps(value), command="ls -l")
    except ParseError:
        return
    assert s.is_invalid or all(c.command.strip() for c in s.commands)


def _strict_ok(schema: dict) -> bool:
    """OpenAI's and Anthropic's strict structured outputs: every object closed, every property required."""
    if schema.get("type") == "object":
        props = schema.get("properties", {})
        if schema.get("additionalProperties") is not False or sorted(schema.get("required", [])) != sorted(props):
            return False
        return all(_strict_ok(p) for p in props.values())
    if schema.get("type") == "array":
        return _strict_ok(schema["items"])
    return "anyOf" not in schema


@pytest.mark.parametrize("mode, explain", [("regular", False), ("fast", False), ("regular", True)])
def test_reply_schemas_are_strict_where_vendors_need_it_and_hold_the_examples(mode, explain):
    import jsonschema

    from devgpt_magic.prompts.examples import EXPLAIN_EXAMPLE
    from devgpt_magic.schema import response_schema

    assert _strict_ok(response_schema(mode, strict=True, explain=explain))
    assert _strict_ok(response_schema(mode, strict=True, explain=explain, plan=True))
    if explain:
        for form in (response_schema(mode, explain=True), response_schema(mode, explain=True, bounded=True)):
            jsonschema.validate(EXPLAIN_EXAMPLE[1], form)
            jsonschema.validate({"input": "hi", "error": 1, "explanation": "not a command"}, form)
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.validate(REGULAR, form)  # the command is not asked for again


def test_a_plan_reply_is_read_for_its_command():
    """Techniques.plan: the needs come first and are not a command; the schema holds the examples' plan
    replies and refuses one without needs; in a fenced reply the needs are a comment, not a command."""
    import jsonschema

    from devgpt_magic.parsing import parse_fenced
    from devgpt_magic.prompts import PromptBuilder
    from devgpt_magic.schema import response_schema

    s = parse_suggestion('{"needs": "every log file; over 100MB", "commands": ["find . -name \'*.log\' -size +100M"]}',
                         request="r", mode="fast")
    assert [c.command for c in s.commands] == ["find . -name '*.log' -size +100M"]
    fenced = parse_fenced("```bash\n# needs: the files here, hidden ones too\nls -a", request="r")
    assert [c.command for c in fenced.commands] == ["ls -a"]
    with pytest.raises(ParseError):  # needs written, command not: worth the repair turn
        parse_fenced("```bash\n# needs: the files here, hidden ones too\n", request="r")
    refused = parse_suggestion('{"needs": "water for the plants", "error": 1, "explanation": "a physical task"}',
                               request="r", mode="fast")
    assert refused.invalid_reason == "a physical task" and not refused.commands
    prompt = PromptBuilder().command("r", mode="fast", plan=True)
    for form in (response_schema("fast", plan=True), response_schema("fast", plan=True, bounded=True)):
        for message in prompt.messages[1:-1]:
            if message.role == "assistant":
                jsonschema.validate(json.loads(message.content), form)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({"commands": ["ls"]}, form)
