"""Numbers, values and dates as the site and the status table show them."""

from __future__ import annotations

from datetime import date


def format_number(value: float, decimals: int | None = None) -> str:
    if decimals is not None:
        return f"{value:,.{decimals}f}"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.1f}"


def format_value(value: float, decimals: int | None, unit: str | None) -> str:
    """A metric value with its unit: 17.9 days, 89.1%, 0.78 per 10,000 patient days."""
    text = format_number(value, decimals)
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def format_percent(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio * 100:.0f}%"


def format_date(day: date, lang: str = "en") -> str:
    """ISO dates everywhere for now: unambiguous in every language."""
    return day.isoformat()
