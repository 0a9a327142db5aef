"""Dates in Korea Standard Time (UTC+9, no daylight saving)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")


def now_kst() -> dt.datetime:
    return dt.datetime.now(tz=KST)


def today_kst() -> dt.date:
    """Today's date in Korea, whatever the server's own time zone."""
    return now_kst().date()


def format_date(value: dt.date | dt.datetime | None) -> str:
    """``2025-05-21`` style (ISO, as Korean offices write dates in forms and files)."""
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.astimezone(KST).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()
