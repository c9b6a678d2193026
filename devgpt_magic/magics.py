"""IPython magics: ``%devgpt`` / ``%%devgpt`` and ``%%devgpt_chat``. Argument parsing and dispatch only.

Options come first and are parsed by ``magic_arguments`` (so ``%devgpt?`` documents them); the rest of
the line is the request, kept verbatim so quotes and dashes in it reach the model untouched.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from traitlets import Bool, Enum, Float, Int, Unicode

from .errors import DevGPTError

ACTIONS = ("cmd", "explain", "chat", "history", "reset", "models", "usage", "cache", "help")
_VALUE_OPTIONS = {"--model", "-m", "--save", "--load", "--base-url"}
_FLAG_OPTIONS = {"--fast", "--zero-shot", "--insert", "--reset", "--run", "--no-cache"}


def split_options(text: str) -> tuple[list[str], str]:
    """Leading options (as typed, quotes kept) and the verbatim remainder."""
    options: list[str] = []
    rest = text.lstrip()
    while rest.startswith("-"):
        match = re.match(r"""(--?[\w-]+)(=('[^']*'|"[^"]*"|\S*))?\s*""", rest)
        if match is None or match.group(1) not in _VALUE_OPTIONS | _FLAG_OPTIONS:
            break
        name = match.group(1)
        options.append(match.group(0).strip())
        rest = rest[match.end():]
        if name in _VALUE_OPTIONS and match.group(2) is None:
            value = re.match(r"""('[^']*'|"[^"]*"|\S+)\s*""", rest)
            if value is None:
                raise UsageError(f"{name} needs a value")
            options.append(value.group(1))
            rest = rest[value.end():]
    return options, rest.strip()


@magics_class
class DevGPTMagics(Magics):
    """Settings are traitlets: ``%config DevGPTMagics.model = 'gpt4o'`` or ``c.DevGPTMagics.model`` in
    ``ipython_config.py``."""

    model = Unicode("", help="Default model (name, alias, provider:model-id or gguf:/path); "
                              "empty means $DEVGPT_MODEL, else the local model.").tag(config=True)
    fast = Bool(False, help="Fast mode by default: commands only, no explanations.").tag(config=True)
    shots = Enum(["few", "zero"], "few", help="Few-shot or zero-shot command prompts.").tag(config=True)
    temperature = Float(0.0, help="Sampling temperature for command suggestions.").tag(config=True)
    chat_temperature = Float(0.3, help="Sampling temperature for chat replies.").tag(config=True)
    history_tokens = Int(0, help="Most tokens of chat history sent with a message; 0 fits the model's "
                                  "context window.").tag(config=True)
    show_usage = Bool(True, help="Print a footer with model, tokens, cost and time after each call.").tag(config=True)
    confirm_in_terminal = Bool(True, help="In terminal IPython, ask y/N to run suggested commands.").tag(config=True)
    base_url = Unicode("", help="OpenAI-compatible server for openai: models (Ollama, vLLM, ...).").tag(config=True)

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self._engine: Any = None
        self._session: Any = None
        self.last_result: Any = None

    @property
    def session(self) -> Any:
        """The kernel's one conversation (created on first use: loading stays import-free)."""
        if self._session is None:
            from .chat import ChatSession

            self._session = ChatSession()
        return self._session

    @property
    def engine(self) -> Any:
        """Created on first use so that loading the extension imports no model code."""
        if self._engine is None:
            from .engine import Engine

            self._engine = Engine()
        self._engine.default_model = self.model or None
        self._engine.base_url = self.base_url or None
        return self._engine

    # ------------------------------------------------------------------------------------------------
    @magic_arguments()
    @argument("action", choices=ACTIONS, help="cmd: suggest commands; explain: explain a command; chat: one "
              "chat message; history: show (or --save/--load) the chat; reset: clear the chat; models: list "
              "models; usage: tokens and cost so far; cache [info|clear]: size of the response cache, or empty "
              "it; help: this text")
    @argument("--model", "-m", help="model for this call (default: DevGPTMagics.model, $DEVGPT_MODEL, local)")
    @argument("--fast", action="store_true", help="cmd: commands only, no explanations")
    @argument("--zero-shot", action="store_true", help="cmd: no examples in the prompt")
    @argument("--insert", action="store_true", help="cmd: also add the commands as a new !cell below")
    @argument("--run", action="store_true", help="cmd: offer to run the commands right away (terminal)")
    @argument("--no-cache", action="store_true", help="cmd, explain: ask the model even if this exact request "
              "was answered before (answers at temperature 0 are cached on disk)")
    @argument("--save", metavar="FILE", help="history: save the chat to FILE (JSON)")
    @argument("--load", metavar="FILE", help="history: replace the chat with FILE")
    @argument("--base-url", help="OpenAI-compatible server URL for openai: models")
    @argument("request", nargs="*", help="the request, command or message (the rest of the line, verbatim)")
    @line_cell_magic
    def devgpt(self, line: str, cell: str | None = None) -> Any:
        """A developer assistant: shell commands from plain English, explained and checked for danger.

        Examples::

            %devgpt cmd find log files over 100MB under /var/log
            s = %devgpt cmd --fast --model gpt4o compress the logs folder
            %devgpt explain tar -xzvf a.tgz -C /tmp
            %devgpt chat how do I profile a Python script?
            %devgpt usage

        As a cell magic, the cell body is the request: ``%%devgpt cmd`` (or ``%%devgpt explain``).
        Nothing runs without your confirmation; dangerous commands need a second one.
        """
        action, _, rest = line.strip().partition(" ")
        if action not in ACTIONS:
            raise UsageError(f"%devgpt needs an action: one of {', '.join(ACTIONS)} (e.g. %devgpt cmd list "
                             f"big files). See %devgpt? for all options.")
        options, text = split_options(rest)
        args = parse_argstring(self.devgpt, " ".join([action, *options]))
        if cell is not None:
            text = (text + "\n" + cell).strip()
        try:
            return getattr(self, f"_do_{action}")(args, text)
        except DevGPTError as exc:
            print(f"devgpt: {exc}", file=sys.stderr)
        except KeyboardInterrupt:
            print("devgpt: interrupted; nothing was changed.", file=sys.stderr)
        return None

    @magic_arguments()
    @argument("--model", "-m", help="model for this message")
    @argument("--reset", action="store_true", help="start a new conversation before this message")
    @cell_magic
    def devgpt_chat(self, line: str, cell: str) -> None:
        """Chat in a cell. The conversation lasts as long as the kernel, across models; replies stream in."""
        args = parse_argstring(self.devgpt_chat, line)
        if args.reset:
            self.session.reset()
        try:
            self._chat(cell, args.model)
        except DevGPTError as exc:
            print(f"devgpt: {exc}", file=sys.stderr)
        except KeyboardInterrupt:
            print("\ndevgpt: interrupted; this exchange was not kept.", file=sys.stderr)

    # --- actions --------------------------------------------------------------------------------------
    def _do_cmd(self, args: Any, text: str) -> Any:
        from .results import CommandResult, widgets_available

        self._apply_base_url(args)
        spec = self.engine.resolve(args.model)
        suggestion = self.engine.suggest(text, model=args.model,
                                         mode="fast" if (args.fast or self.fast) else "regular",
                                         shots="zero" if args.zero_shot else self.shots,
                                         temperature=self.temperature, use_cache=not args.no_cache)
        result = CommandResult(suggestion, local=spec.is_local, shell=self.shell)
        self.last_result = result
        self._show(result)
        if args.insert and result.commands:
            self.shell.set_next_input("\n".join("!" + c.command for c in result.commands), replace=False)
        if result.commands and not widgets_available(self.shell) and (args.run or self.confirm_in_terminal):
            self._terminal_run(result)
        return result

    def _do_explain(self, args: Any, text: str) -> Any:
        from .results import CommandResult

        self._apply_base_url(args)
        spec = self.engine.resolve(args.model)
        result = CommandResult(self.engine.explain(text, model=args.model, temperature=self.temperature,
                                                   use_cache=not args.no_cache),
                               local=spec.is_local, shell=self.shell)
        self._show(result)
        return result

    def _do_chat(self, args: Any, text: str) -> None:
        self._apply_base_url(args)
        self._chat(text, args.model)

    def _do_history(self, args: Any, text: str) -> None:
        if args.save:
            path = self.session.save(args.save)
            print(f"Saved {len(self.session.exchanges)} exchanges to {path}.")
        elif args.load:
            count = self.session.load(args.load)
            print(f"Loaded {count} exchanges from {args.load}.")
        elif not self.session.messages:
            print("The chat history is empty.")
        else:
            from IPython.display import display

            parts = [f"**{'you' if m.role == 'user' else 'devgpt'}:** {m.content}" for m in self.session.messages]
            plain = [f"{'you' if m.role == 'user' else 'devgpt'}> {m.content}" for m in self.session.messages]
            display({"text/plain": "\n\n".join(plain), "text/markdown": "\n\n".join(parts)}, raw=True)

    def _do_reset(self, args: Any, text: str) -> None:
        count = len(self.session.exchanges)
        self.session.reset()
        print(f"Chat history cleared ({count} exchanges).")

    def _do_models(self, args: Any, text: str) -> None:
        from .models.registry import all_models
        from .render import models_table

        print(models_table(all_models(), default=self.engine.resolve().name))

    def _do_usage(self, args: Any, text: str) -> None:
        from .render import usage_table

        print(usage_table(self.engine.usage_totals()))

    def _do_cache(self, args: Any, text: str) -> None:
        what = text.strip() or "info"
        if what not in ("info", "clear"):
            raise UsageError("Use %devgpt cache info or %devgpt cache clear")
        cache = self.engine.cache
        print(f"Removed {cache.clear()} cached replies." if what == "clear" else cache.info())

    def _do_help(self, args: Any, text: str) -> None:
        print(self.devgpt.__doc__)

    # --- helpers ---------------------------------------------------------------------------------------
    def _apply_base_url(self, args: Any) -> None:
        if getattr(args, "base_url", None):
            self.base_url = args.base_url

    def _show(self, result: Any) -> None:
        from IPython.display import display

        display(result)
        if self.show_usage:
            print(result.footer())

    def _terminal_run(self, result: Any) -> None:
        from .confirm import confirm_steps
        from .execution import run_confirmed

        if not confirm_steps(result.commands):
            print("Nothing was run.")
            return
        for step in result.commands:
            outcome = run_confirmed(self.shell, step.command)
            result.runs.append(outcome)
            if not outcome.ok:
                print(f"exit code {outcome.exit_code}; stopping here.")
                break

    def _chat(self, message: str, model: str | None) -> None:
        from .chat import ChatReply
        from .render import footer
        from .results import widgets_available

        stream = self.engine.chat(self.session, message, model=model, temperature=self.chat_temperature,
                                  history_budget=self.history_tokens or None)
        live = widgets_available(self.shell)
        handle = None
        text = ""
        for item in stream:
            if isinstance(item, ChatReply):
                if live and handle is not None:
                    from IPython.display import Markdown

                    handle.update(Markdown(item.text))
                else:
                    print()
                if item.dropped_exchanges:
                    print(f"(the {item.dropped_exchanges} oldest exchanges did not fit the context and were left out)")
                if self.show_usage:
                    spec = self.engine.resolve(model)
                    print(footer(item.usage, local=spec.is_local))
                continue
            text += item
            if live:
                from IPython.display import Markdown, display

                if handle is None:
                    handle = display(Markdown(text), display_id=True)
                else:
                    handle.update(Markdown(text))
            else:
                print(item, end="", flush=True)


def load_ipython_extension(ipython: Any) -> None:
    ipython.register_magics(DevGPTMagics)


def unload_ipython_extension(ipython: Any) -> None:
    manager = ipython.magics_manager
    for kind, names in (("line", ("devgpt",)), ("cell", ("devgpt", "devgpt_chat"))):
        for name in names:
            manager.magics[kind].pop(name, None)
    manager.registry.pop("DevGPTMagics", None)
