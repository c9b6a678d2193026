"""The GBNF grammars, checked by llama.cpp's own grammar engine over the real SmolLM2 vocabulary (no model
weights are evaluated: only the vocabulary is loaded). A reply is fed character by character; the grammar must
admit every piece of a reply it should produce and refuse the first piece of one it should not."""

from __future__ import annotations

import ctypes
import json
import math

import pytest

from devgpt_magic.models.grammar import grammar_text
from devgpt_magic.prompts import PromptBuilder


@pytest.fixture(scope="module")
def vocabulary(smollm2_path):
    from llama_cpp import Llama

    return Llama(model_path=str(smollm2_path), vocab_only=True, verbose=False)


def admitted(vocabulary, grammar: str, text: str) -> int:
    """How many characters of ``text`` the grammar admits, in order, before it refuses one."""
    import llama_cpp.llama_cpp as capi
    from llama_cpp import LlamaGrammar

    parsed = LlamaGrammar.from_string(grammar, verbose=False)
    sampler = capi.llama_sampler_init_grammar(vocabulary._model.vocab, parsed._grammar.encode(), parsed._root.encode())
    one = (capi.llama_token_data * 1)()
    array = capi.llama_token_data_array(data=one, size=1, selected=-1, sorted=False)
    try:
        for count, char in enumerate(text):
            for token in vocabulary.tokenize(char.encode(), add_bos=False, special=False):
                one[0].id, one[0].logit, one[0].p = token, 1.0, 0.0
                array.size, array.selected = 1, -1
                capi.llama_sampler_apply(sampler, ctypes.byref(array))
                if math.isinf(one[0].logit):
                    return count
                capi.llama_sampler_accept(sampler, token)
        return len(text)
    finally:
        capi.llama_sampler_free(sampler)


@pytest.mark.parametrize("mode, task, plan", [("fast", "command", False), ("fast", "command", True),
                                              ("regular", "command", False), ("regular", "explain", False)])
def test_every_example_reply_is_one_the_grammar_admits(vocabulary, mode, task, plan):
    builder = PromptBuilder()
    prompt = builder.explain("ls") if task == "explain" else builder.command("r", mode=mode, plan=plan)
    replies = [m.content for m in prompt.messages[1:-1] if m.role == "assistant"]
    assert replies
    for reply in replies:
        json.loads(reply)
        assert admitted(vocabulary, grammar_text(mode, task, plan), reply) == len(reply), reply


@pytest.mark.parametrize("mode", ["fast", "regular"])
def test_a_command_cannot_end_in_a_space(vocabulary, mode):
    """The 1.5B model wrote ``-name "`` meaning to quote a value; a grammar that let the quote close the command
    left ``find ... -name`` and ``new*.sh`` as two commands. The quote after a space must be escaped instead."""
    head = '{"commands": ["' if mode == "fast" else '{"input": "r", "error": 0, "commands": [{"seq": 1, "cmd_to_execute": "'
    split = head + 'find /data -type f -name "'
    assert admitted(vocabulary, grammar_text(mode), split) == len(split) - 1  # the closing quote is refused
    for command in ('find /data -type f -name \\"new*.sh\\"', "find . -exec rm {} \\\\;", "ls -la", "a"):
        assert admitted(vocabulary, grammar_text(mode), head + command + '"') == len(head + command) + 1
