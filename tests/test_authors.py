"""One author page per person: variants resolve on strong evidence, namesakes stay apart, hand pins win."""

from __future__ import annotations

from generator.catalog import build_catalog, name_key
from generator.content import load_content
from generator.ingest import IngestContext
from generator.ingest.acl import load_name_variants
from generator.ingest.run import ingest
from generator.model import Author, AuthorRef, Paper

from .conftest import FIXTURES, REALDATA

TOY = REALDATA / "acl" / "name_variants.toy.yaml"


def paper(pid: str, *authors: AuthorRef | str, date: str = "2020") -> Paper:
    refs = [a if isinstance(a, AuthorRef) else AuthorRef(a) for a in authors]
    return Paper(id=pid, title=f"Paper {pid}", authors=refs, date=date)


def catalog(*papers: Paper, authors: list[Author] | None = None):
    return build_catalog({p.id: p for p in papers}, {a.id: a for a in authors or []})


def people_of(cat, pid: str) -> list[str]:
    return [r.id for r in cat.papers[pid].authors]


def test_name_key_folds_spellings():
    same = {name_key(n) for n in ("Zoë Müller", "Müller, Zoë", "ZOË MÜLLER", "Zoe Muller", "  zoe   muller ")}
    assert same == {"zoe muller"}
    assert name_key("von Hicks, III, Michael") == name_key("Michael von Hicks")


def test_acl_name_variants_give_one_author_page(tmp_path):
    report = ingest("acl", [FIXTURES / "acl_variants"], tmp_path, IngestContext(name_variants=TOY))
    assert not report.refused and report.authors_new >= 2
    content = load_content(tmp_path)
    cat = build_catalog(content.papers, content.authors)
    # The fixture holds real papers with "José M." and "José María" Guirao, and
    # "Susan Armstrong" / "Susan Warwick" / "Susan Warwick-Armstrong".
    variants = load_name_variants(TOY)
    for person in ("jose-m-guirao", "susan-armstrong"):
        spellings = {name_key(n) for n in [variants.people[person].name, *variants.people[person].variants]}
        written = {name_key(r.name) for p in cat.papers.values() for r in p.authors if r.id == person}
        assert len(written) >= 2 and written <= spellings
        assert len(cat.papers_of[person]) == sum(
            1 for p in content.papers.values() if any(name_key(r.name) in spellings for r in p.authors))
    assert not [a for a in cat.authors if "guirao" in a and a != "jose-m-guirao"]
    assert not [a for a in cat.authors if "warwick" in a or ("armstrong" in a and a != "susan-armstrong")]
    assert set(cat.authors["susan-armstrong"].aliases) == {"Susan Warwick-Armstrong", "Susan Warwick"}


def test_namesakes_in_name_variants_are_not_guessed():
    variants = load_name_variants(TOY)
    # Four people are canonically "Yang Liu": the name alone names none of them.
    assert variants.lookup("Yang Liu") is None
    assert variants.lookup("Susan Warwick") == "susan-armstrong"


def test_case_accents_and_order_resolve_to_one_author():
    cat = catalog(paper("a", "Zoë Müller"), paper("b", "MÜLLER, ZOË"), paper("c", "Zoe Muller"))
    assert len({*people_of(cat, "a"), *people_of(cat, "b"), *people_of(cat, "c")}) == 1


def test_initials_merge_only_with_a_shared_coauthor():
    cat = catalog(paper("a", "Jon Postel", "Danny Cohen"), paper("b", "J. B. Postel", "D. Cohen"),
                  paper("c", "J. Postel", "Someone Else"))
    a, b, c = people_of(cat, "a")[0], people_of(cat, "b")[0], people_of(cat, "c")[0]
    assert a == b  # variant spelling + shared co-author (also written as a variant)
    assert c != a  # a variant alone is not enough evidence
    assert cat.authors[a].name == "Jon Postel" and "J. B. Postel" in cat.authors[a].aliases


def test_shared_external_id_merges_different_spellings():
    cat = catalog(paper("a", AuthorRef("Alan M. Turing", ids={"s2": "2262347"})),
                  paper("b", AuthorRef("A. Turing", ids={"s2": "2262347"})),
                  paper("c", AuthorRef("A. M. Turing", orcid="0000-0002-1825-0097")),
                  paper("d", AuthorRef("Alan Turing", orcid="0000-0002-1825-0097")))
    assert people_of(cat, "a") == people_of(cat, "b")
    assert people_of(cat, "c") == people_of(cat, "d")


def test_namesakes_with_different_ids_stay_apart():
    cat = catalog(paper("a", AuthorRef("Yang Liu", ids={"acl": "yang-liu-ict"}), "Maosong Sun"),
                  paper("b", AuthorRef("Yang Liu", ids={"acl": "yang-liu-icsi"}), "Dilek Hakkani-Tur"),
                  paper("c", AuthorRef("Yang Liu", ids={"acl": "yang-liu-ict"})))
    assert people_of(cat, "a")[0] == people_of(cat, "c")[0] != people_of(cat, "b")[0]


def test_explicit_person_ids_keep_namesakes_apart():
    cat = catalog(paper("a", AuthorRef("Yang Liu", id="yang-liu-edinburgh")),
                  paper("b", AuthorRef("Yang Liu", id="yang-liu-microsoft")))
    assert people_of(cat, "a") == ["yang-liu-edinburgh"] and people_of(cat, "b") == ["yang-liu-microsoft"]


def test_hand_pins_win():
    hand = Author(id="ruqi", name="Ruqi Zhang", aliases=["R. Zhang"], ids={"s2": "111"})
    other = Author(id="rui-zhang", name="Rui Zhang", not_same_as=["ruqi"], ids={"s2": "222"})
    cat = catalog(paper("a", "R. Zhang", "Someone"),
                  paper("b", AuthorRef("Ruqi Zhang", ids={"s2": "999"})),  # ids disagree with the pin
                  paper("c", AuthorRef("R. Zhang", ids={"s2": "222"})),  # the pinned other person's id
                  authors=[hand, other])
    assert people_of(cat, "a")[0] == "ruqi"  # the alias pinned by hand
    assert people_of(cat, "b") != ["ruqi"]  # a different S2 id is a different person
    assert people_of(cat, "c") == ["rui-zhang"]  # resolved by id, never to the person pinned apart


def test_namesakes_split_by_hand_follow_their_coauthors():
    a = Author(id="chen-li", name="Chen Li")
    b = Author(id="chen-li-uci", name="Chen Li", not_same_as=["chen-li"])
    cat = catalog(paper("p1", AuthorRef("Chen Li", id="chen-li-uci"), "Sharad Mehrotra"),
                  paper("p2", "Chen Li", "Sharad Mehrotra"),
                  paper("p3", "Chen Li", "Other Person"), authors=[a, b])
    assert people_of(cat, "p2")[0] == "chen-li-uci"  # shares a co-author with the pinned person's paper
    assert people_of(cat, "p3")[0] == "chen-li"


def test_hf_account_on_the_wrong_name_does_not_merge_people(tmp_path):
    ingest("hf-api", [REALDATA / "hf_papers" / "hf_paper_2407.13168_embedded.json"], tmp_path)
    content = load_content(tmp_path)
    cat = build_catalog(content.papers, content.authors)
    [p] = cat.papers.values()
    ids = {r.name: r.id for r in p.authors}
    assert ids["Hao Peng"] != ids["Shizhuo Dylan Zhang"]
    assert len(set(ids.values())) == len(p.authors) == 30


def test_variant_matching_properties():
    from hypothesis import given
    from hypothesis import strategies as st

    from generator.catalog import compatible, loose_key

    word = st.text(alphabet="abcdeé", min_size=1, max_size=4)

    @given(st.lists(word, min_size=2, max_size=4), st.lists(word, min_size=2, max_size=4))
    def check(a: list[str], b: list[str]) -> None:
        ka, kb = name_key(" ".join(a)), name_key(" ".join(b))
        assert compatible(ka, kb) == compatible(kb, ka)
        if len(ka.split()) >= 2:
            assert compatible(ka, ka)
        if compatible(ka, kb):  # compatible names always share the index bucket they are looked up in
            assert loose_key(ka) == loose_key(kb)

    check()


def test_acl_similar_names_become_pins(tmp_path):
    xml = tmp_path / "2021.x.xml"
    xml.write_text("""<?xml version='1.0' encoding='UTF-8'?>
<collection id="2021.x"><volume id="1"><meta><booktitle>X</booktitle><year>2021</year></meta>
<paper id="1"><title>One</title><author><first>Pranav</first><last>A</last></author></paper>
<paper id="2"><title>Two</title><author><first>Pranav</first><last>Anand</last></author></paper>
</volume></collection>
""", encoding="utf-8")
    ingest("acl", [xml], tmp_path / "c", IngestContext(name_variants=TOY))
    content = load_content(tmp_path / "c")
    # name_variants.toy.yaml marks these two as "similar": different people whose names look alike.
    assert content.authors["pranav-a"].not_same_as == ["pranav-anand"]
    assert content.authors["pranav-anand"].not_same_as == ["pranav-a"]
    cat = build_catalog(content.papers, content.authors)
    assert cat.papers_of["pranav-a"] == ["2021.x-1.1"] and cat.papers_of["pranav-anand"] == ["2021.x-1.2"]


def test_not_same_as_keeps_a_spelling_apart():
    papers = (paper("a", "Jon Postel", "Danny Cohen"), paper("b", "J. Postel", "Danny Cohen"))
    merged = catalog(*papers)
    assert people_of(merged, "a")[0] == people_of(merged, "b")[0]  # variant + shared co-author
    pin = Author(id="jon-postel", name="Jon Postel", not_same_as=["j-postel"])
    split = catalog(*(paper(p.id, *[r.name for r in p.authors]) for p in papers), authors=[pin])
    assert people_of(split, "a")[0] == "jon-postel" and people_of(split, "b")[0] == "j-postel"
