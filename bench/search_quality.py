"""Search quality without a browser: the real worker.js, run by node on the built index files.

    python -m bench.search_quality                      # 1k, 10k and 100k papers
    python -m bench.search_quality --sizes 100000 --misses 20
    python -m bench.search_quality --memory --sizes 100000

The same synthetic catalogs and known-item queries as bench/search_bench.py
(same seeds), but only the search files are built (no pages, no MkDocs),
and node runs search/worker.js on them with a file-reading ``fetch``: a 100k
check takes a couple of minutes instead of the browser bench's half hour, so
it is the loop to iterate on recall and title@1.  Every query runs in a fresh
worker, as from a cold page; its bytes are the gzip sizes of the files it
fetched (the worker file itself left out: every page loads it anyway).  The
browser bench stays the measure of time and of what a page really downloads.

``--memory`` runs the index build in a forked child of a process holding the
catalog, as page generation does, and reports the child's peak RSS above what
it had at the fork: the memory the search index adds to the build.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.search_bench import ROOT, known_queries, site_config, synth_papers


def _context(papers: list, work: Path):
    from generator.catalog import build_catalog
    from generator.config import load_config
    from generator.pages.common import Context

    return Context(catalog=build_catalog({p.id: p for p in papers}, {}),
                   config=load_config(site_config(work / "config") / "site.yaml"))


def write_index(ctx, site: Path) -> tuple[float, float, int]:
    """The search files under site/search; (wall s, CPU s, bytes) of making them."""
    from generator.search.producer import produce

    shutil.rmtree(site / "search", ignore_errors=True)
    t, c, total = time.perf_counter(), time.process_time(), 0
    for item in produce(ctx):
        if isinstance(item, tuple):  # side files; the search page itself is not needed here
            rel, data = item
            path = site / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
            total += len(data)
    return time.perf_counter() - t, time.process_time() - c, total


def _rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def build_memory(ctx, site: Path) -> dict:
    """Build the index in a forked child; its peak RSS above its RSS at the fork, in MB."""
    import gc

    gc.collect()
    gc.freeze()  # as generation does before forking (generator/forking.py)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: build, then report its own figures
        os.close(r)
        at_fork = _rss_kb()
        wall, cpu, size = write_index(ctx, site)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        os.write(w, json.dumps({"at_fork_mb": at_fork / 1024, "peak_mb": peak / 1024,
                                "added_mb": (peak - at_fork) / 1024, "wall_s": wall, "cpu_s": cpu,
                                "bytes": size}).encode())
        os._exit(0)
    os.close(w)
    with os.fdopen(r) as f:
        data = f.read()
    os.waitpid(pid, 0)
    gc.unfreeze()
    return json.loads(data)


def run_node(site: Path, known: list[tuple[str, str, str]], ids: list[str]) -> dict:
    pos = {pid: i for i, pid in enumerate(ids)}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump([{"i": pos[pid], "q": words, "title": title} for pid, words, title in known], f)
    try:
        out = subprocess.run(["node", str(ROOT / "bench" / "search_quality.js"), str(site), f.name],
                             capture_output=True, text=True, check=True)
    finally:
        os.unlink(f.name)
    return json.loads(out.stdout)


def run_size(n: int, work: Path, n_known: int, memory: bool, misses: int) -> dict:
    papers = synth_papers(n)
    known = known_queries(papers, n_known)
    ctx = _context(papers, work)
    site = work / str(n)
    row: dict = {"n": n}
    if memory:
        row["memory"] = build_memory(ctx, site)
        wall, cpu = row["memory"]["wall_s"], row["memory"]["cpu_s"]
        size = row["memory"]["bytes"]
    else:
        wall, cpu, size = write_index(ctx, site)
    row.update(index_ms=1000 * wall / n, index_cpu_ms=1000 * cpu / n, index_mb=size / 1e6)
    got = run_node(site, known, sorted(ctx.catalog.papers))
    qs = got["queries"]
    row.update(recall5=got["recall"], title1=got["title"], known=len(qs),
               kb=statistics.median(q["words"]["bytes"] for q in qs) / 1024,
               kb_max=max(q["words"]["bytes"] for q in qs) / 1024,
               title_kb=statistics.median(q["title_res"]["bytes"] for q in qs) / 1024,
               node_ms=statistics.median(q["words"]["ms"] for q in qs))
    row["misses"] = [{"q": q["q"], "i": q["i"], "got": q["words"]["ids"][:5], "total": q["words"]["total"]}
                     for q in qs if not q["words_ok"]]
    row["title_misses"] = [{"title": q["title"], "i": q["i"], "got": q["title_res"]["ids"][:3]}
                           for q in qs if not q["title_ok"]]
    if misses:
        for m in row["misses"][:misses]:
            print(f"  miss  {m['q']!r}: paper {m['i']}, top {m['got']}, {m['total']} results")
        for m in row["title_misses"][:misses]:
            print(f"  title {m['title']!r}: paper {m['i']}, top {m['got']}")
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", help="catalog sizes (default 1000 10000 100000)")
    ap.add_argument("--known", type=int, default=200, help="known papers (as in search_bench)")
    ap.add_argument("--memory", action="store_true", help="build in a forked child and report its added peak RSS")
    ap.add_argument("--misses", type=int, default=0, help="print up to this many missed queries per kind")
    ap.add_argument("--keep", type=Path, help="write the index files here and keep them")
    ap.add_argument("--json", type=Path, help="also write the numbers here")
    args = ap.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="ps-search-quality-"))
    rows = []
    try:
        for n in args.sizes or [1000, 10000, 100000]:
            print(f"[{n:,} papers]", flush=True)
            rows.append(run_size(n, work, args.known, args.memory, args.misses))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    head = (f"{'papers':>8} {'recall@5':>9} {'title@1':>8} {'KB words':>9} {'KB max':>7} {'KB title':>9}"
            f" {'node ms':>8} {'build ms/paper':>15} {'index MB':>9}" + (f" {'build +MB':>10}" if args.memory else ""))
    print("\n" + head + "\n" + "-" * len(head))
    for r in rows:
        print(f"{r['n']:>8,} {100 * r['recall5']:>8.1f}% {100 * r['title1']:>7.1f}% {r['kb']:>9.1f} {r['kb_max']:>7.1f}"
              f" {r['title_kb']:>9.1f} {r['node_ms']:>8.1f} {r['index_ms']:>8.2f} ({r['index_cpu_ms']:.2f} cpu)"
              f" {r['index_mb']:>9.1f}" + (f" {r['memory']['added_mb']:>10.0f}" if args.memory else ""))
    print("\nKB: gzip bytes a query fetched (median, max; worker.js not counted), one cold worker per query.")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
