"""The built seed site in headless Chromium: follow paper -> author -> listing."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

TITLE = "Cyclical Stochastic Gradient MCMC for Bayesian Deep Learning"


@pytest.mark.parametrize("prefix", ["/", "/papershelf/"])
def test_paper_author_listing_path(seed_site, serve, page, prefix):
    base = serve(seed_site, prefix)
    page.goto(base + "papers/")
    assert page.title().startswith("All papers")
    # The all-papers listing is paginated; find the paper through the author index instead
    # when it is not on the first page.
    page.goto(base + "authors/")
    page.get_by_role("link", name="Ruqi Zhang").first.click()
    page.wait_for_url("**/authors/ruqi-zhang/")
    assert page.locator("h1").first.inner_text() == "Ruqi Zhang"
    assert "Works (8)" in page.content()
    # Author -> paper
    page.get_by_role("link", name=TITLE).first.click()
    page.wait_for_url("**/papers/cyclical-stochastic-gradient-mcmc-for-bayesian-deep-learning-2020/")
    assert page.locator("h1").first.inner_text() == TITLE
    # Paper -> author (linked) -> back, then paper -> year listing
    assert page.get_by_role("link", name="Ruqi Zhang").count() >= 1
    page.get_by_role("link", name="2020", exact=True).first.click()
    page.wait_for_url("**/years/2020/")
    assert TITLE in page.locator("article").inner_text()
    # Listing -> home through the header link keeps the sub-path.
    assert page.url.startswith(base)
    assert not page.js_errors


def test_math_renders_as_mathml(seed_site, serve, page):
    base = serve(seed_site)
    page.goto(base + "papers/analytical-correction-for-subsampling-bias-in-drifting-models-2026/")
    math = page.locator(".ps-abstract math")
    assert math.count() >= 1
    # MathML is laid out by the browser: it has a real box, not raw "$n$" text.
    box = math.first.bounding_box()
    assert box and box["width"] > 0
    assert "$n$" not in page.locator(".ps-abstract").inner_text()


def test_daily_listing_sorted_by_upvotes(seed_site, serve, page):
    base = serve(seed_site)
    page.goto(base + "daily/2026-05-26/")
    votes = [int(t.strip("▲ ")) for t in page.locator(".ps-upvotes").all_inner_texts()]
    assert votes and votes == sorted(votes, reverse=True)
