"""Student pages: server-rendered HTML for people who will never use curl.

``GET /`` lists the exercises; ``GET /exercises/<id>`` shows one with a picture of its network
and a form; posting the form grades it like the API does and shows the verdicts. Everything,
styles and script included, is served by the service itself: no CDN, and it works with
JavaScript off.
"""

from __future__ import annotations

from flask import Flask

from .views import bp


def init_app(app: Flask) -> None:
    """Register the pages; call after ``api.init_app``, whose database and request ids they use."""
    app.register_blueprint(bp)
