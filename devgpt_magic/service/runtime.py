"""Where the local model service lives on disk: one private folder per user, shared by every client.

The folder holds the Unix socket the service listens on, the random token every request must carry, the
service's description (pid, version, start time) and the lock that stops two clients from starting two
services at once. It is the user's own and 0700, so another local user can neither connect to the socket
(connecting needs search permission on every folder above it) nor read the token; the socket and the
token file are 0600 as well. A folder that someone else owns, or that is a symbolic link, is refused:
whoever controls it could stand in for the service and choose the commands it suggests.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError

#: Unix socket paths are limited to 107 bytes on Linux (103 on macOS).
_MAX_SOCKET_PATH = 100


def runtime_dir() -> Path:
    """``DEVGPT_RUNTIME_DIR``, else ``$XDG_RUNTIME_DIR/devgpt-magic``, else the user cache folder's ``run``."""
    configured = os.environ.get("DEVGPT_RUNTIME_DIR", "").strip()
    if configured:
        return Path(configured).expanduser()
    xdg = os.environ.get("XDG_RUNTIME_DIR", "").strip()
    if xdg and os.path.isdir(xdg):
        return Path(xdg) / "devgpt-magic"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("devgpt-magic")) / "run"


def private_dir(path: Path, what: str, setting: str) -> Path:
    """Create ``path`` as a 0700 folder of ours, or check that an existing one is ours and private."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.lstat()
    except OSError as exc:
        raise ConfigError(f"Cannot create the {what} folder {path} ({exc.strerror}): set {setting} to a folder "
                          f"you can write.") from None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"The {what} folder {path} is a link or not a folder: remove it or set {setting} to a "
                          f"folder of your own.")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise ConfigError(f"The {what} folder {path} belongs to another user (uid {info.st_uid}), who could "
                          f"impersonate it: remove it or set {setting} to a folder of your own.")
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(path, 0o700)
    return path


def write_private(path: Path, text: str) -> None:
    """Write a 0600 file atomically (a reader never sees half of it), never through a symbolic link."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


@dataclass(frozen=True)
class RuntimeFiles:
    """The service's files in one user's runtime folder."""

    folder: Path

    @classmethod
    def current(cls) -> "RuntimeFiles":
        return cls(private_dir(runtime_dir(), "local model service", "DEVGPT_RUNTIME_DIR"))

    @property
    def socket(self) -> Path:
        return self.folder / "service.sock"

    @property
    def token_file(self) -> Path:
        return self.folder / "service.token"

    @property
    def info_file(self) -> Path:
        return self.folder / "service.json"

    @property
    def lock_file(self) -> Path:
        return self.folder / "service.lock"

    @property
    def log_file(self) -> Path:
        return self.folder / "service.log"

    @property
    def crash_file(self) -> Path:
        return self.folder / "crashes.json"

    def check_socket_path(self) -> None:
        if len(str(self.socket)) > _MAX_SOCKET_PATH:
            raise ConfigError(f"The runtime folder path {self.folder} is too long for a Unix socket: set "
                              f"DEVGPT_RUNTIME_DIR to a shorter path.")

    def new_token(self) -> str:
        token = secrets.token_urlsafe(32)
        write_private(self.token_file, token)
        return token

    def token(self) -> str | None:
        try:
            return self.token_file.read_text("utf-8").strip() or None
        except OSError:
            return None

    def read_info(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.info_file.read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def write_info(self, info: dict[str, Any]) -> None:
        write_private(self.info_file, json.dumps(info, indent=1))

    def clear(self) -> None:
        """Remove what a stopped service left behind (not the lock, which others may hold)."""
        for path in (self.socket, self.info_file, self.token_file):
            try:
                path.unlink()
            except FileNotFoundError:
                pass


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but not ours
        return True
    return True
