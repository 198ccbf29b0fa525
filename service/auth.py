"""Instructor authentication: a bearer token from ``INSTRUCTOR_TOKENS``.

No header (or not a bearer one) is 401; a token that is not on the list is 403. Tokens are
compared in constant time, against every configured token, so timing tells nothing.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

View = TypeVar("View", bound=Callable[..., Any])

SECURITY_SCHEME = {"type": "http", "scheme": "bearer", "description": "An instructor token from INSTRUCTOR_TOKENS"}
INSTRUCTOR_ONLY = {"security": [{"instructor": []}]}


def token_is_known(given: str, tokens: Iterable[str]) -> bool:
    """Whether ``given`` is one of ``tokens``, comparing with every token in constant time."""
    given_bytes = given.encode()
    matched = False
    for token in tokens:
        matched |= hmac.compare_digest(given_bytes, token.encode())
    return matched


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def check_instructor() -> None:
    """Raise 401 or 403 unless the request carries an instructor's token."""
    token = bearer_token()
    if token is None:
        raise Unauthorized(
            "This needs an instructor: send the header 'Authorization: Bearer <token>'.",
            www_authenticate=WWWAuthenticate("bearer", {"realm": "instructor"}),
        )
    if not token_is_known(token, current_app.config["INSTRUCTOR_TOKENS"]):
        raise Forbidden("That bearer token is not an instructor token.")


def instructor_required(view: View) -> View:
    """Decorate a view (outermost, so it runs before the body is parsed) to admit instructors only."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        check_instructor()
        return view(*args, **kwargs)

    return checked  # type: ignore[return-value]
