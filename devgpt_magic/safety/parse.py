"""Turning shell text into bashlex trees, with the rewrites bashlex needs and a fallback when it gives up."""

from __future__ import annotations

import codecs
import re
import shlex
from functools import lru_cache
from typing import Any

FORK_BOMB = re.compile(r"([\w:.]+)\s*\(\)\s*\{\s*\1\s*\|\s*\1\s*&\s*;?\s*\}")

_ANSI_C = re.compile(r"\$'((?:[^'\\]|\\.)*)'")
_QUOTED_HEREDOC = re.compile(r"<<(-?)\s*(['\"])([A-Za-z_][A-Za-z0-9_]*)\2")
_TIME = re.compile(r"(^|[;&|(\n]\s*|\b(?:then|do|else)\s+)time\s+(-p\s+)?")
_ARITH = re.compile(r"\$\(\(([^()]|\([^()]*\))*\)\)")
_ARITH_CMD = re.compile(r"(^|[;&|\n]\s*|\b(?:then|do|else)\s+)\(\(([^()]|\([^()]*\))*\)\)")
_FOR_ARITH = re.compile(r"\bfor\s*\(\((.*?)\)\)")
_DOUBLE_BRACKET = re.compile(r"\[\[\s(.*?)\s\]\]")
_ARRAY = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*\+?=)\(([^()]*)\)")
_COPROC = re.compile(r"(^|[;&|\n]\s*)coproc\s+")
_SELECT = re.compile(r"(^|[;&|\n]\s*)select\s+")
_CASE = re.compile(r"\bcase\b.*?\bin\b(.*?)\besac\b", re.S)
_CASE_ARM = re.compile(r"(?:^|;;|;&|;;&)\s*\(?[^()]*?\)\s*", re.S)


def _decode_ansi_c(match: re.Match[str]) -> str:
    try:
        text = codecs.decode(match.group(1).encode("latin-1", "backslashreplace"), "unicode_escape")
    except Exception:  # a malformed escape: keep the text as written
        text = match.group(1)
    return shlex.quote(text)


def normalise(script: str) -> str:
    """Rewrites that change nothing a check needs but that bashlex misreads: ``$'..'`` quoting is decoded."""
    if "$'" in script:
        script = _ANSI_C.sub(_decode_ansi_c, script)
    return script


def _has_code(text: str) -> bool:
    return "$(" in text or "`" in text or "<(" in text or ">(" in text


def rewrite(script: str) -> str:
    """Constructs bashlex cannot parse, replaced by equivalents with the same commands in them.

    Only parts without command substitutions are replaced, so no command can disappear.
    """
    s = _QUOTED_HEREDOC.sub(lambda m: f"<<{m.group(1)}{m.group(3)}", script)
    s = _TIME.sub(lambda m: m.group(1), s)
    s = _COPROC.sub(lambda m: m.group(1), s)
    s = _SELECT.sub(lambda m: m.group(1) + "for ", s)
    s = _FOR_ARITH.sub(lambda m: m.group(0) if _has_code(m.group(1)) else "for _ in 0", s)
    s = _ARITH.sub(lambda m: m.group(0) if _has_code(m.group(0)[3:-2]) else "0", s)
    s = _ARITH_CMD.sub(lambda m: m.group(0) if _has_code(m.group(0)[2:]) else m.group(1) + "true", s)
    s = _DOUBLE_BRACKET.sub(lambda m: m.group(0) if _has_code(m.group(1)) else "true", s)
    s = _ARRAY.sub(lambda m: m.group(0) if _has_code(m.group(2)) else m.group(1) + "ARRAY", s)
    s = _CASE.sub(_case_to_braces, s)
    return s


def _case_to_braces(match: re.Match[str]) -> str:
    """``case x in a) cmd1;; b) cmd2;; esac`` -> ``{ cmd1; cmd2; }``: every arm's commands, in order."""
    body = match.group(1)
    arms = [a.strip() for a in _CASE_ARM.split(body) if a.strip()]
    arms = [a.rstrip(";").strip() for a in arms if a.rstrip(";").strip()]
    if not arms:
        return "true"
    return "{ " + "; ".join(arms) + "; }"


@lru_cache(maxsize=1024)
def parse(script: str) -> tuple[str, tuple[Any, ...]] | None:
    """(the text bashlex parsed, its trees) for ``script`` (after :func:`rewrite` if needed), or None.

    The text is returned because node positions refer to it (see :func:`word_text`).
    """
    import bashlex

    text = normalise(script)
    try:
        return text, tuple(bashlex.parse(text))
    except Exception:  # bashlex raises several unrelated types on syntax it does not support
        pass
    rewritten = rewrite(text)
    if rewritten != text:
        try:
            return rewritten, tuple(bashlex.parse(rewritten))
        except Exception:
            pass
    return None


def word_text(node: Any, source: str) -> str:
    """A word as the shell sees it after quote removal.

    bashlex drops quotes nested in other quotes (``'sh -c "rm -rf ~"'`` becomes ``sh -c rm -rf ~``), so words
    with quotes are unquoted again from the original text with shlex, which keeps the inner quotes.
    """
    word = node.word
    pos = getattr(node, "pos", None)
    if not pos or not source:
        return word
    raw = source[pos[0]:pos[1]]
    if not any(c in raw for c in "'\"\\") or raw.count("'") + raw.count('"') < 2 or "$(" in raw or "`" in raw:
        return word
    try:
        parts = shlex.split(raw)
    except ValueError:
        return word
    return parts[0] if len(parts) == 1 else word


def fallback_commands(script: str) -> list[list[str]]:
    """When bashlex cannot parse: shlex words split at ; | & ( ) and newlines, so nothing slips through unseen."""
    lexer = shlex.shlex(normalise(script).replace("\n", " ; "), posix=True, punctuation_chars=";|&()<>")
    lexer.whitespace_split = True
    groups: list[list[str]] = [[]]
    try:
        for token in lexer:
            if token and set(token) <= set(";|&()<>"):
                groups.append([])
            else:
                groups[-1].append(token)
    except ValueError:  # unbalanced quotes
        groups = [[w.strip("'\"") for w in part.split()] for part in re.split(r"[;|&()\n]+", script)]
    return [g for g in groups if g]


def substitution_bodies(text: str) -> list[str]:
    """The text inside every ``$(...)``, ``<(...)``, ``>(...)`` and backtick pair, found by bracket counting."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith(("$(", "<(", ">("), i) and not text.startswith("$((", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text[j] == "(":
                    depth += 1
                elif text[j] == ")":
                    depth -= 1
                j += 1
            out.append(text[i + 2: j - 1] if not depth else text[i + 2:])
            i = j
        elif text[i] == "`":
            j = text.find("`", i + 1)
            out.append(text[i + 1: j] if j > 0 else text[i + 1:])
            i = j + 1 if j > 0 else n
        else:
            i += 1
    return [b for b in out if b.strip()]


def heredoc_body(node: Any) -> str:
    """The text of a heredoc without its closing delimiter line."""
    value = getattr(node, "value", "") or ""
    lines = value.split("\n")
    if len(lines) > 1:
        lines = lines[:-1]
    return "\n".join(lines)
