"""Which programs a plain-English request needs: BM25 over this machine's whatis database (the one-line
descriptions ``apropos`` prints, sections 1 and 8) and bash's builtins (``help -d``).

The index is built once (one ``apropos -l`` run, ~0.2 s) and cached as JSON under ``<devgpt cache>/docs/``,
keyed by the whatis database files' modification times, PATH's folders and bash's version; a process keeps it
in memory and looks again at the key at most once a minute. A query costs well under a millisecond.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from . import catalog, system
from .text import STOP_WORDS, query_terms, terms, words

INDEX_VERSION = 4
_LINE = re.compile(r"^(\S+(?:, \S+)*) \(([0-9][a-zA-Z0-9]*)\)\s+- (.*)$")
_SECTION_RANK = {"1": 0, "8": 1, "builtin": 0}
_CROSS = re.compile(r"^[a-z0-9_]+-(?:linux|pc|w64|unknown|apple)-[a-z0-9_]+-")
#: names that are also everyday English words: a request containing the word is weak evidence for the program
_WORD_NAMES = frozenset("""find sort head tail file time date join split free kill touch watch less more last id cut
paste test true false yes w who type read wait history install expand fold look top ps at make patch install link
write wall script column clear tree diff size env print printf echo sleep shift set unset times trap help export
source alias command hash enable local return exit break continue dirs jobs bg fg logout suspend mapfile
readarray""".split())
_K1, _B = 1.2, 0.75
#: how much the best-matching option line of a common tool adds, relative to its description's BM25 score
OPTION_WEIGHT = 0.5
#: common tools whose options are not read for the index (slow to start, or their options say little)
_NO_PREFETCH = frozenset("pip pip3 npm node java python python3 kubectl docker cargo openssl vim nano git gcc make "
                         "sqlite3 ssh scp".split())
_RECHECK_S = 60.0


@dataclass(frozen=True)
class ProgramMatch:
    """A program a request may need: its name (``gzip``, ``git log``, ``ulimit``), its one-line description on
    this machine, the relevance score, and whether a command can start it here."""

    name: str
    description: str
    score: float
    section: str
    on_path: bool

    def line(self) -> str:
        return f"{self.name} - {self.description}"


class _Index:
    def __init__(self, docs: list[dict[str, Any]], raw_names: list[str]) -> None:
        self.docs = docs
        self.raw_names = frozenset(raw_names)
        self.by_name = {d["name"]: d for d in docs}
        self.postings: dict[str, list[tuple[int, int]]] = {}
        total = 0
        for i, d in enumerate(docs):
            counts: dict[str, int] = {}
            for t in d["tokens"]:
                counts[t] = counts.get(t, 0) + 1
            for t, c in counts.items():
                self.postings.setdefault(t, []).append((i, c))
            total += len(d["tokens"])
        self.n = max(1, len(docs))
        self.avgdl = total / self.n if docs else 1.0
        self.idf = {t: math.log(1 + (self.n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}
        self.lengths = [len(d["tokens"]) for d in docs]
        values = sorted(self.idf.values())
        self.typical_idf = values[len(values) // 4] if values else 1.0  # a common-ish word's idf
        # option lines of the common tools: a request that says what an option does finds its program
        self.opt_postings: dict[str, list[tuple[int, int]]] = {}
        n_opts = 0
        for i, d in enumerate(docs):
            for j, toks in enumerate(d.get("opts", ())):
                n_opts += 1
                for t in toks:
                    self.opt_postings.setdefault(t, []).append((i, j))
        self.opt_idf = {t: math.log(1 + (n_opts - len(p) + 0.5) / (len(p) + 0.5))
                        for t, p in self.opt_postings.items()}

    def search(self, request: str, limit: int) -> list[ProgramMatch]:
        q = query_terms(request)
        scores: dict[int, float] = {}
        for t, w in q.items():
            idf = self.idf.get(t)
            if idf is None:
                continue
            for i, tf in self.postings[t]:
                dl = self.lengths[i]
                scores[i] = scores.get(i, 0.0) + w * idf * tf * (_K1 + 1) / (tf + _K1 * (1 - _B + _B * dl / self.avgdl))
        per_option: dict[tuple[int, int], float] = {}
        for t, w in q.items():
            idf = self.opt_idf.get(t)
            if idf is None:
                continue
            for ij in self.opt_postings[t]:
                per_option[ij] = per_option.get(ij, 0.0) + w * idf
        best: dict[int, float] = {}
        for (i, _), s in per_option.items():
            if s > best.get(i, 0.0):
                best[i] = s
        for i, s in best.items():
            scores[i] = scores.get(i, 0.0) + OPTION_WEIGHT * s
        said = set(words(request))
        for w in said:
            d = self.by_name.get(w)
            if d is not None and w not in STOP_WORDS:
                i = d["i"]
                scores[i] = scores.get(i, 0.0) + (1.5 if w in _WORD_NAMES else 6.0)
        ranked = []
        for i, s in scores.items():
            d = self.docs[i]
            ranked.append((s * d["boost"], i))
        ranked.sort(key=lambda x: (-x[0], self.docs[x[1]]["name"]))
        out: list[ProgramMatch] = []
        seen: set[str] = set()
        for s, i in ranked:
            if len(out) >= limit:
                break
            d = self.docs[i]
            if d["desc"] in seen:
                continue  # gunzip after gzip: the same page under another name
            seen.add(d["desc"])
            out.append(ProgramMatch(d["name"], d["desc"], round(s, 4), d["section"], d["on_path"]))
        return out


_STATE: dict[str, Any] = {"index": None, "key": None, "checked": 0.0, "building": False}
_LOCK = threading.Lock()


def _whatis_lines() -> list[tuple[str, str, str]]:
    if not system.man_available():
        return []
    code, out = system.run(["apropos", "-l", "-s", "1,8", "."], timeout=30, label="apropos")
    if code not in (0, 16) or not out:
        code, out = system.run(["man", "-k", "-l", "-s", "1,8", "."], timeout=30, label="man -k")
    rows = []
    for line in out.splitlines():
        m = _LINE.match(line.strip())
        if not m:
            continue
        names, section, desc = m.groups()
        for name in names.split(", "):
            rows.append((name.strip(), section, desc.strip()))
    return rows


def _display_name(name: str, section: str, on_path: frozenset[str]) -> str:
    if name in on_path:
        return name
    head, sep, rest = name.partition("-")
    if sep and head in catalog.SUBCOMMAND_FAMILIES and head in on_path and rest:
        return f"{head} {rest}"
    if section.endswith("ssl") and "openssl" in on_path:
        return f"openssl {name}"
    return name


def _build() -> tuple[list[dict[str, Any]], list[str]]:
    on_path = system.path_programs()
    builtins = system.builtins()
    best: dict[str, dict[str, Any]] = {}
    raw_names: list[str] = []
    for name, section, desc in _whatis_lines():
        if desc.startswith("(unknown subject)") or not desc:
            continue
        raw_names.append(name)
        display = _display_name(name, section, on_path)
        rank = _SECTION_RANK.get(section, 2)
        old = best.get(display)
        if old is None or rank < old["rank"]:
            best[display] = {"name": display, "section": section, "desc": desc, "rank": rank, "extra": ""}
    for name, desc in builtins.items():
        old = best.get(name)
        if old is None:
            best[name] = {"name": name, "section": "builtin", "desc": desc, "rank": 0, "extra": ""}
        else:
            old["extra"] = desc  # kill(1) and bash's kill: both descriptions count
    docs = []
    for d in sorted(best.values(), key=lambda x: x["name"]):
        name = d["name"]
        first = name.split()[0]
        hint = catalog.COMMON.get(name, "")
        name_terms = terms(" ".join(re.split(r"[-_.\s]+", name)), keep_stop=True)
        tokens = name_terms + terms(d["desc"]) + terms(d["extra"]) + terms(hint)
        runnable = first in on_path or first in builtins
        boost = 1.0 if runnable else 0.35
        if name in catalog.COMMON:
            boost *= 1.3
        if _CROSS.match(name) or d["section"] == "1p":
            boost *= 0.3
        if " " in name:
            boost *= 0.9
        docs.append({"name": name, "section": d["section"], "desc": d["desc"], "on_path": runnable,
                     "boost": round(boost, 4), "tokens": tokens})
    for i, d in enumerate(docs):
        d["i"] = i
    from .helpdb import prune_old_versions

    prune_old_versions()
    _add_options(docs, on_path, builtins)
    return docs, sorted(set(raw_names))


def _add_options(docs: list[dict[str, Any]], on_path: frozenset[str], builtins: dict[str, str]) -> None:
    """The option lines of the common tools, read through the help cache (a few seconds the first time)."""
    from concurrent.futures import ThreadPoolExecutor

    from .helpdb import program_help

    wanted = [d for d in docs if d["name"] in catalog.COMMON and d["name"] not in _NO_PREFETCH and d["on_path"]]

    def options_of(d: dict[str, Any]) -> list[list[str]]:
        try:
            ph = program_help(d["name"])
        except Exception:  # a program that misbehaves must not break the index
            return []
        if ph is None:
            return []
        out = []
        for o in ph.options:
            if not o.text or any(n in ("--help", "--version") for n in o.names):
                continue
            toks = sorted(set(terms(o.text)))
            if toks:
                out.append(toks)
        return out

    with ThreadPoolExecutor(max_workers=4) as pool:
        for d, opts in zip(wanted, pool.map(options_of, wanted)):
            if opts:
                d["opts"] = opts


def _code_version() -> str:
    """A digest of the code that builds the index: changing it rebuilds the index."""
    here = os.path.dirname(os.path.abspath(__file__))
    parts: list[Any] = [INDEX_VERSION]
    for name in ("index.py", "text.py", "catalog.py"):
        try:
            with open(os.path.join(here, name), "rb") as fh:
                parts.append(hashlib.sha256(fh.read()).hexdigest()[:16])
        except OSError:
            parts.append(name)
    from .helpdb import _code_version as help_code_version

    parts.append(help_code_version())  # the option lines come from the help parser
    return system.digest(parts)


def _key() -> str:
    return system.digest([_code_version(), system.man_db_signature(), system.path_signature(),
                          system.file_key(system.bash_path())])


def _index() -> _Index:
    now = time.monotonic()
    with _LOCK:
        idx = _STATE["index"]
        if idx is not None and now - _STATE["checked"] < _RECHECK_S:
            return idx
        key = _key()
        _STATE["checked"] = now
        if idx is not None and key == _STATE["key"]:
            return idx
        path = system.cache_dir() / f"index-{key}.json"
        data = system.read_json(path)
        if isinstance(data, dict) and data.get("version") == INDEX_VERSION:
            docs, raw = data["docs"], data["raw"]
        else:
            _STATE["building"] = True
            try:
                docs, raw = _build()
            finally:
                _STATE["building"] = False
            system.write_json(path, {"version": INDEX_VERSION, "docs": docs, "raw": raw})
            for old in system.cache_dir().glob("index-*.json"):
                if old != path:
                    try:
                        old.unlink()
                    except OSError:
                        pass
        idx = _Index(docs, raw)
        _STATE.update(index=idx, key=key)
        return idx


def find_programs(request: str, *, limit: int = 5) -> list[ProgramMatch]:
    """The programs (and bash builtins) on this machine that ``request`` most likely needs, best first."""
    return _index().search(request, limit)


def term_specificity(term: str) -> float:
    """How specific a stemmed word is across all the one-line descriptions (1.0 for a typical word, lower for
    "file" or "print", up to 1.5 for rare ones): used to weight option lines, whose own corpus is small."""
    idx = _index()
    idf = idx.idf.get(term)
    if idf is None:
        return 1.0
    return max(0.2, min(1.5, idf / idx.typical_idf))


def describe(name: str) -> str | None:
    """The one-line whatis description of ``name`` (``"gzip"``, ``"git log"``, ``"ulimit"``), or None."""
    d = _index().by_name.get(name)
    return d["desc"] if d else None


def whatis_names() -> frozenset[str]:
    """Every name the whatis database has a section 1 or 8 page for (empty while the index is being built)."""
    if _STATE["building"]:
        idx = _STATE["index"]
        return idx.raw_names if idx is not None else frozenset()
    return _index().raw_names


def reset() -> None:
    """Forget the in-memory index (the disk cache stays)."""
    with _LOCK:
        _STATE.update(index=None, key=None, checked=0.0)
