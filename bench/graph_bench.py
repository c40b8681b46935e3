"""Benchmark: citation graph resolution and indexer metadata on a large synthetic catalog.

    .venv/bin/python -m bench.graph_bench [N_PAPERS] [REFS_PER_PAPER]

Papers get DOIs, arXiv ids or S2 ids; each cites REFS_PER_PAPER works, half
inside the catalog (by a typed id, as the readers write them), half outside.
Prints the time to resolve the graph, to make every paper page's head tags,
and to render a Markdown note, so a change that makes any of them
super-linear shows up here and not in the unit tests.
"""

from __future__ import annotations

import random
import sys
import time

from generator.catalog import build_catalog
from generator.citations import build_graph
from generator.config import SiteConfig
from generator.metadata import head
from generator.model import AuthorRef, Paper
from generator.notes import render
from generator.pages.common import Context, Page

NOTE = """**Presenter:** A. Person · discussed 2026-06-04 · [slides](https://example.org/s.pdf)

### Summary
The step size $\\alpha_k = \\frac{\\alpha_0}{2}\\left[\\cos\\left(\\frac{\\pi k}{K}\\right) + 1\\right]$ restarts.

- point one with *emphasis*
- point two with `code $x$`
"""


def synthetic(n: int, refs: int, seed: int = 1) -> dict[str, Paper]:
    rng = random.Random(seed)
    papers: dict[str, Paper] = {}
    ids: list[str] = []
    for i in range(n):
        kind = i % 3
        p = Paper(f"p{i}", f"Paper number {i}", authors=[AuthorRef(f"Author {rng.randrange(n // 5 + 1)}")
                                                        for _ in range(rng.randint(1, 6))],
                  date=f"{2000 + i % 25}-0{1 + i % 9}-1{i % 9}", abstract="An abstract. " * 30)
        if kind == 0:
            p.doi = f"10.1234/p{i}"
            ids.append(f"doi:10.1234/P{i}")
        elif kind == 1:
            p.arxiv = f"{2000 + i % 25 - 2000:02d}{1 + i % 9:02d}.{i:05d}"
            ids.append(f"arxiv:{p.arxiv}v2")
        else:
            p.ids["s2"] = f"{i:040x}"
            ids.append(f"s2:{i:040x}")
        papers[p.id] = p
    for i, p in enumerate(papers.values()):
        inside = rng.sample(ids, min(refs // 2, len(ids)))
        outside = [f"doi:10.9999/ext{i}-{k}" for k in range(refs - len(inside))]
        p.references = inside + outside
        p.extra["reference_titles"] = {r: f"Outside work {r}" for r in outside}
    return papers


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    refs = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    papers = synthetic(n, refs)
    t = time.perf_counter()
    graph = build_graph(papers)
    t_graph = time.perf_counter() - t
    cat = build_catalog(papers, {})
    ctx = Context(catalog=cat, config=SiteConfig(url="https://example.org/shelf/"))
    t = time.perf_counter()
    size = 0
    for p in cat.papers.values():
        size += len(head(ctx, Page(f"papers/{p.id}.md", p.title, "", kind="paper", record=p)))
    t_head = time.perf_counter() - t
    t = time.perf_counter()
    for _ in range(200):
        render(NOTE)
    t_note = (time.perf_counter() - t) / 200
    print(f"{n:,} papers, {refs} references each: {graph.edges():,} edges inside the catalog, "
          f"{sum(len(v) for v in graph.external_references.values()):,} outside")
    print(f"resolve graph: {t_graph:.2f} s ({t_graph / n * 1e6:.0f} µs/paper)")
    print(f"head tags of every paper page: {t_head:.2f} s ({t_head / n * 1e6:.0f} µs/page, {size / n:,.0f} bytes/page)")
    print(f"render one note: {t_note * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
