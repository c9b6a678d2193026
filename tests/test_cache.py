"""The response cache: identical temperature-0 requests are answered from disk, privately, at no token cost."""

from __future__ import annotations

import os
import stat

from devgpt_magic.context import Context
from devgpt_magic.engine import Engine
from fake_vendor import Reply
from vendor_payloads import REGULAR_REPLY, openai_chat


def make_engine(vendor, monkeypatch, now="Friday 2026-11-27 10:00 UTC") -> Engine:
    monkeypatch.setenv("DEVGPT_OPENAI_BASE_URL", vendor.url + "/v1")
    return Engine(context=Context(platform="Linux", shell="bash", now=now, cwd="/p"))


def test_second_identical_request_is_cached(vendor, monkeypatch, tmp_path):
    vendor.queue(Reply(200, openai_chat(REGULAR_REPLY)))
    engine = make_engine(vendor, monkeypatch)
    first = engine.suggest("find big logs", model="openai:m")
    second = engine.suggest("find big logs", model="openai:m")
    assert len(vendor.requests) == 1
    assert second.usage.cached and not first.usage.cached
    assert second.commands == first.commands
    totals = engine.usage_totals()["openai:m"]
    assert totals.calls == 2 and totals.prompt_tokens == first.usage.prompt_tokens  # cached costs no tokens
    # later the same day (another minute), still cached; another day, not
    make_engine(vendor, monkeypatch, now="Friday 2026-11-27 17:42 UTC").suggest("find big logs", model="openai:m")
    assert len(vendor.requests) == 1
    make_engine(vendor, monkeypatch, now="Saturday 2026-11-28 09:00 UTC").suggest("find big logs", model="openai:m")
    assert len(vendor.requests) == 2


def test_no_cache_and_temperature_bypass(vendor, monkeypatch):
    vendor.queue(Reply(200, openai_chat(REGULAR_REPLY)))
    engine = make_engine(vendor, monkeypatch)
    engine.suggest("find big logs", model="openai:m")
    engine.suggest("find big logs", model="openai:m", use_cache=False)
    engine.suggest("find big logs", model="openai:m", temperature=0.7)
    assert len(vendor.requests) == 3


def test_files_private_and_clear(vendor, monkeypatch):
    vendor.queue(Reply(200, openai_chat(REGULAR_REPLY)))
    engine = make_engine(vendor, monkeypatch)
    engine.suggest("find big logs", model="openai:m")
    files = list(engine.cache.folder.glob("*/*.json"))
    assert len(files) == 1
    assert stat.S_IMODE(os.stat(files[0]).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(engine.cache.folder).st_mode) == 0o700
    assert engine.cache.clear() == 1
    engine.suggest("find big logs", model="openai:m")
    assert len(vendor.requests) == 2


def test_cli_cache_clear(vendor, monkeypatch):
    import subprocess
    import sys

    vendor.queue(Reply(200, openai_chat(REGULAR_REPLY)))
    make_engine(vendor, monkeypatch).suggest("find big logs", model="openai:m")
    out = subprocess.run([sys.executable, "-m", "devgpt_magic.cli", "cache", "clear"], capture_output=True,
                         text=True, env=dict(os.environ))
    assert "Removed 1 cached replies" in out.stdout
