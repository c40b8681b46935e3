"""Hub and listing pages: home, all papers, authors, topics, venues, orgs, years, daily."""

from __future__ import annotations

from collections.abc import Iterator

from .. import safe
from ..catalog import Catalog
from .common import Context, Group, Page, author_url, facet_url, page_window, paginate, paper_list, rel

FACETS = {
    # page kind -> (title of the hub, index in the catalog, singular label)
    "topics": ("Topics", "by_topic", "topic"),
    "venues": ("Venues", "by_venue", "venue"),
    "orgs": ("Organisations", "by_org", "org"),
}


def _name(cat: Catalog, label: str, key: str) -> str:
    return cat.names.get(f"{label}:{key}", key)


def home(ctx: Context) -> Page:
    cat = ctx.catalog
    here = "index.md"
    cfg = ctx.config
    body = f"<h1>{safe.text(cfg.name)}</h1>\n\n"
    if cfg.description:
        body += f'<p class="ps-lead">{safe.text(cfg.description)}</p>\n'
    stats = [(len(cat.papers), "papers", "papers/"), (len(cat.authors), "authors", "authors/"),
             (len(cat.by_topic), "topics", "topics/"), (len(cat.by_venue), "venues", "venues/"),
             (len(cat.by_org), "organisations", "orgs/"), (len(cat.by_day), "daily listings", "daily/")]
    cells = "".join(
        f'<a class="ps-stat" href="{rel(here, u)}"><span class="ps-stat-n">{n:,}</span> {label}</a>'
        if u.split("/")[0] in cfg.pages else f'<span class="ps-stat"><span class="ps-stat-n">{n:,}</span> {label}</span>'
        for n, label, u in stats
    )
    body += f'<div class="ps-stats">{cells}</div>\n\n'
    if cat.by_day and "daily" in cfg.pages:
        day = max(cat.by_day)
        body += f"## Latest daily listing: {day}\n\n" + paper_list(ctx, cat.by_day[day][:10], here, show_upvotes=True)
        body += f'<p><a href="{rel(here, facet_url("daily", day))}">All {len(cat.by_day[day])} papers of {day}</a></p>\n\n'
    newest = cat.newest_first(list(cat.papers))[:15]
    body += "## Newest papers\n\n" + paper_list(ctx, newest, here)
    if cat.by_topic and "topics" in cfg.pages:
        top = sorted(cat.by_topic.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:20]
        tags = " ".join(
            f'<a class="ps-tag" href="{rel(here, facet_url("topics", k))}">{safe.text(_name(cat, "topic", k))}'
            f" ({len(v)})</a>" for k, v in top)
        body += f"\n## Top topics\n\n<p>{tags}</p>\n"
    return Page(here, "Home", body, {"description": safe.attr(cfg.description or cfg.name)}, kind="home")


def all_papers(ctx: Context) -> list[Group]:
    ids = ctx.catalog.newest_first(list(ctx.catalog.papers))
    return [Group(("papers", "all"), (), ids,
                  lambda: paginate(ctx, "papers/index.md", "All papers", ids, "<h1>All papers</h1>\n"))]


def authors_index(ctx: Context) -> list[Page]:
    cat = ctx.catalog
    ranked = sorted(cat.authors.values(), key=lambda a: (a.name.split()[-1].lower() if a.name.split() else "", a.name.lower(), a.id))
    per = ctx.config.per_page * 4
    chunks = [ranked[i:i + per] for i in range(0, len(ranked), per)] or [[]]
    pages = []
    for k, chunk in enumerate(chunks, 1):
        path = "authors/index.md" if k == 1 else f"authors/page-{k}.md"
        items = "".join(
            f'<li><a href="{rel(path, author_url(a.id))}">{safe.text(a.name)}</a>'
            f' <span class="ps-count">({len(cat.papers_of.get(a.id, []))})</span></li>' for a in chunk)
        nav = ""
        if len(chunks) > 1:
            nav = '<nav class="ps-pages">' + " ".join(
                '<span class="ps-gap">…</span>' if j == 0 else
                f'<span aria-current="page">{j}</span>' if j == k else
                f'<a href="{rel(path, "authors/" if j == 1 else f"authors/page-{j}/")}">{j}</a>'
                for j in page_window(k, len(chunks))) + "</nav>\n"
        body = f"<h1>Authors</h1>\n<p class=\"ps-count\">{len(ranked):,} authors</p>\n{nav}<ul class=\"ps-columns\">{items}</ul>\n{nav}"
        pages.append(Page(path, "Authors" if k == 1 else f"Authors (page {k})", body))
    return pages


def facet_pages(ctx: Context, kind: str) -> Iterator[Page | Group]:
    title, attr, label = FACETS[kind]
    cat = ctx.catalog
    index: dict[str, list[str]] = getattr(cat, attr)
    here = f"{kind}/index.md"
    ranked = sorted(index.items(), key=lambda kv: (-len(kv[1]), _name(cat, label, kv[0]).lower(), kv[0]))
    items = "".join(
        f'<li><a href="{rel(here, facet_url(kind, k))}">{safe.text(_name(cat, label, k))}</a>'
        f' <span class="ps-count">({len(v)})</span></li>' for k, v in ranked)
    yield Page(here, title, f"<h1>{title}</h1>\n<ul class=\"ps-columns\">{items}</ul>\n")
    for k, ids in sorted(index.items()):
        name = _name(cat, label, k)
        yield Group((kind, k), name, ids,
                    lambda k=k, ids=ids, name=name: paginate(  # type: ignore[misc]
                        ctx, f"{kind}/{facet_url(kind, k).split('/')[1]}.md", name, ids, f"<h1>{safe.text(name)}</h1>\n"))


def year_pages(ctx: Context) -> Iterator[Page | Group]:
    cat = ctx.catalog
    here = "years/index.md"
    items = "".join(
        f'<li><a href="{rel(here, facet_url("years", y))}">{y}</a> <span class="ps-count">({len(cat.by_year[y])})</span></li>'
        for y in sorted(cat.by_year, reverse=True))
    yield Page(here, "Years", f"<h1>Papers by year</h1>\n<ul class=\"ps-columns\">{items}</ul>\n")
    for y, ids in sorted(cat.by_year.items()):
        yield Group(("years", str(y)), (), ids,
                    lambda y=y, ids=ids: paginate(ctx, f"years/{y}.md", str(y), ids, f"<h1>Papers of {y}</h1>\n"))  # type: ignore[misc]


def daily_pages(ctx: Context) -> Iterator[Page | Group]:
    cat = ctx.catalog
    here = "daily/index.md"
    items = "".join(
        f'<li><a href="{rel(here, facet_url("daily", d))}">{d}</a> <span class="ps-count">({len(cat.by_day[d])} papers)</span></li>'
        for d in sorted(cat.by_day, reverse=True))
    yield Page(here, "Daily listings", f"<h1>Daily listings</h1>\n<ul>{items}</ul>\n")
    days = sorted(cat.by_day)
    for n, d in enumerate(days):
        prev_next = []
        if n > 0:
            prev_next.append(f'<a href="{rel(f"daily/{d}.md", facet_url("daily", days[n - 1]))}">← {days[n - 1]}</a>')
        if n + 1 < len(days):
            prev_next.append(f'<a href="{rel(f"daily/{d}.md", facet_url("daily", days[n + 1]))}">{days[n + 1]} →</a>')
        intro = f"<h1>Daily papers of {d}</h1>\n" + (f'<p class="ps-daynav">{" · ".join(prev_next)}</p>\n' if prev_next else "")
        yield Group(("daily", d), intro, cat.by_day[d],
                    lambda d=d, intro=intro: paginate(ctx, f"daily/{d}.md", f"Daily papers: {d}",  # type: ignore[misc]
                                                      cat.by_day[d], intro, show_upvotes=True))
