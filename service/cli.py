"""The command line: solve an exercise, grade answers, migrate the database.

python -m service solve FILE_OR_ID
python -m service grade FILE_OR_ID ANSWERS.json|answers.csv
python -m service db upgrade
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from .engine import SpecError, builtin_exercise_ids, builtin_spec, parse_exercise, solve
from .grading import UnknownStepError, grade_many, validate_grading_options


class UsageError(Exception):
    """A command-line argument that cannot be used; the message says why."""


def load_spec(file_or_id: str) -> dict[str, Any]:
    """A spec from a JSON file, or a built-in exercise by id."""
    path = Path(file_or_id)
    if path.is_file():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise UsageError(f"{path}: not valid JSON ({error})") from error
    if file_or_id in builtin_exercise_ids():
        return builtin_spec(file_or_id)
    raise UsageError(f"{file_or_id!r} is neither a file nor a built-in exercise ({', '.join(builtin_exercise_ids())})")


def load_exercise(file_or_id: str):
    """Parse and validate the spec named on the command line."""
    exercise = parse_exercise(load_spec(file_or_id))
    validate_grading_options(exercise)
    return exercise


def command_solve(arguments: argparse.Namespace, out: TextIO) -> None:
    json.dump(solve(load_exercise(arguments.exercise)), out, indent=2)
    out.write("\n")


def read_answer_file(path: Path) -> tuple[list[str | None], list[dict[str, str]]]:
    """Student ids and answers: a JSON object (one student) or a CSV with a row per student."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() != ".csv":
        try:
            answers = json.loads(text)
        except json.JSONDecodeError as error:
            raise UsageError(f"{path}: not valid JSON ({error})") from error
        if not isinstance(answers, dict):
            raise UsageError(f"{path}: expected a JSON object from step key to value")
        return [None], [answers]
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or "student_id" not in rows[0]:
        raise UsageError(f"{path}: expected a header row starting with student_id, then one column per step")
    students = [row.pop("student_id") for row in rows]
    return students, [{key: value for key, value in row.items() if key and value not in (None, "")} for row in rows]


def command_grade(arguments: argparse.Namespace, out: TextIO) -> None:
    exercise = load_exercise(arguments.exercise)
    students, submissions = read_answer_file(Path(arguments.answers))
    for student, result in zip(students, grade_many(exercise, submissions)):
        record = result.to_dict()
        if student is not None:
            record = {"student_id": student, **record}
        out.write(json.dumps(record) + "\n")


def command_db(arguments: argparse.Namespace, out: TextIO) -> None:
    from .config import Config  # noqa: PLC0415 - the database layer is only needed here
    from .store.migrate import upgrade_database  # noqa: PLC0415

    upgrade_database(Config.from_environment().DATABASE_URL)
    out.write("database is at the latest revision\n")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m service", description="Backprop Grader")
    commands = parser.add_subparsers(dest="command", required=True)
    solve_parser = commands.add_parser("solve", help="print every step of an exercise as JSON")
    solve_parser.add_argument("exercise", help="a spec file (JSON) or a built-in exercise id")
    solve_parser.set_defaults(handler=command_solve)
    grade_parser = commands.add_parser("grade", help="grade answers (a JSON object, or a CSV of a class)")
    grade_parser.add_argument("exercise", help="a spec file (JSON) or a built-in exercise id")
    grade_parser.add_argument("answers", help="ANSWERS.json (step key -> value) or answers.csv (student_id, steps...)")
    grade_parser.set_defaults(handler=command_grade)
    db_parser = commands.add_parser("db", help="database maintenance")
    db_parser.add_argument("action", choices=["upgrade"], help="apply all migrations")
    db_parser.set_defaults(handler=command_db)
    return parser


def main(argv: list[str] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    arguments = build_parser().parse_args(argv)
    try:
        arguments.handler(arguments, out)
    except UnknownStepError as error:
        err.write("invalid answers:\n" + "".join(f"  {line}\n" for line in error.errors))
        return 2
    except SpecError as error:
        err.write("invalid exercise:\n" + "".join(f"  {line}\n" for line in error.errors))
        return 2
    except (UsageError, OSError) as error:
        err.write(f"error: {error}\n")
        return 2
    return 0
