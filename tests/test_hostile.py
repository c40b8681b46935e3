"""Hostile records in, safe pages out: nothing a record holds runs in the browser.

A small catalog of hostile records is generated here (not committed): every
field of every record carries a payload, rotating through the payload classes
below.  Every payload carries the marker ``__pwned``: if any of them becomes
code, the marker shows up in a <script>, an event-handler attribute or a URL,
and in the browser ``window.__pwned`` gets set.  The records go through the
real ingest path (JSON Lines -> model -> merge -> YAML content folder ->
build), so the YAML emitter and loader are exercised too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.content import dump_yaml, load_content
from generator.errors import Problem
from generator.ingest.run import IngestReport, ingest

from .conftest import build

MARK = "__pwned"
JS = "window.__pwned=1;alert(1)"

# Payload classes: name -> text.  Order matters only for rotation over fields.
PAYLOADS: dict[str, str] = {
    "script-tag": f"<script>{JS}</script>",
    "script-tag-mixed-case": f"<ScRiPt>{JS}</sCrIpT>",
    "script-split-nested": f"<scr<script>ipt>{JS}</scr</script>ipt>",
    "img-onerror": f'<img src=x onerror="{JS}">',
    "svg-onload": f"<svg/onload={JS}>",
    "attr-breakout-double-quote": f'"><img src=x onerror={JS}>',
    "attr-breakout-single-quote": f"'><img src=x onerror={JS}>",
    "title-breakout": f"</title><script>{JS}</script>",
    "style-textarea-breakout": f"</style></textarea><script>{JS}</script>",
    "script-block-breakout": f'</script><script>{JS}</script>',
    "html-comment-trick": f"<!--<script>--><script>{JS}</script>-->",
    "entity-double-decode": f"&lt;script&gt;{JS}&lt;/script&gt;",
    "numeric-entity": f"&#60;img src=x onerror={JS}&#62;",
    "a-href-javascript": f'<a href="javascript:{JS}">click</a>',
    "iframe-javascript": f'<iframe src="javascript:{JS}"></iframe>',
    "base-href": f'<base href="javascript:{JS}//">',
    "meta-refresh": f'<meta http-equiv="refresh" content="0;url=javascript:{JS}">',
    "form-action": f'<form action="javascript:{JS}"><button>go</button></form>',
    "style-url": f'<style>body{{background:url("javascript:{JS}")}}</style>',
    "template-element": f"<template><script>{JS}</script></template>",
    "cdata": f"<![CDATA[<script>{JS}</script>]]>",
    "markdown-link-javascript": f"[click me](javascript:{JS})",
    "markdown-image-javascript": f"![x](javascript:{JS})",
    "markdown-autolink": f"<javascript:{JS}>",
    "markdown-reference-link": f"[x][1]\n\n[1]: javascript:{JS}",
    "markdown-attr-list": f'Heading {{: onclick="{JS}" }}',
    "markdown-html-block": f'<div markdown="1">\n\n<a href="javascript:{JS}">x</a>\n\n</div>',
    "markdown-heading-emphasis": f"# *{MARK}* heading\n\n**bold** `code` _em_",
    "jinja-template": "{{ 7*7 }} {% include 'base.html' %} {{ config.site_name }} ${7*7} #{7*7} " + MARK,
    "yaml-front-matter": f"x\n---\ntemplate: redirect.html\nlocation: javascript:{JS}\n---\n",
    "yaml-special": f"- !!python/object/apply:os.system ['echo {MARK}'] &a *a ? key: | > % @ `",
    "math-href": rf"$\href{{javascript:{JS}}}{{x}}$",
    "math-closing-tag": f"$x</math><script>{JS}</script>$",
    "math-text-tag": rf"$\text{{<script>{JS}</script>}}$",
    "unicode-line-separators": f"line\u2028sep\u2029para </script\u2028><script>{JS}</script>",
    "bidi-override": f"\u202e<script>{JS}</script>\u202c",
    # Blank lines inside a fenced block: if they ended the page's raw HTML block, MkDocs'
    # Markdown would turn the text after them into a live link.
    # For the BibTeX export: LaTeX that reads, writes or defines, dressed as inline math.
    "latex-in-math": rf"$\input{{/etc/passwd}}$ $\immediate\write18{{echo {MARK}}}$ $\def\x{{y}}$ "
                     rf"$\begin{{filecontents}}{{{MARK}.tex}}x\end{{filecontents}}$",
    "markdown-fenced-blank-lines": f"```\nx\n\n[x](javascript:{JS})\n\n<script>{JS}</script>\n```\n\nafter",
}
# URLs a record may carry in url/pdf/code/homepage: all must be refused (reported), never linked.
BAD_URLS: list[str] = [
    f"javascript:{JS}",
    f"JaVaScRiPt:{JS}",
    f" javascript:{JS}",
    f"data:text/html,<script>{JS}</script>",
    "vbscript:msgbox(1)",
    f'http://example.org/" onmouseover="{JS}',
    f"http://example.org/<script>{JS}</script>",
    f"//evil.example/{MARK}",
    f"java\nscript:{JS}",
    f"\x01javascript:{JS}",
]
MATH_OK = r"where $E = mc^2$ and $$\sum_{i=1}^{n} x_i$$ hold"
# Facets (authors, venues, topics, orgs) draw from smaller pools of payloads, so the site stays
# small (every facet value is a page) while the pools together still cover every payload class.
# Extra (unknown) record fields named like front-matter keys the theme or MkDocs act on.
EXTRA_KEYS = ("template", "ps_head", "hide", "description", "location", "redirect", "search", "tags", "author")

N_PAPERS = 24
N_AUTHORS = 6


def _p(i: int) -> str:
    values = list(PAYLOADS.values())
    return values[i % len(values)]


def paper_records() -> list[dict[str, Any]]:
    """Hostile paper records: every field carries a payload, rotating through all classes."""
    out = []
    for i in range(N_PAPERS):
        rec: dict[str, Any] = {
            "id": f"hostile-{i:02d}",
            "title": f"{_p(i)} T{i}",
            "abstract": f"{_p(i + 1)}\n\n{_p(i + 2)} {MATH_OK}",
            "authors": [
                f"{_p(i % 8 + 3)} A{i % 8}",
                {"name": f"Ann {_p(i % 8 + 12)} B{i % 8}", "affiliation": _p(i + 5), "ids": {"s2": _p(i + 6)}},
                f"Hostile Author {i % N_AUTHORS}",
            ],
            "date": f"20{10 + i % 4:02d}-0{1 + i % 9}-1{i % 9}",
            "venue": f"{_p(i % 6 + 7)} V{i % 6}",
            "type": "article",
            "topics": [f"{_p(i % 6 + 20)} t{i % 6}", f"{_p(i % 5 + 26)} u{i % 5}"],
            "orgs": [f"{_p(i % 4 + 31)} o{i % 4}"],
            "notes": _p(i + 11),
            # A DOI is kept up to the first space, quote-free check included: a breakout attempt.
            "doi": f"10.1234/h{i}'onmouseover={JS}" if i % 2 else f"10.1234/h{i}\"onmouseover={JS}",
            "ids": {"openalex": _p(i + 12), "custom": _p(i + 13)},
            "url": BAD_URLS[i % len(BAD_URLS)],
            "pdf": BAD_URLS[(i + 1) % len(BAD_URLS)],
            "code": BAD_URLS[(i + 2) % len(BAD_URLS)],
            "listed": [f"2024-05-{10 + i % 3}"],
            "upvotes": i,
            "sources": [{"format": _p(i + 14), "file": f"../../{_p(i + 15)}", "key": _p(i + 16)}],
        }
        for k, key in enumerate(EXTRA_KEYS):
            rec[key] = _p(i + 17 + k) if key != "template" else "redirect.html"
        out.append(rec)
    # LaTeX payloads where the BibTeX export carries them (the rotation puts them in other fields).
    out[1]["abstract"] += " " + PAYLOADS["latex-in-math"]
    # One record with good links, to prove safe links still render.
    out[0]["url"] = "https://example.org/paper?a=1&b=2"
    out[0]["code"] = "https://github.com/example/repo"
    return out


def author_records() -> list[dict[str, Any]]:
    """Hostile author records (profiles), named like the papers' third authors."""
    out = []
    for j in range(N_AUTHORS):
        rec: dict[str, Any] = {
            "kind": "author",
            "id": f"hostile-author-{j}",
            "name": f"Hostile Author {j}",
            "aliases": [_p(j + 20), _p(j + 21)],
            "affiliation": _p(j + 22),
            "bio": f"{_p(j + 23)} {MATH_OK}",
            "homepage": BAD_URLS[j % len(BAD_URLS)],
            "topics": [_p(j + 24)],
            "ids": {"s2": _p(j + 25), _p(j + 26)[:40]: "x"},
            "figures": {"works": _p(j + 27), "followers": 3, _p(j + 28): 7},
            "sources": [{"format": _p(j + 29), "file": _p(j + 30), "key": _p(j + 31)}],
        }
        for k, key in enumerate(EXTRA_KEYS):
            rec[key] = _p(j + 32 + k) if key != "template" else "redirect.html"
        out.append(rec)
    # One author whose *name* is the payload (its id comes from the name's slug).
    out.append({"kind": "author", "name": f"<script>{JS}</script> Zoë Ünicode", "bio": _p(5)})
    return out


def write_jsonl(path: Path) -> Path:
    """The hostile records as one JSON Lines file."""
    lines = [json.dumps(r, ensure_ascii=False) for r in paper_records() + author_records()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def list_record() -> dict[str, Any]:
    """A reading list (content/lists/) whose title, description and notes carry payloads."""
    return {
        "title": f"{_p(3)} reading list",
        "description": "\n\n".join(_p(k) for k in range(0, len(PAYLOADS), 3)),
        "papers": [{"id": f"hostile-{i:02d}", "note": f"{_p(i + 1)}\n\n{_p(i + 2)}", "date": "2024-05-01"}
                   for i in range(0, N_PAPERS, 4)],
    }


# --------------------------------------------------------------------------
# The hostile site, built once per module.
# --------------------------------------------------------------------------


@dataclass
class Hostile:
    root: Path
    content: Path
    site: Path
    docs: Path
    ingest: IngestReport
    build: Any


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Hostile:
    root = tmp_path_factory.mktemp("hostile")
    jsonl = write_jsonl(root / "hostile.jsonl")
    report = ingest("json", [jsonl], root / "content")
    (root / "content" / "lists").mkdir()
    (root / "content" / "lists" / "hostile-list.yaml").write_text(dump_yaml(list_record()), encoding="utf-8")
    built = build(root / "content", root / "site", root / "work")
    return Hostile(root, root / "content", root / "site", root / "work" / "docs", report, built)


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


# --------------------------------------------------------------------------
# (a) Static check of every HTML file with a real HTML parser.
# --------------------------------------------------------------------------

URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcset",
             "cite", "longdesc", "ping", "manifest"}
FORBIDDEN_TAGS = {"iframe", "object", "embed", "base", "frame", "frameset", "applet"}
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
_UNSAFE_SCHEME = re.compile(r"^(javascript|vbscript|data):", re.I)


def _squash(value: str) -> str:
    # Browsers ignore whitespace and control characters inside a URL scheme.
    return re.sub(r"[\x00-\x20]", "", value)


class CodeScanner(HTMLParser):
    """Collects every way a page could run code: scripts, handlers, URLs, refreshes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.violations: list[str] = []
        self._script: dict[str, str | None] | None = None
        self._style = False
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in FORBIDDEN_TAGS:
            self.violations.append(f"<{tag}> element")
        if tag == "meta" and a.get("http-equiv"):
            self.violations.append(f"<meta http-equiv={a['http-equiv']!r}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.violations.append(f"<{tag} {name}=...> event handler")
            if name in URL_ATTRS and _UNSAFE_SCHEME.match(_squash(value)):
                self.violations.append(f"<{tag} {name}={value[:60]!r}> unsafe URL scheme")
            if (name in URL_ATTRS or name == "style") and MARK in value:
                self.violations.append(f"<{tag} {name}={value[:60]!r}> record text in a URL or style")
        if tag == "script":
            self._script, self._text = a, []
        elif tag == "style":
            self._style, self._text = True, []

    def handle_data(self, data: str) -> None:
        if self._script is not None or self._style:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self._check_script(self._script, "".join(self._text))
            self._script = None
        elif tag == "style" and self._style:
            if MARK in "".join(self._text):
                self.violations.append("record text inside <style>")
            self._style = False

    def _check_script(self, a: dict[str, str | None], body: str) -> None:
        kind = (a.get("type") or "").lower()
        if kind in DATA_SCRIPT_TYPES:
            # Data blocks may hold record text, but only as JSON that cannot end the block.
            try:
                json.loads(body)
            except ValueError:
                self.violations.append(f"<script type={kind}> is not valid JSON: {body[:80]!r}")
            if "</" in body:
                self.violations.append(f"<script type={kind}> contains '</'")
            return
        src = a.get("src") or ""
        if MARK in body or MARK in src or _UNSAFE_SCHEME.match(_squash(src)):
            self.violations.append(f"executable <script> from record text: {(src or body)[:80]!r}")


def scan(path: Path) -> list[str]:
    scanner = CodeScanner()
    scanner.feed(path.read_text(encoding="utf-8"))
    scanner.close()
    return [f"{path.name}: {v}" for v in scanner.violations]


def test_scanner_accepts_the_themes_own_scripts(seed_site):
    # The control: the seed site (theme scripts, config JSON, assets) has no violation...
    files = html_files(seed_site)
    assert files
    assert [v for f in files for v in scan(f)] == []


# Payloads that are inert as raw HTML: dangerous only if a later stage (Markdown, an entity
# decoder, a template engine, a YAML front-matter reader, a naive tag stripper) turns them into HTML.
INERT_AS_RAW_HTML = {
    "entity-double-decode", "numeric-entity", "jinja-template", "yaml-special", "markdown-heading-emphasis",
    "markdown-link-javascript", "markdown-image-javascript", "markdown-autolink", "markdown-reference-link",
    "markdown-attr-list", "yaml-front-matter", "math-href", "cdata", "html-comment-trick", "script-split-nested",
    "latex-in-math",
}


@pytest.mark.parametrize("payload", sorted(set(PAYLOADS) - INERT_AS_RAW_HTML))
def test_scanner_catches_each_payload_when_unescaped(tmp_path, payload):
    # ...and each active payload pasted raw into a page is caught, so the check below can fail.
    page = tmp_path / "p.html"
    page.write_text(f"<html><head><title>{PAYLOADS[payload]}</title></head><body>{PAYLOADS[payload]}</body></html>")
    assert scan(page)


def test_no_record_text_becomes_code(hostile):
    files = html_files(hostile.site)
    assert len(files) > N_PAPERS + N_AUTHORS
    assert hostile.site / "lists" / "hostile-list" / "index.html" in files
    violations = [v for f in files for v in scan(f)]
    assert violations == []


class _TextOf(HTMLParser):
    """The text content of every element with a given class (nested tags flattened)."""

    def __init__(self, cls: str) -> None:
        super().__init__(convert_charrefs=True)
        self.cls, self.depth, self.found = cls, 0, []
        self._buf: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if self.depth:
            self.depth += 1
            if tag == "math":
                self._skip += 1
        elif self.cls in classes:
            self.depth, self._buf = 1, []

    def handle_endtag(self, tag):
        if self.depth:
            if tag == "math" and self._skip:
                self._skip -= 1
            self.depth -= 1
            if not self.depth:
                self.found.append(" ".join("".join(self._buf).split()))

    def handle_data(self, data):
        if self.depth and not self._skip:
            self._buf.append(data)


def texts(path: Path, cls: str) -> list[str]:
    p = _TextOf(cls)
    p.feed(path.read_text(encoding="utf-8"))
    return p.found


def test_record_text_is_shown_as_text(hostile):
    # The title a reader sees is exactly the title in the record: no tag was parsed out of it.
    records = {r["id"]: r for r in paper_records()}
    for pid, rec in records.items():
        page = hostile.site / "papers" / pid / "index.html"
        assert texts(page, "ps-paper-title") == [" ".join(rec["title"].split())]
        abstract = " ".join(texts(page, "ps-abstract"))
        first = " ".join(rec["abstract"].split("\n\n")[0].split())
        if "$" not in first:
            assert first in abstract


def test_math_still_renders(hostile):
    for pid in (r["id"] for r in paper_records()):
        html = (hostile.site / "papers" / pid / "index.html").read_text(encoding="utf-8")
        abstract = html[html.index('class="ps-abstract"'):]
        assert "<math" in abstract and "<msup>" in abstract, pid


def test_safe_links_still_render_and_unsafe_ones_are_reported(hostile):
    html = (hostile.site / "papers" / "hostile-00" / "index.html").read_text(encoding="utf-8")
    assert 'href="https://example.org/paper?a=1&amp;b=2"' in html
    assert 'href="https://github.com/example/repo"' in html
    url_problems = [p for p in hostile.ingest.skipped if p.field in ("url", "pdf", "code", "homepage")]
    expected = 3 * N_PAPERS - 2 + N_AUTHORS
    assert len(url_problems) == expected
    assert all(p.reason.startswith("must be an http(s) URL, not ") for p in url_problems)
    assert all(isinstance(p, Problem) and p.file.endswith("hostile.jsonl") and p.line for p in url_problems)


def test_records_survive_the_round_trip(hostile):
    # Nothing is lost: what was ingested is what the content folder holds, payloads and all.
    loaded = load_content(hostile.content)
    assert loaded.problems == []
    for rec in paper_records():
        p = loaded.papers[rec["id"]]
        assert p.title == " ".join(rec["title"].split())
        assert p.abstract == rec["abstract"].strip()
        assert p.venue == rec["venue"].strip() and p.notes == rec["notes"].strip()
        assert p.topics == [t.strip() for t in rec["topics"]]
        assert all(p.extra[k] == rec[k] for k in EXTRA_KEYS)
    names = {a.name for a in loaded.authors.values()}
    assert {r["name"] for r in author_records()} <= names


def _front_matter(md: Path) -> dict[str, Any]:
    text = md.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text[4:text.index("\n---\n", 4)]) or {}


def test_no_record_field_becomes_front_matter(hostile):
    # A record's unknown fields named like theme keys (template, hide, ps_head, ...) stay data.
    extra_values = {json.dumps(r[k]) for r in paper_records() + author_records() for k in EXTRA_KEYS if k in r}
    docs = sorted(hostile.docs.rglob("*.md"))
    assert docs
    for md in docs:
        fm = _front_matter(md)
        assert "template" not in fm and "location" not in fm, md
        for key, value in fm.items():
            assert json.dumps(value) not in extra_values, (md, key)
            if key != "ps_head":
                # Printed raw by the theme (in text and in attributes): must already be escaped,
                # strings nested in lists and mappings too.
                for text in _strings(value):
                    assert not set(text) & set('<>"'), (md, key, text)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


# --------------------------------------------------------------------------
# (b) Every page of the hostile site in headless Chromium: no injected script runs.
# --------------------------------------------------------------------------


@pytest.mark.browser
def test_no_script_runs_in_the_browser(hostile, serve, page):
    base = serve(hostile.site, "/sub/path/")
    dialogs: list[str] = []

    def on_dialog(d):
        dialogs.append(f"{page.url}: {d.type} {d.message}")
        d.dismiss()

    page.on("dialog", on_dialog)
    # Only the local site is fetched: no web fonts or anything else from outside (faster, offline).
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base.split("/sub/")[0])
               else route.abort())
    pwned = []
    files = html_files(hostile.site)
    for f in files:
        url = base + f.relative_to(hostile.site).as_posix()
        page.goto(url, wait_until="load")
        if page.evaluate("typeof window.__pwned") != "undefined":
            pwned.append(url)
    assert pwned == [] and dialogs == []
    # The check can fail: a page that does run a script is caught the same way.
    page.goto(base + "index.html")
    page.evaluate("window.__pwned = 1")
    assert page.evaluate("typeof window.__pwned") != "undefined"


# --------------------------------------------------------------------------
# Ids and paths: nothing in a record decides a path outside the output folders.
# --------------------------------------------------------------------------

BAD_IDS = ["../../etc/passwd", "a/b", ".hidden", "CON", "x" * 300, "ünïcode", "a b", "/abs/path", "..",
           "a\\b", "-lead", "trail-", "nul\x00byte", "ok/../../x", "~"]
GOOD_IDS = ["con", "aux", "nul", "a..b", "x.yaml", "index", "index-1", "page-2", "assets", "p" * 160]


def _ingest(root: Path, records: list[dict[str, Any]], name: str = "in.jsonl") -> IngestReport:
    path = root / name
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return ingest("json", [path], root / "content")


def _all_paths(root: Path) -> list[Path]:
    return sorted(root.rglob("*"))


def test_path_like_ids_are_refused_and_nothing_escapes(tmp_path):
    root = tmp_path / "box"
    root.mkdir()
    records = [{"id": i, "title": f"Bad id {n}"} for n, i in enumerate(BAD_IDS)]
    records += [{"id": i, "title": f"Good id {n}", "topics": [i]} for n, i in enumerate(GOOD_IDS)]
    report = _ingest(root, records)
    # Every bad id is reported once, with file, line, field and reason; the good records are kept.
    bad = [p for p in report.skipped if p.field == "id"]
    assert [p.line for p in bad] == list(range(1, len(BAD_IDS) + 1))
    assert all(p.file.endswith("in.jsonl") and p.reason.startswith("must be lower-case letters") for p in bad)
    assert len(report.skipped) == len(BAD_IDS)
    assert sorted(p.stem for p in (root / "content" / "papers").iterdir()) == sorted(GOOD_IDS)
    build(root / "content", root / "site", root / "work")
    # Only the three output folders (and the input) exist, and nothing inside them is a link out.
    assert sorted(p.name for p in root.iterdir()) == ["content", "in.jsonl", "site", "work"]
    for p in _all_paths(root):
        assert not p.is_symlink() and p.resolve().is_relative_to(root.resolve()), p
    assert not (tmp_path / "etc").exists()
    # Each good id has its own page; ids that look like hub files get a distinct one.
    pages = {p.parent.relative_to(root / "site" / "papers").as_posix()
             for p in (root / "site" / "papers").glob("*/index.html")}
    assert len(pages) == len(GOOD_IDS)
    assert {"con", "a..b", "x.yaml", "assets", "index-1", "index-1-1", "page-2-1"} <= pages


def test_hostile_titles_and_names_get_safe_ids(tmp_path):
    titles = ["../../etc/passwd", "CON", "日本語のタイトル", "!!!", ".hidden", "a/b\\c", "Ünïcødé " * 60,
              "<script>x</script>", "\u202eevil\u202c"]
    names = ["../../root", "Ünïcødé Nàme", "李 小龍", "..", "<b>x</b>"]
    records: list[dict[str, Any]] = [{"title": t, "authors": [names[n % len(names)]]} for n, t in enumerate(titles)]
    records += [{"kind": "author", "name": n} for n in names]
    report = _ingest(tmp_path, records)
    assert report.skipped == [] and report.new == len(titles) and report.authors_new == len(names)
    content = load_content(tmp_path / "content")
    assert content.problems == []
    assert sorted(p.title for p in content.papers.values()) == sorted(" ".join(t.split()) for t in titles)
    from generator.model import ID_RE

    assert all(ID_RE.match(i) for i in [*content.papers, *content.authors])
    build(tmp_path / "content", tmp_path / "site", tmp_path / "work")
    for pid in content.papers:
        assert (tmp_path / "site" / "papers" / pid / "index.html").is_file()
    for aid in content.authors:
        assert (tmp_path / "site" / "authors" / aid / "index.html").is_file()


def test_papers_that_slug_alike_are_both_kept(tmp_path):
    stem = "A very long title about sparse mixtures of experts that goes on and on past the slug limit"
    records = [
        # Same slug (cut at 70 characters), different titles: two papers.
        {"title": f"{stem}: part one", "date": "2024"},
        {"title": f"{stem}: part two", "date": "2024"},
        # Same title and year, different first authors: two papers, flagged for review.
        {"title": "Scaling Laws", "date": "2023", "authors": ["Ada Lovelace"]},
        {"title": "Scaling Laws", "date": "2023", "authors": ["Alan Turing"]},
    ]
    report = _ingest(tmp_path, records)
    papers = load_content(tmp_path / "content").papers
    assert report.new == 4 and len(papers) == 4
    long_ids = sorted(i for i in papers if i.startswith("a-very-long"))
    assert long_ids == [long_ids[0], long_ids[0] + "-2"]
    assert sorted(i for i in papers if i.startswith("scaling")) == ["scaling-laws-2023", "scaling-laws-2023-2"]
    assert [why for _, pid, why in report.near_duplicates if pid == "scaling-laws-2023-2"]
    # A second ingest of the same file merges into the same two records: stable ids, no third copy.
    again = _ingest(tmp_path, records)
    assert again.new == 0 and len(load_content(tmp_path / "content").papers) == 4
    build(tmp_path / "content", tmp_path / "site", tmp_path / "work")
    titles = {texts(tmp_path / "site" / "papers" / i / "index.html", "ps-paper-title")[0] for i in papers}
    assert titles == {" ".join(r["title"].split()) for r in records}


def test_authors_that_slug_alike_are_both_kept(tmp_path):
    records: list[dict[str, Any]] = [
        {"kind": "author", "name": "Zoë Müller", "orcid": "0000-0002-1825-0097"},
        {"kind": "author", "name": "Zoe Muller", "orcid": "0000-0001-5109-3700"},
        {"kind": "author", "name": "Zoe Müller", "orcid": "0000-0002-1825-0097", "bio": "Same as the first."},
        {"title": "Paper by the first", "authors": [{"name": "Li Wei", "orcid": "0000-0001-2345-6789"}]},
        {"title": "Paper by another", "authors": [{"name": "Li Wei", "orcid": "0000-0003-1415-9269"}]},
    ]
    report = _ingest(tmp_path, records)
    content = load_content(tmp_path / "content")
    assert sorted(content.authors) == ["zoe-muller", "zoe-muller-2"]
    assert content.authors["zoe-muller"].bio == "Same as the first."  # the third record merged into the first
    assert content.authors["zoe-muller-2"].orcid == "0000-0001-5109-3700"
    assert any(pid == "zoe-muller-2" for _, pid, _ in report.near_duplicates)
    build(tmp_path / "content", tmp_path / "site", tmp_path / "work")
    authors = {p.parent.name for p in (tmp_path / "site" / "authors").glob("*/index.html")}
    assert {"zoe-muller", "zoe-muller-2", "li-wei", "li-wei-2"} <= authors


@pytest.mark.browser
def test_search_results_and_facets_show_payloads_as_text(hostile, serve, page):
    # The client-side search renders record text from its index; typing a query must not run it.
    base = serve(hostile.site, "/sub/path/")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    titles = {" ".join(r["title"].split()) for r in paper_records()}
    for q in ("script", "img", "javascript", "alert", "math"):
        page.goto(f"{base}search/?q={q}", wait_until="load")
        page.wait_for_function("() => { const s = document.querySelector('.ps-sp-status');"
                               " return s && !/Searching|Type to/.test(s.textContent); }", timeout=20_000)
        hits = page.locator(".ps-sp-hit .ps-sp-title").all_text_contents()
        if q == "script":
            assert len(hits) >= 5 and set(hits) <= titles  # the titles, shown as text
        assert page.evaluate("typeof window.__pwned") == "undefined", q
        # Facet buttons (topics, venues, orgs, authors) hold payload names: click one of each.
        for box in page.locator("[data-facet] button").all()[:4]:
            box.click()
        assert page.evaluate("typeof window.__pwned") == "undefined", q
    assert dialogs == []


def test_feeds_carry_record_text_as_text(hostile):
    # Feed readers render RSS <description> and Atom type="html" content as HTML: what they would
    # render must hold no element at all, only the record's text.
    from defusedxml import ElementTree

    feeds = [p for p in hostile.site.rglob("*") if p.suffix in (".rss", ".atom")]
    assert feeds
    rendered = 0
    for f in feeds:
        for el in ElementTree.parse(f).iter():
            name = el.tag.rsplit("}", 1)[-1]
            as_html = (f.suffix == ".rss" and name == "description") or (
                name in ("summary", "content", "title", "subtitle") and el.get("type") in ("html", "xhtml"))
            if as_html and el.text:
                tags = _Tags()
                tags.feed(el.text)
                assert tags.names == [], (f.name, el.text[:120])
                rendered += 1
    assert rendered >= N_PAPERS  # the RSS descriptions were there to check


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.names: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.names.append(tag)


UNSAFE_TEX = re.compile(r"\\(input|include|write\d*|immediate|openout|openin|def|edef|gdef|csname|catcode|special|href"
                        r"|url)(?![A-Za-z])|\\begin\s*\{filecontents")


def test_bibtex_exports_pass_no_live_latex(hostile):
    # BibTeX output keeps $math$ for LaTeX to typeset: it must not carry \input, \write18, \def, ...
    bibs = sorted(hostile.site.rglob("*.bib"))
    assert bibs
    seen = 0
    for f in bibs:
        text = f.read_text(encoding="utf-8")
        assert not UNSAFE_TEX.search(text), (f.name, UNSAFE_TEX.search(text))
        seen += text.count("textbackslash{}input")
    assert seen  # the payload did reach the exports, escaped
    # Ordinary math still passes through as math.
    assert "$E = mc^2$" in (hostile.site / "catalog.bib").read_text(encoding="utf-8")
