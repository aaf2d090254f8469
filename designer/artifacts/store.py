"""The artifact store: bytes by sha256 digest, on a local folder (default) or any storage backend.

Writes are atomic (temporary file + rename) and idempotent: the same bytes always land under the same
name, so two workers producing the same output never conflict. Decoded values are also kept in a small
per-process memory cache, so a successor step that lands on the same worker reads nothing from disk.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from django.conf import settings

from modules.sdk import codecs

from .models import Artifact


class LocalStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:]

    def put(self, digest: str, data: bytes) -> None:
        target = self.path(digest)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()

    def exists(self, digest: str) -> bool:
        return self.path(digest).exists()

    def delete(self, digest: str) -> None:
        self.path(digest).unlink(missing_ok=True)


class _MemoryCache:
    """Recently written or read port values of this process, newest last."""

    def __init__(self, capacity: int = 24) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, digest: str) -> Any | None:
        with self._lock:
            if digest in self._items:
                self._items.move_to_end(digest)
                return self._items[digest]
        return None

    def put(self, digest: str, value: Any) -> None:
        with self._lock:
            self._items[digest] = value
            self._items.move_to_end(digest)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


memory_cache = _MemoryCache()
_store: LocalStore | None = None


def store() -> LocalStore:
    global _store
    if _store is None or str(_store.root) != str(settings.ARTIFACT_ROOT):
        _store = LocalStore(settings.ARTIFACT_ROOT)
    return _store


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save_bytes(data: bytes, media_type: str, port_type: str) -> str:
    digest = digest_of(data)
    store().put(digest, data)
    Artifact.objects.bulk_create(
        [Artifact(digest=digest, size=len(data), media_type=media_type, port_type=port_type)],
        ignore_conflicts=True,
    )
    return digest


def save_value(port_type: str, value: Any) -> str:
    data, media_type = codecs.encode(port_type, value)
    digest = save_bytes(data, media_type, port_type)
    memory_cache.put(digest, value)
    return digest


def load_value(port_type: str, digest: str) -> Any:
    cached = memory_cache.get(digest)
    if cached is not None:
        return cached
    value = codecs.decode(port_type, store().get(digest))
    memory_cache.put(digest, value)
    return value


def load_bytes(digest: str) -> bytes:
    return store().get(digest)
