"""Topics derived from titles and abstracts by phrase rules (site_config/topics.yaml).

Listings rarely carry topics, yet topic pages and facets are how readers
browse.  A small, editable phrase list gives every paper its topics at build
time without touching the records; a record's own topics come first.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from .errors import ConfigError
from .model import Paper
from .writer import load_keyed_pickle, save_pickle


class TopicRules:
    """Phrase rules compiled into two regexes: case-insensitive and exact-case."""

    def __init__(self, rules: dict[str, list[str]]):
        self.digest = hashlib.blake2b(repr(sorted(rules.items())).encode("utf-8"), digest_size=16).digest()
        self.topic_of: dict[str, str] = {}
        loose, exact = [], []
        for topic, phrases in rules.items():
            for phrase in phrases:
                if phrase.isupper() or any(c.isupper() for c in phrase[1:]):
                    self.topic_of[phrase] = topic
                    exact.append(phrase)
                else:
                    self.topic_of[phrase.lower()] = topic
                    loose.append(phrase.lower())
        self.order = {t: n for n, t in enumerate(rules)}
        self.loose = _alternation(loose, re.I)
        self.exact = _alternation(exact, 0)

    def topics_for(self, text: str) -> list[str]:
        found: set[str] = set()
        if self.loose:
            found.update(self.topic_of[m.group(0).lower()] for m in self.loose.finditer(text))
        if self.exact:
            found.update(self.topic_of[m.group(0)] for m in self.exact.finditer(text))
        return sorted(found, key=self.order.__getitem__)


def _alternation(phrases: list[str], flags: int) -> re.Pattern[str] | None:
    if not phrases:
        return None
    # Longest first, so "large language models" wins over "large language model".
    body = "|".join(re.escape(p) for p in sorted(set(phrases), key=lambda p: (-len(p), p)))
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", flags)


def load_rules(path: Path) -> TopicRules | None:
    """Read topic rules; None when the file does not exist."""
    if not path.exists():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read topic rules: {str(e).splitlines()[0]}") from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(x, str) and x.strip() for x in v)
        for k, v in data.items()
    ):
        raise ConfigError(f"{path}: topic rules must map each topic name to a list of phrases")
    return TopicRules({k: [x.strip() for x in v] for k, v in data.items()})


def apply_rules(rules: TopicRules, papers: Iterable[Paper], cache: Path | None = None) -> None:
    """Add derived topics after each paper's own topics (in the rules' order).

    With ``cache`` (a file in the work folder), the topics found in each
    title and abstract are remembered for the next build under the same
    rules: matching the rules' phrases against every abstract is over a
    second at 10k papers, and an incremental build changes a few of them.
    """
    known: dict[bytes, list[str]] = {}
    if cache is not None:  # missing, unreadable or under other rules: every text is matched
        known = load_keyed_pickle(cache, rules.digest) or {}  # type: ignore[assignment]
    used: dict[bytes, list[str]] = {}
    for p in papers:
        text = f"{p.title}\n{p.abstract or ''}"
        key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        found = known.get(key)
        if found is None:
            found = rules.topics_for(text)
        used[key] = found
        for topic in found:
            if topic not in p.topics:
                p.topics.append(topic)
    if cache is not None and used != known:
        save_pickle(cache, (rules.digest, used))
