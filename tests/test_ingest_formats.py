"""Every reader on real third-party data: counts taken from the files themselves,
specific field values, and the bodies that must be refused (never a traceback)."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
from defusedxml import ElementTree

from generator.errors import IngestError, Problem
from generator.ingest import FORMATS, IngestContext, get_parser
from generator.ingest.detect import detect_format
from generator.model import Author, Paper

from .conftest import FIXTURES, REALDATA

BIB = REALDATA / "bibtex"
ATOM = "{http://www.w3.org/2005/Atom}"


@cache
def items(fmt: str, path: Path, **kw) -> tuple:
    return tuple(get_parser(fmt)(path, IngestContext(**kw)))


def papers(fmt: str, path: Path, **kw) -> list[Paper]:
    return [i for i in items(fmt, path, **kw) if isinstance(i, Paper)]


def problems(fmt: str, path: Path, **kw) -> list[Problem]:
    return [i for i in items(fmt, path, **kw) if isinstance(i, Problem)]


def by_key(ps: list[Paper]) -> dict[str, Paper]:
    return {p.sources[0].key: p for p in ps}


def bib_entry_keys(path: Path) -> set[str]:
    """Entry keys as the file writes them (no @string/@comment/@preamble)."""
    text = path.read_text(encoding="utf-8")
    return {m.group(2).strip() for m in re.finditer(r"^\s*@(\w+)\s*[{(]\s*([^,\s]+)\s*,", text, re.M)
            if m.group(1).lower() not in ("string", "comment", "preamble")}


# ---------------------------------------------------------------- BibTeX


def test_every_format_is_registered():
    for name in ("bibtex", "arxiv", "openalex", "s2", "csl", "acl", "hf-api"):
        assert name in FORMATS and callable(get_parser(name))


def test_ietf_rfc_bib_month_macros_and_double_braces():
    path = BIB / "ietf_rfc.bib"
    ps = by_key(papers("bibtex", path))
    assert set(ps) == bib_entry_keys(path)
    first = ps["RFC0001"]
    assert (first.title, first.date, first.type, first.venue) == ("Host Software", "1969-04", "techreport", "IETF")
    assert [a.name for a in first.authors] == ["S. Crocker"]
    assert ps["RFC0768"].ids["rfc"] == "768" and ps["RFC0768"].date == "1980-08"


def test_cmu_bib_macros_crossref_accents_and_nothing_lost():
    path = BIB / "cmu_efficient_ref.bib"
    got = items("bibtex", path)
    ps = by_key([i for i in got if isinstance(i, Paper)])
    reported = {i.record for i in got if isinstance(i, Problem)}
    # Nothing lost: every entry is a paper or is reported with its key.
    assert bib_entry_keys(path) <= set(ps) | reported
    # crossref: venue and date inherited from @proceedings{sigcomm2005} (whose booktitle is a macro).
    song = ps["Song:sigcomm2005"]
    assert song.venue == "Proc. ACM SIGCOMM" and song.date == "2005-08"
    # LaTeX accents decoded; a multi-word last name kept whole.
    assert [a.name for a in ps["Jokela:sigcomm2009"].authors][1:3] == ["András Zahemszky", "Christian Esteve Rothenberg"]
    # @string macro used as a field value is resolved, not left as the macro name.
    assert ps["Acampora94"].venue == "IEEE Journal on Selected Areas in Communications (J-SAC)"
    # A titleless @proceedings is reported as what it is.
    assert any(i.record == "sigcomm2005" and "crossref parent" in i.reason for i in got if isinstance(i, Problem))


def test_gbk_bib_is_refused_as_not_utf8():
    with pytest.raises(IngestError, match="not UTF-8"):
        items("bibtex", BIB / "bibtexparser_v2_resources" / "gbk_test.bib")


@pytest.mark.parametrize("path", sorted((BIB / "bibtexparser_v1_fixtures").glob("*.bib"))
                         + sorted((BIB / "zotero_bibtex_import_cases").glob("*.bib")), ids=lambda p: p.name)
def test_parser_edge_cases_never_crash(path):
    got = items("bibtex", path)
    assert all(isinstance(i, (Paper, Problem)) for i in got)
    keys = {i.sources[0].key for i in got if isinstance(i, Paper)} | {i.record for i in got if isinstance(i, Problem)}
    assert bib_entry_keys(path) <= keys | {"?"}


def test_bibtex_special_cases():
    z = BIB / "zotero_bibtex_import_cases"
    polish = papers("bibtex", z / "case_23.bib")[0]
    assert any(c in polish.title + "".join(a.name for a in polish.authors) for c in "żłś")
    hicks = papers("bibtex", z / "case_03.bib")[0]
    assert hicks.authors[0].name == "Michael von Hicks, III"
    cycle = problems("bibtex", BIB / "bibtexparser_v1_fixtures" / "crossref_cascading_cycle.bib")
    assert any("cycle" in p.reason for p in cycle)
    dangling = problems("bibtex", BIB / "bibtexparser_v1_fixtures" / "crossref_missing_entries.bib")
    assert any(p.field == "crossref" and "not in the file" in p.reason for p in dangling)
    assert items("bibtex", BIB / "bibtexparser_v1_fixtures" / "empty.bib") == ()


# ---------------------------------------------------------------- arXiv


def test_arxiv_feed_counts_and_fields():
    path = REALDATA / "arxiv" / "arxiv_api_2026_q_testing_s0_m100.xml"
    entries = ElementTree.parse(str(path)).getroot().findall(f"{ATOM}entry")
    ps = papers("arxiv", path)
    assert len(ps) == len(entries) == 100
    assert sum(1 for p in ps if p.doi) == sum(1 for e in entries if e.find("{http://arxiv.org/schemas/atom}doi") is not None)
    old = papers("arxiv", REALDATA / "arxiv" / "arxiv_api_2026_id_astro-ph_0601001_s0_m100.xml")[0]
    assert old.arxiv == "astro-ph/0601001" and old.id == "astro-ph-0601001"
    assert [a.affiliation for a in old.authors] == ["Ohio State", "Ohio State", "CfA", "Warsaw University Observatory"]
    v2016 = papers("arxiv", REALDATA / "arxiv" / "arxiv_api_2016_id_1111.2011v2.xml")[0]
    assert v2016.arxiv == "1111.2011" and v2016.doi == "10.1103/physrevb.85.115117"
    assert v2016.abstract and not v2016.abstract.startswith(" ") and "\n" not in v2016.abstract


@pytest.mark.parametrize("name,reason", [
    ("arxiv_api_2026_id_abc_s0_m100.xml", "returned an error.*incorrect id format for abc"),
    ("arxiv_api_2026_id_0000.0000_s0_m100.xml", "no entries"),
    ("arxiv_api_2026_id_0808.05394_s0_m100.xml", "no entries"),
])
def test_arxiv_error_and_empty_feeds_are_refused(name, reason):
    with pytest.raises(IngestError, match=reason):
        items("arxiv", REALDATA / "arxiv" / name)


# ---------------------------------------------------------------- OpenAlex


def test_openalex_work_and_list():
    folder = REALDATA / "openalex"
    raw = json.loads((folder / "zotero_openalex_case0_work_W2099326003.json").read_text(encoding="utf-8"))
    work = papers("openalex", folder / "zotero_openalex_case0_work_W2099326003.json")[0]
    assert work.ids["openalex"] == "W2099326003" and work.doi == "10.2307/1885099"
    assert work.abstract.startswith("This paper explains involuntary unemployment")
    assert len(work.abstract.split()) == sum(len(v) for v in raw["abstract_inverted_index"].values())
    assert work.references == [f"openalex:{w.rsplit('/', 1)[1]}" for w in raw["referenced_works"]]
    assert 1 <= len(work.topics) <= 3 and work.venue == "The Quarterly Journal of Economics"
    listing = json.loads((folder / "zotero_openalex_case5_list_page5.json").read_text(encoding="utf-8"))
    ps = papers("openalex", folder / "zotero_openalex_case5_list_page5.json")
    assert len(ps) == len(listing["results"]) == 5
    sk = papers("openalex", folder / "zotero_openalex_case7_work_W2101234009.json")[0]
    assert sk.arxiv == "1201.0490" and sk.authors[0].orcid == "0000-0003-4025-3953"
    assert papers("openalex", folder / "zotero_openalex_case3_work_W4234549826.json")[0].abstract is None


# ---------------------------------------------------------------- Semantic Scholar


S2 = REALDATA / "semanticscholar"


@pytest.mark.parametrize("name,reason", [
    ("s2_api_not_found_0.json", "Paper with id 0 not found"),
    ("s2_api_not_found_1.json", "Author with id 0 not found"),
    ("s2_api_bad_query_parameters.json", "Unrecognized or unsupported fields"),
    ("s2_api_empty_paginated_results.json", "no results"),
])
def test_s2_error_bodies_are_refused(name, reason):
    with pytest.raises(IngestError, match=reason):
        items("s2", S2 / name)


def test_s2_batch_with_null_item():
    got = items("s2", S2 / "s2_api_get_papers_return_not_found.json")
    raw = json.loads((S2 / "s2_api_get_papers_return_not_found.json").read_text(encoding="utf-8"))
    assert sum(isinstance(i, Paper) for i in got) == sum(1 for x in raw if x) == 3
    nulls = [i for i in got if isinstance(i, Problem)]
    assert len(nulls) == 1 and "not found" in nulls[0].reason
    did = next(i for i in got if isinstance(i, Paper) and i.ids["s2"] == "c31c87c591a25c64fbaa82e8ac6a81831b6ac7ce")
    assert did.doi == "10.2139/ssrn.288970" and did.ids["mag"] == "2096684396"
    assert did.authors[0].ids["s2"] == raw[1]["authors"][0]["authorId"]


def test_s2_paper_search_and_pages():
    raw = json.loads((S2 / "s2_fixture_Paper.json").read_text(encoding="utf-8"))
    turing = papers("s2", S2 / "s2_fixture_Paper.json")[0]
    assert turing.doi == "10.1093/mind/lix.236.433" and turing.ids["dblp"] == "journals/x/Turing50"
    # References S2 could not identify (no paperId, no externalIds) cannot be named; the rest are kept.
    named = [r for r in raw["references"] if r.get("paperId") or r.get("externalIds")]
    assert 0 < len(turing.references) == len(named) < len(raw["references"]) and len(turing.topics) <= 2
    assert turing.authors[0].ids == {"s2": "2262347"} and turing.date == "1950-10-01"
    bulk = json.loads((S2 / "s2_api_search_paper_bulk_retrieval.json").read_text(encoding="utf-8"))
    assert len(papers("s2", S2 / "s2_api_search_paper_bulk_retrieval.json")) == len(bulk["data"]) == 1000
    nulls = items("s2", S2 / "s2_fixture_PaperWithNullValues.json")
    assert [type(i) for i in nulls] == [Problem]  # no title: reported, not invented
    authors = [i for i in items("s2", S2 / "s2_api_search_author.json") if isinstance(i, Author)]
    assert len(authors) == 59 and len({a.id for a in authors}) == 59  # namesakes keep distinct ids


def test_s2_citation_pages_reference_the_cited_paper():
    pages = sorted((S2 / "pages_paper_citations").glob("*.json"))
    total = sum(len(json.loads(p.read_text(encoding="utf-8"))["data"]) for p in pages)
    got = [i for p in pages for i in items("s2", p, about="s2:cited-paper")]
    ps = [i for i in got if isinstance(i, Paper)]
    assert len(ps) + len([i for i in got if isinstance(i, Problem)]) == total
    assert ps and all("s2:cited-paper" in p.references for p in ps)


# ---------------------------------------------------------------- CSL-JSON


def test_csl_dates_titles_and_refusals():
    folder = REALDATA / "csljson"
    case0 = papers("csl", folder / "zotero_csljson_import_case0.json")[0]
    assert case0.date == "2013-01-01" and [a.name for a in case0.authors] == ["Mostafa Bachar"]
    dates = {p.title: p.date for p in papers("csl", folder / "bbt_date_edge_cases_360_811.csl.json")}
    assert dates["open-ended date range test"] == "2014-12-31" and dates["BC tests"] is None
    assert dates["The Politics of Film Canons"] == "1985"  # season: year only
    assert any("BC" in p.reason for p in problems("csl", folder / "bbt_date_edge_cases_360_811.csl.json"))
    creators = items("csl", folder / "bbt_creator_types_365_825.csl.json")
    assert [i.record for i in creators if isinstance(i, Problem)] == ["emptybook"]
    titles = {i.title for i in creators if isinstance(i, Paper)}
    assert "Frithuswith (d. 727)" in titles  # HTML markup dropped, text kept
    seasons = papers("csl", folder / "bbt_season_ranges_860.csl.json")
    assert all(p.date == "2017" for p in seasons)


# ---------------------------------------------------------------- ACL Anthology


ACL = REALDATA / "acl"


def test_acl_volume_counts_ids_and_markup():
    path = ACL / "2020.acl.xml"
    root = ElementTree.parse(str(path)).getroot()
    n = len(root.findall(".//paper")) + len(root.findall(".//frontmatter"))
    ps = {p.id: p for p in papers("acl", path)}
    assert len(ps) == n
    coach = ps["2020.acl-main.3"]
    assert coach.title.startswith("Coach: A Coarse-to-Fine") and coach.ids["acl"] == "2020.acl-main.3"
    assert coach.doi == "10.18653/v1/2020.acl-main.3" and coach.code == "https://github.com/zliucr/coach"
    assert coach.date == "2020-07" and coach.url == "https://aclanthology.org/2020.acl-main.3"
    assert sum(1 for p in ps.values() if "retracted" in p.extra) == 2
    assert any("$" in (p.title + (p.abstract or "")) for p in ps.values())  # tex-math kept for the math renderer
    assert ps["2020.acl-main.0"].type == "proceedings"


def test_acl_old_ids_removed_papers_and_journals():
    w19 = {p.ids["acl"] for p in papers("acl", ACL / "W19.xml")}
    assert "W19-0101" in w19
    p11 = {p.ids["acl"]: p for p in papers("acl", ACL / "P11.xml")}
    assert "P11-1001" in p11 and p11["P11-1001"].date.startswith("2011")
    removed = problems("acl", ACL / "2020.amta.xml")
    assert len(removed) == 1 and removed[0].field == "removed"
    j89 = papers("acl", ACL / "J89.xml")
    assert all(p.date == "1989" for p in j89) and {p.type for p in j89} >= {"article"}


def test_acl_author_ids_and_tarball_reader(tmp_path):
    emnlp = papers("acl", ACL / "2021.emnlp.xml")
    ided = [a for p in emnlp for a in p.authors if a.id]
    assert ided and all(a.ids["acl"] == a.id for a in ided)
    import tarfile

    tar = tmp_path / "two.tar.gz"
    with tarfile.open(tar, "w:gz") as t:
        t.add(ACL / "2022.naloma.xml", arcname="xml/2022.naloma.xml")
        t.add(ACL / "J89.xml", arcname="xml/J89.xml")
    got = papers("acl", tar)
    assert len(got) == len(papers("acl", ACL / "2022.naloma.xml")) + len(papers("acl", ACL / "J89.xml"))


# ---------------------------------------------------------------- Hugging Face


def test_hf_api_paper_and_identity_mismatch():
    path = REALDATA / "hf_papers" / "hf_paper_2407.13168_embedded.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    p = papers("hf-api", path)[0]
    assert p.arxiv == "2407.13168" and p.upvotes == 17 and len(p.authors) == len(raw["authors"]) == 30
    assert p.listed == ["2024-07-22"] and "\n" not in p.abstract
    hf = {a.name: a.ids.get("hf") for a in p.authors}
    # haopeng01 is attached to two names on HF; only the matching name keeps it.
    assert hf["Hao Peng"] == "haopeng01" and hf["Shizhuo Dylan Zhang"] is None


# ---------------------------------------------------------------- detection and the whole corpus


EXPECTED_DIR_FORMAT = {"arxiv": "arxiv", "openalex": "openalex", "csljson": "csl", "hf_papers": "hf-api",
                       "semanticscholar": "s2", "bibtex": "bibtex", "acl": "acl"}


def corpus() -> list[Path]:
    files = [p for p in sorted(REALDATA.rglob("*")) if p.is_file() and p.suffix in (".bib", ".xml", ".json")]
    return files


@pytest.mark.parametrize("path", corpus(), ids=lambda p: str(p.relative_to(REALDATA)))
def test_every_realdata_file_ingests_or_is_refused_cleanly(path):
    top = path.relative_to(REALDATA).parts[0]
    fmt = detect_format(path)
    assert fmt == EXPECTED_DIR_FORMAT[top]
    try:
        got = items(fmt, path)
    except IngestError as e:
        assert str(path.name) in e.message  # the message names the file
        return
    assert all(isinstance(i, (Paper, Author, Problem)) for i in got)


def test_detect_tarball_and_unknown(tmp_path):
    assert detect_format(ACL / "acl_anthology_all_xml_2021snapshot.tar.gz") == "acl"
    odd = tmp_path / "notes.txt"
    odd.write_text("just some words\n", encoding="utf-8")
    with pytest.raises(IngestError, match="name it"):
        detect_format(odd)


def test_fixture_dir_exists():
    assert (FIXTURES / "ingest" / "s2_paper_1605.08386.json").is_file()


def test_acl_ids_follow_the_anthology_rules():
    from generator.ingest.acl import acl_id

    assert acl_id("W19", "1", "1") == "W19-0101"
    assert acl_id("D19", "50", "11") == "D19-5011" and acl_id("D19", "1", "11") == "D19-1011"
    assert acl_id("P11", "1", "1") == "P11-1001"
    assert acl_id("2020.acl", "main", "1") == "2020.acl-main.1"


def test_acl_duplicate_url_keeps_both_papers(tmp_path):
    # Shaped like 2006.amta.xml, whose panel2 volume repeats panel1's <url>s.
    xml = tmp_path / "2006.amta.xml"
    xml.write_text("""<?xml version='1.0' encoding='UTF-8'?>
<collection id="2006.amta">
  <volume id="panel1"><meta><booktitle>Panel 1</booktitle><year>2006</year></meta>
    <paper id="1"><title>First talk</title><url>2006.amta-panels.1</url></paper></volume>
  <volume id="panel2"><meta><booktitle>Panel 2</booktitle><year>2006</year></meta>
    <paper id="1"><title>Second talk</title><url>2006.amta-panels.1</url></paper></volume>
</collection>
""", encoding="utf-8")
    got = items("acl", xml)
    assert sorted(p.ids["acl"] for p in got if isinstance(p, Paper)) == ["2006.amta-panel2.1", "2006.amta-panels.1"]
    assert [p.field for p in got if isinstance(p, Problem)] == ["url"]


def test_cli_reports_refusals_and_writes_json(tmp_path):
    from click.testing import CliRunner

    from generator.cli import main

    gbk = BIB / "bibtexparser_v2_resources" / "gbk_test.bib"
    result = CliRunner().invoke(main, ["ingest", "auto", str(gbk), "--content", str(tmp_path / "c")])
    assert result.exit_code == 1 and "not UTF-8 text (byte 9)" in result.output
    report = tmp_path / "report.json"
    files = [str(REALDATA / "semanticscholar" / "s2_api_get_papers_return_not_found.json"),
             str(REALDATA / "arxiv" / "arxiv_api_2026_id_abc_s0_m100.xml")]
    result = CliRunner().invoke(main, ["ingest", "auto", *files, "--content", str(tmp_path / "c"),
                                       "--report", str(report)])
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text(encoding="utf-8"))
    assert (data["new"], len(data["refused"])) == (3, 1)
    assert any("not found" in s["reason"] for s in data["skipped"])


def test_name_variants_file_is_not_taken_for_records():
    with pytest.raises(IngestError, match="--name-variants"):
        detect_format(ACL / "name_variants.yaml")


def test_hf_daily_papers_list_shape(tmp_path):
    # /api/daily_papers wraps each paper: {"paper": {...}, "publishedAt": listing day, ...}.
    raw = json.loads((REALDATA / "hf_papers" / "hf_paper_2407.13168_embedded.json").read_text(encoding="utf-8"))
    body = tmp_path / "daily.json"
    body.write_text(json.dumps([{"paper": raw, "publishedAt": "2024-07-22T09:00:00.000Z", "title": raw["title"]}, None]),
                    encoding="utf-8")
    assert detect_format(body) == "hf-api"
    got = items("hf-api", body)
    assert [type(i) for i in got] == [Paper, Problem] and got[0].arxiv == "2407.13168"


def test_hostile_xml_and_empty_names_are_handled(tmp_path):
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<!DOCTYPE x [<!ENTITY a "b">]><collection id="2020.x">&a;</collection>', encoding="utf-8")
    for fmt in ("acl", "arxiv"):
        with pytest.raises(IngestError, match="unsafe XML"):
            list(get_parser(fmt)(bomb, IngestContext()))
    with pytest.raises(IngestError, match="unsafe XML"):
        detect_format(bomb)
    bib = tmp_path / "names.bib"
    bib.write_text("@article{x, title={A}, author={, , , and Jo Smith and others}}", encoding="utf-8")
    [paper] = [i for i in get_parser("bibtex")(bib, IngestContext()) if isinstance(i, Paper)]
    assert [a.name for a in paper.authors] == ["Jo Smith"]


def test_bibtex_concatenation_and_field_case():
    fixtures = BIB / "bibtexparser_v1_fixtures"
    [cesar] = papers("bibtex", fixtures / "article_with_strings.bib")  # author = jean # " " # cesar
    assert [a.name for a in cesar.authors] == ["Jean César"] and cesar.venue == "Nice Journal"
    # The Décoret torture test: macros with colons, "and" as a macro, "Author"/"yEAr" field names.
    [sweig] = papers("bibtex", BIB / "zotero_bibtex_import_cases" / "case_18.bib")
    assert len(sweig.authors) == 2 and sweig.authors[0].name.startswith("Stefan Swe")
    assert sweig.date == "1942-03" and "impossible" in sweig.title


def test_progress_bar_only_for_long_runs_off_a_terminal(capsys):
    from generator.ingest.progress import MANY, progress

    assert list(progress(range(10))) == list(range(10))
    assert capsys.readouterr().err == ""  # a small ingest stays quiet in logs
    assert sum(1 for _ in progress(range(MANY + 5))) == MANY + 5
    assert "ingest" in capsys.readouterr().err
