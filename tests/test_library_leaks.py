"""The leak guard for the whole example library (``devgpt_magic/prompts/library.jsonl``), the few-shot examples
and the tuning requests: nothing the prompt can show a model may equal or nearly repeat an evaluation item.

Near-duplicate, for a request: equal after normalisation, token Jaccard ≥ 0.6 (on all words, and again on
content words only), or one contains the other as a whole-word phrase. For a command against NL2SH-ALFA's
references: equal after normalisation, shell-token Jaccard ≥ 0.6, or one contains the other's token sequence
when the shorter has at least 3 tokens. A failure names the library entry and the evaluation item's id, never
the evaluation text, so whoever fixes the entry does not read evaluation items.
Each evaluation set is skipped when it cannot be reached (the DeveloperGPT folder beside the checkout; the
icalfa wheel, downloaded with pip into the evaluation cache).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from devgpt_magic.prompts import library
from devgpt_magic.prompts.examples import COMMAND_EXAMPLES, EXPLAIN_EXAMPLE

JACCARD = 0.6
MIN_CONTAINED_COMMAND_TOKENS = 3
_STOP = frozenset("""a an the of in on at to for from by with and or but is are be it its this that these those all
any every each me my i you your we our there here which what how do does can please show list print give get
find display""".split())


def _stem(word: str) -> str:
    for suffix in ("ies", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def words(text: str) -> list[str]:
    return [_stem(w) for w in re.findall(r"[a-z0-9]+", text.lower())]


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _contains(longer: list[str], shorter: list[str]) -> bool:
    n = len(shorter)
    return 0 < n <= len(longer) and any(longer[i:i + n] == shorter for i in range(len(longer) - n + 1))


class Words:
    """A request's normalised words, its word set and its content-word set, computed once."""

    def __init__(self, text: str) -> None:
        self.seq = words(text)
        self.all = set(self.seq)
        self.content = self.all - _STOP


def request_match(ours: str | Words, theirs: str | Words) -> str | None:
    a = ours if isinstance(ours, Words) else Words(ours)
    b = theirs if isinstance(theirs, Words) else Words(theirs)
    if a.seq == b.seq:
        return "equal"
    if (score := _jaccard(a.all, b.all)) >= JACCARD:
        return f"jaccard {score:.2f}"
    if (score := _jaccard(a.content, b.content)) >= JACCARD:
        return f"content-word jaccard {score:.2f}"
    if _contains(a.seq, b.seq) or _contains(b.seq, a.seq):
        return "contains"
    return None


def shell_tokens(command: str) -> list[str]:
    try:
        tokens = shlex.split(command, comments=False)
    except ValueError:
        tokens = command.split()
    return [t[2:] if t.startswith("./") and len(t) > 2 else t for t in tokens]


def command_match(ours: str | list[str], theirs: str | list[str]) -> str | None:
    a = ours if isinstance(ours, list) else shell_tokens(ours)
    b = theirs if isinstance(theirs, list) else shell_tokens(theirs)
    if a == b:
        return "equal"
    score = _jaccard(set(a), set(b))
    if score >= JACCARD:
        return f"jaccard {score:.2f}"
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    if len(shorter) >= MIN_CONTAINED_COMMAND_TOKENS and _contains(longer, shorter):
        return "contains"
    return None


def our_requests() -> list[tuple[str, str]]:
    from evaluation.tuning import DOABLE, IMPOSSIBLE

    out = [(f"library:{e.request}", e.request) for e in library.entries()]
    out += [(f"examples:{r}", r) for r, _ in [*COMMAND_EXAMPLES, EXPLAIN_EXAMPLE]]
    return out + [(f"tuning:{r}", r) for r in [*DOABLE, *IMPOSSIBLE]]


def our_commands() -> list[tuple[str, str]]:
    out = [(f"library:{e.request}", e.command) for e in library.entries() if e.command]
    for request, reply in COMMAND_EXAMPLES:
        out += [(f"examples:{request}", c["cmd_to_execute"]) for c in reply.get("commands", [])]
    return out


def developergpt_requests() -> list[tuple[str, str]]:
    folder = Path(__file__).resolve().parents[2] / "shared" / "eval" / "developergpt"
    files = sorted(folder.glob("*.txt"))
    if not files:
        pytest.skip(f"DeveloperGPT's request files not found in {folder}")
    return [(f"{f.stem}:{n}", line.strip()) for f in files
            for n, line in enumerate(f.read_text("utf-8").splitlines(), 1) if line.strip()]


def alfa_items():
    from evaluation.suites import nl2sh_alfa

    try:
        return nl2sh_alfa()
    except Exception as exc:  # noqa: BLE001 - no network or pip: the set cannot be reached here
        pytest.skip(f"NL2SH-ALFA not reachable: {exc}")


def _report(hits: list[str]) -> str:
    return f"{len(hits)} near-duplicates of evaluation items (rewrite or delete these entries):\n" + "\n".join(hits)


def test_matchers_catch_near_duplicates():
    assert request_match("List the files in the folder", "list files in the folders")
    assert request_match("count lines in every python file", "count the lines in every python file under src")
    assert not request_match("biggest files in this folder", "show the date of the last commit")
    assert command_match("find . -type f -name '*.txt'", "find . -name '*.txt' -type f")
    assert command_match("ls -l | wc -l", "ls -l") is None  # too short to count as contained
    assert command_match("tar -czf a.tgz docs && ls", "tar -czf a.tgz docs")
    assert not command_match("git log --oneline -n 5", "sort -u names.txt")


def test_nothing_repeats_a_developergpt_request():
    theirs = [(their_id, Words(text)) for their_id, text in developergpt_requests()]
    hits = [f"{where}  ~ {their_id} ({how})" for where, ours in our_requests() for their_id, text in theirs
            if (how := request_match(Words(ours), text))]
    assert not hits, _report(hits)


def test_nothing_repeats_an_nl2sh_alfa_request_or_reference():
    items = alfa_items()
    requests = [(item.id, Words(item.request)) for item in items]
    references = [(item.id, shell_tokens(ref)) for item in items for ref in item.references if ref]
    hits = []
    for where, ours in our_requests():
        mine = Words(ours)
        hits += [f"{where}  ~ {their_id} request ({how})" for their_id, text in requests
                 if (how := request_match(mine, text))]
    for where, ours in our_commands():
        mine = shell_tokens(ours)
        hits += [f"{where}  ~ {their_id} reference ({how})" for their_id, tokens in references
                 if (how := command_match(mine, tokens))]
    assert not hits, _report(sorted(set(hits)))
