"""Websocket routes."""

from django.urls import re_path

from designer.runs.consumers import RunEventsConsumer

websocket_urlpatterns = [
    re_path(r"^ws/runs/(?P<run_id>[0-9a-f-]{36})/$", RunEventsConsumer.as_asgi()),
]
