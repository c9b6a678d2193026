"""One sandbox for everything that runs a command to look at what it does, not to do it.

Users: Preview (:mod:`devgpt_magic.preview`), the evaluation's scorer (``evaluation/sandbox.py``) and
candidate checks of suggested commands. All of them run bubblewrap with ``--unshare-all --cap-drop ALL``:
no network, a PID namespace of its own, and no capabilities (measured: as root without ``--cap-drop ALL``
a sandboxed command could remount and write the host's /usr).

Two shapes of run:

- :func:`run_in_view` (previews, candidate checks): the real file system read-only, and copy-on-write views
  of the folders being looked at. The result (:class:`ViewRun`) lists created, modified and deleted files
  (:class:`FileChange`), output, exit code, time, and what the views could not contain (network attempts,
  writes elsewhere, processes left running, a time-out). See :mod:`.views`.
- :func:`run_in_root` (the evaluation): a fresh copy of a fixture as the whole root file system, with its
  full :func:`manifest` afterwards. See :mod:`.root`.

How the copy-on-write view was chosen (measured on this machine: Linux 6.18, ext4, 2 cores, Debian
bookworm's bubblewrap 0.8.0, which has no ``--overlay`` option; a folder of 1,000 and of 50,000 small
files in 100-file folders; each figure is the whole sandboxed run):

====================================  =============  ==============  =====================================
view                                   1,000 files    50,000 files    notes
====================================  =============  ==============  =====================================
kernel overlayfs in a user namespace   0.01 s         0.01 s          ``find`` over it 0.06 s (0.05 s bare);
                                                                      ``find -delete`` of 50,000: 2.7-3.4 s
fuse-overlayfs 1.10 (Debian package)   0.03 s         1.1-1.6 s       ``find -delete`` of 50,000: 86-135 s;
                                                                      ``sed -i`` on 1,000: 2.6-3.7 s (kernel
                                                                      overlay: 0.9-1.1 s); an extra package
a copy (``cp -a``)                     0.06 s         3-37 s          grows with the folder; disk-bound
a hard-link farm (``cp -al``)          0.02 s         0.9-1.0 s       unsafe: ``echo x >> f`` in the farm
                                                                      wrote the real file (shared inode)
====================================  =============  ==============  =====================================

So: kernel overlayfs in a user namespace (Linux 5.11+ allows it unprivileged), set up by a tiny helper
before bubblewrap starts (:mod:`._nshelper`); where the kernel refuses, a copy of folders of up to
20,000 entries / 256 MB. fuse-overlayfs is not used: 30 times slower on deletions and one more package to
install; hard links are not used: they are not copy-on-write.
"""

from __future__ import annotations

from .bwrap import INSTALL_HINT, Availability, SandboxUnavailable, availability
from .changes import FileChange, file_hash, manifest, manifest_changes, overlay_changes, stat_manifest
from .root import MOUNTS, OUTPUT_CAP, TIMEOUT_S, RootRun, force_rmtree, fresh_copy, root_argv, run_in_root
from .views import ViewRun, run_in_view

__all__ = ["Availability", "FileChange", "INSTALL_HINT", "MOUNTS", "OUTPUT_CAP", "RootRun", "SandboxUnavailable",
           "TIMEOUT_S", "ViewRun", "availability", "file_hash", "force_rmtree", "fresh_copy", "manifest",
           "manifest_changes", "overlay_changes", "root_argv", "run_in_root", "run_in_view", "stat_manifest"]
