"""A conversation that remembers earlier turns and fits the model's context window.

History holds only user and assistant turns; the system prompt is rebuilt for each call (the date and
cwd move on). Trimming drops the oldest whole exchanges, never half of one, and never the system prompt.
A turn is committed only after its reply is complete, so a failed or interrupted reply leaves the
history exactly as it was.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from .errors import DevGPTError
from .schema import Message, Usage
from .secrets import redact


class ChatReply(BaseModel):
    text: str
    model: str
    usage: Usage
    dropped_exchanges: int = 0
    #: the reply was cut off at the token limit (front ends say so)
    truncated: bool = False
    notice: str | None = None


class ChatSession(BaseModel):
    messages: list[Message] = Field(default_factory=list)

    @property
    def exchanges(self) -> list[tuple[Message, Message]]:
        pairs = []
        for i in range(0, len(self.messages) - 1, 2):
            pairs.append((self.messages[i], self.messages[i + 1]))
        return pairs

    def window(self, system: Message, user_text: str, *, budget: int, count: Callable[[str], int],
               sent_text: str | None = None) -> tuple[list[Message], int]:
        """Messages to send (system, the newest exchanges that fit, the new user turn) and how many were dropped."""
        fixed = count(system.content) + count(user_text) + 8
        kept: list[tuple[Message, Message]] = []
        used = fixed
        for user, assistant in reversed(self.exchanges):
            cost = count(user.content) + count(assistant.content) + 8
            if used + cost > budget:
                break
            kept.append((user, assistant))
            used += cost
        kept.reverse()
        messages = [system]
        for user, assistant in kept:
            messages += [user, assistant]
        messages.append(Message(role="user", content=sent_text or user_text))
        return messages, len(self.exchanges) - len(kept)

    def commit(self, user_text: str, reply_text: str) -> None:
        self.messages += [Message(role="user", content=user_text), Message(role="assistant", content=reply_text)]

    def reset(self) -> None:
        self.messages.clear()

    def save(self, path: str | Path, *, force: bool = False) -> Path:
        """Write the turns to a JSON file readable by the user only (0600); credentials are masked in case a
        user pasted one into a message.

        A history holds what the user told the model, so it is never written through a symbolic link (which
        could point anywhere, e.g. into another user's files) and never replaces an existing file unless
        ``force`` is given; in every refusal nothing is written and the current file stays as it was.
        """
        target = Path(path).expanduser()
        data = [{"role": m.role, "content": redact(m.content)} for m in self.messages]
        payload = json.dumps({"version": 1, "messages": data}, indent=1, ensure_ascii=False).encode("utf-8")
        try:
            existing = os.lstat(target)
        except FileNotFoundError:
            existing = None
        except OSError as exc:
            raise DevGPTError(f"Cannot save the history to {target}: {exc.strerror}.") from None
        if existing is not None:
            if stat.S_ISLNK(existing.st_mode):
                raise DevGPTError(f"{target} is a symbolic link; nothing was saved. Save to the real path instead.")
            if not stat.S_ISREG(existing.st_mode):
                raise DevGPTError(f"{target} exists and is not a regular file; nothing was saved. Pick another name.")
            if not force:
                raise DevGPTError(f"{target} already exists; nothing was saved. Add --force to replace it, or pick "
                                  "another name.")
        try:
            if existing is None:
                _write_new(target, payload)
            else:
                _replace(target, payload)
        except FileExistsError:  # created meanwhile, or a symbolic link planted meanwhile
            raise DevGPTError(f"{target} appeared while saving; nothing was saved. Save again (with --force to "
                              "replace it).") from None
        except OSError as exc:
            raise DevGPTError(f"Cannot save the history to {target}: {exc.strerror}; nothing was saved.") from None
        return target

    def load(self, path: str | Path) -> int:
        """Replace the history with a saved one; on any problem the current history stays untouched."""
        source = Path(path).expanduser()
        try:
            data = json.loads(source.read_text("utf-8"))
            messages = [Message(**m) for m in data["messages"]]
        except FileNotFoundError:
            raise DevGPTError(f"No history file at {source}: check the path.") from None
        except (ValueError, KeyError, TypeError, ValidationError):
            raise DevGPTError(f"{source} is not a devgpt history file (saved with history --save).") from None
        if [m.role for m in messages] != ["user", "assistant"] * (len(messages) // 2) or len(messages) % 2:
            raise DevGPTError(f"{source} does not alternate user and assistant turns; nothing was loaded.")
        self.messages = messages
        return len(messages) // 2


def _write_new(target: Path, payload: bytes) -> None:
    """Create ``target`` (0600); fails if anything, a symbolic link included, is there already."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o600)  # whatever the umask
            f.write(payload)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _replace(target: Path, payload: bytes) -> None:
    """Replace ``target`` atomically with a new 0600 file: a failure leaves the old file whole, and a symbolic
    link planted meanwhile is replaced, never followed."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)  # 0600, O_EXCL
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
