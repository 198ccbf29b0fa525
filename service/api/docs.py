"""``/docs``: the OpenAPI document rendered on the server as one readable page.

Served with no scripts and nothing from a CDN, so it works offline and under a strict CSP.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template
from flask_smorest import Api

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def _schema_name(schema: dict[str, Any]) -> str:
    reference = schema.get("$ref") or schema.get("items", {}).get("$ref", "")
    name = reference.rsplit("/", 1)[-1] if reference else schema.get("type", "object")
    return f"list of {name}" if schema.get("type") == "array" else name


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation of the document, flattened for the template, in path order."""
    found = []
    for path, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            bodies = operation.get("requestBody", {}).get("content", {})
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "instructor": bool(operation.get("security")),
                    "parameters": item.get("parameters", []) + operation.get("parameters", []),
                    "bodies": [(kind, _schema_name(body.get("schema", {}))) for kind, body in bodies.items()],
                    "responses": sorted(
                        (code, response.get("description", ""))
                        for code, response in operation.get("responses", {}).items()
                    ),
                }
            )
    return found


def init_app(app: Any, api: Api) -> None:
    """Add the ``/docs`` page, rendered from ``api``'s OpenAPI document."""
    docs = Blueprint("docs", __name__, template_folder="templates")

    @docs.get("/docs")
    def api_docs() -> Response:
        spec = api.spec.to_dict()
        html = render_template(
            "api_docs.html",
            title=spec["info"]["title"],
            version=spec["info"]["version"],
            operations=operations(spec),
            schemas=spec.get("components", {}).get("schemas", {}),
        )
        return Response(html, mimetype="text/html")

    app.register_blueprint(docs)
