"""References in a ``%%devgpt_chat`` cell, filled in from the kernel before the message goes to the model.

In the spirit of jupyter-ai's magics:

- ``{name}`` (also ``{name.attr}``, ``{name[0]}``, ``{name['key']}``): the variable's value from the user's
  namespace (a string as it is, anything else as its ``repr``);
- ``{In[n]}``: the code of cell ``n``; ``{Out[n]}``: its result;
- ``{Err[n]}``: the traceback of the exception cell ``n`` raised; ``{Err}``: the last exception's traceback.

``{{name}}`` keeps ``{name}`` as typed. Braces that are not a reference (code, JSON, a name the namespace does
not hold) are left exactly as typed. Each inserted value is capped at :data:`MAX_REF_CHARS` characters and all
of them together at :data:`MAX_TOTAL_CHARS`; :class:`Expansion` says what was included, cut or left out, so
the user sees what the model was sent.
"""

from __future__ import annotations

import re
import sys
import traceback
from dataclasses import dataclass, field
from typing import Any

from .secrets import redact

#: characters of one inserted value
MAX_REF_CHARS = 4000
#: characters of all inserted values of one message
MAX_TOTAL_CHARS = 16000
#: errors remembered per kernel (oldest forgotten first)
MAX_ERRORS = 50

_PATH = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[(?:-?\d+|'[^'\]\n]*'|\"[^\"\]\n]*\")\])*"
_REF = re.compile(r"\{\{(" + _PATH + r")\}\}|\{(" + _PATH + r")\}")
_PARTS = re.compile(r"\.([A-Za-z_]\w*)|\[(-?\d+|'[^'\]\n]*'|\"[^\"\]\n]*\")\]")


@dataclass
class Expansion:
    text: str
    #: one phrase per reference: "{df} (DataFrame, 1,234 characters)", "Err[4] (ZeroDivisionError traceback)"
    included: list[str] = field(default_factory=list)
    #: references left as typed, with why
    skipped: list[str] = field(default_factory=list)

    def note(self) -> str:
        """One line for the user, or "" when the message had no references."""
        parts = []
        if self.included:
            parts.append("included " + ", ".join(self.included))
        if self.skipped:
            parts.append("left as typed: " + "; ".join(self.skipped))
        return ("devgpt: " + "; ".join(parts) + ".") if parts else ""


class ErrorLog:
    """Tracebacks of the exceptions cells raised, by execution count (an IPython ``post_run_cell`` hook)."""

    def __init__(self) -> None:
        self.errors: dict[int, tuple[str, str]] = {}  # count -> (exception name, traceback text)
        self.last: tuple[str, str] | None = None

    def post_run_cell(self, result: Any) -> None:
        error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
        if error is None:
            return
        entry = (type(error).__name__, traceback_text(error))
        self.last = entry
        count = getattr(result, "execution_count", None)
        if isinstance(count, int):
            self.errors[count] = entry
            while len(self.errors) > MAX_ERRORS:
                del self.errors[min(self.errors)]

    def latest(self) -> tuple[str, str] | None:
        """The last recorded error, else the last one IPython showed (``sys.last_value``), if any."""
        if self.last is not None:
            return self.last
        error = getattr(sys, "last_value", None)
        if isinstance(error, BaseException):
            return type(error).__name__, traceback_text(error)
        return None


def traceback_text(error: BaseException) -> str:
    """The traceback as plain text (no colours), without IPython's own frames above the cell."""
    import IPython

    frames = traceback.extract_tb(error.__traceback__)
    ipython_dir = IPython.__path__[0]
    while frames and frames[0].filename.startswith(ipython_dir):
        frames.pop(0)
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(error), error)
    return "".join(lines).rstrip()


def _cut(text: str, limit: int) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    return text[:limit] + f"\n… [cut: {len(text) - limit:,} more characters]", True


def _fenced(text: str, info: str = "") -> str:
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def _resolve(path: str, namespace: dict[str, Any]) -> tuple[bool, Any, str]:
    """(found, value, why not) for ``name.attr[0]['k']`` in ``namespace``."""
    root = re.match(r"[A-Za-z_]\w*", path).group()  # type: ignore[union-attr]
    if root not in namespace:
        return False, None, f"no variable named {root}"
    value = namespace[root]
    for attr, key in _PARTS.findall(path[len(root):]):
        try:
            if attr:
                if attr.startswith("__"):
                    return False, None, f"{attr} is not looked up"
                value = getattr(value, attr)
            else:
                value = value[int(key)] if re.fullmatch(r"-?\d+", key) else value[key[1:-1]]
        except Exception as exc:  # noqa: BLE001 - the user's own object: any failure leaves the text as typed
            return False, None, f"{type(exc).__name__} looking it up"
    return True, value, ""


def expand(message: str, shell: Any, errors: ErrorLog | None = None) -> Expansion:
    """``message`` with its references filled in from ``shell``'s namespace and history."""
    namespace = getattr(shell, "user_ns", {}) or {}
    result = Expansion(text="")
    budget = [MAX_TOTAL_CHARS]

    def insert(shown: str, text: str, what: str, info: str | None) -> str:
        if budget[0] <= 0:
            result.skipped.append(f"{shown} (over the {MAX_TOTAL_CHARS:,}-character limit of one message)")
            return "{" + shown + "}"
        masked = redact(text)  # a key in a variable, a cell or os.environ never leaves for the model's vendor
        notes = ", credentials masked" if masked != text else ""
        text, cut = _cut(masked, min(MAX_REF_CHARS, budget[0]))
        budget[0] -= len(text)
        size = f"{len(text):,} characters" + (", cut" if cut else "") + notes
        result.included.append(f"{shown} ({what}, {size})")
        if info is not None or "\n" in text:
            return _fenced(text, info or "")
        return text

    def replace(match: re.Match[str]) -> str:
        if match.group(1) is not None:  # {{name}}: keep the single braces, literally
            return "{" + match.group(1) + "}"
        path = match.group(2)
        cell = re.fullmatch(r"(In|Out|Err)(?:\[(\d+)\])?", path)
        if cell:
            return _cell_ref(cell.group(1), cell.group(2), match.group(0))
        found, value, why = _resolve(path, namespace)
        if not found:
            if not why.startswith("no variable"):
                result.skipped.append(f"{{{path}}} ({why})")
            return match.group(0)  # ordinary braces (code, JSON): as typed
        text = value if isinstance(value, str) else repr(value)
        return insert(f"{{{path}}}", text, type(value).__name__, None)

    def _cell_ref(kind: str, number: str | None, typed: str) -> str:
        shown = f"{kind}[{number}]" if number else kind
        if kind == "Err":
            if number:
                entry = errors.errors.get(int(number)) if errors else None
            else:
                entry = (errors or ErrorLog()).latest()
            if entry is None:
                why = (f"no error recorded for cell {number}" if number else "no error so far")
                result.skipped.append(f"{shown} ({why})")
                return typed
            return insert(shown, entry[1], f"{entry[0]} traceback", "text")
        if number is None:
            result.skipped.append(f"{shown} (give a cell number, e.g. {{{kind}[3]}})")
            return typed
        n = int(number)
        if kind == "In":
            history = namespace.get("In") or []
            if not 0 < n < len(history):
                result.skipped.append(f"{shown} (no cell {n} in this kernel's history)")
                return typed
            return insert(shown, history[n].rstrip(), "code", "python")
        outputs = namespace.get("Out") or {}
        if n not in outputs:
            result.skipped.append(f"{shown} (cell {n} has no result)")
            return typed
        value = outputs[n]
        return insert(shown, value if isinstance(value, str) else repr(value), type(value).__name__, "text")

    result.text = _REF.sub(replace, message)
    return result
