"""Search index parts kept between builds (generator/search/papers.py): the same files as without them."""

from __future__ import annotations

import copy
import json

import pytest

from generator.catalog import build_catalog
from generator.config import SiteConfig
from generator.model import Paper
from generator.pages.common import Context
from generator.search import papers, producer
from generator.search.index import IndexOptions, analyse, ref
from generator.search.producer import search_doc, search_files
from generator.search.text import terms

OPTS = IndexOptions(shard_bytes=4000, posting_cap=60, body_terms=40)  # many shards, both trims biting


def _ctx(items: list[Paper], config: SiteConfig | None = None) -> Context:
    return Context(catalog=build_catalog({p.id: p for p in copy.deepcopy(items)}, {}), config=config or SiteConfig())


@pytest.fixture(scope="module")
def catalog() -> list[Paper]:
    from bench.search_bench import synth_papers

    return synth_papers(500)


def _made(monkeypatch) -> list[str]:
    """The ids of the papers whose parts are made from here on."""
    seen: list[str] = []
    real = producer.search_doc

    def spy(p: Paper):
        seen.append(p.id)
        return real(p)

    monkeypatch.setattr(producer, "search_doc", spy)
    return seen


def _shard_of(files: dict[str, bytes], term: str) -> dict:
    bounds = json.loads(files["search/idx/manifest.json"])["bounds"]
    k = max(i for i, b in enumerate(bounds) if b <= term)
    return json.loads(files[f"search/idx/s/{k}.json"])


def test_kept_parts_give_the_files_of_a_fresh_build_after_edits_additions_and_removals(catalog, tmp_path, monkeypatch):
    cache = tmp_path / "search-papers.pickle"
    ctx = _ctx(catalog)
    fresh = dict(search_files(ctx, OPTS))
    assert dict(search_files(ctx, OPTS, cache=cache)) == fresh  # first build: makes and keeps them
    assert cache.exists()

    edited = copy.deepcopy(catalog)
    edited[17].abstract = "Our zyxquibblers outperform every baseline. " + (edited[17].abstract or "")
    edited[230].title = "An entirely different title about quantum annealing"
    del edited[400]
    new = copy.deepcopy(edited[5])
    new.id, new.title = "p000250b", "Freshly added: graph rewiring for transformers"  # sorts in the middle
    edited.append(new)
    ctx2 = _ctx(edited)
    made = _made(monkeypatch)
    warm = dict(search_files(ctx2, OPTS, cache=cache))
    assert sorted(made) == sorted([edited[17].id, edited[230].id, new.id])  # only the changed papers
    assert warm == dict(search_files(ctx2, OPTS))  # byte for byte what a build without parts gives

    # The edit shows in the index: the new word points at the edited paper (by position)...
    ids = sorted(ctx2.catalog.papers)
    [term] = terms("zyxquibblers")
    shard = _shard_of(warm, term)
    [entry] = [e for e in shard["invertedIndex"] if e[0] == term]
    pos = ids.index(edited[17].id)
    assert list(entry[1]["b"]) == [ref(pos)]
    # ... and in its abstract and result rows; the removed paper is gone, the added one is there
    chunk = pos // producer.DOC_CHUNK
    assert "zyxquibblers" in json.loads(warm[f"search/idx/a/{chunk}.json"])[pos % producer.DOC_CHUNK]
    titles = [r[1] for k, v in warm.items() if k.startswith("search/idx/d/") for r in json.loads(v)]
    assert new.title in titles and catalog[400].title not in titles
    assert "An entirely different title about quantum annealing" in titles


def test_a_rebuild_with_nothing_changed_makes_nothing_and_keeps_the_file(catalog, tmp_path, monkeypatch):
    cache = tmp_path / "search-papers.pickle"
    ctx = _ctx(catalog)
    first = dict(search_files(ctx, OPTS, cache=cache))
    before = cache.stat().st_mtime_ns
    made = _made(monkeypatch)
    assert dict(search_files(ctx, OPTS, cache=cache)) == first
    assert made == [] and cache.stat().st_mtime_ns == before


def test_parts_made_under_other_settings_or_unreadable_are_not_used(catalog, tmp_path, monkeypatch):
    cache = tmp_path / "search-papers.pickle"
    list(search_files(_ctx(catalog), OPTS, cache=cache))
    unlinked = _ctx(catalog, SiteConfig(pages=["search"]))  # result rows link to the records' own URLs
    made = _made(monkeypatch)
    assert dict(search_files(unlinked, OPTS, cache=cache)) == dict(search_files(unlinked, OPTS))
    assert len(made) == 2 * len(catalog)  # all of them, with and without the kept parts
    cache.write_bytes(b"not a pickle")
    assert dict(search_files(unlinked, OPTS, cache=cache)) == dict(search_files(unlinked, OPTS))


def test_an_analysis_taken_from_another_forgets_what_no_paper_holds_any_more(catalog):
    docs = [search_doc(p) for p in catalog[:50]]
    docs[3].body += " zyxonlyhere"
    old = analyse(docs)
    assert "zyxonlyher" in old.vocab or "zyxonlyhere" in old.vocab
    src = [i for i in range(50) if i != 3] + [-1]
    taken = old.take(src, [search_doc(catalog[60])])
    again = analyse([*(docs[i] for i in src[:-1]), search_doc(catalog[60])])
    assert sorted(taken.vocab) == sorted(again.vocab) and sorted(taken.forms) == sorted(again.forms)
    assert taken.n == 50 and taken.years == again.years
    assert [taken.vocab[t] for t in taken.term] == [again.vocab[t] for t in again.term]
    assert (taken.tf == again.tf).all() and (taken.flen == again.flen).all()
    assert (taken.doc_end == again.doc_end).all() and (taken.forms_end == again.forms_end).all()
    with pytest.raises(ValueError):
        old.take([0, -1], [])


def test_parts_key_follows_the_settings():
    assert papers.parts_key(True) == papers.parts_key(True) != papers.parts_key(False)
