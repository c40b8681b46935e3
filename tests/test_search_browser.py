"""Search in a real browser: header box, search page, facets, deep links, sub-path, keyboard."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from generator.catalog import build_catalog
from generator.content import load_content
from generator.pages.common import paper_url

from .conftest import ROOT

pytestmark = pytest.mark.browser


def _papers():
    content = load_content(ROOT / "content")
    return build_catalog(content.papers, content.authors).papers


def _title_query(title: str) -> str:
    return " ".join(re.sub(r"[^\w\s-]", " ", title).split()[:8])


def test_header_box_finds_papers_by_title_and_author(seed_site, serve, page):
    base = serve(seed_site)
    papers = _papers()
    page.goto(base + "papers/")
    picks = sorted(papers.values(), key=lambda p: p.id)[::60][:4]
    for p in picks:
        page.fill("#ps-hq", _title_query(p.title))
        first = page.locator("#ps-hresults .ps-hit__title").first
        first.wait_for()
        page.wait_for_function(
            "h => { const a = document.querySelector('#ps-hresults .ps-hit__title'); return a && a.href.endsWith(h); }",
            arg=paper_url(p.id), timeout=10_000)
    with_authors = [p for p in papers.values() if p.authors]
    if with_authors:
        p = with_authors[0]
        last = p.authors[0].name.split()[-1]
        page.fill("#ps-hq", f"author:{last}")
        page.wait_for_selector(f'#ps-hresults a[href$="{paper_url(p.id)}"]', state="attached")
    assert page.js_errors == []


def test_keyboard_slash_arrows_enter_escape(seed_site, serve, page):
    base = serve(seed_site)
    p = sorted(_papers().values(), key=lambda p: p.id)[3]
    page.goto(base)
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "ps-hq"
    page.keyboard.type(_title_query(p.title))
    page.wait_for_selector("#ps-hresults .ps-hit__title")
    page.keyboard.press("Escape")
    assert page.is_hidden("#ps-hresults")
    page.keyboard.press("ArrowDown")
    page.keyboard.type(" ")  # reopen with the same query
    page.wait_for_selector(f'#ps-hresults a[href$="{paper_url(p.id)}"]')
    # Answers to earlier keystrokes may still land and redraw the list (which
    # resets the selection); let them settle on a loaded machine.
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    page.keyboard.press("ArrowDown")
    page.wait_for_selector('#ps-hopt-0[aria-selected="true"]', timeout=3000)
    page.keyboard.press("Enter")
    page.wait_for_url("**/" + paper_url(p.id))
    assert page.js_errors == []


def test_typo_gets_a_fuzzy_fallback(seed_site, serve, page):
    base = serve(seed_site)
    p = next(p for p in sorted(_papers().values(), key=lambda p: p.id)
             if any(len(w) >= 9 and w.isalpha() for w in p.title.split()))
    word = next(w for w in p.title.split() if len(w) >= 9 and w.isalpha())
    typo = word[:2] + ("x" if word[2] != "x" else "z") + word[3:]  # one letter mistyped
    page.goto(base + f"search/?q={quote(typo)}")
    page.wait_for_selector(f'.ps-sp-list a[href$="{paper_url(p.id)}"]', state="attached")
    assert "close spellings" in page.inner_text(".ps-sp-status")


def _count(page) -> int:
    text = page.inner_text(".ps-sp-status")
    m = re.match(r"([\d,]+) paper", text)
    assert m, text
    return int(m.group(1).replace(",", ""))


def test_facets_narrow_and_deep_links_restore(seed_site, serve, page):
    base = serve(seed_site)
    page.goto(base + "search/?q=model")
    page.wait_for_selector(".ps-facet .ps-facet__value")
    total = _count(page)
    assert total > 3
    # The first non-year facet value with fewer papers than the whole list.
    buttons = page.locator(".ps-facet:not([data-facet=year]) .ps-facet__value")
    pick = None
    for k in range(buttons.count()):
        n = int(buttons.nth(k).locator(".ps-facet__count").inner_text())
        if n < total:
            pick = buttons.nth(k)
            break
    assert pick is not None, "no facet value narrows the list"
    value = pick.get_attribute("data-value")
    facet = pick.locator("xpath=ancestor::section").get_attribute("data-facet")
    pick.click()
    page.wait_for_function("n => /^[\\d,]+ paper/.test(document.querySelector('.ps-sp-status').textContent)"
                           " && parseInt(document.querySelector('.ps-sp-status').textContent.replace(/,/g, '')) < n",
                           arg=total)
    narrowed = _count(page)
    assert narrowed == n
    assert f"{facet}=" in page.url
    # A deep link restores the query and the filter.
    deep = page.url
    page.goto(base)
    page.goto(deep)
    page.wait_for_selector(f'.ps-facet__value[aria-pressed=true][data-value="{value}"]')
    assert page.input_value("#ps-sp-q") == "model"
    assert _count(page) == narrowed
    # Back undoes the filter (history entry pushed by the click).
    page.goto(base + "search/?q=model")
    page.wait_for_selector(".ps-facet .ps-facet__value")
    page.locator(f'.ps-facet[data-facet="{facet}"] .ps-facet__value[data-value="{value}"]').click()
    page.wait_for_selector(f'.ps-facet__value[aria-pressed=true][data-value="{value}"]')
    page.go_back()
    page.wait_for_function("() => !document.querySelector('.ps-facet__value[aria-pressed=true]')")
    assert _count(page) == total
    # year: narrows by the year facet rows of the worker
    years = [int(y) for y in re.findall(r"(\d{4})", page.inner_text('.ps-facet[data-facet="year"]'))]
    if years:
        y = max(years)
        page.fill("#ps-sp-q", f"model year:{y}")
        page.wait_for_function("() => /^[\\d,]+ paper/.test(document.querySelector('.ps-sp-status').textContent)")
        page.wait_for_function("n => parseInt(document.querySelector('.ps-sp-status').textContent.replace(/,/g, ''))"
                               " < n", arg=total)
        assert page.js_errors == []


def test_works_under_a_project_sub_path(seed_site, serve, page):
    base = serve(seed_site, "/repo/")
    assert base.endswith("/repo/")
    p = sorted(_papers().values(), key=lambda p: p.id)[7]
    page.goto(base + paper_url(sorted(_papers())[0]))  # a page two levels deep
    page.fill("#ps-hq", _title_query(p.title))
    link = page.locator(f'#ps-hresults a[href="{base}{paper_url(p.id)}"]')
    link.wait_for(state="attached")
    page.keyboard.press("Enter")  # nothing selected: the full search page, still under /repo/
    page.wait_for_url(re.compile(re.escape(base) + r"search/\?q="))
    page.wait_for_selector(f'.ps-sp-list a[href="{base}{paper_url(p.id)}"]', state="attached")
    assert page.js_errors == []


def test_words_typed_before_the_search_script_ran_are_searched(seed_site, serve, page):
    """search.js loads async: a reader quicker than the network still gets results."""
    base = serve(seed_site)
    p = sorted(_papers().values(), key=lambda p: p.id)[5]
    held: list = []
    page.route("**/search/search.js", lambda route: held.append(route))  # answered after the reader typed
    page.goto(base, wait_until="domcontentloaded")  # does not wait for an async script
    page.fill("#ps-hq", _title_query(p.title))
    page.wait_for_timeout(300)
    assert len(held) == 1 and page.evaluate("document.querySelector('#ps-hresults .ps-hit')") is None
    held[0].continue_()
    page.wait_for_selector(f'#ps-hresults a[href$="{paper_url(p.id)}"]', state="attached")
    assert page.js_errors == []


def test_header_box_shows_the_leading_hits_before_the_other_rows_arrive(seed_site, serve, page):
    """The worker asks for the result rows in rank order and sends the hits whose rows are in at once."""
    base = serve(seed_site)
    p = sorted(_papers().values(), key=lambda p: p.id)[11]
    first: list = []
    held: list = []

    def rows(route):
        # The first row file asked for is the top hit's; every later one waits.
        if not first or route.request.url == first[0]:
            first.append(route.request.url)
            route.continue_()
        else:
            held.append(route)

    page.context.route("**/search/idx/d/*.json", rows)
    page.goto(base)
    page.fill("#ps-hq", _title_query(p.title))
    page.wait_for_selector(f'#ps-hresults a[href$="{paper_url(p.id)}"]', state="attached")
    page.wait_for_timeout(200)
    assert held, "every hit's row was in one file: nothing to hold back"
    assert page.evaluate("document.querySelector('#ps-hresults').getAttribute('aria-busy')") == "true"
    assert page.evaluate("document.querySelector('#ps-hresults .ps-hit--more')") is None  # the answer is not in
    leading = page.evaluate("document.querySelectorAll('#ps-hresults .ps-hit__title').length")
    assert page.evaluate("document.querySelector('#ps-hresults .ps-hit__title').href").endswith(paper_url(p.id))
    for route in held:
        route.continue_()
    page.wait_for_selector("#ps-hresults .ps-hit--more")
    assert page.evaluate("document.querySelector('#ps-hresults').getAttribute('aria-busy')") == "false"
    assert page.evaluate("document.querySelectorAll('#ps-hresults .ps-hit__title').length") > leading
    assert page.evaluate("document.querySelector('#ps-hresults .ps-hit__title').href").endswith(paper_url(p.id))
    assert page.js_errors == []


def test_no_material_search_index_is_shipped(seed_site):
    assert not (seed_site / "search" / "search_index.json").exists()
    assert (seed_site / "search" / "worker.js").is_file()
    assert (seed_site / "search" / "idx" / "manifest.json").is_file()


def test_material_starts_after_the_search_in_flight_is_answered(seed_site, serve, page):
    """main.html runs mkdocs-material's bundle after load, and not while a header search waits for its answer."""
    base = serve(seed_site)
    p = sorted(_papers().values(), key=lambda p: p.id)[9]
    script: list = []
    shards: list = []
    hold = [True]
    # search.js (async) holds up the load event until it has run: the reader types before load.
    page.route("**/search/search.js", lambda route: script.append(route))
    page.context.route("**/search/idx/s/*.json",  # the answer waits
                       lambda route: shards.append(route) if hold[0] else route.continue_())
    page.goto(base, wait_until="domcontentloaded")
    page.fill("#ps-hq", _title_query(p.title))
    page.wait_for_timeout(100)
    assert len(script) == 1
    script[0].continue_()
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    assert shards, "the query asked for no index shard"
    # Neither run nor even fetched: its download would share the connections with the shards.
    assert page.evaluate("typeof window.component$") == "undefined"
    assert page.evaluate("performance.getEntriesByType('resource').filter(e => /bundle\\.[0-9a-f]+\\.min\\.js$/"
                         ".test(e.name)).length") == 0
    hold[0] = False
    for route in shards:
        route.continue_()
    page.wait_for_selector(f'#ps-hresults a[href$="{paper_url(p.id)}"]', state="attached")
    # Then the theme starts, with the listeners it hung on DOMContentLoaded: its components mount.
    page.wait_for_function("typeof window.component$ !== 'undefined'")
    page.wait_for_function("document.querySelector('.md-top') && document.querySelector('.md-top').style.top !== ''")
    page.mouse.wheel(0, 3000)
    page.wait_for_selector(".md-header__title--active")
    assert page.js_errors == []


def test_material_starts_after_the_first_paint(seed_site, serve, page):
    """The load event may come before the page's first paint: the theme's start-up waits for the paint."""
    base = serve(seed_site)
    # Nothing contentful is painted until the test shows the page, well after load.
    page.add_init_script("if (window === window.top) { const s = new CSSStyleSheet();"
                         " s.replaceSync('html { visibility: hidden }'); document.adoptedStyleSheets = [s]; }")
    bundle = "performance.getEntriesByType('resource').filter(e => /bundle\\.[0-9a-f]+\\.min\\.js$/.test(e.name))"
    # Looked at from inside the page, 400 ms after its load event: the theme's own fallback
    # starts it 1 s after load even unpainted.  On a loaded machine the look can come later
    # than that; such a run says nothing and the page is opened again.
    look = ("new Promise(done => { const at = () => setTimeout(() => done(["
            "performance.now() - performance.getEntriesByType('navigation')[0].loadEventEnd, "
            "performance.getEntriesByName('first-contentful-paint').length, "
            f"{bundle}.length, typeof window.component$]), 400); "
            "if (document.readyState === 'complete') at(); else addEventListener('load', at, {once: true}); })")
    for _attempt in range(4):
        page.goto(base + "papers/")
        late, painted, fetched, component = page.evaluate(look)
        if late < 900:
            break
    assert late < 900, "the page could not be looked at within 900 ms of its load event"
    assert (painted, fetched, component) == (0, 0, "undefined")
    page.evaluate("document.adoptedStyleSheets = []")
    page.wait_for_function("typeof window.component$ !== 'undefined'")
    fcp = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0].startTime")
    assert page.evaluate(bundle + "[0].startTime") >= fcp
    assert page.js_errors == []


def test_material_starts_at_load_without_a_search(seed_site, serve, page):
    base = serve(seed_site)
    page.goto(base + "papers/")
    page.wait_for_function("typeof window.component$ !== 'undefined'")
    page.mouse.wheel(0, 3000)
    page.wait_for_selector(".md-header__title--active")
    assert page.js_errors == []
