"""Execution scoring for NL2SH-ALFA: a candidate passes if it behaves like either reference command.

If a reference changed the file system, the file-system manifests are compared; otherwise normalised
stdout is. References that fail here, need the network, or differ between two runs are marked
unverifiable by this script and left out of the accuracy.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from devgpt_magic.candidates import error_text

from . import sandbox
from .suites import Item, eval_cache, icalfa_assets

#: Commands whose result depends on the clock or on what the machine is doing right now. References computed
#: once and cached cannot be compared with a candidate run on another day (``find -mtime -1`` over files the
#: fixture builder made), or at another moment (``free``, ``ps``; ``getconf -a`` prints the free memory pages,
#: so its two reference runs matched on one machine and not on the next): such items are unverifiable here.
#: A name counts only where a command starts (``grep -w free notes.txt`` is not ``free``).
_VOLATILE = re.compile(r"(^|[|;&(`]|\$\()\s*(sudo\s+|xargs\s+|watch\s+|env\s+)?"
                       r"(date|uptime|cal|ps|pstree|top|htop|free|vmstat|df|w|who|last|lastlog|"
                       r"users|ping|iostat|getconf\s+-a)(?=\s|$|[|;&)`])"
                       r"|\s-(m|a|c)(time|min)\s|\s-newer\w*\s|/proc/")


def volatile(item: Item) -> str | None:
    """Why an item's references depend on the clock or the moment, or None (checked by script, not by hand)."""
    for ref in item.references:
        unquoted = re.sub(r"'[^']*'", "''", ref)  # not inside quoted awk/sed programs
        match = _VOLATILE.search(f" {unquoted} ")
        if match:
            return f"a reference depends on the clock or the moment ({match.group(0).strip()})"
    return None


#: Bumped when a verdict can change for the same answer (the sandbox or the comparison); answers are kept, so
#: ``python -m evaluation rescore DIR ...`` brings older runs to this version without asking any model.
#: 3: fixed resource limits in the sandbox (``ulimit -n`` had depended on the process that started a run),
#: ``getconf -a`` unverifiable by script.
#: 4: outputs compared after :func:`canonical` (a path's spelling, the shell's own bookkeeping variables).
SCORER = 4
#: Bumped when what a sandbox run records changes; the on-disk caches are keyed by it, so a comparison-only
#: change of the scorer reuses every cached run.
RUNS = 3

_ORDER_WORDS = re.compile(r"\b(sort|sorted|order|ordered|largest|smallest|biggest|top|first|last|newest|oldest|"
                          r"reverse|ascending|descending|most|least|rank|head|tail)\b", re.I)


def fixture(fs: int) -> Path:
    """The built fixture file system for ``fs`` (built once, inside the sandbox, then reused)."""
    target = eval_cache() / "fixtures" / f"fs{fs}"
    if not (target.parent / f"fs{fs}.v2").is_file():
        sandbox.build_fixture(icalfa_assets() / "docker" / f"setup_nl2b_fs_{fs}.sh", target)
        (target.parent / f"fs{fs}.v2").write_text("built")
    return target


def fixture_env(fs: int) -> dict[str, str]:
    """The ENV lines of the item's Dockerfile (e.g. FILES), which some requests rely on."""
    env = {}
    dockerfile = icalfa_assets() / "docker" / f"nl2bash{fs}.Dockerfile"
    for line in dockerfile.read_text().splitlines() if dockerfile.is_file() else []:
        match = re.match(r'^ENV\s+(\w+)=?\s*"?(.*?)"?\s*$', line)
        if match:
            env[match.group(1)] = match.group(2)
    return env


def normalise(stdout: str, keep_order: bool) -> list[str]:
    lines = []
    for line in stdout.splitlines():
        line = " ".join(line.split())
        if line.startswith("./"):
            line = line[2:]
        line = line.replace(" ./", " ")
        if line:
            lines.append(line)
    return lines if keep_order else sorted(lines)


#: Lines of ``env`` that record how the runner started the shell, not what the command did.
_SHELL_BOOKKEEPING = re.compile(r"^(_|SHLVL)=")
#: A path's leading slashes: the sandbox's working folder is ``/``, so ``/testbed/a`` and ``testbed/a`` name the
#: same file. Only at the start of a token with a folder in it: ``a/b`` and ``1/2`` are left alone, and ``/root``
#: (``echo $HOME``) stays apart from ``root`` (``whoami``).
_LEADING_SLASH = re.compile(r"(?<![\w.~:/-])/+(?=[\w.-]+/[\w.])")
#: A trailing slash on a folder's name (``/testbed/dir1/`` is ``/testbed/dir1``); repeated slashes are one.
_TRAILING_SLASH = re.compile(r"(?<=[\w.])/+(?=\s|$|:)")
_REPEATED_SLASH = re.compile(r"(?<=[\w.])/{2,}(?=[\w.])")


def canonical(lines: list[str], keep_order: bool) -> list[str]:
    """Output lines as compared: two runs that print the same files in another spelling of their paths, or
    differ only in ``_=``/``SHLVL=`` (which depend on how the sandbox spawned the shell), are the same output.
    The self-check measures that this accepts more equivalent pairs and no more mismatched ones."""
    out = []
    for line in lines:
        if _SHELL_BOOKKEEPING.match(line):
            continue
        line = _LEADING_SLASH.sub("", _TRAILING_SLASH.sub("", _REPEATED_SLASH.sub("/", line)))
        out.append(line)
    return out if keep_order else sorted(out)


@dataclass
class Behaviour:
    ok: bool
    changed_fs: bool
    stdout: list[str]
    manifest_hash: str
    reason: str = ""
    #: what a failed run wrote to stderr, trimmed (what the product's sandbox would show the model)
    stderr: str = ""


def _hash_manifest(m: dict) -> str:
    return hashlib.sha256(json.dumps(sorted(m.items()), default=str).encode()).hexdigest()


def candidate_behaviour(fs: int, command: str, keep_order: bool, with_stderr: bool = False) -> Behaviour:
    """A candidate's behaviour, cached on disk like the references': the same command string always gets the
    same verdict (a command that prints random or timed output would otherwise pass on one run and not the next)."""
    key = hashlib.sha256(f"{_baseline(fs)}|{keep_order}|{command}".encode()).hexdigest()
    cache = eval_cache() / f"candidates-s{RUNS}" / f"{key}.json"
    if cache.is_file():
        kept = json.loads(cache.read_text())
        if not with_stderr or "stderr" in kept or not kept["reason"].startswith("exit"):
            return Behaviour(**kept)
        # kept before failures recorded their message (run feedback needs it): the verdict stays the kept one
        kept["stderr"] = behaviour(fs, command, keep_order).stderr
        fresh = cache.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        fresh.write_text(json.dumps(kept))
        os.replace(fresh, cache)  # a reader in another thread sees the old file or the new one, never half
        return Behaviour(**kept)
    result = behaviour(fs, command, keep_order)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(result.__dict__))
    return result


def behaviour(fs: int, command: str, keep_order: bool) -> Behaviour:
    base = _baseline(fs)
    outcome = sandbox.run(fixture(fs), command, env=fixture_env(fs))
    mhash = _hash_manifest(outcome.manifest)
    if outcome.timed_out:
        return Behaviour(False, False, [], mhash, "timed out")
    changed = mhash != base
    return Behaviour(True, changed, normalise(outcome.stdout, keep_order), mhash,
                     "" if outcome.exit_code == 0 else f"exit {outcome.exit_code}",
                     error_text(outcome.exit_code, outcome.stderr))


_BASELINES: dict[int, str] = {}


def _baseline(fs: int) -> str:
    if fs not in _BASELINES:
        _BASELINES[fs] = _hash_manifest(sandbox.run(fixture(fs), "true", env=fixture_env(fs)).manifest)
    return _BASELINES[fs]


def reference(item: Item, command: str) -> Behaviour | None:
    """The reference's behaviour, or None when it is unverifiable here. Cached on disk per command."""
    keep = bool(_ORDER_WORDS.search(item.request))
    # keyed by the fixture's own manifest, so a rebuilt or different fixture never reuses stale results
    key = hashlib.sha256(f"{_baseline(item.fixture or 1)}|{keep}|{command}".encode()).hexdigest()
    cache = eval_cache() / f"references-s{RUNS}" / f"{key}.json"
    if cache.is_file():
        data = json.loads(cache.read_text())
        return None if data is None else Behaviour(**data)
    first = behaviour(item.fixture or 1, command, keep)
    second = behaviour(item.fixture or 1, command, keep)
    # a reference that prints nothing and changes nothing cannot tell a right command from a wrong one
    verifiable = (first.ok and second.ok and first.stdout == second.stdout
                  and first.manifest_hash == second.manifest_hash and (first.stdout or first.changed_fs)
                  and (first.reason == "" or first.stdout))
    result = first if verifiable else None
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(None if result is None else result.__dict__))
    return result


def same(candidate: Behaviour, ref: Behaviour, keep_order: bool) -> bool:
    if not candidate.ok:
        return False
    if ref.changed_fs:
        return candidate.manifest_hash == ref.manifest_hash
    return (not candidate.changed_fs
            and canonical(candidate.stdout, keep_order) == canonical(ref.stdout, keep_order))


def score(item: Item, candidate: str) -> tuple[str, str]:
    """('pass' | 'fail' | 'unverifiable', reason)."""
    why = volatile(item)
    if why:
        return "unverifiable", why
    refs = [r for r in (reference(item, c) for c in item.references) if r is not None]
    if not refs:
        return "unverifiable", "no reference command behaves deterministically here"
    if not candidate.strip():
        return "fail", "no command"
    keep = bool(_ORDER_WORDS.search(item.request))
    got = candidate_behaviour(item.fixture or 1, candidate, keep)
    if any(same(got, r, keep) for r in refs):
        return "pass", "matches a reference"
    return "fail", got.reason or ("changed the file system differently" if got.changed_fs or refs[0].changed_fs
                                  else "different output")


def _random_partners(items: list[Item]) -> dict[int, Item]:
    """Each item paired with a random other item of the same fixture (fixed seed): neighbours in the set are
    often variations of one task, so pairing with the next item would overstate wrong acceptances."""
    import random

    rng = random.Random(0)
    partners: dict[int, Item] = {}
    by_fs: dict[int | None, list[int]] = {}
    for n, item in enumerate(items):
        by_fs.setdefault(item.fixture, []).append(n)
    for indices in by_fs.values():
        if len(indices) < 2:
            continue
        shuffled = indices[:]
        rng.shuffle(shuffled)
        for a, b in zip(shuffled, shuffled[1:] + shuffled[:1]):  # a cycle: nobody is their own partner
            partners[a] = items[b]
    return partners


def self_check(items: list[Item], limit: int | None = None) -> dict[str, float]:
    """How often the scorer accepts each item's second reference (should be high) and another item's
    second reference (must stay at or below 1%)."""
    pairs = [i for i in items if i.fixture and not volatile(i)]
    if limit:
        pairs = pairs[:limit]
    accepted = total = wrong = mismatched = 0
    partner = _random_partners(pairs)
    for n, item in enumerate(pairs):
        keep = bool(_ORDER_WORDS.search(item.request))
        first = reference(item, item.references[0])
        second = reference(item, item.references[1])
        if first and second:
            total += 1
            accepted += same(second, first, keep)
        other = partner.get(n)
        if first and other is not None and other.references[1] != item.references[0]:
            other_ref = reference(item, other.references[1])
            if other_ref:
                mismatched += 1
                wrong += same(other_ref, first, keep)
    return {"pairs": total, "accepted_same_item": accepted / total if total else 0.0,
            "mismatched_pairs": mismatched, "accepted_mismatched": wrong / mismatched if mismatched else 0.0}
