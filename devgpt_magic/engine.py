"""The one engine every front end calls: suggest commands, explain a command, chat.

Front ends (magics, CLI, server handlers, evaluation) only parse arguments, call these methods and
render. Everything about prompts, models, parsing, usage and safety happens here or below.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator

from .cache import ResponseCache
from .candidates import Behaviour
from .chat import ChatReply, ChatSession
from .context import Context
from .errors import CancelledError, DevGPTError, MissingKeyError, ParseError, RequestError
from .models.base import Provider
from .models.grammar import MAX_REPLY_TOKENS
from .models.providers import provider_for
from .models.pull import human_size
from .models.registry import DEFAULT_LOCAL, ModelSpec, all_models, recommended_local, resolve
from .prompts import Prompt, PromptBuilder
from .schema import CommandStep, Completion, InvalidExample, Mode, ModelRow, Shots, Suggestion, Techniques, Usage
from .tokens import estimate_tokens
from .usage_ledger import UsageLedger

MAX_REQUEST_CHARS = 20_000
#: sampling temperature of the extra candidates (the first answer is always the greedy one)
SAMPLING_TEMPERATURE = 0.8
CHAT_REPLY_TOKENS = 1024


class Engine:
    """Holds what lives as long as a kernel or a CLI process: providers, usage totals, the default model."""

    def __init__(self, *, model: str | None = None, context: Context | None = None,
                 base_url: str | None = None, cache: ResponseCache | None = None,
                 provider_factory: Callable[[ModelSpec], Provider] = provider_for) -> None:
        """``provider_factory`` builds the provider for a spec: the seam a benchmark or a test uses to put
        its own provider behind the engine."""
        self.default_model = model
        self.base_url = base_url
        self.builder = PromptBuilder(context)
        self.usage = UsageLedger()
        self.cache = cache or ResponseCache()
        self._provider_factory = provider_factory
        self._providers: dict[str, Provider] = {}
        self._hinted = False

    # --- models ------------------------------------------------------------------------------------------
    def resolve(self, model: str | None = None) -> ModelSpec:
        return resolve(model or self.default_model, base_url=self.base_url)

    def provider(self, spec: ModelSpec) -> Provider:
        key = f"{spec.provider}|{spec.name}|{spec.base_url}"
        if key not in self._providers:
            self._providers[key] = self._provider_factory(spec)
        return self._providers[key]

    def default_spec(self) -> ModelSpec:
        """The model a request without --model uses here (engine default, $DEVGPT_MODEL, or local)."""
        return self.resolve(None)

    def notice(self, model: str | None, spec: ModelSpec) -> str | None:
        """Once per engine (a kernel, a terminal process): the tiny fallback model answered because nothing
        better is on disk; say so, and how to get a useful one. Never when the user chose the tiny model."""
        chosen = (model or self.default_model or os.environ.get("DEVGPT_MODEL", "")).strip().lower()
        if (self._hinted or spec.name != DEFAULT_LOCAL or chosen not in ("", "local")
                or os.environ.get("DEVGPT_LOCAL_MODEL", "").strip()):
            return None
        self._hinted = True
        best = recommended_local()
        return (f"{spec.name} is a tiny model for trying things out; its commands are often wrong ({spec.accuracy:.2f} "
                f"on NL2SH-ALFA). For useful local answers get {best.name} ({human_size(best.size)}, "
                f"{best.accuracy:.2f}): `devgpt models pull {best.name}` in a terminal, or "
                f"`%devgpt models pull {best.name}` in a notebook.")

    def is_local(self, model: str | None = None) -> bool:
        return self.resolve(model).is_local

    def model_listing(self) -> list[ModelRow]:
        """Every model a front end can offer, with what it needs to render it (never a key's value)."""
        from .models.local_files import is_available

        default = self.default_spec()
        specs = all_models()
        if default.name not in {s.name for s in specs}:
            specs = [default, *specs]  # a gguf: path or a provider:model-id configured as the default
        # as a request would use them: an OpenAI-compatible base URL (DEVGPT_OPENAI_BASE_URL) needs no vendor key
        specs = [s if s.name == default.name else self.resolve(s.name) for s in specs]
        return [ModelRow(name=s.name, aliases=list(s.aliases), provider=s.provider, local=s.is_local,
                         available=is_available(s) if s.is_local else True, key_env=list(s.key_env),
                         key_present=s.key_present() if s.needs_key else True, needs_key=s.needs_key,
                         price_in=s.price_in, price_out=s.price_out, default=s.name == default.name,
                         description=s.description)
                for s in specs]

    def _ready(self, model: str | None) -> tuple[ModelSpec, Provider]:
        spec = self.resolve(model)
        if spec.needs_key and not spec.key_present():
            raise MissingKeyError(spec.name, spec.key_env[0])
        return spec, self.provider(spec)

    # --- input checks ------------------------------------------------------------------------------------
    @staticmethod
    def _check_request(text: str, what: str, example: str) -> str:
        text = (text or "").strip()
        if not text:
            raise RequestError(f"Nothing to do: give a {what}, e.g. {example}.")
        if len(text) > MAX_REQUEST_CHARS:
            raise RequestError(f"The {what} is {len(text):,} characters long; the limit is {MAX_REQUEST_CHARS:,}. "
                               f"Shorten it or describe it instead of pasting it.")
        return text

    @staticmethod
    def _check_fits(spec: ModelSpec, prompt: Prompt, reply_tokens: int) -> None:
        if spec.is_local:
            return  # the local provider counts with the model's own tokenizer against its real n_ctx
        needed = estimate_tokens(prompt.all_text()) + reply_tokens
        if needed > spec.context_window:
            raise RequestError(f"The request is too long for {spec.name}: about {needed:,} tokens with the reply, "
                               f"against a context window of {spec.context_window:,}. Shorten it.")

    @staticmethod
    def _reply_tokens(spec: ModelSpec, mode: Mode) -> int:
        if spec.is_local:
            return MAX_REPLY_TOKENS[mode]
        return min(spec.max_output, 2048 if mode == "regular" else 512)

    # --- commands ----------------------------------------------------------------------------------------
    def suggest(self, request: str, *, model: str | None = None, mode: Mode = "regular", shots: Shots = "few",
                temperature: float = 0.0, use_cache: bool = True,
                invalid_example: InvalidExample | None = None, cancel: threading.Event | None = None,
                techniques: Techniques | None = None, behaviour: Behaviour | None = None,
                decided: Callable[[Suggestion], None] | None = None) -> Suggestion:
        """Shell commands for a plain-English request, explained and risk-assessed.

        ``invalid_example`` and ``techniques`` override the model's registry settings (tuning, ablations);
        ``behaviour`` runs a candidate somewhere safe (default: a sandbox over the working folder).
        ``decided`` is called with the commands (risk-assessed, not yet explained) as soon as they are known
        when the model explains in calls of their own: explaining takes most of a regular answer's time, and
        the user can read the command meanwhile.
        """
        from . import candidates, grounding

        request = self._check_request(request, "request", "'find log files over 100MB'")
        spec, provider = self._ready(model)
        how = techniques or spec.techniques
        if mode == "regular" and how.explain_after:
            fast = self.suggest(request, model=model, mode="fast", shots=shots, temperature=temperature,
                                use_cache=use_cache, invalid_example=invalid_example, cancel=cancel,
                                techniques=techniques, behaviour=behaviour)  # as given: None is the registry's
            if decided is not None and fast.commands and not fast.is_invalid:
                try:
                    decided(fast)
                except CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - a note that cannot be shown (a closed stderr) costs no answer
                    pass
            return self._explained_after(spec, provider, fast, use_cache, cancel)
        prompt = self.builder.command(request, mode=mode, shots=shots, base_model=spec.kind == "base",
                                      invalid_example=invalid_example or spec.placement(mode), reply=how.reply,
                                      retrieved=grounding.similar_examples(request, how.examples if shots == "few" else 0),
                                      docs=grounding.docs_excerpt(request, how.docs_tokens), plan=how.plan)
        suggestion = self._structured(spec, provider, prompt, request, mode, temperature, use_cache, cancel)
        # the registry's candidates only where a sandbox can tell them apart; asked-for ones (techniques given:
        # --alternatives, an ablation) always. A greedy refusal stands: it is no behaviour a sandbox can compare,
        # and samples turn nonsense into some command (DeveloperGPT's impossible requests: 8 of 14 refused after
        # a vote, where the greedy answers alone had refused 12)
        if how.candidates > 1 and not suggestion.is_invalid and (techniques is not None or behaviour is not None
                                                                 or candidates.sandbox_ready()):
            suggestion = self._voted(spec, provider, prompt, suggestion, how.candidates, use_cache, cancel, behaviour)
        if how.checks and not suggestion.is_invalid:
            suggestion = self._revised(spec, provider, prompt, suggestion, temperature, use_cache, cancel)
        if how.run_feedback and spec.is_local and suggestion.commands and not suggestion.is_invalid:
            suggestion = self._after_failure(spec, provider, prompt, suggestion, temperature, use_cache, cancel,
                                             behaviour)
        if mode == "regular":
            suggestion = self._with_argument_notes(suggestion)
        return suggestion.model_copy(update={"notice": self.notice(model, spec)})

    def _voted(self, spec: ModelSpec, provider: Provider, prompt: Prompt, greedy: Suggestion, count: int,
               use_cache: bool, cancel: threading.Event | None, behaviour: Behaviour | None) -> Suggestion:
        """``count - 1`` sampled answers beside the greedy one, grouped by what they do (see candidates).

        The i-th sample is drawn with seed i, so the same request settles on the same answer every time (two
        behaviours that tie no longer flip between asks) and, where the provider honours seeds, the samples
        come from the response cache like greedy answers do."""
        from .candidates import choose, runs_here, sandbox_behaviour

        found = [greedy]
        usage = greedy.usage
        for index in range(1, count):
            try:
                sampled = self._structured(spec, provider, prompt, greedy.request, greedy.mode, SAMPLING_TEMPERATURE,
                                           use_cache, cancel, seed=index)
            except ParseError:
                continue
            found.append(sampled)
            usage = usage + sampled.usage if usage and sampled.usage else usage
        best, others = choose(found, behaviour or sandbox_behaviour(self.builder.context.cwd))
        alternatives = [CommandStep(command="\n".join(c.command for c in o.commands)) for o in others
                        if o.commands and runs_here(o)]
        return self._assess(best.model_copy(update={"usage": usage, "alternatives": alternatives}),
                            self.builder.context.cwd)

    def _revised(self, spec: ModelSpec, provider: Provider, prompt: Prompt, suggestion: Suggestion,
                 temperature: float, use_cache: bool, cancel: threading.Event | None) -> Suggestion:
        """Check the commands against this machine's help texts; when something is missing or unknown, ask
        once more with the findings and the programs' documentation. The revision is kept only if it has fewer
        findings (a tiny model's second try is not always better)."""
        from . import grounding

        problems = grounding.findings([c.command for c in suggestion.commands])
        if not problems:
            return suggestion
        help_text = grounding.docs_excerpt(suggestion.request + " " + " ".join(c.command for c in suggestion.commands),
                                           160)
        retry = self.builder.revise(prompt, suggestion.raw_text, problems, help_text)
        try:
            second = self._structured(spec, provider, retry, suggestion.request, suggestion.mode, temperature,
                                      use_cache, cancel)
        except ParseError:
            return suggestion
        if second.is_invalid or len(grounding.findings([c.command for c in second.commands])) >= len(problems):
            return suggestion.model_copy(update={"usage": (suggestion.usage + second.usage) if suggestion.usage
                                                  and second.usage else suggestion.usage})
        usage = suggestion.usage + second.usage if suggestion.usage and second.usage else second.usage
        return second.model_copy(update={"usage": usage, "repaired": True})

    def _after_failure(self, spec: ModelSpec, provider: Provider, prompt: Prompt, suggestion: Suggestion,
                       temperature: float, use_cache: bool, cancel: threading.Event | None,
                       behaviour: Behaviour | None) -> Suggestion:
        """Run the answer in the sandbox; when it fails with an error message, ask once more with that message
        and the programs' help. The revision is kept only if it copies no help line, this machine's help texts
        find nothing wrong with it and it plainly works here (exits 0, prints or changes something): a small
        model's second try can be a line of prose beside one command that prints, or the help text itself.
        Local models only: what a command printed in the sandbox does not leave this machine."""
        from . import grounding
        from .candidates import command_text, failure, runnable, sandbox_behaviour

        behave = behaviour or sandbox_behaviour(self.builder.context.cwd)
        text = command_text(suggestion)
        problem = failure(text, suggestion.request, behave(text)) if runnable(suggestion) else None
        if problem is None:
            return suggestion
        help_text = grounding.docs_excerpt(f"{suggestion.request} {text}", 160)
        retry = self.builder.revise(prompt, suggestion.raw_text, [problem], help_text)
        try:
            second = self._structured(spec, provider, retry, suggestion.request, suggestion.mode, temperature,
                                      use_cache, cancel)
        except ParseError:
            return suggestion
        usage = suggestion.usage + second.usage if suggestion.usage and second.usage else suggestion.usage
        second_text = command_text(second)
        copied = any(c.command.startswith("-") or c.command in help_text for c in second.commands)
        fixed = (second.commands and not second.is_invalid and second_text != text and runnable(second)
                 and not copied and not grounding.findings([c.command for c in second.commands])
                 and (outcome := behave(second_text)) is not None and outcome.ok)
        if not fixed:
            return suggestion.model_copy(update={"usage": usage})
        others = [step for step in suggestion.alternatives if step.command != second_text]
        return second.model_copy(update={"usage": usage, "repaired": True, "alternatives": others})

    @staticmethod
    def _with_argument_notes(suggestion: Suggestion) -> Suggestion:
        """Explanation tables keep only arguments that are in their command; those this machine's help does not
        know get a note on the card."""
        from . import grounding

        steps = []
        for step in suggestion.commands:
            step = step.model_copy(update={"arguments": grounding.arguments_in_command(step.command, step.arguments)})
            steps.append(step.model_copy(update={"argument_notes": grounding.argument_notes(step)}))
        return suggestion.model_copy(update={"commands": steps})

    def explain(self, command: str, *, model: str | None = None, temperature: float = 0.0,
                use_cache: bool = True, cancel: threading.Event | None = None) -> Suggestion:
        """What an existing command does, and each of its arguments."""
        command = self._check_request(command, "command", "'tar -xzvf a.tgz -C /tmp'")
        spec, provider = self._ready(model)
        suggestion = self._explanation(spec, provider, command, temperature, use_cache, cancel)
        suggestion = suggestion.model_copy(update={"notice": self.notice(model, spec)})
        return self._with_argument_notes(self._assess(suggestion, self.builder.context.cwd))

    def _explanation(self, spec: ModelSpec, provider: Provider, command: str, temperature: float, use_cache: bool,
                     cancel: threading.Event | None) -> Suggestion:
        prompt = self.builder.explain(command, base_model=spec.kind == "base")
        suggestion = self._structured(spec, provider, prompt, command, "regular", temperature, use_cache, cancel)
        if suggestion.commands and not suggestion.is_invalid:
            # the explained command is the user's, never a rewrite the model slipped in
            first = suggestion.commands[0].model_copy(update={"command": command})
        else:  # the model would not explain it: the user's own command is still assessed and shown
            first = CommandStep(command=command)
        return suggestion.model_copy(update={"commands": [first]})

    def _explained_after(self, spec: ModelSpec, provider: Provider, fast: Suggestion, use_cache: bool,
                         cancel: threading.Event | None) -> Suggestion:
        """Fast mode's answer with each command explained by a call of its own (``Techniques.explain_after``).
        An explanation the model cannot give, or a failure while it explains (the service died, a time-out),
        leaves its command bare rather than losing the answer the user may already be reading; Ctrl-C still
        ends it all."""
        steps, usage, failed = [], fast.usage, ""
        for step in fast.commands:
            try:
                explained = self._explanation(spec, provider, step.command, 0.0, use_cache, cancel)
            except CancelledError:
                raise
            except DevGPTError as exc:
                steps.append(step)
                if not isinstance(exc, ParseError):  # a model that cannot explain is no failure to report
                    failed = failed or str(exc)
                continue
            steps.append(explained.commands[0])
            usage = usage + explained.usage if usage and explained.usage else usage
        notice = fast.notice
        if failed:
            notice = " ".join(filter(None, [f"Not explained: {failed}", notice]))
        regular = fast.model_copy(update={"mode": "regular", "commands": steps, "usage": usage, "notice": notice})
        return self._with_argument_notes(self._assess(regular, self.builder.context.cwd))

    def _complete(self, spec: ModelSpec, provider: Provider, prompt: Prompt, max_tokens: int, temperature: float,
                  use_cache: bool, cancel: threading.Event | None = None, seed: int | None = None) -> Completion:
        """A provider call, answered from the response cache when the same call was made before and its reply
        is reproducible: at temperature 0, or sampled with a seed by a provider that honours seeds."""
        if seed is not None and not provider.seedable:
            seed = None
        if not use_cache or (temperature != 0 and seed is None):
            return provider.complete(prompt, max_tokens=max_tokens, temperature=temperature, cancel=cancel, seed=seed)
        ctx = prompt.context
        key = self.cache.key(spec, prompt, max_tokens=max_tokens, temperature=temperature,
                             clock=ctx.now if ctx else "", day=ctx.day if ctx else "", seed=seed,
                             constraint=provider.constraint(prompt))
        hit = self.cache.get(key)
        if hit is not None:
            return hit.model_copy(update={"usage": hit.usage.model_copy(update={"cached": True, "latency_s": 0.0})})
        completion = provider.complete(prompt, max_tokens=max_tokens, temperature=temperature, cancel=cancel,
                                       seed=seed)
        if completion.finish_reason != "length":
            self.cache.put(key, completion)
        return completion

    def _structured(self, spec: ModelSpec, provider: Provider, prompt: Prompt, request: str, mode: Mode,
                    temperature: float, use_cache: bool = True, cancel: threading.Event | None = None,
                    seed: int | None = None) -> Suggestion:
        reply_tokens = self._reply_tokens(spec, mode)
        self._check_fits(spec, prompt, reply_tokens)
        first = self._complete(spec, provider, prompt, reply_tokens, temperature, use_cache, cancel, seed)
        usage = first.usage
        try:
            suggestion = self._parse(first, request, mode, prompt.reply, prompt.task)
            repaired = False
        except ParseError as problem:
            retry_prompt = self.builder.repair(prompt, first.text, problem.reason)
            second = self._complete(spec, provider, retry_prompt, reply_tokens, temperature, use_cache, cancel, seed)
            usage = usage + second.usage
            try:
                suggestion = self._parse(second, request, mode, prompt.reply, prompt.task)
            except ParseError as again:
                raise ParseError(f"{spec.name} did not return a usable answer after one repair attempt "
                                 f"({again.reason}). Try rephrasing, or a stronger model with --model.",
                                 second.text) from None
            repaired = True
        self.usage.record(usage)
        suggestion = suggestion.model_copy(update={"model": spec.name, "usage": usage, "repaired": repaired})
        return self._assess(suggestion, self.builder.context.cwd)

    @staticmethod
    def _parse(completion: Completion, request: str, mode: Mode, reply: str = "json", task: str = "command"
               ) -> Suggestion:
        from .parsing import parse_explanation, parse_fenced, parse_suggestion

        if completion.finish_reason == "length":
            raise ParseError("The reply was cut off at the token limit.", completion.text)
        if task == "explain":
            return parse_explanation(completion.text, command=request)
        if reply == "fenced":
            return parse_fenced(completion.text, request=request, mode=mode)
        return parse_suggestion(completion.text, request=request, mode=mode)

    @staticmethod
    def _assess(suggestion: Suggestion, cwd: str | None = None) -> Suggestion:
        """The danger of each command where it will run (``cwd``): deleting the folder that holds the notebook
        (or an ancestor of it) is dangerous, not caution."""
        from .safety import assess

        steps = [step.model_copy(update={"risk": assess(step.command, cwd=cwd)}) for step in suggestion.commands]
        # another way is run as one text, so its risk is that of the whole text, not of its first line
        others = [step.model_copy(update={"risk": assess(step.command, cwd=cwd)}) for step in suggestion.alternatives]
        return suggestion.model_copy(update={"commands": steps, "alternatives": others})

    # --- chat --------------------------------------------------------------------------------------------
    def chat(self, session: ChatSession, message: str, *, model: str | None = None, temperature: float = 0.3,
             history_budget: int | None = None) -> Iterator[str | ChatReply]:
        """Stream a reply: text chunks, then a ChatReply. The session changes only once the reply is complete.
        A credential typed into the message is masked before it leaves for the model (and so before the model can
        echo it into the reply or the saved history), as it is in the cell references."""
        from .secrets import redact

        message = redact(self._check_request(message, "message", "'how do I profile a Python script?'"))
        spec, provider = self._ready(model)
        system = self.builder.chat_system()
        reply_tokens = min(spec.max_output, CHAT_REPLY_TOKENS)
        window = spec.context_window
        if spec.is_local:
            from .models.local_provider import context_size

            window = context_size(spec)
        budget = window - reply_tokens
        if history_budget:
            budget = min(budget, history_budget)
        messages, dropped = session.window(system, message, budget=budget, count=estimate_tokens,
                                           sent_text=self.builder.chat_turn(message))
        prompt = Prompt(task="chat", messages=messages)
        if len(messages) == 2:
            self._check_fits(spec, prompt, reply_tokens)
        final: Completion | None = None
        for item in provider.stream(prompt, max_tokens=reply_tokens, temperature=temperature):
            if isinstance(item, Completion):
                final = item
            else:
                yield item
        if final is None:  # a provider bug, not a user error
            raise RuntimeError("provider stream ended without a completion")
        session.commit(message, final.text)
        self.usage.record(final.usage)
        yield ChatReply(text=final.text, model=spec.name, usage=final.usage, dropped_exchanges=dropped,
                        truncated=final.finish_reason == "length", notice=self.notice(model, spec))

    def chat_text(self, session: ChatSession, message: str, **kwargs: object) -> ChatReply:
        """The whole reply at once, for callers that do not stream."""
        reply = None
        for item in self.chat(session, message, **kwargs):  # type: ignore[arg-type]
            if isinstance(item, ChatReply):
                reply = item
        assert reply is not None
        return reply

    def usage_totals(self) -> dict[str, Usage]:
        return self.usage.totals()
