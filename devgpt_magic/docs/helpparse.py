"""Options and their one-line descriptions, read from help texts and rendered manual pages.

Pure text in, data out: no program is run here. The formats handled (one parser, tolerant by design):

- GNU/util-linux/procps columns: ``  -k, --keep        keep (don't delete) input files``, ``--lines=[-]NUM``,
  ``--color[=WHEN]``, descriptions continued on deeper-indented lines or starting on the next line;
- manual pages: ``       -a --ascii`` with the description indented below, ``-name pattern``, ``-newerXY ref``;
- git ``-h`` (``--[no-]follow``, ``-n, --max-count <n>``), argparse (``-o FILE, --output FILE``), click
  (``--verbose / --quiet``), docker/cargo/pip/kubectl columns, python ``-c cmd : ...``, bash ``help`` (tabs),
  busybox (tabs), and usage synopses (``[-46AaC] [-b bind_address]``);
- option tokens anywhere in the text (:func:`mentions`), so an option described only in prose (``find``'s
  ``--help``, ``ip``'s ``-s[tatistics]``) still counts as known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SPLIT = re.compile(r"\t|\s{2,}|\s:\s|:\s*$")
_OPT_START = re.compile(r"^(--?)(\[no-?\])?([A-Za-z0-9?#@][\w?#@.+\-]*)(.*)$")
_MENTION = re.compile(r"(?<![\w\-./=$@%:])(--?[A-Za-z0-9][\w\-]*)(\[[a-z][\w\-]*\])?")
_USAGE_GROUP = re.compile(r"\[\s*(-{1,2}[^\]\[]*?)\s*\]")
_ARGLIKE = re.compile(r"^(<[^>]*>|\[[^\]]*\]|\{[^}]*\}|[A-Z][A-Z0-9_:.\-|/]*|[a-z][a-z0-9_\-]*\.{0,3}|\.\.\.|"
                      r"'[^']*'|\"[^\"]*\"|[0-9-]+|\S*[|]\S*)$")
_BULLET = re.compile(r"^-\s")
_HEADING = re.compile(r"^\s{0,4}[A-Za-z][\w ()/,-]{0,50}:\s*$")
_COMMAND_LINE = re.compile(r"^\s{1,8}([a-z][a-z0-9\-]*)(?:,\s*[a-z][a-z0-9\-]*)*(?:\s+[\[<A-Z{][^ ]*)*"
                           r"(?:\s{2,}|\t|\s+-\s|\s*$)")


@dataclass
class OptionDoc:
    """One documented option: its spellings, its argument, and what it does in one line."""

    names: list[str]
    arg: str | None = None
    optional: bool = False
    nargs: int = 0
    text: str = ""
    source: str = "help"

    @property
    def spec(self) -> str:
        out = ", ".join(self.names)
        if self.arg:
            if self.optional:
                out += f"[={self.arg}]"
            else:
                out += ("=" if self.names[-1].startswith("--") else " ") + self.arg
        return out

    def line(self, width: int = 110) -> str:
        """``-k, --keep  keep (don't delete) input files``, shortened to ``width`` characters."""
        text = self.text
        out = f"{self.spec}  {text}".rstrip() if text else self.spec
        if len(out) > width:
            cut = out[: width - 1]
            cut = cut[: cut.rfind(" ")] if " " in cut[len(self.spec) + 2:] else cut
            out = cut.rstrip(" ,;:") + "…"
        return out

    def to_json(self) -> list:
        return [self.names, self.arg, self.optional, self.nargs, self.text, self.source]

    @classmethod
    def from_json(cls, data: list) -> "OptionDoc":
        return cls(list(data[0]), data[1], bool(data[2]), int(data[3]), data[4], data[5])


@dataclass
class ParsedText:
    options: list[OptionDoc] = field(default_factory=list)
    mentions: set[str] = field(default_factory=set)
    #: ip-style abbreviations: "-s" -> "-statistics" (any prefix from the short form on is accepted)
    abbreviations: dict[str, str] = field(default_factory=dict)
    subcommands: list[str] = field(default_factory=list)


def _split_top(text: str, seps: str = ",") -> list[str]:
    """``text`` split at ``seps`` outside <>, [] and {}."""
    out, depth, cur = [], 0, []
    for ch in text:
        if ch in "<[{(":
            depth += 1
        elif ch in ">]})" and depth:
            depth -= 1
        if ch in seps and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return [p.strip() for p in out if p.strip()]


def _tokens(text: str) -> list[str]:
    """Whitespace-separated tokens, keeping <...>, [...] and {...} groups whole."""
    return [t for t in re.findall(r"(?:<[^>]*>|\[[^\]]*\]|\{[^}]*\}|[^\s<\[{])+", text) if t]


def _pieces(spec: str) -> list[str]:
    """``-k, --keep`` / ``-a --ascii`` / ``-v, --verbose / -q, --quiet`` / ``-p, p, --pid <PID>`` -> one piece
    per spelling, each with its argument."""
    spec = spec.replace(" / ", ", ").replace(" | ", ", ").replace(" or ", ", ")
    pieces: list[str] = []
    for part in _split_top(spec):
        toks = _tokens(part)
        cur: list[str] = []
        for t in toks:
            if t.startswith("-") and cur and len(t) > 1:
                pieces.append(" ".join(cur))
                cur = [t]
            else:
                cur.append(t)
        if cur:
            pieces.append(" ".join(cur))
    return pieces


def _parse_piece(piece: str) -> tuple[list[str], str | None, bool, int] | None:
    """(names, arg, optional, nargs) of one spelling, or None when it is not an option."""
    m = _OPT_START.match(piece)
    if not m:
        return None
    dashes, neg, name, rest = m.groups()
    names: list[str]
    arg, optional, nargs = None, False, 0
    # the name stops where an argument glued to it starts: --lines=NUM, --color[=WHEN], -n<num>
    name = name.rstrip(".")
    if "=" in name:
        name, _, glued = name.partition("=")
        rest = "=" + glued + rest
    base = dashes + name
    names = [base]
    if neg:
        names.append(dashes + "no-" + name)
    rest = rest.strip()
    if rest.startswith("...") or rest.startswith("…"):
        rest = rest.lstrip(".…").strip()
    if rest.startswith("[="):
        arg, optional, nargs = rest[2:].split("]", 1)[0], True, 1
    elif rest.startswith("[") and not rest.startswith("[no"):
        inner = rest[1:].split("]", 1)[0].lstrip("=").strip()
        arg, optional, nargs = inner or "ARG", True, 1
    elif rest.startswith("="):
        value = rest[1:].strip().rstrip(":")
        if value.lower() in ("false", "true"):
            arg = None  # kubectl prints a boolean's default this way: a flag
        else:
            arg, nargs = (value or "ARG"), 1
    elif rest.startswith("<") or rest:
        toks = _tokens(rest)
        if toks:
            arg, nargs = " ".join(toks), len(toks)
    if name.startswith("[") or not name:
        return None
    return names, arg, optional, nargs


def _first_sentence(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    m = re.search(r"(?<=[a-z0-9)\]'\"`])[.;](\s|$)", text)
    if m and m.start() >= 12:
        text = text[: m.start()]
    return text[:limit].rstrip()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _desc_column(lines: list[str], i: int, indent: int) -> int | None:
    """The column a description continues at below line ``i`` (the next non-blank line's indent, when it is
    deeper and is not another option), or None."""
    for nxt in lines[i + 1: i + 3]:
        if not nxt.strip():
            continue
        col = _indent(nxt)
        if col >= indent + 4 and not nxt.lstrip().startswith("-"):
            return col
        return None
    return None


_SECOND_COLUMN = re.compile(r"(?<=\S)\s+(?=-[A-Za-z0-9@#?]\s{2,}\S)")


def _split_columns(lines: list[str]) -> list[str]:
    """Two options side by side (zip, unzip: ``-f   freshen ...  -u   update ...``) -> one per line."""
    out: list[str] = []
    for line in lines:
        body = line.lstrip(" ")
        m = _SECOND_COLUMN.search(body, 6) if body.startswith("-") else None
        if m:
            indent = " " * (len(line) - len(body))
            out.append(indent + body[: m.start()])
            out.append(indent + body[m.end():])
        else:
            out.append(line)
    return out


def parse_options(text: str, source: str = "help") -> list[OptionDoc]:
    """Every option line of ``text`` with the first sentence of its description."""
    lines = _split_columns([ln.expandtabs(8).rstrip() for ln in text.splitlines()])
    out: list[OptionDoc] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        body = line.lstrip(" ")
        if not body.startswith("-") or _BULLET.match(body) or body.startswith("---") or body in ("-", "--"):
            i += 1
            continue
        indent = _indent(line)
        if source == "man" and i and lines[i - 1].strip() and _indent(lines[i - 1]) == indent and \
                not lines[i - 1].lstrip().startswith("-"):
            i += 1  # prose in a paragraph that happens to start with an option
            continue
        m = _SPLIT.search(body)
        col = _desc_column(lines, i, indent)
        if col is None and source == "man":
            col = indent + 7  # man's default tag width: "-d     A synonym for -depth"
        rest_at_col = line[col:].strip() if col is not None else ""
        if col is not None and len(line) > col and line[col - 1] == " " and line[col] not in " -" and (
                len(rest_at_col.split()) > 1 or rest_at_col[-1:] in ".;:)"):
            spec, desc = line[indent:col].strip(), line[col:].strip()
            m = None
        elif m:
            spec, desc = body[: m.start()], body[m.end():].strip()
        else:
            spec, desc = body, ""
        parsed: list[tuple[list[str], str | None, bool, int]] = []
        for piece in _pieces(spec):
            p = _parse_piece(piece)
            if p:
                parsed.append(p)
        if not parsed:
            i += 1
            continue
        # a long single-spaced line: "--synchronous synchronous output (safer ...)" -> spec + description; prose
        # that starts with an option ("-delete action cannot be combined with -prune") keeps only that option
        for k, (names, arg, opt, nargs) in enumerate(parsed):
            toks = _tokens(arg or "")
            if toks and (len(toks) > 2 or not all(_ARGLIKE.match(t) for t in toks)):
                keep: list[str] = []
                for t in toks:
                    if t[:1] in "<[{" or re.fullmatch(r"[A-Z][A-Z0-9_]*", t):
                        keep.append(t)
                    else:
                        break
                if k == len(parsed) - 1:
                    desc = (" ".join(toks[len(keep):]) + " " + desc).strip()
                parsed[k] = (names, " ".join(keep) or None, opt and bool(keep), len(keep))
                del parsed[k + 1:]
                break
        # continuation lines: deeper indented (and, when the description started on this line, about as deep
        # as it), not another option
        desc_col = indent + m.end() if (m and desc) else None
        j = i + 1
        more: list[str] = []
        while j < n:
            nxt = lines[j]
            if not nxt.strip():
                if desc or more:
                    break
                j += 1
                continue
            nind = _indent(nxt)
            if nind <= indent:
                break
            starts_opt = nxt.lstrip().startswith("-")
            if desc_col is not None and nind < desc_col - 2:
                break
            if desc_col is None and not more and starts_opt and nind < indent + 4:
                break
            if desc_col is None and more and starts_opt and nind < _indent(lines[j - 1]):
                break
            more.append(nxt.strip())
            if desc_col is None and len(more) == 1:
                desc_col = nind
            if len(more) >= 6:
                break
            j += 1
        full = " ".join([desc] + more).strip() if desc else " ".join(more).strip()
        full = full.lstrip(": ").strip()
        one = _first_sentence(full)
        separate = "," not in spec and (len(parsed) >= 4 or len({p[1] for p in parsed if p[1]}) >= 2)
        if separate:
            for names, a, o, k in parsed:
                out.append(OptionDoc(names, a, o, k, "" if len(parsed) >= 4 else one, source))
        else:
            names_all: list[str] = []
            arg, optional, nargs = None, False, 0
            for names, a, o, k in parsed:
                names_all.extend(x for x in names if x not in names_all)
                if a and not arg:
                    arg, optional, nargs = a, o, k
            out.append(OptionDoc(names_all, arg, optional, nargs, one, source))
        i = j if more else i + 1
    return out


def parse_usage(text: str) -> list[OptionDoc]:
    """Options from usage synopses: ``[-46AaC]`` (flags), ``[-b bind_address]``, ``[--depth=N]``."""
    out: list[OptionDoc] = []
    lines = text.splitlines()
    usage_lines = [ln for k, ln in enumerate(lines[:60])
                   if re.match(r"^\s*(usage|or)\s*:", ln, re.I) or (k and re.match(r"^\s*(usage|or)\s*:", lines[k - 1],
                                                                                     re.I) and ln.startswith(" "))
                   or ("[-" in ln and k < 20)]
    for ln in usage_lines:
        for group in _USAGE_GROUP.findall(ln):
            for alt in group.split("|"):
                alt = alt.strip()
                toks = _tokens(alt)
                if not toks:
                    continue
                head = toks[0]
                if re.fullmatch(r"-[A-Za-z0-9]{2,}", head) and len(toks) == 1 and head[1:].isalnum() and \
                        not head[1:].islower():
                    for ch in head[1:]:
                        out.append(OptionDoc(["-" + ch], source="usage"))
                    continue
                p = _parse_piece(" ".join(toks))
                if p:
                    names, arg, opt, nargs = p
                    out.append(OptionDoc(names, arg, opt, nargs, "", "usage"))
    return out


def mentions(text: str) -> tuple[set[str], dict[str, str]]:
    """Every option-like token in ``text`` (``-x``, ``--long-name``, ``-maxdepth``), and ip-style abbreviation
    forms ``-s[tatistics]`` as {"-s": "-statistics"}."""
    found: set[str] = set()
    abbreviations: dict[str, str] = {}
    for m in _MENTION.finditer(text):
        tok, tail = m.group(1), m.group(2)
        tok = tok.rstrip("-.")
        if len(tok) < 2 or tok in ("--",):
            continue
        found.add(tok)
        if "=" in tok:
            found.add(tok.split("=", 1)[0])
        if tail:
            full = tok + tail[1:-1]
            abbreviations[tok] = full
            found.add(full)
        if tok.startswith("--no-"):
            found.add("--" + tok[5:])
    return found, abbreviations


def parse_subcommands(text: str) -> list[str]:
    """Names listed under a ``Commands:`` / ``Management Commands:`` / ``Available Commands:`` heading."""
    out: list[str] = []
    inside = False
    for line in text.splitlines():
        line = line.expandtabs(8).rstrip()
        if _HEADING.match(line) and re.search(r"\b(sub)?commands\b", line, re.I):
            inside = True
            continue
        if not line.strip():
            continue
        if inside:
            m = _COMMAND_LINE.match(line)
            if m:
                for name in re.findall(r"[a-z][a-z0-9\-]*", m.group(0).strip().split("  ")[0].split(" - ")[0].split(" [")[0].split(" <")[0]):
                    if name not in out:
                        out.append(name)
                continue
            if _indent(line) == 0:
                inside = False
    return out


def parse_text(text: str, source: str = "help") -> ParsedText:
    """Options, mentions, abbreviations and subcommands of one help text or manual page."""
    found, abbreviations = mentions(text)
    options = parse_options(text, source)
    if source != "man":
        known = {name for o in options for name in o.names}
        options.extend(o for o in parse_usage(text) if not any(name in known for name in o.names))
    return ParsedText(options, found, abbreviations, parse_subcommands(text) if source != "man" else [])


def man_sections(text: str) -> dict[str, str]:
    """A rendered manual page split at its section headings (``NAME``, ``SYNOPSIS``, ``OPTIONS`` ...)."""
    out: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        if line and not line[0].isspace() and re.match(r"^[A-Z][A-Z0-9 ,/&()'-]+$", line.strip()):
            current = line.strip()
            out.setdefault(current, [])
            continue
        out.setdefault(current, []).append(line)
    return {k: "\n".join(v) for k, v in out.items()}
