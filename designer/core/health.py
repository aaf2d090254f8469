"""Health of the parts a run needs: the database, the broker and at least one live worker."""

from __future__ import annotations

from typing import Any

from django.db import connection

from designer.celery_app import app as celery_app


def check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # any driver error means "down"; the message tells the operator why
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def check_broker() -> dict[str, Any]:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            transport = conn.transport_cls
        return {"ok": True, "transport": str(transport)}
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def check_workers(timeout: float = 1.5) -> dict[str, Any]:
    try:
        replies = celery_app.control.ping(timeout=timeout) or []
    except Exception as exc:
        return {"ok": False, "count": 0, "workers": [], "error": f"{type(exc).__name__}: {exc}"}
    names = sorted(name for reply in replies for name in reply)
    return {"ok": bool(names), "count": len(names), "workers": names}


def health_report() -> tuple[bool, dict[str, Any]]:
    report: dict[str, Any] = {"database": check_database(), "broker": check_broker()}
    report["workers"] = (
        check_workers() if report["broker"]["ok"] else {"ok": False, "count": 0, "error": "broker is down"}
    )
    down = [name for name, part in report.items() if not part["ok"]]
    report["status"] = "ok" if not down else "down: " + ", ".join(down)
    return not down, report
