"""``python -m evaluation report DIR...``: a Markdown table and PNG charts from run summaries."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any


def _summaries(dirs: list[str]) -> list[dict[str, Any]]:
    found = []
    for d in dirs:
        for path in sorted(Path(d).rglob("summary.json")):
            data = json.loads(path.read_text())
            data["dir"] = str(path.parent)
            found.append(data)
    return found


def _fmt(value: Any, pattern: str) -> str:
    return "-" if value is None else pattern.format(value)


def _shots(summary: dict[str, Any]) -> str:
    """Few-shot runs name where the invalid-request example sat (runs made before the field: first)."""
    if summary["shots"] != "few":
        return summary["shots"]
    return f"few (invalid {summary.get('invalid_example', 'first')})"


def markdown(summaries: list[dict[str, Any]]) -> str:
    head = ("| model | suite | mode | shots | techniques | harness | items | verifiable | accuracy | valid | median s | "
            "tokens in/out | cost $ | run |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    rows = [f"| {s['model']} | {s['suite']} | {s['mode']} | {_shots(s)} | {_changed(s)} | {s.get('harness', 1)} | "
            f"{s['items']} | {s['verifiable']} | "
            f"{_fmt(s['accuracy'], '{:.2f}')} | {_fmt(s['valid_rate'], '{:.2f}')} | "
            f"{_fmt(s['latency_median_s'], '{:.1f}')} | {_fmt(s['prompt_tokens_mean'], '{:.0f}')}/"
            f"{_fmt(s['completion_tokens_mean'], '{:.0f}')} | {_fmt(s['cost_usd_total'], '{:.4f}')} | {_run(s)} |"
            for s in summaries]
    checks = [f"- scorer self-check ({s['dir']}): accepts {c['accepted_same_item']:.0%} of {c['pairs']} same-item "
              f"reference pairs, wrongly accepts {c['accepted_mismatched']:.1%} of {c['mismatched_pairs']} "
              f"mismatched pairs" for s in summaries if (c := s.get("scorer_self_check"))]
    return "\n".join([head, *rows, "", *checks]).strip() + "\n"


def charts(summaries: list[dict[str, Any]], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    for suite in sorted({s["suite"] for s in summaries}):
        rows = [s for s in summaries if s["suite"] == suite and s["accuracy"] is not None]
        if not rows:
            continue
        models = sorted({s["model"] for s in rows})

        def variant_of(s: dict[str, Any]) -> str:  # runs on a subset say so: their figures are not comparable
            return f"{s['mode']}/{_shots(s)}, {s['items']} items"

        variants = sorted({variant_of(s) for s in rows})
        fig, ax = plt.subplots(figsize=(max(5.0, 2.2 * len(models)), 3.6))
        width = 0.8 / len(variants)
        for v, variant in enumerate(variants):
            xs, values = [], []
            for i, m in enumerate(models):
                match = next((s["accuracy"] for s in rows if s["model"] == m and variant_of(s) == variant), None)
                if match is not None:  # a missing run is no bar, not a zero
                    xs.append(i + v * width)
                    values.append(match)
            bars = ax.bar(xs, values, width, label=variant)
            ax.bar_label(bars, fmt="%.2f", fontsize=7)
        ax.set_xticks([i + width * (len(variants) - 1) / 2 for i in range(len(models))], models, fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_ylabel("accuracy")
        ax.set_title(f"{suite}: accuracy per model and mode")
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = out / f"accuracy-{suite}.png"
        fig.savefig(path, dpi=120)
        plt.close(fig)
        written.append(path)
    return written


def _run(summary: dict[str, Any]) -> str:
    """The run's folder: two runs with the same settings (another draw of samples, an earlier form of a
    technique, told in the folder's name or its NOTE.md) are told apart by it."""
    return f"`{Path(summary['dir']).name}`"


def _rows(folder: str) -> dict[str, dict[str, Any]]:
    rows = {}
    for line in (Path(folder) / "results.jsonl").read_text().splitlines():
        row = json.loads(line)
        rows[row["id"]] = row
    return rows


def _changed(row: dict[str, Any]) -> str:
    """The techniques that differ from the defaults, e.g. "examples 3, checks"."""
    from devgpt_magic.schema import Techniques

    default = Techniques().model_dump()
    used = {**default, **(row.get("techniques") or {})}
    parts = []
    for name, value in used.items():
        if value != default[name]:
            parts.append(name if value is True else f"{name} {value}")
    return ", ".join(parts) or "none (baseline)"


def ablation(summaries: list[dict[str, Any]]) -> str:
    """Each technique run against the baseline run of the same model on exactly the same items: accuracy of
    both, items gained and lost, and median seconds, so a change is read as a paired difference."""
    def key(s: dict[str, Any]) -> tuple:
        return s["model"], s["suite"], s["mode"], s["shots"], s.get("harness", 1)

    plain = [s for s in summaries if _changed(s) == "none (baseline)" and s.get("harness", 1) >= 2]
    # a run named a baseline is the baseline; another run without techniques (made after a grammar change, say)
    # is compared with it like a technique
    baselines = {key(s): s for s in sorted(plain, key=lambda s: "baseline" in Path(s["dir"]).name)}
    lines = ["| model | techniques | items (verifiable) | accuracy | baseline, same items | gained | lost | "
             "median s | baseline median s | run |", "|---|---|---|---|---|---|---|---|---|---|"]
    for s in summaries:
        base = baselines.get(key(s))
        if base is None or base is s:
            continue
        mine, theirs = _rows(s["dir"]), _rows(base["dir"])
        ids = [i for i, row in mine.items() if i in theirs and row.get("verdict") in ("pass", "fail")
               and theirs[i].get("verdict") in ("pass", "fail")]
        if not ids:
            continue
        won = sum(mine[i]["verdict"] == "pass" for i in ids)
        had = sum(theirs[i]["verdict"] == "pass" for i in ids)
        gained = sum(mine[i]["verdict"] == "pass" and theirs[i]["verdict"] != "pass" for i in ids)
        lost = sum(mine[i]["verdict"] != "pass" and theirs[i]["verdict"] == "pass" for i in ids)
        median = statistics.median(mine[i]["latency_s"] for i in mine)
        base_median = statistics.median(theirs[i]["latency_s"] for i in mine if i in theirs)
        lines.append(f"| {s['model']} | {_changed(s)} | {len(mine)} ({len(ids)}) | {won / len(ids):.3f} | "
                     f"{had / len(ids):.3f} | +{gained} | -{lost} | {median:.1f} | {base_median:.1f} | {_run(s)} |")
    return "\n".join(lines) + "\n" if len(lines) > 2 else ""


def report(dirs: list[str], out: str | None = None) -> str:
    summaries = _summaries(dirs)
    if not summaries:
        raise SystemExit("no summary.json under " + ", ".join(dirs))
    target = Path(out or dirs[0])
    target.mkdir(parents=True, exist_ok=True)
    text = markdown(summaries)
    if table := ablation(summaries):
        text += "\nTechniques against the baseline on the same items (paired):\n\n" + table
    (target / "report.md").write_text(text)
    for path in charts(summaries, target):
        text += f"\n![{path.stem}]({path.name})\n"
    print(text)
    return text
