"""THE RULE TABLE: program name -> the function that judges one command of that program.

The key is the program's table name (:func:`~.programs.program_name`: ``/usr/bin/rm``, ``\\rm`` and ``rm`` are all
``rm``; ``python3.11`` is ``python``; ``mkfs.ext4`` is ``mkfs``). The function receives a :class:`~.model.Cmd`
(argv after wrappers are stripped, flags, operands, stdin, the checker) and calls ``cmd.add(level, reason)``.
Programs that only run another command belong in :data:`~.wrappers.WRAPPERS` instead.
"""

from __future__ import annotations

from . import rules_admin as admin
from . import rules_code as code
from . import rules_files as files
from . import rules_share as share
from . import rules_system as system
from . import rules_tools as tools
from .model import Cmd, Rule
from .programs import INTERPRETERS, SHELLS


def _many(names: str, rule: Rule) -> dict[str, Rule]:
    return {name: rule for name in names.split()}


def _all(*rules: Rule) -> Rule:
    """One entry for a program several rules look at (``npm``: removing, publishing, package sources)."""
    def every_rule(cmd: Cmd) -> None:
        for rule in rules:
            rule(cmd)
    return every_rule


RULES: dict[str, Rule] = {
    # files and disks ------------------------------------------------------------------------------------------
    "rm": files.rm, "srm": files.rm,
    "shred": files.shred, "wipe": files.shred,
    "unlink": files.unlink, "rmdir": files.unlink,
    "find": files.find,
    "dd": files.dd,
    **_many("mkfs fdisk sfdisk cfdisk gdisk sgdisk parted wipefs blkdiscard badblocks", files.disk_tool),
    "fallocate": files.fallocate,
    "truncate": files.truncate,
    "chmod": files.chmod,
    "chown": files.chown, "chgrp": files.chown,
    "chattr": files.chattr,
    "setfacl": files.setfacl,
    "mv": files.mv,
    "cp": files.cp,
    "install": files.install,
    "ln": files.ln,
    "tee": files.tee, "sponge": files.tee,
    "sed": files.sed,
    # code runners ---------------------------------------------------------------------------------------------
    **{name: code.shell for name in SHELLS},
    **{name: code.interpreter for name in INTERPRETERS if name != "awk"},
    "awk": code.awk,
    "eval": code.eval_,
    "source": code.source, ".": code.source,
    "alias": code.alias,
    "hash": code.hash_,
    "enable": code.enable,
    "less": code.pager, "more": code.pager,
    "cd": code.cd, "pushd": code.cd,
    "trap": code.trap,
    **_many("export declare local readonly typeset", code.declare),
    **_many("test [ [[ let unset getopts read wait printf mapfile readarray", code.names),
    "vim": code.editor,
    "tmux": code.tmux,
    "at": code.at, "batch": code.at,
    "crontab": code.crontab,
    "sudoedit": code.sudoedit,
    "dc": code.dc,
    "m4": code.m4,
    "emacs": code.emacs,
    "ed": code.ed,
    "make": code.make, "gmake": code.make,
    "ninja": code.ninja,
    **_many("just scons rake invoke tox nox", code.build_file_from_stdin),
    "cmake": code.cmake,
    # developer and operations tools -----------------------------------------------------------------------------
    "git": tools.git,
    "docker": _all(tools.docker, share.publish, admin.podman), "docker-compose": tools.docker,  # podman too
    "etcdctl": admin.etcdctl,
    "kubectl": tools.kubectl,
    "helm": _all(tools.helm, share.publish),
    "terraform": tools.terraform,
    "pulumi": tools.pulumi,
    "serverless": tools.serverless, "sls": tools.serverless,
    "aws": tools.aws,
    "gsutil": tools.cloud,
    **{name: tools.cloud for name in tools.CLOUD_CLIS},
    "rclone": tools.rclone,
    # databases --------------------------------------------------------------------------------------------------
    **_many("psql mysql clickhouse-client sqlcmd cockroach duckdb sqlite3 snowsql bq trino mysqlsh", system.sql_client),
    **_many("dropdb mysqladmin pg_dropcluster", system.dropdb),
    "redis-cli": system.redis, "valkey-cli": system.redis, "keydb-cli": system.redis,
    "mongosh": system.mongo,
    # network ------------------------------------------------------------------------------------------------------
    "curl": system.curl, "wget": system.curl,
    "nc": system.netcat,
    "socat": system.socat,
    **_many("mail mailx mutt", system.mailer),
    "scp": system.scp,
    "rsync": system.rsync,
    "sftp": system.sftp,
    # archives and options that run commands ---------------------------------------------------------------------
    "tar": system.tar, "bsdtar": system.tar, "gtar": system.tar,
    "zip": system.zip_,
    "unzip": system.unzip,
    "7z": system.sevenzip,
    "sort": system.sort_,
    "man": system.man,
    # processes, power, packages, system -------------------------------------------------------------------------
    **_many("kill killall pkill killall5", system.kill),
    **_many("shutdown reboot halt poweroff init telinit", system.power),
    "systemctl": system.systemctl,
    **_many("apt dnf zypper brew snap mamba apk port flatpak dpkg rpm choco winget nix-env pacman", system.packages),
    "pip": _all(system.packages, share.package_sources),
    "conda": _all(system.packages, share.package_sources),
    "gem": _all(system.packages, share.package_sources, share.publish),
    "npm": _all(system.packages, share.package_sources, share.publish, share.runs_package),
    "yarn": _all(system.packages, share.package_sources, share.publish, share.runs_package),
    "pnpm": _all(system.packages, share.package_sources, share.publish, share.runs_package),
    "pipx": _all(system.packages, share.runs_package),
    "cargo": _all(system.packages, share.publish),
    "uv": _all(share.package_sources, share.publish, share.runs_package),
    "npx": share.runs_package,
    "bun": _all(code.interpreter, share.publish, share.runs_package),
    "deno": _all(code.interpreter, share.deno),
    **_many("twine poetry flit hatch pdm mvn gradle dotnet", share.publish),
    # sharing this machine ---------------------------------------------------------------------------------------
    "jupyter": share.jupyter,
    **_many("ngrok cloudflared tailscale lt localtunnel bore zrok", share.tunnel),
    **_many("iptables ip6tables nft ufw firewall-cmd setenforce pfctl useradd adduser usermod passwd userdel deluser "
            "groupdel visudo chpasswd gpasswd pwck vipw", system.security),
    **_many("sysctl modprobe insmod rmmod mount umount swapoff swapon kexec", system.kernel),
    **_many("lvremove vgremove pvremove lvreduce flashrom nvme hdparm mdadm sg_format dmsetup efibootmgr grub-install "
            "cryptsetup zpool zfs btrfs diskutil", system.storage),
    "history": system.history,
    "ssh-keygen": system.ssh_keygen,
    "gpg": system.gpg, "gpg2": system.gpg,
    **_many("openssl uniq xxd patch", system.output_file),
    **_many("ip ifconfig ifdown nmcli", system.network_admin),
    "launchctl": system.launchctl,
    "cryptsetup": admin.cryptsetup,
    "setcap": admin.setcap,
}
