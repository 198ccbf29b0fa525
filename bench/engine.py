"""Forward pass + backprop of the worked example for B = 1 ... 1e6, batched against a loop.

    python -m bench.engine [--sizes 1,1000,...] [--loop-limit 100000]

Times ``solve_batch`` on batches already stacked on the device (what grading reuses), and a
Python loop calling it on single exercises, in the same run. Loops longer than --loop-limit
are not run: their time is the measured per-exercise loop cost times B, marked as estimated.
"""

from __future__ import annotations

import argparse

from .report import duration, machine, pin_to_one_core, timed, write_section

CORE = pin_to_one_core()

import numpy  # noqa: E402 - after the thread settings above

from service.engine import builtin_spec, parse_exercise, select_backend, solve_batch, stack_networks  # noqa: E402


def measure(backend, sizes: list[int], loop_limit: int) -> list[tuple]:
    xp = backend.xp
    synchronize = (lambda: xp.cuda.Device().synchronize()) if backend.name == "cupy" else (lambda: None)
    network = parse_exercise(builtin_spec("worked-example")).network
    single = stack_networks([network], xp=xp)
    rows, per_exercise_loop = [], None
    for size in sizes:
        batch = stack_networks([network] * size, xp=xp) if size > 1 else single
        repeats = max(3, min(200, 2_000_000 // max(size, 1)))
        batched = timed(lambda b=batch: solve_batch(b, xp=xp), repeats=repeats, synchronize=synchronize)
        if size <= loop_limit:

            def loop(count=size):
                for _ in range(count):
                    solve_batch(single, xp=xp)

            looped = timed(loop, repeats=1 if size >= 10_000 else 3, synchronize=synchronize)
            per_exercise_loop = looped / size
            estimated = False
        else:
            looped, estimated = per_exercise_loop * size, True
        rows.append((backend.name, size, batched, looped, estimated))
        note = " (est.)" if estimated else ""
        print(f"{backend.name:5} B={size:>9,}  batched {duration(batched):>10}  loop {duration(looped):>10}{note}")
        del batch
    return rows


def table(rows: list[tuple]) -> str:
    lines = [
        "| backend | B | batched | per exercise | loop over single exercises | speed-up |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, size, batched, looped, estimated in rows:
        loop_text = duration(looped) + (" (estimated)" if estimated else "")
        per_exercise = duration(batched / size)
        lines.append(
            f"| {name} | {size:,} | {duration(batched)} | {per_exercise} | {loop_text} | {looped / batched:,.0f}x |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1,1000,10000,100000,1000000")
    parser.add_argument("--loop-limit", type=int, default=100_000)
    arguments = parser.parse_args()
    sizes = [int(float(size)) for size in arguments.sizes.split(",")]
    rows = measure(select_backend("numpy"), sizes, arguments.loop_limit)
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
            "Batched: `solve_batch` on B exercises stacked on the device; loop: the same call on one",
            "exercise, B times, in the same run. Median of several runs. " + gpu_note,
            "",
            table(rows),
        ]
    )
    write_section("engine", body)


if __name__ == "__main__":
    main()
