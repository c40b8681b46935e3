"""Build-speed benchmark: Papershelf against the bare MkDocs floor (and Hugo).

    python -m bench.build_bench                  # 1k and 10k papers
    python -m bench.build_bench --full           # and 100k (long: tens of minutes)
    python -m bench.build_bench --sizes 1000     # one size
    python -m bench.build_bench --acl            # the real 71k-paper ACL snapshot, end to end

For each size a synthetic catalog is made by bench/synth.py (sentences of
the seed abstracts recombined, real author and venue names, fixed seed).
Then, each in its own process so peak memory is its own:

1. **papershelf**: a full ``build_site`` from an empty work folder, timed per
   stage (load, catalog, generate, MkDocs, swap; add-ons as CPU seconds summed
   over the generating processes), with peak RSS of the main process and of
   the largest worker ("peak MB", shared pages counted in both) and the peak
   of the summed PSS of all of them ("peak PSS MB": what the machine holds);
2. **incremental**: rebuild with nothing changed, after editing one paper's
   abstract, after adding one paper; each timed, with the number of site
   files written again (new inode) against the number whose bytes changed;
   each starts once the site the last build replaced is deleted (a build
   returns with that left to a detached ``rm``);
   ``--verify`` also builds the last state from scratch and compares every
   byte (done by default at the smallest size);
3. **floor**: the same pages (same paths, titles and text) as plain Markdown,
   built by stock ``mkdocs build`` with mkdocs-material and a one-page nav;
4. **hugo** (when ``hugo`` is installed): the same plain pages with a
   minimal layout.

One table is printed at the end (and ``--json`` writes the raw numbers).
Ratios: Papershelf total / floor; overhead = (total - floor) / floor; per
paper = total / papers.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REALDATA = ROOT.parent / "shared" / "realdata"
PY = sys.executable


# ---------------------------------------------------------------- child processes

class _PssPeak:
    """Peak physical memory of this process and its children: the sum of their PSS.

    Forked workers share the parent's pages until they write to them; adding
    their RSS to the parent's would count those pages twice.  PSS splits each
    shared page between the processes holding it, so the sum is what the
    machine really holds.  Sampled every 0.2 s from /proc (Linux only).
    """

    def __init__(self) -> None:
        import threading

        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.available = Path("/proc/self/smaps_rollup").exists()

    @staticmethod
    def _pss(pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0

    @staticmethod
    def _tree(pid: int) -> list[int]:
        out, todo = [], [pid]
        while todo:
            p = todo.pop()
            out.append(p)
            try:
                for tid in os.listdir(f"/proc/{p}/task"):
                    todo += [int(c) for c in Path(f"/proc/{p}/task/{tid}/children").read_text().split()]
            except OSError:
                pass
        return out

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.2):
            self.peak_kb = max(self.peak_kb, sum(self._pss(p) for p in self._tree(me)))

    def __enter__(self) -> _PssPeak:
        if self.available:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.available:
            self._thread.join()


def _child_build(args: argparse.Namespace) -> None:
    """Run one Papershelf build here and write its numbers as JSON."""
    from generator.addons import load_addons
    from generator.build import BuildOptions, build_site

    load_addons()
    opts = BuildOptions(content=Path(args.content), site_dir=Path(args.site), work_dir=Path(args.work),
                        config_dir=ROOT / "site_config", mkdocs_file=ROOT / "mkdocs.yml",
                        jobs=args.jobs, progress=False, incremental=not args.no_incremental)
    os.chdir(ROOT)
    t = time.perf_counter()
    with _PssPeak() as pss:
        report = build_site(opts)
    total = time.perf_counter() - t
    r = report.render
    out = {
        "total": total, "timings": report.timings, "task_seconds": report.docs.seconds, "gen_jobs": report.docs.jobs,
        "addons": sum(v for k, v in report.docs.seconds.items() if k not in ("papers", "authors", "listings", "prepare", "memo")),
        "papers": report.papers,
        "authors": report.authors, "pages": report.docs.pages, "docs_written": report.docs.written,
        "rendered": r.rendered if r else None, "reused": r.reused if r else None,
        "full": r.full if r else None, "reason": r.reason if r else "",
        "rss_main_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "pss_peak_mb": pss.peak_kb / 1024,
        "rss_worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }
    Path(args.out).write_text(json.dumps(out), encoding="utf-8")


def _run_child(kind: str, out: Path, *extra: str) -> dict[str, Any]:
    cmd = [PY, "-m", "bench.build_bench", kind, "--out", str(out), *extra]
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"{kind} failed (exit {proc.returncode})")
    data = json.loads(out.read_text(encoding="utf-8"))
    data["wall"] = wall
    return data


def _timed_subprocess(cmd: list[str], cwd: Path, fatal: bool = True) -> dict[str, Any]:
    """Run a peer's build under /usr/bin/time -v (wall time and peak RSS)."""
    timer = ["/usr/bin/time", "-v"] if Path("/usr/bin/time").exists() else []
    t = time.perf_counter()
    proc = subprocess.run(timer + cmd, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-1000:] + proc.stderr[-1000:])
        if not fatal:
            log(f"{cmd[0]} failed (exit {proc.returncode}); left out of the table")
            return {}
        raise SystemExit(f"{cmd[0]} failed (exit {proc.returncode})")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    return {"total": wall, "rss_main_mb": int(m.group(1)) / 1024 if m else None}


# ---------------------------------------------------------------- the floor and Hugo

FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)
TAG = re.compile(r"<[^>]+>")


def plain_pages(docs: Path) -> dict[str, tuple[str, str]]:
    """Each generated page as (title, plain text): the floor's pages.

    Benchmark-only text extraction (tags dropped); the pages are our own
    output, so no general HTML parser is needed.
    """
    import html

    import yaml

    out = {}
    for md in sorted(docs.rglob("*.md")):
        text = md.read_text(encoding="utf-8")
        title = md.stem
        m = FRONT.match(text)
        if m:
            meta = yaml.safe_load(m.group(1)) or {}
            title = html.unescape(str(meta.get("title", title)))
            text = text[m.end():]
        body = html.unescape(TAG.sub(" ", text))
        paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", body)]
        out[md.relative_to(docs).as_posix()] = (title, "\n\n".join(p for p in paras if p))
    return out


def write_floor(pages: dict[str, tuple[str, str]], root: Path) -> Path:
    """Plain Markdown + stock mkdocs-material with a one-page nav."""
    if root.exists():
        shutil.rmtree(root)
    docs = root / "docs"
    for rel, (title, body) in pages.items():
        p = docs / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(f"# {title}\n\n{body}\n", encoding="utf-8")
    (root / "mkdocs.yml").write_text(
        "site_name: Floor\ntheme:\n  name: material\nplugins: []\nnav:\n  - Home: index.md\n"
        "not_in_nav: |\n  *.md\nvalidation:\n  omitted_files: ignore\n  unrecognized_links: ignore\n",
        encoding="utf-8")
    return root


HUGO_LAYOUT = """<!doctype html><html><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><nav><a href="{{ "/" | relURL }}">Home</a></nav><main><h1>{{ .Title }}</h1>{{ .Content }}</main></body></html>
"""


def write_hugo(pages: dict[str, tuple[str, str]], root: Path) -> Path:
    """The same plain pages as a Hugo site with a one-file layout."""
    if root.exists():
        shutil.rmtree(root)
    content = root / "content"
    for rel, (title, body) in pages.items():
        # Hugo: a folder's index.md is its list page (_index.md).
        rel = re.sub(r"(^|/)index\.md$", r"\1_index.md", rel)
        p = content / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        # "{{" would open a Hugo shortcode: break it, the text stays the same length.
        body = body.replace("{{", "{ {")
        p.write_text(json.dumps({"title": title}) + "\n\n" + body + "\n", encoding="utf-8")
    layouts = root / "layouts" / "_default"
    layouts.mkdir(parents=True)
    for name in ("single.html", "list.html"):
        (layouts / name).write_text(HUGO_LAYOUT, encoding="utf-8")
    (root / "layouts" / "index.html").write_text(HUGO_LAYOUT, encoding="utf-8")
    (root / "hugo.toml").write_text('baseURL = "https://example.org/"\ntitle = "Floor"\n'
                                    'disableKinds = ["taxonomy", "term", "RSS"]\n', encoding="utf-8")
    return root


# ---------------------------------------------------------------- one size

def _snapshot(site: Path) -> dict[str, tuple[int, str]]:
    out = {}
    for p in site.rglob("*"):
        if p.is_file():
            out[p.relative_to(site).as_posix()] = (p.stat().st_ino,
                                                   hashlib.blake2b(p.read_bytes(), digest_size=16).hexdigest())
    return out


def _rewrites(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> tuple[int, int]:
    """(files written again, files whose bytes changed) between two site snapshots."""
    written = sum(1 for k, v in after.items() if k not in before or before[k][0] != v[0])
    changed = sum(1 for k, v in after.items() if k not in before or before[k][1] != v[1])
    return written, changed + sum(1 for k in before if k not in after)


def _same_tree(a: Path, b: Path) -> bool:
    sa = {k: v[1] for k, v in _snapshot(a).items()}
    sb = {k: v[1] for k, v in _snapshot(b).items()}
    return sa == sb


def _settle(site: Path, limit: float = 300.0) -> None:
    """Wait until the previous build's replaced site is deleted (a detached ``rm``, see
    generator/build.py ``_discard``), so that each timed build runs on a quiet machine
    rather than paying for the last one's clean-up."""
    t = time.perf_counter()
    while any(site.parent.glob(".papershelf-trash-*")) and time.perf_counter() - t < limit:
        time.sleep(0.2)


def bench_content(name: str, content: Path, work: Path, args: argparse.Namespace, verify: bool) -> dict[str, Any]:
    """Every measurement for one content folder."""
    res: dict[str, Any] = {"name": name}
    site, wdir = work / "site", work / "work"
    for p in (site, wdir):
        if p.exists():
            shutil.rmtree(p)
    common = ["--site", str(site), "--work", str(wdir), "--jobs", str(args.jobs)]
    log(f"[{name}] papershelf full build")
    res["full"] = _run_child("_build", work / "full.json", "--content", str(content), *common)
    if not args.no_incremental:
        log(f"[{name}] rebuild, nothing changed")
        _settle(site)
        res["noop"] = _run_child("_build", work / "noop.json", "--content", str(content), *common)
        from bench.synth import add_one, edit_one

        before = _snapshot(site)
        edited = edit_one(content)
        log(f"[{name}] rebuild after editing {edited.name}")
        _settle(site)
        res["edit"] = _run_child("_build", work / "edit.json", "--content", str(content), *common)
        after = _snapshot(site)
        res["edit"]["site_written"], res["edit"]["site_changed"] = _rewrites(before, after)
        added = add_one(content, res["full"]["papers"])
        log(f"[{name}] rebuild after adding {added.name}")
        _settle(site)
        res["add"] = _run_child("_build", work / "add.json", "--content", str(content), *common)
        res["add"]["site_written"], res["add"]["site_changed"] = _rewrites(after, _snapshot(site))
        if verify:
            log(f"[{name}] fresh full build of the same content, to compare bytes")
            fresh = work / "fresh"
            if fresh.exists():
                shutil.rmtree(fresh)
            _run_child("_build", work / "fresh.json", "--content", str(content), "--site", str(fresh / "site"),
                       "--work", str(fresh / "work"), "--jobs", str(args.jobs))
            res["identical"] = _same_tree(site, fresh / "site")
            shutil.rmtree(fresh)
    if not args.no_floor:
        pages = plain_pages(wdir / "docs")
        floor = write_floor(pages, work / "floor")
        log(f"[{name}] floor: {len(pages)} plain pages, stock mkdocs-material")
        res["floor"] = _timed_subprocess([PY, "-m", "mkdocs", "build", "-q", "-f", "mkdocs.yml"], floor)
        res["floor"]["pages"] = len(pages)
        if shutil.which("hugo"):
            hugo = write_hugo(pages, work / "hugo")
            log(f"[{name}] hugo: {len(pages)} plain pages")
            res["hugo"] = _timed_subprocess(["hugo", "--quiet"], hugo, fatal=False)
        shutil.rmtree(floor, ignore_errors=True)
        shutil.rmtree(work / "hugo", ignore_errors=True)
    return res


def log(msg: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {msg}", file=sys.stderr, flush=True)


def make_synthetic(n: int, root: Path) -> Path:
    from bench.synth import write_catalog

    content = root / "content"
    stamp = root / "content.done"
    if content.exists():
        shutil.rmtree(content)
    stamp.unlink(missing_ok=True)
    log(f"[{n}] writing {n} synthetic papers")
    write_catalog(content, n)
    stamp.touch()
    return content


def make_acl(root: Path) -> Path | None:
    """The 71k-paper ACL snapshot ingested with the `acl` reader (needs generator/ingest/acl.py)."""
    from generator.ingest import FORMATS

    if "acl" not in FORMATS:
        log("[acl] skipped: no `acl` reader registered in generator/ingest (FORMATS)")
        return None
    tarball = REALDATA / "acl" / "acl_anthology_all_xml_2021snapshot.tar.gz"
    content = root / "content"
    if content.exists():
        shutil.rmtree(content)
    log(f"[acl] ingesting {tarball.name}")
    t = time.perf_counter()
    # The reader takes the snapshot's .tar.gz as it is (no unpacking).
    cmd = [PY, "-m", "generator.cli", "ingest", "acl", str(tarball), "--content", str(content),
           "--name-variants", str(REALDATA / "acl" / "name_variants.yaml")]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    log(f"[acl] ingest took {time.perf_counter() - t:.0f}s: {proc.stdout.strip().splitlines()[-1:]} ")
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-2000:])
        return None
    return content


# ---------------------------------------------------------------- the table

def table(results: list[dict[str, Any]]) -> str:
    cols = ["catalog", "papers", "pages", "load", "catalog", "generate", "add-ons cpu", "mkdocs", "total", "ms/paper",
            "peak MB", "peak PSS MB", "floor", "floor MB", "total/floor", "overhead", "hugo", "no-op", "edit 1", "add 1",
            "edit/full", "rewritten/changed", "identical"]
    rows = []
    for r in results:
        f = r["full"]
        t = f["timings"]
        floor = r.get("floor", {}).get("total")
        hugo = r.get("hugo", {}).get("total")
        row = [
            r["name"], f"{f['papers']:,}", f"{f['pages']:,}", f"{t.get('load', 0):.1f}", f"{t.get('catalog', 0):.1f}",
            f"{t.get('pages', 0):.1f}", f"{f['addons']:.1f}", f"{t.get('mkdocs', 0):.1f}",
            f"{f['total']:.1f}", f"{1000 * f['total'] / max(1, f['papers']):.2f}",
            f"{f['rss_main_mb']:.0f}+{f['rss_worker_mb']:.0f}",
            f"{f['pss_peak_mb']:.0f}" if f.get("pss_peak_mb") else "-",
            f"{floor:.1f}" if floor else "-", f"{r['floor']['rss_main_mb']:.0f}" if floor else "-",
            f"{f['total'] / floor:.2f}" if floor else "-",
            f"{100 * (f['total'] - floor) / floor:+.0f}%" if floor else "-",
            f"{hugo:.1f}" if hugo else "-",
        ]
        if "edit" in r:
            e, a = r["edit"], r["add"]
            row += [f"{r['noop']['total']:.1f}", f"{e['total']:.1f}", f"{a['total']:.1f}",
                    f"{100 * max(e['total'], a['total']) / f['total']:.0f}%",
                    f"{e['site_written']}/{e['site_changed']}, {a['site_written']}/{a['site_changed']}",
                    str(r.get("identical", "-"))]
        else:
            row += ["-"] * 6
        rows.append(row)
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(cols)]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in rows]
    return "\n".join(lines)


def linearity(results: list[dict[str, Any]]) -> list[str]:
    by_n = {r["full"]["papers"]: r["full"]["total"] / r["full"]["papers"] for r in results
            if r["name"] != "acl" and r["full"]["papers"]}  # an empty catalog has no time per paper
    out = []
    sizes = sorted(by_n)
    for a, b in zip(sizes, sizes[1:], strict=False):
        out.append(f"time per paper {b:,} vs {a:,}: {by_n[b] / by_n[a]:.2f}x (target <= 1.2x)")
    return out


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "_build":
        p = argparse.ArgumentParser()
        for a in ("--content", "--site", "--work", "--out"):
            p.add_argument(a, required=True)
        p.add_argument("--jobs", type=int, default=2)
        p.add_argument("--no-incremental", action="store_true")
        _child_build(p.parse_args(argv[1:]))
        return
    p = argparse.ArgumentParser(prog="python -m bench.build_bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1000,10000", help="comma-separated catalog sizes (default 1000,10000)")
    p.add_argument("--full", action="store_true", help="also 100,000 papers (long)")
    p.add_argument("--acl", action="store_true", help="also the real ACL Anthology snapshot (71k papers)")
    p.add_argument("--work", default="/tmp/papershelf-build-bench", help="scratch folder")
    p.add_argument("--jobs", type=int, default=2, help="page-rendering processes")
    p.add_argument("--no-floor", action="store_true", help="skip the bare MkDocs floor (and Hugo)")
    p.add_argument("--no-incremental", action="store_true", help="skip the incremental rebuilds")
    p.add_argument("--verify", action="store_true", help="compare incremental and full builds at every size")
    p.add_argument("--json", help="write the raw numbers here")
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.full and 100_000 not in sizes:
        sizes.append(100_000)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for i, n in enumerate(sorted(sizes)):
        root = work / f"n{n}"
        content = make_synthetic(n, root)
        results.append(bench_content(f"synthetic {n // 1000}k" if n >= 1000 else f"synthetic {n}",
                                     content, root, args, verify=args.verify or i == 0))
        print(table(results), file=sys.stderr)
    if args.acl:
        content = make_acl(work / "acl")
        if content is not None:
            results.append(bench_content("acl", content, work / "acl", args, verify=args.verify))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(table(results))
    for line in linearity(results):
        print(line)


if __name__ == "__main__":
    main()
