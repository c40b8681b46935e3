"""The one escaping layer between record text and a page.

Every record field reaches HTML through a function here.  Record text is
never handed to Markdown: pages embed it as escaped HTML inside raw HTML
blocks, which Markdown passes through untouched, so Markdown, HTML or
template syntax in a record shows as text.  LaTeX math (``$...$``) is the one
markup kept: it is converted to MathML at build time (no script, no CDN) and
the MathML is checked against an allow-list of elements and attributes
before it is used; anything else falls back to the escaped source.
"""

from __future__ import annotations

import functools
import html
import json
import re
from typing import Any

_MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$\w])\$(?=\S)([^$\n]{1,400}?)(?<=\S)\$(?![\w$])|\\\((.+?)\\\)", re.S)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z-]+=\"[^\"<>]*\")*)\s*(/?)>")
_ATTR = re.compile(r"([a-zA-Z-]+)=\"([^\"<>]*)\"")
MATHML_TAGS = frozenset(
    "math mrow mi mn mo ms mtext mspace msub msup msubsup mfrac msqrt mroot mstyle merror mpadded "
    "mphantom mfenced menclose munder mover munderover mtable mtr mtd mlabeledtr semantics annotation "
    "mmultiscripts mprescripts none".split()
)
MATHML_ATTRS = frozenset(
    "xmlns display stretchy mathvariant fence separator lspace rspace accent accentunder movablelimits "
    "columnalign columnspacing rowspacing columnlines rowlines frame width height depth minsize maxsize "
    "symmetric linethickness notation form largeop displaystyle scriptlevel open close separators align "
    "mathsize encoding".split()
)
SAFE_URL = re.compile(r"^https?://[^\s<>\"'`]+$", re.I)


_SPECIAL = re.compile(r"[&<>\"']")


def text(value: Any) -> str:
    """Plain text as HTML: every <, >, &, and quote escaped."""
    s = str(value)
    # Most names and dates hold nothing to escape; skip html.escape's five passes.
    return html.escape(s, quote=True) if _SPECIAL.search(s) else s


attr = text  # the same escaping is right inside a double-quoted attribute


def url(value: str | None) -> str | None:
    """An http(s) URL, escaped for an attribute; anything else (javascript:, data:) is None."""
    if not value or not SAFE_URL.match(value.strip()):
        return None
    return html.escape(value.strip(), quote=True)


def link(href: str | None, label: str, rel: str = "noopener") -> str:
    """An <a> to an external URL, or the label as plain text when the URL is unsafe."""
    safe = url(href)
    if safe is None:
        return text(label)
    return f'<a href="{safe}" rel="{rel}">{text(label)}</a>'


def _mathml_is_safe(markup: str) -> bool:
    pos = 0
    for m in _TAG.finditer(markup):
        between = markup[pos:m.start()]
        if "<" in between or ">" in between:
            return False
        pos = m.end()
        if m.group(2) not in MATHML_TAGS:
            return False
        for am in _ATTR.finditer(m.group(3) or ""):
            if am.group(1) not in MATHML_ATTRS:
                return False
            if am.group(1) == "xmlns" and am.group(2) != "http://www.w3.org/1998/Math/MathML":
                return False
    tail = markup[pos:]
    return "<" not in tail and ">" not in tail


@functools.lru_cache(maxsize=4096)
def math(tex: str, display: bool = False) -> str:
    """LaTeX to MathML; the escaped source when it cannot be converted safely."""
    try:
        from latex2mathml.converter import convert

        markup = convert(tex, display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - any converter failure just means "show the source"
        markup = ""
    # The converter copies some characters through raw; a lone & is escaped here.
    markup = re.sub(r"&(?![a-zA-Z]+;|#x?[0-9a-fA-F]+;)", "&amp;", markup)
    if markup and _mathml_is_safe(markup):
        return f'<span class="ps-math">{markup}</span>'
    delim = ("$$", "$$") if display else ("$", "$")
    return f'<code class="ps-tex">{text(delim[0] + tex + delim[1])}</code>'


def rich(value: str | None) -> str:
    """Record prose (titles, abstracts) as HTML: escaped text, math as MathML."""
    if not value:
        return ""
    out: list[str] = []
    pos = 0
    for m in _MATH.finditer(value):
        out.append(text(value[pos:m.start()]))
        if m.group(1) is not None:
            out.append(math(m.group(1).strip(), True))
        else:
            out.append(math((m.group(2) or m.group(3) or "").strip()))
        pos = m.end()
    out.append(text(value[pos:]))
    return "".join(out)


def paragraphs(value: str | None) -> str:
    """Multi-paragraph prose (abstracts) as <p> elements."""
    if not value:
        return ""
    parts = [p for p in re.split(r"\n\s*\n", value) if p.strip()]
    return "".join(f"<p>{rich(' '.join(p.split()))}</p>" for p in parts)


def plain(value: str | None) -> str:
    """Prose stripped to plain text (math delimiters kept): for meta tags and search."""
    if not value:
        return ""
    return " ".join(value.split())


def json_script(data: Any) -> str:
    """JSON safe to place inside <script>: '<', '>' and '&' become \\u escapes,
    so a '</script>' inside a record cannot end the block."""
    s = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace(
        "\u2028", "\\u2028").replace("\u2029", "\\u2029")


def truncate(value: str, limit: int) -> str:
    """Cut plain text at a word boundary, with an ellipsis."""
    value = " ".join(value.split())
    if len(value) <= limit:
        return value
    cut = value[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"
