"""Small server-side SVG charts (no JavaScript library, no CDN: pages must work offline in a village)."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from .templatetags.humanize_vi import percent as _pct  # bar_chart has a parameter named percent
from .templatetags.humanize_vi import thousands


def _svg(parts: list[str]) -> SafeString:
    # Every label and title is escaped where it is put into the markup; numbers are formatted by us.
    return mark_safe("".join(parts))  # noqa: S308


def bar_chart(
    items: list[tuple[str, float | None]],
    *,
    target: float | None = None,
    width: int = 640,
    bar: int = 18,
    label_width: int = 190,
    percent: bool = True,
) -> SafeString:
    """Horizontal bars, one per (label, value between 0 and 1 when ``percent``), with an optional target line."""
    gap = 6
    height = max(1, len(items)) * (bar + gap) + 24
    plot = width - label_width - 60
    top = max([v or 0 for _l, v in items] + [target or 0, 1 if percent else 0]) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'class="chart" width="100%">'
    ]
    for i, (label, value) in enumerate(items):
        y = i * (bar + gap) + 4
        w = 0 if value is None else plot * value / top
        text = "–" if value is None else (_pct(value) if percent else thousands(round(value)))
        low = target is not None and value is not None and value < target
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar - 5}" text-anchor="end" font-size="12">'
            f"{escape(label[:30])}</text>"
        )
        colour = "#c0392b" if low else "#0b5cab"
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar}" rx="3" fill="{colour}">'
            f"<title>{escape(label)}: {text}</title></rect>"
        )
        parts.append(f'<text x="{label_width + w + 4:.1f}" y="{y + bar - 5}" font-size="12">{text}</text>')
    if target is not None:
        x = label_width + plot * target / top
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 18}" stroke="#176c3a" '
            f'stroke-dasharray="4 3" stroke-width="2"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{height - 4}" text-anchor="middle" font-size="12" fill="#176c3a">'
            f"{_pct(target, 0)}</text>"
        )
    parts.append("</svg>")
    return _svg(parts)


def line_chart(
    points: list[tuple[str, float | None]],
    *,
    target: float | None = None,
    width: int = 640,
    height: int = 200,
) -> SafeString:
    """A line over labelled points (values between 0 and 1), with an optional target line."""
    left, bottom, top_pad = 44, 26, 10
    values = [v for _l, v in points if v is not None]
    lo = min(values + ([target] if target else [])) if values else 0
    hi = max(values + ([target] if target else [])) if values else 1
    lo, hi = max(0.0, lo - 0.05), min(1.0, hi + 0.02)
    span = (hi - lo) or 1
    plot_w, plot_h = width - left - 34, height - bottom - top_pad

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (plot_w * i / max(1, len(points) - 1))
        return x, top_pad + plot_h * (1 - (v - lo) / span)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="chart" '
        f'width="100%">'
    ]
    for frac in (0, 0.5, 1):
        v = lo + span * frac
        _x, y = xy(0, v)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#e3e7ec"/>')
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{_pct(v, 0)}</text>'
        )
    if target is not None and lo <= target <= hi:
        _x, y = xy(0, target)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#176c3a" '
            f'stroke-dasharray="4 3" stroke-width="2"/>'
        )
    coords = [xy(i, v) for i, (_l, v) in enumerate(points) if v is not None]
    if coords:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#0b5cab" stroke-width="2.5"/>')
        for (x, y), (label, point) in zip(coords, [p for p in points if p[1] is not None], strict=True):
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#0b5cab"><title>{escape(label)}: '
                f"{_pct(point or 0)}</title></circle>"
            )
    for i, (label, _v) in enumerate(points):
        if i % max(1, len(points) // 6) == 0 or i == len(points) - 1:
            x, _y = xy(i, lo)
            parts.append(
                f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" font-size="11">'
                f"{escape(label)}</text>"
            )
    parts.append("</svg>")
    return _svg(parts)


# Coordinates for charts drawn by a template's inline SVG (the campaign dashboard, the pension calculator)


def coord(x: float) -> str:
    """An SVG coordinate, written the same in every language (templates would localise a float: 12,5)."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def axis_scale(peak: int) -> tuple[int, int]:
    """A round ceiling and step for an axis that reaches ``peak``."""
    peak = max(peak, 1)
    magnitude = 10 ** max(0, len(str(peak)) - 1)
    step = magnitude if peak // magnitude >= 4 else max(1, magnitude // 2)
    return -(-peak // step) * step, step


def hbar_chart(rows: list[dict[str, Any]], *, width: int = 1000, label_w: int = 260) -> dict[str, Any]:
    """Horizontal bars. Each row: ``label``, ``segments`` [(css class, value, title)], optional ``target``.
    Bars are scaled to the longest bar or target; a target is drawn as a tick across its bar."""
    bar_h, gap, top, right = 22, 10, 6, 70
    peak = max(
        [sum(v for _c, v, _t in r["segments"]) for r in rows] + [r.get("target") or 0 for r in rows] + [1]
    )
    plot_w = width - label_w - right
    out = []
    for i, r in enumerate(rows):
        y = top + i * (bar_h + gap)
        x = label_w
        segments = []
        for css, value, title in r["segments"]:
            w = plot_w * value / peak
            segments.append({"x": coord(x), "w": coord(w), "css": css, "value": value, "title": title})
            x += w
        target = r.get("target")
        out.append(
            {
                "label": r["label"],
                "y": coord(y),
                "text_y": coord(y + bar_h / 2 + 4),
                "h": str(bar_h),
                "segments": segments,
                "value_x": coord(x + 6),
                "key": r.get("key", ""),
                "value": " + ".join(thousands(v) for _c, v, _t in r["segments"] if v) or "0",
                "target_x": coord(label_w + plot_w * target / peak) if target else None,
                "target_y1": coord(y - 3),
                "target_y2": coord(y + bar_h + 3),
                "target": target,
            }
        )
    height = top * 2 + len(rows) * (bar_h + gap)
    return {"width": width, "height": height, "rows": out, "label_x": str(label_w - 8)}


def day_chart(days: list[dict[str, Any]]) -> dict[str, Any]:
    """Columns per day: new health-insurance participants with new voluntary-SI ones stacked on top."""
    width, height, left, right, top, bottom = 1000, 260, 44, 10, 14, 34
    ceiling, step = axis_scale(max([d["new_health_insurance"] + d["new_voluntary_si"] for d in days] + [1]))
    plot_w, plot_h = width - left - right, height - top - bottom
    base = top + plot_h
    slot = plot_w / max(1, len(days))
    bars = []
    for i, d in enumerate(days):
        hi, vsi = d["new_health_insurance"], d["new_voluntary_si"]
        h_hi, h_vsi = plot_h * hi / ceiling, plot_h * vsi / ceiling
        x = left + i * slot + slot * 0.15
        label = dt.date.fromisoformat(d["day"]).strftime("%d/%m")
        bars.append(
            {
                "x": coord(x),
                "w": coord(slot * 0.7),
                "hi_y": coord(base - h_hi),
                "hi_h": coord(h_hi),
                "vsi_y": coord(base - h_hi - h_vsi),
                "vsi_h": coord(h_vsi),
                "hi": hi,
                "vsi": vsi,
                "day": label,
                "label_x": coord(left + i * slot + slot / 2),
                "show_label": len(days) <= 16 or i % 3 == 0,
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
    return {
        "width": width,
        "height": height,
        "left": str(left),
        "right": str(width - right),
        "bottom": coord(base),
        "tick_x": str(left - 6),
        "label_y": coord(base + 16),
        "bars": bars,
        "ticks": ticks,
    }
