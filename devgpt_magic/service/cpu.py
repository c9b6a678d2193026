"""Which CPU features llama.cpp will use here, and whether weight repacking is safe to leave on.

llama.cpp repacks weights into "extra buffer types" at load time. On CPUs with AMX (Intel Sapphire Rapids
and later) a native build puts them in an AMX buffer, and ``llama_decode`` then segfaults on any prompt of
more than one token (upstream llama.cpp #20824, no fix). Loading with ``use_extra_bufts = False`` avoids it
(measured on such a Xeon: 126 tok/s prompt, 12.0 tok/s generation with Qwen2.5-Coder-1.5B). Elsewhere
repacking is a speed-up, so it stays on. ``DEVGPT_LLAMA_REPACK=on|off`` forces either way.

Detection reads two sources, because either alone can mislead: the build's own report
(``llama_print_system_info()``: ``AMX_INT8 = 1`` means AMX code was compiled in) and the kernel's CPU flags
(``amx_int8``/``amx_tile`` in /proc/cpuinfo: the hardware has it).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import ConfigError

RepackSetting = Literal["auto", "on", "off"]
_FEATURE = re.compile(r"([A-Z0-9_]+)\s*=\s*(\d+)")


def parse_system_info(text: str) -> dict[str, bool]:
    """``"CPU : SSE3 = 1 | AVX2 = 1 | AMX_INT8 = 1 |"`` -> ``{"SSE3": True, "AVX2": True, "AMX_INT8": True}``."""
    return {name: value != "0" for name, value in _FEATURE.findall(text)}


def cpu_flags(cpuinfo: str | None = None) -> set[str]:
    """The flags line of /proc/cpuinfo (empty where there is none, e.g. macOS)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError:
            return set()
    for line in cpuinfo.splitlines():
        if line.startswith(("flags", "Features")):
            return set(line.partition(":")[2].split())
    return set()


@dataclass(frozen=True)
class CpuReport:
    """What the build reports and what the hardware has; ``amx`` decides the safe load."""

    build: dict[str, bool]
    flags: frozenset[str]

    @property
    def amx(self) -> bool:
        return bool(self.build.get("AMX_INT8")) or bool({"amx_int8", "amx_tile"} & self.flags)

    @property
    def summary(self) -> str:
        wanted = ("AVX2", "AVX512", "AVX512_VNNI", "AVX_VNNI", "AMX_INT8", "NEON", "REPACK")
        on = [name for name in wanted if self.build.get(name)]
        hw = sorted(f for f in self.flags if f.startswith(("amx", "avx512")))
        extra = f"; CPU flags {', '.join(hw)}" if hw else ""
        return f"llama.cpp build: {', '.join(on) or 'no SIMD features reported'}{extra}"


def report(system_info: str | None = None, cpuinfo: str | None = None) -> CpuReport:
    """The report for this machine (``system_info`` and ``cpuinfo`` are for tests with recorded strings)."""
    if system_info is None:
        import llama_cpp

        raw = llama_cpp.llama_print_system_info()
        system_info = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return CpuReport(build=parse_system_info(system_info), flags=frozenset(cpu_flags(cpuinfo)))


def repack_setting() -> RepackSetting:
    value = os.environ.get("DEVGPT_LLAMA_REPACK", "auto").strip().lower() or "auto"
    if value not in ("auto", "on", "off"):
        raise ConfigError(f"DEVGPT_LLAMA_REPACK is {value!r}; use auto, on or off.")
    return value  # type: ignore[return-value]


def use_repack(cpu: CpuReport, setting: RepackSetting | None = None) -> bool:
    """Whether to load with llama.cpp's extra buffer types (weight repacking)."""
    setting = setting or repack_setting()
    if setting != "auto":
        return setting == "on"
    return not cpu.amx
