"""Where CuPy starts to pay: NumPy against CuPy on the same work, to set GRADER_GPU_CROSSOVER.

    python -m bench.crossover [--max-exercises 131072] [--stand-in]

On a machine with a usable CUDA device this times, on each backend, what the service runs:
``solve_networks`` on B = 1, 2, 4, ... worked-example exercises (stacked on the host, moved to
the device, solved, the step matrix brought back; NumPy moves nothing), and ``grade_batch`` on
10 to 10,000 submissions, which weighs its work against the same threshold. The crossover is the
smallest work (multiply-adds, as the service counts them) from which CuPy is faster at every
larger size measured; the "crossover" section of docs/performance.md records the table and it.
Without a device it says why and writes nothing.

``--stand-in`` runs every step with NumPy standing in for CuPy and writes nothing: it proves the
script on a machine without a GPU, so that a lent GPU's minutes go to measuring.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from .report import duration, machine, pin_to_one_core, timed, write_section

CORE = pin_to_one_core()

import numpy  # noqa: E402 - after the thread settings above

from service.engine import Backend, builtin_spec, parse_exercise, select_backend, solve_networks  # noqa: E402
from service.engine.solve import work_size  # noqa: E402
from service.grading import grade_batch  # noqa: E402
from service.grading.grader import grading_work_size  # noqa: E402

from .grading import student_work  # noqa: E402

Row = tuple[str, int, int, float, float]  # what, size, work, numpy seconds, cupy seconds


def compare(
    what: str, sizes: list[int], *, work_of: Callable[[int], int], run: Callable, backends: tuple, synchronize: Callable
) -> list[Row]:
    """Time ``run(size, backend)`` on NumPy and on CuPy (``backends``) for every size."""
    rows = []
    for size in sizes:
        repeats = max(3, min(200, 20_000 // size))
        seconds = [
            timed(lambda b=backend, s=size: run(s, b), repeats=repeats, synchronize=synchronize) for backend in backends
        ]
        rows.append((what, size, work_of(size), *seconds))
        faster = "CuPy" if seconds[1] < seconds[0] else "NumPy"
        print(f"{what:7} {size:>9,}  numpy {duration(seconds[0]):>10}  cupy {duration(seconds[1]):>10}  {faster}")
    return rows


def crossover(rows: list[Row]) -> int | None:
    """The smallest work from which the GPU wins at every larger size measured (None: never)."""
    found = None
    for _, _, work, on_cpu, on_gpu in sorted(rows, key=lambda row: row[2], reverse=True):
        if on_gpu >= on_cpu:
            break
        found = work
    return found


def table(rows: list[Row]) -> str:
    lines = [
        "| what | B | multiply-adds | NumPy | CuPy | faster |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for what, size, work, on_cpu, on_gpu in rows:
        faster = f"CuPy, {on_cpu / on_gpu:.1f}x" if on_gpu < on_cpu else f"NumPy, {on_gpu / on_cpu:.1f}x"
        lines.append(f"| {what} | {size:,} | {work:,} | {duration(on_cpu)} | {duration(on_gpu)} | {faster} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-exercises", type=int, default=2**17)
    parser.add_argument("--max-submissions", type=int, default=10_000)
    parser.add_argument("--stand-in", action="store_true", help="NumPy stands in for CuPy; nothing is written")
    arguments = parser.parse_args()
    on_cpu = select_backend("numpy")
    if arguments.stand_in:
        on_gpu, synchronize = Backend("cupy", numpy, "stand-in", "NumPy standing in for CuPy", 0), lambda: None
    else:
        on_gpu = select_backend("auto", gpu_crossover=0)
        if on_gpu.name != "cupy":
            print(f"no usable CUDA device, nothing measured: {on_gpu.reason}", file=sys.stderr)
            return
        synchronize = on_gpu.xp.cuda.Device().synchronize

    exercise = parse_exercise(builtin_spec("worked-example"))
    architecture = exercise.network.architecture
    exercise_sizes = [2**power for power in range(arguments.max_exercises.bit_length())]
    networks = [exercise.network] * exercise_sizes[-1]
    rows = compare(
        "solve",
        exercise_sizes,
        work_of=lambda size: work_size(architecture, size),
        run=lambda size, backend: solve_networks(networks[:size], backend=backend),
        backends=(on_cpu, on_gpu),
        synchronize=synchronize,
    )
    rng = numpy.random.default_rng(2026)
    submission_sizes = [size for size in (10, 100, 1_000, 10_000) if size <= arguments.max_submissions]
    submissions = [student_work(exercise, rng) for _ in range(submission_sizes[-1])]
    grading_rows = compare(
        "grading",
        submission_sizes,
        work_of=lambda size: grading_work_size(architecture, size),
        run=lambda size, backend: grade_batch(exercise, submissions[:size], backend=backend),
        backends=(on_cpu, on_gpu),
        synchronize=synchronize,
    )
    found = crossover(rows)
    verdict = (
        f"CuPy is faster from {found:,} multiply-adds on (`solve`); set `GRADER_GPU_CROSSOVER={found}`."
        if found is not None
        else "CuPy was slower at every size measured: keep GRADER_GPU_CROSSOVER above the largest work served."
    )
    print(verdict)
    if arguments.stand_in:
        return
    body = "\n".join(
        [
            "## GPU crossover: where CuPy starts to pay",
            "",
            f"`python -m bench.crossover` on {machine()}, host pinned to {CORE}, GPU {on_gpu.device}.",
            "End to end as the service runs it: `solve_networks` stacks the exercises on the host,",
            "moves them to the device, solves and brings the step matrix back; `grade_batch` grades",
            "as many worked-example submissions. Multiply-adds are the work the service weighs against",
            "`GRADER_GPU_CROSSOVER`. Median of several runs.",
            "",
            table(rows + grading_rows),
            "",
            verdict,
        ]
    )
    write_section("crossover", body)


if __name__ == "__main__":
    main()
