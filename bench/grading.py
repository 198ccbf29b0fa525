"""Grading 10,000 submissions of the worked example, every step answered: one batch vs one by one.

    python -m bench.grading [--students 10000]

The class is made with the engine: each student either works everything out (to 4 significant
figures; new weights to 10 decimals) or makes one mistake (a slip in a weighted sum, the error's sign, the learning rate
left out) and works on correctly from it, as the carried-forward rules expect. Both ways grade
the same submissions and must give the same verdicts; the table records both times.
"""

from __future__ import annotations

import argparse
import time

from .report import duration, machine, pin_to_one_core, timed, write_section

CORE = pin_to_one_core()

import numpy  # noqa: E402 - after the thread settings above

from service.engine import (  # noqa: E402
    Given,
    builtin_spec,
    parse_exercise,
    propagate,
    stack_networks,
)
from service.grading import grade, grade_batch  # noqa: E402


def student_work(exercise, rng: numpy.random.Generator) -> dict[str, str]:
    """One student's answers: right, or one mistake carried through the rest of the work."""
    network = exercise.network
    batch = stack_networks([network], xp=numpy)
    blocks = propagate(batch, xp=numpy).settled
    mistake = rng.choice(["none", "none", "slip", "error_sign", "learning_rate"])
    given = {}
    if mistake == "slip":
        layer = int(rng.integers(1, network.architecture.depth + 1))
        given[("z", layer)] = blocks[("z", layer)] * rng.uniform(0.8, 1.2)
    elif mistake == "error_sign":
        given[("e", None)] = -blocks[("e", None)]
    elif mistake == "learning_rate":
        given[("dw", 1)] = blocks[("dw", 1)] / network.learning_rate
    masks = {block: numpy.ones(values.shape, dtype=bool) for block, values in given.items()}
    values = propagate(batch, xp=numpy, given=Given(given, masks)).settled_matrix[:, 0]
    return {key: typed(key, value) for key, value in zip(network.architecture.step_keys, values.tolist())}


def typed(key: str, value: float) -> str:
    """As a careful student types it: 4 significant figures, and a new weight to 4 figures of its
    change (0.5000125360 as 0.5000125), since a new weight is graded by the change it implies."""
    return f"{value:.10f}".rstrip("0") if key.startswith("w_new.") else f"{value:.4g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=10_000)
    arguments = parser.parse_args()
    exercise = parse_exercise(builtin_spec("worked-example"))
    rng = numpy.random.default_rng(2026)
    submissions = [student_work(exercise, rng) for _ in range(arguments.students)]
    # the batch is timed as the median of three (after a warm-up); one by one sums 10,000 calls
    batched = timed(lambda: grade_batch(exercise, submissions), repeats=3)
    together = grade_batch(exercise, submissions)

    alone, one_by_one, one_by_one_results = [], 0.0, 0.0
    for answers in submissions:  # each submission graded, then its result built, timed apart
        start = time.perf_counter()
        result = grade(exercise, answers)
        middle = time.perf_counter()
        result.to_dict()
        one_by_one += middle - start
        one_by_one_results += time.perf_counter() - middle
        alone.append(result)

    statuses = numpy.stack([result.batch.status[:, 0] for result in alone], axis=1)
    if not numpy.array_equal(statuses, together.status):
        raise SystemExit("batched and one-by-one verdicts differ: not recording a benchmark")
    start = time.perf_counter()
    materialised = [result.to_dict() for result in together.results()]
    batched_results = time.perf_counter() - start
    counts = {status: sum(r["counts"][status] for r in materialised) for status in materialised[0]["counts"]}
    steps, students = len(exercise.steps), arguments.students
    end_to_end = (one_by_one + one_by_one_results) / (batched + batched_results)
    print(f"verdicts: batch {duration(batched)}, one by one {duration(one_by_one)}, {one_by_one / batched:.1f}x")
    print(f"with result dictionaries: {end_to_end:.1f}x")

    def row(way: str, grading: float, building: float, speed_up: float) -> str:
        total = grading + building
        return (
            f"| {way} | {duration(grading)} | {duration(building)} | {duration(total)} "
            f"| {duration(total / students)} | {speed_up:.1f}x |"
        )

    body = "\n".join(
        [
            f"## Grading: {students:,} submissions of the worked example, all {steps} steps answered",
            "",
            f"`make bench` (bench/grading.py) on {machine()}, pinned to {CORE}.",
            "Both ways parse the typed strings, recompute every step from the student's own values in",
            "four readings, try every misconception rule and give identical verdicts (checked in the run).",
            "Verdicts: statuses, credit, misconceptions and scores as arrays. Result dictionaries: the",
            "per-step entries with feedback sentences that the API stores and returns, built in Python",
            "per step either way, so they bound the end-to-end speed-up. The batch is the median of",
            "three runs after a warm-up; one by one is one pass over the 10,000 submissions.",
            "",
            "| way | verdicts | result dictionaries | in all | per submission | speed-up (verdicts) |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
            row("one batch (`grade_batch`)", batched, batched_results, one_by_one / batched),
            row("one by one (`grade`)", one_by_one, one_by_one_results, 1.0),
            "",
            f"End to end, result dictionaries included, the batch is {end_to_end:.1f}x faster.",
            f"Verdicts in this class: {', '.join(f'{name} {count:,}' for name, count in counts.items())}.",
        ]
    )
    write_section("grading", body)


if __name__ == "__main__":
    main()
