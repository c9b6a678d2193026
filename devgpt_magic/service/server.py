"""Running the service: bind the private socket, announce ourselves, serve, and leave tidily.

uvicorn serves the app on a socket bound here (0600, in the 0700 runtime folder) and handed over by file
descriptor, so uvicorn never widens its permissions. A watchdog ends the process after the idle time;
at the end each model's prefix snapshots are written to the cache folder for the next service.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from pathlib import Path

from .app import ServiceState, build_app
from .client import service_fingerprint
from .cpu import report
from .host import ModelHost
from .runtime import RuntimeFiles


def _bind(path: Path) -> socket.socket:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        sock.bind(str(path))
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    sock.listen(64)
    return sock


def run_service(files: RuntimeFiles, *, idle_s: float, max_models: int, cache_root: Path | None) -> int:
    import uvicorn

    files.check_socket_path()
    cpu = report()
    host = ModelHost(cpu, max_models=max_models, cache_root=cache_root)
    token = files.new_token()
    sock = _bind(files.socket)
    info = {"pid": os.getpid(), "version": service_fingerprint(), "started": time.time(), "socket": str(files.socket),
            "repack": host.repack, "amx": cpu.amx, "log": str(files.log_file)}
    state = ServiceState(host, token, idle_s=idle_s, info=info)
    app = build_app(state)
    config = uvicorn.Config(app, fd=sock.fileno(), log_level="warning", access_log=False, lifespan="off",
                            timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)

    def request_exit(reason: str) -> None:
        state.exit_reason = reason
        server.should_exit = True
        host.cancel_all()

    state.request_exit = request_exit

    async def watchdog() -> None:
        while not server.should_exit:
            await asyncio.sleep(min(5.0, max(0.2, idle_s / 10)))
            idle = time.time() - state.last_activity
            if host.active == 0 and state.open_requests == 0 and idle >= idle_s:
                request_exit(f"idle for {idle:.0f} s")

    async def main() -> None:
        task = asyncio.create_task(watchdog())
        try:
            await server.serve()
        finally:
            task.cancel()

    files.write_info(info)
    print(f"devgpt service {os.getpid()} ready on {files.socket} ({cpu.summary}; repack "
          f"{'on' if host.repack else 'off'})", flush=True)
    try:
        asyncio.run(main())
    finally:
        host.close()
        sock.close()
        current = files.read_info() or {}
        if current.get("pid") == os.getpid():
            files.clear()
        print(f"devgpt service {os.getpid()} stopped: {state.exit_reason or 'signal'}", flush=True)
    return 0
