"""GBNF grammars that make llama.cpp's output always parse as one of our reply formats.

Written here rather than converted from the JSON schema for two measured reasons:
- A grammar that admits only valid JSON strings cannot express ``\\;`` (``find -exec ... \\;``); small
  models then never close the string and run to the token limit. Our string rule admits a backslash
  before any printable character, and :mod:`devgpt_magic.parsing` reads ``\\;`` as a literal backslash.
- llama-cpp-python's converter expands ``maxLength`` into hundreds of nested optionals; GBNF's own
  ``{m,n}`` repetition bounds every string and list, so a looping model is cut by the grammar and the
  reply still closes.
"""

from __future__ import annotations

import functools

from ..schema import Mode

_COMMON = r"""
ws ::= [ \t\n]{0,6}
char ::= [^"\\\x00-\x1f] | "\\" [^\x00-\x1f]
cmd ::= "\"" char{0,299} cmdend "\""
cmdend ::= [^"\\\x00-\x20] | "\\" [^\x00-\x1f]
text ::= "\"" char{0,200} "\""
argname ::= "\"" char{1,40} "\""
invalid ::= "{" ws "\"input\"" ws ":" ws text ws "," ws "\"error\"" ws ":" ws "1" ws "," ws "\"explanation\"" ws ":" ws text ws "}"
arg ::= argname ws ":" ws text
"""

_REGULAR = r"""
root ::= regular | invalid
regular ::= "{" ws "\"input\"" ws ":" ws text ws "," ws "\"error\"" ws ":" ws "0" ws "," ws "\"commands\"" ws ":" ws "[" ws step (ws "," ws step){0,2} ws "]" ws "}"
step ::= "{" ws "\"seq\"" ws ":" ws [1-9] ws "," ws "\"cmd_to_execute\"" ws ":" ws cmd ws "," ws "\"cmd_explanations\"" ws ":" ws "[" ws text (ws "," ws text){0,1} ws "]" ws "," ws "\"arg_explanations\"" ws ":" ws "{" ws (arg (ws "," ws arg){0,5})? ws "}" ws "}"
"""

#: explaining a given command: the command itself is not written again (it was half of Qwen 1.5B's reply tokens)
_EXPLAIN = r"""
root ::= explained | invalid
explained ::= "{" ws "\"explanation\"" ws ":" ws long ws "," ws "\"arguments\"" ws ":" ws "{" ws (arg (ws "," ws arg){0,5})? ws "}" ws "}"
long ::= "\"" char{1,400} "\""
"""

_FAST = r"""
root ::= fast | invalid
fast ::= "{" ws "\"commands\"" ws ":" ws "[" ws cmd (ws "," ws cmd){0,3} ws "]" ws "}"
"""

#: Techniques.plan: what the request needs, then the commands or the refusal (decided after reading it through)
_FAST_PLAN = r"""
root ::= "{" ws "\"needs\"" ws ":" ws text ws "," ws (commands | refusal)
commands ::= "\"commands\"" ws ":" ws "[" ws cmd (ws "," ws cmd){0,3} ws "]" ws "}"
refusal ::= "\"error\"" ws ":" ws "1" ws "," ws "\"explanation\"" ws ":" ws text ws "}"
"""


#: Token budgets that always fit a reply of the grammar (about 3 characters per token at worst), so a
#: constrained reply is never cut by max_tokens: regular 3 steps x (300 + 2x200 + 6x(40+200)) chars.
MAX_REPLY_TOKENS: dict[str, int] = {"regular": 2400, "fast": 500}


def grammar_text(mode: Mode, task: str = "command", plan: bool = False) -> str:
    fast = _FAST_PLAN if plan else _FAST
    return (_EXPLAIN if task == "explain" else fast if mode == "fast" else _REGULAR) + _COMMON


@functools.lru_cache(maxsize=4)
def llama_grammar(mode: Mode, task: str = "command"):  # noqa: ANN201 - llama_cpp.LlamaGrammar, imported lazily
    from llama_cpp import LlamaGrammar

    return LlamaGrammar.from_string(grammar_text(mode, task), verbose=False)
