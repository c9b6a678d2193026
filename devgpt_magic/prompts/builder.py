"""Builds every prompt the engine sends, from the model's kind, the mode, the shots and the context.

Instruction-tuned models get chat messages (system + example turns + the request); base (foundation)
models get one completion text that frames a transcript and ends where the model must continue, with
stop sequences so it does not invent the next request.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from ..context import Context
from ..schema import InvalidExample, Message, Mode, Reply, Shots, response_schema
from .examples import COMMAND_EXAMPLES, EXPLAIN_EXAMPLE, NEEDS, fast_reply

Task = Literal["command", "explain", "chat"]

#: The fixed [date · cwd] line of the example turns: constant, so the examples stay a reusable prefix.
EXAMPLE_MOMENT = "[Monday 2026-01-05 09:30 UTC · cwd /home/dev/project]"

_RULES = """\
Rules:
- Give commands that run in a terminal with the shell above: no GUI programs, no editors, nothing that waits for
  a yes/no answer (use flags such as -y or --force-yes only when the request asks for it).
- Prefer the simplest, most common commands that do exactly what was asked; one command when one is enough.
- Use the current working directory and today's date when the request depends on them.
- A command is one string exactly as it would be typed, never a list of words.
- If the request cannot be done with terminal commands, or makes no sense, reply with error 1 and a short reason."""

_REGULAR_FORMAT = """\
Reply with only one JSON object, no prose and no code fences:
{"input": "<the request>", "error": 0, "commands": [{"seq": 1, "cmd_to_execute": "<command>",
  "cmd_explanations": ["<what the command does>", ...], "arg_explanations": {"<argument>": "<what it means>", ...}}, ...]}
Explain each command and each of its arguments. For a request that cannot be done:
{"input": "<the request>", "error": 1, "explanation": "<why>"}
Inside JSON strings write a backslash as \\\\ and a double quote as \\" (so find's terminator is \\\\;)."""

_FAST_FORMAT = """\
Reply with only one JSON object, no prose and no code fences:
{"commands": ["<command>", ...]}
For a request that cannot be done: {"input": "<the request>", "error": 1, "explanation": "<why>"}
Inside JSON strings write a backslash as \\\\ and a double quote as \\" (so find's terminator is \\\\;)."""

#: Techniques.plan: the reply names what the command must do before writing it
_NEEDS = "everything the command must do: each thing to find, change or print, where, and every detail asked for"

_PLAN_FAST_FORMAT = f"""\
Reply with only one JSON object, no prose and no code fences:
{{"needs": "<{_NEEDS}>", "commands": ["<command>", ...]}}
For a request that cannot be done: {{"needs": "<what it asks for>", "error": 1, "explanation": "<why>"}}
Inside JSON strings write a backslash as \\\\ and a double quote as \\" (so find's terminator is \\\\;)."""

_PLAN_FENCED_FORMAT = f"""\
Reply with one fenced code block and nothing else: first a comment that says what the command must do, then the
command:
```bash
# needs: <{_NEEDS}>
<command>
```
One job is one command: join its steps with pipes or && on one line. If the request cannot be done with terminal
commands, reply with one line instead: ERROR: <why>"""

_FENCED_FORMAT = """\
Reply with the command in one fenced code block and nothing else:
```bash
<command>
```
One job is one command: join its steps with pipes or && on one line. If the request cannot be done with terminal
commands, reply with one line instead: ERROR: <why>"""

#: Where a fenced reply ends: the closing fence (so nothing after it is generated).
FENCE_STOP = "\n```"

_EXPLAIN_FORMAT = """\
Explain the command the user gives: what it does as a whole (including anything it changes or deletes), then
each argument. Reply with only one JSON object, no prose and no code fences:
{"explanation": "<what it does>", "arguments": {"<argument>": "<what it means>", ...}}
If the text is not a command at all: {"input": "<the text>", "error": 1, "explanation": "<why>"}
Inside JSON strings write a backslash as \\\\ and a double quote as \\"."""

_CHAT_SYSTEM = """\
You are DevGPT, a concise assistant for software developers working in Jupyter and the terminal.
Answer in Markdown. Put code and commands in fenced code blocks with a language tag. Be brief and exact;
say so when you are not sure. Never ask for or repeat API keys, passwords or other secrets."""


class Prompt(BaseModel):
    """What a provider sends: chat messages, or a completion text for base models."""

    task: Task
    messages: list[Message] = Field(default_factory=list)
    text: str | None = None
    stop: list[str] = Field(default_factory=list)
    #: The JSON schema the reply must follow; None for free text (chat).
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    mode: Mode = "regular"
    reply: Reply = "json"
    #: fast mode: the reply names what the command must do before the command (Techniques.plan)
    plan: bool = False
    #: The context the prompt was built with (its clock time is left out of cache keys).
    context: Context | None = None

    model_config = {"populate_by_name": True}

    @property
    def is_completion(self) -> bool:
        return self.text is not None

    def reply_schema(self, *, strict: bool = False, bounded: bool = False) -> dict[str, Any]:
        """The reply's JSON schema in the form a vendor's structured output takes (see ``response_schema``)."""
        return response_schema(self.mode, strict=strict, bounded=bounded, explain=self.task == "explain",
                               plan=self.plan)

    def all_text(self) -> str:
        """Everything the model reads, for token estimates."""
        if self.text is not None:
            return self.text
        return "\n".join(m.content for m in self.messages)


def _dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _command_format(mode: Mode, reply: Reply, plan: bool) -> str:
    if reply == "fenced":
        return _PLAN_FENCED_FORMAT if plan else _FENCED_FORMAT
    if mode == "fast":
        return _PLAN_FAST_FORMAT if plan else _FAST_FORMAT
    return _REGULAR_FORMAT


class PromptBuilder:
    """Stateless; one instance serves every front end."""

    def __init__(self, context: Context | None = None) -> None:
        self._context = context

    @property
    def context(self) -> Context:
        return self._context or Context.current()

    def system_text(self, task: Task, mode: Mode = "regular", reply: Reply = "json", *,
                    formats: bool = True, plan: bool = False) -> str:
        head = (
            "You are DevGPT, an assistant that turns a developer's request into terminal commands.\n"
            if task == "command"
            else "You are DevGPT, an assistant that explains terminal commands.\n"
            if task == "explain"
            else _CHAT_SYSTEM + "\n"
        )
        parts = [head, f"Context:\n{self.context.machine_lines()}\n"
                       "- Each request starts with [current date and time · current working directory].\n"]
        if task == "command":
            parts.append(_RULES + "\n")
            if formats:  # a base model copies placeholders like <why>: it sees concrete examples instead
                parts.append(_command_format(mode, reply, plan))
        elif task == "explain" and formats:
            parts.append(_EXPLAIN_FORMAT)
        return "\n".join(parts).strip()

    @staticmethod
    def _examples(task: Task, mode: Mode, invalid_example: InvalidExample = "first"
                  ) -> list[tuple[str, dict[str, Any]]]:
        """The fixed examples, in the regular wire format (converted per reply format when rendered)."""
        if task == "explain":
            return [EXPLAIN_EXAMPLE]
        valid = [example for example in COMMAND_EXAMPLES if example[1].get("error", 0) != 1]
        invalid = [example for example in COMMAND_EXAMPLES if example[1].get("error", 0) == 1]
        if invalid_example == "none":
            invalid = []
        at = {"first": 0, "middle": (len(valid) + 1) // 2, "last": len(valid), "none": 0}[invalid_example]
        return valid[:at] + invalid + valid[at:]

    def command(self, request: str, *, mode: Mode = "regular", shots: Shots = "few", base_model: bool = False,
                invalid_example: InvalidExample = "first", reply: Reply = "json",
                retrieved: list[tuple[str, dict[str, Any]]] | None = None, docs: str = "",
                plan: bool = False) -> Prompt:
        """``retrieved``: examples chosen for this request (after the fixed ones, so the fixed prefix stays
        reusable); ``docs``: this machine's documentation for programs the request may need; ``plan``: the
        fast reply first says what the command must do."""
        reply = "json" if mode == "regular" else reply
        plan = plan and mode == "fast"
        examples = self._examples("command", mode, invalid_example) if shots == "few" else []
        fixed = {r for r, _ in examples}
        extra = [(r, a) for r, a in (retrieved or []) if r not in fixed]
        return self._structured("command", request, mode=mode, examples=examples + extra, base_model=base_model,
                                reply=reply, docs=docs, plan=plan)

    def explain(self, command: str, *, base_model: bool = False) -> Prompt:
        return self._structured("explain", command, mode="regular", examples=self._examples("explain", "regular"),
                                base_model=base_model)

    @staticmethod
    def render_reply(reply: dict[str, Any], mode: Mode, form: Reply, plan: bool = False) -> str:
        """An example's reply as the model should write it. With ``plan`` a fast reply first says what the
        request needs, where the example has that written (the fixed examples; not the library's), and then
        the command or the refusal."""
        needs = NEEDS.get(reply.get("input", "")) if plan and mode == "fast" else None
        refused = reply.get("error") == 1
        if form == "fenced":  # the needs are a comment inside the block: the stop sequence is the next fence
            if refused:
                return f"ERROR: {reply.get('explanation', '')}"
            comment = f"# needs: {needs}\n" if needs else ""
            return "```bash\n" + comment + " && ".join(fast_reply(reply)["commands"]) + "\n```"
        if mode != "fast":
            return _dumps(reply)
        if needs and refused:
            return _dumps({"needs": needs, "error": 1, "explanation": reply.get("explanation", "")})
        return _dumps({"needs": needs, **fast_reply(reply)} if needs else fast_reply(reply))

    def _structured(self, task: Task, request: str, *, mode: Mode, examples: list[tuple[str, dict[str, Any]]],
                    base_model: bool, reply: Reply = "json", docs: str = "", plan: bool = False) -> Prompt:
        schema = response_schema(mode, explain=task == "explain", plan=plan) if reply == "json" else None
        stop = [FENCE_STOP] if reply == "fenced" else []
        context = self.context
        builder = PromptBuilder(context)  # one context for the whole prompt, even across a minute boundary
        asked = f"{docs.strip()}\n\n{context.moment()}\n{request}" if docs.strip() else f"{context.moment()}\n{request}"
        if base_model:
            return Prompt(task=task, text=builder._transcript(task, request, mode, examples, reply, docs, plan),
                          stop=["\nRequest:", "\n\n\n", *stop], schema=schema, mode=mode, reply=reply, plan=plan,
                          context=context)
        messages = [Message(role="system", content=builder.system_text(task, mode, reply, plan=plan))]
        for example_request, example_reply in examples:
            messages.append(Message(role="user", content=f"{EXAMPLE_MOMENT}\n{example_request}"))
            messages.append(Message(role="assistant", content=self.render_reply(example_reply, mode, reply, plan)))
        messages.append(Message(role="user", content=asked))
        return Prompt(task=task, messages=messages, schema=schema, mode=mode, reply=reply, plan=plan, stop=stop,
                      context=context)

    def _transcript(self, task: Task, request: str, mode: Mode, examples: list[tuple[str, dict[str, Any]]],
                    reply: Reply = "json", docs: str = "", plan: bool = False) -> str:
        """A base model continues text, so show it a log of a tool that already answers: concrete examples
        only, never a format with placeholders (a base model copies ``<why>`` literally)."""
        form = "its command in a fenced code block" if reply == "fenced" else "one line of JSON"
        header = (f"This is the log of DevGPT, a command-line tool. For each request it prints {form}.\n"
                  + self.system_text(task, mode, reply, formats=False) + "\n\n")
        turns = [f"Request: {EXAMPLE_MOMENT} {q}\nResponse: {self.render_reply(a, mode, reply, plan)}\n"
                 for q, a in examples]
        notes = f"{docs.strip()}\n" if docs.strip() else ""
        return (header + "\n".join(turns) + ("\n" if turns else "")
                + f"{notes}Request: {self.context.moment()} {request}\nResponse:")

    def chat_system(self) -> Message:
        return Message(role="system", content=self.system_text("chat"))

    def chat_turn(self, message: str) -> str:
        """The newest chat message as sent: the moment first; the history keeps the bare message."""
        return f"{self.context.moment()}\n{message}"

    def revise(self, prompt: Prompt, raw_text: str, problems: list[str], help_text: str) -> Prompt:
        """One more turn: the model's reply, what this machine's help texts say is wrong with it, and the help."""
        what = "the command in one fenced code block" if prompt.reply == "fenced" else "the JSON object"
        listing = "\n".join(f"- {p}" for p in problems[:6])
        note = (f"Checked on this machine:\n{listing}\n{help_text}\nFix the command and reply again with only {what} "
                f"in the format described.")
        if prompt.is_completion:
            return prompt.model_copy(update={"text": f"{prompt.text} {raw_text.strip()}\n# {note}\nResponse:"})
        messages = [*prompt.messages, Message(role="assistant", content=raw_text), Message(role="user", content=note)]
        return prompt.model_copy(update={"messages": messages})

    def repair(self, prompt: Prompt, raw_text: str, problem: str) -> Prompt:
        """One more turn showing the model its own reply and why it was rejected."""
        what = "the command in one fenced code block" if prompt.reply == "fenced" else "the JSON object"
        note = f"Your reply could not be used: {problem}. Reply again with only {what} in the format described, nothing else."
        if prompt.is_completion:
            text = f"{prompt.text} {raw_text.strip()}\n# {note}\nResponse:"
            return prompt.model_copy(update={"text": text})
        messages = [*prompt.messages, Message(role="assistant", content=raw_text),
                    Message(role="user", content=note)]
        return prompt.model_copy(update={"messages": messages})
