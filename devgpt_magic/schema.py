"""The data that crosses module boundaries: requests, suggestions, chat messages and usage.

Models reply in one of three wire formats (regular, fast, invalid request, see :func:`response_schema`);
:mod:`devgpt_magic.parsing` normalises all of them into one :class:`Suggestion`, so front ends never see
the wire format.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Mode = Literal["regular", "fast"]
Shots = Literal["few", "zero"]
#: Where the invalid-request example goes among the few-shot examples (small models copy the nearest one),
#: or "none" to leave it out (the rules still describe the invalid reply).
InvalidExample = Literal["first", "middle", "last", "none"]
Role = Literal["system", "user", "assistant"]
#: How a fast-mode command reply is written (see prompts.builder): JSON, or a fenced code block.
Reply = Literal["json", "fenced"]


class Techniques(BaseModel):
    """What the engine adds around a command request, per model (measured: README, "Accuracy")."""

    #: fast mode: JSON (grammar-constrained locally) or a fenced code block
    reply: Reply = "json"
    #: examples from the project's own library most similar to the request, after the fixed ones
    examples: int = 0
    #: token budget of this machine's documentation for the programs the request likely needs (0: none)
    docs_tokens: int = 0
    #: check each command against the programs' --help on this machine; one retry with the findings
    checks: bool = False
    #: candidates sampled and grouped by what they do in a sandbox (1: just the greedy answer)
    candidates: int = 1
    #: regular mode: decide the command exactly as fast mode does, then explain that command in a second call.
    #: A small model that writes command and explanations in one reply gets the command wrong more often, and
    #: asking for the explanation should never change the answer.
    explain_after: bool = False
    #: run the chosen command in a sandbox over the working folder; when it fails with an error message, show
    #: the model the error once and keep the revision only if it plainly works (exit 0, output or changes);
    #: local models only, so that nothing a command printed leaves the machine
    run_feedback: bool = False
    #: fast mode: the reply first names everything the command must do ("needs"), then the command; a small
    #: model's wrong answers are mostly valid commands that leave out something the request asked for
    plan: bool = False


class Message(BaseModel):
    role: Role
    content: str


class Usage(BaseModel):
    """Tokens, cost and time of one call (or a sum of calls)."""

    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    #: True when a count comes from a tokenizer estimate rather than the provider's own report.
    estimated: bool = False
    #: None for local models, which cost nothing per token.
    cost_usd: float | None = None
    latency_s: float = 0.0
    calls: int = 1
    cached: bool = False

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: "Usage") -> "Usage":
        cost = None
        if self.cost_usd is not None or other.cost_usd is not None:
            cost = (self.cost_usd or 0.0) + (other.cost_usd or 0.0)
        return Usage(
            model=self.model,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            estimated=self.estimated or other.estimated,
            cost_usd=cost,
            latency_s=self.latency_s + other.latency_s,
            calls=self.calls + other.calls,
            cached=self.cached and other.cached,
        )


class Completion(BaseModel):
    """What a provider returns for one call."""

    text: str
    usage: Usage
    finish_reason: str | None = None


class RiskLevel(BaseModel):
    """Filled in by :mod:`devgpt_magic.safety`; kept here so a Suggestion is self-contained."""

    level: Literal["safe", "caution", "dangerous"] = "safe"
    reasons: list[str] = Field(default_factory=list)
    #: the folder the command was judged to run in (None: not known); a card run from another folder judges again
    judged_in: str | None = None


class CommandStep(BaseModel):
    """One command to run, in order, with what it does and what each argument means."""

    command: str
    explanations: list[str] = Field(default_factory=list)
    arguments: dict[str, str] = Field(default_factory=dict)
    risk: RiskLevel | None = None
    #: argument -> what this machine's documentation says about it ("not in `tar --help` on this machine")
    argument_notes: dict[str, str] = Field(default_factory=dict)


class ModelRow(BaseModel):
    """One model as front ends list it (CLI table, magic, side panel picker)."""

    name: str
    aliases: list[str] = Field(default_factory=list)
    provider: str
    local: bool
    #: local: the GGUF file is on disk (no download needed); cloud: always True
    available: bool = True
    key_env: list[str] = Field(default_factory=list)
    needs_key: bool = False
    key_present: bool = True
    price_in: float | None = None
    price_out: float | None = None
    default: bool = False
    description: str = ""


class Suggestion(BaseModel):
    """The engine's answer to a command request or an explain request."""

    request: str
    mode: Mode = "regular"
    commands: list[CommandStep] = Field(default_factory=list)
    #: Set when the model judged the request impossible as terminal commands.
    invalid_reason: str | None = None
    model: str = ""
    raw_text: str = ""
    usage: Usage | None = None
    repaired: bool = False
    #: a one-line note for the user from the engine (e.g. the first-run hint about the tiny default model)
    notice: str | None = None
    #: other ways to do it: candidates that behaved differently in the sandbox, most popular first
    alternatives: list[CommandStep] = Field(default_factory=list)

    @property
    def is_invalid(self) -> bool:
        return self.invalid_reason is not None


# --- wire formats ---------------------------------------------------------------------------------------


def response_schema(mode: Mode, *, strict: bool = False, bounded: bool = False, explain: bool = False,
                    plan: bool = False) -> dict[str, Any]:
    """JSON schema of the model's reply, for vendors' structured-output features.

    ``explain``: the reply to "explain this command", which names no command (the engine knows it), so the
    model does not spend tokens writing the command out twice (:func:`explain_schema`).

    The open form is the documented wire format (regular or fast reply, or an invalid-request reply).
    ``strict`` is the form that OpenAI's and Anthropic's strict structured outputs accept: one root object,
    every property required, no free-form maps (arguments become a list of ``{arg, explanation}``).
    ``bounded`` caps string lengths and list sizes like the local grammar does, for self-hosted
    OpenAI-compatible servers that turn the schema into a decoding grammar: a small model that loops inside a
    string is then cut by the grammar instead of running to the token limit.
    ``plan``: a fast reply first says in ``needs`` what the command must do (``Techniques.plan``).
    Local llama.cpp decoding uses :mod:`devgpt_magic.models.grammar` instead.
    """
    if explain:
        return explain_schema(strict=strict, bounded=bounded)
    if bounded:
        return _bounded(response_schema(mode, plan=plan))
    string: dict[str, Any] = {"type": "string"}
    needs = plan and mode == "fast"
    if strict:
        step = {"type": "object",
                "properties": {"seq": {"type": "integer"}, "cmd_to_execute": string,
                               "cmd_explanations": {"type": "array", "items": string},
                               "arg_explanations": {"type": "array", "items": _STRICT_ARGUMENT}},
                "required": ["seq", "cmd_to_execute", "cmd_explanations", "arg_explanations"],
                "additionalProperties": False}
        item = string if mode == "fast" else step
        first = {"needs": string} if needs else {}  # written before the commands, as the grammar orders them
        return {"type": "object",
                "properties": {**first, "input": string, "error": {"type": "integer", "enum": [0, 1]},
                               "commands": {"type": "array", "items": item}, "explanation": string},
                "required": [*first, "input", "error", "commands", "explanation"], "additionalProperties": False}
    if mode == "fast":
        fast = {"type": "object",
                "properties": {"commands": {"type": "array", "items": string, "minItems": 1}},
                "required": ["commands"]}
        if not needs:
            return {"anyOf": [fast, _invalid()]}
        # what the request needs comes first, then the commands or the refusal (which names no input)
        refusal = {"type": "object", "properties": {"error": {"type": "integer", "enum": [1]}, "explanation": string},
                   "required": ["error", "explanation"]}
        return {"anyOf": [{"type": "object", "properties": {"needs": string, **form["properties"]},
                           "required": ["needs", *form["required"]]} for form in (fast, refusal)]}
    step = {"type": "object",
            "properties": {"seq": {"type": "integer"}, "cmd_to_execute": string,
                           "cmd_explanations": {"type": "array", "items": string},
                           "arg_explanations": {"type": "object", "additionalProperties": string}},
            "required": ["seq", "cmd_to_execute", "cmd_explanations", "arg_explanations"]}
    regular = {"type": "object",
               "properties": {"input": string, "error": {"type": "integer", "enum": [0]},
                              "commands": {"type": "array", "items": step, "minItems": 1}},
               "required": ["input", "error", "commands"]}
    return {"anyOf": [regular, _invalid()]}


#: strict structured outputs allow no free-form maps: an argument and its meaning become an object of a list
_STRICT_ARGUMENT: dict[str, Any] = {"type": "object",
                                    "properties": {"arg": {"type": "string"}, "explanation": {"type": "string"}},
                                    "required": ["arg", "explanation"], "additionalProperties": False}


def _invalid() -> dict[str, Any]:
    """The reply that says terminal commands cannot do what was asked."""
    string = {"type": "string"}
    return {"type": "object",
            "properties": {"input": string, "error": {"type": "integer", "enum": [1]}, "explanation": string},
            "required": ["input", "error", "explanation"]}


def explain_schema(*, strict: bool = False, bounded: bool = False) -> dict[str, Any]:
    """An explanation of a given command: what it does, then each argument; or the invalid-request reply when
    the text is no command. Strict and bounded as in :func:`response_schema`."""
    if bounded:
        return _bounded(explain_schema())
    string: dict[str, Any] = {"type": "string"}
    if strict:
        # error 1: the text is no command (the open form's invalid reply, which strict mode cannot offer beside)
        arguments = {"type": "array", "items": _STRICT_ARGUMENT}
        return {"type": "object", "properties": {"explanation": string, "arguments": arguments,
                                                 "error": {"type": "integer", "enum": [0, 1]}},
                "required": ["explanation", "arguments", "error"], "additionalProperties": False}
    explained = {"type": "object",
                 "properties": {"explanation": string,
                                "arguments": {"type": "object", "additionalProperties": string}},
                 "required": ["explanation", "arguments"]}
    return {"anyOf": [explained, _invalid()]}


_BOUNDS = {"cmd_to_execute": 300, "commands": 3, "cmd_explanations": 2, "arg_explanations": 6, "explanation": 400}


def _bounded(schema: Any, key: str = "") -> Any:
    """The same limits as the local GBNF grammar, expressed in JSON schema; ``key`` is the property name."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    if "anyOf" in out:
        out["anyOf"] = [_bounded(s, key) for s in out["anyOf"]]
    if "properties" in out:
        out["properties"] = {k: _bounded(v, k) for k, v in out["properties"].items()}
    if "items" in out:
        out["items"] = _bounded(out["items"], key)
    if isinstance(out.get("additionalProperties"), dict):
        out["additionalProperties"] = _bounded(out["additionalProperties"], key)
        out["maxProperties"] = _BOUNDS["arg_explanations"]
    if out.get("type") == "string":
        out["maxLength"] = (_BOUNDS["cmd_to_execute"] if key in ("cmd_to_execute", "commands")
                            else _BOUNDS["explanation"] if key == "explanation" else 200)
    elif out.get("type") == "array":
        out["maxItems"] = _BOUNDS.get(key, 3)
    return out
