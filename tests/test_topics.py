"""Topic rules (site_config/topics.yaml) and the cache of what they found."""

from __future__ import annotations

import copy

from generator.content import load_content
from generator.topics import TopicRules, apply_rules, load_rules

from .conftest import ROOT


def _topics(rules: TopicRules, papers: dict, cache=None) -> dict[str, list[str]]:
    papers = copy.deepcopy(papers)
    apply_rules(rules, papers.values(), cache=cache)
    return {pid: p.topics for pid, p in papers.items()}


def test_cached_topics_equal_topics_found_anew_and_new_rules_are_not_answered_from_the_cache(tmp_path):
    papers = load_content(ROOT / "content").papers
    rules = load_rules(ROOT / "site_config" / "topics.yaml")
    assert rules is not None
    plain = _topics(rules, papers)
    assert sum(len(t) for t in plain.values()) > len(papers)  # the rules find topics in the seed catalog
    cache = tmp_path / "topics-cache.pickle"
    assert _topics(rules, papers, cache) == plain  # fills the cache
    assert cache.is_file()
    rules.topics_for = lambda text: (_ for _ in ()).throw(AssertionError("not cached"))  # type: ignore[method-assign]
    assert _topics(rules, papers, cache) == plain  # every text answered from the cache
    other = TopicRules({"Only this": ["language model"]})
    fresh = _topics(other, papers, cache)
    assert fresh == _topics(other, papers) != plain
