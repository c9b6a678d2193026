"""A seccomp filter for previews: no Unix-domain sockets.

Why: a preview shows the real file system read-only, and a Unix socket on a read-only mount can still be
connected to. Through one a command could reach a program outside the sandbox that acts for it: a tmux or
screen server (``tmux send-keys`` types into the user's real shell), the Docker daemon, the user's systemd
or D-Bus session. Network namespaces already cut TCP/IP and abstract sockets; this cuts path sockets:
``socket(AF_UNIX, ...)`` fails with EACCES. Programs that merely try (name-service lookups, syslog) fall
back as they do on a machine without those services. Foreign system-call ABIs (32-bit, x32) are refused
outright, since their numbers differ and ``socketcall`` would get around the rule, and so is io_uring, whose
socket operation would too.

The filter is a classic BPF program handed to bubblewrap (``--seccomp FD``), which installs it after
setting no-new-privileges. Known architectures: x86_64 and aarch64; elsewhere there is no filter and the
preview says so in its notes.
"""

from __future__ import annotations

import platform
import struct

_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_RET_K = 0x06
_RET_ALLOW = 0x7FFF0000
_RET_EACCES = 0x00050000 | 13
_AF_UNIX = 1

#: io_uring_setup, io_uring_enter, io_uring_register (the same numbers on every architecture since Linux 5.1):
#: io_uring's IORING_OP_SOCKET makes a socket without the socket() system call, so it would get around the rule
_IO_URING = (425, 426, 427)
#: machine -> (AUDIT_ARCH value, __NR_socket)
_ARCH = {"x86_64": (0xC000003E, 41), "amd64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198),
         "arm64": (0xC00000B7, 198)}


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def no_unix_sockets() -> bytes | None:
    """The filter for this machine's architecture, or None where it is not known."""
    arch = _ARCH.get(platform.machine().lower())
    if arch is None:
        return None
    audit_arch, nr_socket = arch
    program = [
        _insn(_LD_W_ABS, 0, 0, 4),                # 0  A = seccomp_data.arch
        _insn(_JEQ_K, 1, 0, audit_arch),          # 1  native ABI: go on; else refuse
        _insn(_RET_K, 0, 0, _RET_EACCES),         # 2
        _insn(_LD_W_ABS, 0, 0, 0),                # 3  A = seccomp_data.nr
        _insn(_JGE_K, 7, 0, 0x40000000),          # 4  x32 system calls: refuse (12)
        _insn(_JEQ_K, 6, 0, _IO_URING[0]),        # 5  io_uring: refuse (12)
        _insn(_JEQ_K, 5, 0, _IO_URING[1]),        # 6
        _insn(_JEQ_K, 4, 0, _IO_URING[2]),        # 7
        _insn(_JEQ_K, 0, 2, nr_socket),           # 8  not socket(): allow (11)
        _insn(_LD_W_ABS, 0, 0, 16),               # 9  A = low half of args[0] (the domain)
        _insn(_JEQ_K, 1, 0, _AF_UNIX),            # 10 AF_UNIX: refuse (12)
        _insn(_RET_K, 0, 0, _RET_ALLOW),          # 11
        _insn(_RET_K, 0, 0, _RET_EACCES),         # 12
    ]
    return b"".join(program)
