"""Charts as static SVG, drawn at build time: no script, no CDN.

Bars are filled by CSS (``.ps-bar``, the theme's primary colour) and text
takes ``currentColor``, so the same SVG reads in light and dark schemes; the
attributes carry fallbacks for readers without the stylesheet.  Every chart
names its numbers: the SVG has a <title> and <desc> (``aria-labelledby``), each
bar its own <title> ("2024: 12 papers"), and a visually hidden table repeats
the data for screen readers and text browsers.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable

from . import safe

W = 640  # viewBox width; the SVG scales to its container


def _nice_max(v: int) -> int:
    """A round axis top at or above ``v``: 1, 2, 5, 10, 20, 50, ..."""
    if v <= 0:
        return 1
    step = 1
    while True:
        for m in (1, 2, 5):
            if step * m >= v:
                return step * m
        step *= 10


def _id(title: str, data: list[tuple[str, int]]) -> str:
    # Ids from the content, not a counter: a page's bytes do not depend on what was drawn before it.
    return "ps-chart-" + hashlib.sha1(repr((title, data)).encode()).hexdigest()[:10]


def _label(n: int, unit: str) -> str:
    # "1 paper", "2 papers": unit is given in the plural.
    return f"{n:,} {unit[:-1] if n == 1 and unit.endswith('s') else unit}"


def _table(title: str, rows: list[tuple[str, int]], unit: str) -> str:
    body = "".join(f"<tr><th scope=\"row\">{safe.text(k)}</th><td>{v:,}</td></tr>" for k, v in rows)
    return (f'<table class="ps-sr-only"><caption>{safe.text(title)}</caption>'
            f'<thead><tr><th scope="col">&nbsp;</th><th scope="col">{safe.text(unit)}</th></tr></thead>'
            f"<tbody>{body}</tbody></table>")


def year_counts(years: Iterable[int | None], fill_to: int | None = None) -> list[tuple[str, int]]:
    """(year, count) for every year from the first to the last, gaps as 0."""
    c = Counter(y for y in years if y)
    if not c:
        return []
    lo, hi = min(c), max(max(c), fill_to or 0)
    if hi - lo > 80:  # a stray 1900 should not squash a century into hairlines
        lo = hi - 80
    return [(str(y), c.get(y, 0)) for y in range(lo, hi + 1)]


def columns(title: str, data: list[tuple[str, int]], unit: str = "papers", height: int = 180) -> str:
    """Vertical bars (years on the x axis)."""
    if not data:
        return ""
    cid = _id(title, data)
    top = _nice_max(max(v for _, v in data))
    left, bottom, pad_top = 34, 22, 10
    plot_w, plot_h = W - left - 6, height - bottom - pad_top
    slot = plot_w / len(data)
    bar_w = max(1.0, slot * 0.78)
    every = max(1, round(len(data) / 12))  # at most about 12 x labels
    total = sum(v for _, v in data)
    desc = f"{_label(total, unit)} in {len(data)} years, most in {max(data, key=lambda kv: kv[1])[0]}"
    parts = [
        f'<svg class="ps-chart" role="img" aria-labelledby="{cid}-t {cid}-d" viewBox="0 0 {W} {height}" '
        f'width="{W}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{cid}-t">{safe.text(title)}</title><desc id="{cid}-d">{safe.text(desc)}</desc>',
        f'<line class="ps-axis" x1="{left}" y1="{pad_top + plot_h}" x2="{W - 6}" y2="{pad_top + plot_h}" stroke="currentColor"/>',
        f'<text x="{left - 4}" y="{pad_top + 8}" text-anchor="end" fill="currentColor">{top:,}</text>',
        f'<text x="{left - 4}" y="{pad_top + plot_h}" text-anchor="end" fill="currentColor">0</text>',
    ]
    for n, (k, v) in enumerate(data):
        h = plot_h * v / top
        x = left + n * slot + (slot - bar_w) / 2
        parts.append(
            f'<rect class="ps-bar" x="{x:.1f}" y="{pad_top + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
            f'fill="currentColor"><title>{safe.text(k)}: {_label(v, unit)}</title></rect>')
        if n % every == 0 or n == len(data) - 1:
            parts.append(f'<text x="{left + n * slot + slot / 2:.1f}" y="{height - 6}" text-anchor="middle" '
                         f'fill="currentColor">{safe.text(k)}</text>')
    parts.append("</svg>")
    return _figure(title, "".join(parts) + _table(title, data, unit))


def _figure(title: str, inner: str) -> str:
    # A visible caption too: the <title> inside an SVG only shows as a tooltip.
    return f'<figure class="ps-chart-figure"><figcaption>{safe.text(title)}</figcaption>{inner}</figure>'


def bars(title: str, data: list[tuple[str, int]], unit: str = "papers", hrefs: list[str] | None = None) -> str:
    """Horizontal bars with labels (top topics, organisations); ``hrefs`` makes labels links."""
    if not data:
        return ""
    cid = _id(title, data)
    row, label_w = 22, 200
    height = row * len(data) + 8
    top = max(v for _, v in data) or 1
    plot_w = W - label_w - 60
    desc = ", ".join(f"{k}: {_label(v, unit)}" for k, v in data)
    parts = [
        f'<svg class="ps-chart" role="img" aria-labelledby="{cid}-t {cid}-d" viewBox="0 0 {W} {height}" '
        f'width="{W}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{cid}-t">{safe.text(title)}</title><desc id="{cid}-d">{safe.text(desc)}</desc>',
    ]
    for n, (k, v) in enumerate(data):
        y = 4 + n * row
        w = plot_w * v / top
        name = safe.text(safe.truncate(k, 30))
        label = f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" fill="currentColor">{name}</text>'
        if hrefs and hrefs[n]:
            label = f'<a href="{safe.attr(hrefs[n])}">{label}</a>'
        parts.append(
            f'{label}<rect class="ps-bar" x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row - 7}" '
            f'fill="currentColor"><title>{safe.text(k)}: {_label(v, unit)}</title></rect>'
            f'<text x="{label_w + max(w, 1) + 5:.1f}" y="{y + 15}" fill="currentColor">{v:,}</text>')
    parts.append("</svg>")
    return _figure(title, "".join(parts) + _table(title, data, unit))
