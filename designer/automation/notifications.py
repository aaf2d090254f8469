"""Notifications: in the app, and POSTed to a workspace's webhook.

A webhook URL may not lead inside the network the server sits in: its host is resolved and every
address checked (loopback, private, link-local, multicast, reserved and other non-public ranges are
refused) when it is saved, and again at each delivery, which then connects to the address it checked
rather than asking DNS a second time. ``AUTOMATION_WEBHOOK_ALLOWED_NETWORKS`` (a Django setting: a list
of CIDR ranges) lets an operator allow an internal relay; tests allow 127.0.0.1 that way.

Each delivery is ``POST <url>`` with a JSON body and headers ``X-Designer-Event`` (the kind),
``X-Designer-Delivery`` (the notification id), ``X-Designer-Timestamp`` (Unix seconds) and
``X-Designer-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" under the webhook's secret>``.
A failed delivery is retried with backoff, up to ``MAX_ATTEMPTS`` times.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from designer.core.api_errors import ApiError
from designer.workspaces.services import readable_workspace_ids
from modules.data_io.http_fetch import public_address_only

from .models import Notification, NotificationRead, Webhook

log = logging.getLogger(__name__)

KINDS = (
    "run_completed",
    "run_failed",
    "drift_alert",
    "drift_resolved",
    "deploy_succeeded",
    "deploy_failed",
    "schedule_failed",
    "webhook_test",
)
MAX_ATTEMPTS = 5
TIMEOUT_SECONDS = 5.0
PENDING, SENDING, DELIVERED, FAILED, REFUSED = "pending", "sending", "delivered", "failed", "refused"
# A delivery that claimed a notification and never reported back (its worker died) is retried after this.
SENDING_LEASE = timedelta(minutes=5)


# -- creating and reading ---------------------------------------------------------------------------
def notify(
    workspace_id: int,
    kind: str,
    title: str,
    message: str = "",
    *,
    dedupe_key: str,
    level: str = "info",
    recipient: Any = None,
    link: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    enqueue: bool = True,
) -> Notification | None:
    """Record a notification once per ``dedupe_key``; None when it exists already.

    With a webhook, a delivery task is queued after commit (``enqueue=False``: the caller delivers)."""
    webhook = Webhook.objects.filter(workspace_id=workspace_id, enabled=True).first()
    send = webhook is not None and (not webhook.events or kind in webhook.events)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                workspace_id=workspace_id,
                recipient=recipient if getattr(recipient, "pk", None) else None,
                kind=kind,
                level=level,
                title=title[:200],
                message=message,
                link=link or {},
                data=data or {},
                dedupe_key=dedupe_key[:200],
                webhook_state=PENDING if send else "",
            )
    except IntegrityError:
        return None
    if send and enqueue:
        transaction.on_commit(lambda: _enqueue_delivery(notification.pk))
    return notification


def _enqueue_delivery(notification_id: int) -> None:
    from .tasks import deliver_webhook

    try:
        deliver_webhook.delay(notification_id)
    except Exception:  # the broker is down: the sweep retries pending deliveries
        log.warning("could not queue webhook delivery %s", notification_id, exc_info=True)


def visible_to(user) -> QuerySet[Notification]:
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return (
        Notification.objects.filter(workspace__in=readable_workspace_ids(user))
        .filter(Q(recipient__isnull=True) | Q(recipient=user))
        .annotate(is_read=Exists(NotificationRead.objects.filter(notification=OuterRef("pk"), user=user)))
    )


def mark_read(notification: Notification, user) -> None:
    NotificationRead.objects.get_or_create(notification=notification, user=user)


def mark_all_read(user) -> int:
    unread = visible_to(user).filter(is_read=False).values_list("pk", flat=True)  # type: ignore[misc]
    reads = [NotificationRead(notification_id=pk, user=user) for pk in unread]
    NotificationRead.objects.bulk_create(reads, ignore_conflicts=True)
    return len(reads)


# -- webhook addresses ------------------------------------------------------------------------------
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):
    pass


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [
        ipaddress.ip_network(cidr, strict=False)
        for cidr in getattr(settings, "AUTOMATION_WEBHOOK_ALLOWED_NETWORKS", ()) or ()
    ]


def address_refusal(address: IPAddress) -> str | None:
    """Why a webhook may not be sent to ``address`` (None: it may)."""
    if any(address in network for network in _allowed_networks()):
        return None
    return public_address_only(address)


def split_url(url: Any) -> tuple[str, str, int, str]:
    """(scheme, host, port, path and query) of an http(s) URL, or AddressRefused saying what is wrong."""
    if not isinstance(url, str) or len(url) > 2048:
        raise AddressRefused("The webhook URL must be an http:// or https:// address.")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused("The webhook URL must be an http:// or https:// address with a host name.")
    if parts.username or parts.password:
        raise AddressRefused("Put no user name or password in the webhook URL; use the signing secret.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise AddressRefused("The webhook URL has an invalid port.") from None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, target


def checked_addresses(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to, all of them allowed, or AddressRefused naming the first that is not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressRefused(f"The host '{host}' could not be found ({exc}).") from None
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        reason = address_refusal(address)
        if reason:
            raise AddressRefused(
                f"The host '{host}' resolves to {address}, which is {reason}: webhooks go only to public "
                "internet addresses."
            )
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise AddressRefused(f"The host '{host}' has no address.")
    return addresses


def check_webhook_url(url: Any) -> str:
    try:
        _, host, port, _ = split_url(url)
        checked_addresses(host, port)
    except AddressRefused as exc:
        raise ApiError("webhook_url_refused", str(exc), field="url") from None
    return url.strip()


# -- webhook settings -------------------------------------------------------------------------------
def set_webhook(workspace, actor, *, url: Any, events: Any = None, enabled: bool = True) -> Webhook:
    url = check_webhook_url(url)
    events = list(events or [])
    unknown = [e for e in events if e not in KINDS]
    if unknown:
        raise ApiError(
            "invalid_events",
            f"Unknown event kinds: {', '.join(map(str, unknown))}. Known: {', '.join(KINDS)}.",
            field="events",
        )
    webhook = Webhook.objects.filter(workspace=workspace).first()
    if webhook is None:
        webhook = Webhook(workspace=workspace, secret=f"whsec_{secrets.token_urlsafe(32)}", created_by=actor)
    webhook.url, webhook.events, webhook.enabled = url, events, bool(enabled)
    webhook.save()
    return webhook


def rotate_secret(webhook: Webhook) -> Webhook:
    webhook.secret = f"whsec_{secrets.token_urlsafe(32)}"
    webhook.save(update_fields=["secret", "updated_at"])
    return webhook


# -- delivery ---------------------------------------------------------------------------------------
class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: IPAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((str(self._address), self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: IPAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((str(self._address), self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


def payload(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "level": notification.level,
        "title": notification.title,
        "message": notification.message,
        "link": notification.link,
        "data": notification.data,
        "workspace": notification.workspace_id,
        "created_at": notification.created_at.isoformat(),
    }


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST to a checked address; the status code, or AddressRefused / OSError."""
    scheme, host, port, target = split_url(url)
    address = checked_addresses(host, port)[0]
    connection = (_PinnedHTTPS if scheme == "https" else _PinnedHTTP)(host, port, address, TIMEOUT_SECONDS)
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)
        return response.status
    except http.client.HTTPException as exc:
        raise OSError(str(exc)) from None
    finally:
        connection.close()


def deliver(notification_id: int) -> str:
    """Send one notification to its workspace's webhook; the delivery state afterwards."""
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None or notification.webhook_state not in (PENDING, FAILED, SENDING):
        return notification.webhook_state if notification else "missing"
    # Claim it (a conditional update), so a queued task and a retry never both send it.
    claimed = Notification.objects.filter(
        Q(webhook_state__in=[PENDING, FAILED])
        | Q(webhook_state=SENDING, webhook_next_at__lte=timezone.now()),
        pk=notification.pk,
        webhook_attempts=notification.webhook_attempts,
    ).update(webhook_state=SENDING, webhook_next_at=timezone.now() + SENDING_LEASE)
    if not claimed:
        return SENDING
    webhook = Webhook.objects.filter(workspace_id=notification.workspace_id, enabled=True).first()
    if webhook is None:
        Notification.objects.filter(pk=notification.pk).update(webhook_state="", webhook_next_at=None)
        return ""
    body = json.dumps(payload(notification), default=str).encode()
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "ml-designer-webhook",
        "X-Designer-Event": notification.kind,
        "X-Designer-Delivery": str(notification.pk),
        "X-Designer-Timestamp": stamp,
        "X-Designer-Signature": signature(webhook.secret, stamp, body),
    }
    attempts = notification.webhook_attempts + 1
    try:
        code = post(webhook.url, body, headers)
    except AddressRefused as exc:
        return _record(notification, REFUSED, attempts, str(exc))
    except OSError as exc:
        return _record(notification, FAILED, attempts, f"{type(exc).__name__}: {exc}")
    if 200 <= code < 300:
        return _record(notification, DELIVERED, attempts, "")
    return _record(notification, FAILED, attempts, f"The webhook answered HTTP {code}.")


def _record(notification: Notification, state: str, attempts: int, error: str) -> str:
    next_at = None
    if state == FAILED and attempts < MAX_ATTEMPTS:
        next_at = timezone.now() + timedelta(seconds=30 * 2 ** (attempts - 1))
    elif state == FAILED:
        error = f"Gave up after {attempts} attempts. {error}"
    Notification.objects.filter(pk=notification.pk).update(
        webhook_state=state, webhook_attempts=attempts, webhook_error=error[:2000], webhook_next_at=next_at
    )
    return state


def retry_due_deliveries(now=None) -> int:
    now = now or timezone.now()
    due = list(
        Notification.objects.filter(
            Q(webhook_state=PENDING, created_at__lte=now - timedelta(seconds=60))
            | Q(webhook_state__in=[FAILED, SENDING], webhook_next_at__lte=now)
        ).values_list("pk", flat=True)[:100]
    )
    for pk in due:
        deliver(pk)
    return len(due)
