"""Metadata for indexers, on every page, from this one place.

Registered as a ``generate.HEAD_HOOKS`` hook: for each page it returns the
<head> HTML that search engines and scholarly indexers read, every value
going through ``safe`` (``safe.attr`` in attributes, ``safe.json_script`` in
JSON-LD, so a ``</script>`` in a title cannot end the block):

* paper pages: Highwire Press ``citation_*`` tags as Google Scholar's
  inclusion guidelines describe them (title, one ``citation_author`` per
  author in order, ``citation_publication_date`` as YYYY/MM/DD, journal or
  conference title, DOI, arXiv id, PDF URL, abstract page URL);
* schema.org JSON-LD: ``ScholarlyArticle`` (paper), ``Person`` (author),
  ``WebSite`` with a ``SearchAction`` (home), ``ItemList`` (reading list);
* OpenGraph and Twitter card tags on every page.

``<link rel="canonical">`` is not written here: mkdocs-material already
writes one from ``site_url`` (set from ``config.url``), and two would
contradict each other when a page moves.  Absolute URLs (``og:url``,
``citation_abstract_html_url``, JSON-LD ``url``) need ``config.url``; without
it they are left out rather than guessed.
"""

from __future__ import annotations

import re
from typing import Any

from . import generate, safe
from .model import Author, Paper
from .pages.common import Context, Page, author_url, paper_url, url_of

DESCRIPTION_LIMIT = 200  # characters: what search result snippets and cards show
JOURNAL_TYPES = {"article"}
CONFERENCE_TYPES = {"inproceedings", "proceedings"}
_CONFERENCE_WORDS = re.compile(
    r"\b(conference|proceedings|workshop|symposium|congress|meeting|neurips|nips|icml|iclr|aaai|ijcai|"
    r"acl|emnlp|naacl|eacl|coling|cvpr|iccv|eccv|kdd|sigir|www|uai|aistats|colt|interspeech|icassp)\b",
    re.I,
)
_PREPRINT_SERVERS = re.compile(r"^\s*(arxiv|biorxiv|medrxiv|ssrn|preprint|corr)\b", re.I)


def absolute(ctx: Context, site_url: str) -> str | None:
    """The absolute URL of a site URL ('papers/x/') under config.url, or None without one."""
    base = ctx.config.url
    if not base:
        return None
    return base.rstrip("/") + "/" + site_url


def _meta(name: str, content: str | None, attr: str = "name") -> str:
    # One line of plain text: U+2028 and friends would become line breaks in the page's YAML front matter.
    content = " ".join((content or "").split())
    if not content:
        return ""
    return f'<meta {attr}="{safe.attr(name)}" content="{safe.attr(content)}">'


def _json_ld(data: dict[str, Any]) -> str:
    return f'<script type="application/ld+json">{safe.json_script({"@context": "https://schema.org", **data})}</script>'


def publication_date(date: str | None) -> str | None:
    """'2024-05-01' -> '2024/05/01' (Google Scholar's form); a bare year stays a year."""
    return date.replace("-", "/") if date else None


def pdf_url(p: Paper) -> str | None:
    if p.pdf:
        return p.pdf
    if p.arxiv:
        return f"https://arxiv.org/pdf/{p.arxiv}"
    return None


def venue_tag(p: Paper) -> tuple[str, str] | None:
    """('citation_journal_title' | 'citation_conference_title' | ..., venue) for the paper's venue."""
    if not p.venue or _PREPRINT_SERVERS.match(p.venue):
        return None
    if p.type in JOURNAL_TYPES:
        return ("citation_journal_title", p.venue)
    if p.type in CONFERENCE_TYPES:
        return ("citation_conference_title", p.venue)
    if p.type == "thesis":
        return ("citation_dissertation_institution", p.venue)
    if p.type in ("techreport", "report"):
        return ("citation_technical_report_institution", p.venue)
    # Untyped: the venue's name says which it is, and a journal is the safer guess.
    if _CONFERENCE_WORDS.search(p.venue):
        return ("citation_conference_title", p.venue)
    return ("citation_journal_title", p.venue)


def highwire(ctx: Context, p: Paper, page_url: str | None) -> list[str]:
    """Highwire Press citation_* tags, in the order Google Scholar documents them."""
    tags = [_meta("citation_title", safe.plain(p.title))]
    tags += [_meta("citation_author", a.name) for a in p.authors]
    tags.append(_meta("citation_publication_date", publication_date(p.date)))
    venue = venue_tag(p)
    if venue:
        tags.append(_meta(*venue))
    tags.append(_meta("citation_doi", p.doi))
    tags.append(_meta("citation_arxiv_id", p.arxiv))
    pdf = pdf_url(p)
    if pdf and safe.url(pdf):
        tags.append(_meta("citation_pdf_url", pdf))
    tags.append(_meta("citation_abstract_html_url", page_url))
    tags += [_meta("citation_keywords", t) for t in p.topics]
    return tags


def scholarly_article(ctx: Context, p: Paper, page_url: str | None) -> dict[str, Any]:
    """schema.org ScholarlyArticle: authors as Person, sameAs for DOI and arXiv."""
    authors = []
    for ref in p.authors:
        person: dict[str, Any] = {"@type": "Person", "name": ref.name}
        if ref.id and ref.id in ctx.catalog.authors and "authors" in ctx.config.pages:
            here = absolute(ctx, author_url(ref.id))
            if here:
                person["url"] = here
        if ref.orcid:
            person["sameAs"] = f"https://orcid.org/{ref.orcid}"
        if ref.affiliation:
            person["affiliation"] = {"@type": "Organization", "name": ref.affiliation}
        authors.append(person)
    same_as = []
    if p.doi:
        same_as.append(f"https://doi.org/{p.doi}")
    if p.arxiv:
        same_as.append(f"https://arxiv.org/abs/{p.arxiv}")
    data: dict[str, Any] = {"@type": "ScholarlyArticle", "name": safe.plain(p.title),
                            "headline": safe.truncate(safe.plain(p.title), 110)}
    if authors:
        data["author"] = authors
    if p.date:
        data["datePublished"] = p.date
    if p.abstract:
        data["abstract"] = safe.plain(p.abstract)
    if page_url:
        data["url"] = page_url
    if same_as:
        data["sameAs"] = same_as
    if p.doi:
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": p.doi}
    if p.venue:
        data["isPartOf"] = {"@type": "Periodical" if (venue_tag(p) or ("",))[0] == "citation_journal_title"
                            else "CreativeWork", "name": p.venue}
    if p.topics:
        data["keywords"] = p.topics
    pdf = pdf_url(p)
    if pdf and safe.url(pdf):
        data["encoding"] = {"@type": "MediaObject", "encodingFormat": "application/pdf", "contentUrl": pdf}
    return data


def person(ctx: Context, a: Author, page_url: str | None) -> dict[str, Any]:
    """schema.org Person: sameAs for ORCID and homepage."""
    data: dict[str, Any] = {"@type": "Person", "name": a.name}
    if a.aliases:
        data["alternateName"] = a.aliases
    if a.affiliation:
        data["affiliation"] = {"@type": "Organization", "name": a.affiliation}
    if a.bio:
        data["description"] = safe.plain(a.bio)
    same_as = []
    if a.orcid:
        same_as.append(f"https://orcid.org/{a.orcid}")
    if a.homepage and safe.url(a.homepage):
        same_as.append(a.homepage)
    if same_as:
        data["sameAs"] = same_as
    if page_url:
        data["url"] = page_url
    if a.topics:
        data["knowsAbout"] = a.topics
    return data


def website(ctx: Context) -> dict[str, Any]:
    """schema.org WebSite, with a SearchAction when the site has a search page."""
    cfg = ctx.config
    data: dict[str, Any] = {"@type": "WebSite", "name": cfg.name}
    if cfg.description:
        data["description"] = cfg.description
    home = absolute(ctx, "")
    if home:
        data["url"] = home
        if "search" in cfg.pages:
            data["potentialAction"] = {
                "@type": "SearchAction",
                "target": {"@type": "EntryPoint", "urlTemplate": home + "search/?q={search_term_string}"},
                "query-input": "required name=search_term_string",
            }
    return data


def item_list(ctx: Context, page: Page) -> dict[str, Any] | None:
    """schema.org ItemList for a reading list page (record with ``title`` and ``entries``)."""
    record = page.record
    entries = getattr(record, "entries", None)
    if entries is None:
        return None
    items = []
    for n, entry in enumerate(e for e in entries if e.id in ctx.catalog.papers):
        item: dict[str, Any] = {"@type": "ListItem", "position": n + 1,
                                "name": safe.plain(ctx.catalog.papers[entry.id].title)}
        where = absolute(ctx, paper_url(entry.id))
        if where:
            item["url"] = where
        items.append(item)
    data: dict[str, Any] = {"@type": "ItemList", "name": getattr(record, "title", page.title),
                            "numberOfItems": len(items), "itemListElement": items}
    return data


def describe(ctx: Context, page: Page) -> str:
    """Plain-text description of a page for cards and snippets (not yet escaped)."""
    r = page.record
    if isinstance(r, Paper):
        text = r.abstract or r.title
    elif isinstance(r, Author):
        text = r.bio or f"Works by {r.name} in {ctx.config.name}"
    elif getattr(r, "description", None):  # a reading list: its Markdown as plain text
        from .notes import plain_text

        text = plain_text(str(r.description))
    elif page.kind == "home":
        text = ctx.config.description or ctx.config.name
    else:
        text = f"{page.title} — {ctx.config.name}"
    return safe.truncate(safe.plain(text), DESCRIPTION_LIMIT)


def social(ctx: Context, page: Page, page_url: str | None) -> list[str]:
    """OpenGraph and Twitter card tags."""
    og_type = {"paper": "article", "author": "profile"}.get(page.kind, "website")
    title = safe.plain(page.title) if page.kind != "home" else ctx.config.name
    desc = describe(ctx, page)
    tags = [
        _meta("og:type", og_type, "property"),
        _meta("og:site_name", ctx.config.name, "property"),
        _meta("og:title", title, "property"),
        _meta("og:description", desc, "property"),
        _meta("og:url", page_url, "property"),
        _meta("twitter:card", "summary"),
        _meta("twitter:title", title),
        _meta("twitter:description", desc),
    ]
    r = page.record
    if isinstance(r, Paper) and r.date and len(r.date) == 10:
        tags.append(_meta("article:published_time", r.date, "property"))
    return tags


def head(ctx: Context, page: Page) -> str:
    """All indexer metadata of one page, as escaped <head> HTML."""
    page_url = absolute(ctx, url_of(page.path))
    tags = social(ctx, page, page_url)
    r = page.record
    if page.kind == "paper" and isinstance(r, Paper):
        tags = highwire(ctx, r, page_url) + tags
        tags.append(_json_ld(scholarly_article(ctx, r, page_url)))
    elif page.kind == "author" and isinstance(r, Author):
        tags.append(_json_ld(person(ctx, r, page_url)))
    elif page.kind == "home":
        tags.append(_json_ld(website(ctx)))
    else:
        listed = item_list(ctx, page)
        if listed:
            tags.append(_json_ld(listed))
    return "\n".join(t for t in tags if t)


generate.register(head_hooks=[head])
