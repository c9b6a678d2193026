"""Talking to the user's local model service, and starting it when it is not running.

Every front end (a kernel, the CLI, the Jupyter server extension) is a client. The first request starts the
service (one at a time, under a file lock); later ones, from any process, find it warm. When the service
dies mid-answer, the request ends with one line saying how it died, nothing in the caller changes, and the
next request starts a fresh service (without weight repacking if the death was a native crash while it
was on: the AMX failure mode).

The client speaks HTTP over the Unix socket with the standard library's ``http.client``: a ``devgpt``
process must answer in about a second, and importing the OpenAI SDK alone takes 1.2 s here (httpx 0.3 s).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import CancelledError, ProviderError, RequestError
from .runtime import RuntimeFiles, pid_alive

START_TIMEOUT_S = 60.0
_GONE = (ConnectionError, http.client.HTTPException, FileNotFoundError, socket.timeout, OSError)


@functools.lru_cache(maxsize=1)
def service_fingerprint() -> str:
    """The package version and a hash of the service's code: a client never talks to a stale service."""
    from .. import __version__

    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = str(path)

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        try:
            check_peer(sock, self._path)
        except ProviderError:
            sock.close()
            raise
        self.sock = sock


def check_peer(sock: socket.socket, path: str, expected_uid: int | None = None) -> None:
    """Before the token or a prompt is sent: the process at the other end runs as this user. The runtime
    folder is private, so only root could have put another user's socket there; this says so instead of
    handing that process the token and the user's prompts."""
    if not hasattr(socket, "SO_PEERCRED"):  # not Linux: the private folder is the only guard
        return
    import struct

    expected = os.getuid() if expected_uid is None else expected_uid
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, _gid = struct.unpack("3i", raw)
    if uid != expected:
        raise ProviderError(f"The local model socket {path} is served by another user (uid {uid}, pid {pid}); "
                            f"nothing was sent to it. Remove that folder or set DEVGPT_RUNTIME_DIR.")


def idle_seconds() -> float:
    from ..settings import number_setting

    return max(5.0, number_setting("DEVGPT_SERVICE_IDLE", 900.0, "seconds, e.g. 900"))


class ServiceDied(ProviderError):
    """The service process ended while answering."""


class PromptTooLong(RequestError):
    """The prompt does not fit the model's context (the caller says which model and what to do)."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"The request is too long for the local model: {detail}.")


class ServiceClient:
    def __init__(self, files: RuntimeFiles | None = None, *, read_timeout: float = 900.0) -> None:
        self.files = files or RuntimeFiles.current()
        self.read_timeout = read_timeout

    # --- plain requests ----------------------------------------------------------------------------------
    def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
              timeout: float = 5.0) -> tuple[int, dict[str, Any]]:
        token = self.files.token()
        if token is None:
            raise FileNotFoundError("no service token")
        conn = _UnixConnection(self.files.socket, timeout)
        try:
            payload = json.dumps(body).encode() if body is not None else None
            conn.request(method, path, body=payload, headers={"Authorization": f"Bearer {token}",
                                                              "Content-Type": "application/json"})
            response = conn.getresponse()
            data = response.read()
            try:
                parsed = json.loads(data) if data else {}
            except ValueError:
                parsed = {"error": {"message": data.decode("utf-8", "replace")[:200]}}
            return response.status, parsed
        finally:
            conn.close()

    def health(self) -> dict[str, Any] | None:
        try:
            status, data = self._call("GET", "/devgpt/health", timeout=2.0)
        except _GONE:
            return None
        return data if status == 200 else None

    def status(self) -> dict[str, Any] | None:
        """The running service's status, or None; never starts one."""
        try:
            status, data = self._call("GET", "/devgpt/status")
        except _GONE:
            return None
        return data if status == 200 else None

    def stop(self, wait_s: float = 10.0) -> dict[str, Any] | None:
        """Ask the service to exit (its generations are cancelled); returns what it was, or None."""
        before = self.status()
        if before is None:
            return None
        with contextlib.suppress(*_GONE):
            self._call("POST", "/devgpt/stop")
        deadline = time.time() + wait_s
        while time.time() < deadline and pid_alive(before["pid"]):
            time.sleep(0.05)
        return before

    # --- lifecycle ---------------------------------------------------------------------------------------
    def ensure(self) -> None:
        """A healthy service of this code version is listening, or this starts one."""
        if self._current():
            return
        import fcntl

        self.files.check_socket_path()
        with open(self.files.lock_file, "a") as lock:
            os.chmod(self.files.lock_file, 0o600)
            fcntl.flock(lock, fcntl.LOCK_EX)  # another client may be starting it right now
            try:
                if self._current():
                    return
                self._start()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _current(self) -> bool:
        health = self.health()
        if health is None:
            return False
        if health.get("version") == service_fingerprint():
            return True
        status = self.status() or {}
        if status.get("generating"):
            return True  # an older service that is busy: use it rather than cut another client off
        self.stop()
        return False

    def last_crash(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.files.crash_file.read_text())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _start(self) -> None:
        info = self.files.read_info()
        if info and not pid_alive(int(info.get("pid", 0))):
            self.files.clear()  # a service that died without tidying up
        from ..secrets import without_credentials

        env = without_credentials(os.environ)  # the service needs no credentials: it never sees the user's keys
        # llama.cpp's OpenMP threads spin while they wait for each other; on a machine where anything else is
        # busy (a notebook computing, a build) that turns each step of the model into a wait for a descheduled
        # thread. Sleeping instead costs little when the machine is quiet (python -m evaluation bench --only
        # threads measures both); a user's own OMP_WAIT_POLICY wins.
        env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        package_root = str(Path(__file__).resolve().parents[2])  # importable from "/" even when not installed
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
        crash = self.last_crash()
        if crash and crash.get("native") and crash.get("repack") and env.get("DEVGPT_LLAMA_REPACK", "auto") == "auto":
            env["DEVGPT_LLAMA_REPACK"] = "off"  # the AMX failure mode: load the safe way from now on
        from ..settings import cache_root

        argv = [sys.executable, "-m", "devgpt_magic.service", "--runtime-dir", str(self.files.folder),
                "--idle", f"{idle_seconds():g}", "--cache-dir", str(cache_root()),
                "--max-models", str(int(os.environ.get("DEVGPT_SERVICE_MODELS", "2") or 2))]
        started = time.time()
        with contextlib.suppress(OSError):
            if self.files.log_file.stat().st_size > 1 << 20:  # keep the log small: the last start matters
                self.files.log_file.unlink()
        log = os.open(self.files.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:  # the launcher exits at once; what it and the service print goes to the log, not a pipe
            launcher = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, timeout=30,
                                      start_new_session=True, cwd="/")
        finally:
            os.close(log)
        if launcher.returncode != 0:
            raise ProviderError(f"The local model service could not start ({self._log_tail()}); see "
                                f"{self.files.log_file}.")
        while time.time() < started + START_TIMEOUT_S:
            if self.health() is not None:
                return
            crash = self.last_crash()
            if crash and crash.get("when", 0) > started:
                raise ProviderError(f"The local model service exited as it started ({self._log_tail()}); see "
                                    f"{self.files.log_file}.")
            time.sleep(0.05)
        raise ProviderError(f"The local model service did not start within {START_TIMEOUT_S:g} s: see "
                            f"{self.files.log_file}.")

    def _log_tail(self) -> str:
        try:
            lines = [line for line in self.files.log_file.read_text(errors="replace").splitlines() if line.strip()]
        except OSError:
            return "no log"
        return lines[-1].strip()[:200] if lines else "no log"

    # --- generation --------------------------------------------------------------------------------------
    def stream(self, path: str, body: dict[str, Any],
               cancel: threading.Event | None = None) -> Iterator[dict[str, Any]]:
        """The service's stream chunks for one request. Closing the iterator (Ctrl-C) or setting ``cancel``
        (a browser that went away) closes the connection, and the service stops generating: even while the
        prompt is still being evaluated or the request waits for the model."""
        self.ensure()
        started = time.time()
        token = self.files.token() or ""
        conn = _UnixConnection(self.files.socket, self.read_timeout)
        finished = threading.Event()
        if cancel is not None:
            threading.Thread(target=_hang_up_when, args=(cancel, finished, conn), daemon=True).start()
        try:
            try:
                conn.request("POST", path, body=json.dumps({**body, "stream": True}).encode(),
                             headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
                response = conn.getresponse()
                if response.status != 200:
                    self._refuse(response.status, response.read())
                for chunk in _events(response):
                    if "error" in chunk:
                        error = chunk["error"] or {}
                        self._refuse(int(error.get("code") or 500), json.dumps({"error": error}).encode())
                    yield chunk
            except _GONE as exc:
                if cancel is not None and cancel.is_set():
                    raise CancelledError("The request was cancelled before the reply was complete.") from None
                raise self._died(started, exc) from None
        finally:
            finished.set()
            conn.close()  # the service sees the disconnect and stops generating

    @staticmethod
    def _refuse(status: int, raw: bytes) -> None:
        try:
            error = json.loads(raw)["error"]
            message, kind = error["message"], error.get("type")
        except (ValueError, KeyError, TypeError):
            message, kind = raw.decode("utf-8", "replace")[:200], None
        if kind == "context_length_exceeded":
            raise PromptTooLong(message)
        if status == 400:
            raise RequestError(f"The local model cannot take this request: {message}.")
        raise ProviderError(f"The local model service failed (HTTP {status}): {message}.")

    def _died(self, started: float, exc: BaseException) -> ProviderError:
        deadline = time.time() + 3.0
        crash = None
        while time.time() < deadline:  # the supervisor records the death a moment after it happens
            crash = self.last_crash()
            if crash and crash.get("when", 0) >= started - 1:
                break
            crash = None
            info = self.files.read_info()
            if info and pid_alive(int(info.get("pid", 0))) and self.health() is not None:
                break
            time.sleep(0.05)
        if crash is None:
            return ServiceDied(f"Lost the connection to the local model service ({type(exc).__name__}); nothing "
                               f"was changed. Try again: the next request restarts it if needed.", retryable=True)
        how = crash.get("name", "a signal")
        why = " (a crash inside llama.cpp)" if crash.get("native") else ""
        safe = (" It will load models without weight repacking from now on (the AMX crash)."
                if crash.get("native") and crash.get("repack") else "")
        return ServiceDied(f"The local model service died while answering: killed by {how}{why}; nothing was "
                           f"changed. The next request starts a fresh one.{safe} Log: {self.files.log_file}",
                           retryable=True)


def _hang_up_when(cancel: threading.Event, finished: threading.Event, conn: http.client.HTTPConnection) -> None:
    while not finished.is_set():
        if cancel.wait(0.2):
            with contextlib.suppress(OSError):
                if conn.sock is not None:
                    conn.sock.shutdown(socket.SHUT_RDWR)
            return


def _events(response: http.client.HTTPResponse) -> Iterator[dict[str, Any]]:
    """Server-sent events: ``data: {...}`` lines, ended by ``data: [DONE]``."""
    while True:
        line = response.readline()
        if not line:
            raise ConnectionResetError("the stream ended before [DONE]")
        line = line.strip()
        if not line.startswith(b"data:"):
            continue
        data = line[5:].strip()
        if data == b"[DONE]":
            return
        yield json.loads(data)
