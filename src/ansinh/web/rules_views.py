"""The calculators and the rules page: thin doors onto the pure ``ansinh.rules`` package.

Every calculator is a GET form (a quote changes nothing, and a link to it can be shared); htmx re-renders the
result on each change, and the submit button does the same without JavaScript. A rule that refuses the input
is shown on the field at fault, in plain words (`ansinh.core.rule_errors.rule_error_message`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from ansinh.areas.selectors import default_province_code, province_choices
from ansinh.core.dates import parse_partial_date, today
from ansinh.core.errors import ApplicationError
from ansinh.core.legal_titles import parameter_title, title_in, unit_in
from ansinh.core.money import format_vnd
from ansinh.core.numbers import parse_id, parse_whole
from ansinh.core.rule_errors import or_list, rule_error_message
from ansinh.rules import hi, pension, vsi
from ansinh.rules._util import pct
from ansinh.rules.errors import RuleError
from ansinh.rules.params import Parameters, Value, default, value_json

from .charts import axis_scale, coord
from .forms import read_day, read_whole
from .labels import VSI_GROUP_LABELS, hi_group_label, pension_assumption_label
from .templatetags.humanize_vi import thousands
from .views import signed_in

PARAMETER_FAMILIES = {
    "base_salary": gettext_lazy("Base salary / reference level"),
    "hi": gettext_lazy("Health insurance"),
    "cards": gettext_lazy("Health-insurance cards"),
    "poverty_line_rural": gettext_lazy("Rural poverty line"),
    "vsi": gettext_lazy("Voluntary social insurance"),
    "pension": gettext_lazy("Pensions"),
    "provinces": gettext_lazy("Provincial top-ups"),
    "targets": gettext_lazy("National targets"),
}

MAX_MEMBERS = 20
CHART_YEARS = 40


# ------------------------------------------------------------------------------------------------------
# reading the form


def _show_rule_error(errors: dict[str, str], e: RuleError, fields: dict[str, str], fallback: str) -> None:
    errors[fields.get(e.field or "", fallback)] = rule_error_message(e)


def _refs(values: tuple[Value, ...] | list[Value]) -> list[dict[str, Any]]:
    seen, out = set(), []
    for v in values:
        if (v.name, v.since) in seen:
            continue
        seen.add((v.name, v.since))
        out.append(
            {
                "parameter": v.name,
                "title": parameter_title(get_language(), v.name, None),
                "since": v.since,
                "references": v.references,
                "unconfirmed": v.unconfirmed,
                "note": v.note,
            }
        )
    return out


def _basis(v: Value | None) -> str:
    if v is None:
        return ""
    text = "; ".join(dict.fromkeys(title_in(get_language(), r.title) for r in v.references))
    return text + (" — " + _("unconfirmed") if v.unconfirmed else "")


# ------------------------------------------------------------------------------------------------------
# the consultation calculator (household health insurance)


@signed_in
def hi_calculator(request):
    g = request.GET
    p = default()
    errors: dict[str, str] = {}
    groups = [x for x in g.getlist("group") if x] or ["household"]
    if g.get("add") and len(groups) < MAX_MEMBERS:
        groups.append("household")
    index = parse_id(g.get("remove"))
    if index is not None and len(groups) > 1 and index < len(groups):
        groups.pop(index)
    on_text = g.get("on") or today().strftime("%d/%m/%Y")
    day, message = read_day(on_text)
    if message:
        errors["on"] = message
    months_text = g.get("months", "12")
    months = parse_whole(months_text, digits=3) or 0
    province = g.get("province", default_province_code(user=request.user) if "on" not in g else "")
    rows: list[dict[str, Any]] = [
        {"index": i, "group": code, "error": None, "quote": None, "basis": ""}
        for i, code in enumerate(groups)
    ]
    known = set(hi.all_groups(p))
    in_force = known
    periods: list[int] = [3, 6, 12]
    if day is not None:
        in_force = {hi.HOUSEHOLD, *hi.subsidised_groups(p, day)}
        try:
            periods = hi.payment_periods(day, p)
        except RuleError as e:
            errors["on"] = rule_error_message(e)
    for row in rows:
        code = row["group"]
        if code not in known:
            row["error"] = _("Unknown group. Choose one from the list.")
        elif day is not None and code not in in_force:
            first = hi.group_first_date(code, p)
            row["error"] = _("This group has no state support on this date (it starts on %(day)s).") % {
                "day": first.strftime("%d/%m/%Y") if first else "?"
            }
    if months not in periods:
        errors["months"] = _("A health-insurance card is bought for %(months)s months.") % {
            "months": or_list(",".join(map(str, periods)))
        }
    quote = None
    if day is not None and not errors and not any(r["error"] for r in rows):
        try:
            quote = hi.quote(day, groups, months, province or None, p)
        except RuleError as e:
            _show_rule_error(errors, e, {"on": "on", "months": "months", "group": "general"}, "general")
    if quote is not None:
        used = {v.name: v for v in quote.references}
        order = used.get("hi.order_factors")
        for row, m in zip(rows, quote.members, strict=True):
            state_ref = used.get(f"hi.state_support.{m.group}")
            prov_ref = used.get(f"provinces.hi_topup.{quote.province}") if m.provincial_support else None
            if m.group == hi.HOUSEHOLD:
                factor = hi.order_factor(order.value, m.rank or 1) if order else 1
                basis = _(
                    "Household scheme, person %(rank)s pays %(share)s of person 1's premium: %(source)s"
                ) % {"rank": m.rank, "share": pct(factor), "source": _basis(order)}
            else:
                basis = _("The state pays %(share)s: %(source)s") % {
                    "share": pct(m.state_share),
                    "source": _basis(state_ref),
                }
            if prov_ref is not None:
                basis += " · " + _("the province adds %(share)s: %(source)s") % {
                    "share": pct(m.provincial_share),
                    "source": _basis(prov_ref),
                }
            row.update(quote=m, basis=basis)
    choices = [(c, hi_group_label(c)) for c in hi.all_groups(p) if c in in_force]
    for row in rows:  # keep a chosen group visible even when it does not apply on the date
        if row["group"] not in dict(choices):
            choices.append((row["group"], hi_group_label(row["group"])))
    context = {
        "rows": rows,
        "quote": quote,
        "references": _refs(quote.references) if quote else [],
        "choices": choices,
        "on_text": on_text,
        "months": months,
        "periods": periods,
        "province": province,
        "provinces": province_choices(),
        "errors": errors,
        "max_members": MAX_MEMBERS,
    }
    template = "web/rules_calculator.html#calc" if request.htmx else "web/rules_calculator.html"
    return render(request, template, context)


# ------------------------------------------------------------------------------------------------------
# the voluntary SI and pension calculator


def _chart(points: list[tuple[int, int, bool]], chosen: int, min_years: int) -> dict[str, Any]:
    """Coordinates of an inline SVG bar chart: monthly pension (y) against years of contribution (x)."""
    width, height, left, right, top, bottom = 720, 280, 84, 12, 22, 40
    ceiling, step = axis_scale(max([v for _y, v, _e in points] + [1]))
    plot_w, plot_h = width - left - right, height - top - bottom
    base = top + plot_h
    slot = plot_w / len(points)
    bars = []
    for i, (years, value, eligible) in enumerate(points):
        h = plot_h * value / ceiling if eligible else 2
        bars.append(
            {
                "x": coord(left + i * slot + slot * 0.15),
                "w": coord(slot * 0.7),
                "y": coord(base - h),
                "h": coord(h),
                "years": years,
                "value": value,
                "eligible": eligible,
                "chosen": years == chosen,
                "label_x": coord(left + i * slot + slot / 2),
                "show_label": years % 5 == 0 or years in (1, chosen),
            }
        )
    ticks = [
        {
            "value": v,
            "y": coord(base - plot_h * v / ceiling),
            "label_y": coord(base - plot_h * v / ceiling + 4),
        }
        for v in range(0, ceiling + 1, step)
    ]
    threshold = left + (min_years - 1) * slot if 1 <= min_years <= len(points) else None
    return {
        "width": width,
        "height": height,
        "left": str(left),
        "right": str(width - right),
        "tick_x": str(left - 6),
        "top": str(top),
        "bottom": str(base),
        "label_y": str(base + 16),
        "bars": bars,
        "ticks": ticks,
        "threshold_x": coord(threshold) if threshold is not None else None,
        "threshold_label_x": coord(threshold + 4) if threshold is not None else None,
        "threshold_label_y": str(top - 8),
        "axis_y": str(height - 6),
    }


def _pension_points(sex: str, born: dt.date | None, income: int, on: dt.date) -> list[tuple[int, int, bool]]:
    out = []
    for years in range(1, CHART_YEARS + 1):
        e = pension.estimate(sex, born=born, years=years, average_income=income, on=on)
        out.append((years, e.monthly_pension, e.eligible))
    return out


def vsi_modes(p: Parameters, day: dt.date | None) -> list[tuple[str, int | None, int | None]]:
    """How a person may pay voluntary SI on the date, as (choice, months, years in advance): every
    ``vsi.payment_modes`` period, then 1 to ``vsi.advance_max_years`` years in advance. Without a date (or
    figures for it), the latest figures in force, so that the form still shows its choices."""
    on = day or today()
    try:
        months, years = vsi.payment_modes(on, p), vsi.advance_max_years(on, p)
    except RuleError:  # the date is refused on its own field; show today's choices
        months, years = vsi.payment_modes(today(), p), vsi.advance_max_years(today(), p)
    return [(str(m), m, None) for m in months] + [(f"a{n}", None, n) for n in range(1, years + 1)]


@signed_in
def vsi_calculator(request):
    g = request.GET
    p: Parameters = default()
    errors: dict[str, str] = {}
    on_text = g.get("on") or today().strftime("%d/%m/%Y")
    day, message = read_day(on_text)
    if message:
        errors["on"] = message
    floor_default = ""
    ceiling_multiple = support_max_months = None  # for the hints: the law's figures on the date, not literals
    if day is not None:
        try:
            floor_default = thousands(vsi.income_floor(day, p))
            ceiling_multiple = vsi.ceiling_multiple(day, p)
            support_max_months = vsi.support_max_months(day, p)
        except RuleError as e:
            errors["on"] = rule_error_message(e)
    income_text = g.get("income") or floor_default
    income, message = read_whole(income_text, field_label=_("the income"))
    if message:
        errors["income"] = message
    group = g.get("group", "other")
    if group not in vsi.GROUPS:
        errors["group"] = _("Unknown group. Choose one from the list.")
    modes = vsi_modes(p, day)
    mode = g.get("mode", "1")
    mode_row = next((m for m in modes if m[0] == mode), None)
    if mode_row is None:
        errors["mode"] = _("Choose how often the person pays.")
    supported, message = read_whole(g.get("supported", "0") or "0", field_label=_("the months"))
    if message:
        errors["supported"] = message
    sex = g.get("sex", "f")
    if sex not in ("m", "f"):
        errors["sex"] = _("Choose male or female.")
    born_text = g.get("born", "")
    born = None
    if born_text.strip():
        try:  # rural records often know only the year, or the month and year, of birth
            born, _precision = parse_partial_date(born_text, field="born")
        except ApplicationError as e:
            errors["born"] = e.message
    if born is not None and day is not None and born > day:
        errors["born"] = _("The date of birth is after the payment date.")
    years, message = read_whole(g.get("years", "20") or "", field_label=_("the years"), minimum=1)
    if message:
        errors["years"] = message
    elif years is not None and years > 50:
        errors["years"] = _("Enter at most 50 years.")
    province = g.get("province", default_province_code(user=request.user) if "on" not in g else "")

    quote = estimate = chart = None
    fields = {
        "on": "on",
        "income": "income",
        "group": "group",
        "months": "mode",
        "advance_years": "mode",
        "supported_months_so_far": "supported",
    }
    contribution_fields = ("on", "income", "group", "mode", "supported", "general")
    if (
        not any(f in errors for f in contribution_fields)
        and day is not None
        and income is not None
        and mode_row
    ):
        try:
            quote = vsi.quote(
                day, income, [group], mode_row[1] or 1, mode_row[2], None, supported or 0, province or None, p
            )
        except RuleError as e:
            _show_rule_error(errors, e, fields, "general")
    if quote is not None and years is not None and not any(f in errors for f in ("sex", "born", "years")):
        try:
            estimate = pension.estimate(sex, born=born, years=years, average_income=income, on=day, params=p)
            points = _pension_points(sex, born, income, day)  # type: ignore[arg-type]
            chart = _chart(points, years, estimate.min_years)
        except RuleError as e:
            _show_rule_error(errors, e, {"sex": "sex", "born": "born", "years": "years"}, "years")
    context = {
        "g": {
            "on": on_text,
            "income": income_text,
            "group": group,
            "mode": mode,
            "supported": g.get("supported", "0"),
            "sex": sex,
            "born": born_text,
            "years": g.get("years", "20"),
            "province": province,
        },
        "errors": errors,
        "ceiling_multiple": ceiling_multiple,
        "support_max_months": support_max_months,
        "groups": [(c, str(VSI_GROUP_LABELS[c])) for c in vsi.GROUPS],
        "modes": modes,
        "provinces": province_choices(),
        "quote": quote,
        "estimate": estimate,
        "chart": chart,
        "rate_percent": pct(estimate.rate) if estimate else "",
        "assumptions": [pension_assumption_label(a) for a in estimate.assumptions] if estimate else [],
        "references": _refs(list(quote.references) + list(estimate.references if estimate else ()))
        if quote
        else [],
    }
    template = "web/rules_vsi.html#calc" if request.htmx else "web/rules_vsi.html"
    return render(request, template, context)


# ------------------------------------------------------------------------------------------------------
# the rules page


def _mapping(d: dict) -> str:
    return "; ".join(f"{k}: {'(' + _mapping(v) + ')' if isinstance(v, dict) else v}" for k, v in d.items())


def _display(value: Any, unit: str) -> str:
    shown = value_json(value, unit)
    if value is None:
        return _("(rule ends)")
    if isinstance(shown, int) and unit.upper().startswith("VND"):
        return format_vnd(shown)
    if isinstance(shown, int) and shown >= 10_000:
        return thousands(shown)
    if isinstance(shown, dict):
        return _mapping(shown) or "—"
    if isinstance(shown, list):
        return ", ".join(str(x) for x in shown)
    return str(shown)


@signed_in
def rules_page(request):
    p = default()
    on = today()
    families: dict[str, list[dict[str, Any]]] = {k: [] for k in PARAMETER_FAMILIES}
    unconfirmed = []
    for name in p.names():
        param = p.parameter(name)
        current = None
        for v in param.values:
            if v.since <= on:
                current = v.since
        values = [
            {
                "since": v.since,
                "display": _display(v.value, param.unit),
                "references": v.references,
                "unconfirmed": v.unconfirmed,
                "note": v.note,
                "current": v.since == current,
                "future": v.since > on,
            }
            for v in param.values
        ]
        entry = {
            "name": name,
            "anchor": name.replace(".", "-"),
            "description": parameter_title(get_language(), name, param.description),
            "unit": unit_in(get_language(), param.unit),
            "last_checked": param.last_checked,
            "note": param.note,
            "values": values,
            "unconfirmed": any(v.unconfirmed for v in param.values),
        }
        if entry["unconfirmed"]:
            unconfirmed.append(entry)
        families.setdefault(name.split(".")[0], []).append(entry)
    sections = [
        {"key": k, "title": str(PARAMETER_FAMILIES.get(k, k)), "parameters": v} for k, v in families.items()
    ]
    sections = [s for s in sections if s["parameters"] or s["key"] == "provinces"]
    return render(
        request,
        "web/rules_page.html",
        {
            "sections": sections,
            "unconfirmed": unconfirmed,
            "today": on,
            "count": len(p.names()),
        },
    )
