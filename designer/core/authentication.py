"""``Authorization: Bearer <personal API token>`` for REST and GraphQL.

Listed before session authentication: a request that carries a token is judged by the token alone
(and needs no CSRF token: a browser never attaches it on its own). A wrong, expired or revoked token is
a 401 with ``WWW-Authenticate: Bearer``; a request with no credentials keeps the session's 403.
Endpoint keys are a different kind of secret, checked only by the scoring route.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from designer.workspaces import tokens

KEYWORD = b"bearer"


def bearer_secret(header: bytes) -> str | None:
    """The secret in an ``Authorization`` header value, '' for a malformed one, None if not Bearer."""
    parts = header.split()
    if not parts or parts[0].lower() != KEYWORD:
        return None
    if len(parts) != 2:
        return ""
    try:
        return parts[1].decode("ascii")
    except UnicodeDecodeError:
        return ""


class InvalidToken(exceptions.AuthenticationFailed):
    default_code = "invalid_token"


def authenticate_secret(secret: str):
    token = tokens.authenticate(secret) if secret else None
    if token is None:
        raise InvalidToken("The API token is wrong, expired or revoked.", code="invalid_token")
    return token


class BearerTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        secret = bearer_secret(get_authorization_header(request))
        if secret is None:
            return None
        token = authenticate_secret(secret)
        return token.user, token

    def authenticate_header(self, request) -> str | None:
        if bearer_secret(get_authorization_header(request)) is not None:
            return 'Bearer realm="api", error="invalid_token"'
        return None  # no credentials at all: 403, as for a browser without a session


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "designer.core.authentication.BearerTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        scheme = build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Bearer")
        scheme["description"] = "A personal API token from POST /api/v1/tokens/ (dsn_...)."
        return scheme
