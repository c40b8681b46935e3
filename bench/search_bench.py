"""Search benchmark: Papershelf vs mkdocs-material's built-in search vs Pagefind.

    python -m bench.search_bench            # 1k and 10k papers
    python -m bench.search_bench --full     # and 100k (Papershelf only; see below)
    python -m bench.search_bench --sizes 1000 --known 50

For each size a synthetic catalog is made from the seed abstracts
(content/papers/*.yaml): sentences shuffled and recombined, titles spliced
from two seed titles, with a fixed random seed, so every run sees the same
papers.  The same pages are built three times: with Papershelf's search,
with mkdocs-material's search plugin, and indexed by Pagefind.  Headless
Chromium then measures, per system:

- first result: ms from opening the home page (cold cache, new browser
  context) until the known paper shows among the results, and the bytes
  transferred until then, for a fixed query set.  The query is typed by a
  reader played inside the page as soon as the search box is visible
  (READER), and, for comparison, the earlier way: by Playwright after
  DOMContentLoaded (Pagefind: after load), with the driver's round trips in
  between (``--typing``; by default both, taking turns, in one table);
- quality: for ``--known`` papers, a query of 3-4 of the paper's most
  distinctive abstract words must put it in the top 5, and its exact title
  must put it at rank 1.

The site is served gzip-compressed, as static hosts (GitHub Pages) do.
At 100k papers only Papershelf is measured: a 100k-page MkDocs build takes
many minutes and material's index would be ~170 MB; the 100k index files
are written beside a 1k site's pages (same templates and scripts).
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import io
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
FIRST = ["Alex", "Bo", "Chen", "Dana", "Elena", "Farid", "Gita", "Hao", "Ines", "Jun", "Kofi", "Lena", "Mei",
         "Nikhil", "Olga", "Pedro", "Qing", "Rosa", "Sven", "Tariq", "Uma", "Victor", "Wei", "Xin", "Yara", "Zoe"]
LAST = ["Zhang", "Li", "Wang", "Smith", "Garcia", "Kim", "Nguyen", "Müller", "Rossi", "Okafor", "Singh", "Ivanova",
        "Tanaka", "Silva", "Cohen", "Haddad", "Larsen", "Novak", "Chen", "Liu", "Park", "Khan", "Dubois", "Moreau",
        "Yilmaz", "Costa", "Schmidt", "Nakamura", "Patel", "Brown", "Kowalski", "Andersen", "Sato", "Huang"]
TOPICS = ["Large language models", "Diffusion models", "Reinforcement learning", "Computer vision", "Robotics",
          "Optimization", "Graph learning", "Speech", "Multimodal learning", "Theory", "Alignment", "Efficiency"]
VENUES = ["arXiv", "NeurIPS", "ICML", "ICLR", "ACL", "CVPR", "EMNLP", "AAAI", "TMLR", "JMLR"]
ORGS = ["Google DeepMind", "Meta AI", "OpenAI", "Microsoft Research", "Tsinghua University", "MIT", "Stanford",
        "ETH Zurich", "NVIDIA", "Alibaba", "Mila", "CMU"]


# ---------------------------------------------------------------- catalog
def seed_text() -> tuple[list[str], list[str]]:
    """Sentences of the seed abstracts and the seed titles."""
    import yaml

    sentences, titles = [], []
    for path in sorted((ROOT / "content" / "papers").glob("*.yaml")):
        d = yaml.safe_load(path.read_text(encoding="utf-8"))
        titles.append(" ".join(str(d["title"]).split()))
        for s in re.split(r"(?<=[.!?])\s+", " ".join(str(d.get("abstract") or "").split())):
            if len(s) > 30:
                sentences.append(s)
    return sentences, titles


def synth_papers(n: int, seed: int = 4) -> list:
    """``n`` papers recombined from the seed text, the same for the same seed."""
    from generator.model import AuthorRef, Paper

    rng = random.Random(seed)
    sentences, titles = seed_text()
    halves = [(t.split(": ", 1) if ": " in t else [t[: len(t) // 2], t[len(t) // 2:]]) for t in titles]
    papers, seen = [], set()
    while len(papers) < n:
        a, b = rng.choice(halves), rng.choice(halves)
        title = f"{a[0].strip()}: {b[-1].strip()}"
        if title.lower() in seen:
            title = f"{title} {rng.choice(['Revisited', 'at Scale', 'in Practice', 'and Beyond', 'II', 'III'])}"
            if title.lower() in seen:
                continue
        seen.add(title.lower())
        k = len(papers)
        year = rng.randint(2015, 2026)
        abstract = " ".join(rng.sample(sentences, rng.randint(5, 9)))
        authors = [AuthorRef(f"{rng.choice(FIRST)} {rng.choice(LAST)}") for _ in range(rng.randint(1, 7))]
        papers.append(Paper(
            id=f"p{k:06d}", title=title, authors=authors, abstract=abstract,
            date=f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", venue=rng.choice(VENUES),
            arxiv=f"{year % 100:02d}{rng.randint(1, 12):02d}.{rng.randint(10000, 99999)}",
            topics=sorted(set(rng.sample(TOPICS, rng.randint(1, 3)))), orgs=[rng.choice(ORGS)],
            upvotes=int(rng.expovariate(1 / 20)), type="preprint"))
    return papers


def known_queries(papers: list, count: int, seed: int = 7) -> list[tuple[str, str, str]]:
    """(paper id, distinctive-words query, title) for ``count`` papers.

    The words are a paper's rarest abstract words (by document frequency
    over the catalog; no stop words, at least 5 letters), added rarest first
    until at most 5 papers contain them all (3-4 words).  A synthetic paper
    whose sentences all recur elsewhere has no such words and is not picked:
    no system could tell it from its twins.
    """
    from generator.search.text import STOPS

    word = re.compile(r"[A-Za-z][A-Za-z]{4,}")
    df: Counter[str] = Counter()
    words_of = []
    holders: dict[str, set[int]] = {}
    for k, p in enumerate(papers):
        ws = {w.lower() for w in word.findall(p.abstract or "")} - STOPS
        words_of.append(ws)
        df.update(ws)
        for w in ws:
            holders.setdefault(w, set()).add(k)
    rng = random.Random(seed)
    order = list(range(len(papers)))
    rng.shuffle(order)
    out = []
    for i in order:
        ranked = sorted(words_of[i], key=lambda w: (df[w], w))
        picked: list[str] = []
        common: set[int] | None = None
        for w in ranked:
            picked.append(w)
            common = holders[w] if common is None else common & holders[w]
            if len(picked) >= 3 and (len(common) <= 5 or len(picked) == 4):
                break
        if len(picked) < 3 or common is None or len(common) > 5:
            continue
        out.append((papers[i].id, " ".join(picked), papers[i].title))
        if len(out) == count:
            break
    return out


# ---------------------------------------------------------------- builds
@dataclass
class Sites:
    mine: Path
    material: Path
    pagefind: Path | None
    index_s: float = 0.0
    index_cpu: float = 0.0
    material_s: float = 0.0
    pagefind_s: float = 0.0
    notes: list[str] = field(default_factory=list)


def site_config(dst: Path) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    (dst / "site.yaml").write_text("name: Bench\nurl: ''\npages: [papers, search]\nper_page: 50\n", encoding="utf-8")
    return dst


def search_stamp() -> str:
    """A digest of the generator, its assets and templates: a kept site built from other code is rebuilt.

    All of it, not only the search code: a head hook or a stylesheet changes what the timed page loads.
    """
    import hashlib

    h = hashlib.sha256()
    for folder in ("generator", "site_config", "mkdocs.yml"):
        paths = [ROOT / folder] if (ROOT / folder).is_file() else sorted((ROOT / folder).rglob("*"))
        for path in paths:
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def build_mine(papers: list, work: Path) -> tuple[float, float]:
    """Papershelf's site for ``papers`` in work/mine; returns the index build's (wall s, CPU s)."""
    from generator.build import BuildOptions, build_site
    from generator.catalog import build_catalog
    from generator.config import load_config
    from generator.content import save_records
    from generator.pages.common import Context
    from generator.search.producer import search_files

    content = work / "content"
    if not content.is_dir():
        save_records(content, papers)
    cfgdir = site_config(work / "config")
    # Index build alone: the search side files from the in-memory catalog.
    ctx = Context(catalog=build_catalog({p.id: p for p in papers}, {}), config=load_config(cfgdir / "site.yaml"))
    t, c = time.perf_counter(), time.process_time()
    for _ in search_files(ctx):
        pass
    index_s, index_cpu = time.perf_counter() - t, time.process_time() - c
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        shutil.rmtree(work / "mine", ignore_errors=True)
        build_site(BuildOptions(content=content, site_dir=work / "mine", work_dir=work / "build", config_dir=cfgdir,
                                mkdocs_file=ROOT / "mkdocs.yml", progress=False))
    finally:
        os.chdir(cwd)
    return index_s, index_cpu


def build_sites(papers: list, work: Path, peers: bool) -> Sites:
    from generator.build import BuildOptions, mkdocs_config, run_mkdocs
    from generator.config import load_config

    index_s, index_cpu = build_mine(papers, work)
    content, cfgdir = work / "content", work / "config"
    sites = Sites(mine=work / "mine", material=work / "material", pagefind=None, index_s=index_s,
                  index_cpu=index_cpu)
    if not peers:
        return sites
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        # The same docs, built by mkdocs-material with its own search plugin and its own header.
        import yaml

        mk = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
        mk["plugins"] = ["search"]
        mk["theme"].pop("custom_dir", None)
        mkfile = work / "mkdocs-material-search.yml"
        mkfile.write_text(yaml.safe_dump(mk), encoding="utf-8")
        mopts = BuildOptions(content=content, site_dir=work / "material", work_dir=work / "build", config_dir=cfgdir,
                             mkdocs_file=mkfile, progress=False)
        cfg = mkdocs_config(mopts, load_config(cfgdir / "site.yaml"), work / "build" / "docs", work / "material")
        t = time.perf_counter()
        run_mkdocs(cfg)
        sites.material_s = time.perf_counter() - t
    finally:
        os.chdir(cwd)
    # Pagefind indexes a copy of Papershelf's own pages, with Papershelf's search scripts taken out of the
    # home page the benchmark opens (so Pagefind is not charged for them).
    pf = work / "pagefind"
    shutil.copytree(work / "mine", pf, symlinks=True)
    strip_search(pf / "index.html")
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(pf)], capture_output=True, text=True)
    sites.pagefind_s = time.perf_counter() - t
    if r.returncode == 0:
        sites.pagefind = pf
    else:
        sites.notes.append("pagefind failed: " + (r.stderr or r.stdout)[-300:])
    return sites


def strip_search(html: Path) -> None:
    """Remove Papershelf's search scripts from one page."""
    text = html.read_text(encoding="utf-8")
    stripped = re.sub(r"<script>\s*\(function \(\) \{\s*try \{.*?psSearchWorker.*?</script>", "", text, flags=re.S)
    stripped = re.sub(r'<script src="[^"]*search/search\.js"[^>]*></script>', "", stripped)
    if "psSearchWorker" in stripped or stripped == text:
        raise RuntimeError(f"{html}: Papershelf's search scripts were not found to take out")
    html.unlink()  # it may be a hard link into another site
    html.write_text(stripped, encoding="utf-8")


def refresh_pagefind_home(mine: Path, pf: Path) -> None:
    """Give the kept Pagefind site the rebuilt Papershelf site's home page and theme assets.

    Pagefind indexes Papershelf's pages; the timed loads open only the home page, so the page chrome
    (stylesheets, scripts, the material bundle's start) must be the same on both sites.  Pagefind's own
    index (made from the paper pages' text) is kept.
    """
    shutil.rmtree(pf / "assets")
    shutil.copytree(mine / "assets", pf / "assets")
    (pf / "index.html").unlink()
    shutil.copy2(mine / "index.html", pf / "index.html")
    strip_search(pf / "index.html")


def index_only_site(papers: list, template_site: Path, work: Path) -> tuple[Path, tuple[float, float]]:
    """Papershelf's index for ``papers`` placed beside an existing site's pages (for 100k)."""
    from generator.catalog import build_catalog
    from generator.config import load_config
    from generator.pages.common import Context
    from generator.search.producer import search_files, worker_js

    site = work / "mine"
    shutil.rmtree(site, ignore_errors=True)  # a kept folder from an earlier --full run
    shutil.copytree(template_site, site, ignore=shutil.ignore_patterns("idx"))
    ctx = Context(catalog=build_catalog({p.id: p for p in papers}, {}),
                  config=load_config(site_config(work / "config") / "site.yaml"))
    t, c = time.perf_counter(), time.process_time()
    files = list(search_files(ctx))
    took = (time.perf_counter() - t, time.process_time() - c)
    for rel, data in files:
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)
        if rel.endswith("/manifest.json"):  # the copied worker.js carries the small site's manifest
            (site / "search" / "worker.js").write_bytes(worker_js(data))
    return site, took


# ---------------------------------------------------------------- serving
class _GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, gzip-compressed when the client accepts it (like GitHub Pages)."""

    def log_message(self, *args) -> None:
        pass

    def send_head(self):  # type: ignore[override]
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                return super().send_head()  # the redirect to the slash URL
            path = path / "index.html"
        if (path.suffix in (".html", ".js", ".css", ".json", ".svg") and path.is_file()
                and "gzip" in self.headers.get("Accept-Encoding", "")):
            data = gzip.compress(path.read_bytes(), 6)
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            return io.BytesIO(data)
        return super().send_head()


def serve(site: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    import functools

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_GzipHandler, directory=str(site)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{srv.server_address[1]}/", srv


# ---------------------------------------------------------------- browser
PAPER = re.compile(r"papers/([^/?#]+)/")


def _ids(hrefs: list[str]) -> list[str]:
    out: list[str] = []
    for h in hrefs:
        m = PAPER.search(h or "")
        if m and m.group(1) not in out:
            out.append(m.group(1))
    return out


MINE_TOP = "() => Array.from(document.querySelectorAll('#ps-hresults .ps-hit__title')).map(a => a.href)"
MAT_TOP = ("() => Array.from(document.querySelectorAll('.md-search-result__list > li > a'))"
           ".map(a => a.href)")
PF_TOP = """async (q) => {
  if (!window.__pf) { window.__pf = await import(new URL('pagefind/pagefind.js', document.baseURI).href); }
  const r = await window.__pf.search(q);
  const d = await Promise.all(r.results.slice(0, 5).map(x => x.data()));
  return d.map(x => x.url);
}"""
PF_TOP_TIMED = ("async (q) => { const urls = await (" + PF_TOP + ")(q); return {urls, t: performance.now()}; }")


def _type_mine(page, q: str) -> None:
    page.fill("#ps-hq", q)


def _type_material(page, q: str) -> None:
    # At desktop width material's search input sits in the header, visible.  Material
    # reacts to key events, not to a bare value change: end with a key press.
    page.fill("input[data-md-component=search-query]", q)
    page.press("input[data-md-component=search-query]", "End")


# performance.now() at the first animation frame with the paper's link among the results: the moment it
# is shown, read in the page (a timestamp taken after Playwright reports back would add the driver's
# round trips, tens of ms on a loaded machine, to every system alike).
SHOWN = "sel => document.querySelector(sel) ? performance.now() : null"

# The reader, played inside the page (an init script, run before any of the page's own scripts).  It types
# as soon as the search box can be seen and used: the box is laid out and visible, and the browser has
# reported the page's first contentful paint (a frame laid out is not yet a frame shown: on a busy page
# the two can be 100+ ms apart).  The query is typed in one go, like Playwright's fill.  Then, for the
# systems with a results list, the first animation frame showing the paper's link is taken; for
# Pagefind, which has no box on these pages, the query goes to its JS API at the same moment (the
# fastest way to ask it: no UI, no debounce).  The same box, the same moment and the same clock for every
# system, and no driver round trip between opening the page and typing.
READER = r"""
(() => {
  if (window !== window.top) return;
  const cfg = %s;
  const t = window.__psBench = {};
  let painted = false, done = false;
  document.addEventListener('DOMContentLoaded', () => { t.dcl = performance.now(); });
  window.addEventListener('load', () => { t.load = performance.now(); });
  function usable() {
    const b = document.querySelector(cfg.box);
    if (!b || b.disabled) return null;
    const r = b.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(b).visibility !== 'hidden' ? b : null;
  }
  function watch() {
    if (cfg.system === 'pagefind') return;
    (function frame() {
      if (document.querySelector(cfg.target)) { t.shown = performance.now(); return; }
      requestAnimationFrame(frame);
    })();
  }
  async function askPagefind() {
    // Papershelf's pages start material's bundle once no search is in flight (search.js says so):
    // Pagefind, on the same pages, gets the same courtesy.
    window.psSearchBusy = () => !t.shown;
    const pf = await import(new URL('pagefind/pagefind.js', document.baseURI).href);
    for (;;) {
      const r = await pf.search(cfg.q);
      const d = await Promise.all(r.results.slice(0, 5).map(x => x.data()));
      if (d.some(x => x.url.indexOf(cfg.path) >= 0)) {
        t.shown = performance.now();
        window.dispatchEvent(new Event('ps-search-idle'));
        return;
      }
    }
  }
  function type(b) {
    t.typed = performance.now();
    if (cfg.system === 'pagefind') { askPagefind().catch(e => { t.error = String(e); }); return; }
    b.focus();
    b.value = cfg.q;
    b.dispatchEvent(new InputEvent('input', {bubbles: true, inputType: 'insertText', data: cfg.q}));
    // material listens to key events, not to input events
    b.dispatchEvent(new KeyboardEvent('keyup', {bubbles: true, key: 'End'}));
    watch();
  }
  function tryType() {
    if (done || !painted) return;
    const b = usable();
    if (!b) return;
    done = true;
    t.visible = performance.now();
    type(b);
  }
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.name === 'first-contentful-paint') { t.fcp = e.startTime; painted = true; }
    }
    tryType();
  }).observe({type: 'paint', buffered: true});
  (function frame() {
    if (!painted && performance.getEntriesByName('first-contentful-paint').length) {
      t.fcp = performance.getEntriesByName('first-contentful-paint')[0].startTime;
      painted = true;
    }
    tryType();
    if (!done) requestAnimationFrame(frame);
  })();
})();
"""
BOX = {"mine": "#ps-hq", "material": "input[data-md-component=search-query]",
       "pagefind": "#ps-hq"}  # Pagefind is indexed from Papershelf's pages: the same header box


@dataclass
class Timed:
    """One cold load: ms from navigation start (all read in the page with performance.now())."""
    shown: float   # the paper among the results
    typed: float   # the query typed
    box: float     # the search box first usable (the in-page reader; the driver way: when it typed)
    dcl: float     # DOMContentLoaded (nan when not recorded)
    fcp: float     # first contentful paint (nan when not recorded)
    received: int  # bytes transferred until shown, web workers included


def _received(finished: list) -> int:
    time.sleep(0.05)  # let the last response's byte count arrive
    received = 0
    for r in finished:
        size = r.sizes()  # transfer size: gzip-encoded body plus headers
        received += size["responseBodySize"] + size["responseHeadersSize"]
    return received


def first_result(browser, base: str, system: str, q: str, pid: str, timeout_s: float = 60,
                 typing: str = "page") -> Timed | None:
    """One cold load of the home page and one query; None when the paper did not show within ``timeout_s``.

    ``typing="page"``: the reader played in the page types the moment the box is usable (READER).
    ``typing="driver"``: the earlier way, kept for comparison: Playwright waits for DOMContentLoaded (for
    Pagefind, for the ``load`` event), then asks the page for the time and types with ``fill``; its round
    trips (120-220 ms on this machine) fall between the page being ready and the query.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    # Every request of the page and of its workers (a CDP session on the page alone misses what a web
    # worker fetches: Papershelf's shards and rows, which were left out of its KB before).
    finished: list = []
    page.on("requestfinished", lambda r: finished.append(r))
    target = f"papers/{pid}/"
    try:
        if typing == "page":
            sel = "#ps-hresults a" if system == "mine" else ".md-search-result__list a"
            cfg = {"system": system, "q": q, "box": BOX[system], "path": target, "target": f'{sel}[href*="{target}"]'}
            page.add_init_script(READER % json.dumps(cfg))
            page.goto(base, wait_until="commit")
            try:
                page.wait_for_function("() => window.__psBench && (window.__psBench.shown || window.__psBench.error)",
                                       polling=50, timeout=timeout_s * 1000)
            except PlaywrightTimeout:
                return None
            t = page.evaluate("() => window.__psBench")
            if t.get("error"):
                raise RuntimeError(f"{system}: {t['error']}")
            return Timed(t["shown"], t["typed"], t["visible"], t.get("dcl", float("nan")), t.get("fcp", float("nan")),
                         _received(finished))
        page.goto(base, wait_until="domcontentloaded")
        if system == "pagefind":
            page.wait_for_load_state("load")
        typed = page.evaluate("() => performance.now()")
        if system == "pagefind":
            deadline = time.time() + timeout_s
            while True:
                got = page.evaluate(PF_TOP_TIMED, q)
                if any(target in u for u in got["urls"]):
                    ms = got["t"]
                    break
                if time.time() > deadline:
                    return None
        else:
            (_type_mine if system == "mine" else _type_material)(page, q)
            sel = "#ps-hresults a" if system == "mine" else ".md-search-result__list a"
            try:
                ms = page.wait_for_function(SHOWN, arg=f'{sel}[href*="{target}"]', polling="raf",
                                            timeout=timeout_s * 1000).json_value()
            except PlaywrightTimeout:
                return None
        dcl, fcp = page.evaluate("() => [performance.getEntriesByType('navigation')[0].domContentLoadedEventStart,"
                                 " (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime]")
        return Timed(ms, typed, typed, dcl, fcp if fcp is not None else float("nan"), _received(finished))
    finally:
        ctx.close()


def _settle(page, js: str, before: list[str] | None, q: str, system: str) -> list[str]:
    """Results after the UI settled on query ``q``."""
    deadline = time.time() + 30
    if system == "mine":
        # Papershelf's box ends its list with "All N results for “q”": the answer to this very query.
        while time.time() < deadline:
            more = page.query_selector("#ps-hresults .ps-hit--more")
            if more and q.strip() in more.inner_text():
                return page.evaluate(js)
            time.sleep(0.02)
        return page.evaluate(js)
    # material: wait for its result list or count to change, then hold still for 0.3 s.
    snap = "() => [document.querySelector('.md-search-result__meta').textContent, (" + js + ")()]"
    last, since = None, time.time()
    while time.time() < deadline:
        cur = page.evaluate(snap)
        if cur != last:
            last, since = cur, time.time()
        elif cur != before and time.time() - since > 0.3 and "Initializing" not in cur[0]:
            return cur[1]
        time.sleep(0.05)
    return last[1] if last else []


def quality(browser, base: str, system: str, known: list[tuple[str, str, str]]) -> tuple[float, float]:
    """(share of word queries with the paper in the top 5, share of titles at rank 1)."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(base)
    if system == "material":  # wait until its worker has built the index
        _type_material(page, "zzzz")
        page.wait_for_function("() => !/Initializing/i.test(document.querySelector('.md-search-result__meta')"
                               ".textContent)", timeout=300_000)
    words_hits = title_hits = 0
    for pid, words, title in known:
        for q, kind in ((words, "w"), (title, "t")):
            if system == "pagefind":
                ids = _ids(page.evaluate(PF_TOP, q))
            else:
                if system == "mine":
                    _type_mine(page, q)
                    urls = _settle(page, MINE_TOP, None, q, system)
                else:
                    before = page.evaluate("() => [document.querySelector('.md-search-result__meta').textContent, ("
                                           + MAT_TOP + ")()]")
                    _type_material(page, q)
                    urls = _settle(page, MAT_TOP, before, q, system)
                ids = _ids(urls)
            if kind == "w" and pid in ids[:5]:
                words_hits += 1
            if kind == "t" and ids[:1] == [pid]:
                title_hits += 1
    ctx.close()
    return words_hits / len(known), title_hits / len(known)


# ---------------------------------------------------------------- report
def dir_bytes(path: Path, sub: str) -> int:
    p = path / sub
    if p.is_file():
        return p.stat().st_size
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) if p.exists() else 0


def run_size(n: int, browser, work: Path, n_known: int, n_first: int, peers: bool, template: Path | None,
             peer_known: int = 60, skip: tuple[str, ...] = (), typings: tuple[str, ...] = ("page", "driver")
             ) -> dict:
    print(f"[{n:,} papers] synthesising…", flush=True)
    papers = synth_papers(n)
    known = known_queries(papers, n_known)
    first_set = known[:n_first]
    if template is not None:
        mine, (index_s, index_cpu) = index_only_site(papers, template, work)
        sites = Sites(mine=mine, material=work / "none", pagefind=None, index_s=index_s, index_cpu=index_cpu)
    else:
        done = work / "sites.json"
        stamp = search_stamp()
        if done.exists():  # a kept folder from an earlier run with the same seed
            d = json.loads(done.read_text(encoding="utf-8"))
            sites = Sites(mine=Path(d["mine"]), material=Path(d["material"]),
                          pagefind=Path(d["pagefind"]) if d["pagefind"] else None, index_s=d["index_s"],
                          index_cpu=d.get("index_cpu", 0.0),
                          material_s=d["material_s"], pagefind_s=d["pagefind_s"], notes=d["notes"])
            if d.get("stamp") != stamp:  # Papershelf's search changed since: rebuild its site only
                print(f"[{n:,} papers] search code changed: rebuilding Papershelf's site…", flush=True)
                sites.index_s, sites.index_cpu = build_mine(papers, work)
                if sites.pagefind:
                    refresh_pagefind_home(sites.mine, sites.pagefind)
        else:
            print(f"[{n:,} papers] building sites…", flush=True)
            sites = build_sites(papers, work, peers)
        done.write_text(json.dumps({**{k: str(v) if isinstance(v, Path) else v for k, v in sites.__dict__.items()},
                                    "stamp": stamp}), encoding="utf-8")
    systems = {"papershelf": ("mine", sites.mine)}
    if peers and template is None:
        if "material" not in skip:
            systems["material"] = ("material", sites.material)
        if sites.pagefind and "pagefind" not in skip:
            systems["pagefind"] = ("pagefind", sites.pagefind)
    row: dict = {"n": n, "index_ms_per_paper": 1000 * sites.index_s / n, "index_cpu_ms_per_paper":
                 1000 * sites.index_cpu / n, "notes": sites.notes,
                 "material_build_s": sites.material_s, "pagefind_index_s": sites.pagefind_s,
                 "index_bytes": {"papershelf": dir_bytes(sites.mine, "search/idx"),
                                 "material": dir_bytes(sites.material, "search/search_index.json"),
                                 "pagefind": dir_bytes(sites.pagefind, "pagefind") if sites.pagefind else 0},
                 "systems": {}}
    servers = {name: serve(site) for name, (_kind, site) in systems.items()}
    try:
        # Cold loads: for each query every system and every way in turn, so that all of them see the
        # machine in the same state (it is shared: a burst of load elsewhere hits them alike).
        print(f"[{n:,} papers] first results ({', '.join(systems)})…", flush=True)
        got: dict[tuple[str, str], list[Timed]] = {(name, way): [] for name in systems for way in typings}
        missed = dict.fromkeys(got, 0)
        for k, (pid, words, _title) in enumerate(first_set):
            for name, (kind, _site) in systems.items():
                if kind == "material" and k >= 3:  # many seconds per cold load at 10k: three are enough
                    continue
                for way in typings:
                    one = first_result(browser, servers[name][0], kind, words, pid,
                                       300 if kind == "material" else 60, way)
                    if one is None:  # the paper never showed among the results: counted, not timed
                        missed[name, way] += 1
                    else:
                        got[name, way].append(one)
        for name, (kind, _site) in systems.items():
            # material's search takes seconds per query on big sites: a smaller sample for it
            sample = known if kind != "material" else known[:peer_known]
            print(f"[{n:,} papers] {name}: quality on {len(sample)} papers…", flush=True)
            recall, title1 = quality(browser, servers[name][0], kind, sample)
            row["systems"][name] = {"recall5": recall, "title1": title1, "known": len(sample),
                                    **{way: summary(got[name, way], missed[name, way]) for way in typings}}
    finally:
        for _base, srv in servers.values():
            srv.shutdown()
    return row


def summary(timed: list[Timed], missed: int) -> dict:
    """Medians (and the worst first result) of one system's cold loads taken one way."""
    nan = float("nan")

    def med(xs: list[float]) -> float:
        return statistics.median(xs) if xs else nan

    return {"ms": med([t.shown for t in timed]), "ms_max": max((t.shown for t in timed), default=nan),
            "box": med([t.box for t in timed]), "qms": med([t.shown - t.typed for t in timed]),
            "dcl": med([t.dcl for t in timed]), "fcp": med([t.fcp for t in timed]), "kb": med([t.received / 1024 for t in timed]),
            "first_missed": missed, "first_n": len(timed) + missed, "loads": [t.__dict__ for t in timed]}


WAYS = {"page": "reader in the page types when the box is usable",
        "driver": "Playwright types after DOMContentLoaded (Pagefind: after load), the earlier way"}


def print_table(rows: list[dict]) -> None:
    ways = [w for w in WAYS if rows and w in rows[0]["systems"]["papershelf"]]
    print()
    head = f"{'papers':>8} {'system':<11}"
    for w in ways:
        tag = "user" if w == "page" else "driver"
        head += f" {tag + ' ms':>10} {'max':>5} {'box':>5} {'query':>6} {'ratio':>6} |"
    head += f" {'KB':>6} {'KB ratio':>8} {'recall@5':>9} {'title@1':>8}"
    print(head)
    print("-" * len(head))
    for row in rows:
        mine = row["systems"]["papershelf"]
        for name, s in row["systems"].items():
            line = f"{row['n']:>8,} {name:<11}"
            for w in ways:
                t, m = s[w], mine[w]
                line += (f" {t['ms']:>10.0f} {t['ms_max']:>5.0f} {t['box']:>5.0f} {t['qms']:>6.0f}"
                         f" {t['ms'] / m['ms']:>5.2f}x |")
            kb, mkb = s[ways[0]]["kb"], mine[ways[0]]["kb"]
            line += (f" {kb:>6.0f} {kb / mkb:>7.2f}x {100 * s['recall5']:>8.1f}% {100 * s['title1']:>7.1f}%"
                     f"  (n={s['known']})")
            for w in ways:
                if s[w]["first_missed"]:
                    line += f"  {w}: {s[w]['first_missed']} of {s[w]['first_n']} timed queries never showed the paper"
            print(line)
        ib = row["index_bytes"]
        print(f"{'':>8} index build {row['index_ms_per_paper']:.2f} ms/paper wall, "
              f"{row['index_cpu_ms_per_paper']:.2f} ms/paper CPU (Papershelf, all search files); "
              f"index on disk: papershelf {ib['papershelf'] / 1e6:.1f} MB, material {ib['material'] / 1e6:.1f} MB, "
              f"pagefind {ib['pagefind'] / 1e6:.1f} MB")
        if row["material_build_s"]:
            print(f"{'':>8} material build with search {row['material_build_s']:.0f} s; "
                  f"pagefind indexing {row['pagefind_index_s']:.0f} s")
        for note in row["notes"]:
            print(f"{'':>8} note: {note}")
    print("\nms: median from opening the page (navigation start, cold cache) to the known paper among the results;"
          " max: the slowest load;\nbox: when the query was typed; query: from typing to the paper shown.")
    for w in ways:
        print(f"  {'user' if w == 'page' else 'driver'}: {WAYS[w]}")
    print("ratio = system / Papershelf (above 1 means Papershelf is faster or lighter). KB: gzip transfer"
          " sizes until the paper showed, web workers included.")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="also 100,000 papers (Papershelf only)")
    ap.add_argument("--sizes", type=int, nargs="*", help="catalog sizes (default 1000 10000)")
    ap.add_argument("--known", type=int, default=200, help="known papers for the quality check")
    ap.add_argument("--first", type=int, default=10, help="queries timed from a cold page load")
    ap.add_argument("--peer-known", type=int, default=60, help="known papers for material's (slow) quality check")
    ap.add_argument("--skip", nargs="*", default=[], help="peers to leave out (material, pagefind)")
    ap.add_argument("--no-peers", action="store_true", help="measure Papershelf only")
    ap.add_argument("--keep", type=Path, help="build into this folder and keep it")
    ap.add_argument("--json", type=Path, help="also write the numbers here")
    ap.add_argument("--typing", choices=["both", "page", "driver"], default="both",
                    help="when the timed query is typed: 'page', by a reader played in the page as soon as the"
                         " search box is usable; 'driver', the earlier way, by Playwright after DOMContentLoaded"
                         " (Pagefind: after load); 'both' (default) takes turns and prints both")
    args = ap.parse_args(argv)
    sizes = args.sizes or [1000, 10000]
    typings = ("page", "driver") if args.typing == "both" else (args.typing,)
    from playwright.sync_api import sync_playwright

    work = args.keep or Path(tempfile.mkdtemp(prefix="ps-search-bench-"))
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for n in sizes:
                rows.append(run_size(n, browser, work / str(n), args.known, args.first, not args.no_peers, None,
                                     args.peer_known, tuple(args.skip), typings))
                print_table(rows[-1:])  # as soon as a size is done
            if args.full:
                template = work / str(sizes[0]) / "mine"
                rows.append(run_size(100_000, browser, work / "100000", args.known, args.first, False, template,
                                     typings=typings))
            browser.close()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
