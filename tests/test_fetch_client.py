"""The polite HTTP client and the per-source paging, against recorded answers replayed on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REALDATA
from replay_server import ReplayServer, TimedTransport, reply

from generator.fetch.client import Client, ClientSettings, FetchError, RateLimiter, error_message, retry_after
from generator.fetch.sources import Ident, Page, Sources, base_urls, parse_ident

ARXIV = REALDATA / "arxiv"
S2 = REALDATA / "semanticscholar"
OPENALEX = REALDATA / "openalex"
FAST = {"arxiv": 0.0, "openalex": 0.0, "s2": 0.0, "hf": 0.0, "acl": 0.0}


@pytest.fixture
def srv():
    with ReplayServer() as s:
        yield s


def client(tmp_path: Path, transport: TimedTransport | None = None, **kw) -> Client:
    kw.setdefault("intervals", dict(FAST))
    kw.setdefault("backoff", 0.01)
    return Client(ClientSettings(cache_dir=tmp_path / "cache", contact="shelf@example.org", **kw), transport=transport)


def sources(c: Client, srv: ReplayServer, **page_size: int) -> Sources:
    urls = {"arxiv": srv.url + "/api/query", "openalex": srv.url, "s2": srv.url + "/graph/v1", "hf": srv.url + "/api",
            "acl": srv.url}
    return Sources(c, urls, {"arxiv": 100, "openalex": 200, "s2": 100, **page_size}, "shelf@example.org")


def pages(items) -> list[Page]:
    out = list(items)
    problems = [i for i in out if not isinstance(i, Page)]
    assert not problems, problems
    return out


# ------------------------------------------------------------------ client


def test_user_agent_names_the_tool_and_the_contact(tmp_path, srv):
    srv.add("/graph/v1/paper/x", S2 / "s2_api_get_paper.json")
    with client(tmp_path) as c:
        c.get("s2", srv.url + "/graph/v1/paper/x")
    ua = srv.log[0].headers["user-agent"]
    assert ua.startswith("papershelf/") and "mailto:shelf@example.org" in ua


def test_rate_limit_keeps_the_configured_gap_between_requests(tmp_path, srv):
    for i in range(4):
        srv.add(f"/graph/v1/paper/p{i}", S2 / "s2_api_get_paper.json")
    interval = 0.2
    sent = TimedTransport()
    granted: list[float] = []

    class Recording(RateLimiter):
        def wait(self, source: str) -> float:
            slept = super().wait(source)
            granted.append(self._last[source])
            return slept

    c = Client(ClientSettings(cache_dir=tmp_path / "cache"), transport=sent,
               limiter=Recording({**FAST, "s2": interval}))
    with c:
        for i in range(4):
            c.get("s2", f"{srv.url}/graph/v1/paper/p{i}")
    assert len(srv.log) == 4
    # The limiter's grants are exactly >= interval apart; the sends follow each grant within microseconds.
    assert all(b - a >= interval for a, b in zip(granted, granted[1:], strict=False)), granted
    assert all(g >= interval - 0.005 for g in sent.gaps()), sent.gaps()


def test_rate_limits_are_per_source(tmp_path, srv):
    srv.add("/a", S2 / "s2_api_get_paper.json")
    srv.add("/b", S2 / "s2_api_get_paper.json")
    with client(tmp_path, intervals={**FAST, "s2": 5.0}) as c:
        c.get("s2", srv.url + "/a")
        c.get("openalex", srv.url + "/b")  # another source: no wait for s2's interval
        assert c.stats.waited < 1.0


def test_retry_after_429_waits_as_told_then_succeeds(tmp_path, srv):
    srv.add("/api/papers/2407.13168", reply({"error": "Too Many Requests"}, 429, {"Retry-After": "1"}),
            REALDATA / "hf_papers" / "hf_paper_2407.13168_embedded.json")
    sent = TimedTransport()
    with client(tmp_path, sent) as c:
        r = c.get("hf", srv.url + "/api/papers/2407.13168")
    assert r.status == 200 and json.loads(r.body)["id"] == "2407.13168"
    assert c.stats.retries == 1 and c.stats.requests == 2 and len(srv.log) == 2
    assert sent.gaps()[0] >= 1.0 - 0.005  # Retry-After: 1 (a sleep of at least 1 s before the retry)


def test_5xx_backs_off_exponentially_then_gives_up_with_the_status(tmp_path, srv):
    srv.add("/down", reply("<html>Service Unavailable</html>", 503))
    slept: list[float] = []
    c = Client(ClientSettings(cache_dir=tmp_path / "c", intervals=dict(FAST), retries=3, backoff=0.5),
               sleep=slept.append)
    with c, pytest.raises(FetchError) as e:
        c.get("s2", srv.url + "/down")
    assert "HTTP 503" in e.value.message
    assert [s for s in slept if s >= 0.5] == [0.5, 1.0, 2.0]
    assert len(srv.log) == 4
    # A failure is not cached: the next run asks again.
    with client(tmp_path) as c2, pytest.raises(FetchError):
        c2.get("s2", srv.url + "/down")
    assert len(srv.log) > 4


def test_a_retry_after_longer_than_the_limit_fails_clearly(tmp_path, srv):
    srv.add("/slow", reply({"error": "Too Many Requests"}, 429, {"Retry-After": "3600"}))
    with client(tmp_path, max_wait=60) as c, pytest.raises(FetchError) as e:
        c.get("s2", srv.url + "/slow")
    assert "asked to wait 3600 s" in e.value.message and len(srv.log) == 1


def test_retry_after_header_forms():
    assert retry_after("7") == 7.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == pytest.approx(10.0)
    assert retry_after("soon") is None and retry_after(None) is None


def test_cache_second_run_makes_no_request(tmp_path, srv):
    srv.add("/api/query", ARXIV / "arxiv_api_2026_id_2104.12255v1_s0_m100.xml", id_list="2104.12255v1")
    with client(tmp_path) as c:
        first = c.get("arxiv", srv.url + "/api/query", [("id_list", "2104.12255v1")])
    with client(tmp_path) as c:
        second = c.get("arxiv", srv.url + "/api/query", [("id_list", "2104.12255v1")])
        assert c.stats.requests == 0 and c.stats.cache_hits == 1
    assert len(srv.log) == 1
    assert second.from_cache and second.body == first.body == second.path.read_bytes()
    # The key covers the URL: another query is another request.
    with client(tmp_path) as c, pytest.raises(FetchError):
        c.get("arxiv", srv.url + "/api/query", [("id_list", "0000.0000")])
    assert len(srv.log) == 2


def test_cache_refresh_and_max_age_ask_again(tmp_path, srv):
    srv.add("/graph/v1/paper/x", S2 / "s2_api_get_paper.json")
    with client(tmp_path) as c:
        c.get("s2", srv.url + "/graph/v1/paper/x")
    with client(tmp_path, refresh=True) as c:
        c.get("s2", srv.url + "/graph/v1/paper/x")
    with client(tmp_path, max_age=0.0) as c:
        c.get("s2", srv.url + "/graph/v1/paper/x")
    with client(tmp_path, max_age=3600.0) as c:
        c.get("s2", srv.url + "/graph/v1/paper/x")
        assert c.stats.cache_hits == 1
    assert len(srv.log) == 3


@pytest.mark.parametrize(("path", "status", "expected"), [
    (ARXIV / "arxiv_api_2026_id_abc_s0_m100.xml", 400, "incorrect id format for abc"),
    (ARXIV / "arxiv_api_2026_id_abc_s0_m100.xml", 200, "incorrect id format for abc"),
    (S2 / "s2_api_not_found_0.json", 404, "Paper with id 0 not found"),
    (S2 / "s2_api_bad_query_parameters.json", 400, "Unrecognized or unsupported fields: [unknown]"),
    (S2 / "s2_api_not_found_1.json", 404, "not found"),
])
def test_error_bodies_become_clear_messages(tmp_path, srv, path, status, expected):
    srv.add("/e", reply(path, status))
    with client(tmp_path) as c:
        with pytest.raises(FetchError) as e:
            c.get("s2", srv.url + "/e")
        assert expected in e.value.message and srv.url in e.value.message
        # Deterministic client errors are cached: the second run reports the same without asking.
        with pytest.raises(FetchError) as again:
            c.get("s2", srv.url + "/e")
    assert again.value.message == e.value.message
    assert len(srv.log) == 1


def test_error_message_ignores_real_answers():
    for f in ("s2_api_get_paper.json", "s2_api_empty_paginated_results.json", "s2_api_get_papers.json"):
        assert error_message((S2 / f).read_bytes()) is None
    assert error_message((ARXIV / "arxiv_api_2026_q_testing_s0_m10.xml").read_bytes()) is None
    assert error_message((OPENALEX / "zotero_openalex_case5_list_page5.json").read_bytes()) is None


def test_unreachable_host_is_a_clear_error(tmp_path):
    with client(tmp_path, retries=1) as c, pytest.raises(FetchError) as e:
        c.get("s2", "http://127.0.0.1:9/nothing")
    assert "cannot reach" in e.value.message


def test_base_urls_come_from_the_environment_first(monkeypatch):
    monkeypatch.setenv("PAPERSHELF_ARXIV_URL", "http://127.0.0.1:1/q/")
    urls = base_urls({"arxiv": "http://elsewhere", "s2": "http://s2.test"})
    assert urls["arxiv"] == "http://127.0.0.1:1/q" and urls["s2"] == "http://s2.test"
    assert urls["openalex"] == "https://api.openalex.org"


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("arxiv:2401.12345", "arxiv", "2401.12345"), ("arXiv:2104.12255v1", "arxiv", "2104.12255v1"),
    ("arxiv:https://arxiv.org/abs/astro-ph/0601001", "arxiv", "astro-ph/0601001"),
    ("doi:10.18653/V1/2020.ACL-MAIN.1", "doi", "10.18653/v1/2020.acl-main.1"),
    ("openalex:w2741809807", "openalex", "W2741809807"), ("s2:CorpusId:215416146", "s2", "CorpusId:215416146"),
    ("acl:2022.naloma-1.1", "acl", "2022.naloma-1.1"), ("hf:2407.13168", "hf", "2407.13168"),
])
def test_identifier_forms(text, kind, value):
    assert parse_ident(text) == Ident(kind, value)


@pytest.mark.parametrize("text", ["2401.12345", "isbn:123", "arxiv:abc", "doi:nope", "openalex:A123", "s2:"])
def test_bad_identifiers_name_the_known_forms(text):
    from generator.errors import PapershelfError

    with pytest.raises(PapershelfError) as e:
        parse_ident(text)
    assert "e.g." in e.value.message and text in e.value.message


# ------------------------------------------------------------------ paging


def test_arxiv_query_pages_with_start_and_max_results(tmp_path, srv):
    for start in range(0, 60, 10):
        srv.add("/api/query", ARXIV / f"arxiv_api_2026_q_testing_s{start}_m10.xml", search_query="all:testing",
                start=str(start), max_results="10")
    with client(tmp_path) as c:
        got = pages(sources(c, srv, arxiv=10).arxiv_query("all:testing", 60))
    assert [r.params["start"] for r in srv.log] == ["0", "10", "20", "30", "40", "50"]
    assert all(r.params["sortBy"] == "submittedDate" for r in srv.log)
    assert [p.limit for p in got] == [60, 50, 40, 30, 20, 10] and all(p.fmt == "arxiv" for p in got)
    assert all(p.label == "arxiv-query:all:testing" for p in got)


def test_arxiv_query_asks_only_for_what_max_still_needs(tmp_path, srv):
    srv.add("/api/query", ARXIV / "arxiv_api_2026_q_testing_s0_m15.xml", start="0", max_results="15")
    srv.add("/api/query", ARXIV / "arxiv_api_2026_q_testing_s5_m10.xml", start="15", max_results="10")
    with client(tmp_path) as c:
        got = pages(sources(c, srv, arxiv=15).arxiv_query("all:testing", 25))
    assert [(r.params["start"], r.params["max_results"]) for r in srv.log] == [("0", "15"), ("15", "10")]
    assert len(got) == 2


def test_arxiv_query_stops_at_an_empty_page(tmp_path, srv):
    srv.add("/api/query", ARXIV / "arxiv_api_2026_id_0000.0000_s0_m100.xml")
    with client(tmp_path) as c:
        got = pages(sources(c, srv).arxiv_query("ti:nothing-matches", 500))
    assert len(got) == 1 and len(srv.log) == 1


def test_s2_author_pages_with_offset_until_next_is_absent(tmp_path, srv):
    folder = S2 / "pages_author_papers"
    for i in range(9):
        srv.add("/graph/v1/author/1741101/papers", folder / f"s2_api_get_author_papers_{i}.json", offset=str(i * 100))
    with client(tmp_path) as c:
        got = pages(sources(c, srv).s2_author("1741101", 10_000))
    assert [int(r.params["offset"]) for r in srv.log] == list(range(0, 900, 100))
    assert sum(len(json.loads(p.path.read_bytes())["data"]) for p in got) == 875


def test_s2_search_pages_with_the_continuation_token(tmp_path, srv):
    bulk = S2 / "s2_api_search_paper_bulk_retrieval.json"
    token = json.loads(bulk.read_bytes())["token"]
    srv.add("/graph/v1/paper/search/bulk", bulk, query="covid")
    srv.add("/graph/v1/paper/search/bulk", S2 / "s2_api_search_paper.json", query="covid", token=token)
    with client(tmp_path) as c:
        got = pages(sources(c, srv).s2_query("covid", 5000))
    assert "token" not in srv.log[0].params and srv.log[1].params["token"] == token
    assert len(got) == 2 and len(srv.log) == 2


def test_openalex_author_pages_with_the_cursor(tmp_path, srv):
    # The recorded list answer split into two cursor pages, as /works?cursor=… serves them.
    data = json.loads((OPENALEX / "zotero_openalex_case5_list_page5.json").read_bytes())
    first = {"meta": {**data["meta"], "next_cursor": "IlsxMDBd"}, "results": data["results"][:3]}
    last = {"meta": {**data["meta"], "next_cursor": None}, "results": data["results"][3:]}
    flt = "author.orcid:0000-0002-1825-0097"
    srv.add("/works", reply(first), filter=flt, cursor="*")
    srv.add("/works", reply(last), filter=flt, cursor="IlsxMDBd")
    with client(tmp_path) as c:
        got = pages(sources(c, srv).openalex_author("orcid:0000-0002-1825-0097", 100))
    assert [r.params["cursor"] for r in srv.log] == ["*", "IlsxMDBd"]
    assert all(r.params["mailto"] == "shelf@example.org" for r in srv.log)
    assert [p.limit for p in got] == [100, 97]


def test_an_interrupted_query_resumes_from_the_page_it_stopped_at(tmp_path, srv):
    folder = S2 / "pages_author_papers"
    for i in range(9):
        replies = [reply({"message": "Internal Server Error"}, 500)] if i == 4 else []
        srv.add("/graph/v1/author/7/papers", *replies, folder / f"s2_api_get_author_papers_{i}.json",
                offset=str(i * 100))
    with client(tmp_path, retries=0) as c:
        first = list(sources(c, srv).s2_author("7", 10_000))
    assert [type(x).__name__ for x in first] == ["Page"] * 4 + ["Problem"]
    assert "run the same command again to resume" in first[-1].reason
    asked = len(srv.log)
    # --refresh would ask for every page again; the saved state replays pages 0-3 from the cache instead.
    with client(tmp_path, refresh=True) as c:
        second = pages(sources(c, srv).s2_author("7", 10_000))
        assert c.stats.cache_hits == 4
    assert [int(r.params["offset"]) for r in srv.log[asked:]] == list(range(400, 900, 100))
    assert len(second) == 9


def test_arxiv_ids_go_in_one_batch_and_others_one_request_each(tmp_path, srv):
    srv.add("/api/query", ARXIV / "arxiv_api_2026_id_0808.05394_1707.08567_s0_m100.xml",
            id_list="0808.05394,1707.08567")
    srv.add("/works/doi:10.1234/abc", OPENALEX / "zotero_openalex_case1_work_W3123223998.json")
    srv.add("/works/W2099326003", OPENALEX / "zotero_openalex_case0_work_W2099326003.json")
    srv.add("/graph/v1/paper/CorpusId:1", S2 / "s2_api_get_paper.json")
    srv.add("/api/papers/2407.13168", REALDATA / "hf_papers" / "hf_paper_2407.13168_embedded.json")
    srv.add("/2022.naloma-1.1.bib", reply("@inproceedings{x, title={T}}"))
    idents = [parse_ident(t) for t in ("arxiv:0808.05394", "doi:10.1234/abc", "openalex:W2099326003",
                                       "arxiv:1707.08567", "s2:CorpusId:1", "hf:2407.13168", "acl:2022.naloma-1.1")]
    with client(tmp_path) as c:
        got = pages(sources(c, srv).ids(idents))
    assert [(p.source, p.fmt) for p in got] == [("arxiv", "arxiv"), ("openalex", "openalex"),
                                                ("openalex", "openalex"), ("s2", "s2"), ("hf", "hf-api"),
                                                ("acl", "bibtex")]
    assert [i.value for i in got[0].want] == ["0808.05394", "1707.08567"]
    assert len(srv.log) == 6


def test_an_id_error_is_a_problem_not_a_page(tmp_path, srv):
    srv.add("/graph/v1/paper/0", reply(S2 / "s2_api_not_found_0.json", 404))
    with client(tmp_path) as c:
        (item,) = list(sources(c, srv).ids([parse_ident("s2:0")]))
    assert not isinstance(item, Page)
    assert item.record == "s2:0" and "Paper with id 0 not found" in item.reason


def test_query_pages_go_stale_so_a_daily_run_sees_new_papers(tmp_path, srv):
    srv.add("/api/query", ARXIV / "arxiv_api_2026_q_testing_s0_m10.xml", start="0")
    srv.add("/api/query", ARXIV / "arxiv_api_2026_id_0000.0000_s0_m100.xml", start="10")
    with client(tmp_path) as c:
        pages(sources(c, srv, arxiv=10).arxiv_query("all:testing", 20))
    with client(tmp_path) as c:  # the same day: all from the cache
        pages(sources(c, srv, arxiv=10).arxiv_query("all:testing", 20))
        assert c.stats.requests == 0
    with client(tmp_path, query_max_age=0.0) as c:  # the next day: ask again
        pages(sources(c, srv, arxiv=10).arxiv_query("all:testing", 20))
        assert c.stats.requests == 2
    assert len(srv.log) == 4


def test_openalex_author_by_openalex_id(tmp_path, srv):
    data = json.loads((OPENALEX / "zotero_openalex_case5_list_page5.json").read_bytes())
    srv.add("/works", reply(data), filter="author.id:A5023888391")
    with client(tmp_path) as c:
        got = pages(sources(c, srv).openalex_author("openalex:a5023888391", 10))
        (bad,) = list(sources(c, srv).openalex_author("openalex:W123", 10))
    assert len(got) == 1 and srv.log[0].params["cursor"] == "*"
    assert not isinstance(bad, Page) and "not an OpenAlex author id" in bad.reason
    assert len(srv.log) == 1
