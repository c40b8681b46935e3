"""The seed pages: each reader's output checked against counts taken from the file itself."""

from __future__ import annotations

import re

import pytest

from generator.content import load_content
from generator.errors import IngestError, Problem
from generator.ids import title_key
from generator.ingest import IngestContext, get_parser
from generator.model import Author, Paper

from .conftest import ROOT, SEEDS

DATE_LINE = re.compile(r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}(?:, \d{4})?(?: (\d+))?$")


def seed(prefix: str):
    return next(SEEDS.glob(f"{prefix}_*.txt"))


def parse(fmt: str, prefix: str, **kw):
    return list(get_parser(fmt)(seed(prefix), IngestContext(**kw)))


@pytest.mark.parametrize("prefix", ["001", "002", "004"])
def test_daily_listing_counts_match_the_file(prefix):
    lines = [ln.strip() for ln in seed(prefix).read_text(encoding="utf-8").splitlines()]
    items = parse("hf-daily", prefix)
    papers = [i for i in items if isinstance(i, Paper)]
    assert not [i for i in items if isinstance(i, Problem)]
    # One dated entry per "·" separator on the page.
    separators = sum(1 for ln in lines if ln == "·")
    assert sum(1 for p in papers if p.date) == separators
    # Author counts and upvotes add up to what the page shows.
    shown_counts = [int(m.group(1)) for ln in lines if (m := re.match(r"^•\s*(\d+) authors?$", ln))]
    assert sum(p.author_count or 0 for p in papers) == sum(shown_counts)
    shown_upvotes = [int(m.group(2)) for i, ln in enumerate(lines)
                     if i and lines[i - 1] == "·" and (m := DATE_LINE.match(ln)) and m.group(2)]
    assert sum(p.upvotes or 0 for p in papers) == sum(shown_upvotes)
    # Every paper carries the listing day, in the listing's year.
    assert {tuple(p.listed) for p in papers} == {(papers[0].listed[0],)}
    assert all(p.title and p.abstract for p in papers)


def test_daily_listing_fields():
    papers = {p.title: p for p in parse("hf-daily", "001") if isinstance(p, Paper)}
    bro = papers["BroRL: Scaling Reinforcement Learning via Broadened Exploration"]
    assert (bro.orgs, bro.upvotes, bro.date, bro.listed) == (["NVIDIA"], 2, "2025-10-01", ["2026-05-07"])
    first = papers["InfiGFusion: Graph-on-Logits Distillation via Efficient Gromov-Wasserstein for Model Fusion"]
    assert (first.author_count, first.date) == (7, "2025-05-19")
    # A date with no year belongs to the listing's year.
    logit = papers["Limits of n-gram Style Control for LLMs via Logit-Space Injection"]
    assert logit.date == "2026-01-12"
    # An entry whose metadata is missing on the saved page keeps title and abstract.
    resrl = next(p for t, p in papers.items() if t.startswith("ResRL"))
    assert resrl.date is None and resrl.abstract.startswith("Reinforcement Learning with Verifiable Rewards")


def test_listing_year_can_be_given():
    papers = [p for p in parse("hf-daily", "004", year=2030) if isinstance(p, Paper)]
    assert papers[0].listed == ["2030-05-26"]


def test_search_results_page():
    lines = [ln for ln in seed("003").read_text(encoding="utf-8").splitlines() if ln.strip()]
    papers = [p for p in parse("hf-search", "003") if isinstance(p, Paper)]
    # Two banner lines, then title and abstract lines in turn.
    assert len(papers) == (len(lines) - 2) // 2 == 119
    assert papers[0].title == "Jump-Start Reinforcement Learning"
    assert papers[-1].title == "Foundations for Near-Term Quantum Natural Language Processing"


def test_profile_page():
    items = parse("profile", "000")
    author = next(i for i in items if isinstance(i, Author))
    works = [i for i in items if isinstance(i, Paper)]
    text = seed("000").read_text(encoding="utf-8")
    headings = re.findall(r"^(preprint|article|inproceedings)(\d{4})(\w*)$", text, re.M)
    assert len(works) == len(headings) == author.figures["published_items"] == 8
    assert author.name == "Ruqi Zhang" and author.affiliation is None
    assert author.figures == {
        "works": 8, "followers": 0, "topics": 5, "collaborators": 4, "trust": 21, "trust_level": "Emerging",
        "verification": "L1", "claimed": False, "open_to_collaborate": True, "published_items": 8,
    }
    assert [w.date for w in works] == [y for _, y, _ in headings]
    assert all(w.authors[0].id == author.id and w.venue == "arXiv" for w in works)


def test_wrong_page_kind_is_refused_with_a_message():
    with pytest.raises(IngestError, match="not a daily-papers listing"):
        parse("hf-daily", "003")
    with pytest.raises(IngestError, match="not a researcher profile"):
        parse("profile", "001")


def test_shipped_content_holds_every_seed_paper_once():
    content = load_content(ROOT / "content")
    assert not content.problems
    shipped = {title_key(p.title) for p in content.papers.values()}
    seen = set()
    for fmt, prefix in [("hf-daily", "001"), ("hf-daily", "002"), ("hf-daily", "004"), ("profile", "000"),
                        ("hf-search", "003")]:
        for p in parse(fmt, prefix):
            if isinstance(p, Paper):
                seen.add(title_key(p.title))
    assert seen == shipped
    assert len(content.papers) == len(seen)
    assert "ruqi-zhang" in content.authors
    # Profile works are linked to the seed author.
    linked = [p for p in content.papers.values() if any(a.id == "ruqi-zhang" for a in p.authors)]
    assert len(linked) == 8
    # A paper on two seed pages is one record with both sources.
    multi = [p for p in content.papers.values() if len({s.file for s in p.sources}) > 1]
    assert multi, "some seed papers appear on several pages"
