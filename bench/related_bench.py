"""Related-papers benchmark: TF-IDF neighbours for the whole ACL Anthology snapshot.

Reads the 71k-paper tarball with the project's ACL reader, then times
``generator.related.similar`` on titles and abstracts (as the build does),
optionally repeated to reach a target size (``--papers 100000``: abstracts
are reused with their sentences shuffled so copies are not identical).
Prints papers, vocabulary-independent wall time, peak RSS and how many
papers got neighbours.

Usage: ``python -m bench.related_bench [--papers N]``.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

from generator import related
from generator.ingest import IngestContext, get_parser
from generator.model import Paper

ROOT = Path(__file__).resolve().parent.parent
TAR = ROOT.parent / "shared" / "realdata" / "acl" / "acl_anthology_all_xml_2021snapshot.tar.gz"


def acl_texts() -> list[str]:
    """Title + abstract of every paper in the ACL snapshot."""
    parse = get_parser("acl")
    out = []
    for item in parse(TAR, IngestContext()):
        if isinstance(item, Paper):
            out.append(related.paper_text(item))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--papers", type=int, default=0, help="grow the corpus to this many papers")
    opts = ap.parse_args()
    t0 = time.perf_counter()
    texts = acl_texts()
    print(f"read {len(texts):,} ACL papers in {time.perf_counter() - t0:.1f}s")
    rng = random.Random(5)
    base = list(texts)
    while len(texts) < opts.papers:
        words = rng.choice(base).split(". ")
        rng.shuffle(words)
        texts.append(". ".join(words))
    t0 = time.perf_counter()
    got = related.similar(texts)
    wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    with_nb = sum(1 for nb in got if nb)
    print(f"related.similar: {len(texts):,} papers in {wall:.1f}s, peak RSS {rss} MB, "
          f"{with_nb:,} papers with neighbours (k={related.K}, query terms={related.QUERY_TERMS})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
