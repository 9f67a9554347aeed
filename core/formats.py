"""Numbers and dates as the reader's language writes them (CLDR, through Flask-Babel): "1 234",
"1 déc. 2026", "12,5 %". What a machine reads (input values, data attributes, exports) keeps
its own fixed form and never comes through here."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_date, format_decimal, format_number, format_percent, format_time, get_locale


def signed(value: int | None) -> str:
    """An NPS with its sign, digits in the reader's language: "+42", "0", "-7"."""
    value = value or 0
    return ("+" if value > 0 else "-" if value < 0 else "") + format_number(abs(value))


def margin(value: float | None) -> str:
    """A margin of error, to one decimal as it is computed: "9.5", « 9,5 »."""
    return "" if value is None else format_decimal(value, "#,##0.0")


def percent(share: float, decimals: int = 0) -> str:
    """A share of 1 as the language writes percentages ("12.5%", « 12,5 % »), to `decimals`."""
    pattern = get_locale().percent_formats[None].pattern
    if decimals:
        pattern = pattern.replace("0", "0." + "0" * decimals, 1)  # CLDR's patterns have one "0"
    return format_percent(share, pattern)


def day(value: date | datetime) -> str:
    """A date, medium length: "Dec 1, 2026", « 1 déc. 2026 »."""
    return format_date(value, "medium")


def moment(value: datetime) -> str:
    """A date and time to the minute (UTC, as stored and as the page says): "Dec 1, 2026 9:05 PM"."""
    return f"{format_date(value, 'medium')} {format_time(value, 'short')}"


def moment_seconds(value: datetime) -> str:
    """A date and time to the second, for the audit log and deliveries."""
    return f"{format_date(value, 'medium')} {format_time(value, 'medium')}"


FILTERS = {
    "signed": signed,
    "margin": margin,
    "percent": percent,
    "day": day,
    "moment": moment,
    "moment_seconds": moment_seconds,
}
