"""CSRF protection for the student pages' form, and only for it: the JSON API needs no token.

A double-submit token: the browser holds a random nonce in an HttpOnly, SameSite=Lax cookie, and
every form carries a token derived from it. A POST is accepted only when the two agree, which a
page on another site cannot arrange: it can neither read the cookie nor, with SameSite=Lax, make
the browser send it on a cross-site POST. When the app has a ``SECRET_KEY``, the form token is an
HMAC of the nonce under it, so even a cookie planted from a sibling subdomain cannot be matched;
without one, the token is the nonce itself (plain double submit). Either way it works across
workers and replicas with no server-side state.

The API's blueprints never call :func:`token_is_valid`, so curl and JSON clients are unaffected.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from flask import Response, current_app, g, request

COOKIE_NAME = "grader_csrf"
FIELD_NAME = "csrf_token"
_NONCE = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
COOKIE_MAX_AGE = 60 * 60 * 24 * 30  # a month: a form left open over a weekend still submits


def _key() -> bytes | None:
    secret = current_app.secret_key
    if not secret:
        return None
    return secret if isinstance(secret, bytes) else str(secret).encode()


def _token_for(nonce: str) -> str:
    key = _key()
    if key is None:
        return nonce
    return hmac.new(key, b"grader-csrf:" + nonce.encode(), hashlib.sha256).hexdigest()


def _cookie_nonce() -> str | None:
    nonce = request.cookies.get(COOKIE_NAME, "")
    return nonce if _NONCE.fullmatch(nonce) else None


def form_token() -> str:
    """The token to put in this page's form; sets the cookie (see :func:`set_cookie`) if it is new."""
    if "csrf_nonce" not in g:
        nonce = _cookie_nonce()
        if nonce is None:
            nonce = secrets.token_urlsafe(32)
            g.csrf_new_nonce = True
        g.csrf_nonce = nonce
    return _token_for(g.csrf_nonce)


def token_is_valid() -> bool:
    """Whether this POST carries a form token that matches the browser's cookie."""
    nonce = _cookie_nonce()
    sent = request.form.get(FIELD_NAME, "")
    return nonce is not None and bool(sent) and hmac.compare_digest(_token_for(nonce), sent)


def set_cookie(response: Response) -> Response:
    """After a page minted a new nonce, hand it to the browser (an after-request hook)."""
    if g.get("csrf_new_nonce"):
        response.set_cookie(
            COOKIE_NAME,
            g.csrf_nonce,
            max_age=COOKIE_MAX_AGE,
            path="/",
            secure=request.is_secure,
            httponly=True,
            samesite="Lax",
        )
    return response
