"""A grounding excerpt for a prompt: the few programs a request most likely needs, with their one-line
descriptions on this machine and the option lines closest to the request, trimmed to a token budget.

    gzip - compress or expand files
      -k, --keep  keep (don't delete) input files
      -c, --stdout  write on standard output, keep original files unchanged
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .helpdb import ProgramHelp, program_help
from .helpparse import OptionDoc
from .index import describe, find_programs, term_specificity
from .text import query_terms, terms

DEFAULT_BUDGET = 160
#: options shown per program at most (the budget usually stops earlier)
MAX_OPTIONS = 4
_K1 = 1.2
#: an option line is shown only when it scores at least this, and this share of the program's best option
MIN_OPTION_SCORE = 0.8
RELATIVE_FLOOR = 0.3
#: added (times the word's weight) when a request word is the option's long name: "keep" -> --keep
NAME_BONUS = 1.0
#: what a request word is worth to a second option once an earlier option already matched it
REPEAT_FACTOR = 0.6
PSEUDO_OPTIONS = 10
_GENERIC = {"--help", "--version", "-h", "-?", "--usage"}


def count_tokens(text: str) -> int:
    """A fast, slightly generous token estimate for shell help text (cl100k averages ~3.6 characters per token
    on it): the excerpt never runs over its budget in real tokens by more than a few percent."""
    return math.ceil(len(text) / 3.4) if text else 0


@dataclass
class _Scored:
    score: float
    program: int
    text: str


def _name_terms(opt: OptionDoc) -> list[str]:
    return terms(" ".join(re.sub(r"^-+", "", n).replace("-", " ") for n in opt.names if len(n) > 2))


def _option_terms(opt: OptionDoc) -> list[str]:
    return terms(opt.text) + _name_terms(opt)


class _Corpus:
    """A program's options as a small BM25 corpus (built once per parsed help)."""

    def __init__(self, ph: ProgramHelp) -> None:
        self.docs: list[OptionDoc] = []
        self.lengths: list[int] = []
        self.postings: dict[str, list[tuple[int, int]]] = {}
        #: stems of the long option names (--keep, --follow): a request saying the name is a strong hint
        self.named: dict[str, list[int]] = {}
        for o in ph.options:
            if not (o.text or len(o.names[0]) > 2) or any(n in _GENERIC for n in o.names):
                continue
            toks = _option_terms(o)
            if not toks:
                continue
            k = len(self.docs)
            self.docs.append(o)
            self.lengths.append(len(toks))
            counts: dict[str, int] = {}
            for t in toks:
                counts[t] = counts.get(t, 0) + 1
            for t, c in counts.items():
                self.postings.setdefault(t, []).append((k, c))
            for t in set(_name_terms(o)):
                self.named.setdefault(t, []).append(k)
        n = len(self.docs)
        self.avg = (sum(self.lengths) / n) if n else 1.0
        # idf as if there were PSEUDO_OPTIONS more options without the word: a program with two options does
        # not make every word look common
        self.idf = {t: math.log(1 + (n + PSEUDO_OPTIONS - len(p) + 0.5) / (len(p) + 0.5))
                    for t, p in self.postings.items()}


def _corpus(ph: ProgramHelp) -> _Corpus:
    c = ph.__dict__.get("_excerpt_corpus")
    if c is None:
        c = ph.__dict__["_excerpt_corpus"] = _Corpus(ph)
    return c


def score_options(request: str, ph: ProgramHelp, limit: int = MAX_OPTIONS) -> list[tuple[float, OptionDoc]]:
    """The options of ``ph`` whose descriptions (and long names) share the most weight with ``request``; BM25
    with the program's own options as the corpus."""
    q = query_terms(request, synonym_weight=0.25)
    for t in terms(" ".join(re.split(r"[-_.\s/]+", ph.program)), keep_stop=True):
        q.pop(t, None)  # "find files ...": the program's own name says nothing about its options
    corpus = _corpus(ph)
    if not corpus.docs or not q:
        return []
    parts: dict[int, dict[str, float]] = {}  # option -> what each request word contributes
    for t, w in q.items():
        if t not in corpus.postings:
            continue
        w *= term_specificity(t)
        for k, tf in corpus.postings[t]:
            dl = corpus.lengths[k]
            c = w * corpus.idf[t] * tf * (_K1 + 1) / (tf + _K1 * (0.25 + 0.75 * dl / corpus.avg))
            if q[t] >= 1.0 and k in corpus.named.get(t, ()):
                c += NAME_BONUS * corpus.idf[t]
            parts.setdefault(k, {})[t] = c
    if not parts:
        return []
    best = max(sum(v.values()) for v in parts.values())
    floor = max(MIN_OPTION_SCORE, RELATIVE_FLOOR * best)
    # greedy, preferring options that answer a part of the request the chosen ones do not already answer
    # ("octal" and "characters": od -b, then od -c rather than a second octal option)
    out: list[tuple[float, OptionDoc]] = []
    covered: set[str] = set()
    left = {k: v for k, v in parts.items() if sum(v.values()) >= floor}
    while left and len(out) < limit:
        def gain(k: int) -> float:
            return sum(c * (REPEAT_FACTOR if t in covered else 1.0) for t, c in left[k].items())
        k = max(left, key=lambda x: (gain(x), -x))
        out.append((gain(k), corpus.docs[k]))
        covered.update(left.pop(k))
    return out[:limit]


def excerpt(request: str, *, budget_tokens: int = DEFAULT_BUDGET, programs: list[str] | None = None,
            max_programs: int = 3) -> str:
    """The programs ``request`` most likely needs (or the given ``programs``: ``["gzip", "git log"]``) with their
    one-line descriptions and the option lines most relevant to the request, within ``budget_tokens``.
    Empty when nothing relevant is installed."""
    if programs is None:
        matches = find_programs(request, limit=max_programs)
        entries = [(m.name, m.description) for m in matches]
    else:
        entries = []
        for name in programs:
            desc = describe(name)
            if desc is None:
                ph = program_help(name)
                if ph is None:
                    continue
            entries.append((name, desc or ""))
    if not entries:
        return ""
    headers = [f"{name} - {desc}" if desc else name for name, desc in entries]
    option_lines: list[_Scored] = []
    for k, (name, _) in enumerate(entries):
        ph = program_help(name)
        if ph is None:
            continue
        for s, opt in score_options(request, ph):
            # the first program's options first, then by score: rank matters more than a near tie
            option_lines.append(_Scored(s / (1 + 0.35 * k), k, "  " + opt.line(100)))
    option_lines.sort(key=lambda x: -x.score)
    used = 0
    chosen_headers: list[int] = []
    chosen_options: dict[int, list[str]] = {}
    # headers of the top programs and their best options, interleaved by value, until the budget is spent
    queue: list[tuple[float, int, str | None]] = [(100.0 - k, k, None) for k in range(len(headers))]
    queue += [(o.score, o.program, o.text) for o in option_lines]
    queue.sort(key=lambda x: -x[0])
    for _, k, text in queue:
        line = headers[k] if text is None else text
        extra = 0 if k in chosen_headers or text is None else count_tokens(headers[k]) + 1
        cost = count_tokens(line) + 1 + extra
        if used + cost > budget_tokens:
            continue
        if text is None:
            if k not in chosen_headers:
                chosen_headers.append(k)
                used += cost
            continue
        if k not in chosen_headers:
            chosen_headers.append(k)
        chosen_options.setdefault(k, []).append(text)
        used += cost
    out: list[str] = []
    for k in sorted(chosen_headers):
        out.append(headers[k])
        out.extend(chosen_options.get(k, []))
    return "\n".join(out)
