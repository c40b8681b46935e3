"""The prebuilt search index: terms as lunr.js makes them, shards, global ranking."""

from __future__ import annotations

import bisect
import json
import re
import shutil
import subprocess

import pytest

from generator.search.index import IndexOptions, SearchDoc, build_index, ref
from generator.search.producer import lunr_js, search_files
from generator.search.text import SEPARATOR, terms

from .conftest import FIXTURES, REALDATA

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


def _node(script: str, *args: str) -> str:
    assert NODE
    out = subprocess.run([NODE, "-e", script, *args], capture_output=True, text=True, check=True, timeout=60)
    return out.stdout


def _lunr_path(tmp_path) -> str:
    path = tmp_path / "lunr.js"
    path.write_bytes(lunr_js())
    return str(path)


def _real_words() -> list[str]:
    """Words of real paper titles and abstracts (ACL Anthology XML)."""
    text = (REALDATA / "acl" / "2022.naloma.xml").read_text(encoding="utf-8")
    text += (REALDATA / "acl" / "P11.xml").read_text(encoding="utf-8")[:400_000]
    body = re.sub(r"<[^>]+>", " ", text)
    return sorted(set(body.lower().split()))


@needs_node
def test_python_terms_equal_lunr_js_terms_on_real_text(tmp_path):
    words = _real_words()
    assert len(words) > 2000
    script = """
const lunr = require(process.argv[1]);
const words = require('fs').readFileSync(0, 'utf8').split('\\n').filter(Boolean);
const sep = new RegExp(process.argv[2]);
const out = words.map(w => {
  const toks = w.split(sep).filter(Boolean).map(x => new lunr.Token(x.toLowerCase(), {})).map(t => lunr.trimmer(t)).filter(t => t && t.toString())
    .map(t => lunr.stopWordFilter(t)).filter(Boolean).map(t => lunr.stemmer(t).toString());
  return toks.join(' ');
});
process.stdout.write(JSON.stringify(out));
"""
    res = subprocess.run([NODE or "node", "-e", script, _lunr_path(tmp_path), SEPARATOR], input="\n".join(words),
                         capture_output=True, text=True, check=True, timeout=60)
    js = json.loads(res.stdout)
    py = [" ".join(terms(w)) for w in words]
    diff = [(w, a, b) for w, a, b in zip(words, py, js, strict=True) if a != b]
    assert diff == [], diff


def test_terms_keep_ids_and_acronyms_as_typed():
    assert terms("GRPO beats PPO on 2401.12345") == ["grpo", "beat", "ppo", "2401.12345"]
    assert terms("the of and") == []  # stop words
    assert terms("Models running") == ["model", "run"]  # stemmed


def _docs() -> list[SearchDoc]:
    return [
        SearchDoc("Sparse attention for long documents", ["Wei Zhang"], ["2401.12345"],
                  "We study transformers on long inputs.", 2024, 10),
        SearchDoc("Graph neural networks", ["Ana Silva"], [], "Sparse attention appears in graphs too.", 2024, 10),
        SearchDoc("Graph neural networks", ["Ana Silva"], [], "Sparse attention appears in graphs too.", 2020, 10),
        SearchDoc("Protein folding with diffusion", ["Kofi Okafor", "Wei Zhang"], [],
                  "A diffusion model folds proteins; attention is not used.", 2023, 0),
    ]


def _weights(built) -> dict[tuple[str, str, str], float]:
    """(term, field, ref) -> weight, read back from the serialized shards."""
    out = {}
    for data in built.shards:
        idx = json.loads(data)
        names = {entry[1]["_index"]: entry[0] for entry in idx["invertedIndex"]}
        for field_ref, vec in idx["fieldVectors"]:
            field, doc = field_ref.split("/")
            for k in range(0, len(vec), 2):
                out[(names[vec[k]], field, doc)] = vec[k + 1]
    return out


def test_every_term_lives_in_the_shard_its_bound_points_to():
    built = build_index(_docs(), IndexOptions(shard_bytes=200))
    assert len(built.shards) > 3
    assert built.bounds == sorted(built.bounds)
    for k, data in enumerate(built.shards):
        idx = json.loads(data)
        assert idx["version"] == "2.3.9" and idx["pipeline"] == ["stemmer"]
        names = [entry[0] for entry in idx["invertedIndex"]]
        assert names == sorted(names)  # lunr's TokenSet builder needs sorted insertion
        for t in names:
            assert bisect.bisect_right(built.bounds, t) - 1 == k
        for _, vec in idx["fieldVectors"]:
            positions = vec[0::2]
            assert positions == sorted(positions)


def test_weights_do_not_depend_on_how_the_index_is_split():
    one = _weights(build_index(_docs(), IndexOptions(shard_bytes=10**9)))
    many = _weights(build_index(_docs(), IndexOptions(shard_bytes=150)))
    assert one == many and len(one) > 20


def test_title_outranks_abstract_and_newer_breaks_ties():
    w = _weights(build_index(_docs()))
    title_hit = w[("spars", "t", ref(0))]
    abstract_hit = w[("spars", "b", ref(1))]
    assert title_hit > abstract_hit
    # docs 1 and 2 differ only in year: the newer one weighs more
    assert w[("graph", "t", ref(1))] > w[("graph", "t", ref(2))]
    # exact author and ids are indexed as typed
    assert ("zhang", "a", ref(3)) in w and ("2401.12345", "m", ref(0)) in w


def test_trims_limit_abstract_terms_and_postings():
    docs = [SearchDoc(f"Paper {i}", [], [], " ".join(f"word{j}" for j in range(i, i + 30)) + " common", 2020)
            for i in range(20)]
    w = _weights(build_index(docs, IndexOptions(body_terms=5, posting_cap=3)))
    per_doc: dict[str, int] = {}
    for (_t, f, d) in w:
        if f == "b":
            per_doc[d] = per_doc.get(d, 0) + 1
    assert max(per_doc.values()) == 5
    assert sum(1 for (t, f, _d) in w if t == "common") <= 3


def test_empty_catalog_gives_one_loadable_shard():
    built = build_index([])
    assert len(built.shards) == 1 and json.loads(built.shards[0])["invertedIndex"] == []


@needs_node
def test_lunr_js_loads_a_shard_and_ranks_title_first(tmp_path):
    built = build_index(_docs(), IndexOptions(shard_bytes=10**9))
    shard = tmp_path / "s.json"
    shard.write_bytes(built.shards[0])
    script = """
const lunr = require(process.argv[1]);
const idx = lunr.Index.load(JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8')));
const run = (t, o) => idx.query(q => q.term(t, Object.assign({usePipeline: false}, o))).map(r => r.ref);
process.stdout.write(JSON.stringify({
  sparse: run('spars', {}), zhang: run('zhang', {fields: ['a']}),
  fuzzy: run('difus', {editDistance: 1}), prefix: run('prot', {wildcard: lunr.Query.wildcard.TRAILING})}));
"""
    # The worker stems the typo first ('difusion' -> 'difus'), then asks for edit distance 1.
    got = json.loads(_node(script, _lunr_path(tmp_path), str(shard)))
    assert got["sparse"][0] == ref(0) and set(got["sparse"]) == {ref(0), ref(1), ref(2)}
    assert sorted(got["zhang"]) == [ref(0), ref(3)]
    assert got["fuzzy"] == [ref(3)]
    assert got["prefix"] == [ref(3)]


def test_search_files_for_the_golden_catalog_are_complete_and_deterministic():
    from generator.catalog import build_catalog
    from generator.config import SiteConfig
    from generator.content import load_content
    from generator.pages.common import Context

    content = load_content(FIXTURES / "golden" / "content")
    ctx = Context(catalog=build_catalog(content.papers, content.authors), config=SiteConfig())
    first = dict(search_files(ctx))
    assert first == dict(search_files(ctx))
    manifest = json.loads(first["search/idx/manifest.json"])
    assert manifest["n"] == len(ctx.catalog.papers)
    assert len([p for p in first if p.startswith("search/idx/s/")]) == len(manifest["bounds"])
    rows = [row for p, data in sorted(first.items()) if p.startswith("search/idx/d/") for row in json.loads(data)]
    titles = sorted(r[1] for r in rows)
    assert titles == sorted(" ".join(p.title.split()) for p in ctx.catalog.papers.values())
    assert all(r[0].startswith("papers/") for r in rows)


def test_trimmed_terms_are_listed_as_partial_in_their_shard():
    # Every paper: its own 30 words, plus 'common', which all 20 share.
    docs = [SearchDoc(f"Doc{i}", [], [], " ".join(f"w{i}x{j}" for j in range(30)) + " common", 2020)
            for i in range(20)]
    built = build_index(docs, IndexOptions(body_terms=40, posting_cap=5, shard_bytes=10**9))
    idx = json.loads(built.shards[0])
    names = [entry[0] for entry in idx["invertedIndex"]]
    assert {names[k] for k in idx["partial"]} == {"common"}  # capped at 5 papers; no abstract over 40 terms
    assert built.partial == {"common"}
    # 31 terms with room for 30: each abstract drops its lowest-weighted one, the shared word
    cut = build_index(docs, IndexOptions(body_terms=30, shard_bytes=10**9))
    assert cut.partial == {"common"}
    assert build_index(docs, IndexOptions(shard_bytes=10**9)).partial == set()
    assert json.loads(build_index(docs[:3]).shards[0])["partial"] == []


# ---------------------------------------------------------------- the worker itself, in node
def _paper(k: int, title: str, abstract: str, year: int = 2024):
    from generator.model import AuthorRef, Paper

    return Paper(id=f"p{k:03d}", title=title, authors=[AuthorRef(f"Author {k}")], abstract=abstract,
                 date=f"{year}-01-01", venue="arXiv", type="preprint")


def _worker_results(tmp_path, papers, queries: list[dict], opts: IndexOptions | None = None) -> list[list[str]]:
    """Build the search files for ``papers`` and run the real search/worker.js on them in node:
    the paper ids of each query's hits, best first."""
    from generator.catalog import build_catalog
    from generator.config import SiteConfig
    from generator.pages.common import Context
    from generator.search.producer import worker_js

    ctx = Context(catalog=build_catalog({p.id: p for p in papers}, {}), config=SiteConfig())
    for rel, data in search_files(ctx, opts):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    (tmp_path / "search" / "worker.js").write_bytes(worker_js())
    script = """
const fs = require('fs'), vm = require('vm');
const root = process.argv[1] + '/search/', queries = JSON.parse(process.argv[2]);
global.self = global;
global.exports = undefined;  // node -e defines it: lunr.js would export to it, not set the global a worker sees
global.fetch = (u) => Promise.resolve({ok: true, json: () => Promise.resolve(JSON.parse(fs.readFileSync(u, 'utf8')))});
const waiting = {};
global.postMessage = (m) => { const f = waiting[m.id || 0]; if (f) { delete waiting[m.id || 0]; f(m); } };
vm.runInThisContext(fs.readFileSync(root + 'worker.js', 'utf8'));
(async () => {
  await new Promise(res => { waiting[0] = res; self.onmessage({data: {type: 'init', root}}); });
  const out = [];
  for (let i = 0; i < queries.length; i++) {
    const q = Object.assign({type: 'query', id: i + 1, limit: 10}, queries[i]);
    const r = await new Promise(res => { waiting[q.id] = res; self.onmessage({data: q}); });
    if (r.type !== 'results') throw new Error(r.error);
    out.push(r.hits.map(h => h.row[0]));
  }
  process.stdout.write(JSON.stringify(out));
})().catch(e => { console.error(e); process.exit(1); });
"""
    got = json.loads(_node(script, str(tmp_path), json.dumps(queries)))
    return [[re.sub(r"^papers/|/$", "", url) for url in hits] for hits in got]


@needs_node
def test_worker_ranks_papers_with_every_word_first(tmp_path):
    filler = "We report experiments on standard benchmarks and compare against strong baselines."
    papers = [
        # two of the three words, both in the title (6x weight), short abstract
        _paper(0, "Quantile critics", filler),
        _paper(1, "Quantile critics for control", filler),
        # all three words, only in a long abstract
        _paper(2, "A study of value estimation", "We train quantile critics with subsampled targets. " + filler * 4),
    ] + [_paper(k, f"Unrelated paper {k}", filler) for k in range(3, 40)]
    [hits] = _worker_results(tmp_path, papers, [{"q": "quantile critics subsampled"}])
    assert hits[0] == "p002"
    assert set(hits[1:3]) == {"p000", "p001"}  # near matches follow


@needs_node
def test_worker_does_not_count_a_trimmed_term_against_a_paper(tmp_path):
    # 'model' is in every abstract; with a posting cap of 5 most papers are not listed under it.
    papers = [_paper(k, f"Paper number {k}", f"A model of things, item {k}.") for k in range(30)]
    papers.append(_paper(30, "Another paper", "A model of rare zebra herds. " + "Model model model. " * 3))
    papers.append(_paper(31, "Yet another paper", "Rare zebra herds, counted from the air."))
    opts = IndexOptions(posting_cap=5)
    [hits, alone] = _worker_results(tmp_path, papers, [{"q": "zebra model"}, {"q": "zebra"}], opts)
    # p031 lacks 'model' but a capped term says nothing about papers it does not list:
    # both zebra papers stay ahead of the 'model'-only ones.
    assert set(hits[:2]) == {"p030", "p031"}
    assert set(alone) == {"p030", "p031"}


@needs_node
def test_worker_puts_a_title_with_every_word_and_the_exact_title_first(tmp_path):
    papers = [
        _paper(0, "Diffusion transformers", "Video, video and more video from diffusion transformers."),
        _paper(1, "Scaling up diffusion models and transformers for long video generation, editing and control",
               "Results."),
        _paper(2, "Video generation", "Diffusion transformers for video generation, with diffusion transformers."),
    ] + [_paper(k, f"Unrelated paper {k}", "Nothing here.") for k in range(3, 30)]
    hits = _worker_results(tmp_path, papers, [{"q": "diffusion transformers video"}, {"q": "Video generation"},
                                              {"q": "video generation", "live": True}])
    # p000's short title holds two of the words (a higher BM25 sum); p001's long title holds all three
    assert hits[0][:2] == ["p001", "p000"]
    assert hits[1][0] == "p002" and hits[2][0] == "p002"  # the exact title


def test_result_rows_leave_abstracts_to_their_own_files():
    from generator.catalog import build_catalog
    from generator.config import SiteConfig
    from generator.pages.common import Context

    papers = [_paper(k, f"Paper {k}", f"Abstract number {k}.") for k in range(40)]
    files = dict(search_files(Context(catalog=build_catalog({p.id: p for p in papers}, {}), config=SiteConfig())))
    rows = json.loads(files["search/idx/d/0.json"])
    texts = json.loads(files["search/idx/a/0.json"])
    assert len(rows) == len(texts) == 16 and all(len(r) == 5 for r in rows)
    assert rows[3][1] == "Paper 3" and texts[3] == "Abstract number 3."
    assert "search/idx/a/2.json" in files and "search/idx/a/3.json" not in files
