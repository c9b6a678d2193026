"""REST handlers: models, suggest, explain, and chat streamed as newline-delimited JSON.

Thin: parse and validate the JSON body, call the engine in the panel's own bounded pool (a local model may
generate for seconds), render JSON. Errors come back as ``{"error": "<one line>"}`` with a status that says
whose fault it is: 400 bad input, 403 not allowed, 409 conversation busy, 413 body too large, 503 busy,
502 the model or its service failed.

Every route is authenticated (``@web.authenticated``) and authorised (``@authorized`` on the resource
``devgpt``): a user the server's Authorizer does not allow cannot spend the owner's keys or CPU. Reading the
model list is the ``read`` action; asking a model (suggest, explain, chat) is ``execute``, like running code;
clearing a conversation is ``write``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import threading
from collections.abc import Callable
from functools import cached_property
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.iostream import StreamClosedError

from ..chat import ChatReply, ChatSession
from ..engine import Engine
from ..errors import CancelledError, DevGPTError, MissingKeyError, ModelUnavailableError, RequestError, \
    UnknownModelError
from ..schema import Suggestion
from .calls import ModelCalls, ServerBusy
from .config import DevGPTServer
from .conversations import ConversationBusy, ConversationStore, new_id, valid_id
from .model_policy import ModelPolicy, ModelRefused

AUTH_RESOURCE = "devgpt"
MAX_BODY_BYTES = 1_000_000
NOT_ALLOWED = "You are not allowed to use DevGPT on this server: ask its administrator for the devgpt permission."


def refuse(status: int, message: str) -> web.HTTPError:
    """An HTTP error whose one-line message reaches the client as ``{"error": message}`` (and the log, verbatim:
    a ``%`` in user text is never a format directive)."""
    return web.HTTPError(status, "%s", " ".join(message.split()))


def _status(exc: DevGPTError) -> int:
    if isinstance(exc, (RequestError, UnknownModelError, MissingKeyError, ModelUnavailableError)):
        return 400
    return 502  # the model or its service failed


class _ClientGone(Exception):
    """The browser closed the connection; nothing is left to answer."""


class _Base(APIHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def engine(self) -> Engine:
        return self.settings["devgpt_engine"]

    @property
    def calls(self) -> ModelCalls:
        return self.settings["devgpt_calls"]

    @property
    def policy(self) -> ModelPolicy:
        return self.settings["devgpt_models"]

    @property
    def conversations(self) -> ConversationStore:
        return self.settings["devgpt_conversations"]

    @cached_property
    def cancel(self) -> threading.Event:
        """Set when the client goes away: the engine stops between two generated pieces."""
        return threading.Event()

    @property
    def owner_key(self) -> str:
        """Whose conversations these are: the user's name; every holder of the server's one shared token is the
        server's owner (token-only clients, e.g. scripts, get a new anonymous name on each request)."""
        shared = self.identity_provider.token
        given = self.identity_provider.get_token(self)
        if shared and given and hmac.compare_digest(str(shared).encode(), str(given).encode()):
            return "\0server-token"  # no user name can contain a NUL
        user = self.current_user
        return "user:" + str(getattr(user, "username", user))

    def on_connection_close(self) -> None:
        self.cancel.set()  # a running call stops between two pieces; the handler waits for it to end
        if "devgpt_calls" in self.settings:
            self.calls.withdraw(self.cancel)  # a call still waiting for a worker leaves the line now
        super().on_connection_close()

    # --- input -------------------------------------------------------------------------------------------
    def body(self) -> dict[str, Any]:
        raw = self.request.body or b"{}"
        if len(raw) > MAX_BODY_BYTES:
            raise refuse(413, f"The request body is {len(raw):,} bytes; the limit is {MAX_BODY_BYTES:,}. Send less.")
        try:
            data = json.loads(raw)
        except ValueError:
            raise refuse(400, "The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise refuse(400, "The request body must be a JSON object.")
        return data

    @staticmethod
    def text(data: dict[str, Any], name: str) -> str:
        """A text field (absent means empty: the engine says what to type)."""
        value = data.get(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise refuse(400, f"{name} must be a string.")
        return value

    @staticmethod
    def choice(data: dict[str, Any], name: str, allowed: tuple[str, ...]) -> str:
        """One of ``allowed`` (the first when absent)."""
        value = data.get(name)
        if value is None:
            return allowed[0]
        if value not in allowed:
            raise refuse(400, f"{name} must be {' or '.join(repr(a) for a in allowed)}.")
        return value

    def model(self, data: dict[str, Any]) -> str | None:
        try:
            return self.policy.check(data.get("model"))
        except ModelRefused as exc:
            raise refuse(400, str(exc)) from None

    # --- output ------------------------------------------------------------------------------------------
    def fail(self, status: int, message: str) -> None:
        self.set_status(status)
        self.finish(json.dumps({"error": message}))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None))[1]
        if isinstance(exc, web.HTTPError) and exc.log_message:
            message = exc.log_message % exc.args if exc.args else exc.log_message
        else:
            message = self._reason
        self.set_header("Content-Type", "application/json")
        if status_code == 503:
            self.set_header("Retry-After", "5")
        self.finish(json.dumps({"error": message}))

    # --- model calls -------------------------------------------------------------------------------------
    def submit(self, fn: Callable[[], Any]) -> asyncio.Future[Any]:
        """Queue ``fn`` in the panel's pool, watching this request's ``cancel``; 503 when the line is full."""
        try:
            self._call = self.calls.submit(fn, self.cancel)
        except ServerBusy as exc:
            raise refuse(503, str(exc)) from None
        return self._call

    async def off_loop(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` in the panel's pool; _ClientGone when the client left before it ended."""
        self.submit(fn)
        try:
            return await self._call
        except (asyncio.CancelledError, CancelledError):
            if self.cancel.is_set():
                self.log.info("devgpt: the client went away; its model call was stopped")
                raise _ClientGone() from None
            raise

    async def answer_suggestion(self, fn: Callable[[], Suggestion]) -> None:
        """Run an engine call; reply with the Suggestion or the one-line error."""
        try:
            suggestion = await self.off_loop(fn)
        except _ClientGone:
            return
        except DevGPTError as exc:
            return self.fail(_status(exc), str(exc))
        self.finish(suggestion.model_dump_json(exclude={"raw_text"}))


class ModelsHandler(_Base):
    """GET: the picker's models, with ``selectable`` and a ``reason`` when a model cannot be chosen."""

    @web.authenticated
    @authorized(action="read", message=NOT_ALLOWED)
    def get(self) -> None:
        self.finish(json.dumps(self.policy.listing()))


class SuggestHandler(_Base):
    """POST {request, model?, mode?, shots?}: commands for a plain-English request."""

    @web.authenticated
    @authorized(action="execute", message=NOT_ALLOWED)
    async def post(self) -> None:
        data = self.body()
        request = self.text(data, "request")
        mode = self.choice(data, "mode", ("regular", "fast"))
        shots = self.choice(data, "shots", ("few", "zero"))
        model = self.model(data)
        await self.answer_suggestion(lambda: self.engine.suggest(request, model=model, mode=mode, shots=shots,
                                                                 cancel=self.cancel))


class ExplainHandler(_Base):
    """POST {command, model?}: what an existing command and each of its arguments does."""

    @web.authenticated
    @authorized(action="execute", message=NOT_ALLOWED)
    async def post(self) -> None:
        data = self.body()
        command = self.text(data, "command")
        model = self.model(data)
        await self.answer_suggestion(lambda: self.engine.explain(command, model=model, cancel=self.cancel))


class ChatHandler(_Base):
    """POST {message, model?, conversation_id?}: newline-delimited JSON events as the reply is generated
    (``delta``..., then ``done`` or ``error``). DELETE ?conversation_id=: forget the conversation's turns."""

    @staticmethod
    def conversation_id(value: Any, *, required: bool) -> str:
        if value is None or value == "":
            if required:
                raise refuse(400, "conversation_id is required: the id from the chat's done event.")
            return new_id()
        if not valid_id(value):
            raise refuse(400, "conversation_id must be 1-64 letters, digits, '-' or '_': use the id from the chat's "
                              "done event, or leave it out to start a new conversation.")
        return value

    @web.authenticated
    @authorized(action="execute", message=NOT_ALLOWED)
    async def post(self) -> None:
        data = self.body()
        message = self.text(data, "message")
        conversation = self.conversation_id(data.get("conversation_id"), required=False)
        model = self.model(data)
        owner = self.owner_key
        try:
            session = self.conversations.acquire(owner, conversation)
        except ConversationBusy:
            raise refuse(409, "This conversation is still answering a message: wait for the reply, or start a new "
                              "conversation.") from None
        try:
            await self.stream_reply(session, message, model, conversation)
        finally:
            self.conversations.release(owner, conversation)

    async def stream_reply(self, session: ChatSession, message: str, model: str | None, conversation: str) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        end = object()

        def produce() -> None:
            stream = self.engine.chat(session, message, model=model)
            try:
                for item in stream:
                    if self.cancel.is_set():
                        raise CancelledError("The client went away before the reply was complete.")
                    loop.call_soon_threadsafe(queue.put_nowait, item)
            finally:
                stream.close()  # stops the local model between two tokens; the session is not committed

        # the end mark comes after every item: they and the result are posted from the same thread, in order
        self.submit(produce).add_done_callback(lambda _: queue.put_nowait(end))
        started = False
        while (item := await queue.get()) is not end:
            if self.cancel.is_set():
                continue  # the client is gone: drain until the worker stops
            if not started:
                self.set_header("Content-Type", "application/x-ndjson")
                self.set_header("Cache-Control", "no-cache")
                started = True
            if isinstance(item, ChatReply):
                event = {"type": "done", "conversation_id": conversation, "text": item.text,
                         "usage": item.usage.model_dump(), "dropped_exchanges": item.dropped_exchanges,
                         "truncated": item.truncated}
            else:
                event = {"type": "delta", "text": item}
            self.write(json.dumps(event) + "\n")
            try:
                await self.flush()
            except StreamClosedError:
                self.cancel.set()
        problem = None if self._call.cancelled() else self._call.exception()
        if self.cancel.is_set():
            self.log.info("devgpt: the client went away; its chat reply was stopped")
            return
        if problem is None:
            return self.finish()
        if isinstance(problem, DevGPTError):
            status, text = _status(problem), str(problem)
        else:
            self.log.error("devgpt: chat failed", exc_info=problem)
            status, text = 500, f"internal error: {type(problem).__name__}"
        if not started:
            return self.fail(status, text)
        self.write(json.dumps({"type": "error", "error": text}) + "\n")
        self.finish()

    @web.authenticated
    @authorized(action="write", message=NOT_ALLOWED)
    def delete(self) -> None:
        conversation = self.conversation_id(self.get_query_argument("conversation_id", ""), required=True)
        try:
            cleared = self.conversations.clear(self.owner_key, conversation)
        except ConversationBusy:
            raise refuse(409, "This conversation is still answering a message: wait for the reply, then clear "
                              "it.") from None
        self.finish(json.dumps({"conversation_id": conversation, "cleared": cleared}))


def setup_handlers(web_app: Any, config: DevGPTServer | None = None) -> None:
    """Register the routes under ``<base_url>/devgpt``; the engine, pool, model policy and conversations live in
    the web app's settings (a test may put its own there first)."""
    config = config or DevGPTServer()
    settings = web_app.settings
    settings.setdefault("devgpt_engine", Engine())
    settings.setdefault("devgpt_calls", ModelCalls(config.max_workers, config.max_waiting))
    settings.setdefault("devgpt_models", ModelPolicy(settings["devgpt_engine"], config.allowed_gguf_dirs))
    settings.setdefault("devgpt_conversations", ConversationStore(
        per_user=config.conversations_per_user, users=config.conversation_users,
        max_messages=config.conversation_max_messages, max_chars=config.conversation_max_chars))
    base = url_path_join(settings["base_url"], "devgpt")
    web_app.add_handlers(".*$", [
        (url_path_join(base, "models"), ModelsHandler),
        (url_path_join(base, "suggest"), SuggestHandler),
        (url_path_join(base, "explain"), ExplainHandler),
        (url_path_join(base, "chat"), ChatHandler),
    ])
