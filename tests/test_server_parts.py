"""The server extension's parts without a server: conversation store, bounded pool, model policy (fast)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from devgpt_magic.errors import CancelledError
from devgpt_magic.server.calls import ModelCalls, ServerBusy
from devgpt_magic.server.conversations import ConversationBusy, ConversationStore, new_id, valid_id


# --- conversations ---------------------------------------------------------------------------------------------
def talk(store: ConversationStore, user: str, cid: str, *texts: str) -> None:
    session = store.acquire(user, cid)
    for text in texts:
        session.commit(text, "reply to " + text)
    store.release(user, cid)


def test_conversation_ids():
    assert valid_id(new_id()) and valid_id("panel-1_A")
    for bad in ("", "../etc", "a b", "x" * 65, "é", 7, None, "id\n"):
        assert not valid_id(bad)


def test_least_recently_used_conversation_is_forgotten_first():
    store = ConversationStore(per_user=3)
    for cid in ("a", "b", "c"):
        talk(store, "u", cid, "hi")
    talk(store, "u", "a", "again")  # a is now the most recent
    talk(store, "u", "d", "hi")
    assert store.count("u") == 3 and store.get("u", "b") is None
    assert len(store.get("u", "a").messages) == 4


def test_a_conversation_answering_is_never_evicted_nor_doubled():
    store = ConversationStore(per_user=1)
    store.acquire("u", "a")
    with pytest.raises(ConversationBusy):
        store.acquire("u", "a")
    with pytest.raises(ConversationBusy):
        store.clear("u", "a")
    talk(store, "u", "b", "hi")  # over the cap, but a is busy: b (not busy) goes once it is released
    assert store.get("u", "a") is not None
    store.release("u", "a")


def test_users_are_capped_least_recently_active_first():
    store = ConversationStore(users=2)
    for user in ("ann", "bob", "cyd"):
        talk(store, user, "c1", "hi")
    assert store.get("ann", "c1") is None and store.get("cyd", "c1") is not None


def test_conversations_are_private_to_their_user():
    store = ConversationStore()
    talk(store, "alice", "shared-id", "secret plan")
    assert store.clear("bob", "shared-id") is False and store.get("bob", "shared-id") is None
    talk(store, "bob", "shared-id", "hello")  # bob gets his own conversation under the same id
    assert [m.content for m in store.get("alice", "shared-id").messages] == ["secret plan", "reply to secret plan"]
    assert [m.content for m in store.get("bob", "shared-id").messages] == ["hello", "reply to hello"]
    assert store.clear("alice", "shared-id") and store.get("alice", "shared-id").messages == []


def test_stored_history_is_bounded_in_messages_and_characters():
    store = ConversationStore(max_messages=6, max_chars=10_000)
    talk(store, "u", "c", *[f"q{i}" for i in range(10)])
    assert [m.content for m in store.get("u", "c").messages][::2] == ["q7", "q8", "q9"]
    store = ConversationStore(max_chars=1000)
    talk(store, "u", "c", "a" * 400, "b" * 400, "c" * 5000)
    kept = store.get("u", "c").messages
    assert [m.role for m in kept] == ["user", "assistant"] and kept[0].content == "c" * 5000  # newest stays whole


# --- the bounded pool ------------------------------------------------------------------------------------------
def test_pool_refuses_beyond_its_waiting_line_and_recovers():
    asyncio.run(_test_pool_refuses_beyond_its_waiting_line_and_recovers())


async def _test_pool_refuses_beyond_its_waiting_line_and_recovers():
    calls = ModelCalls(workers=1, max_waiting=1)
    gate = threading.Event()
    first = calls.submit(lambda: gate.wait(30) and "first", threading.Event())
    await wait_for(lambda: calls.running == 1)
    second_cancel = threading.Event()
    second = calls.submit(lambda: "second", second_cancel)
    with pytest.raises(ServerBusy) as info:
        calls.submit(lambda: "third", threading.Event())
    assert str(info.value) == "busy: 1 request is waiting for the model; try again in a moment."
    calls.withdraw(second_cancel)  # its client went away: the line has room again at once
    assert calls.waiting == 0 and calls.cancelled == 1
    await wait_for(second.cancelled)  # the awaiting handler hears of it on its next loop turn
    third = calls.submit(lambda: "third", threading.Event())
    gate.set()
    assert await first == "first" and await third == "third"


def test_pool_call_cancelled_before_it_starts_never_runs():
    asyncio.run(_test_pool_call_cancelled_before_it_starts_never_runs())


async def _test_pool_call_cancelled_before_it_starts_never_runs():
    calls = ModelCalls(workers=1, max_waiting=2)
    cancel = threading.Event()
    cancel.set()
    ran = []
    with pytest.raises(CancelledError):
        await calls.submit(lambda: ran.append(1), cancel)
    assert ran == [] and calls.cancelled == 1


def test_pool_shutdown_cancels_waiting_and_stops_running_calls():
    asyncio.run(_test_pool_shutdown_cancels_waiting_and_stops_running_calls())


async def _test_pool_shutdown_cancels_waiting_and_stops_running_calls():
    calls = ModelCalls(workers=1, max_waiting=2)
    running_cancel = threading.Event()
    running = calls.submit(lambda: running_cancel.wait(30), running_cancel)
    await wait_for(lambda: calls.running == 1)
    waiting = calls.submit(lambda: "never", threading.Event())
    calls.shutdown()
    assert await running is True
    await wait_for(waiting.cancelled)
    with pytest.raises(ServerBusy):
        calls.submit(lambda: None, threading.Event())


async def wait_for(condition, timeout: float = 10.0) -> None:  # noqa: ANN001 - a predicate
    deadline = time.time() + timeout
    while not condition():
        assert time.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)
