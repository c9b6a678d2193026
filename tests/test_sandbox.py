"""The shared sandbox (devgpt_magic.sandbox) with real bubblewrap: views, limits, and what they cannot contain."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from devgpt_magic import sandbox
from devgpt_magic.sandbox import views

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None or not sandbox.availability().ok,
                                 reason="needs bubblewrap (apt-get install bubblewrap) and user namespaces")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    (work / "a.txt").write_text("alpha\nbeta\n")
    (work / "sub" / "k.tmp").write_text("keep?\n")
    (work / "b.tmp").write_text("x\n")
    return work


def changed(run: sandbox.ViewRun, kind: str, root: Path) -> set[str]:
    return {os.path.relpath(c.path, root) for c in run.changes if c.kind == kind}


@needs_bwrap
@pytest.mark.parametrize("method", ["overlay", "copy"])
def test_both_views_report_the_same_changes(folder, method):
    run = sandbox.run_in_view("rm b.tmp; mv a.txt c.txt; rm -r sub; mkdir new; echo n > new/n; chmod 600 c.txt",
                              folder, method=method)
    assert run.method == method and run.exit_code == 0, run.stderr
    assert changed(run, "deleted", folder) == {"a.txt", "b.tmp", "sub", "sub/k.tmp"}
    assert changed(run, "created", folder) == {"c.txt", "new", "new/n"}
    moved = next(c for c in run.changes if c.path.endswith("c.txt"))
    assert moved.detail == f"moved from {folder / 'a.txt'}"
    assert (folder / "a.txt").exists() and not (folder / "c.txt").exists() and (folder / "sub" / "k.tmp").exists()


@needs_bwrap
def test_overlay_refused_falls_back_to_a_copy(folder, tmp_path, monkeypatch):
    """Where the kernel refuses overlay mounts in a user namespace, the helper says so and a copy is used."""
    fake = tmp_path / "helper.py"
    fake.write_text("import json, os, sys\nspec = json.loads(sys.argv[1])\n"
                    "if spec['overlays']:\n"
                    "    os.write(spec['probe_fd'], b'helper-error overlay mount of x: Operation not permitted\\n')\n"
                    "    os._exit(97)\n"
                    f"os.execv(sys.executable, [sys.executable, '-I', '-S', {str(views._HELPER)!r}] + sys.argv[1:])\n")
    monkeypatch.setattr(views, "_HELPER", fake)
    run = sandbox.run_in_view("sed -i s/alpha/ALPHA/ a.txt", folder)
    assert run.method == "copy" and any("overlay mounts are not allowed" in n for n in run.notes)
    assert changed(run, "modified", folder) == {"a.txt"} and "+ALPHA" in run.changes[0].diff
    monkeypatch.setattr(views, "COPY_MAX_FILES", 2)
    with pytest.raises(sandbox.SandboxUnavailable, match="too large to preview by copying"):
        sandbox.run_in_view("true", folder)


@needs_bwrap
def test_writes_outside_the_views_are_caught_not_made(folder):
    marker = f"devgpt-out-{uuid.uuid4().hex}"
    run = sandbox.run_in_view(f"touch /tmp/{marker}; touch /etc/{marker}; touch /usr/{marker}; echo done", folder)
    assert run.stdout == "done\n"
    assert f"/tmp/{marker}" in run.outside_writes
    assert f"/etc/{marker}" in run.readonly_writes and f"/usr/{marker}" in run.readonly_writes
    assert not any(Path(p, marker).exists() for p in ("/tmp", "/etc", "/usr"))


@needs_bwrap
def test_network_attempts_are_seen_and_blocked(folder):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    accepted: list = []

    def accept() -> None:
        deadline = time.time() + 3
        while time.time() < deadline:
            try:
                accepted.append(server.accept())
            except OSError:
                continue

    thread = threading.Thread(target=accept)
    thread.start()
    # bash itself: the user's $SHELL runs the command, and /bin/sh (where SHELL is unset, as in CI) has no /dev/tcp
    run = sandbox.run_in_view(f"bash -c 'exec 3<>/dev/tcp/127.0.0.1/{port}' && echo connected", folder)
    thread.join()
    server.close()
    assert "connected" not in run.stdout and not accepted  # the host's loopback was never reached
    assert run.network
    quiet = sandbox.run_in_view("cat a.txt", folder)
    assert not quiet.network and quiet.stdout == "alpha\nbeta\n"


@needs_bwrap
def test_no_unix_sockets_so_no_host_services(folder, tmp_path):
    """A Unix socket is reachable through a read-only mount; the filter stops the sandbox from using one."""
    path = tmp_path / "service.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.listen(1)
    try:
        code = (f"import socket; s = socket.socket(socket.AF_UNIX); s.connect({str(path)!r}); print('connected')")
        run = sandbox.run_in_view(f"{sys.executable} -c \"{code}\"", folder)
        assert "connected" not in run.stdout and "PermissionError" in run.stderr
        assert sandbox.run_in_view("ls -l a.txt", folder).exit_code == 0  # name lookups still work
    finally:
        server.close()


@needs_bwrap
def test_no_io_uring_so_no_socket_without_socket(folder):
    """io_uring can make a socket without the socket() system call (IORING_OP_SOCKET): it is refused too."""
    code = ("import ctypes; libc = ctypes.CDLL(None, use_errno=True); params = ctypes.create_string_buffer(120); "
            "print(libc.syscall(425, 4, params), ctypes.get_errno())")
    outside = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.split()
    if int(outside[0]) < 0:
        pytest.skip(f"io_uring is not available on this machine (errno {outside[1]})")
    run = sandbox.run_in_view(f"{sys.executable} -c \"{code}\"", folder)
    assert run.stdout.split() == ["-1", "13"]  # EACCES


@needs_bwrap
def test_processes_left_running_are_reported_and_stopped(folder):
    tag = f"{uuid.uuid4().int % 1000}.{uuid.uuid4().int % 10**6}"
    run = sandbox.run_in_view(f"sleep {tag} & echo started", folder)
    assert run.stdout == "started\n" and "sleep" in run.stray_processes
    time.sleep(0.3)
    left = subprocess.run(["pgrep", "-f", f"sleep {tag}"], capture_output=True, text=True).stdout
    assert left == ""


@needs_bwrap
def test_time_output_and_disk_limits(folder):
    start = time.monotonic()
    slow = sandbox.run_in_view("sleep 30", folder, timeout=1)
    assert slow.timed_out and slow.exit_code is None and time.monotonic() - start < 10
    loud = sandbox.run_in_view("yes", folder, output_cap=4096, timeout=20)
    assert loud.output_overflow and len(loud.stdout) == 4096 and loud.elapsed_s < 10
    big = sandbox.run_in_view("for i in $(seq 400); do head -c 1048576 /dev/zero >> big; sleep 0.01; done",
                              folder, disk_limit=20 << 20, timeout=30)
    assert big.disk_overflow and big.exit_code is None and not (folder / "big").exists()


@needs_bwrap
def test_scratch_space_is_removed_and_hidden(folder):
    before = {p.name for p in Path("/tmp").glob("devgpt-preview-*")}
    run = sandbox.run_in_view("ls -d /tmp/devgpt-preview-*/* 2>/dev/null | wc -l", folder)
    assert run.stdout.strip() == "0"  # the sandbox cannot see our scratch layers
    assert {p.name for p in Path("/tmp").glob("devgpt-preview-*")} <= before


def test_availability_says_what_to_do(monkeypatch):
    from devgpt_magic.sandbox import bwrap

    monkeypatch.setattr(bwrap.shutil, "which", lambda name: None)
    result = sandbox.availability()
    assert not result.ok and "apt-get install bubblewrap" in result.reason and "\n" not in result.reason
    monkeypatch.setattr(bwrap.sys, "platform", "darwin")
    assert "not available on macOS" in sandbox.availability().reason
    monkeypatch.setattr(bwrap.sys, "platform", "win32")
    assert "not available on Windows" in sandbox.availability().reason
    with pytest.raises(sandbox.SandboxUnavailable, match="not available on Windows"):
        sandbox.run_in_view("true", ".")


def test_seccomp_program_shape():
    from devgpt_magic.sandbox.seccomp import no_unix_sockets

    program = no_unix_sockets()
    if program is None:
        pytest.skip("no filter for this architecture")
    assert len(program) % 8 == 0 and len(program) // 8 == 13


def test_an_unreadable_file_is_never_made_readable(tmp_path, monkeypatch):
    """The lower layer is the user's real folder: hashing must not chmod a file it may not read."""
    from devgpt_magic.sandbox import changes

    secret = tmp_path / "private"
    secret.write_text("x")
    secret.chmod(0)

    def refuse(*args, **kwargs):  # what open() does for a user who may not read the file (the suite runs as root)
        raise PermissionError(13, "Permission denied", str(args[0]))

    monkeypatch.setattr(changes, "open", refuse, raising=False)
    digest = changes.file_hash(secret)
    assert digest.startswith("unreadable:1:") and stat.S_IMODE(secret.stat().st_mode) == 0
