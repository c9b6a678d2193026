"""Candidates chosen by what they do in a sandbox; the runners-up become "other ways"."""

from __future__ import annotations

import json
import os
import shutil
import uuid

import pytest

from devgpt_magic.candidates import Outcome, choose, sandbox_behaviour
from devgpt_magic.engine import Engine
from devgpt_magic.schema import CommandStep, RiskLevel, Suggestion, Techniques
from support import Scripted

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap (apt-get install bubblewrap)")


def candidate(command: str, level: str = "safe") -> Suggestion:
    return Suggestion(request="r", commands=[CommandStep(command=command, risk=RiskLevel(level=level))])


def by_table(table: dict[str, tuple[str, bool]]):
    ran: list[str] = []

    def behave(command: str) -> Outcome | None:
        ran.append(command)
        signature, ok = table[command]
        return Outcome(signature, ok)

    return behave, ran


def test_the_largest_group_of_working_candidates_wins():
    behave, _ = by_table({"a": ("x", True), "b": ("y", True), "c": ("y", True), "d": ("z", False)})
    best, others = choose([candidate("a"), candidate("b"), candidate("c"), candidate("d")], behave)
    assert best.commands[0].command == "b"
    assert [o.commands[0].command for o in others] == ["a", "d"]


def test_ties_go_to_the_greedy_answer_and_identical_commands_run_once():
    behave, ran = by_table({"a": ("x", True), "b": ("y", True)})
    best, others = choose([candidate("a"), candidate("b"), candidate("a"), candidate("b")], behave)
    assert best.commands[0].command == "a" and ran == ["a", "b"]


def test_candidates_that_are_not_safe_are_never_run():
    behave, ran = by_table({"ls": ("x", True)})
    best, _ = choose([candidate("rm -rf build", "caution"), candidate("ls"), candidate("rm -rf build", "caution")],
                     behave)
    assert ran == ["ls"] and best.commands[0].command == "ls"


def test_when_nothing_works_the_greedy_answer_stays():
    behave, _ = by_table({"a": ("x", False), "b": ("y", False), "c": ("y", False)})
    best, _ = choose([candidate("a"), candidate("b"), candidate("c")], behave)
    assert best.commands[0].command == "a"


@needs_bwrap
def test_a_candidate_cannot_write_outside_its_view(tmp_path):
    outside = f"/tmp/devgpt-outside-{uuid.uuid4().hex}"
    (tmp_path / "keep.txt").write_text("keep")
    behave = sandbox_behaviour(str(tmp_path))
    got = behave(f"echo hi > {outside}; rm keep.txt; echo done")
    assert got is not None
    assert not os.path.exists(outside) and (tmp_path / "keep.txt").read_text() == "keep"


@needs_bwrap
def test_the_engine_groups_real_sandbox_runs(tmp_path, monkeypatch):
    for name in ("a.py", "b.py", "c.txt"):
        (tmp_path / name).write_text(name)
    monkeypatch.chdir(tmp_path)
    Scripted.answers = ['{"commands": ["ls *.py | wc -l"]}', '{"commands": ["ls | wc -l"]}',
                         '{"commands": ["find . -name \'*.py\' | wc -l"]}', '{"commands": ["ls -1 *.py | wc -l"]}']
    from devgpt_magic.context import Context

    engine = Engine(context=Context.current(str(tmp_path)), provider_factory=Scripted)
    s = engine.suggest("how many python files are here", model="smollm2", mode="fast", use_cache=False,
                       techniques=Techniques(candidates=4))
    assert s.commands[0].command == "ls *.py | wc -l"  # three of four print 2; the greedy one is among them
    assert [a.command for a in s.alternatives] == ["ls | wc -l"]
    assert s.usage.calls == 4


@needs_bwrap
def test_another_way_carries_the_risk_of_its_whole_text(tmp_path, monkeypatch):
    """An alternative runs as one text: a dangerous second line makes the whole alternative dangerous."""
    (tmp_path / "a.py").write_text("a")
    monkeypatch.chdir(tmp_path)
    Scripted.answers = ['{"commands": ["ls *.py | wc -l"]}', '{"commands": ["echo 7", "git push --force origin main"]}']
    from devgpt_magic.context import Context

    engine = Engine(context=Context.current(str(tmp_path)), provider_factory=Scripted)
    s = engine.suggest("how many python files are here", model="smollm2", mode="fast", use_cache=False,
                       techniques=Techniques(candidates=2))
    assert [a.command for a in s.alternatives] == ["echo 7\ngit push --force origin main"]
    assert s.alternatives[0].risk.level == "dangerous"


class SeededScripted(Scripted):
    """Scripted, but a provider that honours seeds (as the local one does): remembers each call's seed."""

    seedable = True
    seeds: list = []

    def generate(self, prompt, *, max_tokens, temperature, stream, seed=None):  # noqa: ANN001, ANN201
        type(self).seeds.append(seed)
        yield from super().generate(prompt, max_tokens=max_tokens, temperature=temperature, stream=stream)


def explained_reply(command: str) -> str:
    return json.dumps({"input": command, "error": 0, "commands": [{"seq": 1, "cmd_to_execute": command,
                                                                   "cmd_explanations": ["counts"],
                                                                   "arg_explanations": {}}]})


THREE = ['{"commands": ["ls *.py | wc -l"]}', '{"commands": ["ls | wc -l"]}', '{"commands": ["ls -1 *.py | wc -l"]}']


def test_samples_are_seeded_and_come_from_the_cache_the_second_time(tmp_path):
    """The i-th sample is drawn with seed i, so asking again settles the same way, from the response cache."""
    from devgpt_magic.cache import ResponseCache

    behave, _ = by_table({"ls *.py | wc -l": ("2", True), "ls | wc -l": ("3", True), "ls -1 *.py | wc -l": ("2", True)})
    engine = Engine(provider_factory=SeededScripted, cache=ResponseCache(tmp_path))
    SeededScripted.answers, SeededScripted.asked, SeededScripted.seeds = list(THREE), [], []
    first = engine.suggest("how many python files are here", model="smollm2", mode="fast",
                           techniques=Techniques(candidates=3), behaviour=behave)
    assert SeededScripted.seeds == [None, 1, 2]
    again = engine.suggest("how many python files are here", model="smollm2", mode="fast",
                           techniques=Techniques(candidates=3), behaviour=behave)
    assert len(SeededScripted.asked) == 3  # nothing new was asked of the model
    assert again.commands[0].command == first.commands[0].command == "ls *.py | wc -l"
    assert [a.command for a in again.alternatives] == [a.command for a in first.alternatives] == ["ls | wc -l"]
    assert again.usage.cached


def test_samples_of_a_provider_without_seeds_are_never_cached(tmp_path):
    from devgpt_magic.cache import ResponseCache

    behave, _ = by_table({"ls *.py | wc -l": ("2", True), "ls | wc -l": ("3", True), "ls -1 *.py | wc -l": ("2", True)})
    engine = Engine(provider_factory=Scripted, cache=ResponseCache(tmp_path))
    Scripted.answers, Scripted.asked = list(THREE) + list(THREE[1:]), []
    for _ in range(2):
        engine.suggest("how many python files are here", model="smollm2", mode="fast",
                       techniques=Techniques(candidates=3), behaviour=behave)
    assert len(Scripted.asked) == 5 and not Scripted.answers  # the greedy answer once, the samples each time


def test_without_a_sandbox_the_registry_candidates_are_not_sampled(monkeypatch):
    """Candidates that cannot be told apart by behaviour are not worth their time, unless asked for."""
    from devgpt_magic import candidates
    from devgpt_magic.models.registry import resolve

    assert resolve("qwen2.5-coder-1.5b").techniques.candidates > 1
    monkeypatch.setattr(candidates, "sandbox_ready", lambda: False)
    engine = Engine(provider_factory=Scripted)
    Scripted.answers, Scripted.asked = [THREE[0], *THREE], []
    s = engine.suggest("how many python files are here", model="qwen2.5-coder-1.5b", mode="fast", use_cache=False)
    assert len(Scripted.asked) == 1 and s.alternatives == []
    Scripted.answers.insert(0, explained_reply("ls *.py | wc -l"))
    Scripted.answers.insert(0, THREE[0])
    s = engine.suggest("how many python files are here", model="qwen2.5-coder-1.5b", use_cache=False)  # regular
    assert len(Scripted.asked) == 3 and Scripted.asked[2].task == "explain" and s.mode == "regular"
    asked = resolve("qwen2.5-coder-1.5b").techniques.model_copy(update={"candidates": 3})  # --alternatives 2
    s = engine.suggest("how many python files are here", model="qwen2.5-coder-1.5b", mode="fast", use_cache=False,
                       techniques=asked)
    assert len(Scripted.asked) == 6 and "ls | wc -l" in [a.command for a in s.alternatives]


def test_a_greedy_refusal_is_not_put_to_a_vote():
    """Samples would turn an impossible request into some command; the refusal costs one call and stands."""
    refusal = json.dumps({"input": "defragment my CPU", "error": 1, "explanation": "a CPU has no files"})
    behave, ran = by_table({})
    engine = Engine(provider_factory=Scripted)
    Scripted.answers, Scripted.asked = [refusal, *THREE], []
    s = engine.suggest("defragment my CPU", model="smollm2", mode="fast", use_cache=False,
                       techniques=Techniques(candidates=4), behaviour=behave)
    assert s.is_invalid and len(Scripted.asked) == 1 and ran == []


def test_other_ways_name_only_programs_this_machine_has():
    """A sample that wrote its refusal as a command, or used a program not installed here, is no other way."""
    behave, _ = by_table({"ls -t": ("a", True), "error 1": ("b", False), "ls -lt": ("c", True),
                          "frobnicate-files --newest": ("d", True)})
    answers = ['{"commands": ["ls -t"]}', '{"commands": ["error 1"]}', '{"commands": ["ls -lt"]}',
               '{"commands": ["frobnicate-files --newest"]}']
    engine = Engine(provider_factory=Scripted)
    Scripted.answers, Scripted.asked = answers, []
    s = engine.suggest("list files newest first", model="smollm2", mode="fast", use_cache=False,
                       techniques=Techniques(candidates=4), behaviour=behave)
    assert s.commands[0].command == "ls -t" and [a.command for a in s.alternatives] == ["ls -lt"]
