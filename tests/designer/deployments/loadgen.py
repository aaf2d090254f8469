"""A small closed-loop HTTP/1.1 load generator: N keep-alive connections, each sending one request and
waiting for the whole reply before the next. Raw asyncio streams (no HTTP client library), so one
Python process can drive thousands of requests per second; used by the load test and bench/scoring.py."""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0  # connection-level failures

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def non_2xx(self) -> int:
        return sum(n for s, n in self.statuses.items() if not 200 <= s < 300)

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]

    def summary(self) -> dict[str, float]:
        return {
            "requests": self.requests,
            "req_per_s": round(self.requests / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(self.percentile(50), 3),
            "p99_ms": round(self.percentile(99), 3),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 3) if self.latencies_ms else float("nan"),
            "non_2xx": self.non_2xx,
            "connection_errors": self.errors,
        }


def http_request(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _connection(host: str, port: int, request: bytes, deadline: float, result: LoadResult) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    latencies = result.latencies_ms
    statuses = result.statuses
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
                    break
            if length:
                await reader.readexactly(length)
            latencies.append((time.perf_counter() - started) * 1000.0)
            statuses[status] = statuses.get(status, 0) + 1
    except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        result.errors += 1
    finally:
        writer.close()


async def _run(host: str, port: int, request: bytes, connections: int, seconds: float) -> LoadResult:
    result = LoadResult(seconds=seconds)
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(_connection(host, port, request, deadline, result) for _ in range(connections)))
    result.seconds = time.perf_counter() - started
    return result


def run_load(
    host: str,
    port: int,
    path: str,
    body: bytes,
    headers: dict[str, str],
    *,
    connections: int = 8,
    seconds: float = 10.0,
) -> LoadResult:
    request = http_request(host, port, path, body, {"Content-Type": "application/json", **headers})
    return asyncio.run(_run(host, port, request, connections, seconds))
