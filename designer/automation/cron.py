"""Cron expressions and interval ticks: parsing, validation, and which tick a trigger belongs to.

Celery beat decides *when* to send a trigger; these functions decide *which scheduled time* a trigger is
for, from the schedule alone, so that the same tick always gets the same key whoever sends it and
however late. Cron fields have Celery's meaning (day of week 0 = Sunday; when both day of month and day
of week are restricted, both must match), since beat evaluates them with Celery's ``crontab``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from celery.schedules import crontab

ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
FIELD_NAMES = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
# How far back (or ahead) to look for a matching minute; a yearly expression matches within this.
_HORIZON = timedelta(days=4 * 366)
_MINUTE = timedelta(minutes=1)


class ScheduleSpecError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Cron:
    minute: str
    hour: str
    day_of_month: str
    month_of_year: str
    day_of_week: str

    @property
    def expression(self) -> str:
        return " ".join(getattr(self, name) for name in FIELD_NAMES)

    def crontab(self) -> crontab:
        return crontab(
            minute=self.minute,
            hour=self.hour,
            day_of_month=self.day_of_month,
            month_of_year=self.month_of_year,
            day_of_week=self.day_of_week,
        )


def parse_cron(expression: str) -> Cron:
    """Five fields (minute hour day-of-month month day-of-week) or an alias such as @daily."""
    if not isinstance(expression, str) or not expression.strip():
        raise ScheduleSpecError("cron", "cron needs five fields: minute hour day-of-month month day-of-week.")
    text = ALIASES.get(expression.strip().lower(), expression.strip())
    fields = text.split()
    if len(fields) != 5:
        raise ScheduleSpecError(
            "cron",
            f"cron needs five fields (minute hour day-of-month month day-of-week), e.g. '0 2 * * *' for "
            f"02:00 every day; got {len(fields)}.",
        )
    cron = Cron(*fields)
    try:
        cron.crontab()
    except Exception as exc:  # celery's parser raises ValueError or its own ParseException
        raise ScheduleSpecError("cron", f"'{expression}' is not a valid cron expression: {exc}") from None
    return cron


def parse_timezone(name: str) -> ZoneInfo:
    if not isinstance(name, str) or name not in _zone_names():
        raise ScheduleSpecError(
            "timezone", f"Unknown time zone {name!r}; use an IANA name like 'Europe/Paris'."
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleSpecError("timezone", f"Unknown time zone {name!r}.") from None


_ZONES: set[str] | None = None


def _zone_names() -> set[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = available_timezones() | {"UTC"}
    return _ZONES


def _matches_day(schedule: crontab, moment: datetime) -> bool:
    return (
        moment.month in schedule.month_of_year
        and moment.day in schedule.day_of_month
        and moment.isoweekday() % 7 in schedule.day_of_week
    )


def latest_cron_tick(cron: Cron, zone: ZoneInfo, now: datetime) -> datetime | None:
    """The latest time at or before ``now`` that the expression names, in UTC (None if none is near)."""
    schedule = cron.crontab()
    moment = now.astimezone(zone).replace(second=0, microsecond=0, tzinfo=None)
    limit = moment - _HORIZON
    while moment >= limit:
        if not _matches_day(schedule, moment):
            moment = moment.replace(hour=0, minute=0) - _MINUTE
        elif moment.hour not in schedule.hour:
            moment = moment.replace(minute=0) - _MINUTE
        elif moment.minute not in schedule.minute:
            moment -= _MINUTE
        else:
            return moment.replace(tzinfo=zone).astimezone(UTC)
    return None


def next_cron_tick(cron: Cron, zone: ZoneInfo, after: datetime) -> datetime | None:
    """The first time strictly after ``after`` that the expression names, in UTC."""
    schedule = cron.crontab()
    moment = after.astimezone(zone).replace(second=0, microsecond=0, tzinfo=None) + _MINUTE
    limit = moment + _HORIZON
    while moment <= limit:
        if not _matches_day(schedule, moment):
            moment = moment.replace(hour=0, minute=0) + timedelta(days=1)
        elif moment.hour not in schedule.hour:
            moment = moment.replace(minute=0) + timedelta(hours=1)
        elif moment.minute not in schedule.minute:
            moment += _MINUTE
        else:
            return moment.replace(tzinfo=zone).astimezone(UTC)
    return None


def latest_interval_tick(anchor: datetime, seconds: int, now: datetime) -> datetime:
    """The latest ``anchor + k * seconds`` at or before ``now`` (k >= 0)."""
    elapsed = (now - anchor).total_seconds()
    if elapsed < 0:
        return anchor
    return anchor + timedelta(seconds=int(elapsed // seconds) * seconds)


def next_interval_tick(anchor: datetime, seconds: int, after: datetime) -> datetime:
    if after < anchor:
        return anchor
    return latest_interval_tick(anchor, seconds, after) + timedelta(seconds=seconds)
