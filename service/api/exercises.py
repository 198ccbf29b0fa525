"""Exercises: anyone lists and reads them; instructors create, change, retire and see solutions."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView

from schemas import ExerciseListItemSchema, ExerciseSavedSchema, ExerciseSchema, ExerciseSpecSchema, SolutionSchema
from service.auth import INSTRUCTOR_ONLY, instructor_required
from service.engine import SpecError, solve
from service.grading import tolerance_in_words
from service.store import (
    StoredExercise,
    create_exercise,
    list_exercises,
    load_exercise,
    retire_exercise,
    update_exercise,
)

from .blueprint import JSON, Blueprint, accepts
from .database import request_session
from .specs import accept_spec, exercise_id_for, slugify

blp = Blueprint("exercises", __name__, url_prefix="/api/v1/exercises", description="Exercises to grade against")


def student_view(stored: StoredExercise) -> dict[str, Any]:
    """What a student needs to work the exercise: the givens and the steps asked, no answers."""
    exercise = stored.exercise
    network = exercise.network
    layers = [
        {
            "number": number,
            "units": shape.units,
            "activation": shape.activation,
            "bias": shape.bias,
            "weights": weights.tolist(),
        }
        for number, (shape, weights) in enumerate(zip(network.architecture.layers, network.weights, strict=True), 1)
    ]
    return {
        "id": stored.id,
        "version": stored.version,
        "title": exercise.title,
        "description": exercise.description,
        "inputs": network.inputs.tolist(),
        "layers": layers,
        "target": None if network.target is None else network.target.tolist(),
        "learning_rate": network.learning_rate,
        "steps": list(exercise.steps),
        "tolerance": tolerance_in_words(exercise),
    }


def saved_view(stored: StoredExercise) -> dict[str, Any]:
    return {
        "id": stored.id,
        "version": stored.version,
        "title": stored.exercise.title,
        "steps": list(stored.exercise.steps),
    }


def _location(exercise_id: str) -> dict[str, str]:
    return {"Location": url_for("exercises.ExerciseItem", exercise_id=exercise_id)}


@blp.route("")
class ExerciseCollection(MethodView):
    @blp.problems(422)
    @blp.response(200, ExerciseListItemSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """List the live exercises (id, title, kinds of step asked), by id, a page at a time."""
        records, total = list_exercises(
            request_session(), offset=pagination_parameters.first_item, limit=pagination_parameters.page_size
        )
        pagination_parameters.item_count = total
        return [
            {"id": r.id, "title": r.title, "version": r.current_version, "step_kinds": r.step_kinds} for r in records
        ]

    @instructor_required
    @accepts(JSON)
    @blp.arguments(ExerciseSpecSchema)
    @blp.problems(400, 401, 403, 409, 413, 415, 422)
    @blp.response(201, ExerciseSavedSchema)
    @blp.doc(**INSTRUCTOR_ONLY)
    def post(self, spec):
        """Create an exercise from a spec; its id is the slug of the spec's id, or made from the title."""
        exercise = accept_spec(spec)
        session = request_session()
        stored = create_exercise(session, exercise_id_for(exercise), exercise)
        session.commit()
        return saved_view(stored), 201, _location(stored.id)


@blp.route("/<exercise_id>")
class ExerciseItem(MethodView):
    @blp.problems(404)
    @blp.response(200, ExerciseSchema)
    def get(self, exercise_id):
        """The exercise as a student sees it: inputs, weights, activations, target, steps asked, tolerance."""
        return student_view(load_exercise(request_session(), exercise_id))

    @instructor_required
    @accepts(JSON)
    @blp.arguments(ExerciseSpecSchema)
    @blp.problems(400, 401, 403, 404, 413, 415, 422)
    @blp.response(200, ExerciseSavedSchema)
    @blp.doc(**INSTRUCTOR_ONLY)
    def put(self, spec, exercise_id):
        """Change an exercise: the spec becomes a new version; past submissions keep theirs."""
        exercise = accept_spec(spec)
        if exercise.id is not None and slugify(exercise.id) != exercise_id:
            raise SpecError([f"id: the body says {exercise.id!r} but the URL says {exercise_id!r}; ids do not change"])
        session = request_session()
        stored = update_exercise(session, exercise_id, exercise)
        session.commit()
        return saved_view(stored)

    @instructor_required
    @blp.problems(401, 403, 404)
    @blp.response(204)
    @blp.doc(**INSTRUCTOR_ONLY)
    def delete(self, exercise_id):
        """Retire an exercise: students no longer see it; its submissions stay readable by instructors."""
        session = request_session()
        retire_exercise(session, exercise_id)
        session.commit()


@blp.route("/<exercise_id>/solution")
class ExerciseSolution(MethodView):
    @instructor_required
    @blp.problems(401, 403, 404)
    @blp.response(200, SolutionSchema)
    @blp.doc(**INSTRUCTOR_ONLY)
    def get(self, exercise_id):
        """The reference value of every step the exercise asks for."""
        stored = load_exercise(request_session(), exercise_id)
        values = solve(stored.exercise)
        return {
            "exercise_id": stored.id,
            "version": stored.version,
            "steps": {k: values[k] for k in stored.exercise.steps},
        }
