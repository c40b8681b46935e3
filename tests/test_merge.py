"""Merging across sources and runs: shared ids, title fallback, near-duplicates, idempotence."""

from __future__ import annotations

from pathlib import Path

from generator.content import load_content
from generator.ingest import IngestContext, get_parser
from generator.ingest.run import ingest
from generator.merge import MergeStats, PaperIndex
from generator.model import AuthorRef, Paper, Source

from .conftest import FIXTURES, REALDATA


def parsed(fmt: str, path: Path) -> list[Paper]:
    return [i for i in get_parser(fmt)(path, IngestContext()) if isinstance(i, Paper)]


def paper(pid: str, title: str, src: str, **kw) -> Paper:
    return Paper(id=pid, title=title, sources=[Source("test", src, pid)], **kw)


def test_two_rfc_bibliographies_merge_their_overlap():
    ietf = parsed("bibtex", REALDATA / "bibtex" / "ietf_rfc.bib")
    cmu = parsed("bibtex", REALDATA / "bibtex" / "cmu_efficient_rfc.bib")
    index, stats = PaperIndex(), MergeStats()
    for p in ietf + cmu:
        index.add(p, stats)
    ietf_rfcs = {p.ids["rfc"] for p in ietf}
    overlap = {p.ids["rfc"] for p in cmu if p.ids.get("rfc") in ietf_rfcs}
    assert len(overlap) > 100
    by_rfc = {p.ids.get("rfc"): p for p in index.papers.values()}
    for rfc in overlap:  # each shared RFC is one paper holding both sources
        assert {s.file for s in by_rfc[rfc].sources} == {"ietf_rfc.bib", "cmu_efficient_rfc.bib"}
    udp = by_rfc["768"]
    assert udp.title == "User Datagram Protocol" and {s.key for s in udp.sources} == {"RFC0768", "rfc768"}
    # Nothing lost: every record is a paper of its own or merged into one.
    assert stats.new + stats.merged == len(ietf) + len(cmu)
    assert len(index.papers) == len(ietf) + len(cmu) - stats.merged


def test_arxiv_feed_and_s2_response_are_one_paper(tmp_path):
    feed = REALDATA / "arxiv" / "arxiv_api_2026_id_1605.08386_s0_m100.xml"
    s2 = FIXTURES / "ingest" / "s2_paper_1605.08386.json"
    report = ingest("auto", [feed, s2], tmp_path, detect=_detect())
    assert (report.new, report.merged) == (1, 1)
    [p] = load_content(tmp_path).papers.values()
    assert p.arxiv == "1605.08386" and p.ids["s2"].startswith("fixture")
    assert {s.format for s in p.sources} == {"arxiv", "s2"}
    assert p.title == "Heat-bath random walks with Markov bases"  # the first source's title stays
    assert p.references == ["doi:10.1214/aos/1030563990"]  # filled from S2


def _detect():
    from generator.ingest.detect import detect_format

    return detect_format


def test_overlapping_arxiv_pages_dedupe():
    files = sorted((REALDATA / "arxiv").glob("arxiv_api_2026_q_testing_*.xml"))
    records = [p for f in files for p in parsed("arxiv", f)]
    index, stats = PaperIndex(), MergeStats()
    for p in records:
        index.add(p, stats)
    assert len(index.papers) == len({p.arxiv for p in records}) < len(records)


def test_ingesting_twice_changes_nothing(tmp_path):
    files = [REALDATA / "bibtex" / "cmu_efficient_rfc.bib",
             REALDATA / "arxiv" / "arxiv_api_2026_q_testing_s0_m15.xml",
             REALDATA / "openalex" / "zotero_openalex_case5_list_page5.json",
             REALDATA / "semanticscholar" / "s2_api_get_papers_return_not_found.json",
             REALDATA / "csljson" / "bbt_creator_types_365_825.csl.json",
             REALDATA / "hf_papers" / "hf_paper_2407.13168_embedded.json",
             REALDATA / "acl" / "2022.naloma.xml",
             FIXTURES / "acl_variants"]
    ctx = IngestContext(name_variants=REALDATA / "acl" / "name_variants.toy.yaml")
    first = ingest("auto", files, tmp_path, ctx, detect=_detect())
    assert first.written == first.new + first.authors_new and first.new > 200 and first.authors_new >= 2
    before = {p: p.read_bytes() for p in tmp_path.rglob("*.yaml")}
    second = ingest("auto", files, tmp_path, ctx, detect=_detect())
    assert second.written == 0 and second.new == 0 and second.updated == 0
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.yaml")} == before


def test_title_year_first_author_fallback_and_near_duplicates():
    index, stats = PaperIndex(), MergeStats()
    a = paper("a", "Deep Learning: A Survey", "one.bib", date="2019", authors=[AuthorRef("Ann Lee")])
    b = paper("b", "Deep learning — a survey", "two.json", date="2019-05-02", authors=[AuthorRef("A. Lee")],
              doi="10.1/x", abstract="Text.")
    c = paper("c", "Deep Learning: a Survey", "three.json", date="2021", authors=[AuthorRef("Ann Lee")])
    d = paper("d", "Deep Learning: A survey", "four.json", date="2019", authors=[AuthorRef("Bo Chen")])
    for p in (a, b, c, d):
        index.add(p, stats)
    # b matches a on title + year + first author's last name: merged, fields filled, date refined.
    assert index.papers["a"].doi == "10.1/x" and index.papers["a"].date == "2019-05-02"
    assert [s.file for s in index.papers["a"].sources] == ["one.bib", "two.json"]
    # c (other year) and d (other first author) are kept and reported for review.
    assert {"c", "d"} <= set(index.papers)
    assert {pid for _, pid, _ in stats.near_duplicates} == {"c", "d"}


def test_shared_doi_but_different_anthology_ids_stay_apart():
    index, stats = PaperIndex(), MergeStats()
    index.add(paper("j10-1006", "Book Review: One", "J10.xml", doi="10.1162/coli.x", ids={"acl": "J10-1006"}), stats)
    index.add(paper("j10-1008", "Book Review: Two", "J10.xml", doi="10.1162/coli.x", ids={"acl": "J10-1008"}), stats)
    assert set(index.papers) == {"j10-1006", "j10-1008"}
    assert stats.near_duplicates and "acl ids differ" in stats.near_duplicates[0][2]


def test_any_arxiv_version_and_arxiv_doi_match():
    index, stats = PaperIndex(), MergeStats()
    index.add(paper("2401-12345", "A", "feed.xml", arxiv="2401.12345"), stats)
    merged = index.add(paper("x", "A (published)", "oa.json", doi="10.48550/arxiv.2401.12345"), stats)
    assert merged.id == "2401-12345" and merged.doi == "10.48550/arxiv.2401.12345"


def test_existing_record_wins_and_coauthors_do_not_swap_ids():
    index, stats = PaperIndex(), MergeStats()
    index.add(paper("p", "Kept Title", "hand.yaml", arxiv="2401.00001", venue="Hand Venue",
                    authors=[AuthorRef("Shengyan Liu"), AuthorRef("Genglin Liu")]), stats)
    index.add(paper("q", "Other Title", "api.json", arxiv="2401.00001", venue="API Venue", type="article",
                    authors=[AuthorRef("Shengyan Liu"), AuthorRef("Genglin Liu", ids={"hf": "genglinliu"})]), stats)
    p = index.papers["p"]
    assert (p.title, p.venue, p.type) == ("Kept Title", "Hand Venue", "article")
    assert p.authors[0].ids == {} and p.authors[1].ids == {"hf": "genglinliu"}


def test_same_title_different_anthology_ids_are_two_papers_without_review_noise():
    index, stats = PaperIndex(), MergeStats()
    index.add(paper("j89-1009", "Advertisements", "J89.xml", date="1989", ids={"acl": "J89-1009"}), stats)
    index.add(paper("j89-2009", "Advertisements", "J89.xml", date="1989", ids={"acl": "J89-2009"}), stats)
    assert set(index.papers) == {"j89-1009", "j89-2009"} and stats.near_duplicates == []
    # Same title, different DOIs: two papers as well, but worth a person's look.
    index.add(paper("x", "On Parsing", "a.bib", date="1989", doi="10.1/a"), stats)
    index.add(paper("y", "On Parsing", "b.json", date="1989", doi="10.1/b"), stats)
    assert {"x", "y"} <= set(index.papers)
    assert [(pid, why) for _, pid, why in stats.near_duplicates] == [("y", "same title as x but different identifiers")]
