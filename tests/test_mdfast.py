"""The raw-HTML fast path gives exactly Python-Markdown's own output."""

from __future__ import annotations

import markdown
import pytest
from mkdocs.utils import meta

from generator.mdfast import FastHtmlBlocks, register

EXTENSIONS = ["toc", "tables", "fenced_code", "attr_list"]
CONFIGS = {"toc": {"permalink": False}}


def _convert(text: str, fast: bool) -> tuple[str, list, int]:
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=CONFIGS)
    if fast:
        assert register(md)
    html = md.convert(text)
    return html, md.toc_tokens, md.preprocessors["papershelf_html_blocks"].taken if fast else 0


CASES = {
    "one block": '<div class="a"><p>x &amp; y</p></div>\n',
    "blocks on adjacent lines": "<p>a</p>\n<p>b</p>\n\n## Head\n\n<ul>\n<li>x</li>\n</ul>\n",
    "heading between": "<h1>T</h1>\n\n## Abstract\n\n<div><p>text</p></div>\n\ntext *em*\n",
    "text after the closing tag": "<div>a</div> tail\n\nmore\n",
    "text before the first tag": "lead <div>a</div>\n",
    "comment": "<!-- note -->\n<div>a</div>\n",
    "optional end tags": "<ul><li>a<li>b</ul>\n\n<p>x\n",
    "lone less-than": "<div>a < b</div>\n",
    "script": "<div><script>if (a<b) x()</script></div>\n",
    "void at top level": "<hr>\n\n<br/>\n",
    "inline start": '<a href="x">link</a> and text\n',
    "nested same tags": "<div><div>a</div><div>b</div></div>\n",
    "block spanning a blank line": "<div>\n<p>a</p>\n\n<p>b</p>\n</div>\n",
    "three newlines": "<div>a</div>\n\n\n<div>b</div>\n",
    "svg and title": '<figure><svg><title>t</title><rect x="1"/></svg><figcaption>c</figcaption></figure>\n',
    "mismatched": "<div><span></div></span>\n",
    "markdown in html attr": '<div markdown="1">*a*</div>\n',
    "trailing spaces": "<div>a</div>   \n\n<p>b</p>\n",
    "windows newlines": "<div>a</div>\r\n\r\n<p>b</p>\r\n",
    "table": "| a | b |\n|---|---|\n| 1 | 2 |\n\n<table><tr><td>x</td></tr></table>\n",
}


@pytest.mark.parametrize("text", list(CASES.values()), ids=list(CASES))
def test_same_output_as_python_markdown(text):
    assert _convert(text, True)[:2] == _convert(text, False)[:2]


def test_the_fast_path_takes_whole_blocks_and_leaves_the_rest():
    fast = FastHtmlBlocks(markdown.Markdown())
    assert fast.elements("<p>a</p>\n<div><b>x</b></div>") == ["<p>a</p>", "<div><b>x</b></div>"]
    for chunk in ("<div>a</div> tail", "<p>a", "<span>inline</span>", "<!-- c -->", "<div>a < b</div>", "<hr>"):
        assert fast.elements(chunk) is None, chunk


def test_every_page_of_the_seed_site_renders_identically(seed_site):
    docs = seed_site.parent / "work" / "docs"
    pages = sorted(docs.rglob("*.md"))
    assert len(pages) > 100
    taken = 0
    for page in pages:
        text = meta.get_data(page.read_text(encoding="utf-8"))[0]
        fast, stock = _convert(text, True), _convert(text, False)
        assert fast[:2] == stock[:2], page.relative_to(docs).as_posix()
        taken += fast[2] > 0
    assert taken > len(pages) // 2  # the fast path is really used


def test_not_registered_where_markdown_reads_inside_html():
    assert not register(markdown.Markdown(extensions=["md_in_html"]))
