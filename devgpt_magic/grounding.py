"""What the engine adds around a request from outside the model: similar solved examples from the
project's own library, this machine's documentation for the programs the request needs, and a check of the
model's commands against those programs' real help texts.

Each piece is imported only when a model's techniques ask for it, so a plain request pays nothing.
"""

from __future__ import annotations

from typing import Any

from .schema import CommandStep


def similar_examples(request: str, k: int) -> list[tuple[str, dict[str, Any]]]:
    """The ``k`` library entries most like the request, as (request, regular reply) examples."""
    if k <= 0:
        return []
    from .prompts.retrieval import similar

    return [entry.example() for entry in similar(request, k)]


def docs_excerpt(request: str, budget_tokens: int) -> str:
    """This machine's descriptions and option lines for the programs the request most likely needs."""
    if budget_tokens <= 0:
        return ""
    from .docs import excerpt

    text = excerpt(request, budget_tokens=budget_tokens)
    return f"Documentation on this machine that may help:\n{text}" if text else ""


def findings(commands: list[str]) -> list[str]:
    """One message per program that is missing here or option that its help does not know."""
    from .docs import check_command

    return [finding.message for command in commands for finding in check_command(command)]


def argument_notes(step: CommandStep) -> dict[str, str]:
    """Arguments of an explanation table that this machine's help does not know (never a guess)."""
    if not step.arguments:
        return {}
    from .docs import explain_arguments, simple_commands

    known = explain_arguments(step.command, step.arguments)
    programs = [words[0][0] for words in simple_commands(step.command)[0] if words]
    where = f"`{programs[0]} --help`" if programs else "the help"
    return {arg: f"not in {where} on this machine" for arg in step.arguments if arg in known and known[arg] is None}
