"""Words for matching plain-English requests against one-line descriptions: tokens, stop words, a Porter
stemmer, and a small table of the words people use for what the manual calls something else.

Everything here is pure Python and deterministic; :func:`terms` is what the index and the option scorer use.
"""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

STOP_WORDS = frozenset("""
a about above after again against all also am an and any are aren't as at be because been before being below
between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each few
for from further had hadn't has hasn't have haven't having he her here hers herself him himself his how i i'd i'm
i've if in into is isn't it it's its itself just let's me might more most must mustn't my myself no nor not now of
off on once only or other ought our ours ourselves out over own please same shall she should shouldn't so some
such than that that's the their theirs them themselves then there there's these they this those through to too
under until up upon us very via was wasn't we were weren't what what's when where which while who whom why will
with within without won't would wouldn't you you'd you'll you're you've your yours yourself yourselves
want wants need needs like way ways using use something someone thing things etc e g eg ie let lets
command commands given specific certain currently current whose
""".split())

#: Irregular forms the stemmer would not bring together.
_LEMMAS = {
    "using": "use", "used": "use", "uses": "use", "bigger": "big", "biggest": "big", "larger": "large",
    "largest": "large", "smaller": "small", "smallest": "small", "newer": "new", "newest": "new", "older": "old",
    "oldest": "old", "wrote": "write", "written": "write", "ran": "run", "found": "find", "made": "make",
    "shown": "show", "sent": "send", "took": "take", "taken": "take", "kept": "keep", "children": "child",
    "dirs": "directory", "dir": "directory", "folders": "directory", "folder": "directory", "directories":
    "directory", "subdirectories": "directory", "subdirectory": "directory", "subfolders": "directory",
    "subfolder": "directory", "files": "file", "bytes": "byte", "kb": "byte", "mb": "byte", "gb": "byte",
    "cpu": "cpu", "ram": "memory", "lowercase": "lower", "uppercase": "upper", "symlink": "symbolic",
    "symlinks": "symbolic", "owns": "owner", "own": "owner", "owned": "owner", "ownership": "owner",
    "duplicates": "duplicate", "dupes": "duplicate", "dups": "duplicate",
}

#: Plain words -> words the manual pages use for the same thing (query side only, at reduced weight). A group
#: is symmetric; "a>b c" maps a to b and c only.
_GROUPS = [
    "remove delete erase unlink omit discard rid strip",
    "duplicate repeated repeat identical",
    "show display print list output view report",
    "size space usage big large",
    "use usage",
    "count total tally",
    "number>count",
    "search find look locate match",
    "compress compression zip pack shrink",
    "decompress uncompress unpack expand extract unzip",
    "download fetch retrieve transfer",
    "stop kill terminate signal end",
    "permission mode access executable",
    "rename move",
    "memory ram",
    "machine host system computer",
    "clock date time",
    "user account login",
    "connection socket port listen network",
    "network interface address ip",
    "first beginning top head start",
    "last end bottom tail",
    "lower upper case letter character translate",
    "link symbolic shortcut",
    "difference compare differ",
    "checksum hash digest sum",
    "run execute launch",
    "wait sleep pause delay",
    "column field",
    "merge join combine concatenate",
    "page scroll pager screen",
    "environment variable",
    "encode decode convert",
    "limit resource restrict maximum",
    "reverse backward",
    "history log",
    "archive tarball bundle",
    "kernel operating",
    "disk filesystem drive partition mount",
    "process job task program running",
    "text content contents",
    "empty blank",
    "modify change update edit set",
    "hidden dotfiles",
    "recursive recursively subdirectory",
    "timestamp modification modified",
    "json jq",
    "webpage web http url page site",
]


def words(text: str) -> list[str]:
    """Lower-case word tokens of ``text`` (apostrophes kept inside words, everything else splits)."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


# --- Porter stemmer (M.F. Porter, 1980), the original algorithm ------------------------------------------------

_VOWELS = frozenset("aeiou")


def _cons(w: str, i: int) -> bool:
    ch = w[i]
    if ch in _VOWELS:
        return False
    if ch == "y":
        return i == 0 or not _cons(w, i - 1)
    return True


def _measure(stem: str) -> int:
    m, i, n = 0, 0, len(stem)
    while i < n and _cons(stem, i):
        i += 1
    while i < n:
        while i < n and not _cons(stem, i):
            i += 1
        if i >= n:
            break
        m += 1
        while i < n and _cons(stem, i):
            i += 1
    return m


def _has_vowel(stem: str) -> bool:
    return any(not _cons(stem, i) for i in range(len(stem)))


def _double_cons(w: str) -> bool:
    return len(w) >= 2 and w[-1] == w[-2] and _cons(w, len(w) - 1)


def _cvc(w: str) -> bool:
    if len(w) < 3:
        return False
    return _cons(w, len(w) - 3) and not _cons(w, len(w) - 2) and _cons(w, len(w) - 1) and w[-1] not in "wxy"


def _replace(w: str, suffix: str, repl: str, min_m: int) -> str | None:
    if w.endswith(suffix):
        stem = w[: len(w) - len(suffix)]
        return stem + repl if _measure(stem) > min_m else w
    return None


_STEP2 = [("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
          ("abli", "able"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"), ("ization", "ize"),
          ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("iveness", "ive"), ("fulness", "ful"),
          ("ousness", "ous"), ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble")]
_STEP3 = [("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""), ("ness", "")]
_STEP4 = ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou", "ism", "ate",
          "iti", "ous", "ive", "ize"]


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """Porter stem of a lower-case word (short words and numbers unchanged)."""
    w = _LEMMAS.get(word, word)
    if len(w) <= 2 or not w.isalpha():
        return w
    # step 1a
    if w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("ies"):
        w = w[:-2]
    elif w.endswith("ss"):
        pass
    elif w.endswith("s"):
        w = w[:-1]
    # step 1b
    second = False
    if w.endswith("eed"):
        if _measure(w[:-3]) > 0:
            w = w[:-1]
    elif w.endswith("ed") and _has_vowel(w[:-2]):
        w, second = w[:-2], True
    elif w.endswith("ing") and _has_vowel(w[:-3]):
        w, second = w[:-3], True
    if second:
        if w.endswith(("at", "bl", "iz")):
            w += "e"
        elif _double_cons(w) and w[-1] not in "lsz":
            w = w[:-1]
        elif _measure(w) == 1 and _cvc(w):
            w += "e"
    # step 1c
    if w.endswith("y") and _has_vowel(w[:-1]):
        w = w[:-1] + "i"
    # step 2
    for suffix, repl in _STEP2:
        out = _replace(w, suffix, repl, 0)
        if out is not None:
            w = out
            break
    # step 3
    for suffix, repl in _STEP3:
        out = _replace(w, suffix, repl, 0)
        if out is not None:
            w = out
            break
    # step 4
    for suffix in _STEP4:
        if w.endswith(suffix):
            stem_ = w[: len(w) - len(suffix)]
            if _measure(stem_) > 1:
                if suffix == "ion":
                    if stem_.endswith(("s", "t")):
                        w = stem_
                else:
                    w = stem_
            break
    # step 5
    if w.endswith("e"):
        m = _measure(w[:-1])
        if m > 1 or (m == 1 and not _cvc(w[:-1])):
            w = w[:-1]
    if _measure(w) > 1 and _double_cons(w) and w.endswith("l"):
        w = w[:-1]
    return w


def terms(text: str, *, keep_stop: bool = False) -> list[str]:
    """Stemmed content words of ``text``, in order, stop words removed."""
    out = []
    for w in words(text):
        if not keep_stop and w in STOP_WORDS:
            continue
        out.append(stem(w))
    return out


def _build_synonyms() -> dict[str, tuple[str, ...]]:
    table: dict[str, set[str]] = {}
    for group in _GROUPS:
        if ">" in group:  # "number>count": number also means count, not the other way round
            left, right = group.split(">", 1)
            targets = [stem(_LEMMAS.get(w, w)) for w in right.split()]
            for s in (stem(_LEMMAS.get(w, w)) for w in left.split()):
                table.setdefault(s, set()).update(x for x in targets if x != s)
            continue
        stems = [stem(_LEMMAS.get(w, w)) for w in group.split()]
        for s in stems:
            table.setdefault(s, set()).update(x for x in stems if x != s)
    return {k: tuple(sorted(v)) for k, v in table.items()}


SYNONYMS = _build_synonyms()


def query_terms(text: str, *, synonym_weight: float = 0.4) -> dict[str, float]:
    """Weighted stems of a request: its own words at 1.0, related manual words at ``synonym_weight``."""
    weights: dict[str, float] = {}
    for t in terms(text):
        weights[t] = 1.0
    for t in list(weights):
        for s in SYNONYMS.get(t, ()):
            if weights.get(s, 0.0) < synonym_weight:
                weights[s] = synonym_weight
    return weights
