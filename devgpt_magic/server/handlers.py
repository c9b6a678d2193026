"""REST handlers: models, suggest, explain, and chat streamed as newline-delimited JSON.

Thin: parse the JSON body, call the engine off the event loop (a local model may generate for seconds),
render JSON. Errors come back as ``{"error": "<one line>"}`` with a status that says whose fault it is.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from typing import Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from ..chat import ChatReply, ChatSession
from ..engine import Engine
from ..errors import DevGPTError, MissingKeyError, ModelUnavailableError, RequestError, UnknownModelError


def _status(exc: DevGPTError) -> int:
    if isinstance(exc, (RequestError, UnknownModelError, MissingKeyError, ModelUnavailableError)):
        return 400
    return 502  # the model or its service failed


class _Base(APIHandler):
    @property
    def engine(self) -> Engine:
        return self.settings["devgpt_engine"]

    @property
    def conversations(self) -> dict[str, ChatSession]:
        return self.settings["devgpt_conversations"]

    def body(self) -> dict[str, Any]:
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError:
            raise web.HTTPError(400, "The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise web.HTTPError(400, "The request body must be a JSON object.")
        return data

    def fail(self, status: int, message: str) -> None:
        self.set_status(status)
        self.finish(json.dumps({"error": message}))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None))[1]
        message = exc.log_message if isinstance(exc, web.HTTPError) and exc.log_message else self._reason
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": message}))

    async def off_loop(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, lambda: fn(*args, **kwargs))

    async def answer_suggestion(self, fn: Any, *args: Any, **kwargs: Any) -> None:
        """Run an engine call off the event loop; reply with the Suggestion or the one-line error."""
        try:
            suggestion = await self.off_loop(fn, *args, **kwargs)
        except DevGPTError as exc:
            return self.fail(_status(exc), str(exc))
        self.finish(suggestion.model_dump_json(exclude={"raw_text"}))


class ModelsHandler(_Base):
    @web.authenticated
    def get(self) -> None:
        from ..models.registry import all_models

        default = self.engine.resolve().name
        models = [{"name": s.name, "aliases": s.aliases, "provider": s.provider, "local": s.is_local,
                   "key_env": list(s.key_env), "key_present": s.key_present() if s.needs_key else True,
                   "default": s.name == default} for s in all_models()]
        self.finish(json.dumps({"default": default, "models": models}))


class SuggestHandler(_Base):
    @web.authenticated
    async def post(self) -> None:
        data = self.body()
        mode = data.get("mode", "regular")
        if mode not in ("regular", "fast"):
            return self.fail(400, "mode must be 'regular' or 'fast'.")
        await self.answer_suggestion(self.engine.suggest, str(data.get("request", "")), model=data.get("model"),
                                     mode=mode, shots="zero" if data.get("shots") == "zero" else "few")


class ExplainHandler(_Base):
    @web.authenticated
    async def post(self) -> None:
        data = self.body()
        await self.answer_suggestion(self.engine.explain, str(data.get("command", "")), model=data.get("model"))


class ChatHandler(_Base):
    """POST {message, model?, conversation_id?}: newline-delimited JSON events as the reply is generated."""

    @web.authenticated
    async def post(self) -> None:
        data = self.body()
        conversation = str(data.get("conversation_id") or uuid.uuid4().hex)
        session = self.conversations.setdefault(conversation, ChatSession())
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        stop = threading.Event()

        def produce() -> None:
            try:
                for item in self.engine.chat(session, str(data.get("message", "")), model=data.get("model")):
                    if stop.is_set():
                        break  # the browser went away: the session is not committed
                    loop.call_soon_threadsafe(queue.put_nowait, item)
            except DevGPTError as exc:
                loop.call_soon_threadsafe(queue.put_nowait, exc)
            except Exception as exc:  # report, never leave the browser waiting
                loop.call_soon_threadsafe(queue.put_nowait, RuntimeError(f"internal error: {type(exc).__name__}"))
            loop.call_soon_threadsafe(queue.put_nowait, None)

        worker = loop.run_in_executor(None, produce)
        started = False
        try:
            while (item := await queue.get()) is not None:
                if isinstance(item, Exception):
                    if not started:
                        status = _status(item) if isinstance(item, DevGPTError) else 500
                        await worker
                        return self.fail(status, str(item))
                    self.write(json.dumps({"type": "error", "error": str(item)}) + "\n")
                    break
                if not started:
                    self.set_header("Content-Type", "application/x-ndjson")
                    self.set_header("Cache-Control", "no-cache")
                    started = True
                if isinstance(item, ChatReply):
                    event = {"type": "done", "conversation_id": conversation, "text": item.text,
                             "usage": item.usage.model_dump(), "dropped_exchanges": item.dropped_exchanges}
                else:
                    event = {"type": "delta", "text": item}
                self.write(json.dumps(event) + "\n")
                await self.flush()
        except Exception:
            stop.set()
            raise
        await worker
        self.finish()

    @web.authenticated
    def delete(self) -> None:
        conversation = self.get_query_argument("conversation_id", "")
        session = self.conversations.get(conversation)
        if session is not None:
            session.reset()
        self.finish(json.dumps({"conversation_id": conversation, "cleared": session is not None}))


def setup_handlers(web_app: Any) -> None:
    web_app.settings.setdefault("devgpt_engine", Engine())
    web_app.settings.setdefault("devgpt_conversations", {})
    base = url_path_join(web_app.settings["base_url"], "devgpt")
    web_app.add_handlers(".*$", [
        (url_path_join(base, "models"), ModelsHandler),
        (url_path_join(base, "suggest"), SuggestHandler),
        (url_path_join(base, "explain"), ExplainHandler),
        (url_path_join(base, "chat"), ChatHandler),
    ])
