"""Template filters for the Vietnamese way of writing numbers, money and dates."""

from django import template

from ansinh.core.money import format_vnd
from ansinh.core.numbers import format_int, format_rate

register = template.Library()


@register.filter
def thousands(value) -> str:
    """12345 -> '12.345' (Vietnamese thousands separator)."""
    try:
        return format_int(value)
    except (TypeError, ValueError):
        return ""


@register.filter
def vnd(value) -> str:
    return format_vnd(int(value)) if value is not None else ""


@register.filter
def percent(value, digits: int = 1) -> str:
    """0.8856 -> '88,6 %' (Vietnamese decimal comma)."""
    return "" if value is None else format_rate(value, digits)


@register.filter
def isodate(value) -> str:
    """'2026-12-25' -> '25/12/2026'; '2026-12' -> '12/2026' (dates in JSON, shown the Vietnamese way)."""
    parts = str(value or "").split("-")
    return "/".join(reversed(parts)) if value else ""


@register.filter
def hi_group(code) -> str:
    from ansinh.web.labels import hi_group_label

    return hi_group_label(str(code or ""))


@register.filter
def vsi_group(code) -> str:
    from ansinh.web.labels import vsi_group_label

    return vsi_group_label(str(code or ""))


@register.filter
def split(value: str) -> list[str]:
    return value.split()


@register.filter
def field(form, name: str):
    return form[name]
