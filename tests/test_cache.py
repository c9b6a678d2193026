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


def completion(text: str):
    from devgpt_magic.schema import Completion, Usage

    return Completion(text=text, usage=Usage(model="m", prompt_tokens=1, completion_tokens=1))


def test_bounded_least_recently_used_go_first(tmp_path):
    from devgpt_magic.cache import ResponseCache

    probe = ResponseCache(tmp_path / "probe", limit_bytes=10**9)
    probe.put("ab" * 32, completion("x" * 1000))
    entry = probe.info().size_bytes
    cache = ResponseCache(tmp_path / "c", limit_bytes=int(entry * 2.5))
    a, b, c = ("a1" * 32, "b2" * 32, "c3" * 32)
    cache.put(a, completion("x" * 1000))
    cache.put(b, completion("y" * 1000))
    now = os.stat(cache._path(b)).st_mtime
    os.utime(cache._path(a), (now - 100, now - 100))
    os.utime(cache._path(b), (now - 50, now - 50))
    assert cache.get(a).text == "x" * 1000  # a hit makes `a` the most recently used
    cache.put(c, completion("z" * 1000))
    assert cache.get(b) is None and cache.get(a) is not None and cache.get(c) is not None
    info = cache.info()
    assert info.entries == 2 and info.size_bytes <= info.max_bytes
    assert "2 cached replies" in str(info)


def test_zero_limit_keeps_nothing_and_bad_limit_is_one_line(tmp_path, monkeypatch, vendor):
    import pytest

    from devgpt_magic.cache import ResponseCache
    from devgpt_magic.errors import DevGPTError

    monkeypatch.setenv("DEVGPT_CACHE_MAX_MB", "0")
    cache = ResponseCache(tmp_path / "c")
    cache.put("ab" * 32, completion("x"))
    assert cache.get("ab" * 32) is None
    monkeypatch.setenv("DEVGPT_CACHE_MAX_MB", "lots")
    with pytest.raises(DevGPTError, match="DEVGPT_CACHE_MAX_MB='lots' is not a number"):
        ResponseCache(tmp_path / "c").get("ab" * 32)
    # a bad setting never stops an engine (or the server extension) from starting, and is caught before
    # the model is asked, so no answer or token count is lost
    vendor.queue(Reply(200, openai_chat(REGULAR_REPLY)))
    engine = make_engine(vendor, monkeypatch)
    with pytest.raises(DevGPTError, match="DEVGPT_CACHE_MAX_MB"):
        engine.suggest("find big logs", model="openai:m")
    assert vendor.requests == [] and engine.usage_totals() == {}


def test_cli_cache_info_and_bad_limit(vendor, monkeypatch):
    import subprocess
    import sys

    vendor.queue(Reply(200, openai_chat(REGULAR_REPLY)))
    make_engine(vendor, monkeypatch).suggest("find big logs", model="openai:m")
    out = subprocess.run([sys.executable, "-m", "devgpt_magic.cli", "cache"], capture_output=True, text=True,
                         env=dict(os.environ, DEVGPT_CACHE_MAX_MB="8"))
    assert out.returncode == 0 and "1 cached replies" in out.stdout and "of 8 MB" in out.stdout
    out = subprocess.run([sys.executable, "-m", "devgpt_magic.cli", "cache"], capture_output=True, text=True,
                         env=dict(os.environ, DEVGPT_CACHE_MAX_MB="8MB"))
    assert out.returncode != 0 and out.stderr.strip().count("\n") == 0 and "DEVGPT_CACHE_MAX_MB" in out.stderr



def test_folder_of_another_user_or_a_symlink_is_refused(vendor, monkeypatch, tmp_path):
    import pytest

    from devgpt_magic.errors import ConfigError

    vendor.queue(Reply(200, openai_chat(REGULAR_REPLY)))
    engine = make_engine(vendor, monkeypatch)
    folder = engine.cache.folder
    folder.mkdir(parents=True)
    if os.geteuid() == 0:  # root can hand the folder to someone else, as an attacker pre-creating it would
        os.chown(folder, 65534, 65534)
        with pytest.raises(ConfigError, match="belongs to another user") as info:
            engine.suggest("find big logs", model="openai:m")
        assert "\n" not in str(info.value) and "DEVGPT_CACHE_DIR" in str(info.value)
        assert vendor.requests == [] and engine.usage_totals() == {}  # refused before the model was asked
        with pytest.raises(ConfigError):
            engine.cache.info()
        folder.rmdir()
    elsewhere = tmp_path / "planted"
    elsewhere.mkdir()
    folder.symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(ConfigError, match="symbolic link"):
        engine.suggest("find big logs", model="openai:m")
    assert vendor.requests == [] and list(elsewhere.iterdir()) == []
    folder.unlink()
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o757)  # ours, but open to others: made private again
    engine.suggest("find big logs", model="openai:m")
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700 and len(vendor.requests) == 1
    assert len(list(folder.glob("*/*.json"))) == 1
