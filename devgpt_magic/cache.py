"""On-disk cache of model replies for identical requests at temperature 0.

Keyed by the model, its endpoint, the full prompt and the generation parameters. The clock time in the
prompt's context is reduced to the date, so the same request gives the same answer all day. Files live
in the user's cache folder, readable by the user only (folder 0700, files 0600). A cached reply becomes
a suggested command, so the folder must be the user's own: one that another user created (or a symbolic
link) is refused with a one-line error, since whoever can write there chooses what the cache answers; a
folder of ours that others can read or write is made private again.

The cache is bounded (``DEVGPT_CACHE_MAX_MB``, default 64 MB): a hit refreshes a file's time, and each write
evicts the least recently used replies beyond the bound, so a busy kernel never fills the disk.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError
from .models.registry import ModelSpec
from .prompts import Prompt
from .schema import Completion
from .settings import cache_root


def cache_dir() -> Path:
    return cache_root() / "responses"


DEFAULT_MAX_MB = 64.0


def max_bytes() -> int:
    """The size bound from ``DEVGPT_CACHE_MAX_MB``; a value that is not a number is a one-line error."""
    raw = os.environ.get("DEVGPT_CACHE_MAX_MB", "").strip()
    try:
        megabytes = float(raw) if raw else DEFAULT_MAX_MB
    except ValueError:
        raise ConfigError(f"DEVGPT_CACHE_MAX_MB={raw!r} is not a number: set it to a size in MB, "
                         "e.g. 64, or 0 to keep nothing.") from None
    return max(0, int(megabytes * 1024 * 1024))


@dataclass(frozen=True)
class CacheInfo:
    folder: Path
    entries: int
    size_bytes: int
    max_bytes: int

    def __str__(self) -> str:
        mb = 1024 * 1024
        return (f"{self.entries} cached replies, {self.size_bytes / mb:.2f} MB of {self.max_bytes / mb:.0f} MB "
                f"(DEVGPT_CACHE_MAX_MB) in {self.folder}")


class ResponseCache:
    def __init__(self, folder: Path | None = None, limit_bytes: int | None = None) -> None:
        self.folder = folder or cache_dir()
        self._limit = limit_bytes
        #: Bytes on disk as of the last scan plus this process's writes since; scanning every write would
        #: cost ~0.1 s per 10,000 replies, so the folder is scanned only when this passes the bound.
        self._estimate: int | None = None

    @property
    def max_bytes(self) -> int:
        """Read when the cache is used, not when it is made: a bad setting must not stop an Engine (or the
        Jupyter server extension) from starting, only show as a one-line error where the cache is used."""
        return max_bytes() if self._limit is None else self._limit

    @staticmethod
    def key(spec: ModelSpec, prompt: Prompt, *, max_tokens: int, temperature: float, clock: str = "",
            day: str = "", seed: int | None = None, constraint: str = "") -> str:
        text = prompt.model_dump_json(by_alias=True)
        if clock:
            text = text.replace(clock, day)
        fields = {"model": spec.name, "id": spec.model_id, "provider": spec.provider, "base_url": spec.base_url,
                  "path": spec.model_path, "prompt": text, "max_tokens": max_tokens, "temperature": temperature}
        if seed is not None:  # only sampled calls have one: greedy calls keep the keys they always had
            fields["seed"] = seed
        if constraint:  # a local grammar: a reply made under another one is not this call's reply
            fields["constraint"] = constraint
        payload = json.dumps(fields, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    def checked_folder(self) -> bool:
        """True when the folder exists and is safe to use; False when it does not exist yet.

        Raises :class:`ConfigError` (one line, says what to do) for a folder that is a symbolic link, not a
        folder, or owned by another user; a folder of ours with a wider mode is set back to 0700.
        """
        try:
            info = os.lstat(self.folder)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise ConfigError(f"The response cache folder {self.folder} cannot be read ({exc.strerror}): set "
                              "DEVGPT_CACHE_DIR to a folder of your own, or use --no-cache.") from None
        if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
            what = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a folder"
            raise ConfigError(f"The response cache folder {self.folder} is {what}; remove it or set "
                              "DEVGPT_CACHE_DIR to a folder of your own (or use --no-cache).")
        if info.st_uid != os.geteuid():
            raise ConfigError(f"The response cache folder {self.folder} belongs to another user (uid "
                              f"{info.st_uid}), who could plant answers in it: remove it or set DEVGPT_CACHE_DIR to "
                              "a folder of your own (or use --no-cache).")
        if stat.S_IMODE(info.st_mode) != 0o700:
            try:
                os.chmod(self.folder, 0o700)
            except OSError as exc:
                raise ConfigError(f"The response cache folder {self.folder} is open to other users and cannot be "
                                  f"made private ({exc.strerror}): run chmod 700 on it.") from None
        return True

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> Completion | None:
        self.max_bytes  # noqa: B018 - checks the setting before the model is asked, so no answer is lost in put
        if not self.checked_folder():  # before the model is asked, too
            return None
        path = self._path(key)
        try:
            completion = Completion.model_validate_json(path.read_text("utf-8"))
            os.utime(path)  # recently used: evicted last
            return completion
        except (OSError, ValueError):
            return None

    def put(self, key: str, completion: Completion) -> None:
        path = self._path(key)
        try:
            if not self.checked_folder():
                self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                if not self.checked_folder():
                    return
            path.parent.mkdir(exist_ok=True, mode=0o700)
            os.chmod(path.parent, 0o700)
            tmp = path.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(completion.model_dump_json())
            os.replace(tmp, path)
            if self._estimate is not None:
                self._estimate += path.stat().st_size
            if self._estimate is None or self._estimate > self.max_bytes:
                self._evict()
        except (OSError, ConfigError):
            pass  # a cache that cannot write is only slower; get() already told the user why

    def _entries(self) -> list[tuple[float, int, Path]]:
        """(last use, size, path) of every cached reply."""
        found = []
        for file in self.folder.glob("*/*.json"):
            try:
                info = file.stat()
            except OSError:  # removed meanwhile by another kernel
                continue
            found.append((info.st_mtime, info.st_size, file))
        return found

    def _evict(self) -> None:
        entries = self._entries()
        total = sum(size for _, size, _ in entries)
        for _, size, file in sorted(entries, key=lambda entry: entry[0]):
            if total <= self.max_bytes:
                break
            try:
                file.unlink()
            except OSError:
                continue
            total -= size
        self._estimate = total

    def info(self) -> CacheInfo:
        entries = self._entries() if self.checked_folder() else []
        return CacheInfo(self.folder, len(entries), sum(size for _, size, _ in entries), self.max_bytes)

    def clear(self) -> int:
        removed = 0
        self._estimate = None
        if not self.checked_folder():
            return 0
        for file in self.folder.glob("*/*.json"):
            try:
                file.unlink()
                removed += 1
            except OSError:
                pass
        return removed
