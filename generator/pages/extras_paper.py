"""The paper page's "Cite" section: BibTeX, RIS and CSL-JSON with copy and download.

Adds the Cite section to ``paper.SECTIONS``.  The three texts are embedded
in the page (escaped, in <pre>), and ``assets/papershelf/exports.js`` copies
them or builds the download in the browser: no per-paper side files (the
ACL Anthology's lesson), and without JavaScript the text is still there to copy.
A head hook loads that script on the pages with such blocks; its styles are in papershelf.css.
"""

from __future__ import annotations

from .. import generate, safe
from ..export import bibtex, csl, ris
from ..export.catalog_files import paper_json_url, site_url_of
from ..model import Paper
from . import paper as paper_pages
from .common import Context, Page, paper_url, rel

FORMATS = (  # (id, label, file extension, MIME type)
    ("bibtex", "BibTeX", "bib", "application/x-bibtex"),
    ("ris", "RIS", "ris", "application/x-research-info-systems"),
    ("csl", "CSL-JSON", "json", "application/vnd.citationstyles.csl+json"),
)


def export_block(block_id: str, label: str, text: str, filename: str, mime: str, open_: bool = False) -> str:
    """A collapsible block of export text with Copy and Download buttons (shown when JS runs)."""
    buttons = (
        f'<span class="ps-export-actions ps-js-only">'
        f'<button type="button" class="ps-btn" data-ps-copy="{block_id}">Copy</button>'
        f'<button type="button" class="ps-btn" data-ps-download="{block_id}" data-ps-filename="{safe.attr(filename)}"'
        f' data-ps-type="{mime}">Download .{safe.attr(filename.rsplit(".", 1)[1])}</button></span>'
    )
    return (
        f'<details class="ps-export no-copy"{" open" if open_ else ""}><summary>{safe.text(label)}</summary>{buttons}'
        f'<pre class="ps-export-text"><code id="{block_id}">{_no_blank_lines(safe.text(text.rstrip()))}</code></pre>'
        f'</details>'
    )


def _no_blank_lines(html: str) -> str:
    """Blank lines in a <pre> written as ``&#10;``: the same text on screen and when copied,
    but Markdown then sees one HTML block it can pass through whole (generator/mdfast.py)
    instead of feeding the page to its slow HTML parser."""
    # One pass leaves no two newlines together: in a run of them every other one becomes &#10;.
    return html.replace("\n\n", "\n&#10;")


def texts(ctx: Context, p: Paper) -> dict[str, str]:
    """The paper's citation in each format, keyed by format id."""
    key = ctx.extras.get("bibkeys", {}).get(p.id) or bibtex.base_key(p)
    url = site_url_of(ctx, paper_url(p.id))
    return {
        "bibtex": bibtex.entry(p, key, url),
        "ris": ris.dumps([ris.record(p, key, url)]),
        "csl": csl.dumps([csl.record(p, key, url)]),
    }


def cite(ctx: Context, p: Paper, here: str) -> str:
    """Section: the citation in three formats, plus the record as JSON."""
    key = ctx.extras.get("bibkeys", {}).get(p.id) or bibtex.base_key(p)
    got = texts(ctx, p)
    blocks = "".join(
        export_block(f"ps-cite-{fid}", label, got[fid], f"{key}.{ext}", mime, open_=(fid == "bibtex"))
        for fid, label, ext, mime in FORMATS
    )
    data = ""
    if "papers" in ctx.config.pages:
        data = (f'<p class="ps-data">Record as data: <a href="{safe.attr(rel(here, paper_json_url(p.id)))}">'
                f'JSON</a> · BibTeX key <code>{safe.text(key)}</code></p>')
    return f'## Cite\n\n<div class="ps-cite">{blocks}{data}</div>\n'


def assets_hook(ctx: Context, page: Page) -> str:
    """HEAD_HOOK: the copy/download script, on the pages with export blocks (paper and author pages).

    Its styles are in papershelf.css, which every page loads: another stylesheet
    in <head> would be one more request before the first paint on every page.
    """
    if 'data-ps-copy="' not in page.body:
        return ""
    return f'<script src="{safe.attr(rel(page.path, "assets/papershelf/exports.js"))}" defer></script>'


def _register() -> None:
    paper_pages.add_section(cite, 40)
    generate.register(head_hooks=[assets_hook])


_register()
