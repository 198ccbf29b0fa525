"""Shared by the benchmarks: one core, a steady clock, and a section of docs/performance.md."""

from __future__ import annotations

import os
import platform
import re
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
HEADER = """# Performance

Measured by the benchmarks under `bench/` (`make bench`), never by timed tests. Each section is
rewritten by the benchmark that owns it; the text around the sections is kept.
"""


def pin_to_one_core() -> str:
    """Run on one CPU core with single-threaded maths libraries, as the goals are stated."""
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"core {core}"
    return "all cores (affinity not supported here)"


def timed(action: Callable[[], object], *, repeats: int, synchronize: Callable[[], None] = lambda: None) -> float:
    """Median wall time of ``repeats`` runs after one warm-up, in seconds."""
    action()
    synchronize()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        synchronize()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}; Python {platform.python_version()}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"


def write_section(name: str, body: str) -> None:
    """Replace the ``name`` section of docs/performance.md (created if missing)."""
    DOC.parent.mkdir(exist_ok=True)
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else HEADER
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote the {name} section of {DOC}")


def duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"
