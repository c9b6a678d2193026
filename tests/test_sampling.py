"""Checked grammar sampling: the same tokens as llama-cpp-python's grammar chain, with the real SmolLM2.

Answers are compared between two requests made one after the other with the same prompt, so that both start
from the same cache state (a first, cold request evaluates the prompt in another batch shape, and llama.cpp's
logits then differ in the last bits).
"""

from __future__ import annotations

import json
import threading

import pytest

from devgpt_magic.errors import ConfigError
from devgpt_magic.models.grammar import MAX_REPLY_TOKENS, grammar_text
from devgpt_magic.parsing import _fix_escapes
from devgpt_magic.service.cpu import report
from devgpt_magic.service.host import ModelHost
from devgpt_magic.service.sampling import CheckedGrammarSampler, checked_sampling_enabled

MESSAGES = [{"role": "system", "content": "You answer in JSON with shell commands and explain each argument."},
            {"role": "user", "content": "find log files over 100MB under /var/log and compress them"}]


@pytest.fixture(scope="module")
def host():
    models = ModelHost(report(), max_models=1, cache_root=None)
    yield models
    models.close()


def _answer(host: ModelHost, path: str, *, checked: bool, grammar: str, temperature: float = 0.0,
            messages: list[dict] = MESSAGES, max_tokens: int = 160) -> tuple[str, CheckedGrammarSampler | None]:
    model = host.get(path, 2048)
    model.llm.checked_grammar = checked
    model.llm.last_sampler = None
    body = {"model": path, "n_ctx": 2048, "messages": messages, "max_tokens": max_tokens, "temperature": temperature,
            "repeat_penalty": 1.1, "seed": 7, "grammar": grammar}
    text = "".join((choice.get("delta") or {}).get("content") or ""
                   for chunk in host.generate("chat", body, threading.Event()) for choice in chunk.get("choices") or [])
    return text, model.llm.last_sampler


@pytest.mark.parametrize("mode", ["fast", "regular"])
def test_checked_sampling_gives_the_stock_chains_tokens(host, smollm2_path, mode):
    path = str(smollm2_path)
    _answer(host, path, checked=False, grammar=grammar_text(mode))  # warm the prompt
    stock, none = _answer(host, path, checked=False, grammar=grammar_text(mode))
    checked, sampler = _answer(host, path, checked=True, grammar=grammar_text(mode))
    assert none is None and sampler is not None
    assert checked == stock
    assert sampler.checked > 0
    json.loads(checked)  # the grammar held: a complete JSON reply


def test_a_refused_token_is_sampled_again_under_the_grammar(host, smollm2_path):
    """A grammar the model would never follow by itself: every first choice is refused, the reply is still
    exactly what the grammar allows (the full-vocabulary path, token by token)."""
    text, sampler = _answer(host, str(smollm2_path), checked=True, grammar='root ::= "qx" [0-9] [0-9] "-zz"')
    assert text.startswith("qx") and text.endswith("-zz") and text[2:4].isdigit() and len(text) == 7
    assert sampler.refused >= 1


def test_sampling_at_a_temperature_stays_inside_the_grammar(host, smollm2_path):
    for seed_request in ("list files", "count lines in every .py file", "show disk usage"):
        messages = [MESSAGES[0], {"role": "user", "content": seed_request}]
        text, sampler = _answer(host, str(smollm2_path), checked=True, grammar=grammar_text("fast"),
                                temperature=0.8, messages=messages, max_tokens=MAX_REPLY_TOKENS["fast"])
        # the grammar admits a backslash before any character (``\\;``); the parser keeps such a one literally;
        # the product's token budget always fits a whole reply of the grammar
        reply = json.loads(_fix_escapes(text))
        assert ("commands" in reply) or reply.get("error") == 1
        assert sampler.checked + sampler.refused > 0


def test_the_setting(monkeypatch):
    monkeypatch.delenv("DEVGPT_GRAMMAR_SAMPLING", raising=False)
    assert checked_sampling_enabled()
    monkeypatch.setenv("DEVGPT_GRAMMAR_SAMPLING", "FULL")
    assert not checked_sampling_enabled()
    monkeypatch.setenv("DEVGPT_GRAMMAR_SAMPLING", "lazy")
    with pytest.raises(ConfigError, match="use checked or full"):
        checked_sampling_enabled()
