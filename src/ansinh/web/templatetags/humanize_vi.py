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


@register.filter
def legal(title) -> str:
    """A legal reference's title in the page's language (core.legal_titles)."""
    from django.utils.translation import get_language

    from ansinh.core.legal_titles import title_in

    return title_in(get_language(), str(title or ""))


@register.filter
def legal_basis(references) -> list[dict]:
    """References as a quote lists them: each text once, in the page's language, marked when unconfirmed."""
    out: dict[str, dict] = {}
    for ref in references or []:
        get = ref.get if isinstance(ref, dict) else lambda k, ref=ref: getattr(ref, k, None)
        title = legal(get("title"))
        entry = out.setdefault(title, {"title": title, "href": get("href"), "unconfirmed": False})
        entry["unconfirmed"] = entry["unconfirmed"] or bool(get("unconfirmed"))
    return list(out.values())
