"""The panel's own small pool of worker threads for model calls, with a bounded waiting line.

Why not the event loop's default executor: it is shared with the rest of Jupyter and unbounded, so a burst
of panel requests (each holding a thread for seconds of generation) could starve the server and queue work
no one will wait for. Here a few workers run calls, a few more may wait, and beyond that a request is
refused at once (503) instead of piling up. A call whose client went away is dropped from the line, or told
to stop (its ``cancel`` Event) if it already runs. Workers are daemon threads: a generation in progress
never holds up the Jupyter server's exit.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import CancelledError

T = TypeVar("T")


class ServerBusy(Exception):
    """Every worker is busy and the waiting line is full."""

    def __init__(self, waiting: int) -> None:
        self.waiting = waiting
        are = "request is" if waiting == 1 else "requests are"
        super().__init__(f"busy: {waiting} {are} waiting for the model; try again in a moment.")


class ModelCalls:
    """``submit`` a blocking call; await the asyncio future it returns."""

    def __init__(self, workers: int = 2, max_waiting: int = 8) -> None:
        self.workers = max(1, workers)
        self.max_waiting = max(0, max_waiting)
        self._lock = threading.Condition()
        self._line: deque[tuple[Callable[[], Any], concurrent.futures.Future[Any], threading.Event]] = deque()
        self._running: set[threading.Event] = set()
        self._closed = False
        #: calls that ended because their client went away (diagnostics and tests)
        self.cancelled = 0
        self._threads: list[threading.Thread] = []  # started on demand: a server that never asks costs none

    @property
    def waiting(self) -> int:
        with self._lock:
            return len(self._line)

    @property
    def running(self) -> int:
        with self._lock:
            return len(self._running)

    def submit(self, fn: Callable[[], T], cancel: threading.Event) -> asyncio.Future[T]:
        """Queue ``fn``; raise ServerBusy when the line is full. Cancelling the returned future (the client went
        away) takes a waiting call out of the line; a running call should watch ``cancel``."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        with self._lock:
            if self._closed:
                raise ServerBusy(0)
            if len(self._running) >= self.workers and len(self._line) >= self.max_waiting:
                raise ServerBusy(len(self._line))
            self._line.append((fn, future, cancel))
            if len(self._threads) < self.workers and len(self._running) + len(self._line) > len(self._threads):
                thread = threading.Thread(target=self._work, name=f"devgpt-model-call-{len(self._threads)}",
                                          daemon=True)
                self._threads.append(thread)
                thread.start()
            self._lock.notify()
        future.add_done_callback(self._forget)
        return asyncio.wrap_future(future)

    def withdraw(self, cancel: threading.Event) -> None:
        """Take the call watching ``cancel`` out of the line if it is still waiting (its future is cancelled); a
        running call is left to notice ``cancel`` and end, so its handler still sees when it is over."""
        with self._lock:
            jobs = [job for job in self._line if job[2] is cancel]
            self._line = deque(job for job in self._line if job[2] is not cancel)
        for _fn, future, _cancel in jobs:
            if future.cancel():
                with self._lock:
                    self.cancelled += 1

    def shutdown(self) -> None:
        """Stop taking calls; waiting ones are cancelled and running ones told to stop."""
        with self._lock:
            self._closed = True
            line, self._line = list(self._line), deque()
            for cancel in self._running:
                cancel.set()
            self._lock.notify_all()
        for _fn, future, cancel in line:
            cancel.set()
            future.cancel()

    def _forget(self, future: concurrent.futures.Future[Any]) -> None:
        if future.cancelled():
            with self._lock:
                self._line = deque(job for job in self._line if job[1] is not future)

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._line and not self._closed:
                    self._lock.wait()
                if self._closed:
                    return
                fn, future, cancel = self._line.popleft()
                if not future.set_running_or_notify_cancel():
                    continue  # cancelled while waiting
                self._running.add(cancel)
            try:
                if cancel.is_set():
                    raise CancelledError("The request was cancelled before it started.")
                result = fn()
            except BaseException as exc:  # noqa: BLE001 - handed to the awaiting handler
                if isinstance(exc, CancelledError):
                    with self._lock:
                        self.cancelled += 1
                future.set_exception(exc)
            else:
                future.set_result(result)
            finally:
                with self._lock:
                    self._running.discard(cancel)
