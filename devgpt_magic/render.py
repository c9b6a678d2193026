"""Plain-text and Markdown views of engine results, for terminals, logs and notebook fallbacks."""

from __future__ import annotations

import html
import os

from .models.registry import ModelSpec
from .schema import RiskLevel, Suggestion, Usage
from .tokens import format_cost

_BADGE = {"safe": "safe", "caution": "CAUTION", "dangerous": "DANGEROUS"}


def risk_line(risk: RiskLevel | None) -> str:
    if risk is None or risk.level == "safe":
        return "risk: safe"
    return f"risk: {_BADGE[risk.level]} - " + "; ".join(risk.reasons)


def footer(usage: Usage | None, *, local: bool) -> str:
    """One line: model, tokens in/out, cost (or local), seconds."""
    if usage is None:
        return ""
    approx = "~" if usage.estimated else ""
    cached = " · cached" if usage.cached else ""
    return (f"{usage.model} · {approx}{usage.prompt_tokens} in / {approx}{usage.completion_tokens} out · "
            f"{format_cost(usage, local=local)} · {usage.latency_s:.2f} s{cached}")


def suggestion_text(s: Suggestion) -> str:
    if s.is_invalid:
        return f"Not a terminal task: {s.invalid_reason}"
    lines: list[str] = []
    for i, step in enumerate(s.commands, 1):
        prefix = f"{i}. " if len(s.commands) > 1 else ""
        lines.append(f"{prefix}$ {step.command}")
        for e in step.explanations:
            lines.append(f"   {e}")
        for arg, meaning in step.arguments.items():
            lines.append(f"   {arg:<18} {meaning}")
        lines.append(f"   {risk_line(step.risk)}")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def suggestion_markdown(s: Suggestion) -> str:
    if s.is_invalid:
        return f"**Not a terminal task:** {s.invalid_reason}"
    parts: list[str] = []
    for i, step in enumerate(s.commands, 1):
        head = f"**{i}.** " if len(s.commands) > 1 else ""
        parts.append(f"{head}```bash\n{step.command}\n```")
        parts += [f"- {e}" for e in step.explanations]
        if step.arguments:
            parts.append("\n| argument | meaning |\n|---|---|")
            parts += [f"| `{_cell(a)}` | {_cell(m)} |" for a, m in step.arguments.items()]
        if step.risk and step.risk.level != "safe":
            parts.append(f"\n**{_BADGE[step.risk.level]}:** " + "; ".join(step.risk.reasons))
        parts.append("")
    return "\n".join(parts).strip()


def suggestion_html(s: Suggestion) -> str:
    e = html.escape
    if s.is_invalid:
        return f"<div class='devgpt-invalid'><b>Not a terminal task:</b> {e(s.invalid_reason or '')}</div>"
    colors = {"safe": "#2e7d32", "caution": "#b26a00", "dangerous": "#c62828"}
    out = []
    for step in s.commands:
        risk = step.risk or RiskLevel()
        rows = "".join(f"<tr><td><code>{e(a)}</code></td><td>{e(m)}</td></tr>" for a, m in step.arguments.items())
        reasons = f" — {e('; '.join(risk.reasons))}" if risk.reasons else ""
        out.append(
            "<div style='border:1px solid var(--jp-border-color1,#ccc);border-radius:4px;padding:6px;margin:4px 0'>"
            f"<pre style='margin:0'><code>{e(step.command)}</code></pre>"
            + "".join(f"<div>{e(x)}</div>" for x in step.explanations)
            + (f"<table>{rows}</table>" if rows else "")
            + f"<div style='color:{colors[risk.level]};font-weight:bold'>{risk.level}{reasons}</div></div>"
        )
    return "".join(out)


def models_table(specs: list[ModelSpec], *, default: str) -> str:
    rows = [("name", "aliases", "provider", "where", "key", "$/M in", "$/M out")]
    for spec in specs:
        key = "-" if not spec.needs_key else ("set" if spec.key_present() else f"missing ({spec.key_env[0]})")
        price = ("-", "-") if spec.is_local or spec.price_in is None else (f"{spec.price_in:g}", f"{spec.price_out:g}")
        name = spec.name + (" *" if spec.name == default else "")
        rows.append((name, ",".join(spec.aliases), spec.provider, "local" if spec.is_local else "cloud", key, *price))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.append("* default. Any vendor model also works as provider:model-id (openai:, gemini:, anthropic:, hf:, "
                 "ollama:) or gguf:/path/model.gguf.")
    return "\n".join(lines)


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
