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
_CASE = re.compile(r"\bcase\b(.*?)\bin\b(.*?)\besac\b", re.S)
_CASE_ARM = re.compile(r"(?:^|;;|;&|;;&)\s*\(?[^()]*?\)\s*", re.S)


def _decode_ansi_c(match: re.Match[str]) -> str:
    try:
        text = codecs.decode(match.group(1).encode("latin-1", "backslashreplace"), "unicode_escape")
    except Exception:  # a malformed escape: keep the text as written
        text = match.group(1)
    return shlex.quote(text)


def normalise(script: str) -> str:
    """Rewrites that change nothing a check needs but that bashlex misreads: ``$'..'`` quoting is decoded,
    and single quotes inside arithmetic are dropped."""
    if "$'" in script:
        script = _ANSI_C.sub(_decode_ansi_c, script)
    if "((" in script and "'" in script:
        script = _unquote_arithmetic(script)
    return script


def _unquote_arithmetic(script: str) -> str:
    """Single quotes inside ``(( ))``, ``$(( ))`` and ``for (( ))`` do not quote: bash expands the expression
    as if it were in double quotes, so ``(( x = 'a[$(rm -rf ~)]' ))`` runs the rm. bashlex reads them as
    quotes and sees no command; without them it sees the substitution. Only bodies with a substitution in
    them are touched."""
    out: list[str] = []
    i = 0
    while (start := script.find("((", i)) >= 0:
        depth, end = 0, start
        while end < len(script):
            depth += script[end] == "("
            depth -= script[end] == ")"
            if depth == 0:
                break
            end += 1
        body = script[start:end + 1]
        if "'" in body and _has_code(body):
            body = body.replace("'", "")
        out += [script[i:start], body]
        i = end + 1
    out.append(script[i:])
    return "".join(out)


#: Characters that Python's ``str.splitlines`` (and so Jupyter, IPython and many editors) treat as a line break
#: although a POSIX shell does not: U+2028/U+2029, NEL, vertical tab, form feed, file/group/record separators
#: and a lone carriage return.
ODD_LINE_BREAKS = re.compile("\r(?!\n)|[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
#: Characters that are invisible or reorder text on screen, so a command can look different from what runs.
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def split_odd_line_breaks(script: str) -> tuple[str, bool]:
    """(``script`` with unusual line breaks turned into newlines, whether there were any).

    Why: a command shown on one line may be split into two by whatever runs or displays it next
    (``ls<U+2028>!rm -rf ~`` is two lines to IPython), so the check reads them as command separators.
    """
    if not ODD_LINE_BREAKS.search(script):
        return script, False
    return ODD_LINE_BREAKS.sub("\n", script), True


# --- brace expansion ---------------------------------------------------------------------------------------

#: More words than this from one word's braces are not expanded (a cost bound); the checker says so.
MAX_BRACE_WORDS = 256


class TooManyWords(ValueError):
    """A brace expansion would make more than :data:`MAX_BRACE_WORDS` words."""


def _skip_quoted(raw: str, i: int) -> int:
    """Index just after the quoted or escaped part starting at ``raw[i]`` (``'..'``, ``"..."``, ``\\x``,
    ``${...}``, ``$(...)``, backticks), or ``i`` when nothing quoted starts there."""
    c = raw[i]
    if c == "\\":
        return i + 2
    if c == "'":
        j = raw.find("'", i + 1)
        return len(raw) if j < 0 else j + 1
    if c == "`":
        j = raw.find("`", i + 1)
        return len(raw) if j < 0 else j + 1
    if c == '"':
        j = i + 1
        while j < len(raw) and raw[j] != '"':
            j += 2 if raw[j] == "\\" else 1
        return j + 1
    if c == "$" and raw.startswith(("${", "$("), i):
        close = "}" if raw[i + 1] == "{" else ")"
        depth, j = 1, i + 2
        while j < len(raw) and depth:
            if raw[j] in "'\"`\\":
                j = _skip_quoted(raw, j)
                continue
            depth += raw[j] == raw[i + 1]
            depth -= raw[j] == close
            j += 1
        return j
    return i


def _sequence(body: str) -> list[str] | None:
    """``1..5``, ``a..e`` and ``1..10..2`` as bash expands them, or None when ``body`` is not a sequence."""
    m = re.fullmatch(r"(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?|([A-Za-z])\.\.([A-Za-z])(?:\.\.(-?\d+))?", body)
    if not m:
        return None
    if m.group(1) is not None:
        a, b, step = int(m.group(1)), int(m.group(2)), abs(int(m.group(3) or 1)) or 1
        if abs(b - a) // step >= MAX_BRACE_WORDS:
            raise TooManyWords(body)
        return [str(n) for n in (range(a, b + 1, step) if a <= b else range(a, b - 1, -step))]
    a, b, step = ord(m.group(4)), ord(m.group(5)), abs(int(m.group(6) or 1)) or 1
    return [chr(n) for n in (range(a, b + 1, step) if a <= b else range(a, b - 1, -step))]


def _brace(raw: str) -> tuple[int, int, list[str]] | None:
    """(start, end, alternatives) of the first brace expression in a raw word that bash would expand."""
    i = 0
    while i < len(raw):
        if raw[i] in "'\"`\\" or raw.startswith(("${", "$("), i):
            i = _skip_quoted(raw, i)
            continue
        if raw[i] == "{":
            depth, j, commas = 1, i + 1, []
            while j < len(raw) and depth:
                if raw[j] in "'\"`\\" or raw.startswith(("${", "$("), j):
                    j = _skip_quoted(raw, j)
                    continue
                if raw[j] == "{":
                    depth += 1
                elif raw[j] == "}":
                    depth -= 1
                elif raw[j] == "," and depth == 1:
                    commas.append(j)
                j += 1
            if depth == 0:
                end = j - 1
                if commas:
                    cuts = [i] + commas + [end]
                    return i, end, [raw[a + 1:b] for a, b in zip(cuts, cuts[1:])]
                seq = _sequence(raw[i + 1:end])
                if seq is not None:
                    return i, end, seq
        i += 1
    return None


def expand_braces(raw: str) -> list[str]:
    """Bash brace expansion of one word as written (quotes kept): ``{rm,-rf,~}`` -> ``['rm', '-rf', '~']``.

    Why: the shell expands braces before it runs anything, so ``{rm,-rf,~}`` *is* ``rm -rf ~``. Quoted braces,
    ``${...}`` and ``$(...)`` are left alone, as bash does. Raises :class:`TooManyWords` past the bound.
    """
    found = _brace(raw)
    if found is None:
        return [raw]
    start, end, alternatives = found
    out: list[str] = []
    for alternative in alternatives:
        out += expand_braces(raw[:start] + alternative + raw[end + 1:])
        if len(out) > MAX_BRACE_WORDS:
            raise TooManyWords(raw)
    return out


def quote_word(word: str) -> str:
    """``word`` quoted for a shell only when it needs it (``rm`` stays ``rm``, ``a b`` becomes ``'a b'``)."""
    return word if re.fullmatch(r"[\w./~:=@%+,-]+", word) else "'" + word.replace("'", "'\\''") + "'"


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
    """``case WORD in a) cmd1;; b) cmd2;; esac`` -> ``{ : WORD; cmd1; cmd2; }``: the word (it may hold a
    ``$(...)``) and every arm's commands, in order."""
    body = match.group(2)
    arms = [a.strip() for a in _CASE_ARM.split(body) if a.strip()]
    arms = [a.rstrip(";").strip() for a in arms if a.rstrip(";").strip()]
    return "{ " + "; ".join([": " + match.group(1).strip()] + arms) + "; }"


@lru_cache(maxsize=1)
def _bashlex() -> Any:
    """bashlex, with one fix: a ``${`` that is never closed inside a word (``a'${b c'``) made its parameter
    expansion restart at the start of the word forever, hanging the check. It now raises the parse error
    bashlex raises for other bad substitutions, so such text goes to the fallback, which fails closed."""
    import bashlex
    from bashlex import errors, subst

    original = subst._paramexpand
    if getattr(original, "closes_braces", False):
        return bashlex

    def paramexpand(parserobj: Any, string: str, sindex: int) -> Any:
        if string.startswith("${", sindex) and string.find("}", sindex + 2) < 0:
            raise errors.ParsingError("bad substitution: no closing '}'", string, sindex)
        return original(parserobj, string, sindex)

    paramexpand.closes_braces = True  # type: ignore[attr-defined]
    subst._paramexpand = paramexpand
    return bashlex


@lru_cache(maxsize=1024)
def parse(script: str) -> tuple[str, tuple[Any, ...]] | None:
    """(the text bashlex parsed, its trees) for ``script`` (after :func:`rewrite` if needed), or None.

    The text is returned because node positions refer to it (see :func:`word_text`).
    """
    bashlex = _bashlex()
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


_EXTGLOB = re.compile(r"(?<=[^\s;|&(<>$])[!@*+?]\([^()]*\)|(?<=/)[!@*+?]\([^()]*\)|(?<=\s)[!@+?]\([^()]*\)")


def fallback_commands(script: str) -> list[list[str]]:
    """When bashlex cannot parse: shlex words split at ; | & ( ) and newlines, so nothing slips through unseen.
    An extended glob stays one word, so what it names is seen: ``!(keep)`` (all but) is read as ``*``, the
    others as their first choice (``*.@(tmp|bak)`` as ``*.tmp``)."""
    text = _EXTGLOB.sub(lambda m: "*" if m.group(0)[0] == "!" else m.group(0)[2:-1].split("|")[0], normalise(script))
    lexer = shlex.shlex(text.replace("\n", " ; "), posix=True, punctuation_chars=";|&()<>")
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
