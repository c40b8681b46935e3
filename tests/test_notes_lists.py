"""Notes (Markdown through the safe layer) and reading lists (pages, feed, .bib, check)."""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path

import bibtexparser
import feedparser
import pytest
import yaml
from click.testing import CliRunner

from generator.catalog import build_catalog
from generator.cli import main
from generator.content import load_content
from generator.export.bibtex import assign_keys
from generator.lists import check_lists, load_lists
from generator.notes import TAGS, plain_text, render
from generator.safe import MATHML_TAGS

from .conftest import ROOT, build
from .test_metadata import CONFIG, _hostile_payloads, parse_html

SCREENSHOTS = Path(__file__).parent / "screenshots"
ALLOWED = TAGS | MATHML_TAGS | {"span"}


class _Tags(HTMLParser):
    """Every element and attribute of a fragment, and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data):
        self.text.append(data)


def tags_of(fragment: str) -> _Tags:
    p = _Tags()
    p.feed(fragment)
    p.close()
    return p


def assert_inert(fragment: str) -> None:
    """Only allow-listed elements; no event handlers; links only to http(s)."""
    for tag, attrs in tags_of(fragment).elements:
        assert tag in ALLOWED, (tag, fragment)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src", "action", "formaction", "xlink:href"):
                assert value.startswith(("http://", "https://")), (tag, name, value)


NOTE = """**Presenter:** Mei · discussed 2026-06-04 · [slides](https://example.org/s.pdf)

# Summary
Step size $\\alpha_k = \\frac{\\alpha_0}{2}$ and $a_1 * b_2$ stay *math*, not emphasis.

<script>window.__pwned=1</script> [bad](javascript:alert(1)) [relative](/etc/passwd) `$not math$`

```
code $x$

after a blank line
```
"""


def test_a_note_renders_markdown_math_and_no_raw_html():
    out = render(NOTE)
    assert_inert(out)
    parsed = tags_of(out)
    names = [t for t, _ in parsed.elements]
    text = "".join(parsed.text)
    assert "strong" in names and "em" in names and "pre" in names
    assert names.count("math") == 2 and "msub" in names and "mfrac" in names
    assert "h3" in names and "h1" not in names  # a note's top heading sits under the page's h2
    assert "<script>window.__pwned=1</script>" in text  # shown as text, not run
    assert "$not math$" in text and "code $x$\n\nafter a blank line" in text
    hrefs = [a.get("href") for t, a in parsed.elements if t == "a"]
    assert hrefs == ["https://example.org/s.pdf", None, None]  # javascript: and relative links lose their href


@pytest.mark.parametrize("payload", _hostile_payloads())
def test_hostile_payloads_in_a_note_stay_inert(payload):
    assert_inert(render(payload))
    assert_inert(render(f"Before\n\n{payload}\n\n- item {payload}\n\n> {payload}"))


def test_plain_text_of_a_note_for_search():
    text = plain_text(NOTE)
    assert "Presenter: Mei" in text and "$\\alpha_k" in text and "<strong>" not in text


@pytest.fixture(scope="module")
def lists_site(tmp_path_factory):
    """A small catalog with a note and two lists, one naming a paper that is not in the catalog."""
    root = tmp_path_factory.mktemp("lists")
    content = root / "content"
    for sub in ("papers", "lists"):
        (content / sub).mkdir(parents=True)
    papers = {
        "first-paper": {"title": "First paper", "date": "2021-03-04", "authors": ["Ada Lovelace", "Alan Turing"],
                        "notes": NOTE},
        "second-paper": {"title": "Second paper about $x^2$", "date": "2022"},
        "third-paper": {"title": "Third paper", "date": "2023-01"},
    }
    for pid, rec in papers.items():
        (content / "papers" / f"{pid}.yaml").write_text(yaml.safe_dump({"id": pid, **rec}), encoding="utf-8")
    (content / "lists" / "week.yaml").write_text(yaml.safe_dump({
        "title": "Week </script> list", "description": "Read *these* first.",
        "papers": ["third-paper", {"id": "first-paper", "note": "Session 1: $e^{i\\pi}$", "date": "2026-01-02"},
                   "not-a-paper", "second-paper", "third-paper"],
    }), encoding="utf-8")
    (content / "lists" / "broken.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    build(content, root / "site", root / "work")
    return root


def test_check_reports_unknown_ids_with_file_list_and_position(lists_site):
    content = lists_site / "content"
    loaded = load_content(content)
    problems = check_lists(content, build_catalog(loaded.papers, loaded.authors))
    unknown = [p for p in problems if "not in the catalog" in p.reason]
    assert [(p.file, p.record, p.field) for p in unknown] == [("content/lists/week.yaml", "week", "papers[2]")]
    assert "position 3" in unknown[0].reason
    assert any(p.field == "papers[4]" and "already in this list" in p.reason for p in problems)
    assert any(p.file == "content/lists/broken.yaml" and "invalid YAML" in p.reason for p in problems)
    cwd = os.getcwd()
    os.chdir(lists_site)
    try:
        result = CliRunner().invoke(main, ["check", "--content", "content", "--config-dir", str(ROOT / "site_config")])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 1
    assert "content/lists/week.yaml: record 'week': field 'papers[2]': paper 'not-a-paper' (position 3)" in result.output


def test_list_page_keeps_order_notes_and_links_feed_and_bib(lists_site):
    site = lists_site / "site"
    lists, _ = load_lists(lists_site / "content")
    week = next(rl for rl in lists if rl.slug == "week")
    in_catalog = [e.id for e in week.entries if e.id != "not-a-paper"]
    page = parse_html(site / "lists" / "week" / "index.html")
    titles = [a.get("href", "") for a, _ in page.anchors if "ps-title" in a.get("class", "")]
    assert [h.rstrip("/").rsplit("/", 1)[-1] for h in titles] == in_catalog == ["third-paper", "first-paper", "second-paper"]
    html = (site / "lists" / "week" / "index.html").read_text(encoding="utf-8")
    assert "Week &lt;/script&gt; list" in html and "<em>these</em>" in html and "Read on 2026-01-02" in html
    assert "<math" in html.split("Session 1")[1][:400]
    # The feed parses and lists the papers in order; the .bib parses with one entry per paper.
    feed = feedparser.parse((site / "lists" / "week.atom").read_bytes())
    assert not feed.bozo and [e.title for e in feed.entries] == ["Third paper", "First paper", "Second paper about $x^2$"]
    assert [a.name for a in feed.entries[1].authors] == ["Ada Lovelace", "Alan Turing"]
    bib = bibtexparser.parse_string((site / "lists" / "week.bib").read_text(encoding="utf-8"))
    loaded = load_content(lists_site / "content")
    keys = assign_keys(loaded.papers)
    assert [e.key for e in bib.entries] == [keys[pid] for pid in in_catalog]
    hub = parse_html(site / "lists" / "index.html")
    assert [a.get("href") for a, _ in hub.anchors if "ps-title" in a.get("class", "")] == ["../lists/week/"]
    assert "Read these first." in "".join(hub.text)  # the description's Markdown, as plain text
    # The page advertises its feed in <head>.
    assert any(link.get("type") == "application/atom+xml" and link["href"].endswith("lists/week.atom")
               for link in page.links)
    rss = feedparser.parse((site / "lists" / "week.rss").read_bytes())
    assert [e.title for e in rss.entries] == [e.title for e in feed.entries]


def test_note_with_blank_lines_in_code_survives_the_page(lists_site):
    html = (lists_site / "site" / "papers" / "first-paper" / "index.html").read_text(encoding="utf-8")
    notes = html.split('class="ps-notes"', 1)[1].split("</div>", 1)[0]
    assert "after a blank line" in notes and "<pre>" in notes
    assert_inert(notes.split(">", 1)[1])
    assert "Notes" in html.split('class="ps-notes"', 1)[0][-300:]


def test_seed_site_shows_notes_lists_and_edit_links(seed_site):
    content = load_content(ROOT / "content")
    with_notes = [pid for pid, p in content.papers.items() if p.notes]
    assert with_notes
    for pid in with_notes:
        html = (seed_site / "papers" / pid / "index.html").read_text(encoding="utf-8")
        notes = html.split('class="ps-notes"', 1)[1].split("</div>", 1)[0]
        assert "<math" in notes and 'class="ps-tex"' not in notes, pid
    lists, problems = load_lists(ROOT / "content")
    assert lists and not problems
    edit = CONFIG.repo_url.rstrip("/") + "/" + CONFIG.edit_uri.strip("/") + "/"
    for rl in lists:
        page = parse_html(seed_site / "lists" / rl.slug / "index.html")
        assert sum(1 for a, _ in page.anchors if "ps-title" in a.get("class", "")) == len(rl.entries)
        assert [a["href"] for a, t in page.anchors if t == "Edit this record"] == [edit + rl.file]
    for aid, f in content.author_files.items():
        page = parse_html(seed_site / "authors" / aid / "index.html")
        assert [a["href"] for a, t in page.anchors if t == "Edit this record"] == [edit + f]
    pid = with_notes[0]
    page = parse_html(seed_site / "papers" / pid / "index.html")
    assert [a["href"] for a, t in page.anchors if t == "Edit this record"] == [edit + content.paper_files[pid]]


@pytest.mark.browser
def test_browser_shows_a_paper_with_notes_and_a_reading_list(seed_site, serve, page):
    base = serve(seed_site, "/shelf/")
    content = load_content(ROOT / "content")
    pid = sorted(pid for pid, p in content.papers.items() if p.notes and "](https://" in p.notes)[0]
    SCREENSHOTS.mkdir(exist_ok=True)
    page.goto(f"{base}papers/{pid}/")
    notes = page.locator(".ps-notes").first
    notes.scroll_into_view_if_needed()
    assert notes.locator("math").count() >= 1
    box = notes.locator("math").first.bounding_box()
    assert box and box["width"] > 10 and box["height"] > 5  # MathML is laid out, not hidden source
    assert notes.locator("a[href^='https://']").count() >= 1
    notes.screenshot(path=str(SCREENSHOTS / "paper-notes.png"))
    page.screenshot(path=str(SCREENSHOTS / "paper-with-notes.png"), full_page=True)
    lists, _ = load_lists(ROOT / "content")
    rl = lists[0]
    page.goto(f"{base}lists/{rl.slug}/")
    items = page.locator(".ps-reading .ps-item")
    assert items.count() == len(rl.entries)
    assert page.locator("nav").get_by_text("Lists").count() >= 1
    page.screenshot(path=str(SCREENSHOTS / "reading-list.png"), full_page=True)
    # The feed and the .bib are served from the list's folder under the sub-path.
    assert page.request.get(f"{base}lists/{rl.slug}.atom").ok
    assert page.request.get(f"{base}lists/{rl.slug}.bib").ok
    assert page.js_errors == []  # type: ignore[attr-defined]


def test_every_record_page_links_edit_this_record_even_without_sources(lists_site):
    edit = CONFIG.repo_url.rstrip("/") + "/" + CONFIG.edit_uri.strip("/") + "/"
    loaded = load_content(lists_site / "content")
    assert loaded.papers and not any(p.sources for p in loaded.papers.values())  # hand-written records
    for pid in loaded.papers:
        page = parse_html(lists_site / "site" / "papers" / pid / "index.html")
        assert [a["href"] for a, t in page.anchors if t == "Edit this record"] == [edit + f"content/papers/{pid}.yaml"]
    week = parse_html(lists_site / "site" / "lists" / "week" / "index.html")
    assert [a["href"] for a, t in week.anchors if t == "Edit this record"] == [edit + "content/lists/week.yaml"]
