"""What the engine adds around a request from outside the model: similar solved examples from the
project's own library, this machine's documentation for the programs the request needs, and a check of the
model's commands against those programs' real help texts.

Each piece is imported only when a model's techniques ask for it, so a plain request pays nothing.
"""

from __future__ import annotations

import re
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


_QUOTES = str.maketrans("", "", "'\"")


def _short_flags(command: str) -> set[str]:
    """Letters of the command's bundled short options (``-xzvf``, and tar's dash-less ``tar xzvf``)."""
    words = command.translate(_QUOTES).split()
    letters: set[str] = set()
    for before, word in zip([""] + words, words):
        if re.fullmatch(r"-[A-Za-z0-9]+", word) or (before.endswith("tar") and re.fullmatch(r"[A-Za-z]+", word)):
            letters.update(word.lstrip("-"))
    return letters


def arguments_in_command(command: str, arguments: dict[str, str]) -> dict[str, str]:
    """The rows of a model's explanation table whose argument is in ``command``: a model sometimes explains
    options the command does not have, and a table that lists them misleads the reader about what will run.

    An argument counts as present when its text (quotes aside, ``--opt=value`` as ``--opt``) is in the command,
    or when it is a short option bundled with others (``-z`` of ``-xzvf``). Doubtful cases are kept. A row for
    the whole command is no argument: it repeats the summary above the table."""
    text = " ".join(command.translate(_QUOTES).split())
    letters = _short_flags(command)

    def present(word: str) -> bool:
        word = word.split("=", 1)[0] if word.startswith("-") else word
        if word in text:
            return True
        return bool(re.fullmatch(r"-[A-Za-z0-9]", word)) and word[1] in letters

    def kept(arg: str) -> bool:
        words = arg.translate(_QUOTES).split()
        spelled = " ".join(words)
        if spelled == text and " " in text:
            return False
        return spelled in text or all(present(word) for word in words)

    return {arg: meaning for arg, meaning in arguments.items() if kept(arg)}


def argument_notes(step: CommandStep) -> dict[str, str]:
    """Arguments of an explanation table that this machine's help does not know (never a guess)."""
    if not step.arguments:
        return {}
    from .docs import explain_arguments, simple_commands

    known = explain_arguments(step.command, step.arguments)
    programs = [words[0][0] for words in simple_commands(step.command)[0] if words]
    where = f"`{programs[0]} --help`" if programs else "the help"
    return {arg: f"not in {where} on this machine" for arg in step.arguments if arg in known and known[arg] is None}
