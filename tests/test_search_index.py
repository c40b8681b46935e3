"""The prebuilt search index: terms as lunr.js makes them, shards, global ranking."""

from __future__ import annotations

import base64
import bisect
import json
import re
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.search.index import IndexOptions, SearchDoc, build_index, decode_docs, encode_docs, ref
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


@needs_node
def test_minified_lunr_js_works_as_the_packaged_one(tmp_path):
    """The worker's lunr.js (minified by rjsmin) builds, serialises and queries an
    index of real text exactly as mkdocs' copy does."""
    from importlib import resources

    shipped = resources.files("mkdocs") / "contrib" / "search" / "templates" / "search" / "lunr.js"
    original = shipped.read_text(encoding="utf-8")
    minified = lunr_js().decode("utf-8")
    assert len(minified) < 0.6 * len(original)
    assert minified.startswith("/**\n * lunr - http://lunrjs.com") and "@license MIT" in minified[:300]
    (tmp_path / "original.js").write_text(original, encoding="utf-8")
    words = _real_words()
    docs = [{"id": str(k), "body": " ".join(words[k::97][:60])} for k in range(97)]
    (tmp_path / "docs.json").write_text(json.dumps(docs), encoding="utf-8")
    script = """
const lunr = require(process.argv[1]);
const docs = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const idx = lunr(function () { this.ref('id'); this.field('body'); docs.forEach(d => this.add(d)); });
const loaded = lunr.Index.load(JSON.parse(JSON.stringify(idx)));
const queries = ['language', 'lingu*', 'semantc~1', '+model -neural', 'body:parsing', 'the of and'];
process.stdout.write(JSON.stringify({index: idx, hits: queries.map(q => loaded.search(q))}));
"""
    old = json.loads(_node(script, str(tmp_path / "original.js"), str(tmp_path / "docs.json")))
    new = json.loads(_node(script, _lunr_path(tmp_path), str(tmp_path / "docs.json")))
    assert sum(len(h) for h in old["hits"]) > 20
    assert new == old


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


def test_trimmed_terms_list_every_paper_holding_them_in_their_shard():
    # Every paper: its own 30 words, plus 'common', which all 20 share.
    docs = [SearchDoc(f"Doc{i}", [], [], " ".join(f"w{i}x{j}" for j in range(30)) + " common", 2020)
            for i in range(20)]
    built = build_index(docs, IndexOptions(body_terms=40, posting_cap=5, shard_bytes=10**9))
    idx = json.loads(built.shards[0])
    names = [entry[0] for entry in idx["invertedIndex"]]
    assert [names[k] for k, _ in idx["full"]] == ["common"]  # capped at 5 papers; no abstract over 40 terms
    [(k, code)] = idx["full"]
    assert decode_docs(code, 20) == list(range(20))  # all 20, though only 5 keep postings
    assert len(idx["invertedIndex"][k][1]["b"]) == 5
    assert built.partial == {"common"}
    # 31 terms with room for 30: each abstract drops its lowest-weighted one, the shared word
    cut = build_index(docs, IndexOptions(body_terms=30, shard_bytes=10**9))
    assert cut.partial == {"common"}
    assert "common" not in [e[0] for e in json.loads(cut.shards[0])["invertedIndex"]]  # no posting left
    assert build_index(docs, IndexOptions(shard_bytes=10**9)).partial == set()
    assert json.loads(build_index(docs[:3]).shards[0])["full"] == []


@pytest.mark.parametrize("ids", [[], [0], [5, 6, 7, 300, 20_000, 99_999], list(range(0, 100_000, 3)),
                                 list(range(40_000, 41_000))])
def test_paper_lists_decode_to_what_was_encoded(ids):
    import numpy as np

    code = encode_docs(np.array(ids, dtype=np.int64), 100_000)
    assert decode_docs(code, 100_000) == ids
    # the shorter of a bitmap (12,500 bytes here) and the gaps as varints
    assert code[0] == ("b" if len(ids) > 12_500 else "d")


def test_rare_written_forms_list_their_papers():
    bodies = ["linear models"] * 6 + ["linearities matter", "linearity holds", "linear and linearities"]
    docs = [SearchDoc(f"Doc {i}", [], [], b, 2020) for i, b in enumerate(bodies)]
    idx = json.loads(build_index(docs, IndexOptions(shard_bytes=10**9)).shards[0])
    names = [entry[0] for entry in idx["invertedIndex"]]
    forms = {(names[k], w): decode_docs(code, len(docs)) for k, w, code in idx["forms"]}
    # 'linear' (7 papers) is the term's common form: not listed; 'model' has one form
    assert forms == {("linear", "linearities"): [6, 8], ("linear", "linearity"): [7]}
    capped = json.loads(build_index(docs, IndexOptions(shard_bytes=10**9, posting_cap=1)).shards[0])
    assert [w for _, w, _ in capped["forms"]] == ["linearity"]  # a form in more papers than the cap is not listed


def test_lean_builder_writes_the_plain_builders_shards():
    """The lunr part of every shard, byte for byte, against tests/search_reference.py, with both trims biting."""
    from bench.search_bench import synth_papers
    from generator.search.producer import search_doc

    from .search_reference import build_index as plain_build

    docs = [search_doc(p) for p in sorted(synth_papers(1200), key=lambda p: p.id)]
    for opts in (IndexOptions(), IndexOptions(posting_cap=40, body_terms=30, shard_bytes=6000)):
        plain, lean = plain_build(docs, opts), build_index(iter(docs), opts)
        assert lean.bounds == plain.bounds and len(lean.shards) == len(plain.shards) > 10
        assert (lean.terms, lean.postings, lean.partial) == (plain.terms, plain.postings, plain.partial)
        for a, b in zip(plain.shards, lean.shards, strict=True):
            assert a[:a.index(b',"partial":')] == b[:b.index(b',"full":')]
    assert plain.partial and lean.forms


def test_every_paper_holding_a_trimmed_term_is_in_its_full_list():
    from bench.search_bench import synth_papers
    from generator.search.producer import search_doc

    docs = [search_doc(p) for p in sorted(synth_papers(600), key=lambda p: p.id)]
    built = build_index(docs, IndexOptions(posting_cap=30, body_terms=25))
    holders: dict[str, set[int]] = {}
    for i, d in enumerate(docs):
        for value in (d.title, d.body, *d.authors, *d.meta):
            for t in terms(value):
                holders.setdefault(t, set()).add(i)
    listed, present = set(), set()
    for data in built.shards:
        idx = json.loads(data)
        present.update(e[0] for e in idx["invertedIndex"])
        for k, code in idx["full"]:
            t = idx["invertedIndex"][k][0]
            assert decode_docs(code, len(docs)) == sorted(holders[t])
            listed.add(t)
    assert listed == built.partial & present and len(listed) > 50


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


def _listed(tmp_path, term: str) -> set[str]:
    """Paper refs under ``term``'s postings in the shards written by _worker_results."""
    for path in (tmp_path / "search" / "idx" / "s").glob("*.json"):
        for t, entry in json.loads(path.read_text(encoding="utf-8"))["invertedIndex"]:
            if t == term:
                return {r for f in ("t", "a", "m", "b") for r in entry[f]}
    return set()


@needs_node
def test_worker_finds_a_paper_whose_every_word_lost_its_postings(tmp_path):
    # 36 papers with two of the three words in a short title (heavy postings); one paper with all
    # three, once each, in a long abstract: with a cap of 5 postings a word, it is listed under none.
    pairs = [("Model", "data"), ("Model", "training"), ("Data", "training")]
    papers = [_paper(k, f"{pairs[k % 3][0]} {pairs[k % 3][1]}", f"Short note {k}.") for k in range(36)]
    papers.append(_paper(36, "An unrelated heading", "We describe the model, then the data, then the training "
                          "schedule, with many other words around them to make this abstract long and the "
                          "weight of each word small compared with a short title."))
    opts = IndexOptions(posting_cap=5)
    [hits, two] = _worker_results(tmp_path, papers, [{"q": "model data training"}, {"q": "training model"}], opts)
    from generator.search.index import ref

    assert all(ref(36) not in _listed(tmp_path, t) for t in ("model", "data", "train"))
    assert hits[0] == "p036"  # the only paper with every word, found through the full lists
    assert len(hits) > 1  # then near matches (from the postings kept), each lacking one word
    # Two words: only papers holding both (the 12 'Model training' ones, with both in the title, first).
    assert two == [f"p{k:03d}" for k in range(1, 36, 3)][:10]


@needs_node
def test_worker_ranks_the_exact_title_first_when_its_words_are_common(tmp_path):
    # 12 papers have the three title words twice in their title and again in the abstract: all
    # outscore the paper whose title is exactly the query, and with a cap of 5 it is not even listed.
    papers = [_paper(k, f"Efficient efficient reinforcement reinforcement learning learning {k}",
                     "Efficient reinforcement learning for agents.") for k in range(12)]
    papers.append(_paper(12, "Efficient Reinforcement Learning", "Something else entirely.", 2016))
    papers += [_paper(k, f"Unrelated paper {k}", "Nothing here.") for k in range(13, 30)]
    hits = _worker_results(tmp_path, papers, [{"q": "Efficient Reinforcement Learning", "live": True},
                                              {"q": "efficient reinforcement learning"},
                                              {"q": "efficient reinforcement"}], IndexOptions(posting_cap=5))
    assert hits[0][0] == "p012" and hits[1][0] == "p012"
    assert "p012" not in hits[2][:5]  # not an exact title: ranked by score like any paper


@needs_node
def test_worker_prefers_the_word_as_typed_over_its_stem(tmp_path):
    papers = [_paper(k, f"Paper {k}", "A linear model of portion sizes. Linear linear portion.") for k in range(10)]
    papers.append(_paper(10, "Paper 10", "We study linearities in a portion of the data, among many other "
                         "things that make this abstract longer than the rest."))
    papers += [_paper(k, f"Unrelated paper {k}", "Nothing here.") for k in range(11, 30)]
    [hits, stem] = _worker_results(tmp_path, papers, [{"q": "linearities portion"}, {"q": "linear portion"}])
    assert hits[0] == "p010"  # the only paper with 'linearities' itself; the others score higher on 'linear'
    assert "p010" not in stem and len(stem) == 10  # the common form typed: by score, p010 is 11th of 11


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


@needs_node
def test_worker_takes_a_word_no_paper_has_as_the_start_of_one(tmp_path):
    papers = [_paper(0, "Rewarding unlikely answers", "Code at https://github.com/AndreHe02/rewarding-unlikely."),
              _paper(1, "Rewarding likely answers", "Rewarding the likely answers of a model.")]
    papers += [_paper(k, f"Unrelated paper {k}", "Nothing here.") for k in range(2, 30)]
    [hits] = _worker_results(tmp_path, papers, [{"q": "andrehe rewarding"}])  # typed whole: no prefix expansion
    assert hits[0] == "p000"


def test_exact_title_files_hold_every_paper_under_its_title_hash():
    from generator.catalog import build_catalog
    from generator.config import SiteConfig
    from generator.pages.common import Context
    from generator.search.producer import TITLE_BUCKET, title_hash, title_key

    assert title_key("Q*: Efficient   Reinforcement-Learning (RL)!") == "q efficient reinforcement learning rl"
    assert (title_hash("a"), title_hash("foobar")) == (0xE40C292C, 0xBF9CF968)  # FNV-1a 32 test vectors
    papers = [_paper(k, f"Paper {k}: a study", "Text.") for k in range(300)]
    files = dict(search_files(Context(catalog=build_catalog({p.id: p for p in papers}, {}), config=SiteConfig())))
    buckets = json.loads(files["search/idx/manifest.json"])["titles"]
    assert buckets == -(-300 // TITLE_BUCKET) == 3
    seen = []
    for k in range(buckets):
        for h, i in json.loads(files[f"search/idx/h/{k}.json"]):
            assert h % buckets == k and h == title_hash(title_key(papers[i].title))
            seen.append(i)
    assert sorted(seen) == list(range(300))


def _plain_encode(ids: list[int], n: int) -> str:
    """encode_docs as first written: gaps as varints in a Python loop, or the bitmap when shorter."""
    out = bytearray()
    prev = -1
    for i in ids:
        g = i - prev - 1
        prev = i
        while g >= 0x80:
            out.append(g & 0x7F | 0x80)
            g >>= 7
        out.append(g)
    if len(out) >= (n + 7) // 8:
        bits = bytearray((n + 7) // 8)
        for i in ids:
            bits[i >> 3] |= 1 << (i & 7)
        return "b" + base64.b64encode(bytes(bits)).decode("ascii")
    return "d" + base64.b64encode(bytes(out)).decode("ascii")


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 300_000).flatmap(
    lambda n: st.tuples(st.just(n), st.lists(st.sets(st.integers(0, n - 1), max_size=60), max_size=8))))
def test_paper_lists_encoded_together_are_each_encoded_as_alone(case):
    from generator.search.index import encode_groups

    n, lists = case
    ordered = [sorted(ids) for ids in lists]
    bounds = [0]
    for ids in ordered:
        bounds.append(bounds[-1] + len(ids))
    codes = encode_groups([i for ids in ordered for i in ids], bounds, n)
    assert codes == [_plain_encode(ids, n) for ids in ordered]
    assert [decode_docs(c, n) for c in codes] == ordered
