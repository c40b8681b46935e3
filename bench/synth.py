"""Synthetic catalogs for the build benchmark, made from realistic text.

Abstracts are recombined from the sentences of the seed abstracts
(content/papers/*.yaml); author names from the ACL Anthology's real name list
(../shared/realdata/acl/name_variants.yaml, first and last names mixed), venues
from its venue list.  Everything is drawn from one ``random.Random(seed)``, so
the same (n, seed) gives byte-identical content folders.

Author popularity follows a Zipf-like law (a few prolific authors, a long
tail), so the number of author pages and the size of the listing pages grow
with the catalog the way a real one does.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from generator.content import load_content, save_records
from generator.ids import slug
from generator.model import AuthorRef, Paper

ROOT = Path(__file__).resolve().parent.parent
REALDATA = ROOT.parent / "shared" / "realdata"

TOPICS = [
    "Large Language Models", "Reinforcement Learning", "Computer Vision", "Diffusion Models",
    "Machine Translation", "Speech Recognition", "Graph Neural Networks", "Optimization",
    "Generative Models", "Information Retrieval", "Question Answering", "Summarization",
    "Robotics", "Multimodal Learning", "Interpretability", "Fairness", "Privacy",
    "Federated Learning", "Bayesian Inference", "Causal Inference", "Time Series",
    "Theory", "Quantum Computing", "Sampling", "Efficient Inference", "Quantization",
    "Retrieval-Augmented Generation", "Agents", "Code Generation", "Mathematical Reasoning",
    "Dialogue Systems", "Named Entity Recognition", "Parsing", "Semantics", "Evaluation",
    "Benchmarks", "Datasets", "Self-Supervised Learning", "Contrastive Learning", "Neuroscience",
]
ORGS = [
    "Google DeepMind", "Meta AI", "Microsoft Research", "OpenAI", "Anthropic", "NVIDIA",
    "Stanford University", "MIT", "Carnegie Mellon University", "UC Berkeley", "University of Oxford",
    "University of Cambridge", "ETH Zurich", "EPFL", "Tsinghua University", "Peking University",
    "University of Toronto", "Mila", "Allen Institute for AI", "University of Edinburgh",
    "Tencent", "Alibaba", "ByteDance Seed", "Samsung AI", "University of Tokyo", "KAIST",
]
FALLBACK_FIRST = ["Ana", "Wei", "Priya", "James", "Yuki", "Olga", "Mohamed", "Lena", "Carlos", "Mei"]
FALLBACK_LAST = ["Zhang", "Smith", "Garcia", "Kumar", "Müller", "Sato", "Ivanova", "Haddad", "Rossi", "Chen"]
FALLBACK_VENUES = ["ACL", "EMNLP", "NeurIPS", "ICML", "ICLR", "CVPR", "NAACL", "COLING", "AAAI", "IJCAI"]


@dataclass
class Pools:
    """The text every synthetic record is drawn from."""

    sentences: list[str]
    first: list[str]
    last: list[str]
    venues: list[str]


def load_pools(seed_content: Path = ROOT / "content") -> Pools:
    """Sentences of the seed abstracts, real first/last names and venue names."""
    loaded = load_content(seed_content)
    sentences: list[str] = []
    for p in sorted(loaded.papers.values(), key=lambda p: p.id):
        for s in re.split(r"(?<=[.!?])\s+", (p.abstract or "").strip()):
            if 30 <= len(s) <= 400:
                sentences.append(s)
    if not sentences:
        sentences = ["We study a problem and report results on standard benchmarks."]
    first, last = list(FALLBACK_FIRST), list(FALLBACK_LAST)
    nv = REALDATA / "acl" / "name_variants.yaml"
    if nv.exists():
        people = yaml.load(nv.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        firsts = sorted({str(p["canonical"].get("first") or "") for p in people} - {""})
        lasts = sorted({str(p["canonical"].get("last") or "") for p in people} - {""})
        if firsts and lasts:
            first, last = firsts, lasts
    venues = list(FALLBACK_VENUES)
    vf = REALDATA / "acl" / "venues.yaml"
    if vf.exists():
        data = yaml.load(vf.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        venues = sorted({str(v.get("acronym") or k) for k, v in data.items()})
    return Pools(sentences, first, last, venues)


def _zipf_index(rng: random.Random, n: int) -> int:
    # A heavy head without one person on every paper: the top author's share is
    # n**(-2/3) per author slot (1% of papers at 10k, 0.2% at 100k; the ACL
    # Anthology's most prolific author has about 0.4%).  Index 0 is the most prolific.
    return min(n - 1, int(n * rng.random() ** 1.5))


def make_papers(n: int, seed: int = 1, pools: Pools | None = None) -> list[Paper]:
    """``n`` synthetic paper records, deterministic in (n, seed)."""
    pools = pools or load_pools()
    rng = random.Random(seed)
    n_authors = max(20, int(n * 0.8))
    # One name per author slot; fixed order so a bigger catalog extends a smaller one's people.
    names = [f"{rng.choice(pools.first)} {rng.choice(pools.last)}" for _ in range(n_authors)]
    ids: set[str] = set()
    papers: list[Paper] = []
    for _ in range(n):
        words = rng.choice(pools.sentences).rstrip(".").split()
        start = rng.randrange(max(1, len(words) - 6))
        title = " ".join(words[start:start + rng.randint(5, 11)])
        title = title[:1].upper() + title[1:]
        year = rng.randint(2012, 2026)
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        base = slug(title, 70) or "paper"
        pid = f"{base}-{year}"
        k = 2
        while pid in ids:
            pid = f"{base}-{year}-{k}"
            k += 1
        ids.add(pid)
        authors = []
        seen: set[int] = set()
        for _ in range(rng.choice((1, 2, 3, 3, 4, 4, 5, 6, 8))):
            a = _zipf_index(rng, n_authors)
            if a not in seen:
                seen.add(a)
                authors.append(AuthorRef(name=names[a]))
        abstract = " ".join(rng.choice(pools.sentences) for _ in range(rng.randint(4, 9)))
        p = Paper(
            id=pid, title=title, authors=authors, abstract=abstract, date=f"{year}-{month:02d}-{day:02d}",
            venue=f"{rng.choice(pools.venues)} {year}" if rng.random() < 0.7 else None,
            type="inproceedings" if rng.random() < 0.6 else "preprint",
            arxiv=f"{year % 100:02d}{month:02d}.{rng.randint(10000, 99999)}" if rng.random() < 0.5 else None,
            topics=sorted(set(rng.sample(TOPICS, rng.randint(1, 3)))),
            orgs=sorted(set(rng.sample(ORGS, rng.randint(0, 2)))),
        )
        papers.append(p)
    # References to earlier papers: a citation graph inside the catalog.
    for i, p in enumerate(papers):
        if i > 10:
            p.references = sorted({papers[rng.randrange(i)].id for _ in range(rng.randint(0, 5))})
    return papers


def write_catalog(root: Path, n: int, seed: int = 1, pools: Pools | None = None) -> int:
    """Write a synthetic content folder (papers/*.yaml); return the number of papers."""
    papers = make_papers(n, seed, pools)
    (root / "papers").mkdir(parents=True, exist_ok=True)
    save_records(root, papers)
    return len(papers)


def edit_one(root: Path, seed: int = 2) -> Path:
    """Change one sentence of one paper's abstract in place (the incremental case)."""
    files = sorted((root / "papers").glob("*.yaml"))
    path = files[random.Random(seed).randrange(len(files))]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["abstract"] = (data.get("abstract") or "") + " We also release our code."
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8")
    return path


def add_one(root: Path, n_existing: int, seed: int = 3) -> Path:
    """Add one new paper by existing authors (the other incremental case)."""
    pools = load_pools()
    new = make_papers(1, seed + n_existing, pools)[0]
    old = make_papers(min(n_existing, 50), 1, pools)
    new.id = "zz-new-paper-" + str(seed)
    new.authors = old[0].authors[:2] + new.authors[:1]
    save_records(root, [new])
    return root / "papers" / f"{new.id}.yaml"
