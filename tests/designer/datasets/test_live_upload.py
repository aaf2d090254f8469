"""Uploads over the real ASGI server, with a browser-like session (cookie + CSRF token)."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlparse

import httpx
import pytest

from designer.datasets import services
from designer.datasets.models import Dataset, DatasetVersion

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _session(base: str, username: str, password: str) -> httpx.Client:
    """Signed in the way the browser is: session cookie, and the CSRF token on every write."""
    client = httpx.Client(base_url=base, timeout=60)
    client.get("/api/v1/auth/csrf/")
    response = client.post(
        "/api/v1/auth/login/",
        json={"username": username, "password": password},
        headers={"X-CSRFToken": client.cookies["csrftoken"]},
    )
    assert response.status_code == 200, response.text
    client.headers["X-CSRFToken"] = client.cookies["csrftoken"]
    return client


def test_a_file_bigger_than_the_in_memory_threshold_streams_through(
    live_server_url, django_user_model
) -> None:
    django_user_model.objects.create_user("uploader", password="a long test password")
    client = _session(live_server_url, "uploader", "a long test password")
    rows = 120_000  # about 3.3 MB: more than Django keeps in memory, so it goes through a temporary file
    data = "id,value,label\n" + "".join(f"{i},{i * 0.25},row{i}\n" for i in range(rows))
    response = client.post(
        "/api/v1/datasets/", files={"file": ("big.csv", data.encode(), "text/csv")}, data={"name": "big"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["version"]["rows"] == rows
    version = DatasetVersion.objects.get(dataset__name="big", number=1)
    frame = services.load_table(version).df
    assert frame["id"].iloc[-1] == rows - 1 and frame["value"].iloc[-1] == (rows - 1) * 0.25
    assert client.get(f"/api/v1/datasets/{version.dataset_id}/profile/").status_code in (200, 202)


def test_an_oversized_upload_is_refused_before_its_body_is_read(live_server_url, django_user_model) -> None:
    django_user_model.objects.create_user("big-sender", password="a long test password")
    client = _session(live_server_url, "big-sender", "a long test password")
    cookies = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    url = urlparse(live_server_url)
    boundary = "----designer-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.csv"\r\n'
        "Content-Type: text/csv\r\n\r\na,b\n1,2\n"
    ).encode()
    claimed = 300 * 1024 * 1024  # 300 MB promised; only a few bytes are ever sent
    request = (
        f"POST /api/v1/datasets/ HTTP/1.1\r\nHost: {url.netloc}\r\nCookie: {cookies}\r\n"
        f"X-CSRFToken: {client.headers['X-CSRFToken']}\r\nOrigin: {live_server_url}\r\n"
        f"Referer: {live_server_url}/app/\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {claimed}\r\n\r\n"
    ).encode()
    started = time.monotonic()
    with socket.create_connection((url.hostname, url.port), timeout=8) as conn:
        conn.sendall(request + head)
        reply = b""
        while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            reply += chunk
    assert time.monotonic() - started < 15
    status_line, _, rest = reply.partition(b"\r\n")
    assert b" 413 " in status_line, reply[:500]
    assert b"file_too_large" in rest and b"200 MB" in rest
    assert not Dataset.objects.filter(name="huge").exists()
