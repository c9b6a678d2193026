"""The sandbox and scorer: real bubblewrap runs on a fixture file system, and the harness end to end."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from evaluation import sandbox
from evaluation.runner import HARNESS
from evaluation.suites import Item

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap (apt-get install bubblewrap)")


@pytest.fixture(scope="module")
def fixture_fs(tmp_path_factory) -> Path:
    script = tmp_path_factory.mktemp("setup") / "setup.sh"
    script.write_text("mkdir -p /data/sub\necho alpha > /data/a.txt\necho beta > /data/sub/b.txt\n"
                      "printf 'z\\ny\\nx\\n' > /data/lines.txt\n")
    return sandbox.build_fixture(script, tmp_path_factory.mktemp("fx") / "fs")


def test_fixture_built_inside_sandbox(fixture_fs):
    assert (fixture_fs / "data" / "a.txt").read_text() == "alpha\n"
    assert not (Path("/data") / "a.txt").exists() or (Path("/data") / "a.txt").read_text() != "alpha\n"


def test_writes_stay_inside_the_copy(fixture_fs):
    marker = f"devgpt-escape-{uuid.uuid4().hex}"
    out = sandbox.run(fixture_fs, f"touch /usr/{marker}; echo $?; touch /{marker}; touch /tmp/{marker}; "
                                  f"rm -rf /data; echo done")
    assert not Path(f"/usr/{marker}").exists() and not Path(f"/{marker}").exists()
    assert not Path(f"/tmp/{marker}").exists()
    assert out.stdout.split()[0] != "0"  # /usr is read-only inside
    assert marker in out.manifest  # the write to / landed in the copy, where the manifest sees it
    assert (fixture_fs / "data" / "a.txt").exists()  # the fixture itself is untouched


def test_no_network_and_timeout(fixture_fs):
    out = sandbox.run(fixture_fs, "cat < /dev/tcp/127.0.0.1/22 && echo connected || echo refused")
    assert "connected" not in out.stdout
    slow = sandbox.run(fixture_fs, "sleep 30", timeout=1)
    assert slow.timed_out and slow.exit_code is None


def test_scorer_output_and_filesystem(fixture_fs, monkeypatch, tmp_path):
    from evaluation import scoring

    monkeypatch.setenv("DEVGPT_EVAL_CACHE", str(tmp_path))
    monkeypatch.setattr(scoring, "fixture", lambda fs: fixture_fs)
    monkeypatch.setattr(scoring, "fixture_env", lambda fs: {})
    monkeypatch.setattr(scoring, "_BASELINES", {})
    listing = Item(id="t1", suite="nl2sh-alfa", request="list the text files under /data",
                   references=["find /data -name '*.txt'", "find /data -type f -name '*.txt'"], fixture=1)
    assert scoring.score(listing, "find /data -type f | grep txt")[0] == "pass"
    assert scoring.score(listing, "cd /data && find . -name '*.txt' | sed 's|^\\./|/data/|'")[0] == "pass"
    assert scoring.score(listing, "ls /data")[0] == "fail"
    # a command that deletes a file fails a reference that only lists
    assert scoring.score(listing, "rm /data/a.txt; find /data -name '*.txt'")[0] == "fail"
    deletion = Item(id="t2", suite="nl2sh-alfa", request="delete a.txt in /data",
                    references=["rm /data/a.txt", "rm -f /data/a.txt"], fixture=1)
    assert scoring.score(deletion, "cd /data && rm a.txt")[0] == "pass"
    assert scoring.score(deletion, "rm -rf /data")[0] == "fail"
    ordered = Item(id="t3", suite="nl2sh-alfa", request="print lines.txt sorted", references=["sort /data/lines.txt",
                   "sort < /data/lines.txt"], fixture=1)
    assert scoring.score(ordered, "cat /data/lines.txt")[0] == "fail"  # order was asked for
    flaky = Item(id="t4", suite="nl2sh-alfa", request="print a random number", references=["echo $RANDOM",
                 "od -An -N2 -i /dev/urandom"], fixture=1)
    assert scoring.score(flaky, "echo 5")[0] == "unverifiable"
    # the working folder is /: a relative spelling of the same files is the same output
    assert scoring.score(listing, "cd / && find data -name '*.txt'")[0] == "pass"
    assert scoring.score(listing, "find /data/ -name '*.txt' | sed 's|^/|//|'")[0] == "pass"
    environment = Item(id="t5", suite="nl2sh-alfa", request="print the environment variables",
                       references=["env", "env"], fixture=1)
    assert scoring.score(environment, "printenv")[0] == "pass"  # only `_=` differs
    assert scoring.score(environment, "env; echo X=1")[0] == "fail"


@pytest.mark.parametrize("a, b, equal", [
    (["/testbed/dir1/a.txt"], ["testbed/dir1/a.txt"], True),
    (["/testbed/dir1/"], ["/testbed/dir1"], True),
    (["4 /testbed//dir1/x"], ["4 testbed/dir1/x"], True),
    (["_=/usr/bin/env", "SHLVL=1", "A=1"], ["A=1", "_=/usr/bin/printenv", "SHLVL=0"], True),
    (["/root"], ["root"], False),  # `echo $HOME` is not `whoami`
    (["1/2"], ["12"], False),
    (["a/b"], ["/a/b/c"], False),
    (["SHLVL=1 x"], ["x"], False),
])
def test_outputs_are_compared_after_canonical_paths(a, b, equal):
    from evaluation.scoring import canonical

    assert (canonical(a, False) == canonical(b, False)) is equal


@pytest.mark.parametrize("reference, why", [
    ("date +%Y", "date"), ("ps aux | grep x", "ps"), ("find . -mtime -1", "-mtime"), ("cat /proc/cpuinfo", "/proc/"),
    ("getconf -a", "getconf"), ("echo $(uptime)", "uptime"), ("free -m", "free"), ("getconf LONG_BIT", None),
    ("ls -la", None), ("awk '{print date}' f", None), ("grep -w free notes.txt", None), ("du -sh .", None),
])
def test_clock_and_moment_items_are_unverifiable_by_script(reference, why):
    """Whether an item can be verified must not depend on two reference runs agreeing by chance on this
    machine: the script decides from the reference text alone."""
    from evaluation.scoring import volatile

    got = volatile(Item(id="x", suite="nl2sh-alfa", request="r", references=[reference, "true"]))
    assert (got is None) if why is None else (why in got)


def test_self_check_on_nl2sh_alfa_pairs():
    """At least 50 real reference pairs: same-item pairs mostly accepted, mismatched ones almost never."""
    from evaluation.scoring import self_check
    from evaluation.suites import nl2sh_alfa

    result = self_check(nl2sh_alfa(), limit=80)
    assert result["pairs"] >= 50 and result["mismatched_pairs"] >= 30
    # at most one coincidence in a sample this small (`cat f` and `uniq f` print the same when f has no
    # repeated lines); the full run's rate (README, summary.json) is held to 1%
    assert round(result["accepted_mismatched"] * result["mismatched_pairs"]) <= 1
    assert result["accepted_same_item"] >= 0.5


@pytest.mark.parametrize("suite", ["nl2sh-alfa", "developergpt-85", "developergpt-invalid"])
def test_smoke_run_tiny_model(suite, tmp_path):
    folder = Path(__file__).resolve().parents[2] / "shared" / "eval" / "developergpt"
    argv = [sys.executable, "-m", "evaluation", "run", "--model", "local", "--suite", suite, "--mode", "fast",
            "--limit", "10", "--out", str(tmp_path / suite), "--developergpt-dir", str(folder)]
    subprocess.run(argv, check=True, capture_output=True, text=True, env=dict(os.environ), timeout=900)
    rows = [json.loads(l) for l in (tmp_path / suite / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 10 and all(r["verdict"] in ("pass", "fail", "unverifiable") for r in rows)
    assert all(r["valid"] for r in rows)
    summary = json.loads((tmp_path / suite / "summary.json").read_text())
    assert summary["items"] == 10 and summary["valid_rate"] == 1.0
    # resumable: a rerun asks nothing again
    subprocess.run(argv, check=True, capture_output=True, text=True, env=dict(os.environ), timeout=300)
    assert len((tmp_path / suite / "results.jsonl").read_text().splitlines()) == 10
    report = subprocess.run([sys.executable, "-m", "evaluation", "report", str(tmp_path / suite)],
                            capture_output=True, text=True, check=True)
    assert f"| local | {suite} | fast | few (invalid first) | none (baseline) | {HARNESS} | 10 |" in report.stdout
    if summary["accuracy"] is not None:
        assert (tmp_path / suite / f"accuracy-{suite}.png").stat().st_size > 1000


def test_resume_refuses_answers_made_with_another_example_placement(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "results.jsonl").write_text(json.dumps({"id": "dg-invalid-00", "invalid_example": "last", "harness": HARNESS}) + "\n")
    folder = Path(__file__).resolve().parents[2] / "shared" / "eval" / "developergpt"
    done = subprocess.run([sys.executable, "-m", "evaluation", "run", "--model", "smollm2-135m", "--suite",
                           "developergpt-invalid", "--mode", "fast", "--out", str(out), "--developergpt-dir",
                           str(folder)], capture_output=True, text=True, env=dict(os.environ), timeout=120)
    assert done.returncode != 0 and "invalid example last" in done.stderr and "new --out" in done.stderr
    assert len((out / "results.jsonl").read_text().splitlines()) == 1  # nothing appended


def test_tune_smoke_tiny_model(tmp_path):
    target = tmp_path / "tune.json"
    done = subprocess.run([sys.executable, "-m", "evaluation", "tune", "--model", "smollm2-135m", "--limit", "2",
                           "--json", str(target)], capture_output=True, text=True, env=dict(os.environ),
                          timeout=600, check=True)
    result = json.loads(target.read_text())
    from typing import get_args

    from devgpt_magic.schema import InvalidExample

    assert [r["invalid_example"] for r in result["rows"]] == list(get_args(InvalidExample))
    for row in result["rows"]:
        assert row["doable"] == 2 and row["impossible"] == 2
        assert 0 <= row["doable_called_invalid"] <= 2 and 0 <= row["impossible_refused"] <= 2
    assert result["best"] in get_args(InvalidExample) and f"best: {result['best']}" in done.stdout


def test_ablation_compares_a_technique_with_the_baseline_on_the_same_items(tmp_path):
    """Paired: the baseline's accuracy is taken on exactly the technique run's verifiable items."""
    from evaluation.report import ablation, _summaries

    def run(name: str, verdicts: list[str], techniques: dict | None) -> None:
        folder = tmp_path / name
        folder.mkdir()
        rows = [{"id": f"i{n}", "verdict": v, "latency_s": 1.0 + n, **({"techniques": techniques} if techniques else {})}
                for n, v in enumerate(verdicts)]
        (folder / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        summary = {"model": "m", "suite": "nl2sh-alfa", "mode": "fast", "shots": "few", "harness": HARNESS,
                   "items": len(rows), "verifiable": len(rows), "accuracy": 0.0, "valid_rate": 1.0,
                   "latency_median_s": 1.0, "prompt_tokens_mean": 1, "completion_tokens_mean": 1, "cost_usd_total": 0}
        if techniques:
            summary["techniques"] = techniques
        (folder / "summary.json").write_text(json.dumps(summary))

    run("a-baseline", ["pass", "fail", "pass", "unverifiable", "fail", "pass"], None)
    run("checks", ["fail", "pass", "pass", "pass", "fail"],
        {"reply": "json", "examples": 0, "docs_tokens": 0, "checks": True, "candidates": 1})
    # a later run without techniques (after a grammar change): compared with the run named the baseline
    run("grammar", ["pass", "pass", "pass", "fail", "fail", "fail"], None)
    table = ablation(_summaries([str(tmp_path)]))
    again = next(line for line in table.splitlines() if line.endswith("| `grammar` |"))
    assert "| 6 (5) | 0.600 | 0.600 | +1 | -1 |" in again
    assert "a-baseline`" not in table
    row = next(line for line in table.splitlines() if "| checks |" in line)
    # items i0..i4, of which i3 is unverifiable in the baseline: 4 paired items, 2 pass on each side
    assert "| 5 (4) | 0.500 | 0.500 | +1 | -1 |" in row
    assert row.endswith("| `checks` |")  # the run's folder: runs with the same settings are told apart


def test_resource_limits_do_not_depend_on_the_process_that_runs_the_scorer(fixture_fs):
    """``ulimit -n`` once printed 4096 for a reference and 20000 for the same command as a candidate: the
    limits came from whichever process started the run. Every sandbox run now gets the same ones."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    outputs = []
    try:
        for limit in (min(hard, 2048), min(hard, 1536)):
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
            outputs.append(sandbox.run(fixture_fs, "ulimit -n; ulimit -Hn; echo $0").stdout)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert outputs[0] == outputs[1] == "1024\n1024\nbash\n"


def test_rescore_judges_kept_answers_again_without_a_model(tmp_path):
    from evaluation.runner import rescore
    from evaluation.scoring import SCORER

    rows = [{"id": "alfa-1-087", "request": "print the max number of open file descriptors", "commands": ["ulimit -n"],
             "valid": True, "invalid": False, "prompt_tokens": 1, "completion_tokens": 1, "cost_usd": None,
             "latency_s": 1.0, "harness": 2, "verdict": "fail", "reason": "different output"},
            {"id": "alfa-1-000", "request": "list files in the current directory", "commands": ["ls /nonexistent"],
             "valid": True, "invalid": False, "prompt_tokens": 1, "completion_tokens": 1, "cost_usd": None,
             "latency_s": 1.0, "harness": 2, "verdict": "pass", "reason": "matches a reference"}]
    (tmp_path / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "summary.json").write_text(json.dumps({
        "model": "qwen2.5-coder-1.5b", "suite": "nl2sh-alfa", "mode": "fast", "shots": "few", "harness": 2,
        "invalid_example": "first", "techniques": {"reply": "fenced", "examples": 0, "docs_tokens": 0,
                                                   "checks": False, "candidates": 1}, "accuracy": 0.5}))
    rescore([str(tmp_path)])
    verdicts = {json.loads(line)["id"]: json.loads(line)["verdict"]
                for line in (tmp_path / "results.jsonl").read_text().splitlines()}
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert verdicts == {"alfa-1-087": "pass", "alfa-1-000": "fail"}
    assert summary["scorer"] == SCORER and summary["harness"] == 2 and summary["accuracy"] == 0.5
    assert summary["techniques"]["reply"] == "fenced" and summary["invalid_example"] == "first"


def test_ensemble_chooses_among_runs_by_behaviour_and_bounds_it_by_the_oracle(tmp_path):
    """Item 000: the first run is wrong, the other two agree on a right answer, so the vote is right. Item 087:
    two runs agree on a wrong answer that works, one is right: the oracle counts it, the vote does not."""
    from evaluation.ensemble import ensemble
    from evaluation.scoring import score
    from evaluation.suites import nl2sh_alfa

    items = {i.id: i for i in nl2sh_alfa()}
    answers = {"alfa-1-000": ["ls /nonexistent", "ls", "ls -1"], "alfa-1-087": ["ls -a", "ls -a", "ulimit -n"]}
    folders = []
    for run in range(3):
        folder = tmp_path / f"run{run}"
        folder.mkdir()
        rows = [{"id": i, "request": items[i].request, "commands": [got[run]], "invalid": False,
                 "alternatives": ["ls"] if (run, i) == (0, "alfa-1-000") else [],
                 "verdict": score(items[i], got[run])[0]} for i, got in answers.items()]
        (folder / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        folders.append(str(folder))
    result = ensemble(folders)
    assert (result["items"], result["first"], result["voted"], result["oracle"]) == (2, 0.0, 0.5, 1.0)
    assert result["first_card"] == 0.5  # item 000's right answer was among the first run's other ways
    assert result["ceiling"] == 1.0
    # the last run's right answer for 087 becomes one of the other ways it offered: the oracle loses the item,
    # the ceiling (any answer or other way of any run) keeps it
    for folder in folders[2:]:
        rows = [json.loads(line) for line in (Path(folder) / "results.jsonl").read_text().splitlines()]
        for row in rows:
            if row["id"] == "alfa-1-087":
                row.update(commands=["ls -a"], verdict="fail", alternatives=["ulimit -n"])
        (Path(folder) / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = ensemble(folders)
    assert (result["oracle"], result["ceiling"]) == (0.5, 1.0)


def test_every_run_is_told_the_same_moment(monkeypatch):
    """Two runs of one model must ask the same prompts, whatever day and minute they start (harness 3)."""
    from devgpt_magic.context import Context
    from devgpt_magic.prompts import PromptBuilder
    from evaluation import runner

    real = Context.current
    told = []
    for clock in ("Friday 2031-01-03 23:59 UTC", "Tuesday 2026-12-01 08:15 CET"):
        monkeypatch.setattr(Context, "current",
                            classmethod(lambda cls, cwd=None, clock=clock: real(cwd).model_copy(update={"now": clock})))
        for context in (runner.sandbox_context(), runner.host_context()):
            told.append(PromptBuilder(context).command("list the files here", mode="fast").all_text())
    assert told[0] == told[2] and told[1] == told[3] and runner.MOMENT in told[0]


@pytest.mark.parametrize("command,program", [
    ("env | grep API", "env"), ("env", "env"), ("sudo -u bob ls", "sudo"), ("FOO=1 env BAR=2 python x.py", "python"),
    ("nohup ./serve.sh > log 2>&1 &", "./serve.sh"), ("time make -j4", "make"), ("sudo apt-get install jq", "apt-get"),
])
def test_the_first_program_of_a_developergpt_answer(command, program):
    """A wrapper (env, sudo, time...) runs the program after it; alone or before a pipe it is the program."""
    from evaluation.runner import first_program, program_known

    assert first_program(command) == program
    assert program_known("env | grep API")


def test_a_failed_candidate_keeps_its_error_message_for_run_feedback(fixture_fs, monkeypatch, tmp_path):
    """What the product's sandbox would show the model reaches it in the evaluation too, and a run kept
    before messages were recorded gets the message without its verdict changing."""
    from evaluation import scoring

    monkeypatch.setenv("DEVGPT_EVAL_CACHE", str(tmp_path))
    monkeypatch.setattr(scoring, "fixture", lambda fs: fixture_fs)
    monkeypatch.setattr(scoring, "fixture_env", lambda fs: {})
    monkeypatch.setattr(scoring, "_BASELINES", {})
    got = scoring.candidate_behaviour(1, "cat /data/missing.txt", False, with_stderr=True)
    assert got.reason == "exit 1" and "/data/missing.txt: No such file or directory" in got.stderr
    assert scoring.candidate_behaviour(1, "grep -c zzz /data/a.txt", False).stderr == ""
    [kept] = [p for p in tmp_path.rglob("*.json") if "missing.txt" in p.read_text()]
    old = json.loads(kept.read_text())
    old.pop("stderr")
    old["stdout"] = ["as judged before"]
    kept.write_text(json.dumps(old))
    assert scoring.candidate_behaviour(1, "cat /data/missing.txt", False).stderr == ""  # scoring needs none
    again = scoring.candidate_behaviour(1, "cat /data/missing.txt", False, with_stderr=True)
    assert again.stdout == ["as judged before"] and "No such file or directory" in again.stderr
    assert "No such file" in scoring.candidate_behaviour(1, "cat /data/missing.txt", False).stderr  # kept


def test_audit_sheet_is_blind_and_holds_failures_and_both_controls(tmp_path):
    """A failure that printed something becomes one case per reference; a passing answer none; the sheet says
    nothing of which case is a control, and the key says it for every case."""
    from evaluation.audit import sheet
    from evaluation.scoring import score
    from evaluation.suites import nl2sh_alfa

    suite = [i for i in nl2sh_alfa() if i.fixture == 1][:30]
    answers = {"alfa-1-000": "ls -a", "alfa-1-001": "ls -a"}  # the first is wrong (hidden files too), the second right
    run = tmp_path / "run"
    run.mkdir()
    rows = [{"id": i.id, "request": i.request, "commands": [answers[i.id]], "verdict": score(i, answers[i.id])[0]}
            for i in suite if i.id in answers]
    assert [r["verdict"] for r in rows] == ["fail", "pass"]
    (run / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    kinds = sheet(run, tmp_path / "audit", suite=suite)
    key = json.loads((tmp_path / "audit" / "key.json").read_text())["cases"]
    cases = [json.loads(line) for line in (tmp_path / "audit" / "sheet.jsonl").read_text().splitlines()]
    assert sorted(str(c["case"]) for c in cases) == sorted(key)
    assert all(set(c) == {"case", "request", "expected", "answer"} for c in cases)
    failures = [c for c in cases if key[str(c["case"])] == "failure:alfa-1-000"]
    assert failures and all(c["answer"]["command"] == "ls -a" for c in failures)
    assert {c["expected"]["command"] for c in failures} <= set(suite[0].references)
    assert not any(v == "failure:alfa-1-001" for v in key.values())
    assert kinds["same-item"] >= 1 and kinds["mismatched"] == kinds["same-item"]


def test_audit_tally_counts_a_judged_failure_once_and_refuses_missing_verdicts(tmp_path):
    from evaluation.audit import tally

    run = tmp_path / "run"
    run.mkdir()
    (run / "summary.json").write_text(json.dumps({"accuracy": 0.5, "verifiable": 4}))
    kinds = ["failure:a", "failure:a", "failure:b", "same-item:x", "same-item:y", "mismatched:z"]
    judged = [True, True, False, True, False, False]
    (tmp_path / "key.json").write_text(json.dumps({"run": str(run), "cases": {str(n): k for n, k in enumerate(kinds)}}))
    (tmp_path / "verdicts.jsonl").write_text("".join(json.dumps({"case": n, "equivalent": v, "why": "."}) + "\n"
                                                     for n, v in enumerate(judged[:-1])))
    with pytest.raises(SystemExit, match="1 cases have no verdict"):
        tally(tmp_path)
    with (tmp_path / "verdicts.jsonl").open("a") as verdicts:
        verdicts.write(json.dumps({"case": 5, "equivalent": False, "why": "."}) + "\n")
    result = tally(tmp_path)
    assert (result["failures_judged"], result["failures_accepted"], result["judged_accuracy"]) == (2, 1, 0.75)
    assert (result["judge_accepts_same_item"], result["judge_accepts_mismatched"]) == (0.5, 0.0)
    assert json.loads((tmp_path / "tally.json").read_text()) == result
