"""The service's HTTP face: the OpenAI chat/completions protocol (plus a GBNF ``grammar`` field, as
llama.cpp's own servers take it) and three routes of its own: health, status and stop.

Speaking the OpenAI protocol keeps the client the same whether the model runs here or in a team's shared
engine (vLLM, llama.cpp's server, Ollama). Every request must carry the bearer token from the user's private
runtime folder. Generation runs in a thread per request; when the client goes away (Ctrl-C, a closed
panel) the stream is cancelled, the thread stops between two tokens and the model is free again.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .host import ModelHost, RequestProblem


def _rss_bytes() -> int | None:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind}}, status_code=status)


class ServiceState:
    """What the routes share: the models, counters, and the way to ask the server to exit."""

    def __init__(self, host: ModelHost, token: str, *, idle_s: float, info: dict[str, Any]) -> None:
        self.host = host
        self.token = token
        self.idle_s = idle_s
        self.info = info
        self.started = time.time()
        self.last_activity = time.time()
        self.open_requests = 0
        self.request_exit: Callable[[str], None] = lambda reason: None
        self.exit_reason = ""

    def touch(self) -> None:
        self.last_activity = time.time()

    def status(self) -> dict[str, Any]:
        return {**self.info, "pid": os.getpid(), "uptime_s": round(time.time() - self.started, 1),
                "rss_bytes": _rss_bytes(), "requests_served": self.host.served, "generating": self.host.active,
                "idle_s": round(time.time() - self.last_activity, 1), "idle_timeout_s": self.idle_s,
                "repack": self.host.repack, "cpu": self.host.cpu.summary, "amx": self.host.cpu.amx,
                "models": self.host.describe()}


def build_app(state: ServiceState) -> Starlette:
    async def chat(request: Request) -> Response:
        return await _generate(request, "chat")

    async def text(request: Request) -> Response:
        return await _generate(request, "text")

    async def _generate(request: Request, kind: str) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "the request body is not JSON")
        if not isinstance(body, dict):
            return _error(400, "the request body must be a JSON object")
        cancel = threading.Event()
        chunks = _produce(state, kind, body, cancel)
        if body.get("stream"):
            return StreamingResponse(_sse(chunks, cancel), media_type="text/event-stream")
        return await _collect(request, kind, chunks, cancel)

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True, "pid": os.getpid(), "version": state.info.get("version")})

    async def status(request: Request) -> Response:
        return JSONResponse(state.status())

    async def stop(request: Request) -> Response:
        state.request_exit("asked to stop")
        return JSONResponse({"stopping": True, "pid": os.getpid()})

    async def models(request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": m["path"], "object": "model", "owned_by": "local"}
                                                        for m in state.host.describe()]})

    return Starlette(routes=[
        Route("/v1/chat/completions", chat, methods=["POST"]),
        Route("/v1/completions", text, methods=["POST"]),
        Route("/v1/models", models),
        Route("/devgpt/health", health),
        Route("/devgpt/status", status),
        Route("/devgpt/stop", stop, methods=["POST"]),
    ], middleware=[Middleware(_Authorised, state=state)])


class _Authorised:
    """Every request carries the token from the private runtime folder, or gets 401. Plain ASGI (not a
    BaseHTTPMiddleware), so it wraps a streamed reply to its end: the service is busy until then."""

    def __init__(self, app: Any, state: ServiceState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        given = dict(scope.get("headers") or []).get(b"authorization", b"")
        if not hmac.compare_digest(given, f"Bearer {self.state.token}".encode()):
            return await _error(401, "missing or wrong service token", "authentication_error")(scope, receive, send)
        self.state.touch()
        self.state.open_requests += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.state.open_requests -= 1
            self.state.touch()


class _Produced:
    """A generation running in its own thread, handing chunks to the event loop through a queue."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.loop = loop

    def put(self, kind: str, item: Any) -> None:
        self.loop.call_soon_threadsafe(self.queue.put_nowait, (kind, item))


def _produce(state: ServiceState, kind: str, body: dict[str, Any], cancel: threading.Event) -> _Produced:
    produced = _Produced(asyncio.get_running_loop())

    def run() -> None:
        chunks = state.host.generate(kind, body, cancel)
        try:
            for chunk in chunks:
                produced.put("chunk", chunk)
                if cancel.is_set():
                    break
        except RequestProblem as exc:
            produced.put("error", (400, str(exc), exc.kind))
        except Exception as exc:  # reported to the client; the service keeps serving
            produced.put("error", (500, f"{type(exc).__name__}: {exc}", "server_error"))
        finally:
            chunks.close()
            state.touch()
            produced.put("end", None)

    threading.Thread(target=run, name="devgpt-generation", daemon=True).start()
    return produced


async def _sse(produced: _Produced, cancel: threading.Event) -> AsyncIterator[str]:
    try:
        while True:
            kind, item = await produced.queue.get()
            if kind == "chunk":
                yield f"data: {json.dumps(item)}\n\n"
            elif kind == "error":
                status, message, kind = item
                yield f"data: {json.dumps({'error': {'message': message, 'code': status, 'type': kind}})}\n\n"
            else:
                yield "data: [DONE]\n\n"
                return
    finally:
        cancel.set()  # the client went away (or the stream ended): stop generating


async def _collect(request: Request, kind: str, produced: _Produced, cancel: threading.Event) -> Response:
    """A whole reply at once; a client that disconnects meanwhile still cancels the generation."""
    text: list[str] = []
    finish = None
    usage: dict[str, Any] = {}

    async def watch() -> None:
        while not cancel.is_set():
            if await request.is_disconnected():
                cancel.set()
                return
            await asyncio.sleep(0.25)

    watcher = asyncio.create_task(watch())
    try:
        while True:
            what, item = await produced.queue.get()
            if what == "end":
                break
            if what == "error":
                return _error(*item)
            if item.get("usage"):
                usage = item["usage"]
                continue
            choice = item["choices"][0]
            piece = choice.get("delta", {}).get("content") if kind == "chat" else choice.get("text")
            text.append(piece or "")
            finish = choice.get("finish_reason") or finish
    finally:
        cancel.set()
        watcher.cancel()
    content = "".join(text)
    if kind == "chat":
        choice = {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}
        return JSONResponse({"object": "chat.completion", "choices": [choice], "usage": usage})
    return JSONResponse({"object": "text_completion", "choices": [{"index": 0, "text": content,
                                                                    "finish_reason": finish}], "usage": usage})
