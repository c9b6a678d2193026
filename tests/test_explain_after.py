"""Regular mode that decides the command as fast mode does, then explains it (``Techniques.explain_after``).

The scripted provider pins the order of calls and what each is asked; ``test_local_model`` checks with the
tiny real model that a regular answer's commands are the fast answer's.
"""

from __future__ import annotations

import json

import pytest

from devgpt_magic.context import Context
from devgpt_magic.engine import Engine
from devgpt_magic.schema import Techniques
from support import Scripted

AFTER = Techniques(explain_after=True)


def explained(command: str, args: dict[str, str]) -> str:
    return json.dumps({"input": command, "error": 0, "commands": [
        {"seq": 1, "cmd_to_execute": command, "cmd_explanations": [f"runs {command.split()[0]}"],
         "arg_explanations": args}]})


@pytest.fixture
def scripted(tmp_path):
    Scripted.asked = []

    def engine(*answers: str) -> Engine:
        Scripted.answers = list(answers)
        return Engine(context=Context.current(str(tmp_path)), provider_factory=Scripted)

    return engine


def test_the_command_is_decided_by_the_fast_prompt_then_explained(scripted):
    engine = scripted('{"commands": ["du -sh /var/log"]}', explained("du -sh /var/log", {"-s": "total only",
                                                                                       "-h": "human sizes"}))
    s = engine.suggest("how big is /var/log", model="smollm2", mode="regular", use_cache=False, techniques=AFTER)
    first, second = Scripted.asked
    assert (first.task, first.mode) == ("command", "fast") and second.task == "explain"
    assert "du -sh /var/log" in second.all_text()
    assert s.mode == "regular" and [c.command for c in s.commands] == ["du -sh /var/log"]
    assert s.commands[0].arguments == {"-s": "total only", "-h": "human sizes"}
    assert s.commands[0].explanations == ["runs du"]
    assert s.usage.calls == 2 and s.usage.completion_tokens == 20


def test_the_explanation_cannot_change_the_command_or_its_risk(scripted):
    engine = scripted('{"commands": ["rm -rf ~", "ls"]}', explained("ls -la", {"-la": "long"}),
                      "not json at all", "still not json")
    s = engine.suggest("clean up", model="smollm2", mode="regular", use_cache=False, techniques=AFTER)
    assert [c.command for c in s.commands] == ["rm -rf ~", "ls"]
    assert s.commands[0].risk.level == "dangerous"  # judged on the real command, not the explained rewrite
    assert s.commands[0].arguments == {}  # "-la" is not in `rm -rf ~`
    assert s.commands[1].explanations == []  # the model could not explain it: the command stays, bare
    assert len(Scripted.asked) == 4  # fast answer, one explanation, one failed explanation and its repair


def test_an_impossible_request_costs_one_call(scripted):
    engine = scripted('{"input": "defragment my cpu", "error": 1, "explanation": "CPUs have no files"}')
    s = engine.suggest("defragment my cpu", model="smollm2", mode="regular", use_cache=False, techniques=AFTER)
    assert s.is_invalid and s.invalid_reason == "CPUs have no files" and s.mode == "regular"
    assert len(Scripted.asked) == 1


def test_without_the_technique_regular_mode_asks_once(scripted):
    engine = scripted(explained("du -sh /var/log", {"-s": "total only"}))
    s = engine.suggest("how big is /var/log", model="smollm2", mode="regular", use_cache=False,
                       techniques=Techniques())
    assert [p.mode for p in Scripted.asked] == ["regular"] and s.commands[0].command == "du -sh /var/log"


def test_the_decided_commands_are_handed_over_before_they_are_explained(scripted):
    """A front end can show the command while the explanation is written (most of a regular answer's time)."""
    engine = scripted('{"commands": ["du -sh /var/log"]}', explained("du -sh /var/log", {"-s": "total only"}))
    seen = []
    s = engine.suggest("how big is /var/log", model="smollm2", mode="regular", use_cache=False, techniques=AFTER,
                       decided=lambda fast: seen.append(([c.command for c in fast.commands], len(Scripted.asked),
                                                         fast.commands[0].risk.level)))
    assert seen == [(["du -sh /var/log"], 1, "safe")]  # after the fast call, before the explain call
    assert s.commands[0].arguments == {"-s": "total only"}


def test_nothing_is_handed_over_for_an_impossible_request_or_in_one_call(scripted):
    invalid = json.dumps({"input": "water my plants", "error": 1, "explanation": "a physical task"})
    engine = scripted(invalid, invalid)
    seen = []
    engine.suggest("water my plants", model="smollm2", mode="regular", use_cache=False, techniques=AFTER,
                   decided=seen.append)
    engine.suggest("water my plants", model="smollm2", mode="regular", use_cache=False, techniques=Techniques(),
                   decided=seen.append)
    assert seen == [] and len(Scripted.asked) == 2


class FailingSecond(Scripted):
    """The first call answers; the second fails as a dead service or a time-out would."""

    def generate(self, prompt, *, max_tokens, temperature, stream):  # noqa: ANN001, ANN201
        from devgpt_magic.errors import ProviderError

        if len(type(self).asked) >= 1:
            type(self).asked.append(prompt)
            raise ProviderError("The local model service stopped while answering; try again.")
        yield from super().generate(prompt, max_tokens=max_tokens, temperature=temperature, stream=stream)


def test_a_failure_while_explaining_keeps_the_decided_commands(tmp_path):
    """The user may already be reading the command: a failed explanation call leaves it bare, and says why."""
    FailingSecond.asked, FailingSecond.answers = [], ['{"commands": ["du -sh /var/log"]}']
    engine = Engine(context=Context.current(str(tmp_path)), provider_factory=FailingSecond)
    s = engine.suggest("how big is /var/log", model="smollm2", mode="regular", use_cache=False, techniques=AFTER)
    assert [c.command for c in s.commands] == ["du -sh /var/log"] and s.commands[0].explanations == []
    assert s.notice.startswith("Not explained: The local model service stopped") and s.commands[0].risk


def test_a_note_that_cannot_be_shown_costs_no_answer(scripted):
    engine = scripted('{"commands": ["du -sh /var/log"]}', explained("du -sh /var/log", {"-s": "total only"}))

    def broken(_):  # noqa: ANN001, ANN202 - stderr closed under the note
        raise OSError(5, "Input/output error")

    s = engine.suggest("how big is /var/log", model="smollm2", mode="regular", use_cache=False, techniques=AFTER,
                       decided=broken)
    assert s.commands[0].arguments == {"-s": "total only"}
