"""Chat conversations of the panel, kept in server memory: bounded, and private to the user who started them.

A browser tab that never clears its conversation, or a script that invents a new id per request, must not
grow the server without bound; and one user must not read, continue or clear another's conversation by
guessing its id. So conversations are stored per user (another user's id simply is not found), the number
per user and the number of users are capped (least recently used forgotten first), and each history is
capped in messages and characters (oldest whole exchanges dropped first; the engine trims separately what
it sends to the model).
"""

from __future__ import annotations

import re
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field

from ..chat import ChatSession

#: what a conversation id may look like: short, URL- and log-safe
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def new_id() -> str:
    """A fresh id nobody can guess, for a chat request that names no conversation."""
    return uuid.uuid4().hex


def valid_id(value: object) -> bool:
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


class ConversationBusy(Exception):
    """The conversation is answering another message; a second reply at once would interleave the history."""


@dataclass
class _Entry:
    session: ChatSession = field(default_factory=ChatSession)
    busy: bool = False


class ConversationStore:
    """Conversations by (user, id). Used from the event loop only: no lock needed."""

    def __init__(self, *, per_user: int = 64, users: int = 256, max_messages: int = 200,
                 max_chars: int = 200_000) -> None:
        self.per_user = max(1, per_user)
        self.users = max(1, users)
        self.max_messages = max(2, max_messages)
        self.max_chars = max(1, max_chars)
        self._by_user: OrderedDict[str, OrderedDict[str, _Entry]] = OrderedDict()

    def acquire(self, user: str, conversation: str) -> ChatSession:
        """The user's conversation (a new one if unknown to this user), marked busy until :meth:`release`."""
        mine = self._by_user.get(user)
        if mine is None:
            mine = self._by_user[user] = OrderedDict()
        self._by_user.move_to_end(user)
        entry = mine.get(conversation)
        if entry is None:
            entry = mine[conversation] = _Entry()
        elif entry.busy:
            raise ConversationBusy(conversation)
        mine.move_to_end(conversation)
        entry.busy = True
        self._evict(mine)
        return entry.session

    def release(self, user: str, conversation: str) -> None:
        """The reply is over (complete, failed or cancelled): bound the stored history and free the conversation."""
        entry = self._by_user.get(user, {}).get(conversation)
        if entry is None:
            return
        entry.busy = False
        self._bound(entry.session)

    def clear(self, user: str, conversation: str) -> bool:
        """Empty the user's conversation; False when this user has no such conversation."""
        entry = self._by_user.get(user, {}).get(conversation)
        if entry is None:
            return False
        if entry.busy:
            raise ConversationBusy(conversation)
        entry.session.reset()
        return True

    def get(self, user: str, conversation: str) -> ChatSession | None:
        """The session, for inspection (tests, diagnostics); None when this user has no such conversation."""
        entry = self._by_user.get(user, {}).get(conversation)
        return entry.session if entry is not None else None

    def count(self, user: str) -> int:
        return len(self._by_user.get(user, {}))

    def _evict(self, mine: OrderedDict[str, _Entry]) -> None:
        for cid in [cid for cid, entry in mine.items() if not entry.busy][:max(0, len(mine) - self.per_user)]:
            del mine[cid]  # least recently used first
        while len(self._by_user) > self.users:
            oldest = next(iter(self._by_user))
            if any(entry.busy for entry in self._by_user[oldest].values()):
                break  # a reply is streaming for them; they go once it is over and someone else arrives
            del self._by_user[oldest]

    def _bound(self, session: ChatSession) -> None:
        messages = session.messages
        drop = 0
        chars = sum(len(m.content) for m in messages)
        while len(messages) - drop > 2 and (len(messages) - drop > self.max_messages or chars > self.max_chars):
            chars -= len(messages[drop].content) + len(messages[drop + 1].content)
            drop += 2  # a whole exchange, never half of one
        if drop:
            del messages[:drop]
