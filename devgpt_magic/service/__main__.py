"""``python -m devgpt_magic.service``: start the user's local model service in the background.

Three processes, so that nothing is left for the caller to reap and a crash is recorded:
the launcher (started by a client) forks a supervisor and exits at once; the supervisor forks the service,
waits for it, and when the service dies of a signal (a segfault in native code, SIGKILL, the OOM killer)
writes down how, which the next client reads to explain the failure and to load more safely; the service
loads models and answers on the Unix socket until it has been idle for ``--idle`` seconds or is told to stop.
``--foreground`` runs the service in the calling process (for debugging).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path

from .runtime import RuntimeFiles, private_dir, write_private

NATIVE_CRASHES = {signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGABRT, signal.SIGFPE}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devgpt_magic.service")
    parser.add_argument("--runtime-dir", required=True)
    parser.add_argument("--idle", type=float, default=900.0, help="exit after this many idle seconds")
    parser.add_argument("--max-models", type=int, default=2)
    parser.add_argument("--cache-dir", default="", help="where prefix snapshots persist")
    parser.add_argument("--foreground", action="store_true")
    return parser.parse_args(argv)


def record_exit(files: RuntimeFiles, pid: int, status: int) -> None:
    """Called by the supervisor when the service ends; a signal death is kept for the next client."""
    info = files.read_info() or {}
    if info.get("pid") == pid:
        files.clear()
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        record = {"pid": pid, "signal": sig, "name": signal.Signals(sig).name, "when": time.time(),
                  "native": sig in NATIVE_CRASHES, "repack": info.get("repack"),
                  "models": info.get("models_seen", [])}
        write_private(files.crash_file, json.dumps(record))
    elif os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        try:
            files.crash_file.unlink()  # a clean exit: the next service needs no caution
        except FileNotFoundError:
            pass
    else:  # it failed by itself (e.g. at start-up): the waiting client reads why in the log
        write_private(files.crash_file, json.dumps({"pid": pid, "exit_code": os.WEXITSTATUS(status),
                                                    "when": time.time(), "native": False}))


def _supervise(args: argparse.Namespace, files: RuntimeFiles) -> None:
    os.setsid()
    child = os.fork()
    if child == 0:
        _serve(args, files)
        os._exit(0)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda s, _f: os.kill(child, signal.SIGTERM))
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except InterruptedError:
            continue
    record_exit(files, child, status)
    os._exit(0)


def _serve(args: argparse.Namespace, files: RuntimeFiles) -> None:
    log = os.open(files.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    if not args.foreground:
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
    import faulthandler

    faulthandler.enable()  # a native crash leaves its Python stack in the log
    from .server import run_service

    code = run_service(files, idle_s=args.idle, max_models=args.max_models,
                       cache_root=Path(args.cache_dir) if args.cache_dir else None)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> None:
    args = _parse(argv)
    files = RuntimeFiles(private_dir(Path(args.runtime_dir), "local model service", "DEVGPT_RUNTIME_DIR"))
    if args.foreground:
        _serve(args, files)
        return
    if os.fork() > 0:
        os._exit(0)  # the launcher: the caller waits only for this
    _supervise(args, files)


if __name__ == "__main__":
    main()
