"""Grounding in this machine's documentation (issue 15, item 2 and the option check of item 6).

- :func:`find_programs` - the programs a plain-English request most likely needs, from the installed whatis
  database (``apropos``) and bash's builtins, ranked by BM25 over their one-line descriptions;
- :func:`program_help` - a program's options with one-line descriptions, parsed from ``PROG --help`` (bash's
  ``help NAME``, ``git SUB -h``) and its manual page, cached per program version;
- :func:`excerpt` - the few most relevant programs and option lines for a prompt, within a token budget;
- :func:`check_command` - programs that are not installed and options their help does not know, with the
  closest documented spelling;
- :func:`explain_arguments` - the help line on this machine for each argument of a model's explanation table.

Nothing here needs the network; the programs it runs are listed in :mod:`.system`.
"""

from __future__ import annotations

from .check import Finding, check_command, explain_arguments, simple_commands
from .excerpt import count_tokens, excerpt, score_options
from .helpdb import ProgramHelp, clear_memory, program_help
from .helpparse import OptionDoc
from .index import ProgramMatch, describe, find_programs

__all__ = [
    "Finding", "OptionDoc", "ProgramHelp", "ProgramMatch", "check_command", "clear_memory", "count_tokens",
    "describe", "excerpt", "explain_arguments", "find_programs", "program_help", "score_options",
    "simple_commands",
]
