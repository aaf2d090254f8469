"""Endpoint monitoring: request and error counts and latency percentiles per version over time buckets,
and input drift per feature against the training data."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from django.utils import timezone

from .drift import drift_report
from .models import Endpoint, EndpointVersion, InputSample, RequestLog

MAX_LOG_ROWS = 500_000
MAX_SAMPLE_ROWS = 20_000


def _summary(statuses: list[int], latencies: list[float], rows: list[int]) -> dict[str, Any]:
    lat = np.asarray(latencies, dtype=np.float64)
    errors = sum(1 for s in statuses if s >= 400)
    out: dict[str, Any] = {
        "requests": len(statuses),
        "errors": errors,
        "client_errors": sum(1 for s in statuses if 400 <= s < 500),
        "server_errors": sum(1 for s in statuses if s >= 500),
        "rows": int(sum(rows)),
    }
    if len(lat):
        p50, p95, p99 = np.percentile(lat, [50, 95, 99])
        out.update(p50_ms=round(float(p50), 3), p95_ms=round(float(p95), 3), p99_ms=round(float(p99), 3))
    else:
        out.update(p50_ms=None, p95_ms=None, p99_ms=None)
    return out


def endpoint_metrics(
    endpoint: Endpoint, window_seconds: int = 3600, bucket_seconds: int = 60
) -> dict[str, Any]:
    now = timezone.now()
    since = now - timedelta(seconds=window_seconds)
    logs = list(
        RequestLog.objects.filter(endpoint=endpoint, created_at__gte=since)
        .order_by("-created_at")
        .values_list("version", "status", "latency_ms", "rows", "created_at", "error_code")[:MAX_LOG_ROWS]
    )
    per_version: dict[str, list] = defaultdict(list)
    for entry in logs:
        per_version[str(entry[0]) if entry[0] is not None else "none"].append(entry)
    codes: dict[str, int] = defaultdict(int)
    for entry in logs:
        if entry[5]:
            codes[entry[5]] += 1
    versions: dict[str, Any] = {}
    for key, entries in sorted(per_version.items()):
        buckets: dict[int, list] = defaultdict(list)
        for entry in entries:
            buckets[int(entry[4].timestamp()) // bucket_seconds * bucket_seconds].append(entry)
        series = []
        for start in sorted(buckets):
            items = buckets[start]
            series.append(
                {
                    "start": datetime.fromtimestamp(start, tz=UTC).isoformat(),
                    **_summary([e[1] for e in items], [e[2] for e in items], [e[3] for e in items]),
                }
            )
        versions[key] = {
            "totals": _summary([e[1] for e in entries], [e[2] for e in entries], [e[3] for e in entries]),
            "series": series,
        }
    drift = {}
    for version in EndpointVersion.objects.filter(
        endpoint=endpoint, number__in=[int(k) for k in versions if k.isdigit()]
    ):
        rows: list[dict[str, Any]] = []
        for sample in InputSample.objects.filter(
            endpoint=endpoint, version=version.number, created_at__gte=since
        ).order_by("-created_at"):
            rows.extend(sample.rows)
            if len(rows) >= MAX_SAMPLE_ROWS:
                break
        drift[str(version.number)] = {
            "sample_rows": len(rows),
            "features": drift_report(version.drift_reference or {}, rows),
        }
    return {
        "endpoint": endpoint.name,
        "window_seconds": window_seconds,
        "bucket_seconds": bucket_seconds,
        "since": since.isoformat(),
        "totals": _summary([e[1] for e in logs], [e[2] for e in logs], [e[3] for e in logs]),
        "error_codes": dict(codes),
        "versions": versions,
        "drift": drift,
    }
