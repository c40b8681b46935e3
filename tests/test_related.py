"""Related papers: text neighbours share words, are deterministic, and show on paper pages."""

from __future__ import annotations

import re

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from generator import related

from .conftest import ROOT
from .extras_site import EXTRAS, extras_site, load_catalog  # noqa: F401 - fixture


def words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z][a-z-]*[a-z]", text.lower()) if w not in ENGLISH_STOP_WORDS}


def _check_shares_words(ctx) -> int:
    rel = related.compute(ctx.catalog)
    papers = ctx.catalog.papers
    for pid, others in rel.items():
        assert pid not in others
        assert len(others) == len(set(others)) <= related.K
        mine = words(related.paper_text(papers[pid]))
        for o in others:
            assert mine & words(related.paper_text(papers[o])), (pid, o)
    return len(rel)


def test_seed_neighbours_share_words():
    ctx = load_catalog(ROOT / "content")
    n = _check_shares_words(ctx)
    assert n > len(ctx.catalog.papers) // 2  # most seed papers have abstracts, so most get neighbours


def test_fixture_neighbours_are_the_obvious_ones():
    ctx = load_catalog(EXTRAS)
    _check_shares_words(ctx)
    rel = related.compute(ctx.catalog)
    assert rel["graph-neural-chem"][0] == "graph-neural-materials"
    assert rel["bayesian-sampling"][0] == "bayesian-langevin"
    assert rel["attention-language"][0] == "language-model-evaluation"
    assert "untitled-notes" not in rel  # shares no content word with any paper


def test_deterministic_and_order_independent_ties():
    texts = ["alpha beta gamma", "alpha beta gamma", "alpha beta gamma", "delta epsilon", "delta epsilon"]
    a = related.similar(texts)
    assert a == related.similar(list(texts))
    assert [j for j, _ in a[0]] == [1, 2]  # equal scores: catalog order
    assert [j for j, _ in a[3]] == [4]
    assert related.similar(["only one"]) == [[]]
    assert related.similar(["nothing shared", "entirely different"]) == [[], []]


def test_blocks_give_the_same_answer(monkeypatch):
    ctx = load_catalog(ROOT / "content")
    texts = [related.paper_text(p) for p in ctx.catalog.papers.values()]
    whole = related.similar(texts)
    monkeypatch.setattr(related, "BLOCK", 7)
    assert related.similar(texts) == whole


def test_same_topic_works_without_topics():
    ctx = load_catalog(EXTRAS)
    cat = ctx.catalog
    cat.papers["bayesian-sampling"].topics = []
    assert related.same_topic(cat, cat.papers["bayesian-sampling"], set()) == []
    got = related.same_topic(cat, cat.papers["graph-neural-chem"], set())
    assert "graph-neural-materials" in got


def test_paper_page_shows_similar(extras_site):  # noqa: F811 - fixture
    def similar_on(pid):
        html = (extras_site / "papers" / pid / "index.html").read_text()
        if 'id="similar-papers"' not in html:
            return []
        block = html.split('id="similar-papers"', 1)[1].split("</ul>", 1)[0]
        return re.findall(r'class="ps-title" href="../../papers/([^/]+)/"', block)

    # Text neighbours that share an author are left to "More by these authors".
    assert similar_on("graph-neural-materials") == ["protein-folding-transformer"]
    assert similar_on("bayesian-sampling") == []
    ctx = load_catalog(EXTRAS)
    rel = related.compute(ctx.catalog)
    for pid in ctx.catalog.papers:
        got = similar_on(pid)
        assert got == [o for o in rel.get(pid, []) if o in got]  # same order as computed
        mine = {a.id for a in ctx.catalog.papers[pid].authors}
        assert all(not mine & {a.id for a in ctx.catalog.papers[o].authors} for o in got)


def test_seed_page_section_before_sources(seed_site):
    html = (seed_site / "papers" / "a-langevin-like-sampler-for-discrete-distributions-2022" / "index.html").read_text()
    assert html.index('id="similar-papers"') < html.index("ps-sources")


def _same_topic_reference(catalog, p, exclude, limit=related.TOPIC_SHOWN):
    """The plain definition: count shared topics over every candidate, then sort them all."""
    from collections import Counter

    from generator.ids import slug

    shared: Counter[str] = Counter()
    rank: dict[str, int] = {}
    for t in p.topics:
        for n, other in enumerate(catalog.by_topic.get(slug(t) or "topic", [])[:related.TOPIC_CANDIDATES]):
            if other != p.id and other not in exclude:
                shared[other] += 1
                rank[other] = min(rank.get(other, n), n)
    return sorted(shared, key=lambda pid: (-shared[pid], rank[pid], pid))[:limit]


def test_same_topic_equals_the_plain_definition(monkeypatch):
    """The fast same_topic picks exactly what counting and sorting every candidate picks."""
    import random

    from generator.catalog import build_catalog

    from .conftest import ROOT as root

    cat = load_catalog(root / "content").catalog
    # Many papers per topic and small candidate lists, so every branch is taken
    # (whole groups, a cut group, ties at one position, excluded papers).
    rng = random.Random(3)
    topics = ["A", "B", "C", "D", "E"]
    for p in cat.papers.values():
        p.topics = rng.sample(topics, rng.randint(0, 3))
    cat = build_catalog(cat.papers, cat.authors)
    monkeypatch.setattr(related, "TOPIC_CANDIDATES", 40)
    for p in cat.papers.values():
        exclude = set(rng.sample(sorted(cat.papers), 5))
        for limit in (1, 6, 30):
            assert related.same_topic(cat, p, exclude, limit) == _same_topic_reference(cat, p, exclude, limit)


def test_two_processes_give_the_same_answer(monkeypatch):
    ctx = load_catalog(ROOT / "content")
    texts = [related.paper_text(p) for p in ctx.catalog.papers.values()]
    whole = related.similar(texts)
    monkeypatch.setattr(related, "BLOCK", 7)
    monkeypatch.setattr(related, "PARALLEL_MIN", 0)
    assert related.similar(texts, jobs=2) == whole


def _sklearn_vectors(texts):
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2,
                          max_df=0.5 if len(texts) >= 20 else 1.0, dtype=np.float32,
                          token_pattern=r"(?u)\b[^\W\d_][\w-]*[^\W_]\b")
    x = vec.fit_transform(texts).tocsr()
    x.sort_indices()
    return x


def _texts_of_every_kind():
    from bench.synth import make_papers
    from generator.ingest import IngestContext, get_parser
    from generator.model import Paper

    from .conftest import REALDATA

    out = {"seed": [related.paper_text(p) for p in load_catalog(ROOT / "content").catalog.papers.values()],
           "synthetic": [related.paper_text(p) for p in make_papers(1500, seed=5)],
           "few": ["Über naïve Bäume; the café", "the and of", "naïve bäume x-ray 42nd", "x-ray café"]}
    # Real abstracts with accents, formulas and odd tokens (ACL 2022: about 1,000 papers).
    acl = [i for i in get_parser("acl")(REALDATA / "acl" / "2022.acl.xml", IngestContext()) if isinstance(i, Paper)]
    out["acl"] = [related.paper_text(p) for p in acl]
    return out


def test_vectors_are_scikit_learns():
    """Our TF-IDF rows are TfidfVectorizer's: same vocabulary order, same float32 weights."""
    import numpy as np

    kinds = _texts_of_every_kind()
    for name, texts in kinds.items():
        ours, theirs = related.tfidf(texts), _sklearn_vectors(texts)
        assert ours.shape == theirs.shape, name
        assert np.array_equal(ours.indptr, theirs.indptr) and np.array_equal(ours.indices, theirs.indices), name
        assert np.allclose(ours.data, theirs.data, rtol=1e-6, atol=0), name
    assert related.tfidf(["the and of", "a an the"]) is None  # only stop words
    assert related.similar(["the and of", "a an the"]) == [[], []]


def test_word_cache_gives_the_same_answer_and_sees_edits(tmp_path):
    texts = _texts_of_every_kind()["seed"]
    path = tmp_path / "words.pickle"
    cold = related.TokenCache(path)
    first = related.similar(texts, cache=cold)
    cold.save()
    assert first == related.similar(texts)
    edited = list(texts)
    edited[3] = "Langevin sampler for discrete energy models\n" + edited[7]
    warm = related.TokenCache(path)
    assert warm.known  # the first build's counts were kept
    assert related.similar(edited, cache=warm) == related.similar(edited)
    warm.save()
    again = related.TokenCache(path)
    assert len(again.known) == len(set(edited))  # the replaced text's entry is dropped


def test_kept_result_is_used_only_while_every_text_is_the_same(tmp_path, monkeypatch):
    from generator.model import Paper

    texts = _texts_of_every_kind()["seed"]
    papers = {f"p{i:03d}": Paper(id=f"p{i:03d}", title=t.split("\n")[0] or "untitled", abstract=t)
              for i, t in enumerate(texts)}
    extras = {"_work_dir": str(tmp_path)}
    first = related.prepare(papers, extras)
    assert first and (tmp_path / "related-result.pickle").exists()
    calls = []
    real = related.similar
    monkeypatch.setattr(related, "similar", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert related.prepare(papers, extras) == first and not calls  # kept: not computed again
    papers["p003"].abstract = "Langevin sampler for discrete energy models. " + (papers["p007"].abstract or "")
    edited = related.prepare(papers, extras)
    assert calls and edited == related.prepare(papers, {})  # computed again, equal to a cold run
    assert edited != first
