"""The ``devgpt`` console script: the engine for terminals and scripts.

Thin on purpose: parse arguments, call the engine, render. Errors print one line on stderr (exit 2);
Ctrl-C exits 130 without a traceback. ``cmd --run`` asks on the terminal (``/dev/tty``), never on stdin,
so a pipe or a script cannot answer for the user; ``--yes`` skips the y/N for safe and caution commands
only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from . import __version__
from .chat import ChatReply, ChatSession
from .errors import DevGPTError
from .render import TRUNCATED, decided_text, footer, models_table, service_text, suggestion_text, visible
from .schema import Suggestion


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", "-m", help="model name or alias, provider:model-id, or gguf:/path (default: "
                                          "$DEVGPT_MODEL, else the local model)")
    p.add_argument("--base-url", help="OpenAI-compatible server for openai: models (Ollama, vLLM, llama.cpp)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="devgpt", description="Shell commands from plain English, explained "
                                     "and checked for danger; and a chat for developers.")
    parser.add_argument("--version", action="version", version=f"devgpt-magic {__version__}")
    sub = parser.add_subparsers(dest="action", required=True,
                                metavar="{cmd,explain,chat,models,service,doctor,cache,preview,run,undo}")

    cmd = sub.add_parser("cmd", help="suggest shell commands for a request")
    _common(cmd)
    cmd.add_argument("--fast", action="store_true", help="commands only, no explanations (quicker)")
    cmd.add_argument("--zero-shot", action="store_true", help="no examples in the prompt")
    cmd.add_argument("--json", action="store_true", help="print the suggestion as JSON")
    cmd.add_argument("--alternatives", type=int, metavar="N", default=None,
                     help="sample N more answers (local models), group all by what they do in a sandbox over "
                          "this folder, and show the runners-up as other ways (default: the model's registry setting; "
                          "0: only the first answer, quicker)")
    cmd.add_argument("--no-cache", action="store_true", help="ask the model even if this exact request was "
                                                             "answered before")
    cmd.add_argument("--run", action="store_true", help="offer to run the commands (asks on the terminal; "
                                                        "dangerous commands need 'yes' typed out)")
    cmd.add_argument("--yes", "-y", action="store_true", help="with --run: run safe and caution commands without "
                                                              "the y/N question (dangerous ones still need 'yes' "
                                                              "typed on the terminal)")
    cmd.add_argument("--preview", action="store_true", help="show what each command would change, from a sandbox "
                                                            "run (with --run: run with undo)")
    cmd.add_argument("request", nargs="+", help="what you want to do, in plain English")

    explain = sub.add_parser("explain", help="explain an existing command and each argument")
    _common(explain)
    explain.add_argument("--json", action="store_true")
    explain.add_argument("--no-cache", action="store_true")
    explain.add_argument("command", nargs="+", help="the command (quote it)")

    chat = sub.add_parser("chat", help="chat with the model (history kept for the session)")
    _common(chat)
    chat.add_argument("message", nargs="*", help="one message; without it, an interactive chat")

    models = sub.add_parser("models", help="list models, providers and whether keys are set; pull a local one")
    models.add_argument("models_action", nargs="?", choices=["list", "pull"], default="list",
                        help="list (default), or pull NAME: download a local preset into the models folder "
                             "(progress shown, resumable, sha256-checked)")
    models.add_argument("name", nargs="?", help="with pull: the local preset, e.g. qwen2.5-coder-1.5b")
    models.add_argument("--json", action="store_true")
    models.add_argument("--base-url", help=argparse.SUPPRESS)

    sub.add_parser("doctor", help="what works here and what to do about what does not (exit 1 on a problem)")

    service = sub.add_parser("service", help="the local model service: status, or stop it")
    service.add_argument("service_action", choices=["status", "stop"], nargs="?", default="status",
                         help="status: pid, models, memory, uptime, requests served; stop: end it now (the next "
                              "request to a local model starts a fresh one)")
    service.add_argument("--json", action="store_true")

    cache = sub.add_parser("cache", help="manage the response cache")
    cache.add_argument("cache_action", choices=["info", "clear"], nargs="?", default="info",
                       help="info: entries, size and limit (DEVGPT_CACHE_MAX_MB); clear: delete every cached reply")

    preview = sub.add_parser("preview", help="show what a command would change, from a sandboxed run (your files "
                                             "are not touched)")
    preview.add_argument("--timeout", type=float, help="seconds the preview may run (default "
                                                       "$DEVGPT_PREVIEW_TIMEOUT, else 10)")
    preview.add_argument("--json", action="store_true")
    preview.add_argument("command", nargs="+", help="the command (quote it)")
    run = sub.add_parser("run", help="preview a command, ask on the terminal, then run it with undo")
    run.add_argument("--timeout", type=float, help="seconds the preview may run")
    run.add_argument("command", nargs="+", help="the command (quote it)")
    undo = sub.add_parser("undo", help="undo a run made with devgpt run (the latest by default)")
    undo.add_argument("run_id", nargs="?", help="the run to undo (devgpt undo --list shows them)")
    undo.add_argument("--list", action="store_true", help="list the runs in the undo store")
    return parser


def _print_suggestion(suggestion, as_json: bool, spec_local: bool) -> None:  # noqa: ANN001
    if as_json:
        print(suggestion.model_dump_json(indent=2, exclude={"raw_text"}))
        return
    print(suggestion_text(suggestion))
    print(footer(suggestion.usage, local=spec_local), file=sys.stderr)
    if suggestion.notice:
        print(f"note: {visible(suggestion.notice)}", file=sys.stderr)


class _DecidedNote:
    """The decided commands on the terminal while they are explained, erased when the card (or an error) comes.
    Only where both streams are one interactive terminal that understands escapes: stdout holds exactly one
    answer, a log or a pager would get the command twice, and erasing must count the lines it printed."""

    def __init__(self) -> None:
        self.lines = 0

    def show(self, suggestion: Suggestion) -> None:
        import os

        if not (sys.stdout.isatty() and sys.stderr.isatty()) or os.name == "nt" or os.environ.get("TERM") == "dumb":
            return
        from wcwidth import wcswidth

        try:
            size = os.get_terminal_size(sys.stderr.fileno())
        except OSError:
            return
        text = decided_text(suggestion)
        width = max(1, size.columns)

        def rows(line: str) -> int:
            """Screen rows of one line, wrapping included: display columns, not characters (wide, combining)."""
            columns = wcswidth(line.expandtabs())
            return max(1, -(-(columns if columns >= 0 else len(line)) // width))

        lines = sum(rows(line) for line in text.splitlines())
        if lines >= size.lines:
            return  # taller than the screen: it could not all be erased
        self.lines = lines
        print(text, file=sys.stderr, flush=True)

    def clear(self) -> None:
        if self.lines:
            sys.stderr.write(f"\x1b[{self.lines}F\x1b[J")  # up to the note's first line, erase to the end
            sys.stderr.flush()
            self.lines = 0


NO_TERMINAL = ("--run asks on a terminal and there is none here (stdin and pipes cannot confirm): run devgpt "
               "in a terminal, or add --yes to run safe commands unasked.")


#: More samples than this cost seconds each on a laptop CPU and rarely add a new behaviour.
MAX_ALTERNATIVES = 8


class _Refused(Exception):
    """A one-line reason why the commands cannot be run here."""


def _run(steps, assume_yes: bool, runner=None) -> int:  # noqa: ANN001 - CommandSteps
    """Confirm on the terminal, then run each command verbatim in order, stopping at the first failure.
    ``runner`` (``cmd --preview --run``) runs one step instead of plain ``run_command`` (with undo)."""
    from .confirm import (NoTerminalError, ask_terminal, confirm_steps, danger_reasons, has_terminal, is_dangerous,
                          together)
    from .execution import run_command

    steps = together(steps)  # judged as they run: one after another, here
    if not has_terminal():
        dangerous = [step for step in steps if is_dangerous(step)]
        if not assume_yes:
            raise _Refused(NO_TERMINAL)
        if dangerous:
            raise _Refused(f"{visible(dangerous[0].command)!r} is dangerous ({danger_reasons(dangerous[0])}) and needs "
                           "'yes' typed on a terminal; --yes never covers it. Nothing was run.")
    try:
        confirmed = confirm_steps(steps, ask_terminal, assume_yes=assume_yes)
    except NoTerminalError:
        raise _Refused(NO_TERMINAL) from None
    if not confirmed:
        print("Nothing was run.")
        return 0
    for step in steps:
        print(f"$ {visible(step.command)}", flush=True)
        outcome = runner(step) if runner else run_command(step.command, foreground=True)
        if outcome.interrupted:
            return 130
        if not outcome.ok:
            print(f"exit code {outcome.exit_code}; stopping here.", file=sys.stderr)
            return outcome.exit_code if outcome.exit_code and outcome.exit_code > 0 else 1
    return 0


def _pull(name: str | None) -> int:
    from .models.pull import pull
    from .models.registry import resolve

    if not name:
        raise _Refused("Name the model to pull, e.g. devgpt models pull qwen2.5-coder-1.5b (devgpt models lists them).")
    pull(resolve(name), say=lambda text: print(text, file=sys.stderr))
    return 0


def _offer_first_pull(engine) -> None:  # noqa: ANN001
    """The very first run in an interactive terminal, with only the tiny model on disk, may offer the pull
    (default No). Never in a notebook, CI or a non-interactive shell; asked once, ever."""
    import os

    from .confirm import ask_terminal, has_terminal
    from .models.pull import human_size
    from .models.registry import DEFAULT_LOCAL, recommended_local
    from .settings import cache_root

    marker = cache_root() / "first-run-offered"
    if (marker.exists() or os.environ.get("CI") or not sys.stdin.isatty() or not sys.stderr.isatty()
            or not has_terminal() or engine.default_spec().name != DEFAULT_LOCAL):
        return
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    best = recommended_local()
    try:
        answer = ask_terminal(f"Only the tiny {DEFAULT_LOCAL} model is installed, and its commands are often wrong. "
                              f"Download {best.name} ({human_size(best.size)}) now for useful answers? [y/N] ")
    except (EOFError, KeyboardInterrupt, Exception):  # noqa: BLE001 - an offer, never an obstacle
        return
    if answer.strip().lower() in ("y", "yes"):
        _pull(best.name)


def _chat(engine, args) -> int:  # noqa: ANN001
    session = ChatSession()
    spec = engine.resolve(args.model)

    def turn(message: str) -> None:
        for item in engine.chat(session, message, model=args.model):
            if isinstance(item, ChatReply):
                print()
                if item.truncated:
                    print(TRUNCATED, file=sys.stderr)
                print(footer(item.usage, local=spec.is_local), file=sys.stderr)
                if item.notice:
                    print(f"note: {visible(item.notice)}", file=sys.stderr)
            else:
                print(visible(item), end="", flush=True)

    if args.message:
        turn(" ".join(args.message))
        return 0
    print(f"Chatting with {spec.name}. /reset clears the history, /exit (or Ctrl-D) leaves.", file=sys.stderr)
    while True:
        try:
            message = input("you> ")
        except EOFError:
            print()
            return 0
        if message.strip() in ("/exit", "/quit"):
            return 0
        if message.strip() == "/reset":
            session.reset()
            print("History cleared.", file=sys.stderr)
            continue
        if not message.strip():
            continue
        try:
            turn(message)
        except KeyboardInterrupt:
            print("\n(interrupted; that exchange was not kept)", file=sys.stderr)
        except DevGPTError as exc:
            print(f"devgpt: {visible(str(exc))}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.action == "service":
            from .service.client import ServiceClient

            client = ServiceClient()
            status = client.stop() if args.service_action == "stop" else client.status()
            print(json.dumps(status, indent=1) if args.json else service_text(status,
                                                                               stopped=args.service_action == "stop"))
            return 0
        if args.action == "doctor":
            from .doctor import exit_code, report_text, run_checks

            checks = run_checks()
            print(report_text(checks))
            return exit_code(checks)
        if args.action == "models" and args.models_action == "pull":
            return _pull(args.name)
        if args.action == "models":
            from .engine import Engine

            rows = Engine(base_url=args.base_url).model_listing()
            print(json.dumps([r.model_dump() for r in rows], indent=1) if args.json else models_table(rows))
            return 0
        if args.action == "cache":
            from .cache import ResponseCache

            cache = ResponseCache()
            print(f"Removed {cache.clear()} cached replies." if args.cache_action == "clear" else cache.info())
            return 0
        if args.action in ("preview", "run", "undo"):
            from . import preview_front

            return getattr(preview_front, f"cli_{args.action}")(args)
        from .engine import Engine

        engine = Engine(base_url=args.base_url)
        if args.model is None:
            _offer_first_pull(engine)
        if args.action == "cmd":
            if args.yes and not args.run:
                raise _Refused("--yes only goes with --run: devgpt cmd --run --yes ...")
            if args.preview and args.json:
                raise _Refused("--preview prints text; leave out --json (devgpt preview --json CMD gives one as JSON).")
            if args.run and not args.yes:
                from .confirm import has_terminal

                if not has_terminal():  # before the model is asked: no answer can be confirmed here
                    raise _Refused(NO_TERMINAL)
            spec = engine.resolve(args.model)
            how = None  # the model's own techniques
            if args.alternatives is not None:
                if not 0 <= args.alternatives <= MAX_ALTERNATIVES:
                    raise _Refused(f"--alternatives takes 0 to {MAX_ALTERNATIVES} (each one is another answer "
                                   f"to wait for), e.g. --alternatives 3.")
                how = spec.techniques.model_copy(update={"candidates": args.alternatives + 1})
            note = _DecidedNote()
            try:
                suggestion = engine.suggest(" ".join(args.request), model=args.model,
                                            mode="fast" if args.fast else "regular",
                                            shots="zero" if args.zero_shot else "few", use_cache=not args.no_cache,
                                            techniques=how, decided=None if args.json else note.show)
            finally:
                note.clear()
            _print_suggestion(suggestion, args.json, spec.is_local)
            if args.preview and suggestion.commands:
                from .confirm import ask_terminal
                from .preview_front import preview_steps, undo_runner

                steps, previews = preview_steps(suggestion.commands)
                if args.run:
                    return _run(steps, args.yes, undo_runner(previews, ask_terminal, foreground=True))
                return 0
            if args.run and suggestion.commands:
                return _run(suggestion.commands, args.yes)
            return 0
        if args.action == "explain":
            spec = engine.resolve(args.model)
            suggestion = engine.explain(" ".join(args.command), model=args.model, use_cache=not args.no_cache)
            _print_suggestion(suggestion, args.json, spec.is_local)
            return 0
        return _chat(engine, args)
    except (DevGPTError, _Refused) as exc:
        print(f"devgpt: error: {visible(str(exc))}", file=sys.stderr)  # a server's words too
        return 2
    except KeyboardInterrupt:
        print("\ndevgpt: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
