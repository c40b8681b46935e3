"""The author page: ``authors/<id>/`` — profile, figures, works, co-authors."""

from __future__ import annotations

from collections import Counter

from .. import safe
from ..model import Author
from .common import Context, Page, author_url, paper_list, rel

FIGURE_LABELS = {
    "works": "Works", "followers": "Followers", "topics": "Topics", "collaborators": "Close collaborators",
    "trust": "Trust", "trust_level": "Trust level", "verification": "Verification", "claimed": "Claimed",
    "open_to_collaborate": "Open to collaborate", "published_items": "Published items",
    "h_index": "h-index", "citations": "Citations",
}


def _figure(v: object) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    return safe.text(v)


def profile(ctx: Context, a: Author, here: str) -> str:
    out = ""
    if a.bio:
        out += f'<p class="ps-bio">{safe.rich(a.bio)}</p>\n'
    facts = []
    if a.affiliation:
        facts.append(("Affiliation", safe.text(a.affiliation)))
    if a.aliases:
        facts.append(("Also written", safe.text("; ".join(a.aliases))))
    if a.orcid:
        facts.append(("ORCID", safe.link(f"https://orcid.org/{a.orcid}", a.orcid)))
    if a.homepage:
        facts.append(("Homepage", safe.link(a.homepage, a.homepage)))
    for k, v in a.ids.items():
        facts.append((safe.text(k), safe.text(v)))
    if a.topics:
        facts.append(("Topics", " ".join(f'<span class="ps-tag">{safe.text(t)}</span>' for t in a.topics)))
    n_works = len(ctx.catalog.papers_of.get(a.id, []))
    facts.append(("Works in this catalog", str(n_works)))
    cells = "\n".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in facts)
    out += f'<table class="ps-facts">\n{cells}\n</table>\n'
    if a.figures:
        figs = "".join(
            f'<div class="ps-figure"><span class="ps-figure-value">{_figure(v)}</span>'
            f'<span class="ps-figure-label">{safe.text(FIGURE_LABELS.get(k, k.replace("_", " ")))}</span></div>'
            for k, v in a.figures.items()
        )
        out += f'\n## Profile figures\n\n<div class="ps-figures">{figs}</div>\n'
    return out


def works(ctx: Context, a: Author, here: str) -> str:
    ids = ctx.catalog.papers_of.get(a.id, [])
    if not ids:
        return ""
    return f"## Works ({len(ids)})\n\n" + paper_list(ctx, ids, here)


def coauthors(ctx: Context, a: Author, here: str) -> str:
    counts: Counter[str] = ctx.catalog.coauthors.get(a.id, Counter())
    if not counts:
        return ""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], ctx.catalog.authors[kv[0]].name.lower(), kv[0]))
    items = "".join(
        f'<li><a href="{rel(here, author_url(cid))}">{safe.text(ctx.catalog.authors[cid].name)}</a>'
        f' <span class="ps-count">({n})</span></li>'
        for cid, n in ranked[:50]
    )
    return f'## Co-authors ({len(counts)})\n\n<ul class="ps-coauthors">{items}</ul>\n'


SECTIONS = [profile, works, coauthors]


def author_page(ctx: Context, a: Author) -> Page:
    here = f"{author_url(a.id)[:-1]}.md"
    body = f"<h1>{safe.text(a.name)}</h1>\n\n"
    body += "\n\n".join(s for s in (section(ctx, a, here) for section in SECTIONS) if s)
    meta = {"description": safe.attr(safe.truncate(a.bio or f"Works by {a.name}", 200))}
    return Page(here, a.name, body, meta, kind="author", record=a)
