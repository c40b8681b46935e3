""""Edit this record" links, following MkDocs' ``repo_url`` / ``edit_uri`` convention.

A record read from ``content/authors/x.yaml`` is edited at
``<repo_url>/<edit_uri>/content/authors/x.yaml`` (``edit/main/`` on GitHub).
The paper page has its own link in its Sources section; this module adds
the author page's and gives the list pages theirs.
"""

from __future__ import annotations

from .. import safe
from ..model import Author
from . import author as author_page
from .common import Context


def edit_url(ctx: Context, file: str | None) -> str | None:
    """The edit URL of a content file (path relative to the repository root), or None."""
    if not file or not ctx.config.repo_url:
        return None
    parts = [ctx.config.repo_url.rstrip("/"), ctx.config.edit_uri.strip("/"), file.lstrip("/")]
    return "/".join(p for p in parts if p)


def edit_link(ctx: Context, file: str | None) -> str:
    """An "Edit this record" paragraph, or "" without a repository URL."""
    href = edit_url(ctx, file)
    if not href:
        return ""
    return f'<p class="ps-edit">{safe.link(href, "Edit this record")}</p>\n'


def author_edit(ctx: Context, a: Author, here: str) -> str:
    """The author page's edit link (authors made up from paper bylines have no file)."""
    return edit_link(ctx, ctx.author_files.get(a.id))


if author_edit not in author_page.SECTIONS:
    author_page.SECTIONS.append(author_edit)
