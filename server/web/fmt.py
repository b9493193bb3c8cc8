"""Vietnamese number, money and date formats (1.234.567 ₫, 22/11/2026)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

VN_TZ = timezone(timedelta(hours=7), "ICT")  # Vietnam keeps no daylight saving time


def number(value: int | float | None) -> str:
    """1234567 -> '1.234.567' (dot thousands, as written in Vietnam)."""
    if value is None:
        return "–"
    sign = "-" if value < 0 else ""
    return sign + f"{abs(int(round(value))):,}".replace(",", ".")


def vnd(value: int | None) -> str:
    """1234567 -> '1.234.567 ₫' (the non-breaking space keeps the symbol with its number)."""
    if value is None:
        return "–"
    return f"{number(value)}\u00a0₫"


def percent(value: float | None, digits: int = 1) -> str:
    """0.853 -> '85,3 %' (comma decimals)."""
    if value is None:
        return "–"
    return f"{value * 100:.{digits}f}".replace(".", ",") + "\u00a0%"


def day(value: date | datetime | str | None) -> str:
    """A date as dd/mm/yyyy; a datetime is shown in Vietnam time first."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.astimezone(VN_TZ).date()
    return value.strftime("%d/%m/%Y")


def moment(value: datetime | str | None) -> str:
    """A timestamp as dd/mm/yyyy HH:MM in Vietnam time."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


__all__ = ["VN_TZ", "day", "moment", "number", "percent", "vnd"]
