"""Set up a preview's copy-on-write views, then become bubblewrap. Run as a script (``python -I -S``).

Bubblewrap 0.8 (Debian bookworm) cannot mount overlays, so this small step does it first: it enters a new
user and mount namespace (no privileges needed on kernels from 5.11 that allow overlayfs there), maps the
caller's own user to root in it, mounts one overlay per view (the real folder as the read-only lower
layer, a scratch folder as the upper layer) and replaces itself with ``bwrap``, which binds the merged
views over the real paths inside the sandbox. The mounts exist only in this namespace and vanish with it.

Standard library only and nothing imported from the package: it runs isolated, before anything else, and
must start fast. Failures go to the probe pipe as one ``helper-error`` line (exit 97), so the caller can
tell "the sandbox could not be set up" from "the command failed".

argv[1] is JSON: {"probe_fd": int, "overlays": [{"lower", "upper", "work", "merged"}], "seccomp": hex | null,
"argv": [...bwrap argv, with "{SECCOMP_FD}" where the filter's descriptor number goes]}.
"""

import ctypes
import json
import os
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
HELPER_FAILED = 97


def main() -> None:
    spec = json.loads(sys.argv[1])
    probe = spec["probe_fd"]

    def fail(message: str) -> None:
        os.write(probe, ("helper-error " + " ".join(message.split()) + "\n").encode("utf-8", "replace"))
        os._exit(HELPER_FAILED)

    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    if spec["overlays"]:
        uid, gid = os.getuid(), os.getgid()
        if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0:
            fail("unshare: " + os.strerror(ctypes.get_errno()))
        try:
            for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
                with open(f"/proc/self/{name}", "w") as handle:
                    handle.write(text)
        except OSError as exc:
            fail(f"user namespace mapping: {exc.strerror}")
        if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
            fail("making mounts private: " + os.strerror(ctypes.get_errno()))
        for view in spec["overlays"]:
            options = "lowerdir={},upperdir={},workdir={},userxattr".format(
                _escape(view["lower"]), _escape(view["upper"]), _escape(view["work"]))
            if libc.mount(b"overlay", view["merged"].encode(), b"overlay", 0, options.encode()) != 0:
                fail("overlay mount of {}: {}".format(view["lower"], os.strerror(ctypes.get_errno())))
    os.dup2(probe, 3)  # the wrapper inside the sandbox reports on descriptor 3
    if probe != 3:
        os.close(probe)
    argv = spec["argv"]
    if spec.get("seccomp"):
        program = bytes.fromhex(spec["seccomp"])
        read_end, write_end = os.pipe()
        os.write(write_end, program)  # a few hundred bytes: fits the pipe buffer
        os.close(write_end)
        os.set_inheritable(read_end, True)
        argv = [str(read_end) if a == "{SECCOMP_FD}" else a for a in argv]
    try:
        os.execv(argv[0], argv)
    except OSError as exc:
        fail(f"starting {argv[0]}: {exc.strerror}")


def _escape(path: str) -> str:
    """Overlay options split at commas and layer lists at colons; a backslash escapes either."""
    return path.replace("\\", "\\\\").replace(",", "\\,").replace(":", "\\:")


if __name__ == "__main__":
    main()
