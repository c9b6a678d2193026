"""Preview: what a command would do to your files, found by running it in a sandbox first.

A risk badge read from a command's text cannot say how many files ``find . -name '*.tmp' -delete`` or
``sed -i ...`` will touch in *this* folder. :func:`preview` runs the exact command (the user's shell, the
working folder) over copy-on-write views (:mod:`devgpt_magic.sandbox`): the working folder, and the home
folder when the command names a path in it, with the rest of the system read-only, no network, and limits
on time, output and disk. The real files are never written. The :class:`PreviewResult` lists the files
that would be created, modified and deleted, the first lines of output, the exit code and the time, and
says plainly when the preview is *incomplete* and why (network access, writes outside the previewed
folders, processes left running, a time-out): a preview that could not see everything must not look
reassuring.

:func:`effect_risk` folds what the preview saw into the text-based risk: a command that deletes or rewrites
more than ``DEVGPT_PREVIEW_DANGER_FILES`` files (default 10) is dangerous whatever its text looked like, so
it needs the second, explicit confirmation. :mod:`devgpt_magic.undo` uses the same result to back up what
the command will change before it runs for real.

For the notebook cards and the side panel: ``preview(command, cwd=...)`` (never raises for a missing
sandbox: ``result.available`` / ``result.unavailable_reason``), ``result._repr_mimebundle_()`` or
``result.html()``, ``result.to_json()`` for the REST API, and ``effect_risk(step.risk, result)``.
"""

from __future__ import annotations

import html
import os
import re
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr

from .errors import RequestError
from .render import visible
from .sandbox import FileChange, SandboxUnavailable, availability, run_in_view
from .safety.model import LEVELS
from .schema import RiskLevel
from .settings import number_setting

#: entries of one kind listed before the rest collapse ("… and 1,180 more")
LIST_LIMIT = 500
#: entries shown before an HTML list is folded into a <details> element
FOLD_AFTER = 10
#: lines of output shown
OUTPUT_LINES = 20
#: characters of output kept in a result (what is shown comes from these)
OUTPUT_KEEP = 64 * 1024


def timeout_s() -> float:
    """``DEVGPT_PREVIEW_TIMEOUT``: seconds a preview may run (default 10)."""
    return max(0.5, number_setting("DEVGPT_PREVIEW_TIMEOUT", 10.0, "seconds, e.g. 10"))


def disk_limit_bytes() -> int:
    """``DEVGPT_PREVIEW_MAX_MB``: most a previewed command may write before it is stopped (default 1024)."""
    return int(max(1.0, number_setting("DEVGPT_PREVIEW_MAX_MB", 1024.0, "a size in MB, e.g. 1024")) * 2**20)


def danger_files() -> int:
    """``DEVGPT_PREVIEW_DANGER_FILES``: a preview deleting or rewriting more files than this makes the command
    dangerous (default 10)."""
    return max(0, int(number_setting("DEVGPT_PREVIEW_DANGER_FILES", 10, "a count of files, e.g. 10")))


class PreviewResult(BaseModel):
    """What a sandboxed run of a command showed. JSON-ready (``to_json()``), and displays itself in
    notebooks (HTML, with every command- or file-derived string escaped) and terminals (text)."""

    command: str
    cwd: str
    #: False when no sandbox could run here; ``unavailable_reason`` says why and what to do, in one line
    available: bool = True
    unavailable_reason: str = ""
    #: the previewed folders (real paths): the working folder, and home when the command names it
    folders: list[str] = Field(default_factory=list)
    #: "overlay" (copy-on-write mount) or "copy"
    method: str = ""
    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    elapsed_s: float = 0.0
    changes: list[FileChange] = Field(default_factory=list)
    #: why the preview may not show everything the real run would do; empty when complete
    incomplete_reasons: list[str] = Field(default_factory=list)
    #: paths written outside the previewed folders (a real run would leave them; undo does not cover them)
    outside_writes: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    _shown_in: int | None = PrivateAttr(default=None)

    # --- counts and words ------------------------------------------------------------------------------
    @property
    def incomplete(self) -> bool:
        return bool(self.incomplete_reasons)

    def of_kind(self, kind: str) -> list[FileChange]:
        return [c for c in self.changes if c.kind == kind]

    @property
    def created(self) -> list[FileChange]:
        return self.of_kind("created")

    @property
    def modified(self) -> list[FileChange]:
        return self.of_kind("modified")

    @property
    def deleted(self) -> list[FileChange]:
        return self.of_kind("deleted")

    @property
    def rewritten(self) -> list[FileChange]:
        """Modified entries whose content (or kind) changed, not just their mode or times."""
        return [c for c in self.modified if _is_rewrite(c.detail)]

    def deleted_files(self) -> int:
        return sum(1 for c in self.deleted if c.type != "dir")

    def effects(self) -> str:
        """The effects in a few words: "deletes 1,203 files; rewrites 4 files", "changes nothing"."""
        if not self.available:
            return "not previewed"
        parts = []
        deleted_files = self.deleted_files()
        deleted_dirs = len(self.deleted) - deleted_files
        if deleted_files or deleted_dirs:
            parts.append("deletes " + _and(_count(deleted_files, "file"), _count(deleted_dirs, "folder")))
        if self.rewritten:
            parts.append("rewrites " + _count(len(self.rewritten), "file"))
        others = [c for c in self.modified if not _is_rewrite(c.detail)]
        if others:
            noun = "file" if all(c.type != "dir" for c in others) else "entry"
            if all(c.detail.startswith("mode") for c in others):
                parts.append(f"changes the mode of {_count(len(others), noun)}")
            elif all(c.detail == "timestamps" for c in others):
                parts.append(f"touches {_count(len(others), noun)}")
            else:
                parts.append(f"changes {_count(len(others), noun)}")
        created_files = sum(1 for c in self.created if c.type != "dir")
        created_dirs = len(self.created) - created_files
        if created_files or created_dirs:
            parts.append("creates " + _and(_count(created_files, "file"), _count(created_dirs, "folder")))
        return "; ".join(parts) if parts else "changes nothing"

    def headline(self) -> str:
        """One line: effects, exit code, time, and "incomplete" when it is."""
        if not self.available:
            return f"Preview not available: {self.unavailable_reason}"
        code = "timed out" if self.exit_code is None else f"exit {self.exit_code}"
        state = " · INCOMPLETE" if self.incomplete else ""
        return f"Preview: {self.effects()} · {code} · {self.elapsed_s:.2f} s{state}"

    def to_json(self) -> dict[str, Any]:
        """Everything, JSON-ready, plus the counts and the headline (for the side panel's REST API)."""
        data = self.model_dump(mode="json")
        data.update(incomplete=self.incomplete, effects=self.effects(), headline=self.headline(),
                    counts={"created": len(self.created), "modified": len(self.modified),
                            "deleted": len(self.deleted)})
        return data

    def shown_path(self, path: str) -> str:
        """A path as the user thinks of it: relative to the working folder, or under ~."""
        if path == self.cwd:
            return "."
        if path.startswith(self.cwd.rstrip("/") + "/"):
            return os.path.relpath(path, self.cwd)
        home = os.path.expanduser("~")
        if home != "/" and path.startswith(home.rstrip("/") + "/"):
            return "~/" + os.path.relpath(path, home)
        return path

    # --- views ---------------------------------------------------------------------------------------
    def text(self, *, limit: int = 20, diffs: bool = True) -> str:
        """Plain text for terminals: every path and output line made visible (no escape sequences)."""
        v = visible
        lines = [f"Preview of `{v(self.command)}` in {v(self.cwd)}"]
        if not self.available:
            lines.append(f"  Not available: {v(self.unavailable_reason)}")
            return "\n".join(lines)
        lines.append("  " + v(self.headline()))
        for reason in self.incomplete_reasons:
            lines.append(f"  incomplete: {v(reason)}")
        for kind in ("deleted", "modified", "created"):
            entries = self.of_kind(kind)
            if not entries:
                continue
            lines.append(f"  {_count(len(entries), 'path')} {kind}:")
            for change in entries[:limit]:
                lines.append(f"    {v(self._describe(change))}")
                if diffs and change.diff and len(entries) <= limit:
                    lines += ["      " + v(d) for d in change.diff.splitlines()[:40]]
            if len(entries) > limit:
                lines.append(f"    ... and {len(entries) - limit:,} more")
        for name, stream in (("output", self.stdout), ("errors", self.stderr)):
            shown, more = _first_lines(stream)
            if shown:
                lines.append(f"  {name}{' (first lines)' if more else ''}:")
                lines += ["    " + v(line) for line in shown]
        for note in self.notes:
            lines.append(f"  note: {v(note)}")
        return "\n".join(lines)

    def html(self) -> str:
        """HTML for notebooks: counts first, long lists folded (<details>), small text diffs; everything
        that came from the command or the files is escaped."""
        def e(text: str) -> str:
            return html.escape(visible(text))

        box = ("<div class='devgpt-preview' style='border:1px solid var(--jp-border-color1,#ccc);border-radius:4px;"
               "padding:6px;margin:4px 0'>")
        head = f"<div><b>Preview</b> of <code>{e(self.command)}</code> in <code>{e(self.cwd)}</code></div>"
        if not self.available:
            return f"{box}{head}<div style='color:#b26a00'>Not available: {e(self.unavailable_reason)}</div></div>"
        color = "#c62828" if self.deleted or self.rewritten else "#2e7d32" if not self.changes else "#b26a00"
        code = "timed out" if self.exit_code is None else f"exit {self.exit_code}"
        parts = [box, head, f"<div><b style='color:{color}'>{e(self.effects())}</b> · {e(code)} · "
                            f"{self.elapsed_s:.2f} s</div>"]
        if self.incomplete:
            items = "".join(f"<li>{e(r)}</li>" for r in self.incomplete_reasons)
            parts.append(f"<div style='color:#b26a00'><b>Incomplete:</b> the real run may do more than shown."
                         f"<ul style='margin:2px 0'>{items}</ul></div>")
        for kind in ("deleted", "modified", "created"):
            entries = self.of_kind(kind)
            if not entries:
                continue
            rows = []
            for change in entries[:LIST_LIMIT]:
                diff = ""
                if change.diff:
                    diff = (f"<details><summary>diff</summary><pre style='margin:0'>{e(change.diff)}</pre>"
                            "</details>")
                rows.append(f"<li><code>{e(self.shown_path(change.path))}</code>{e(self._extra(change))}{diff}</li>")
            if len(entries) > LIST_LIMIT:
                rows.append(f"<li>… and {len(entries) - LIST_LIMIT:,} more</li>")
            title = e(f"{_count(len(entries), 'path')} {kind}")
            listing = f"<ul style='margin:2px 0'>{''.join(rows)}</ul>"
            if len(entries) > FOLD_AFTER:
                parts.append(f"<details><summary>{title}</summary>{listing}</details>")
            else:
                parts.append(f"<div>{title}:</div>{listing}")
        for name, stream in (("Output", self.stdout), ("Errors", self.stderr)):
            shown, more = _first_lines(stream)
            if shown:
                parts.append(f"<div>{name}{' (first lines)' if more else ''}:</div>"
                             f"<pre style='margin:0;max-height:20em;overflow:auto'>{e(chr(10).join(shown))}</pre>")
        for note in self.notes:
            parts.append(f"<div style='opacity:0.7'>note: {e(note)}</div>")
        parts.append("</div>")
        return "".join(parts)

    def _extra(self, change: FileChange) -> str:
        bits = []
        if change.type == "dir":
            bits.append("folder")
        elif change.type == "link":
            bits.append("symbolic link")
        if change.kind == "modified" and change.size_before is not None and change.size_after is not None \
                and change.size_before != change.size_after:
            bits.append(f"{_size(change.size_before)} -> {_size(change.size_after)}")
        else:
            size = change.size_after if change.kind == "created" else change.size_before
            if size is not None:
                bits.append(_size(size))
        if change.detail:
            bits.append(change.detail if not change.detail.startswith("moved from ")
                        else "moved from " + self.shown_path(change.detail[len("moved from "):]))
        return f" ({', '.join(bits)})" if bits else ""

    def _describe(self, change: FileChange) -> str:
        return self.shown_path(change.path) + self._extra(change)

    def __str__(self) -> str:
        return self.text()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"text/plain": self.text(), "text/html": self.html()}

    def _ipython_display_(self) -> None:
        """Shown once per cell: ``%devgpt preview`` displays it and also returns it."""
        from IPython.display import display

        try:
            from IPython import get_ipython

            count = getattr(get_ipython(), "execution_count", None)
        except ImportError:  # pragma: no cover - IPython is a dependency
            count = None
        if count is not None and self._shown_in == count:
            return
        self._shown_in = count
        display(self._repr_mimebundle_(), raw=True)


def preview(command: str, cwd: str | os.PathLike[str] | None = None, *, timeout: float | None = None,
            home: str | None = None) -> PreviewResult:
    """Run ``command`` in the sandbox over the working folder (and home, when the command names a path in
    it) and report what it would change. Never touches the real files; never raises because the sandbox is
    missing (the result says so). Raises :class:`RequestError` for an empty command and ConfigError for a
    bad setting."""
    if not command or not command.strip():
        raise RequestError("Nothing to preview: give a command, e.g. devgpt preview 'ls -la'.")
    cwd = os.path.realpath(cwd or os.getcwd())
    home = os.path.realpath(home or os.path.expanduser("~"))
    limit, disk = timeout if timeout is not None else timeout_s(), disk_limit_bytes()
    avail = availability()
    if not avail.ok:
        return PreviewResult(command=command, cwd=cwd, available=False, unavailable_reason=avail.reason)
    folders = preview_folders(command, cwd, home)
    try:
        run = run_in_view(command, cwd, folders=folders, timeout=limit, disk_limit=disk)
    except SandboxUnavailable as exc:
        return PreviewResult(command=command, cwd=cwd, available=False, unavailable_reason=str(exc))
    result = PreviewResult(command=command, cwd=cwd, folders=run.folders, method=run.method,
                           exit_code=run.exit_code, stdout=run.stdout[:OUTPUT_KEEP], stderr=run.stderr[:OUTPUT_KEEP],
                           elapsed_s=run.elapsed_s, changes=run.changes, outside_writes=run.outside_writes,
                           notes=run.notes)
    result.incomplete_reasons = _incomplete_reasons(run, result, limit, disk)
    return result


def preview_folders(command: str, cwd: str, home: str) -> list[str]:
    """The working folder, plus the home folder when the command names a path in it (``~``, ``$HOME``,
    ``${HOME}`` or the home path itself)."""
    folders = [cwd]
    if home and home != "/" and _names_home(command, home):
        folders.append(home)
    return folders


def _names_home(command: str, home: str) -> bool:
    if re.search(r"(^|[\s=:'\"(<>|;&])~([/\s'\";|&)<>]|$)", command):
        return True
    if re.search(r"\$(HOME\b|\{HOME\})", command):
        return True
    return re.search(re.escape(home.rstrip("/")) + r"(/|$|[\s'\";|&)])", command) is not None


_DENIED = re.compile(r"Permission denied|Operation not permitted")
_SUDO = re.compile(r"sudo: .*(no new privileges|effective uid is not 0|must be owned by uid 0|setuid)", re.I)


def _incomplete_reasons(run: Any, result: PreviewResult, timeout: float, disk: int) -> list[str]:
    reasons = []
    if run.timed_out:
        reasons.append(f"it was stopped after {timeout:g} s (the time limit, DEVGPT_PREVIEW_TIMEOUT): the real run "
                       "may go on to do more")
    if run.disk_overflow:
        reasons.append(f"it wrote more than {disk >> 20} MB and was stopped (DEVGPT_PREVIEW_MAX_MB)")
    if run.output_overflow:
        reasons.append("it printed more than 1 MB and was stopped")
    if run.network:
        reasons.append("it tried to reach the network, which a preview blocks: what it would download, send or "
                       "change elsewhere is not shown")
    if run.outside_writes:
        shown = ", ".join(result.shown_path(p) for p in run.outside_writes[:5])
        more = f" and {len(run.outside_writes) - 5} more" if len(run.outside_writes) > 5 else ""
        reasons.append(f"it wrote outside the previewed folders ({shown}{more}): a real run would leave these, "
                       "and undo does not cover them")
    if run.readonly_writes:
        shown = ", ".join(run.readonly_writes[:5])
        reasons.append(f"it tried to write outside the previewed folders, which a preview keeps read-only ({shown})")
    if run.stray_processes:
        names = ", ".join(dict.fromkeys(run.stray_processes))
        reasons.append(f"it left processes running ({names}); the preview stopped them, a real run would not")
    if _SUDO.search(run.stderr):
        reasons.append("it needs sudo, which cannot run in a preview")
    if os.geteuid() == 0 and _DENIED.search(run.stderr):
        reasons.append("it was refused access to a file (\"Permission denied\"): as root, the real run may change "
                       "files of other users that the preview's root could not, so it may do more than shown")
    return reasons


def effect_risk(text_risk: RiskLevel | None, result: PreviewResult, *, threshold: int | None = None) -> RiskLevel:
    """The text-based risk with what the preview saw folded in. Never lower than the text's level (a preview
    of one folder cannot prove a command harmless); dangerous when the preview deletes or rewrites more than
    ``threshold`` files (``DEVGPT_PREVIEW_DANGER_FILES``); at least caution when it deletes or rewrites any,
    or when the preview was incomplete."""
    base = text_risk or RiskLevel()
    if not result.available:
        return base
    limit = danger_files() if threshold is None else threshold
    level = base.level
    touched = result.deleted_files() + len(result.rewritten)
    effect = f"its preview {result.effects()}"
    raised = []
    if touched > limit:
        raised.append(f"{effect} (more than {limit})")
        level = "dangerous"
    elif touched:
        raised.append(effect)
        level = _max(level, "caution")
    if result.incomplete:
        raised.append("its preview was incomplete: " + result.incomplete_reasons[0])
        level = _max(level, "caution")
    if raised and LEVELS[level] > LEVELS[base.level]:
        reasons = raised + base.reasons
    else:
        reasons = base.reasons + (raised or [effect])
    return RiskLevel(level=level, reasons=reasons)


def _is_rewrite(detail: str) -> bool:
    """Content changed, or the entry changed kind ("file -> folder"); not a mode or time change alone."""
    first = detail.split(", ")[0]
    return "content" in detail or ("->" in first and not first.startswith("mode"))


def _max(a: str, b: str) -> str:
    return a if LEVELS[a] >= LEVELS[b] else b


def _first_lines(text: str) -> tuple[list[str], bool]:
    lines = text.splitlines()
    return lines[:OUTPUT_LINES], len(lines) > OUTPUT_LINES


def _count(n: int, noun: str) -> str:
    if n == 0:
        return ""
    plural = {"entry": "entries", "folder": "folders", "file": "files"}.get(noun, noun + "s")
    return f"{n:,} {noun if n == 1 else plural}"


def _and(*parts: str) -> str:
    return " and ".join(p for p in parts if p)


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    for unit in ("KB", "MB", "GB"):
        n /= 1024
        if n < 1024:
            return f"{n:.1f} {unit}"
    return f"{n:.1f} TB"
