"""Live run events over a websocket at /ws/runs/{id}/?after=<last event id>.

On connect the consumer replays the log after ``after``; every wake-up from the channel layer makes it
read the log after the last id it sent. The log in the database is the truth, so a client that
reconnects with the last id it saw gets everything after it, exactly once.
"""

from __future__ import annotations

import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from designer.workspaces.services import scope_to_user

from . import events
from .models import Run


class RunEventsConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.run_id = self.scope["url_route"]["kwargs"]["run_id"]
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not await self._may_read(user):
            await self.close(code=4403)
            return
        try:
            self.last_sent = int(self._query().get("after", "0"))
        except ValueError:
            self.last_sent = 0
        self.lock = asyncio.Lock()
        await self.channel_layer.group_add(events.run_group(self.run_id), self.channel_name)
        await self.accept()
        await self._send_new()

    def _query(self) -> dict[str, str]:
        raw = self.scope.get("query_string", b"").decode()
        return dict(part.split("=", 1) for part in raw.split("&") if "=" in part)

    @database_sync_to_async
    def _may_read(self, user) -> bool:
        return scope_to_user(Run.objects.filter(pk=self.run_id), user).exists()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "lock"):
            await self.channel_layer.group_discard(events.run_group(self.run_id), self.channel_name)

    async def run_event(self, message: dict) -> None:
        await self._send_new()

    async def _send_new(self) -> None:
        async with self.lock:
            while True:
                batch = await database_sync_to_async(events.events_after)(self.run_id, self.last_sent)
                for event in batch:
                    await self.send_json(event)
                    self.last_sent = event["id"]
                if len(batch) < 500:
                    return
