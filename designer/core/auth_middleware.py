"""Websocket authentication: the browser's session (cookie) identifies the user."""

from channels.auth import AuthMiddlewareStack


def WebsocketAuthMiddleware(inner):  # noqa: N802 - used like a class, as Channels' own stacks are
    return AuthMiddlewareStack(inner)
