"""ASGI entry point: the scoring route, Django (HTTP) and Channels (websockets) behind one application."""

import os
import threading

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "designer.settings")
django_http = get_asgi_application()  # sets Django up before anything imports models

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from designer.core.auth_middleware import WebsocketAuthMiddleware  # noqa: E402
from designer.datasets.asgi import UploadSizeLimit  # noqa: E402
from designer.routing import websocket_urlpatterns  # noqa: E402
from designer.scoring.app import ScoringMount  # noqa: E402


def _warm_module_registry() -> None:
    """Import the module library in the background: the first palette request would otherwise wait
    seconds for every module's imports."""
    from modules.sdk import all_modules

    all_modules()


threading.Thread(target=_warm_module_registry, name="warm-module-registry", daemon=True).start()

# /score/<name> goes to the lean scoring app before Django (no middleware or ORM on the hot path).
application = ScoringMount(
    ProtocolTypeRouter(
        {
            # Refuses an oversized upload from its Content-Length before Django reads the body.
            "http": UploadSizeLimit(django_http),
            "websocket": AllowedHostsOriginValidator(
                WebsocketAuthMiddleware(URLRouter(websocket_urlpatterns))
            ),
        }
    )
)
