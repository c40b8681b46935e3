"""Property tests (Hypothesis) over the record model and the escaping layer.

- Model: any valid Paper or Author survives to_dict -> paper_from_record (and the same through
  the YAML emitter and loader) unchanged and without problems.
- Escaping: safe.text/attr never yield markup characters and unescape back to the input;
  safe.rich/paragraphs never yield a tag outside the MathML allow-list (plus their own span and
  code wrappers) nor an attribute outside it; json_script never contains '</' or '<' and
  parses back to the data; safe.url/link only ever produce http(s) links; slugs are valid ids.
- Front matter: any page meta of strings reads back through both YAML loaders (the C one
  MkDocs uses, and the pure-Python one) as the same values, and no line of a value can
  close the front matter.
"""

from __future__ import annotations

import datetime
import html
import json
import re
from html.parser import HTMLParser

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator import safe
from generator.content import dump_yaml
from generator.ids import slug
from generator.model import (
    ID_RE,
    PAPER_FIELDS,
    PAPER_TYPES,
    Author,
    AuthorRef,
    Paper,
    Source,
    author_from_record,
    paper_from_record,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------
# Strategies for valid, normalised records.
# --------------------------------------------------------------------------

# Any Unicode except surrogates (not encodable as UTF-8, so not in a file).
_chars = st.characters(blacklist_categories=("Cs",))
raw_text = st.text(_chars, min_size=1, max_size=40)
# Stored text is stripped; names and titles have their whitespace collapsed.
text = raw_text.map(str.strip).filter(bool)
line = raw_text.map(lambda s: " ".join(s.split())).filter(bool)
ident = st.from_regex(r"[a-z0-9](?:[a-z0-9._-]{0,20}[a-z0-9])?", fullmatch=True)
url = st.from_regex(r"https?://[a-z0-9-]{1,12}\.[a-z]{2,4}/[A-Za-z0-9._~%/?=&+-]{0,24}", fullmatch=True)
orcid = st.from_regex(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", fullmatch=True)
day = st.dates(min_value=datetime.date(1000, 1, 1), max_value=datetime.date(9999, 12, 31)).map(
    lambda d: d.isoformat())
date = st.one_of(day, day.map(lambda d: d[:7]), day.map(lambda d: d[:4]))
str_map = st.dictionaries(text, text, max_size=3)
uniq = st.lists(text, unique=True, max_size=4)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | raw_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)


def opt(strategy):
    return st.none() | strategy


source = st.builds(Source, format=text, file=text, key=st.just("") | text)
author_ref = st.builds(AuthorRef, name=line, id=opt(ident), affiliation=opt(text), orcid=opt(orcid), ids=str_map)
extra = st.dictionaries(text.filter(lambda k: k not in PAPER_FIELDS and k not in (
    "id", "name", "aliases", "affiliation", "bio", "orcid", "homepage", "figures", "not_same_as", "kind")),
    json_value, max_size=3)

paper = st.builds(
    Paper,
    id=ident, title=line, authors=st.lists(author_ref, max_size=4),
    author_count=opt(st.integers(0, 10**6)), abstract=opt(text), date=opt(date), venue=opt(text),
    type=opt(st.sampled_from(PAPER_TYPES)),
    arxiv=opt(st.from_regex(r"\d{4}\.\d{4,5}", fullmatch=True)),
    doi=opt(st.from_regex(r"10\.\d{4,9}/[a-z0-9._-]{0,12}[a-z0-9]", fullmatch=True)),
    url=opt(url), pdf=opt(url), code=opt(url), ids=str_map, orgs=uniq, topics=uniq,
    upvotes=opt(st.integers(0, 10**6)), listed=st.lists(day, unique=True, max_size=3).map(sorted),
    references=uniq, notes=opt(text), sources=st.lists(source, max_size=3), extra=extra,
)
author = st.builds(
    Author,
    id=ident, name=line, aliases=uniq, affiliation=opt(text), bio=opt(text), orcid=opt(orcid),
    homepage=opt(url), topics=uniq, ids=str_map,
    figures=st.dictionaries(text, st.integers(0, 10**6) | text, max_size=3),
    not_same_as=st.lists(ident, unique=True, max_size=2), sources=st.lists(source, max_size=2), extra=extra,
)


# --------------------------------------------------------------------------
# The model round trip.
# --------------------------------------------------------------------------


@SETTINGS
@given(paper)
def test_paper_round_trips_through_its_record(p):
    back, problems = paper_from_record(p.to_dict(), "x.yaml")
    assert problems == []
    assert back == p


@SETTINGS
@given(paper)
def test_paper_round_trips_through_yaml(p):
    data = yaml.safe_load(dump_yaml(p.to_dict()))
    back, problems = paper_from_record(data, "x.yaml")
    assert problems == []
    assert back == p


@SETTINGS
@given(author)
def test_author_round_trips_through_yaml(a):
    data = yaml.safe_load(dump_yaml(a.to_dict()))
    back, problems = author_from_record(data, "x.yaml")
    assert problems == []
    assert back == a


@SETTINGS
@given(st.lists(paper, min_size=1, max_size=4, unique_by=lambda p: p.id))
def test_papers_round_trip_through_json_lines(tmp_path_factory, papers):
    # Any text a record may hold (U+2028, NUL, ...) survives the JSON Lines reader, one record a line.
    from generator.ingest import IngestContext
    from generator.ingest.native import parse

    path = tmp_path_factory.mktemp("jsonl") / "in.jsonl"
    path.write_text("\n".join(json.dumps(p.to_dict(), ensure_ascii=False) for p in papers) + "\n",
                    encoding="utf-8")
    items = list(parse(path, IngestContext()))
    assert all(isinstance(i, Paper) for i in items), [i for i in items if not isinstance(i, Paper)]
    for got, want in zip(items, papers, strict=True):
        assert got.sources[-1] == Source("json", "in.jsonl", want.id)
        got.sources.pop()
        assert got == want


# --------------------------------------------------------------------------
# The escaping layer.
# --------------------------------------------------------------------------

# Text full of the characters and snippets that matter: markup, math delimiters, LaTeX.
SNIPPETS = ["<", ">", "&", '"', "'", "$", "$$", "\\(", "\\)", "\\", "{", "}", "^", "_", "</math>", "<script>",
            "\\href{javascript:x}{y}", "\\text{<b>}", "\\frac{a}{b}", "\\sqrt{x}", "\\mathrm{x}", "\\unicode{60}",
            "&lt;", "&#60;", "x", "2", " ", "\n", "\n\n", "onload=", "javascript:", "\\begin{matrix}", "\\end{matrix}",
            "\u2028", "]]>", "<!--", "\\operatorname{<}", "\\style{color:red}{x}", "\\class{x}{y}"]
tricky = st.lists(st.sampled_from(SNIPPETS) | raw_text, max_size=25).map("".join)
ALLOWED_TAGS = safe.MATHML_TAGS | {"span", "code", "p"}
ALLOWED_ATTRS = safe.MATHML_ATTRS | {"class"}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    handle_startendtag = handle_starttag


def _parse(markup: str) -> _Tags:
    p = _Tags()
    p.feed(markup)
    p.close()
    return p


@SETTINGS
@given(tricky)
def test_text_escapes_every_markup_character(s):
    out = safe.text(s)
    assert not set(out) & set("<>\"'")
    assert html.unescape(out) == s
    assert safe.attr(s) == out


@SETTINGS
@given(tricky)
def test_rich_yields_only_allow_listed_markup(s):
    for out in (safe.rich(s), safe.paragraphs(s)):
        parsed = _parse(out)
        assert set(parsed.tags) <= ALLOWED_TAGS, out
        assert {name for name, _ in parsed.attrs} <= ALLOWED_ATTRS, out
        # Every '<' starts an allow-listed tag: none is left over as raw text.
        for m in re.finditer(r"<", out):
            tag = re.match(r"</?([a-zA-Z][a-zA-Z0-9]*)", out[m.start():])
            assert tag and tag.group(1) in ALLOWED_TAGS, out[m.start():m.start() + 40]


def test_rich_still_renders_math():
    out = safe.rich("energy $E = mc^2$ <b>")
    assert "<math" in out and "<msup>" in out and "&lt;b&gt;" in out


@SETTINGS
@given(json_value)
def test_json_script_cannot_end_its_block(data):
    out = safe.json_script(data)
    assert "<" not in out and "</" not in out and "\u2028" not in out
    assert json.loads(out) == data


@SETTINGS
@given(tricky | url)
def test_url_and_link_only_produce_http_links(s):
    u = safe.url(s)
    if u is not None:
        assert re.match(r"^https?://", u, re.I) and not set(u) & set("<>\"' \n")
    parsed = _parse(safe.link(s, s))
    assert set(parsed.tags) <= {"a"}
    for name, value in parsed.attrs:
        assert name in ("href", "rel")
        if name == "href":
            assert re.match(r"^https?://", value or "", re.I)


@SETTINGS
@given(raw_text)
def test_slugs_are_valid_stable_ids(s):
    out = slug(s)
    if out:
        assert ID_RE.match(out) and "_" not in out
        assert slug(out) == out  # stable: slugging a slug changes nothing


@given(st.integers(min_value=1, max_value=400), st.data())
def test_pager_links_stay_few_and_reach_every_page(n, data):
    """A long listing's pager shows the ends and the neighbourhood, and every page is reachable."""
    from generator.pages.common import PAGE_WINDOW, page_window

    k = data.draw(st.integers(min_value=1, max_value=n))
    shown = page_window(k, n)
    pages = [j for j in shown if j]
    assert pages == sorted(set(pages)) and {1, n, k} <= set(pages)
    assert all(j in pages for j in range(max(1, k - PAGE_WINDOW), min(n, k + PAGE_WINDOW) + 1))
    assert len(shown) <= 2 * PAGE_WINDOW + 5
    assert all(a or b for a, b in zip(shown, shown[1:], strict=False))  # never two gaps in a row
    if n > 1:
        # Following the links from page 1 reaches every page.
        seen, todo = {1}, [1]
        while todo:
            for j in page_window(todo.pop(), n):
                if j and j not in seen:
                    seen.add(j)
                    todo.append(j)
        assert seen == set(range(1, n + 1))


@SETTINGS
@given(st.integers(min_value=0, max_value=700), st.integers(min_value=5, max_value=60))
def test_listing_pages_are_cut_from_the_oldest_end(n, per):
    """Every page holds per items but the first; a paper added at the top changes the first page only."""
    from generator.pages.common import page_chunks

    ids = [f"p{i}" for i in range(n)]
    chunks = page_chunks(ids, per)
    assert [i for c in chunks for i in c] == ids
    assert all(len(c) == per for c in chunks[1:])
    assert (per <= len(chunks[0]) < 2 * per) if n >= per else len(chunks) == 1
    added = page_chunks(["new", *ids], per)
    if len(added) == len(chunks):
        assert added[1:] == chunks[1:]


# -------------------------------------------------------------------------- front matter

_META_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)


@SETTINGS
@given(st.dictionaries(st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True), _META_TEXT, max_size=4),
       st.sampled_from(["\\", '"', "\n", "\r\n", "\t", "\x85", "\u2028", "\ufeff", "\x7f", "\x00", "\ufffe", "---",
                        "\n---\n", "'", ": ", " #", "😀", "\U0010fffd", "\n\n", "\n#", "a\nb"]))
@example({"on": "", "No": "x", "null": "y"}, "\\")  # keys YAML 1.1 would read as booleans and null
def test_front_matter_reads_back_as_the_same_values(meta, odd):
    from generator.pages.common import front_matter

    meta = {**meta, "title": odd + meta.get("title", "") + odd, "ps_head": f"<a>\n{odd}\n<b{odd}>"}
    text = front_matter(meta)
    # Every line but a key's own is indented: MkDocs' closing "---" fence cannot be forged.
    assert all(line.startswith("  ") or line == "" or line.split(":")[0].strip('"') in meta for line in text.split("\n"))
    assert yaml.load(text, Loader=yaml.CSafeLoader) == meta
    assert yaml.load(text, Loader=yaml.SafeLoader) == meta


def test_front_matter_falls_back_to_the_emitter_for_other_values():
    from generator.pages.common import front_matter

    meta = {"title": "T", "tags": ["a", "b"]}
    assert front_matter(meta) == dump_yaml(meta)
    assert yaml.safe_load(front_matter(meta)) == meta


@SETTINGS
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=60))
def test_folding_ascii_skips_transliteration_and_gives_the_same(text):
    import unicodedata

    from text_unidecode import unidecode

    from generator.ids import fold

    slow = unidecode(unicodedata.normalize("NFKC", text)).lower()
    assert fold(text) == " ".join(re.sub(r"[^a-z0-9]+", " ", slow).split())
    assert fold(text + "é") == fold(text + "e")  # and the rest still transliterates
