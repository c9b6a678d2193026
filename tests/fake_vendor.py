"""A real HTTP server on loopback that answers like a cloud vendor, so the vendors' real SDKs run.

Tests queue responses (status, JSON body or SSE events, headers, delay); every request is recorded with
its path, headers and JSON body, so tests can check what an SDK actually sent.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    events: list[Any] | None = None  # server-sent events: each is a dict (data) or (event, data)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    event_delay: float = 0.0  # between two events: a reply that streams for a while


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class FakeVendor:
    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[Seen] = []
        #: for each event stream the client hung up on: how many events it had been sent
        self.hangups: list[int] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                owner.requests.append(Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                                           body))
                reply = owner.replies.pop(0) if len(owner.replies) > 1 else (owner.replies[0] if owner.replies
                                                                             else Reply(500, {"error": "no reply"}))
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    if reply.events is not None:
                        self._send_events(reply)
                    else:
                        data = json.dumps(reply.body).encode()
                        self.send_response(reply.status)
                        self.send_header("content-type", "application/json")
                        self.send_header("content-length", str(len(data)))
                        for k, v in reply.headers.items():
                            self.send_header(k, v)
                        self.end_headers()
                        self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _send_events(self, reply: Reply) -> None:
                self.send_response(reply.status)
                self.send_header("content-type", "text/event-stream")
                self.send_header("connection", "close")
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                for sent, event in enumerate(reply.events or []):
                    if sent and reply.event_delay:
                        time.sleep(reply.event_delay)
                    if isinstance(event, tuple):
                        name, data = event
                        chunk = f"event: {name}\ndata: {json.dumps(data)}\n\n"
                    elif event == "[DONE]":
                        chunk = "data: [DONE]\n\n"
                    else:
                        chunk = f"data: {json.dumps(event)}\n\n"
                    try:
                        self.wfile.write(chunk.encode())
                        self.wfile.flush()
                    except (BrokenPipeError, ConnectionResetError):
                        owner.hangups.append(sent)
                        raise
                self.close_connection = True

            do_POST = _handle
            do_GET = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def queue(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.requests.clear()
        self.hangups.clear()

    def __enter__(self) -> "FakeVendor":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
