"""Forward pass + backprop of the worked example for B = 1 ... 1e6, batched against a loop.

    python -m bench.engine [--sizes 1,1000,...] [--loop-limit 100000]

Times ``solve_batch`` (every value of the training step, as the (steps, B) matrix) on batches
already stacked on the device (what grading reuses), and a Python loop calling it on single
exercises, in the same run; and ``solve`` on one parsed exercise, a dict of every step out.
Loops longer than --loop-limit are not run: their time is the measured per-exercise loop cost
times B, marked as estimated.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from .report import duration, machine, pin_to_one_core, timed, write_section

CORE = pin_to_one_core()
ROOT = Path(__file__).resolve().parent.parent

import numpy  # noqa: E402 - after the thread settings above

from service.engine import (  # noqa: E402
    builtin_spec,
    parse_exercise,
    select_backend,
    solve,
    solve_batch,
    stack_networks,
)


def measure(backend, sizes: list[int], loop_limit: int) -> list[tuple]:
    xp = backend.xp
    synchronize = (lambda: xp.cuda.Device().synchronize()) if backend.name == "cupy" else (lambda: None)
    network = parse_exercise(builtin_spec("worked-example")).network
    single = stack_networks([network], xp=xp)
    rows, per_exercise_loop = [], None
    for size in sizes:
        batch = stack_networks([network] * size, xp=xp) if size > 1 else single
        repeats = max(3, min(2000, 2_000_000 // max(size, 1)))
        batched = timed(lambda b=batch: solve_batch(b, xp=xp), repeats=repeats, synchronize=synchronize)
        if loop_limit <= 0:
            looped, estimated = None, False
        elif size <= loop_limit:

            def loop(count=size):
                for _ in range(count):
                    solve_batch(single, xp=xp)

            looped = timed(loop, repeats=1 if size >= 10_000 else 3, synchronize=synchronize)
            per_exercise_loop = looped / size
            estimated = False
        else:
            looped, estimated = per_exercise_loop * size, True
        rows.append((backend.name, size, batched, looped, estimated))
        note = "" if looped is None else f"  loop {duration(looped):>10}{' (est.)' if estimated else ''}"
        print(f"{backend.name:5} B={size:>9,}  batched {duration(batched):>10}{note}", file=sys.stderr)
        del batch
    return rows


def handwritten_yardstick(size: int) -> float:
    """The worked example's step written out by hand with einsum, for scale only (never used).

    The issue quotes such a version at 14-22 ms for B = 100,000 on its machines; timing it here,
    in the same run, tells how this machine compares.
    """
    x = numpy.tile(numpy.array([[0.8], [0.5]]), (1, size))
    w1, w2, w3 = numpy.full((4, 3, size), 0.5), numpy.full((4, 4, size), 0.5), numpy.full((1, 4, size), 0.5)
    target, rate = numpy.full((1, size), 0.95), numpy.full(size, 0.001)

    def step() -> None:
        y0 = numpy.concatenate((numpy.ones((1, size)), x))
        a1 = 1 / (1 + numpy.exp(-numpy.einsum("jib,ib->jb", w1, y0)))
        a2 = 1 / (1 + numpy.exp(-numpy.einsum("jib,ib->jb", w2, a1)))
        a3 = 1 / (1 + numpy.exp(-numpy.einsum("jib,ib->jb", w3, a2)))
        e = target - a3
        d3 = e * a3 * (1 - a3)
        d2 = a2 * (1 - a2) * numpy.einsum("kb,kjb->jb", d3, w3)
        d1 = a1 * (1 - a1) * numpy.einsum("kb,kjb->jb", d2, w2)
        for delta, inputs, weights in ((d3, a2, w3), (d2, a1, w2), (d1, y0, w1)):
            change = (rate * delta)[:, None] * inputs[None]
            _ = weights + change

    return timed(step, repeats=5)


def table(rows: list[tuple]) -> str:
    lines = [
        "| backend | B | batched | per exercise | loop over single exercises | speed-up |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, size, batched, looped, estimated in rows:
        per_exercise = duration(batched / size)
        if looped is None:
            lines.append(f"| {name} | {size:,} | {duration(batched)} | {per_exercise} | not run | |")
            continue
        loop_text = duration(looped) + (" (estimated)" if estimated else "")
        lines.append(
            f"| {name} | {size:,} | {duration(batched)} | {per_exercise} | {loop_text} | {looped / batched:,.0f}x |"
        )
    return "\n".join(lines)


# glibc hands large freed blocks back to the kernel and faults fresh pages in on the next call;
# these settings keep them in the process, as a long-running worker could be configured to.
KEEP_FREED_MEMORY = {"MALLOC_MMAP_THRESHOLD_": str(2**30), "MALLOC_TRIM_THRESHOLD_": str(2**31)}


def rows_with_allocator_kept(sizes: list[int]) -> list[tuple]:
    """The batched rows again, in a child process whose allocator keeps freed memory."""
    command = [sys.executable, "-m", "bench.engine", "--rows-only", "--loop-limit", "0", "--sizes"]
    command.append(",".join(map(str, sizes)))
    completed = subprocess.run(
        command, env=os.environ | KEEP_FREED_MEMORY, capture_output=True, text=True, check=True, cwd=ROOT
    )
    return [("numpy, freed memory kept", *row[1:]) for row in json.loads(completed.stdout)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1,1000,10000,100000,1000000")
    parser.add_argument("--loop-limit", type=int, default=100_000)
    parser.add_argument("--rows-only", action="store_true", help="print the NumPy rows as JSON, write nothing")
    arguments = parser.parse_args()
    sizes = [int(float(size)) for size in arguments.sizes.split(",")]
    numpy_backend = select_backend("numpy")
    rows = measure(numpy_backend, sizes, arguments.loop_limit)
    if arguments.rows_only:
        print(json.dumps(rows))
        return
    rows += rows_with_allocator_kept([size for size in sizes if size >= 100_000])
    yardstick = handwritten_yardstick(100_000)
    network = parse_exercise(builtin_spec("worked-example")).network
    whole_solve = timed(lambda: solve(network, backend=numpy_backend), repeats=2000)
    gpu = select_backend("auto")
    gpu_note = "No CUDA device here: no GPU rows (" + gpu.reason + ")."
    if gpu.name == "cupy":
        rows += measure(gpu, sizes, arguments.loop_limit)
        gpu_note = f"GPU rows on {gpu.device}."
    body = "\n".join(
        [
            "## Engine: one training step of the worked example (2-4-4-1, sigmoid)",
            "",
            f"`make bench` (bench/engine.py) on {machine()}, pinned to {CORE}, NumPy {numpy.__version__}.",
            "Batched: `solve_batch` on B exercises stacked on the device, every value of the step out",
            "as one (steps, B) matrix; loop: the same call on one exercise, B times, in the same run.",
            "Median of several runs. " + gpu_note,
            "'Freed memory kept': the same batches in a process started with "
            + ", ".join(f"`{name}={value}`" for name, value in KEEP_FREED_MEMORY.items())
            + ", so that big arrays freed by one call are reused by the next instead of faulted in anew.",
            "",
            table(rows),
            "",
            "Yardstick: the same step written out by hand with einsum for this one network (in",
            f"bench/engine.py, used for nothing else) takes {duration(yardstick)} for B = 100,000 here.",
            "",
            "`solve` on one parsed exercise (its arrays stacked as a batch of one, the step matrix",
            f"turned into a dict of {len(network.architecture.step_keys)} step keys): {duration(whole_solve)} a call.",
        ]
    )
    write_section("engine", body)


if __name__ == "__main__":
    main()
