"""Grading 10,000 submissions of the worked example, every step answered: one batch vs one by one.

    python -m bench.grading [--students 10000]

The class is made with the engine: each student either works everything out (to 4 significant
figures) or makes one mistake (a slip in a weighted sum, the error's sign, the learning rate
left out) and works on correctly from it, as the carried-forward rules expect. Both ways grade
the same submissions and must give the same verdicts; the table records both times.
"""

from __future__ import annotations

import argparse
import time

from .report import duration, machine, pin_to_one_core, write_section

CORE = pin_to_one_core()

import numpy  # noqa: E402 - after the thread settings above

from service.engine import (  # noqa: E402
    Given,
    builtin_spec,
    parse_exercise,
    propagate,
    stack_networks,
    step_matrix,
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
    settled = propagate(batch, xp=numpy, given=Given(given, masks)).settled
    values = step_matrix(settled, network.architecture, xp=numpy)[:, 0]
    return {key: f"{value:.4g}" for key, value in zip(network.architecture.step_keys, values.tolist())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=10_000)
    arguments = parser.parse_args()
    exercise = parse_exercise(builtin_spec("worked-example"))
    rng = numpy.random.default_rng(2026)
    submissions = [student_work(exercise, rng) for _ in range(arguments.students)]
    grade_batch(exercise, submissions[:10])  # warm-up

    start = time.perf_counter()
    together = grade_batch(exercise, submissions)
    batched = time.perf_counter() - start

    start = time.perf_counter()
    alone = [grade(exercise, answers) for answers in submissions]
    one_by_one = time.perf_counter() - start

    statuses = numpy.stack([result.batch.status[:, 0] for result in alone], axis=1)
    if not numpy.array_equal(statuses, together.status):
        raise SystemExit("batched and one-by-one verdicts differ: not recording a benchmark")
    start = time.perf_counter()
    materialised = [result.to_dict() for result in together.results()]
    build = time.perf_counter() - start
    counts = {status: sum(r["counts"][status] for r in materialised) for status in materialised[0]["counts"]}
    steps = len(exercise.steps)
    print(f"batch {duration(batched)}, one by one {duration(one_by_one)}, speed-up {one_by_one / batched:.1f}x")
    body = "\n".join(
        [
            f"## Grading: {arguments.students:,} submissions of the worked example, all {steps} steps answered",
            "",
            f"`make bench` (bench/grading.py) on {machine()}, pinned to {CORE}.",
            "Both ways parse the typed strings, recompute every step from the student's own values in",
            "four readings, try every misconception rule and give identical verdicts (checked in the run).",
            "",
            "| way | time | per submission | speed-up |",
            "| --- | ---: | ---: | ---: |",
            f"| one batch (`grade_batch`) | {duration(batched)} | {duration(batched / arguments.students)} "
            f"| {one_by_one / batched:.1f}x |",
            f"| one by one (`grade`) | {duration(one_by_one)} | {duration(one_by_one / arguments.students)} | 1x |",
            "",
            "Turning the batch into per-step result dictionaries with feedback sentences (what the API",
            f"stores and returns) took a further {duration(build)} ({duration(build / arguments.students)} a",
            "submission); it is the same work either way and is done only when a result is read.",
            f"Verdicts in this class: {', '.join(f'{name} {count:,}' for name, count in counts.items())}.",
        ]
    )
    write_section("grading", body)


if __name__ == "__main__":
    main()
