"""Websocket authentication: the browser's session (cookie), or a personal API token.

A script gives its token as ``?token=<token>`` or, to keep it out of URLs and access logs, as a
subprotocol ``bearer.<token>`` next to its real one (``new WebSocket(url, ["designer", "bearer." +
token])``). The token entry is removed from the offered subprotocols before the consumer sees them.
A token that is wrong, expired or revoked leaves the connection anonymous (consumers close it: 4403),
even when a session cookie came along. Origins are checked before this (AllowedHostsOriginValidator).
"""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser

from designer.workspaces import tokens

SUBPROTOCOL_PREFIX = "bearer."


def token_from_scope(scope) -> str | None:
    for protocol in scope.get("subprotocols") or ():
        if protocol.startswith(SUBPROTOCOL_PREFIX):
            return protocol[len(SUBPROTOCOL_PREFIX) :]
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
    return values[0] if values else None


@database_sync_to_async
def _token_user(secret: str):
    token = tokens.authenticate(secret)
    return (token.user, token) if token is not None else (AnonymousUser(), None)


class TokenAuthMiddleware:
    def __init__(self, inner) -> None:
        self.inner = inner

    async def __call__(self, scope, receive, send):
        secret = token_from_scope(scope)
        if secret is not None:
            user, token = await _token_user(secret)
            scope = {
                **scope,
                "user": user,
                "auth": token,
                "subprotocols": [
                    p for p in scope.get("subprotocols") or () if not p.startswith(SUBPROTOCOL_PREFIX)
                ],
            }
        return await self.inner(scope, receive, send)


def WebsocketAuthMiddleware(inner):  # noqa: N802 - used like a class, as Channels' own stacks are
    return AuthMiddlewareStack(TokenAuthMiddleware(inner))
