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


def test_a_new_vendor_is_one_class():
    """What adding a vendor takes: one Provider subclass (here an OpenAI-compatible vendor preset, as a
    module models/mistral_provider.py would hold) and, optionally, catalog rows. The registry, key checks
    and secret masking pick it up from the class."""
    from devgpt_magic.engine import Engine
    from devgpt_magic.errors import MissingKeyError
    from devgpt_magic.models.openai_provider import OpenAIProvider
    from devgpt_magic.models.providers import key_variables, register, unregister
    from devgpt_magic.secrets import redact

    class MistralProvider(OpenAIProvider):
        name = "mistral"
        vendor = "Mistral"
        key_env = ("MISTRAL_API_KEY",)
        url = "https://api.mistral.ai/v1"
        defaults = {"context_window": 128000, "max_output": 8192}
        servers = {}

    register(MistralProvider)
    try:
        spec = resolve("mistral:mistral-small-latest")
        assert spec.provider == "mistral" and spec.key_env == ("MISTRAL_API_KEY",) and spec.context_window == 128000
        assert "MISTRAL_API_KEY" in key_variables()
        assert spec.model_copy(update={"base_url": "http://127.0.0.1:9/v1"}).key_env == ("DEVGPT_COMPAT_API_KEY",)
        provider = MistralProvider(spec)
        assert provider.base_url == "https://api.mistral.ai/v1" and provider.is_official
        with pytest.raises(MissingKeyError, match="MISTRAL_API_KEY"):
            Engine().suggest("list files", model="mistral:mistral-small-latest")
        import os

        os.environ["MISTRAL_API_KEY"] = "mistral-secret-value-123"
        try:
            assert "mistral-secret-value-123" not in redact("key mistral-secret-value-123 leaked")
        finally:
            del os.environ["MISTRAL_API_KEY"]
    finally:
        unregister("mistral")
    with pytest.raises(UnknownModelError):
        resolve("mistral:mistral-small-latest")
