"""A group's notes on a paper: Markdown in the record, safe HTML on the page.

A native record may carry ``notes``, a Markdown body (YAML block scalar)
with the group's summary, discussion date, presenter, slides link.  It is
the one place record text is read as Markdown, so it gets its own path
through the safe layer:

1. ``$…$`` / ``$$…$$`` math outside code is swapped for private-use
   placeholders, so Markdown's emphasis rules cannot eat ``a_1 * b_2``;
2. Markdown (the ``markdown`` library) renders the rest with its raw-HTML
   handling switched off, so ``<script>`` in a note shows as text;
3. nh3 (ammonia) sanitises the result against an allow-list of basic tags,
   keeping only http(s) links (relative, ``javascript:`` and ``data:``
   URLs are dropped) — a second wall, should Markdown ever emit more;
4. the placeholders become MathML from ``safe.math``, itself allow-listed.

Registers on import: a "Notes" section after the abstract on paper pages,
and ``ctx.extras["notes_text"]`` ({paper id: plain text}) for search.  The
styles of notes, lists and citation listings are in
``assets/papershelf/papershelf.css``, the stylesheet every page loads.
"""

from __future__ import annotations

import html
import re

import markdown
import nh3

from . import generate, safe
from .model import Paper
from .pages import paper as paper_page
from .pages.common import Context

TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "del", "sup", "sub", "dl", "dt", "dd",
}
ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
_PUA = re.compile("[\ue000-\ue0ff]")
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")
# Code keeps its dollars: fenced blocks and inline code spans are left alone.
_CODE = re.compile(r"(```.*?```|~~~.*?~~~|(`+)[^`].*?\2)", re.S)
_HEADING = re.compile(r"<(/?)h([1-6])>")


def _keep_link(tag: str, attr: str, value: str) -> str | None:
    if attr == "href":
        return value if safe.url(value) else None
    return value


def _protect_math(source: str) -> tuple[str, list[tuple[str, bool]]]:
    maths: list[tuple[str, bool]] = []

    def swap(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            maths.append((m.group(1).strip(), True))
        else:
            maths.append(((m.group(2) or m.group(3) or "").strip(), False))
        return f"\ue000{len(maths) - 1}\ue001"

    parts = []
    pos = 0
    for m in _CODE.finditer(source):
        parts.append(safe._MATH.sub(swap, source[pos:m.start()]))  # the same delimiters as safe.rich
        parts.append(m.group(0))
        pos = m.end()
    parts.append(safe._MATH.sub(swap, source[pos:]))
    return "".join(parts), maths


def _markdown(source: str) -> str:
    md = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists"], output_format="html")
    # Raw HTML in a note is text, never markup.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md.convert(source)


def render(source: str | None) -> str:
    """Markdown note -> sanitised HTML (math as MathML); "" for no note."""
    if not source or not source.strip():
        return ""
    protected, maths = _protect_math(_PUA.sub("", source))
    out = _markdown(protected)
    # The page's own headings are h1/h2; a note's top heading level becomes h3.
    levels = [int(m.group(2)) for m in _HEADING.finditer(out)]
    shift = 3 - min(levels) if levels else 0
    out = _HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + shift, 6)}>", out)
    out = nh3.clean(out, tags=TAGS, attributes=ATTRIBUTES, url_schemes={"http", "https"},
                    attribute_filter=_keep_link, link_rel="noopener nofollow")

    def unswap(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n >= len(maths):
            return ""
        tex, display = maths[n]
        return safe.math(tex, display)

    return _PLACEHOLDER.sub(unswap, out)


def plain_text(source: str | None) -> str:
    """A note as plain text (math kept as its TeX source): for the search index."""
    if not source:
        return ""
    out = nh3.clean(_markdown(_PUA.sub("", source)), tags=set())
    return " ".join(html.unescape(out).split())


def notes_section(ctx: Context, p: Paper, here: str) -> str:
    """The "Notes" section of a paper page."""
    body = render(p.notes)
    if not body:
        return ""
    # Blank lines would end the raw HTML block in the page's Markdown; <pre> keeps its own.
    return f'## Notes\n\n<div class="ps-notes">\n{body.strip()}\n</div>\n'


def _prepare(ctx: Context) -> None:
    ctx.extras["notes_text"] = {pid: plain_text(p.notes) for pid, p in ctx.catalog.papers.items() if p.notes}


def register() -> None:
    """Wire the section in after the abstract, and the search text preparer (idempotent)."""
    paper_page.add_section(notes_section, 35)
    generate.register(preparers=[_prepare])


register()
