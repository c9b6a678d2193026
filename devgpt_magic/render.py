"""Plain-text, Markdown and HTML views of engine results, for terminals, logs and notebook fallbacks.

Everything a model wrote is untrusted here. Output of a cell the user ran is trusted by JupyterLab, which
then renders its HTML and Markdown without a sanitizer: a reply containing ``<img src=x onerror=...>``
would run script in the Jupyter page (and from there open a terminal through Jupyter's API). So model
text reaches HTML only escaped: as plain text in :func:`html.escape`, as Markdown through
:func:`markdown_html` (raw HTML shown as text, unsafe link schemes dropped), and in the Markdown views of
suggestions with every Markdown and HTML character backslash-escaped. Terminals get :func:`visible` text,
so escape sequences or right-to-left overrides in a command cannot show one thing and run another.
"""

from __future__ import annotations

import html
import os
import re
from typing import TYPE_CHECKING

from .schema import RiskLevel, Suggestion, Usage
from .tokens import format_cost

if TYPE_CHECKING:
    from .execution import RunOutcome
    from .schema import CommandStep, ModelRow

_BADGE = {"safe": "safe", "caution": "CAUTION", "dangerous": "DANGEROUS"}

# Characters that change how text looks rather than what it says: C0/C1 controls (but newline and tab),
# bidirectional overrides and isolates, zero-width characters, the byte order mark.
# U+2028/U+2029 too: Python (and so IPython) splits lines there, a shell does not.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def visible(text: str) -> str:
    """``text`` with every control, bidi-override or zero-width character written as an escape (``\\x1b``,
    ``\\u202e``), so what a terminal or page shows is what the shell will get."""
    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _INVISIBLE.sub(escape, text)


def markdown_html(text: str) -> str:
    """Untrusted Markdown (a model's reply, a loaded history) as safe HTML.

    CommonMark plus tables and strikethrough (markdown-it-py); raw HTML in the text is shown as text, not
    interpreted, and ``javascript:``/``vbscript:``/``file:``/``data:`` links are not made links. Images are
    shown as links, never loaded: a remote image loads without a click, so a prompt-injected reply could send
    what the conversation holds to any host in its address. Code blocks and ordinary Markdown render as usual.
    """
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False}).disable("image")
    return f"<div class='devgpt-markdown'>{renderer.render(visible(text))}</div>"


def markdown_bundle(text: str, plain: str | None = None) -> dict[str, str]:
    """A display bundle for untrusted Markdown: plain text and escaped HTML, deliberately no
    ``text/markdown`` (the front end would render that trusted, with raw HTML)."""
    return {"text/plain": visible(text if plain is None else plain), "text/html": markdown_html(text)}


_MD_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def md_text(text: str) -> str:
    """Plain text as Markdown that renders as exactly that text: every ASCII punctuation character is
    backslash-escaped (so no HTML, link, emphasis or entity can start), newlines become spaces."""
    return _MD_PUNCTUATION.sub(r"\\\1", " ".join(visible(text).split()))


def md_code(text: str) -> str:
    """An inline code span that holds ``text`` literally, whatever backticks it contains."""
    text = " ".join(visible(text).split())
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


def md_code_block(text: str, info: str = "bash") -> str:
    """A fenced code block that holds ``text`` literally: the fence is longer than any backtick run in it."""
    text = visible(text)
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def risk_line(risk: RiskLevel | None) -> str:
    if risk is None or risk.level == "safe":
        return "risk: safe"
    return f"risk: {_BADGE[risk.level]} - " + "; ".join(risk.reasons)


#: under a chat reply that stopped at the token limit (the notebook, the terminal)
TRUNCATED = "(cut off at the token limit: the reply is incomplete; ask for the rest, or for a shorter answer)"


def footer(usage: Usage | None, *, local: bool) -> str:
    """One line: model, tokens in/out, cost (or local), seconds."""
    if usage is None:
        return ""
    approx = "~" if usage.estimated else ""
    cached = " · cached" if usage.cached else ""
    return (f"{usage.model} · {approx}{usage.prompt_tokens} in / {approx}{usage.completion_tokens} out · "
            f"{format_cost(usage, local=local)} · {usage.latency_s:.2f} s{cached}")


def unique_steps(steps: list["CommandStep"]) -> list["CommandStep"]:
    """The steps with repeats of an identical command (ignoring surrounding blanks) left out, in order."""
    seen: set[str] = set()
    kept = []
    for step in steps:
        key = step.command.strip()
        if key not in seen:
            seen.add(key)
            kept.append(step)
    return kept


def other_ways(s: Suggestion) -> list["CommandStep"]:
    """The alternatives worth showing: not repeats of a suggested command or of each other."""
    shown = {step.command.strip() for step in s.commands}
    return [a for a in unique_steps(s.alternatives) if a.command.strip() not in shown]


def _risk_of(step: "CommandStep") -> RiskLevel:
    from .confirm import risk_of

    return risk_of(step)


#: lines of a run's output kept in the static view of a card
RUN_TAIL_LINES = 20
_OTHER_WAYS = "Other ways (they behaved differently in a sandbox)"


def _tail(output: str, lines: int = RUN_TAIL_LINES) -> tuple[str, int]:
    """The last ``lines`` lines of ``output`` and how many lines were left out before them."""
    all_lines = output.rstrip("\n").splitlines()
    return "\n".join(all_lines[-lines:]), max(0, len(all_lines) - lines)


def _run_line(run: "RunOutcome") -> str:
    ended = "interrupted, " if run.interrupted else ""
    code = "did not start" if run.exit_code is None else f"exit code {run.exit_code}"
    return f"ran: {ended}{code}"


def suggestion_text(s: Suggestion, *, runs: list["RunOutcome"] | None = None,
                    records: dict[str, list[str]] | None = None) -> str:
    """Plain text (terminals, the saved notebook's text view). ``runs`` and ``records`` (per command: lines
    such as a preview's headline or how to undo a run) add what happened to each command."""
    lines: list[str] = []
    if s.is_invalid:
        lines.append(f"Not a terminal task: {visible(s.invalid_reason or '')}")
    steps = unique_steps(s.commands)
    for i, step in enumerate(steps, 1):
        prefix = f"{i}. " if len(steps) > 1 else ""
        lines.append(f"{prefix}$ {visible(step.command)}")
        for e in step.explanations:
            lines.append(f"   {visible(e)}")
        for arg, meaning in step.arguments.items():
            note = f" ({step.argument_notes[arg]})" if arg in step.argument_notes else ""
            lines.append(f"   {visible(arg):<18} {visible(meaning)}{visible(note)}")
        lines.append(f"   {risk_line(_risk_of(step))}")
        lines += _records_text(step.command, runs, records)
    alternatives = other_ways(s)
    if alternatives:
        lines.append(_OTHER_WAYS + ":")
        for a in alternatives:
            lines.append(f"   $ {visible(a.command)}")
            risk = _risk_of(a)
            if risk.level != "safe":
                lines.append(f"     {risk_line(risk)}")
            lines += ["  " + line for line in _records_text(a.command, runs, records)]
    return "\n".join(lines)


def decided_text(s: Suggestion) -> str:
    """What to read while a regular answer's commands are being explained (models that explain after deciding):
    the commands as they will run, then a line saying the rest is coming. Nothing here can be run yet."""
    steps = unique_steps(s.commands)
    lines = []
    for i, step in enumerate(steps, 1):
        lines.append(f"{f'{i}. ' if len(steps) > 1 else ''}$ {visible(step.command)}")
        risk = _risk_of(step)
        if risk.level != "safe":  # the danger is known now: never only after the explanation
            lines.append(f"   {risk_line(risk)}")
    return "\n".join([*lines, "   (explaining each part...)"])


def _records_text(command: str, runs: list["RunOutcome"] | None, records: dict[str, list[str]] | None) -> list[str]:
    out = [f"   {visible(line)}" for line in (records or {}).get(command, [])]
    for run in runs or []:
        if run.command == command:
            out.append(f"   {_run_line(run)}")
            tail, _ = _tail(run.output, 5)
            out += [f"   | {visible(line)}" for line in tail.splitlines()]
    return out


def _table_code(text: str) -> str:
    """A code span inside a table cell. GFM splits cells at every ``|`` not escaped by an odd number of
    backslashes, even inside code spans: each pipe is escaped, and a backslash the text already had before a
    pipe is set apart by a space, or ``\\|`` would become ``\\\\|`` and end the cell (then the rest of the text
    is parsed as Markdown, raw HTML and all, by a front end that renders ``text/markdown``)."""
    return md_code(text.replace("\\|", "\\ |")).replace("|", "\\|")


def suggestion_markdown(s: Suggestion, *, runs: list["RunOutcome"] | None = None,
                        records: dict[str, list[str]] | None = None) -> str:
    """Markdown whose every model-written part renders as literal text (see :func:`md_text`)."""
    parts: list[str] = []
    if s.is_invalid:
        parts.append(f"**Not a terminal task:** {md_text(s.invalid_reason or '')}\n")
    steps = unique_steps(s.commands)
    for i, step in enumerate(steps, 1):
        head = f"**{i}.**\n\n" if len(steps) > 1 else ""
        parts.append(f"{head}{md_code_block(step.command)}")
        parts += [f"- {md_text(e)}" for e in step.explanations]
        if step.arguments:
            parts.append("\n| argument | meaning |\n|---|---|")
            for a, m in step.arguments.items():
                note = f" *({md_text(step.argument_notes[a])})*" if a in step.argument_notes else ""
                parts.append(f"| {_table_code(a)} | {md_text(m)}{note} |")
        risk = _risk_of(step)
        if risk.level != "safe":
            parts.append(f"\n**{_BADGE[risk.level]}:** " + md_text("; ".join(risk.reasons)))
        else:
            parts.append("\nrisk: safe")
        parts += _records_markdown(step.command, runs, records)
        parts.append("")
    alternatives = other_ways(s)
    if alternatives:
        parts.append(f"**{md_text(_OTHER_WAYS)}:**\n")
        for a in alternatives:
            parts.append(md_code_block(a.command))
            risk = _risk_of(a)
            if risk.level != "safe":
                parts.append(f"\n**{_BADGE[risk.level]}:** " + md_text("; ".join(risk.reasons)))
            parts += _records_markdown(a.command, runs, records)
            parts.append("")
    return "\n".join(parts).strip()


def _records_markdown(command: str, runs: list["RunOutcome"] | None,
                      records: dict[str, list[str]] | None) -> list[str]:
    out = [f"\n*{md_text(line)}*" for line in (records or {}).get(command, [])]
    for run in runs or []:
        if run.command == command:
            out.append(f"\n*{md_text(_run_line(run))}*")
            tail, _ = _tail(run.output, 5)
            if tail:
                out.append(md_code_block(tail, "text"))
    return out


_COLORS = {"safe": "#2e7d32", "caution": "#b26a00", "dangerous": "#c62828"}


def _e(text: str) -> str:
    return html.escape(visible(text))


def risk_badge_html(risk: RiskLevel) -> str:
    """The risk badge with its reasons: a coloured level word, then the reasons (escaped)."""
    level = risk.level
    reasons = "; ".join(risk.reasons)
    tail = f" <span class='devgpt-risk-reasons' style='font-weight:normal'>— {_e(reasons)}</span>" if reasons else ""
    return (f"<span class='devgpt-risk devgpt-risk-{level}' style='color:white;background:{_COLORS[level]};"
            f"border-radius:3px;padding:1px 6px'>{level}</span>{tail}")


def arguments_table_html(step: "CommandStep") -> str:
    """The argument table: a header row; a long argument wraps inside a column that keeps a readable width
    (it is never squeezed to a letter per line by a long meaning); notes from this machine's help in amber."""
    if not step.arguments:
        return ""
    cell = "text-align:left;vertical-align:top;padding:1px 8px 1px 0"
    rows = []
    for arg, meaning in step.arguments.items():
        name_style = "white-space:nowrap" if len(arg) <= 24 else "min-width:10em;word-break:break-all"
        note = (f"<div class='devgpt-arg-note' style='color:{_COLORS['caution']}'>⚠ {_e(step.argument_notes[arg])}</div>"
                if arg in step.argument_notes else "")
        rows.append(f"<tr><td style='{cell};{name_style}'><code>{_e(arg)}</code></td>"
                    f"<td style='{cell};overflow-wrap:anywhere'>{_e(meaning)}{note}</td></tr>")
    head = (f"<thead><tr><th style='{cell};font-weight:bold'>argument</th>"
            f"<th style='{cell};font-weight:bold'>meaning</th></tr></thead>")
    return (f"<table class='devgpt-args' style='border-collapse:collapse;margin:4px 0'>{head}"
            f"<tbody>{''.join(rows)}</tbody></table>")


def step_html(step: "CommandStep", *, big: bool = True) -> str:
    """A command, its explanations and its argument table (not the risk: callers place the badge)."""
    size = "font-size:110%;" if big else ""
    explanations = "".join(f"<div>{_e(x)}</div>" for x in step.explanations)
    return (f"<pre style='margin:0;{size}white-space:pre-wrap;word-break:break-all'><code>{_e(step.command)}</code></pre>"
            f"{explanations}{arguments_table_html(step)}")


def _records_html(command: str, runs: list["RunOutcome"] | None, records: dict[str, list[str]] | None) -> str:
    out = [f"<div class='devgpt-record'><i>{_e(line)}</i></div>" for line in (records or {}).get(command, [])]
    for run in runs or []:
        if run.command == command:
            color = _COLORS["safe"] if run.ok else _COLORS["dangerous"]
            out.append(f"<div class='devgpt-run' style='color:{color}'>{_e(_run_line(run))}</div>")
            tail, hidden = _tail(run.output)
            if tail:
                more = f"<div style='opacity:0.7'>… {hidden:,} earlier lines not kept</div>" if hidden else ""
                out.append(f"{more}<pre style='margin:0;max-height:20em;overflow:auto'>{_e(tail)}</pre>")
    return "".join(out)


def suggestion_html(s: Suggestion, *, runs: list["RunOutcome"] | None = None,
                    records: dict[str, list[str]] | None = None, footer_text: str = "",
                    notice: str | None = None) -> str:
    """The whole result as static HTML (a saved notebook, nbconvert, GitHub): every model- or command-derived
    string escaped; what ran and how it ended when ``runs`` / ``records`` say so."""
    box = "border:1px solid var(--jp-border-color1,#ccc);border-radius:4px;padding:6px;margin:4px 0"
    out = ["<div class='devgpt-static'>"]
    if s.is_invalid:
        out.append(f"<div class='devgpt-invalid' style='color:{_COLORS['caution']}'><b>Not a terminal task:</b> "
                   f"{_e(s.invalid_reason or '')}</div>")
    for step in unique_steps(s.commands):
        risk = _risk_of(step)
        out.append(f"<div class='devgpt-step' style='{box}'>{step_html(step)}"
                   f"<div style='margin-top:4px'>{risk_badge_html(risk)}</div>"
                   f"{_records_html(step.command, runs, records)}</div>")
    alternatives = other_ways(s)
    if alternatives:
        out.append(f"<div class='devgpt-alternatives'><b>{_e(_OTHER_WAYS)}</b>")
        for a in alternatives:
            out.append(f"<div class='devgpt-step' style='{box}'>{step_html(a, big=False)}"
                       f"<div style='margin-top:4px'>{risk_badge_html(_risk_of(a))}</div>"
                       f"{_records_html(a.command, runs, records)}</div>")
        out.append("</div>")
    if notice:
        out.append(f"<div class='devgpt-notice' style='color:{_COLORS['caution']}'>note: {_e(notice)}</div>")
    if footer_text:
        out.append(f"<div class='devgpt-footer' style='color:#777;font-size:85%'>{_e(footer_text)}</div>")
    out.append("</div>")
    return "".join(out)


def insert_cell_text(steps: list["CommandStep"], shell: str | None = None) -> str:
    """The cell that "Insert" adds: the commands exactly as shown, each under a comment naming its danger.

    One ``!command`` line per command when that is verbatim and runs in the shell the check reads: IPython runs
    ``!`` lines with ``$SHELL -c`` (``shell``, by default the kernel's), so only when that is bash; and only a
    single line of printable ASCII without ``$``, ``{`` or ``}`` (which ``!`` would expand from Python), not
    ending in a backslash, and not ending in ``?`` (IPython reads ``!cmd x?`` as a help request about ``x``,
    which evaluates it in the kernel). Anything else becomes a ``%%bash`` cell (:func:`bash_cell`), which runs
    the commands as ``bash -c`` would. Several commands go into one cell, so they are also judged together
    (``cd ~`` and ``tar czf - . | curl -T - URL`` are each routine; together they send the home folder away).
    """
    from .confirm import risk_of
    from .safety import assess
    from .safety.model import LEVELS

    shell = os.environ.get("SHELL", "") if shell is None else shell

    def bang_safe(command: str) -> bool:
        text = command.strip(_ASCII_SPACE)
        return (re.fullmatch(r"[ -~]+", text) is not None and not re.search(r"[${}]", text)
                and not text.endswith(("\\", "?")) and not text.startswith("!"))

    as_bang = os.path.basename(shell) == "bash" and all(bang_safe(step.command) for step in steps)
    lines: list[str] = []
    if len(steps) > 1:
        together = assess("\n".join(step.command for step in steps))
        worst = max((risk_of(step) for step in steps), key=lambda r: LEVELS[r.level])
        if LEVELS[together.level] > LEVELS[worst.level]:
            reasons = _one_line("; ".join(together.reasons)) or f"rated {together.level}"
            lines.append(f"# {_BADGE[together.level]} (the commands together): {visible(reasons)}")
    for step in steps:
        risk = risk_of(step)
        if risk.level != "safe":
            reasons = _one_line("; ".join(risk.reasons)) or f"rated {risk.level}"
            lines.append(f"# {_BADGE[risk.level]}: {visible(reasons)}")
        lines.append("!" + step.command.strip(_ASCII_SPACE) if as_bang else step.command)
    return "\n".join(lines) if as_bang else bash_cell("\n".join(lines))


_ASCII_SPACE = " \t\n\r\x0b\x0c"


def _one_line(text: str) -> str:
    """Runs of ASCII whitespace as one space (as the panel's TypeScript does: the two agree on other spaces)."""
    return re.sub(r"[ \t\n\r\x0b\x0c]+", " ", text).strip(_ASCII_SPACE)
def bash_cell(script: str) -> str:
    """A ``%%bash`` cell that runs ``script`` as ``bash -c`` would, whatever its commands read (see
    :func:`insert_cell_text`). The script is read into a variable from a quoted heredoc outside any ``$(...)``:
    inside one, bash 5.2 also ends a heredoc at a line that only starts with its end word (``END) $(cmd)``),
    and the rest would run unchecked. The newline the heredoc adds is taken off again (after a final backslash
    it would continue the line). The end word is one no line of the script is."""
    end = "DEVGPT_END"
    while end in script.splitlines():
        end += "_"
    return (f"%%bash\nIFS= read -r -d '' DEVGPT_SCRIPT <<'{end}'\n{script}\n{end}\n"
            f"DEVGPT_SCRIPT=${{DEVGPT_SCRIPT%?}}\nbash -c \"$DEVGPT_SCRIPT\" </dev/null")


def models_table(rows: list["ModelRow"]) -> str:
    """The model listing as a table: where each model runs, whether it can be used now, and its price."""
    table = [("name", "aliases", "provider", "where", "key", "$/M in", "$/M out")]
    for row in rows:
        key = "-" if not row.needs_key else ("set" if row.key_present else f"missing ({row.key_env[0]})")
        price = ("-", "-") if row.local or row.price_in is None else (f"{row.price_in:g}", f"{row.price_out:g}")
        where = ("local" if row.available else "local, not downloaded") if row.local else "cloud"
        table.append((row.name + (" *" if row.default else ""), ",".join(row.aliases), row.provider, where, key,
                      *price))
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in table]
    lines.append("* default. Any vendor model also works as provider:model-id (openai:, gemini:, anthropic:, hf:, "
                 "ollama:) or gguf:/path/model.gguf.")
    return "\n".join(lines)


def service_text(status: dict | None, *, stopped: bool = False) -> str:
    """The local model service in a few lines (``devgpt service``, ``%devgpt service``)."""
    if status is None:
        return "The local model service is not running; the next request to a local model starts it."
    if stopped:
        return f"Stopped the local model service (pid {status['pid']}, {status['requests_served']} requests served)."
    rss = status.get("rss_bytes")
    lines = [f"Local model service: pid {status['pid']}, up {_duration(status['uptime_s'])}, "
             f"{status['requests_served']} requests served, "
             f"{'generating' if status.get('generating') else 'idle'}"
             + (f", {rss / 2**20:.0f} MB in memory" if rss else ""),
             f"  stops after {_duration(status['idle_timeout_s'])} idle (DEVGPT_SERVICE_IDLE); weight repacking "
             f"{'on' if status.get('repack') else 'off'}{' (AMX CPU)' if status.get('amx') else ''}; "
             f"{status.get('cpu', '')}"]
    for model in status.get("models", []):
        lines.append(f"  model {os.path.basename(model['path'])}: context {model['n_ctx']}, {model['requests']} "
                     f"requests, {model['prefix_snapshots']} warm prompt prefixes")
    if not status.get("models"):
        lines.append("  no model loaded yet")
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def use_color() -> bool:
    return os.environ.get("NO_COLOR") is None and os.isatty(1)


def usage_table(totals: dict) -> str:  # dict[str, Usage]
    """Tokens and cost of this kernel (or process) so far, per model."""
    if not totals:
        return "No model calls yet."
    rows = [("model", "calls", "tokens in", "tokens out", "cost")]
    total_cost = 0.0
    for name, usage in sorted(totals.items()):
        cost = "local/free" if usage.cost_usd is None else f"${usage.cost_usd:.4f}"
        total_cost += usage.cost_usd or 0.0
        rows.append((name, str(usage.calls), f"{usage.prompt_tokens:,}", f"{usage.completion_tokens:,}", cost))
    rows.append(("total", str(sum(u.calls for u in totals.values())),
                 f"{sum(u.prompt_tokens for u in totals.values()):,}",
                 f"{sum(u.completion_tokens for u in totals.values()):,}", f"${total_cost:.4f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)
