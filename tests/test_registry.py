from __future__ import annotations

import pytest

from devgpt_magic.errors import UnknownModelError
from devgpt_magic.models.registry import all_models, resolve

SEED_ALIASES = ["gemini", "flash", "gpt35", "gpt4", "gpt4o", "haiku", "sonnet", "mistral", "zephyr", "gemma",
                "gemma-base", "mistral-q6", "mistral-q4", "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"]


@pytest.mark.parametrize("name", SEED_ALIASES)
def test_seed_names_resolve(name):
    spec = resolve(name)
    assert spec.context_window > 0 and spec.max_output > 0
    assert spec.is_local or spec.key_env


def test_default_is_local_smollm2():
    spec = resolve(None)
    assert spec.is_local and spec.name == "smollm2-135m" and not spec.needs_key


def test_selection_order(monkeypatch, tmp_path):
    monkeypatch.setenv("DEVGPT_MODEL", "haiku")
    assert resolve(None).name == "claude-haiku-4-5"
    assert resolve("gpt4o").name == "gpt-4o"  # an explicit flag wins
    gguf = tmp_path / "m.gguf"
    monkeypatch.delenv("DEVGPT_MODEL")
    monkeypatch.setenv("DEVGPT_LOCAL_MODEL", str(gguf))
    assert resolve("local").model_path == str(gguf)


def test_provider_prefix_and_gguf():
    assert resolve("openai:o3").provider == "openai" and resolve("openai:o3").model_id == "o3"
    assert resolve("gemini:gemini-3-pro").provider == "gemini"
    assert resolve("anthropic:claude-x").key_env == ("ANTHROPIC_API_KEY",)
    assert resolve("hf:org/model").model_id == "org/model"
    assert resolve("gguf:/tmp/a.gguf").model_path == "/tmp/a.gguf"
    ollama = resolve("ollama:llama3.2")
    assert ollama.base_url.startswith("http://127.0.0.1:11434") and not ollama.needs_key
    assert resolve("openai:gpt-4o").name == "gpt-4o"  # a known id maps onto its catalog entry (and price)


def test_unknown_model_lists_close_names():
    with pytest.raises(UnknownModelError) as info:
        resolve("gtp4o")
    assert "gpt4o" in str(info.value)
    with pytest.raises(UnknownModelError):
        resolve("nosuchvendor:model")


def test_cost_arithmetic():
    spec = resolve("gpt4o")
    assert spec.cost(1_000_000, 0) == pytest.approx(2.50)
    assert spec.cost(1000, 500) == pytest.approx((1000 * 2.5 + 500 * 10) / 1e6)
    assert resolve("mistral").cost(10, 10) is None  # HF bills compute time, not tokens


def test_catalog_is_consistent():
    names = [m.name for m in all_models()]
    assert len(names) == len(set(names))
    for m in all_models():
        assert (m.price_in is None) == (m.price_out is None)
