"""BibTeX out: stable, unique keys and correctly escaped values.

Keys are ``<first author's last name><year><first title word>`` folded to
ASCII (``zhang2020cyclical``), with ``a``, ``b``, ... appended in paper-id
order when two papers would share one, so a key never changes unless the
catalog gains a paper that collides with it.
"""

from __future__ import annotations

import functools
import re

from ..ids import fold
from ..model import Paper

TYPE_MAP = {
    "article": "article", "inproceedings": "inproceedings", "proceedings": "proceedings", "book": "book",
    "inbook": "inbook", "incollection": "incollection", "thesis": "phdthesis", "techreport": "techreport",
    "report": "techreport", "manual": "manual", "preprint": "misc", "misc": "misc", "dataset": "misc",
    "software": "misc",
}
STOP = {"a", "an", "the", "on", "of", "for", "in", "to", "and", "with", "via", "towards", "toward", "is", "are"}
_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "#": r"\#",
            "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "$": r"\$"}
# One pass over every special, "$" included: escaping "$" first and then "\\"
# would turn the new "\$" into "\textbackslash{}$".
_SPECIAL_RE = re.compile(r"[\\{}&%#_~^$]")
# Inline math as the pages' escaping layer sees it (generator.safe): "$5, not $x$"
# is a dollar amount followed by math, not one formula.
_MATH = re.compile(r"((?<![\\$\w])\$(?=\S)[^$\n]{1,400}?(?<=\S)\$(?![\w$]))")


# Control words that define, read, write or link: never passed through from a record, even
# though the math converter knows some of them.
_UNSAFE_TEX = {"\\def", "\\href", "\\url", "\\class", "\\style", "\\unicode", "\\DeclareMathOperator",
               "\\newcommand", "\\renewcommand", "\\providecommand"}


_MATH_ENVS = {"matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix", "cases", "array",
              "aligned", "alignedat", "gathered", "split", "subarray", "align", "align*", "equation", "equation*"}


@functools.cache
def _math_commands() -> frozenset[str]:
    """The control words of ordinary math: those latex2mathml (a maintained converter) knows."""
    from latex2mathml import commands
    from latex2mathml.symbols_parser import SYMBOLS

    known = {v for k, v in vars(commands).items() if k.isupper() and isinstance(v, str) and v.startswith("\\")}
    return frozenset((known | set(SYMBOLS)) - _UNSAFE_TEX)


def _plain_math(part: str) -> bool:
    """True for "$...$" that is only math: braces balanced, no \\input, \\write18, \\def, ..."""
    if part.count("{") != part.count("}"):
        return False
    # \\begin{filecontents} writes a file: only the math environments may open.
    if any(env not in _MATH_ENVS for env in re.findall(r"\\(?:begin|end)\s*\{([^}]*)\}", part)):
        return False
    return all(word in _math_commands() for word in re.findall(r"\\[A-Za-z]+", part))


def escape(value: str) -> str:
    """A value safe inside BibTeX braces: specials escaped, $math$ kept as math.

    Math passes through only when every control word in it is ordinary math, so a record
    cannot hand LaTeX an \\input, \\write18 or \\def to run when the .bib is compiled.
    """
    value = " ".join(value.split())
    out = []
    for i, part in enumerate(_MATH.split(value)):
        if i % 2 == 1 and _plain_math(part):
            out.append(part)  # inline math passes through; braces balanced
        else:
            out.append(_SPECIAL_RE.sub(lambda m: _SPECIAL[m.group(0)], part))
    return "".join(out)


def base_key(p: Paper) -> str:
    last = ""
    if p.authors:
        name = p.authors[0].name
        last = name.split(",")[0] if "," in name else name.split()[-1]
    first = _first_word(p.title)
    key = f"{fold(last).replace(' ', '')}{p.year or ''}{first}"
    return re.sub(r"[^a-z0-9]", "", key) or "paper"


def _first_word(title: str, probe: int = 48) -> str:
    """The first folded title word that is not a stop word ("paper" when there is none).

    Folding (transliteration) is per character, so the words of a folded prefix are
    the first words of the folded title, but for the last, which the cut may split:
    folding the first ``probe`` characters is enough unless they hold no usable word."""
    if len(title) > probe:
        words = fold(title[:probe]).split()[:-1]
        for w in words:
            if w not in STOP:
                return w
    words = [w for w in fold(title).split() if w not in STOP]
    return words[0] if words else "paper"


def assign_keys(papers: dict[str, Paper]) -> dict[str, str]:
    """Paper id -> a BibTeX key unique in the catalog."""
    groups: dict[str, list[str]] = {}
    for pid in sorted(papers):
        groups.setdefault(base_key(papers[pid]), []).append(pid)
    keys = {}
    # A suffixed key must not equal another paper's base key ("smith2020graph" + "s"
    # against a paper titled "Graphs ..."): bases are taken first, suffixes skip them.
    taken = {base for base, ids in groups.items() if len(ids) == 1}
    for base, ids in groups.items():
        if len(ids) == 1:
            keys[ids[0]] = base
            continue
        n = 0
        for pid in ids:
            while base + _suffix(n) in taken:
                n += 1
            keys[pid] = base + _suffix(n)
            taken.add(keys[pid])
            n += 1
    return keys


def _suffix(n: int) -> str:
    """0 -> a, 25 -> z, 26 -> aa, ...: the letters that tell colliding keys apart."""
    suffix = ""
    while True:
        suffix = chr(ord("a") + n % 26) + suffix
        n = n // 26 - 1
        if n < 0:
            return suffix


def entry(p: Paper, key: str, site_url: str | None = None) -> str:
    """One BibTeX entry for ``p``."""
    etype = TYPE_MAP.get(p.type or "misc", "misc")
    fields: list[tuple[str, str]] = [("title", "{" + escape(p.title) + "}")]
    if p.authors:
        fields.append(("author", " and ".join(_name(a.name) for a in p.authors)))
    if p.year:
        fields.append(("year", str(p.year)))
    if p.date and len(p.date) >= 7:
        fields.append(("month", str(int(p.date[5:7]))))
    if p.venue:
        vf = {"article": "journal", "inproceedings": "booktitle", "incollection": "booktitle",
              "inbook": "booktitle"}.get(etype, "howpublished")
        fields.append((vf, escape(p.venue)))
    if p.doi:
        fields.append(("doi", escape(p.doi)))
    if p.arxiv:
        fields += [("eprint", p.arxiv), ("archiveprefix", "arXiv")]
    url = p.url or (f"https://arxiv.org/abs/{p.arxiv}" if p.arxiv else None) or site_url
    if url:
        fields.append(("url", url.replace("{", "%7B").replace("}", "%7D")))
    if p.abstract:
        fields.append(("abstract", escape(p.abstract)))
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
    return f"@{etype}{{{key},\n{body}\n}}\n"


def _name(name: str) -> str:
    # "and" inside a name would split it; braces keep it one name.
    n = escape(name)
    return "{" + n + "}" if re.search(r"\band\b", name, re.I) else n
