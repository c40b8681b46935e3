"""Text -> index terms, the same way lunr.js does it in the browser.

lunr.js runs tokenizer -> trimmer -> stopWordFilter -> stemmer when it
indexes, and the stemmer alone on query terms.  We write lunr's serialized
index ourselves, so our Python pipeline must give the very terms lunr.js
would: split on whitespace and hyphens, lower-case, trim ASCII non-word
characters at both ends (JavaScript's ``\\W`` is ASCII-only), drop English
stop words, then Porter-stem.  The stop word list and the stemmer come from
the ``lunr`` package (a port of lunr.js); tests check the stems against
lunr.js itself when Node is available.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lunr.stemmer import PorterStemmer
from lunr.stop_word_filter import WORDS as STOP_WORDS

# lunr.tokenizer.separator is /[\s\-]+/; we also split on URL and list
# punctuation so 'github.com/org/tool' or 'a,b' index their parts ('.' stays:
# ids like 2401.12345).  The worker splits queries with the same SEPARATOR.
SEPARATOR = r"[\s\-/:,;()\[\]{}\"'?!=&|<>]+"
_SPLIT = re.compile(SEPARATOR)
# lunr.trimmer: str.replace(/^\W+/, '').replace(/\W+$/, '') with ASCII \W
_TRIM_HEAD = re.compile(r"^\W+", re.ASCII)
_TRIM_TAIL = re.compile(r"\W+$", re.ASCII)



class _LunrStemmer(PorterStemmer):
    """lunr.py's Porter stemmer with lunr.js's step 1c.

    lunr.js turns a final y into i only after a consonant
    (``/^(.+?[^aeiou])y$/``: 'barzilay' stays, 'cry' -> 'cri'); lunr.py
    follows Porter's paper (any vowel earlier in the stem).  The browser
    stems queries with lunr.js, so the index must agree with it.
    """

    def step1c(self) -> None:
        b: str = self.b  # type: ignore[has-type]  # lunr.py leaves it unannotated
        if self.ends("y") and self.k >= 2 and b[self.k - 1] not in "aeiou":
            self.b = b[: self.k] + "i" + b[self.k + 1:]


_stemmer = _LunrStemmer()
STOPS = frozenset(STOP_WORDS)


def form(word: str) -> str:
    """One lower-cased, split word -> the word as typed, trimmed ('' for a stop word).

    The worker compares this form (lunr.trimmer's output) with the forms a
    paper holds, so a query word matching the paper's exact word beats one
    matching only its stem ('linearities' vs 'linear').
    """
    w = _TRIM_TAIL.sub("", _TRIM_HEAD.sub("", word))
    return "" if w in STOPS else w


def stem(form: str) -> str:
    """A trimmed word that is not a stop word -> its index term."""
    return _stemmer.stem(form)


@lru_cache(maxsize=1 << 18)
def term(word: str) -> str:
    """One lower-cased, split word -> its index term ('' when dropped).

    Cached: a catalog has far fewer distinct words than words, and the
    stemmer is the slow part of indexing.
    """
    w = form(word)
    return _stemmer.stem(w) if w else ""


def words(value: str) -> list[str]:
    """A text's lower-cased words, split as lunr.js and the worker split them (before trimming)."""
    return [w for w in _SPLIT.split(value.lower()) if w]


def terms(value: str | None) -> list[str]:
    """All index terms of a text, in order (repeats kept, for term frequency)."""
    if not value:
        return []
    out = []
    for word in _SPLIT.split(value.lower()):
        if word:
            t = term(word)
            if t:
                out.append(t)
    return out
