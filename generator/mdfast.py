"""A fast path for the raw HTML blocks Papershelf writes into its Markdown pages.

Papershelf pages are mostly raw HTML made by generator/safe.py (tables,
lists of papers, charts) between a few Markdown headings.  Python-Markdown
finds raw HTML blocks by feeding the whole page through the standard
library's pure-Python HTML parser, event by event: about half of all
Markdown time on a paper page.

This preprocessor runs just before that one.  It takes each blank-line
separated chunk that consists *only* of complete, well-nested block-level
elements (each starting at a line start, nothing else on its closing line)
and stores those elements in the HTML stash exactly as Python-Markdown's own
preprocessor would, including the newline it keeps before a blank line.
Anything it is not sure about - text around the tags, comments, a lone
``<``, void or optional end tags at the top level, script/style content -
is left untouched for Python-Markdown's preprocessor.  It only decides block
boundaries; it never changes or interprets the HTML, which is passed through
byte for byte either way.  tests/test_mdfast.py checks that the HTML out of
Markdown is identical with and without it on every page of a built site.
"""

from __future__ import annotations

import re
from typing import Any

from markdown.preprocessors import Preprocessor

_TOKEN = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?>|<")
_VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
# Elements whose content is not HTML: leave them to the real parser.
_RAWTEXT = frozenset("script style textarea xmp iframe noembed noframes noscript plaintext".split())


class FastHtmlBlocks(Preprocessor):
    """Stash chunks made only of whole block-level elements (see the module docstring)."""

    taken = 0  # elements stashed by the fast path (for tests and profiling)

    def elements(self, chunk: str) -> list[str] | None:
        """The chunk's top-level elements, or None when it is anything but whole elements."""
        stack: list[str] = []
        parts: list[str] = []
        start = pos = 0
        for m in _TOKEN.finditer(chunk):
            if m.group(2) is None:  # a "<" that opens no tag
                return None
            close, tag = m.group(1), m.group(2).lower()
            if not stack:
                # A top-level element: at a line start, block-level, nothing but a newline before it.
                gap = chunk[pos:m.start()]
                if close or not (gap == "\n" or (gap == "" and pos == 0)) or not self.md.is_block_level(tag):
                    return None
                start = m.start()
            if tag in _RAWTEXT:
                return None
            if close:
                if not stack or stack[-1] != tag:
                    return None
                stack.pop()
                if not stack:
                    pos = m.end()
                    if pos < len(chunk) and chunk[pos] != "\n":  # more on the closing tag's line
                        return None
                    parts.append(chunk[start:pos])
            elif tag in _VOID or m.group(0).endswith("/>"):
                if not stack:
                    return None
            else:
                stack.append(tag)
        if stack or not parts or chunk[pos:].strip():
            return None
        return parts

    def run(self, lines: list[str]) -> list[str]:
        out = []
        for chunk in "\n".join(lines).split("\n\n"):
            parts = self.elements(chunk) if chunk.startswith("<") else None
            if parts:
                # As Python-Markdown does: a block followed by a blank line keeps one newline.
                parts[-1] += "\n"
                self.taken += len(parts)
                out.append("\n\n".join(self.md.htmlStash.store(p) for p in parts))
            else:
                out.append(chunk)
        return "\n\n".join(out).split("\n")


def register(md: Any) -> bool:
    """Add the fast path to a Markdown instance; False where it would not be exact.

    Only when the raw-HTML preprocessor is Python-Markdown's own: extensions
    such as md_in_html replace it to read Markdown inside blocks.
    """
    from markdown.preprocessors import HtmlBlockPreprocessor

    if "html_block" not in md.preprocessors or type(md.preprocessors["html_block"]) is not HtmlBlockPreprocessor:
        return False
    # After whitespace normalisation (30), before Python-Markdown's html_block (20).
    md.preprocessors.register(FastHtmlBlocks(md), "papershelf_html_blocks", 25)
    return True
