"""The test sets: NL2SH-ALFA (from the icalfa wheel, read, never imported) and DeveloperGPT's requests.

The DeveloperGPT files are read from the folder passed on the command line and never copied into the repo.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path


ICALFA = "icalfa==0.3.6"


@dataclass
class Item:
    id: str
    suite: str
    request: str
    references: list[str] = field(default_factory=list)
    fixture: int | None = None
    expect_invalid: bool | None = None


def eval_cache() -> Path:
    """``DEVGPT_EVAL_CACHE``, else the user cache folder: the icalfa wheel, built fixtures, reference runs."""
    configured = os.environ.get("DEVGPT_EVAL_CACHE")
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("devgpt-magic")) / "eval"


def icalfa_assets() -> Path:
    """The wheel's assets folder, downloaded once with pip and unpacked into the evaluation cache."""
    target = eval_cache() / "icalfa-0.3.6"
    if (target / "icalfa" / "assets" / "datasets" / "nl2bash_fs_5.json").is_file():
        return target / "icalfa" / "assets"
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(target), ICALFA],
                   check=True)
    wheel = next(target.glob("icalfa-0.3.6-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.startswith("icalfa/assets/"):
                archive.extract(member, target)
    return target / "icalfa" / "assets"


def nl2sh_alfa() -> list[Item]:
    assets = icalfa_assets()
    items = []
    for fs in range(1, 6):
        rows = json.loads((assets / "datasets" / f"nl2bash_fs_{fs}.json").read_text())
        for i, row in enumerate(rows):
            items.append(Item(id=f"alfa-{fs}-{i:03d}", suite="nl2sh-alfa", request=row["query"],
                              references=[row["gold"], row["gold2"]], fixture=fs))
    return items


def developergpt(folder: Path, which: str) -> list[Item]:
    needed = folder / ("10_invalid_requests.txt" if which == "developergpt-invalid" else "85_command_requests.txt")
    if not needed.is_file():
        raise SystemExit(f"{needed} not found: --developergpt-dir must be the folder with DeveloperGPT's request "
                         f"files (85_command_requests.txt, 10_invalid_requests.txt)")
    if which == "developergpt-invalid":
        lines = [l for l in (folder / "10_invalid_requests.txt").read_text("utf-8").splitlines() if l.strip()]
        return [Item(id=f"dg-invalid-{i:02d}", suite=which, request=l, expect_invalid=True)
                for i, l in enumerate(lines)]
    text = (folder / "85_command_requests.txt").read_text("utf-8")
    groups = [g for g in text.split("\n\n") if g.strip()]
    items = []
    for g, group in enumerate(groups):
        last = g == len(groups) - 1  # the final group holds the 4 invalid requests
        for line in group.splitlines():
            if line.strip():
                items.append(Item(id=f"dg85-{len(items):02d}", suite=which, request=line, expect_invalid=last))
    return items


def load(suite: str, developergpt_dir: Path | None) -> list[Item]:
    if suite == "nl2sh-alfa":
        return nl2sh_alfa()
    if suite in ("developergpt-85", "developergpt-invalid"):
        if developergpt_dir is None:
            raise SystemExit(f"{suite} needs --developergpt-dir (the folder with DeveloperGPT's request files)")
        return developergpt(developergpt_dir, suite)
    raise SystemExit(f"unknown suite {suite}; choose nl2sh-alfa, developergpt-85 or developergpt-invalid")
