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
