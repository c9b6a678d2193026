"""Turn what a model really sends into a validated :class:`Suggestion`, or raise :class:`ParseError`.

Models wrap JSON in code fences and prose, leave trailing commas, write ``\\;`` unescaped, return one
object where a list belongs, split a command into its words, and invent key names. Each of those is
undone here; anything still unusable raises ``ParseError`` (and nothing else), carrying the raw text so
the engine can make its single repair call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import json_repair
from pydantic import ValidationError

from .errors import ParseError
from .schema import CommandStep, Mode, Suggestion

_ESCAPE = re.compile(r"\\(.)", re.DOTALL)  # pairs, left to right, so an escaped backslash stays one pair
_JSON_ESCAPES = frozenset('"\\/bfnrtu')
_FENCE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n?(.*?)```", re.DOTALL)

_COMMAND_LIST_KEYS = ("commands", "cmds", "command_list", "steps", "cmd_list", "result", "results", "response")
_COMMAND_TEXT_KEYS = ("cmd_to_execute", "command", "cmd", "cmd_to_run", "shell_command", "bash", "code", "run",
                      "script", "cmd_execute", "command_to_execute")
_EXPLANATION_KEYS = ("cmd_explanations", "cmd_explanation", "explanations", "explanation", "description",
                     "descriptions", "explain", "what_it_does", "summary")
_ARGUMENT_KEYS = ("arg_explanations", "args_explanations", "argument_explanations", "arguments", "args",
                  "options", "flags", "parameters", "params")
_SEQ_KEYS = ("seq", "step", "order", "sequence", "index", "id")
_REASON_KEYS = ("explanation", "reason", "message", "error_message", "why", "description")


def _candidates(text: str) -> list[str]:
    """Substrings worth trying as JSON, best first: fenced blocks, then the outermost braces."""
    found = [m.group(1) for m in _FENCE.finditer(text)]
    start = text.find("{")
    end = text.rfind("}")
    if start != -1 and end > start:
        found.append(text[start : end + 1])
    start_list = text.find("[")
    end_list = text.rfind("]")
    if start_list != -1 and end_list > start_list and (start == -1 or start_list < start):
        found.append(text[start_list : end_list + 1])
    found.append(text)
    return found


def _fix_escapes(text: str) -> str:
    """``\\;`` or ``\\.`` are not JSON escapes; keep the backslash literally, as the model meant it."""
    return _ESCAPE.sub(lambda m: m.group(0) if m.group(1) in _JSON_ESCAPES else "\\\\" + m.group(1), text)


def load_json(text: str) -> Any:
    """Best-effort JSON from model text; raises ParseError when nothing object-like is found."""
    for candidate in _candidates(text):
        candidate = candidate.strip()
        if not candidate:
            continue
        for attempt in (candidate, _fix_escapes(candidate)):
            try:
                return json.loads(attempt, strict=False)
            except (ValueError, RecursionError):
                pass
    try:
        repaired = json_repair.repair_json(_fix_escapes(text), return_objects=True)
    except Exception as exc:  # the repair library has no documented error type; ours is
        raise ParseError(f"The reply is not JSON ({type(exc).__name__}).", text) from None
    if isinstance(repaired, (dict, list)) and repaired:
        return repaired
    raise ParseError("The reply contains no JSON object.", text)


def _first(d: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in d:
            return d[key]
    return None


def _lower_keys(d: dict[Any, Any]) -> dict[str, Any]:
    return {str(k).strip().lower().replace(" ", "_").replace("-", "_"): v for k, v in d.items()}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (list, tuple)):
        return " ".join(_text(v) for v in value).strip()
    if isinstance(value, dict):
        return " ".join(_text(v) for v in value.values()).strip()
    return str(value).strip()


def _looks_like_split_words(items: list[Any]) -> bool:
    """``["ls", "-l", "/tmp"]``: one command cut into words, not three commands."""
    if len(items) < 2 or not all(isinstance(i, str) for i in items):
        return False
    words = [i.strip() for i in items]
    return all(w and " " not in w for w in words) and any(w.startswith("-") for w in words[1:])


def _clean_command(command: str) -> str:
    command = command.strip()
    if command.startswith("`") and command.endswith("`") and len(command) > 1:
        command = command.strip("`").strip()
    if command.startswith("$ "):
        command = command[2:].strip()
    return command


def _explanations(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [t for t in (_text(v) for v in value) if t]
    return [_text(value)]


def _arguments(value: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(value, dict):
        for k, v in value.items():
            if str(k).strip():
                out[str(k).strip()] = _text(v)
    elif isinstance(value, (list, tuple)):
        for item in value:
            if isinstance(item, dict):
                low = _lower_keys(item)
                name = _text(_first(low, ("arg", "argument", "name", "flag", "option", "param")))
                desc = _text(_first(low, ("explanation", "description", "meaning", "desc", "help")))
                if name:
                    out[name] = desc
                elif len(item) == 1:
                    (k, v), = item.items()
                    out[str(k)] = _text(v)
            elif isinstance(item, str) and ":" in item:
                name, _, desc = item.partition(":")
                if name.strip():
                    out[name.strip()] = desc.strip()
    return out


def _step(item: Any) -> dict[str, Any] | None:
    if isinstance(item, str):
        return {"command": _clean_command(item)}
    if isinstance(item, (list, tuple)):
        if all(isinstance(w, str) for w in item) and item:
            return {"command": _clean_command(" ".join(w.strip() for w in item))}
        return None
    if not isinstance(item, dict):
        return None
    low = _lower_keys(item)
    command = _first(low, _COMMAND_TEXT_KEYS)
    if isinstance(command, (list, tuple)) and all(isinstance(w, str) for w in command):
        command = " ".join(command)
    if not isinstance(command, str):
        return None
    step: dict[str, Any] = {
        "command": _clean_command(command),
        "explanations": _explanations(_first(low, _EXPLANATION_KEYS)),
        "arguments": _arguments(_first(low, _ARGUMENT_KEYS)),
    }
    seq = _first(low, _SEQ_KEYS)
    if isinstance(seq, (int, float)) or (isinstance(seq, str) and seq.strip().isdigit()):
        step["seq"] = int(float(seq))
    return step


def _is_error_flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "invalid"}
    return False


def normalise(data: Any, *, request: str, mode: Mode) -> Suggestion:
    """Map any of the wire formats (and their common mutations) onto one Suggestion."""
    if isinstance(data, list):
        data = {"commands": data}
    if not isinstance(data, dict):
        raise ParseError("The reply is JSON but not an object.", json.dumps(data)[:500])
    low = _lower_keys(data)
    items = _first(low, _COMMAND_LIST_KEYS)
    if items is None and _first(low, _COMMAND_TEXT_KEYS) is not None:
        items = [low]  # a single command object at the top level
    if isinstance(items, (str, dict)):
        items = [items]
    elif not isinstance(items, list):
        items = []
    if isinstance(items, list) and _looks_like_split_words(items):
        items = [" ".join(w.strip() for w in items)]
    steps = [s for s in (_step(i) for i in (items or [])) if s and s["command"]]
    if _is_error_flag(low.get("error")) and not steps:
        reason = _text(_first(low, _REASON_KEYS)) or "The model judged that terminal commands cannot do this."
        return Suggestion(request=request, mode=mode, invalid_reason=reason)
    if not steps:
        raise ParseError("The reply has no command in it.", json.dumps(data, ensure_ascii=False)[:2000])
    if all("seq" in s for s in steps):
        steps.sort(key=lambda s: s["seq"])
    try:
        commands = [CommandStep(**{k: v for k, v in s.items() if k != "seq"}) for s in steps]
    except ValidationError as exc:
        raise ParseError(f"The reply does not validate: {exc.errors()[0]['msg']}.",
                         json.dumps(data, ensure_ascii=False)[:2000]) from None
    return Suggestion(request=request, mode=mode, commands=commands)


def parse_suggestion(text: str, *, request: str, mode: Mode = "regular") -> Suggestion:
    """Parse a model's reply; the only exception this raises is ParseError."""
    if not isinstance(text, str) or not text.strip():
        raise ParseError("The model returned an empty reply.", text if isinstance(text, str) else "")
    return _read(text, lambda data: data, request=request, mode=mode)


def _read(text: str, adapt: Callable[[Any], Any], *, request: str, mode: Mode) -> Suggestion:
    """``text``'s JSON, passed through ``adapt``, as a Suggestion; every failure is a ParseError."""
    try:
        suggestion = normalise(adapt(load_json(text)), request=request, mode=mode)
    except ParseError as exc:
        raise ParseError(str(exc).split(" Raw model output:")[0], text) from None
    except RecursionError:
        raise ParseError("The reply is nested too deeply to read.", text) from None
    return suggestion.model_copy(update={"raw_text": text})


def parse_explanation(text: str, *, command: str) -> Suggestion:
    """Parse the reply to "explain ``command``": an explanation and arguments that name no command (the
    command is the user's), or a reply in the command format, which a model that ignores the schema may write.
    The only exception this raises is ParseError."""
    if not isinstance(text, str) or not text.strip():
        raise ParseError("The model returned an empty reply.", text if isinstance(text, str) else "")

    def the_users_command(data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        low = _lower_keys(data)
        listed, named = _first(low, _COMMAND_LIST_KEYS), _first(low, _COMMAND_TEXT_KEYS)
        if _is_error_flag(low.get("error")) or listed or (isinstance(named, str) and named.strip()):
            return data  # a refusal, or the command format
        explanations, arguments = _explanations(_first(low, _EXPLANATION_KEYS)), _arguments(_first(low, _ARGUMENT_KEYS))
        if not explanations and not arguments:  # worth the repair turn: an empty explanation explains nothing
            raise ParseError("The reply has no explanation in it.", json.dumps(data, ensure_ascii=False)[:2000])
        return {"cmd_to_execute": command, "explanations": explanations, "arguments": arguments}

    return _read(text, the_users_command, request=command, mode="regular")


_FENCED = re.compile(r"```[A-Za-z0-9_+-]*[ \t]*\n(.*?)(?:\n?```|\Z)", re.DOTALL)
_ERROR_LINE = re.compile(r"^\s*(?:ERROR|Error|error)\s*:\s*(.+)", re.DOTALL)


def parse_fenced(text: str, *, request: str, mode: Mode = "fast") -> Suggestion:
    """A reply written as a fenced code block (or ``ERROR: why``); the only exception is ParseError.

    The closing fence is usually missing: generation stops right before it. One command per line; a line
    ending in a backslash continues on the next one.
    """
    if not isinstance(text, str) or not text.strip():
        raise ParseError("The model returned an empty reply.", text if isinstance(text, str) else "")
    block = _FENCED.search(text)
    error = _ERROR_LINE.match(text)
    if error and (block is None or error.start() < block.start()):
        reason = error.group(1).strip().splitlines()[0].strip() or "The model judged that terminal commands cannot do this."
        return Suggestion(request=request, mode=mode, invalid_reason=reason, raw_text=text)
    if block is not None:
        body = block.group(1)
    elif "\n" not in text.strip() and not text.strip().startswith("{"):
        body = text  # a bare one-line command
    else:
        raise ParseError("The reply has no fenced code block with a command in it.", text)
    commands: list[str] = []
    pending = ""
    for line in body.splitlines():
        if not line.strip() or line.strip().startswith("#"):
            continue
        line = pending + line
        if line.rstrip().endswith("\\") and not line.rstrip().endswith("\\\\"):
            pending = line.rstrip()[:-1] + " "
            continue
        pending = ""
        commands.append(_clean_command(line))
    if pending:
        commands.append(_clean_command(pending))
    commands = [c for c in commands if c]
    if not commands:
        raise ParseError("The reply has no command in it.", text)
    return Suggestion(request=request, mode=mode, commands=[CommandStep(command=c) for c in commands], raw_text=text)
