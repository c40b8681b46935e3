"""Record pages made again only when something they show changed (generator/pagememo.py).

A synthetic catalog with prolific authors, co-authors, citations and related
papers is generated once; then each kind of edit is applied in turn, the
docs are generated again with the memo, and every file must equal a fresh
generation of the same content without a memo.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from bench.synth import write_catalog
from generator.build import BuildOptions, BuildReport, load_catalog
from generator.generate import GenerateStats, write_docs

from .conftest import ROOT

N = 120


def _tree(*roots: Path) -> dict[str, str]:
    return {f"{root.name}/{p.relative_to(root).as_posix()}": hashlib.sha256(p.read_bytes()).hexdigest()
            for root in roots for p in sorted(root.rglob("*")) if p.is_file()}


def _generate(content: Path, out: Path, memo: bool, config_dir: Path = ROOT / "site_config") -> GenerateStats:
    # With the memo, the work folder's caches too (word counts, export texts); without, none.
    ctx, _ = load_catalog(BuildOptions(content=content, config_dir=config_dir, work_dir=out, incremental=memo),
                          BuildReport())
    return write_docs(ctx, out / "docs", files=out / "files", config_dir=config_dir,
                      memo_path=out / "page-memo.pickle" if memo else None)


def _edit(path: Path, change: Callable[[dict], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _papers(content: Path) -> list[Path]:
    return sorted((content / "papers").glob("*.yaml"))


def _prolific(content: Path) -> str:
    """The author name on the most papers (synthetic records list authors by name)."""
    counts: dict[str, int] = {}
    for p in _papers(content):
        for a in yaml.safe_load(p.read_text(encoding="utf-8"))["authors"]:
            counts[a] = counts.get(a, 0) + 1
    return max(sorted(counts), key=counts.__getitem__)


def _cited(content: Path) -> Path:
    refs = [r for p in _papers(content) for r in yaml.safe_load(p.read_text(encoding="utf-8")).get("references", [])]
    return content / "papers" / f"{max(sorted(set(refs)), key=refs.count)}.yaml"


def _by(content: Path, name: str) -> list[Path]:
    return [p for p in _papers(content)
            if name in yaml.safe_load(p.read_text(encoding="utf-8"))["authors"]]


def _retitle(c: Path) -> None:
    _edit(_papers(c)[5], lambda d: d.update(title="An edited title"))


def _redate(c: Path) -> None:
    # Moves a paper of the most prolific author to the top of their co-authors' "more by these authors".
    _edit(_by(c, _prolific(c))[-1], lambda d: d.update(date="2030-01-01"))


def _rename_author(c: Path) -> None:
    # The paper's first author becomes a new person: an author page appears, another loses a paper.
    _edit(_by(c, _prolific(c))[0], lambda d: d["authors"].__setitem__(0, "Zelda Newperson"))


def _add(c: Path) -> None:
    src = _by(c, _prolific(c))[1]
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    data.update(id="zz-added-paper-2031", title="An added paper on reward models", date="2031-02-02")
    (c / "papers" / "zz-added-paper-2031.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _add_old(c: Path) -> None:
    # A paper by the most prolific author, too old for any "more by these authors" list: the pages
    # of their other papers stay as they are (their author page and the listings change).
    src = _by(c, _prolific(c))[1]
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    data.update(id="zz-old-paper-1990", title="Quipu knot records of Inca tribute", date="1990-01-01",
                abstract="Khipu cords of knotted cotton recorded tribute, censuses and calendars.",
                topics=["Andean archaeology"], authors=[_prolific(c)])
    (c / "papers" / "zz-old-paper-1990.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _join_old(c: Path) -> None:
    # The most prolific author joins the oldest paper not theirs: too old for their newest works,
    # but it leaves the "similar" and "same topic" lists of their papers' pages (which leave out
    # papers by the page's own authors).
    name = _prolific(c)
    dated = [(yaml.safe_load(p.read_text(encoding="utf-8")).get("date") or "", p.name, p)
             for p in _papers(c) if p not in _by(c, name)]
    _edit(min(dated)[2], lambda d: d["authors"].append(name))


def _collide(c: Path) -> None:
    # A paper by someone else of the same surname, same year and first title word: the
    # existing paper's BibTeX key gains a suffix, which its authors' pages show (their
    # "BibTeX of all works") though nothing else of theirs changed.
    src = _by(c, _prolific(c))[2]
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    namesake = "Quentin " + data["authors"][0].split()[-1]
    data.update(id="zz-collides-2031", title=data["title"] + " revisited", authors=[namesake])
    (c / "papers" / "zz-collides-2031.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _remove(c: Path) -> None:
    _cited(c).unlink()  # papers citing it lose a reference; its related neighbours lose it


def _reword(c: Path) -> None:
    # New words in one abstract move TF-IDF weights: related-paper lists elsewhere may change.
    _edit(_papers(c)[40], lambda d: d.update(abstract=d["abstract"] + " Reward models reward reward hacking."))


def _cite(c: Path) -> None:
    # A new reference: the cited paper's "Cited by" and counts change, not the cited record.
    papers = _papers(c)
    target = papers[3].stem
    _edit(papers[90], lambda d: d.update(references=sorted({*d.get("references", []), target})))


def _revenue(c: Path) -> None:
    _edit(_papers(c)[70], lambda d: d.update(venue="A Workshop Nobody Knew 2019", upvotes=42))


def _retopic(c: Path) -> None:
    _edit(_papers(c)[60], lambda d: d.update(topics=["A brand new topic"]))


EDITS = [_retitle, _redate, _rename_author, _add, _add_old, _join_old, _collide, _remove, _reword, _retopic, _cite,
         _revenue]
LOCAL = {_retitle, _add_old, _reword, _retopic, _cite, _revenue}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    root = tmp_path_factory.mktemp("memo")
    write_catalog(root / "content", N)
    return root


def test_every_kind_of_edit_gives_the_pages_of_a_fresh_generation(catalog, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    content = tmp_path / "content"
    shutil.copytree(catalog / "content", content)
    inc = tmp_path / "inc"
    first = _generate(content, inc, memo=True)
    assert first.reused == 0
    again = _generate(content, inc, memo=True)
    records = again.reused
    assert records > N and again.written == 0  # every paper and author page reused, nothing written
    side = again.reused_files  # feeds and per-record exports
    assert side > 2 * N
    for edit in EDITS:
        edit(content)
        stats = _generate(content, inc, memo=True)
        fresh = tmp_path / f"fresh-{edit.__name__}"
        _generate(content, fresh, memo=False)
        assert _tree(inc / "docs", inc / "files") == _tree(fresh / "docs", fresh / "files"), edit.__name__
        # Some record pages were made again, the others reused; an edit to one paper that no
        # other page chooses by reuses most (a new date reorders every list of its authors' works).
        least = records / 2 if edit in LOCAL else 1
        assert least < stats.reused < records + 2, (edit.__name__, stats.reused, records)
        assert side / 2 < stats.reused_files < side + 10, (edit.__name__, stats.reused_files, side)
        records = stats.pages - (first.pages - records)


def test_a_page_changed_by_hand_or_a_changed_setting_is_made_again(catalog, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    content = catalog / "content"
    out = tmp_path / "out"
    _generate(content, out, memo=True)
    page = next((out / "docs" / "papers").glob("*.md"))
    good = page.read_bytes()
    page.write_bytes(good + b"\nscribbled\n")
    stats = _generate(content, out, memo=True)
    assert page.read_bytes() == good and stats.written == 1
    config = tmp_path / "site_config"
    shutil.copytree(ROOT / "site_config", config)
    (config / "site.yaml").write_text((config / "site.yaml").read_text(encoding="utf-8") + "\n# a comment\n",
                                      encoding="utf-8")
    assert _generate(content, out, memo=True, config_dir=config).reused == 0


def _versions(content: Path, work: Path) -> tuple[dict[str, bytes], dict[str, list[str]], dict[str, list[str]]]:
    """record_versions of a content folder, with related papers and topic lists."""
    from generator.addons import load_addons
    from generator.generate import prepare
    from generator.pagememo import record_versions

    load_addons()
    ctx, _ = load_catalog(BuildOptions(content=content, config_dir=ROOT / "site_config", work_dir=work,
                                       incremental=False), BuildReport())
    prepare(ctx)
    return record_versions(ctx), ctx.extras["related"], ctx.catalog.by_topic


def test_who_wrote_a_candidate_is_in_the_versions_of_the_pages_that_may_show_it(catalog, tmp_path, monkeypatch):
    # A paper page leaves out of "similar" and "same topic" the papers of its own authors, and
    # refers to neither list's hidden candidates: when a candidate's authors change, the topic's
    # "t" version and the "P" version of each paper listing it as similar must change.
    monkeypatch.chdir(ROOT)
    content = tmp_path / "content"
    shutil.copytree(catalog / "content", content)
    before, related, topics = _versions(content, tmp_path / "w1")
    target = _papers(content)[7]
    pid = target.stem
    _edit(target, lambda d: d["authors"].append("Zelda Newperson"))
    after, related2, _ = _versions(content, tmp_path / "w2")
    assert related2 == related  # no text changed
    listing = [p for p, near in related.items() if pid in near]
    in_topics = [t for t, ids in topics.items() if pid in ids]
    assert listing and in_topics
    for p in listing:
        assert before[f"p\t{p}"] == after[f"p\t{p}"] and before[f"P\t{p}"] != after[f"P\t{p}"], p
    for t in in_topics:
        assert before[f"t\t{t}"] != after[f"t\t{t}"], t
    untouched = [t for t in topics if t not in in_topics]
    assert untouched and all(before[f"t\t{t}"] == after[f"t\t{t}"] for t in untouched)


def test_a_page_whose_choices_stand_is_kept_when_what_it_chooses_from_changed(catalog, tmp_path, monkeypatch):
    # A new paper on a topic is first in that topic's list: the first fingerprint of every
    # page on the topic changes.  Pages that would not show it are kept by the second.
    from generator.pagememo import PageMemo

    monkeypatch.chdir(ROOT)
    content = tmp_path / "content"
    shutil.copytree(catalog / "content", content)
    inc = tmp_path / "inc"
    _generate(content, inc, memo=True)
    _add(content)
    kept = []
    lookup = PageMemo.lookup

    def counting(self, kind, rid):
        got = lookup(self, kind, rid)
        if got is not None and got[0] is not self.old[(kind, rid)]:
            kept.append(rid)
        return got

    monkeypatch.setattr(PageMemo, "lookup", counting)
    _generate(content, inc, memo=True)
    assert kept
    first = len(kept)
    again = _generate(content, inc, memo=True)  # kept under the new fingerprint: reused at once
    assert len(kept) == first and again.written == 0 and again.reused >= first
    _generate(content, tmp_path / "fresh", memo=False)
    assert _tree(inc / "docs", inc / "files") == _tree(tmp_path / "fresh" / "docs", tmp_path / "fresh" / "files")
