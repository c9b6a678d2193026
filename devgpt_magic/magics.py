"""IPython magics: ``%devgpt`` / ``%%devgpt`` and ``%%devgpt_chat``. Argument parsing and dispatch only.

Options come first and are parsed by ``magic_arguments`` (so ``%devgpt?`` documents them); the rest of
the line is the request, kept verbatim so quotes and dashes in it reach the model untouched. Each option
names the actions it belongs to where it is declared (``_option``); the option sets ``split_options`` needs
are read back from the parser, so there is one list, and an option given to an action it does not belong
to is a one-line UsageError rather than silently ignored.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_cell_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from traitlets import Bool, Enum, Float, Int, Unicode

from .errors import DevGPTError

ACTIONS = ("cmd", "explain", "chat", "history", "reset", "models", "usage", "service", "doctor", "cache", "help",
           "preview", "run", "undo")

#: action -> its options (each option's first spelling), filled by ``_option`` as the options are declared.
_ACTION_OPTIONS: dict[str, list[str]] = {action: [] for action in ACTIONS}
#: Filled from the parser once the magic is defined (see the end of this module).
_VALUE_OPTIONS: set[str] = set()
_FLAG_OPTIONS: set[str] = set()


def _option(*flags: str, actions: tuple[str, ...], **kwargs: Any) -> argument:
    """A ``magic_arguments`` option of %devgpt that records which actions take it."""
    for action in actions:
        _ACTION_OPTIONS[action].append(flags[0])
    return argument(*flags, **kwargs)


def _option_sets(parser: Any) -> tuple[set[str], set[str]]:
    """(options that take a value, flags) as spelled on the command line, read from an argparse parser."""
    values: set[str] = set()
    flags: set[str] = set()
    for action in parser._actions:
        if action.option_strings and action.dest != "help":
            (flags if action.nargs == 0 else values).update(action.option_strings)
    return values, flags


def _given_options(parser: Any, args: Any) -> list[str]:
    """The options set in ``args`` (first spelling of each), in declaration order."""
    return [action.option_strings[0] for action in parser._actions
            if action.option_strings and action.dest != "help"
            and getattr(args, action.dest, action.default) != action.default]


def _describe(parser: Any, names: list[str]) -> str:
    by_name = {a.option_strings[0]: a for a in parser._actions if a.option_strings}
    return ", ".join(name + (f" {by_name[name].metavar or 'VALUE'}" if by_name[name].nargs != 0 else "")
                     for name in names)


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
        from .chat_refs import ErrorLog

        #: tracebacks of the cells that failed, for {Err[n]} in a chat cell (filled by a post_run_cell hook)
        self.errors = ErrorLog()

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
              "chat message; history: show (or --save/--load) the chat; reset: clear the chat; models [pull NAME]: "
              "list models, or download a local one; doctor: what works here; usage: tokens and cost so far; service [status|stop]: the local model service; "
              "cache [info|clear]: size of the response cache, or empty it; help: this text; preview CMD: what a "
              "command would change, from a sandboxed run; run CMD: preview, confirm, run with undo; "
              "undo [RUN_ID]: undo a run")
    @_option("--model", "-m", actions=("cmd", "explain", "chat"), metavar="MODEL",
             help="cmd, explain, chat: model for this call (default: DevGPTMagics.model, $DEVGPT_MODEL, local)")
    @_option("--fast", actions=("cmd",), action="store_true", help="cmd: commands only, no explanations")
    @_option("--zero-shot", actions=("cmd",), action="store_true", help="cmd: no examples in the prompt")
    @_option("--insert", actions=("cmd",), action="store_true",
             help="cmd: also add the commands as a new cell below (a dangerous one only after you acknowledge it)")
    @_option("--run", actions=("cmd",), action="store_true",
             help="cmd: offer to run the commands right away (terminal)")
    @_option("--no-cache", actions=("cmd", "explain"), action="store_true",
             help="cmd, explain: ask the model even if this exact request was answered before (answers at "
                  "temperature 0 are cached on disk)")
    @_option("--save", actions=("history",), metavar="FILE",
             help="history: save the chat to FILE (JSON, readable by you only; never over a symbolic link)")
    @_option("--load", actions=("history",), metavar="FILE", help="history: replace the chat with FILE")
    @_option("--force", actions=("history",), action="store_true", help="history --save: replace FILE if it exists")
    @_option("--base-url", actions=("cmd", "explain", "chat"), metavar="URL",
             help="cmd, explain, chat: OpenAI-compatible server URL for openai: models")
    @_option("--timeout", actions=("preview", "run"), metavar="SECONDS", type=float,
             help="preview, run: seconds the sandboxed preview may run (default $DEVGPT_PREVIEW_TIMEOUT, else 10)")
    @_option("--list", actions=("undo",), action="store_true", help="undo: list the runs that can be undone")
    @argument("request", nargs="*", help="the request, command or message (the rest of the line, verbatim)")
    @no_var_expand  # what is shown, assessed and run is the line as typed: no IPython {expr} or $name
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
        _check_options(self.devgpt.parser, action, args)
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
    @argument("--verbatim", action="store_true",
              help="send the cell exactly as typed: no {name}, {In[n]}, {Out[n]}, {Err[n]} references")
    @cell_magic
    def devgpt_chat(self, line: str, cell: str) -> None:
        """Chat in a cell. The conversation lasts as long as the kernel, across models; replies stream in.

        References are filled in before the message is sent: ``{name}`` (a variable of this kernel, also
        ``{df.shape}``, ``{d['key']}``), ``{In[3]}`` (the code of cell 3), ``{Out[3]}`` (its result),
        ``{Err[3]}`` (the traceback of the exception cell 3 raised) and ``{Err}`` (the last one). Each is capped
        in size, and a line says what was included; ``{{name}}`` stays ``{name}``; ``--verbatim`` sends the cell
        as typed.
        """
        args = parse_argstring(self.devgpt_chat, line)
        if args.reset:
            self.session.reset()
        if not args.verbatim:
            cell = self._with_references(cell)
        try:
            self._chat(cell, args.model)
        except DevGPTError as exc:
            print(f"devgpt: {exc}", file=sys.stderr)
        except KeyboardInterrupt:
            print("\ndevgpt: interrupted; this exchange was not kept.", file=sys.stderr)

    # --- actions --------------------------------------------------------------------------------------
    def _do_cmd(self, args: Any, text: str) -> Any:
        from .results import CommandResult, DecidedNote, widgets_available

        self._apply_base_url(args)
        spec = self.engine.resolve(args.model)
        note = DecidedNote(self.shell)
        try:
            suggestion = self.engine.suggest(text, model=args.model,
                                             mode="fast" if (args.fast or self.fast) else "regular",
                                             shots="zero" if args.zero_shot else self.shots,
                                             temperature=self.temperature, use_cache=not args.no_cache,
                                             decided=note.show)
        finally:
            note.clear()
        result = CommandResult(suggestion, local=spec.is_local, shell=self.shell)
        self.last_result = result
        self._show(result)
        if not result.commands:
            return result
        if not widgets_available(self.shell) and (args.run or self.confirm_in_terminal):
            confirmed = self._terminal_run(result)
            if args.insert and confirmed:  # the answer to "Run?" covers the insert too
                self._insert(result.commands)
            elif args.insert:  # never after a No
                print("Nothing was inserted.")
        elif args.insert:
            self._insert_asking(result.commands, terminal=not widgets_available(self.shell))
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
        self._chat(self._with_references(text), args.model)

    def _with_references(self, message: str) -> str:
        """``{name}``, ``{In[n]}``, ``{Out[n]}``, ``{Err[n]}`` filled in (see ``%%devgpt_chat?``), saying what."""
        from .chat_refs import expand

        expansion = expand(message, self.shell, self.errors)
        if expansion.note():
            print(expansion.note())
        return expansion.text

    def _do_history(self, args: Any, text: str) -> None:
        if args.save and args.load:
            raise UsageError("Use %devgpt history --save FILE or %devgpt history --load FILE, not both.")
        if args.force and not args.save:
            raise UsageError("--force only goes with --save: %devgpt history --save FILE --force")
        if args.save:
            path = self.session.save(args.save, force=args.force)
            print(f"Saved {len(self.session.exchanges)} exchanges to {path}.")
        elif args.load:
            count = self.session.load(args.load)
            print(f"Loaded {count} exchanges from {args.load}.")
        elif not self.session.messages:
            print("The chat history is empty.")
        else:
            from IPython.display import display

            from .render import markdown_bundle

            # a loaded file is as untrusted as a model's reply: Markdown rendered with raw HTML escaped
            parts = [f"**{'you' if m.role == 'user' else 'devgpt'}:** {m.content}" for m in self.session.messages]
            plain = [f"{'you' if m.role == 'user' else 'devgpt'}> {m.content}" for m in self.session.messages]
            display(markdown_bundle("\n\n".join(parts), "\n\n".join(plain)), raw=True)

    def _do_reset(self, args: Any, text: str) -> None:
        count = len(self.session.exchanges)
        self.session.reset()
        print(f"Chat history cleared ({count} exchanges).")

    def _do_models(self, args: Any, text: str) -> None:
        from .render import models_table

        words = text.split()
        if words[:1] == ["pull"]:
            from .models.pull import pull
            from .models.registry import resolve

            if len(words) != 2:
                raise UsageError("Use %devgpt models pull NAME, e.g. %devgpt models pull qwen2.5-coder-1.5b")
            pull(resolve(words[1]))  # huggingface_hub's progress bar is a widget in a notebook
            return
        if words:
            raise UsageError("Use %devgpt models (the list) or %devgpt models pull NAME")
        print(models_table(self.engine.model_listing()))

    def _do_doctor(self, args: Any, text: str) -> None:
        from .doctor import report_text, run_checks

        print(report_text(run_checks()))

    def _do_service(self, args: Any, text: str) -> None:
        from .render import service_text
        from .service.client import ServiceClient

        what = text.strip() or "status"
        if what not in ("status", "stop"):
            raise UsageError("Use %devgpt service (status) or %devgpt service stop")
        client = ServiceClient()
        print(service_text(client.stop() if what == "stop" else client.status(), stopped=what == "stop"))

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

    def _do_preview(self, args: Any, text: str) -> Any:
        from .preview_front import magic_preview

        return magic_preview(self, args, text)

    def _do_run(self, args: Any, text: str) -> Any:
        from .preview_front import magic_run

        return magic_run(self, args, text)

    def _do_undo(self, args: Any, text: str) -> None:
        from .preview_front import magic_undo

        magic_undo(self, args, text)

    # --- helpers ---------------------------------------------------------------------------------------
    def _apply_base_url(self, args: Any) -> None:
        if getattr(args, "base_url", None):
            self.base_url = args.base_url

    def _show(self, result: Any) -> None:
        """The result once: in a notebook the card (and its static twin) holds the footer and the notice; in a
        terminal they follow the text."""
        from IPython.display import display

        from .results import widgets_available

        result.show_footer = self.show_usage
        display(result)
        if widgets_available(self.shell):
            return
        if self.show_usage:
            print(result.footer())
        if result.suggestion.notice:
            print(f"note: {result.suggestion.notice}")

    def _terminal_run(self, result: Any) -> bool:
        """Ask y/N (and "yes" for dangerous commands), then run in order; True when the user confirmed."""
        from .confirm import confirm_steps, together
        from .execution import run_confirmed

        if not confirm_steps(together(result.commands)):
            print("Nothing was run.")
            return False
        for step in result.commands:
            outcome = run_confirmed(self.shell, step.command)
            result.runs.append(outcome)
            if not outcome.ok:
                print(f"exit code {outcome.exit_code}; stopping here.")
                break
        return True

    def _insert_asking(self, steps: list[Any], *, terminal: bool) -> None:
        """``--insert`` without a run question: safe and caution commands go in; a dangerous one needs its
        acknowledgement (typed yes in a terminal; in a notebook, its card's Insert button, which asks)."""
        from .confirm import confirm_insert, danger_reasons, is_dangerous, together

        steps = together(steps)  # they go into one cell and run as one script
        if terminal:
            if confirm_insert(steps):
                self._insert(steps)
            else:
                print("Nothing was inserted.")
            return
        dangerous = [step for step in steps if is_dangerous(step)]
        if dangerous:
            print(f"Nothing was inserted: {dangerous[0].command!r} is dangerous ({danger_reasons(dangerous[0])}). "
                  "Use Insert as cell on its card, which asks you first.", file=sys.stderr)
            return
        self._insert(steps)

    def _insert(self, steps: list[Any]) -> None:
        from .render import insert_cell_text

        self.shell.set_next_input(insert_cell_text(steps), replace=False)

    def _chat(self, message: str, model: str | None) -> None:
        from .chat import ChatReply
        from .render import TRUNCATED, footer, markdown_bundle, visible
        from .results import widgets_available

        stream = self.engine.chat(self.session, message, model=model, temperature=self.chat_temperature,
                                  history_budget=self.history_tokens or None)
        live = widgets_available(self.shell)
        handle = None
        text = ""
        for item in stream:
            if isinstance(item, ChatReply):
                if live and handle is not None:
                    bundle = markdown_bundle(item.text)
                    if item.truncated:
                        bundle["text/html"] += f"<div class='devgpt-truncated' style='color:#b26a00'>{TRUNCATED}</div>"
                        bundle["text/plain"] += f"\n{TRUNCATED}"
                    handle.update(bundle, raw=True)
                else:
                    print()
                    if item.truncated:
                        print(TRUNCATED)
                if item.dropped_exchanges:
                    print(f"(the {item.dropped_exchanges} oldest exchanges did not fit the context and were left out)")
                if self.show_usage:
                    spec = self.engine.resolve(model)
                    print(footer(item.usage, local=spec.is_local))
                if item.notice:
                    print(f"note: {item.notice}")
                continue
            text += item
            if live:  # the reply is untrusted: Markdown with raw HTML escaped, never trusted text/markdown
                from IPython.display import display

                if handle is None:
                    handle = display(markdown_bundle(text), raw=True, display_id=True)
                else:
                    handle.update(markdown_bundle(text), raw=True)
            else:
                print(visible(item), end="", flush=True)


def _check_options(parser: Any, action: str, args: Any) -> None:
    """A UsageError naming the action's options when an option of another action was given."""
    allowed = _ACTION_OPTIONS[action]
    wrong = [name for name in _given_options(parser, args) if name not in allowed]
    if not wrong:
        return
    takes = f"takes {_describe(parser, allowed)}" if allowed else "takes no options"
    raise UsageError(f"%devgpt {action} {takes}; {', '.join(wrong)} belongs to another action (see %devgpt?).")


_VALUE_OPTIONS, _FLAG_OPTIONS = _option_sets(DevGPTMagics.devgpt.parser)


def load_ipython_extension(ipython: Any) -> None:
    magics = DevGPTMagics(shell=ipython)
    ipython.register_magics(magics)
    ipython.events.register("post_run_cell", magics.errors.post_run_cell)  # for {Err[n]} in chat cells


def unload_ipython_extension(ipython: Any) -> None:
    manager = ipython.magics_manager
    magics = manager.registry.get("DevGPTMagics")
    if magics is not None:
        try:
            ipython.events.unregister("post_run_cell", magics.errors.post_run_cell)
        except ValueError:  # registered by an older version of this module
            pass
    for kind, names in (("line", ("devgpt",)), ("cell", ("devgpt", "devgpt_chat"))):
        for name in names:
            manager.magics[kind].pop(name, None)
    manager.registry.pop("DevGPTMagics", None)
