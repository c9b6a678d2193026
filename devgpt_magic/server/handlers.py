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
import os
import re
import threading
import time
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
from ..render import markdown_html
from ..schema import Suggestion
from .calls import ModelCalls, ServerBusy
from .config import DevGPTServer
from .conversations import ConversationBusy, ConversationStore, new_id, valid_id
from .model_policy import ModelPolicy, ModelRefused

AUTH_RESOURCE = "devgpt"
MAX_BODY_BYTES = 1_000_000
NOT_ALLOWED = "You are not allowed to use DevGPT on this server: ask its administrator for the devgpt permission."
PREVIEW_NOT_ALLOWED = ("A preview runs the command, and you are not allowed to run code on this server: ask its "
                       "administrator for the kernels permission.")
#: Previews at once, across users: each is a sandboxed process tree that may run up to its time-out.
MAX_PREVIEWS = 2
_PREVIEWS = threading.BoundedSemaphore(MAX_PREVIEWS)


def refuse(status: int, message: str) -> web.HTTPError:
    """An HTTP error whose one-line message reaches the client as ``{"error": message}`` (and the log, verbatim:
    a ``%`` in user text is never a format directive)."""
    return web.HTTPError(status, "%s", for_the_panel(message))


_MODEL_FLAG = re.compile(r"(?:(?:pick|choose|use)\s+)?(?:a|an|another|the)\s+(?:[\w-]+\s+)?model\s+with\s+--model"
                         r"(?:\s+[\w:/-]+(?:\.[\w:/-]+)*)?", re.IGNORECASE)


def for_the_panel(message: str) -> str:
    """One line, in the panel's words: the CLI's ``--model`` flag becomes the model picker."""
    message = " ".join(str(message).split())
    message = _MODEL_FLAG.sub("choose another model in the picker", message)
    message = re.sub(r"(?:with\s+)?--model(?:\s+[\w:/-]+(?:\.[\w:/-]+)*)?", "the model picker", message)
    return message


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
        self.finish(json.dumps({"error": for_the_panel(message)}))

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

    async def stream_events(self, produce: Callable[[Callable[[dict[str, Any]], None]], None], what: str) -> None:
        """Run ``produce(emit)`` in the panel's pool and send each event it emits as one line of newline-delimited
        JSON, as it comes. A failure before the first event is the usual one-line error response; after it, an
        ``error`` event. Once the client has gone, ``emit`` raises CancelledError in the worker."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        end = object()

        def emit(event: dict[str, Any]) -> None:
            if self.cancel.is_set():
                raise CancelledError(f"The client went away before the {what} was complete.")
            loop.call_soon_threadsafe(queue.put_nowait, event)

        # the end mark comes after every event: they and the result are posted from the same thread, in order
        self.submit(lambda: produce(emit)).add_done_callback(lambda _: queue.put_nowait(end))
        started = False
        while (event := await queue.get()) is not end:
            if self.cancel.is_set():
                continue  # the client is gone: drain until the worker stops
            if not started:
                self.set_header("Content-Type", "application/x-ndjson")
                self.set_header("Cache-Control", "no-cache")
                started = True
            self.write(json.dumps(event) + "\n")
            try:
                await self.flush()
            except StreamClosedError:
                self.cancel.set()
        problem = None if self._call.cancelled() else self._call.exception()
        if self.cancel.is_set():
            self.log.info("devgpt: the client went away; its %s was stopped", what)
            return
        if problem is None:
            return self.finish()
        if isinstance(problem, DevGPTError):
            status, text = _status(problem), str(problem)
        else:
            self.log.error("devgpt: %s failed", what, exc_info=problem)
            status, text = 500, f"internal error: {type(problem).__name__}"
        if not started:
            return self.fail(status, text)
        self.write(json.dumps({"type": "error", "error": for_the_panel(text)}) + "\n")
        self.finish()

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
    """POST {request, model?, mode?, shots?, events?}: commands for a plain-English request.

    With ``events: true`` the answer is newline-delimited JSON: a ``decided`` event with the commands and their
    risk as soon as they are known (models that explain after deciding spend most of a regular answer there),
    then ``done`` with the suggestion, or ``error``."""

    @web.authenticated
    @authorized(action="execute", message=NOT_ALLOWED)
    async def post(self) -> None:
        data = self.body()
        request = self.text(data, "request")
        mode = self.choice(data, "mode", ("regular", "fast"))
        shots = self.choice(data, "shots", ("few", "zero"))
        events = data.get("events", False)
        if not isinstance(events, bool):
            raise refuse(400, "events must be true or false.")
        model = self.model(data)
        if not events:
            return await self.answer_suggestion(lambda: self.engine.suggest(request, model=model, mode=mode,
                                                                            shots=shots, cancel=self.cancel))

        def produce(emit: Callable[[dict[str, Any]], None]) -> None:
            def decided(fast: Suggestion) -> None:
                emit({"type": "decided", "commands": [step.model_dump(include={"command", "risk"})
                                                      for step in fast.commands]})

            s = self.engine.suggest(request, model=model, mode=mode, shots=shots, cancel=self.cancel, decided=decided)
            emit({"type": "done", "suggestion": s.model_dump(mode="json", exclude={"raw_text"})})

        await self.stream_events(produce, "suggestion")


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
        def produce(emit: Callable[[dict[str, Any]], None]) -> None:
            stream = self.engine.chat(session, message, model=model)
            try:
                for item in stream:
                    if isinstance(item, ChatReply):
                        # the panel shows the reply through the notebook's own renderer: raw HTML escaped, no images
                        emit({"type": "done", "conversation_id": conversation, "text": item.text,
                              "html": markdown_html(item.text), "usage": item.usage.model_dump(),
                              "dropped_exchanges": item.dropped_exchanges, "truncated": item.truncated})
                    else:
                        emit({"type": "delta", "text": item})
            finally:
                stream.close()  # stops the local model between two tokens; the session is not committed

        await self.stream_events(produce, "chat reply")

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


class ModelCheckHandler(_Base):
    """POST {model}: may the panel use this model (e.g. a typed ``gguf:`` path)? 200 with its name and file, or
    400 with the policy's one-line reason."""

    @web.authenticated
    @authorized(action="read", message=NOT_ALLOWED)
    def post(self) -> None:
        data = self.body()
        model = self.model(data)
        try:
            self.finish(json.dumps(self.policy.describe(model)))
        except ModelRefused as exc:
            raise refuse(400, str(exc)) from None


class _FolderMixin:
    """The folder a command is judged or previewed in: the notebook's folder under the server's root."""

    def folder(self: Any, data: dict[str, Any]) -> str:
        root = os.path.realpath(self.settings.get("server_root_dir") or os.getcwd())
        path = data.get("path")
        if path in (None, ""):
            return root
        if not isinstance(path, str) or "\0" in path or len(path) > 4096:
            raise refuse(400, "path must be the notebook's path relative to the server's root folder.")
        folder = os.path.realpath(os.path.join(root, os.path.dirname(path.lstrip("/"))))
        if os.path.commonpath([folder, root]) != root:
            raise refuse(403, "path is outside the server's root folder.")
        if not os.path.isdir(folder):
            raise refuse(400, f"No folder {os.path.dirname(path)!r} under the server's root.")
        return folder


class AssessHandler(_FolderMixin, _Base):
    """POST {command, path?}: the risk of running ``command`` in the notebook's folder (for inserting a code
    block of a chat reply with its danger)."""

    @web.authenticated
    @authorized(action="read", message=NOT_ALLOWED)
    def post(self) -> None:
        from ..safety import assess

        data = self.body()
        command = self.text(data, "command")
        if len(command) > 20_000:
            raise refuse(400, f"The command is {len(command):,} characters long; the limit is 20,000.")
        self.finish(json.dumps({"command": command, "risk": assess(command, cwd=self.folder(data)).model_dump()}))


class PreviewHandler(_FolderMixin, _Base):
    """POST {command, path?, timeout?}: run ``command`` in a sandbox over the notebook's folder (the real files
    are untouched) and say what it would change: ``preview`` (``PreviewResult.to_json()``), ``html`` (escaped)
    and ``risk`` (the text's risk raised by the effects). Without bubblewrap: ``available`` false, one line why."""

    @web.authenticated
    @authorized(action="execute", message=NOT_ALLOWED)
    async def post(self) -> None:
        from ..preview import effect_risk, preview
        from ..safety import assess

        # a preview runs the command as the server's user and shows its output (a sandbox keeps writes and the
        # network out, not reading): only for users who may run code in a kernel anyway
        if not self.authorizer.is_authorized(self, self.current_user, "execute", "kernels"):
            raise refuse(403, PREVIEW_NOT_ALLOWED)
        data = self.body()
        command = self.text(data, "command")
        if not command.strip():
            raise refuse(400, "Nothing to preview: give a command.")
        if len(command) > 20_000:
            raise refuse(400, f"The command is {len(command):,} characters long; the limit is 20,000.")
        timeout = data.get("timeout")
        if timeout is not None and (not isinstance(timeout, (int, float)) or not 0.5 <= timeout <= 60):
            raise refuse(400, "timeout must be a number of seconds from 0.5 to 60.")
        folder = self.folder(data)
        if not _PREVIEWS.acquire(blocking=False):
            raise refuse(503, f"{MAX_PREVIEWS} previews are already running on this server; try again when one "
                              f"has ended.")
        try:
            result = await asyncio.get_running_loop().run_in_executor(
                None, lambda: preview(command, cwd=folder, timeout=timeout))
        except DevGPTError as exc:
            return self.fail(400, str(exc))
        finally:
            _PREVIEWS.release()
        risk = effect_risk(assess(command, cwd=folder), result)
        self.finish(json.dumps({"preview": result.to_json(), "html": result.html(), "risk": risk.model_dump()}))


class PullHandler(_Base):
    """POST {model}: download a registry local preset into the models folder (never a path or a URL), streaming
    newline-delimited JSON: ``start`` (name, size), ``progress`` lines, then ``done`` (the file) or ``error``.
    The download goes on if the panel is closed; one pull per model at a time (409 for a second)."""

    @web.authenticated
    @authorized(action="execute", message=NOT_ALLOWED)
    async def post(self) -> None:
        from ..models import pull as pulling
        from ..models.local_files import is_available
        from ..models.registry import resolve
        from .model_policy import pullable

        data = self.body()
        name = data.get("model")
        if not isinstance(name, str) or not name.strip() or len(name) > 100:
            raise refuse(400, "model must be the name of a local preset, e.g. qwen2.5-coder-1.5b.")
        try:
            spec = resolve(name.strip())
        except UnknownModelError as exc:
            raise refuse(400, str(exc)) from None
        if not pullable(spec):
            raise refuse(400, f"{name.strip()!r} is not a local preset that can be pulled: pick one marked "
                              f"'not downloaded' in the model picker.")
        running: set[str] = self.settings.setdefault("devgpt_pulls", set())
        if spec.name in running:
            raise refuse(409, f"{spec.name} is already being pulled: wait for it to finish.")
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        def say(text: str) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, {"type": "progress", "line": " ".join(str(text).split())})

        reported = [0.0]

        def progress(got: int, total: int) -> None:
            """How far the download got, at most twice a second (the bar's own updates come far more often)."""
            now = time.monotonic()
            if now - reported[0] < 0.5 and got < total:
                return
            reported[0] = now
            share = f" ({100 * got / total:.0f}%)" if total else ""
            loop.call_soon_threadsafe(queue.put_nowait, {
                "type": "progress", "done": got, "total": total,
                "line": f"{pulling.human_size(got)} of {pulling.human_size(total)}{share}"})

        def work() -> None:
            try:
                path = pulling.pull(spec, say=say, progress=progress)
                event = {"type": "done", "model": spec.name, "file": os.path.basename(str(path)),
                         "available": is_available(spec)}
            except DevGPTError as exc:
                event = {"type": "error", "error": for_the_panel(str(exc))}
            except Exception as exc:  # noqa: BLE001 - reported to the panel, logged in full
                self.log.error("devgpt: pull failed", exc_info=exc)
                event = {"type": "error", "error": f"internal error: {type(exc).__name__}"}
            finally:
                loop.call_soon_threadsafe(running.discard, spec.name)
            loop.call_soon_threadsafe(queue.put_nowait, event)

        running.add(spec.name)
        threading.Thread(target=work, name=f"devgpt-pull-{spec.name}", daemon=True).start()
        self.set_header("Content-Type", "application/x-ndjson")
        self.set_header("Cache-Control", "no-cache")
        await self._send({"type": "start", "model": spec.name, "size": spec.size,
                          "size_text": pulling.human_size(spec.size)})
        while True:
            event = await queue.get()
            if not await self._send(event):
                return  # the panel went away; the pull goes on in its thread
            if event["type"] in ("done", "error"):
                return self.finish()

    async def _send(self, event: dict[str, Any]) -> bool:
        try:
            self.write(json.dumps(event) + "\n")
            await self.flush()
            return True
        except StreamClosedError:
            return False


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
        (url_path_join(base, "models", "check"), ModelCheckHandler),
        (url_path_join(base, "models", "pull"), PullHandler),
        (url_path_join(base, "preview"), PreviewHandler),
        (url_path_join(base, "assess"), AssessHandler),
        (url_path_join(base, "suggest"), SuggestHandler),
        (url_path_join(base, "explain"), ExplainHandler),
        (url_path_join(base, "chat"), ChatHandler),
    ])
