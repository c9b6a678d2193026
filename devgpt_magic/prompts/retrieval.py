"""Examples chosen per request: the library entries most similar to a request (lexical, fast, deterministic).

BM25 over light word stems with a few synonym classes (folder = directory, biggest = largest ...), scored per
field: the entry's request, its tags, the programs and flags of its command, and (weakly) its explanations.
A program name or a flag in the request (``tar``, ``grep -l``, ``-maxdepth``) therefore favours entries whose
command uses it. The index is built once, on first use (about 0.1 s); a query then takes well under a
millisecond (``python -m evaluation.bench_retrieval``). No network, no dependency beyond the standard library.

    >>> [e.command for e in similar("biggest files in this folder", k=2)]   # doctest: +SKIP
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from .library import Entry, entries

#: BM25 parameters and the weight of each field of an entry
K1, B = 1.2, 0.75
WEIGHTS = {"request": 1.0, "tags": 0.6, "program": 1.2, "flagword": 0.6, "explanation": 0.25}
#: the weight of a request word that looks like data, not intent: quoted text, or an all-caps word like DEBUG
LITERAL = 0.35
#: two picks this alike (word Jaccard of the requests, or equal program+flag signatures) are near-duplicates
NEAR_DUPLICATE = 0.6

_STOP = frozenset("""a an the of in on at to for from by with and or but is are be been it its this that these
those all any every each me my mine i you your we our us they them their there here which what how do does did can
could would should please want need like just also so then than as into onto out up down some one ones thing things
will shall may might have has had no yes get give show tell let make sure""".split())

_SYNONYMS = {
    **dict.fromkeys("directory directories folder folders dir dirs".split(), "dir"),
    **dict.fromkeys("subfolder subfolders subdirectory subdirectories subdir subdirs".split(), "subdir"),
    **dict.fromkeys("biggest largest large larger bigger huge heaviest heavy".split(), "big"),
    **dict.fromkeys("smallest smaller tiny".split(), "small"),
    **dict.fromkeys("remove removing erase erasing delete deleting".split(), "delete"),
    **dict.fromkeys("newest latest recent recently newer".split(), "new"),
    **dict.fromkeys("oldest older".split(), "old"),
    **dict.fromkeys("modified modify modification changed edited updated touched".split(), "modify"),
    **dict.fromkeys("number many tally count counting counts".split(), "count"),
    **dict.fromkeys("total totals sum altogether combined overall".split(), "sum"),
    **dict.fromkeys("bytes size sizes kb mb gb kib mib gib kilobytes megabytes gigabytes".split(), "size"),
    **dict.fromkeys("not without except excluding exclude skip skipping omit omitting".split(), "not"),
    **dict.fromkeys("below beneath under underneath recursive recursively anywhere subtree".split(), "recurs"),
    **dict.fromkeys("hash hashes checksum checksums digest".split(), "checksum"),
    **dict.fromkeys("permission permissions perms mode".split(), "perm"),
    **dict.fromkeys("owner owned owns ownership".split(), "own"),
    **dict.fromkeys("hidden dotfile dotfiles".split(), "hidden"),
    **dict.fromkeys("symlink symlinks symbolic".split(), "link"),
    **dict.fromkeys("blank empty".split(), "empty"),
    **dict.fromkeys("duplicate duplicates duplicated repeated repeats".split(), "dup"),
    **dict.fromkeys("unique distinct".split(), "uniq"),
    **dict.fromkeys("ram memory".split(), "memory"),
    **dict.fromkeys("cpu cpus core cores processor processors".split(), "cpu"),
    **dict.fromkeys("difference differences differ differs".split(), "diff"),
    **dict.fromkeys("contain contains containing mention mentions mentioning match matches matching matched".split(),
                    "contain"),
    **dict.fromkeys("terminate kill".split(), "kill"),
    **dict.fromkeys("compress compressed compression zipped".split(), "compress"),
    **dict.fromkeys("decompress decompressed unpack unpacked extract extracting uncompress unzip".split(), "extract"),
    **dict.fromkeys("tarball tarballs".split(), "tar"),
    **dict.fromkeys("env environment variable variables".split(), "env"),
    **dict.fromkeys("timestamp timestamps time times".split(), "time"),
    **dict.fromkeys("commit commits committed".split(), "commit"),
    **dict.fromkeys("word words".split(), "word"),
    **dict.fromkeys("order ordered ordering sorted sorting".split(), "sort"),
    **dict.fromkeys("left available remaining".split(), "free"),
    **dict.fromkeys("character characters chars".split(), "char"),
    **dict.fromkeys("machine computer system box host".split(), "system"),
}

_WORD = re.compile(r"[a-z0-9]+")
_SIZE = re.compile(r"\d+(?:[kmgt]i?b?|bytes?)")
_FLAG = re.compile(r"(?<![\w-])--?[a-zA-Z][\w-]*")
_SEGMENT = re.compile(r"\|\||&&|[|;({]|\$\(|`|-exec(?:dir)?\b|-ok\b|xargs(?:\s+-\S+(?:\s+\d+)?)*")
_WRAPPERS = frozenset("sudo nice nohup time timeout env watch".split())
#: program names that are also everyday English words: a request names the program only when an option follows
_ENGLISH = frozenset("""file find date time head tail cut join split sort watch kill free id who last top touch sleep
yes less more expand fold paste column test type which nice comm host link install patch make look write wall
env locale stat true false shuf tee nl pr cat rev seq timeout unlink zip command read wait""".split())


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    """A light suffix stripper: enough to join files/file, sorted/sorting/sort, largest/large."""
    word = _SYNONYMS.get(word, word)
    if _SIZE.fullmatch(word):
        return "size"  # 50mb, 1g, 100k
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, repl in (("ies", "y"), ("ied", "y"), ("iest", "y"), ("ier", "y"), ("ing", ""), ("est", ""),
                         ("ed", ""), ("es", ""), ("er", ""), ("ly", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + repl
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouy":
        word = word[:-1]
    return _SYNONYMS.get(word, word)


def words(text: str) -> list[str]:
    """Normalised word stems of free text, without stop words and bare numbers (a subfolder is a folder too)."""
    out = [stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and not w.isdigit()]
    return out + ["dir"] * out.count("subdir")


def programs(command: str) -> list[str]:
    """The programs a command runs: the first word of every pipeline part, also after xargs and -exec, and
    wrappers such as sudo, nice or timeout (single-quoted text, e.g. an awk or sed script, is skipped)."""
    text = re.sub(r"'[^']*'", " ", command)
    found = ["xargs"] if re.search(r"(?<![\w-])xargs\b", text) else []
    for part in _SEGMENT.split(text):
        for token in part.split():
            if "=" in token and not token.startswith("-"):
                continue  # VAR=value before a command
            if token in _WRAPPERS:
                found.append(token)
                continue
            if token in ("do", "then", "else", "if", "while", "until", "!", "[", "[["):
                continue
            if token in ("for", "case", "select", "function", "done", "fi", "esac", "continue", "break"):
                break
            if token.startswith("-") or token.replace(".", "").isdigit() or token in ("!", "}", ")", "\\"):
                if found and found[-1] in _WRAPPERS:
                    continue  # a wrapper's own options: nice -n 10, timeout 5
                break
            if re.fullmatch(r"(\./)?[a-z][\w.+-]*", token):
                found.append(token.rsplit("/", 1)[-1])
            break
    return list(dict.fromkeys(found))


def flags(text: str) -> list[str]:
    """Options written in a command or a request: -maxdepth, --max-depth, -rl (also as -r and -l)."""
    out = []
    for flag in _FLAG.findall(text):
        flag = flag.split("=", 1)[0]
        out.append("flag" + flag)
        if re.fullmatch(r"-[a-zA-Z]{2,4}", flag):
            out += ["flag-" + c for c in flag[1:]]
    return out


def flag_words(text: str) -> list[str]:
    """Long options as words (-maxdepth, --max-depth: maxdepth), so a request may name them without dashes."""
    return [stem(f.split("=", 1)[0].lstrip("-").replace("-", "")) for f in _FLAG.findall(text)
            if len(f.split("=", 1)[0].lstrip("-")) >= 4]


_ACRONYMS = frozenset("""CPU RAM CSV TSV JSON YAML XML HTML HTTP HTTPS URL DNS TCP UDP IP SSH PATH HOME USER SHELL
MIME UTC PDF PNG JPG JPEG GIF MD5 SHA UTF ASCII CRLF PID TTY GPU OS API UID GID ISO GB MB KB TB""".split())


def _literals(request: str) -> list[str]:
    """Words of a request that are probably data (a pattern to search for, a value): quoted, or all capitals."""
    quoted = [a or b for a, b in re.findall(r"(?<!\w)'([^']+)'(?!\w)|\"([^\"]+)\"", request)]
    caps = [w for w in re.findall(r"\b[A-Z][A-Z0-9_]{2,}\b", request) if w not in _ACRONYMS]
    return [w for text in quoted for w in _WORD.findall(text.lower())] + caps


@dataclass(frozen=True)
class _Doc:
    entry: Entry
    tf: dict[str, float]
    length: float
    request_words: frozenset[str]
    signature: frozenset[str]


class Index:
    """BM25 over the library's entries; build once, query many times."""

    def __init__(self, items: tuple[Entry, ...]) -> None:
        self.docs: list[_Doc] = []
        df: Counter[str] = Counter()
        for entry in items:
            tf: Counter[str] = Counter()
            fields = {
                "request": words(entry.request),
                "tags": [stem(t) for t in entry.tags],
                "program": ["prog:" + p for p in programs(entry.command)] + flags(entry.command),
                "flagword": flag_words(entry.command),
                "explanation": words(" ".join([*entry.explanations, *entry.args.values()]) if not entry.error
                                     else entry.explanation),
            }
            for name, tokens in fields.items():
                for token in tokens:
                    tf[token] += WEIGHTS[name]
            self.docs.append(_Doc(entry, dict(tf), sum(tf.values()), frozenset(fields["request"]),
                                  frozenset(fields["program"])))
            df.update(tf.keys())
        n = len(self.docs)
        self.avg_length = sum(d.length for d in self.docs) / max(n, 1)
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for i, doc in enumerate(self.docs):
            norm = K1 * (1 - B + B * doc.length / self.avg_length)
            for token, f in doc.tf.items():
                self.postings.setdefault(token, []).append((i, self.idf[token] * f * (K1 + 1) / (f + norm)))
        self.programs = {t[5:] for d in self.docs for t in d.signature if t.startswith("prog:")}

    def query_terms(self, request: str) -> Counter[str]:
        terms: Counter[str] = Counter()
        literals = {stem(w.lower()) for w in _literals(request)}
        for word in words(request):
            terms[word] += LITERAL if word in literals else 1.0
        terms.update(flags(request))
        terms.update(flag_words(request))
        tokens = re.findall(r"[a-z0-9][\w.+-]*|--?[a-z]\S*", request.lower())
        for i, token in enumerate(tokens):
            if token in self.programs and (token not in _ENGLISH
                                           or (i + 1 < len(tokens) and tokens[i + 1].startswith("-"))):
                terms["prog:" + token] += 1
        return terms

    def scored(self, request: str, *, invalid: bool = False) -> list[tuple[float, int]]:
        scores: dict[int, float] = {}
        for term, count in self.query_terms(request).items():
            for i, weight in self.postings.get(term, ()):
                scores[i] = scores.get(i, 0.0) + weight * count
        ranked = [(s, i) for i, s in scores.items() if invalid or not self.docs[i].entry.error]
        ranked.sort(key=lambda pair: (-pair[0], pair[1]))
        return ranked

    def similar(self, request: str, k: int = 4, *, invalid: bool = False) -> list[Entry]:
        chosen: list[_Doc] = []
        held_back: list[_Doc] = []
        for _, i in self.scored(request, invalid=invalid):
            if len(chosen) >= k:
                break
            doc = self.docs[i]
            if any(_near(doc, other) for other in chosen):
                held_back.append(doc)
            else:
                chosen.append(doc)
        chosen += held_back[: k - len(chosen)]
        return [d.entry for d in chosen]


def _near(a: _Doc, b: _Doc) -> bool:
    if a.signature and a.signature == b.signature:
        return True
    union = a.request_words | b.request_words
    return bool(union) and len(a.request_words & b.request_words) / len(union) >= NEAR_DUPLICATE


@lru_cache(maxsize=1)
def index() -> Index:
    """The library's index, built on first use."""
    return Index(entries())


def similar(request: str, k: int = 4, *, invalid: bool = False) -> list[Entry]:
    """The ``k`` library entries most similar to ``request``, best first, without near-duplicates of each other.

    Only entries that share a word, program or flag with the request are returned (so possibly fewer than
    ``k``). Impossible-request entries are left out unless ``invalid`` is true. ``Entry.example()`` gives an
    entry as a ``(request, regular reply)`` pair like ``examples.COMMAND_EXAMPLES``.
    """
    if k <= 0 or not request.strip():
        return []
    return index().similar(request, k, invalid=invalid)
