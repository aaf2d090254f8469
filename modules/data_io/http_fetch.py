"""Downloading a file for Import Data ("URL via HTTP") without letting a pipeline reach inside the network.

A pipeline author controls the URL, and the worker that fetches it usually sits next to databases, the
cloud metadata service and the designer itself. So the host name is resolved once, every address it
resolves to is checked (loopback, private, link-local, multicast, reserved and any other non-public
range are refused), and the connection goes to that checked address, not to a second lookup that DNS
could answer differently. Redirects are followed by hand, each hop checked the same way. Downloads
stop at a size limit and a deadline.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

from modules.sdk import ModuleError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Returns why an address is refused, or None when it may be contacted.
AddressPolicy = Callable[[IPAddress], str | None]
Resolver = Callable[[str, int], list[IPAddress]]

MAX_REDIRECTS = 5
_CHUNK = 64 * 1024
_REDIRECTS = {301, 302, 303, 307, 308}


def public_address_only(address: IPAddress) -> str | None:
    """The default policy: only globally routable unicast addresses."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for refused, reason in (
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_unspecified, "an unspecified address"),
        (address.is_private, "a private-network address"),
        (address.is_reserved, "a reserved address"),
        (not address.is_global, "not a public address"),
    ):
        if refused:
            return reason
    return None


def resolve_host(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ModuleError(
            "url_unreachable",
            f"The host '{host}' could not be found ({exc.strerror}). Check the spelling of the URL.",
            parameter="url",
        ) from None
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])  # drop an IPv6 zone id
        if address not in addresses:
            addresses.append(address)
    return addresses


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Talks to ``host`` (Host header) over a socket to an already checked address."""

    def __init__(self, host: str, port: int, address: IPAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((str(self._address), self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to an already checked address; the certificate is still verified against the host name."""

    def __init__(self, host: str, port: int, address: IPAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((str(self._address), self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


def fetch_url(
    url: str,
    *,
    max_bytes: int,
    timeout: float,
    address_policy: AddressPolicy = public_address_only,
    resolver: Resolver = resolve_host,
) -> bytes:
    """The body of a GET on ``url``; refuses non-public addresses, oversize bodies and slow servers.

    ``address_policy`` and ``resolver`` exist so tests can exercise the download path against a local
    server; the module always uses the defaults.
    """
    deadline = time.monotonic() + timeout
    for _ in range(MAX_REDIRECTS + 1):
        scheme, host, port, target = _split(url)
        addresses = resolver(host, port)
        if not addresses:
            raise ModuleError("url_unreachable", f"The host '{host}' has no address.", parameter="url")
        for address in addresses:
            reason = address_policy(address)
            if reason:
                raise ModuleError(
                    "url_address_not_allowed",
                    f"The host '{host}' resolves to {address}, which is {reason}. Import Data only reads "
                    "from public internet addresses; upload the file as a dataset instead.",
                    parameter="url",
                )
        connection_type = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        connection = connection_type(host, port, addresses[0], max(0.1, deadline - time.monotonic()))
        try:
            connection.request(
                "GET",
                target,
                headers={"User-Agent": "ml-designer-import-data", "Accept-Encoding": "identity"},
            )
            response = connection.getresponse()
            if response.status in _REDIRECTS:
                location = response.getheader("Location")
                if not location:
                    raise ModuleError("http_error", f"{url} redirects without saying where.", parameter="url")
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise ModuleError(
                    "http_error",
                    f"{url} answered {response.status} {response.reason}. Check that the URL is right and "
                    "that the file is public.",
                    parameter="url",
                )
            return _read_body(response, url, max_bytes, deadline)
        except (OSError, http.client.HTTPException) as exc:
            raise ModuleError(
                "url_unreachable", f"Could not download {url}: {exc}.", parameter="url"
            ) from None
        finally:
            connection.close()
    raise ModuleError(
        "too_many_redirects", f"{url} redirected more than {MAX_REDIRECTS} times.", parameter="url"
    )


def _split(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise ModuleError("invalid_url", f"'{url}' is not an http:// or https:// URL.", parameter="url")
    if not parts.hostname:
        raise ModuleError("invalid_url", f"'{url}' has no host name.", parameter="url")
    if parts.username or parts.password:
        raise ModuleError(
            "invalid_url",
            "Put no user name or password in the URL: they would be stored in the pipeline in plain text.",
            parameter="url",
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ModuleError("invalid_url", f"'{url}' has an invalid port.", parameter="url") from None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, target


def _read_body(response: http.client.HTTPResponse, url: str, max_bytes: int, deadline: float) -> bytes:
    too_large = ModuleError(
        "download_too_large",
        f"{url} is larger than the {max_bytes // (1024 * 1024)} MB limit. Raise 'Maximum download size "
        "(MB)' or upload a smaller file.",
        parameter="url",
    )
    declared = response.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    chunks: list[bytes] = []
    received = 0
    while chunk := response.read(_CHUNK):
        received += len(chunk)
        if received > max_bytes:
            raise too_large
        if time.monotonic() > deadline:
            raise ModuleError(
                "url_timeout", f"Downloading {url} took longer than the time limit.", parameter="url"
            )
        chunks.append(chunk)
    return b"".join(chunks)
