"""Rules for administration tools that destroy data or hand out privileges in one word: disk encryption,
program capabilities, container engines' resets, key-value stores behind clusters.

Each was once rated safe because no rule knew it (an attacker's review: ``cryptsetup luksErase /dev/sda``,
``setcap cap_setuid+ep /usr/bin/python3``, ``podman system reset -f``, ``etcdctl del "" --prefix``).
"""

from __future__ import annotations

import re

from .model import Cmd

#: cryptsetup actions after which the data on the device cannot be read again
_CRYPT_DESTROYS = {"luksErase", "erase", "luksFormat", "reencrypt", "luksKillSlot", "luksRemoveKey", "repair",
                   "convert", "luksHeaderRestore"}
_CRYPT_READS = {"status", "luksDump", "isLuks", "luksUUID", "benchmark", "tcryptDump", "bitlkDump", "fvault2Dump",
                "config", "--help", "--version"}


def cryptsetup(cmd: Cmd) -> None:
    action = next((w for w in cmd.argv[1:] if not w.startswith("-")), "")
    if action in _CRYPT_DESTROYS:
        cmd.add("dangerous", f"destroys or rewrites the encryption keys of a disk (cryptsetup {action}): "
                             "its data may be lost for good")
    elif action not in _CRYPT_READS:
        cmd.add("caution", f"changes disk encryption (cryptsetup {action or 'with no action'})")


#: capabilities that amount to root: whoever runs the program can take over the machine
_ROOT_CAPS = re.compile(r"cap_(setuid|setgid|sys_admin|dac_override|dac_read_search|sys_ptrace|sys_module|fowner|"
                        r"chown|setfcap|setpcap|sys_rawio|bpf|perfmon)|^=|\ball\b", re.I)


def setcap(cmd: Cmd) -> None:
    if cmd.has("-r") and not any(_ROOT_CAPS.search(w) for w in cmd.operands):
        cmd.add("caution", "removes a program's capabilities (setcap -r)")
        return
    caps = [w for w in cmd.operands if "cap_" in w.lower() or w.startswith("=") or "=" in w]
    if any(_ROOT_CAPS.search(c) for c in caps):
        cmd.add("dangerous", "gives a program root powers through file capabilities: anyone who runs it can take "
                             "over the machine (setcap)")
    else:
        cmd.add("caution", "changes what a program may do as root (setcap)")


def podman(cmd: Cmd) -> None:
    """What the docker rule does not name: podman's own reset and machine removal."""
    words = [w for w in cmd.argv[1:] if not w.startswith("-")]
    if words[:2] == ["system", "reset"]:
        cmd.add("dangerous", "deletes every container, image, volume and setting of podman (podman system reset)")
    elif words[:2] in (["machine", "rm"], ["machine", "reset"]):
        cmd.add("dangerous", "deletes a podman machine and everything in it")


def etcdctl(cmd: Cmd) -> None:
    words = [w for w in cmd.argv[1:] if not w.startswith("-")]
    sub = words[0] if words else ""
    if sub in ("del", "delete", "rm", "rmdir"):
        every = cmd.has("--prefix", "--from-key") or any(w in ("", "/", "''", '""') for w in words[1:2])
        cmd.add("dangerous" if every else "caution",
                "deletes every key under the given prefix from etcd, which clusters keep their state in"
                if every else "deletes keys from etcd")
    elif words[:2] in (["snapshot", "restore"], ["member", "remove"], ["auth", "disable"], ["user", "delete"]) \
            or sub in ("defrag", "compaction", "move-leader", "downgrade"):
        cmd.add("caution", f"changes the etcd cluster itself (etcdctl {' '.join(words[:2])})")
