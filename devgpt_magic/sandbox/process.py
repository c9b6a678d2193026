"""Running the sandbox process with limits: time, output, and disk written.

One loop reads standard output, standard error and the sandbox's report pipe together (so neither fills
and blocks the command), keeps at most ``output_cap`` bytes of each stream, and stops the whole process
group at the time limit, past the output limit, or when the scratch file system has lost more than
``disk_limit`` bytes since the start (a preview of ``dd if=/dev/zero of=big`` must not fill the disk).
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass, field


@dataclass
class ProcessResult:
    exit_code: int | None
    stdout: bytes
    stderr: bytes
    report: bytes = b""
    elapsed_s: float = 0.0
    timed_out: bool = False
    #: a stream passed ``output_cap`` (what is kept is its first ``output_cap`` bytes)
    output_overflow: bool = False
    #: the watched file system lost more than ``disk_limit`` bytes; the command was stopped
    disk_overflow: bool = False
    #: bytes each stream printed in all (kept or not)
    printed: dict[str, int] = field(default_factory=dict)


def run_limited(argv: list[str], *, timeout: float, output_cap: int, env: dict[str, str] | None = None,
                report_fd: tuple[int, int] | None = None, stop_on_overflow: bool = True, disk_watch: tuple[str, ...] | list[str] = (),
                disk_limit: int = 0, cwd: str | None = None) -> ProcessResult:
    """Run ``argv`` in a session of its own, stdin empty; ``report_fd`` is the read end of a pipe whose write
    end the caller passes to the child (and closes after this starts it)."""
    start = time.monotonic()
    child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=env, cwd=cwd, start_new_session=True,
                             pass_fds=_passed_fds(report_fd))
    if report_fd is not None:
        os.close(report_fd[1])
    assert child.stdout is not None and child.stderr is not None
    streams: dict[int, str] = {child.stdout.fileno(): "stdout", child.stderr.fileno(): "stderr"}
    if report_fd is not None:
        streams[report_fd[0]] = "report"
    kept: dict[str, bytearray] = {name: bytearray() for name in streams.values()}
    printed = {name: 0 for name in streams.values()}
    free_at_start = {path: _free_bytes(path) for path in disk_watch}
    selector = selectors.DefaultSelector()
    for fd in streams:
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ)
    timed_out = overflow = disk_full = False
    stopped = False
    next_disk_check = start
    try:
        while selector.get_map():
            now = time.monotonic()
            if not stopped and now - start > timeout:
                timed_out = stopped = True
                _kill_group(child)
            if not stopped and disk_watch and now >= next_disk_check:
                next_disk_check = now + 0.1
                if any(free_at_start[p] - _free_bytes(p) > disk_limit for p in disk_watch):
                    disk_full = stopped = True
                    _kill_group(child)
            wait = 0.1 if not stopped else 0.5
            events = selector.select(wait)
            if stopped and not events and time.monotonic() - start > timeout + 5:
                break  # something outside the group still holds a pipe: stop waiting for it
            for key, _ in events:
                fd = key.fd
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    selector.unregister(fd)
                    continue
                name = streams[fd]
                printed[name] += len(chunk)
                room = output_cap - len(kept[name]) if name != "report" else len(chunk)
                if room > 0:
                    kept[name] += chunk[:room]
                if name != "report" and printed[name] > output_cap:
                    overflow = True
                    if stop_on_overflow and not stopped:
                        stopped = True
                        _kill_group(child)
        remaining = max(0.1, timeout - (time.monotonic() - start)) if not stopped else 5.0
        try:
            code: int | None = child.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(child)
            code = child.wait()
    finally:
        selector.close()
        for stream in (child.stdout, child.stderr):
            stream.close()
        if report_fd is not None:
            os.close(report_fd[0])
        if child.poll() is None:
            _kill_group(child)
            child.wait()
    return ProcessResult(exit_code=None if (timed_out or disk_full) else code, stdout=bytes(kept["stdout"]),
                         stderr=bytes(kept["stderr"]), report=bytes(kept.get("report", b"")),
                         elapsed_s=time.monotonic() - start, timed_out=timed_out, output_overflow=overflow,
                         disk_overflow=disk_full, printed=printed)


def _passed_fds(report_fd: tuple[int, int] | None) -> tuple[int, ...]:
    return () if report_fd is None else (report_fd[1],)


def _kill_group(child: subprocess.Popen) -> None:
    """SIGKILL the sandbox's process group: bubblewrap dies, and with it (``--die-with-parent``) the sandbox's
    first process, whose end takes down every process in the sandbox's PID namespace."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _free_bytes(path: str) -> int:
    try:
        st = os.statvfs(path)
    except OSError:
        return 0
    return st.f_bavail * st.f_frsize
