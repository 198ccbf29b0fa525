"""Backprop Grader: a REST service that grades forward-pass and backprop exercises step by step.

``create_app`` is the app factory; ``gunicorn 'service:create_app()'`` serves it. Flask and the
database layer are imported inside it, so ``import service.engine`` (the CLI, the grader) stays light.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from the environment, with ``config`` (a test's, say) laid on top.

    The engine backend is chosen here, so a forced GPU backend that cannot run fails at start-up.
    """
    from flask import Flask  # noqa: PLC0415 - see the module docstring

    from service import api, observability, web  # noqa: PLC0415
    from service.config import API_SETTINGS, Config  # noqa: PLC0415
    from service.engine import select_backend, use_backend  # noqa: PLC0415

    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(API_SETTINGS)
    app.config.from_mapping(Config.from_environment(instance_path=app.instance_path).as_flask_config())
    app.config.from_mapping(config or {})
    app.json.sort_keys = False  # step keys keep their computation order
    use_backend(select_backend(app.config["GRADER_ENGINE"], gpu_crossover=app.config["GPU_CROSSOVER"]))
    observability.init_app(app)  # JSON logs and /metrics; its request timer runs first
    api.init_app(app)
    web.init_app(app)  # student pages: HTML, with their own error pages
    return app
