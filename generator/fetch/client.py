"""A well-behaved HTTP client for the paper APIs.

Polite by construction: a descriptive User-Agent with a contact address,
one request at a time with a minimum interval per source (arXiv asks for one
request every three seconds), retries with exponential backoff on 429 and
5xx that honour ``Retry-After``, timeouts, and an on-disk response cache so
that running the same command again makes no request at all.

The cache lives in ``<cache_dir>/http/<sha256>.body`` (the bytes as
received) with ``<sha256>.json`` beside it (method, URL, status, content
type, when fetched).  The key is the SHA-256 of method, full URL and request
body.  Readers parse the ``.body`` file directly, so a fetched response goes
through exactly the code an ingested file goes through.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from .. import __version__
from ..errors import PapershelfError

# Minimum seconds between two requests to one source, as each API documents:
# arXiv: "no more than one request every three seconds"; OpenAlex polite pool
# about 10 per second; Semantic Scholar unauthenticated about 1 per second.
DEFAULT_INTERVALS: dict[str, float] = {"arxiv": 3.0, "openalex": 0.1, "s2": 1.0, "hf": 0.5, "acl": 1.0}
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
# Statuses whose answer will not change on a retry tomorrow: cached like a 200
# so that a re-run reports the same error without asking again.
CACHEABLE_ERRORS = frozenset({400, 404, 410})


class FetchError(PapershelfError):
    """A request that failed for good: the message says what the API said."""

    def __init__(self, message: str, url: str = "", status: int | None = None):
        super().__init__(message)
        self.url = url
        self.status = status


@dataclass
class ClientSettings:
    """How the client behaves; every field can come from ``site.yaml``'s ``add:`` block."""

    contact: str = ""
    """E-mail sent in the User-Agent (and as OpenAlex's ``mailto``) so API operators can reach you."""
    timeout: float = 30.0
    """Seconds to wait for a connection or a response before giving up on one attempt."""
    retries: int = 4
    """How many times a 429, 5xx or network failure is retried before the request fails."""
    backoff: float = 2.0
    """First wait before a retry, in seconds; doubled on every further retry."""
    max_wait: float = 300.0
    """Longest wait accepted from a Retry-After header; a longer one fails the request."""
    intervals: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_INTERVALS))
    """Minimum seconds between two requests to one source."""
    cache_dir: Path | None = Path(".cache/papershelf")
    """Where responses and paging state are kept; None turns the cache off."""
    max_age: float | None = None
    """Seconds a cached answer to an id look-up stays fresh; None means for ever."""
    query_max_age: float | None = 20 * 3600.0
    """Seconds a cached page of a query stays fresh: a day later the same query may have new papers."""
    refresh: bool = False
    """Ask again even when a cached response exists (the new answer replaces it)."""

    @property
    def user_agent(self) -> str:
        contact = f"; mailto:{self.contact}" if self.contact else ""
        return f"papershelf/{__version__} (static paper catalog; +https://github.com/papershelf/papershelf{contact})"


@dataclass
class FetchStats:
    """What the client did, for the closing summary."""

    requests: int = 0
    cache_hits: int = 0
    retries: int = 0
    waited: float = 0.0  # seconds slept for rate limits and backoff


@dataclass(frozen=True)
class Response:
    """A response body and where it is stored on disk (for the reader)."""

    url: str
    status: int
    body: bytes
    content_type: str
    path: Path | None
    from_cache: bool


class RateLimiter:
    """Keeps at least ``interval`` seconds between the starts of two requests to one source."""

    def __init__(self, intervals: Mapping[str, float], clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.intervals = dict(intervals)
        self.clock, self.sleep = clock, sleep
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, source: str) -> float:
        """Sleep until ``source`` may be asked again; returns the seconds slept."""
        with self._lock:
            interval = self.intervals.get(source, 1.0)
            last = self._last.get(source)
            slept = 0.0
            if last is not None:
                slept = max(0.0, last + interval - self.clock())
                if slept:
                    self.sleep(slept)
            self._last[source] = self.clock()
            return slept


class Cache:
    """Response bodies on disk, keyed by method + URL + request body."""

    def __init__(self, root: Path):
        self.root = root / "http"

    @staticmethod
    def key(method: str, url: str, body: bytes = b"") -> str:
        h = hashlib.sha256(f"{method.upper()} {url}\n".encode())
        h.update(body)
        return h.hexdigest()

    def body_path(self, key: str) -> Path:
        return self.root / f"{key}.body"

    def get(self, key: str, max_age: float | None) -> tuple[dict[str, Any], Path] | None:
        """The stored metadata and body path, or None if missing, unreadable or stale."""
        meta_path, body = self.root / f"{key}.json", self.body_path(key)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not body.is_file() or not isinstance(meta, dict):
            return None
        if max_age is not None and time.time() - float(meta.get("fetched", 0)) > max_age:
            return None
        return meta, body

    def put(self, key: str, meta: dict[str, Any], body: bytes) -> Path:
        """Store a response; the body first, so metadata never names a missing body."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.body_path(key)
        _atomic_write(path, body)
        _atomic_write(self.root / f"{key}.json", json.dumps(meta, indent=1, sort_keys=True).encode())
        return path


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def error_message(body: bytes, content_type: str = "") -> str | None:
    """The message of an API error body, or None when the body is not one.

    Semantic Scholar, OpenAlex and Hugging Face answer ``{"error": "..."}``
    (OpenAlex adds ``"message"``); arXiv answers an Atom feed whose single
    entry has an id under ``/api/errors`` and the message as its summary.
    """
    text = body.lstrip()[:1]
    if text in (b"{", b"["):
        try:
            data = json.loads(body)
        except ValueError:
            return None
        if isinstance(data, dict) and isinstance(data.get("error"), str):
            msg = data.get("message")
            return f"{data['error']}: {msg}" if isinstance(msg, str) and msg else data["error"]
        if isinstance(data, dict) and isinstance(data.get("message"), str) and len(data) <= 2 and "data" not in data:
            return data["message"]
        return None
    if text == b"<" and b"/api/errors" in body:
        from defusedxml import ElementTree

        atom = "{http://www.w3.org/2005/Atom}"
        try:
            root = ElementTree.fromstring(body)
        except Exception:  # noqa: BLE001 - any XML failure means "not an error entry we know"
            return None
        for entry in root.iter(f"{atom}entry"):
            eid = entry.findtext(f"{atom}id") or ""
            if "/api/errors" in eid:
                return (entry.findtext(f"{atom}summary") or eid).strip()
    return None


class Client:
    """One polite HTTP client shared by every source of one ``add`` run."""

    def __init__(self, settings: ClientSettings | None = None, transport: httpx.BaseTransport | None = None,
                 limiter: RateLimiter | None = None, sleep: Callable[[float], None] = time.sleep):
        self.settings = settings or ClientSettings()
        self.stats = FetchStats()
        self.sleep = sleep
        self.limiter = limiter or RateLimiter(self.settings.intervals, sleep=sleep)
        self.cache = Cache(self.settings.cache_dir) if self.settings.cache_dir else None
        self._http = httpx.Client(
            headers={"User-Agent": self.settings.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=self.settings.timeout, follow_redirects=True, transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def full_url(url: str, params: Sequence[tuple[str, str]] | None = None) -> str:
        """The URL with its query string, in the order given (the cache key depends on it)."""
        return str(httpx.URL(url, params=list(params) if params else None))

    def get(self, source: str, url: str, params: Sequence[tuple[str, str]] | None = None,
            cached_only: bool = False, query: bool = False) -> Response:
        """GET ``url``; from the cache when possible.  Raises FetchError for an error answer.

        ``cached_only`` accepts a cached answer however old (used to replay
        the pages of an interrupted query when resuming it); ``query`` applies
        the shorter freshness of query pages.
        """
        max_age = self.settings.query_max_age if query else self.settings.max_age
        return self.request(source, "GET", self.full_url(url, params), cached_only=cached_only, max_age=max_age)

    def request(self, source: str, method: str, url: str, body: bytes = b"", cached_only: bool = False,
                max_age: float | None = None) -> Response:
        """Send one request (or answer it from the cache); see ``get``."""
        key = Cache.key(method, url, body)
        if self.cache is not None and (cached_only or not self.settings.refresh):
            hit = self.cache.get(key, None if cached_only else max_age)
            if hit is not None:
                meta, path = hit
                self.stats.cache_hits += 1
                data = path.read_bytes()
                resp = Response(url, int(meta.get("status", 200)), data, str(meta.get("content_type", "")), path, True)
                return self._check(resp)
        resp = self._send(source, method, url, body)
        stored: Path | None = None
        if self.cache is not None and (resp.status < 300 or resp.status in CACHEABLE_ERRORS):
            meta = {"method": method, "url": url, "status": resp.status, "content_type": resp.content_type,
                    "fetched": round(time.time(), 3), "source": source}
            stored = self.cache.put(key, meta, resp.body)
        return self._check(Response(url, resp.status, resp.body, resp.content_type, stored, False))

    def _send(self, source: str, method: str, url: str, body: bytes) -> Response:
        s = self.settings
        attempt = 0
        while True:
            self.stats.waited += self.limiter.wait(source)
            self.stats.requests += 1
            wait: float | None
            try:
                r = self._http.request(method, url, content=body or None)
            except httpx.TransportError as e:
                if attempt >= s.retries:
                    raise FetchError(f"{source}: cannot reach {_short(url)}: {e.__class__.__name__}: {e}",
                                     url) from None
                wait = None
                reason = e.__class__.__name__
            else:
                if r.status_code not in RETRY_STATUS or attempt >= s.retries:
                    return Response(url, r.status_code, r.content, r.headers.get("content-type", ""), None, False)
                wait = retry_after(r.headers.get("retry-after"))
                reason = f"HTTP {r.status_code}"
            if wait is None:
                wait = s.backoff * (2 ** attempt)
            elif wait > s.max_wait:
                raise FetchError(f"{source}: {reason} and asked to wait {wait:.0f} s (over the {s.max_wait:.0f} s "
                                 "limit); try again later", url, 429)
            attempt += 1
            self.stats.retries += 1
            self.stats.waited += wait
            self.sleep(wait)

    def _check(self, resp: Response) -> Response:
        """Error answers, and error bodies sent with 200, become a FetchError with the API's words."""
        msg = error_message(resp.body, resp.content_type)
        if resp.status >= 400 or msg:
            what = msg or _first_line(resp.body) or "no message"
            status = f"HTTP {resp.status}" if resp.status >= 400 else "an error body"
            raise FetchError(f"{what} ({status} from {_short(resp.url)})", resp.url, resp.status)
        return resp


def _short(url: str, n: int = 120) -> str:
    return url if len(url) <= n else url[: n - 1] + "…"


def _first_line(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    return text.splitlines()[0][:200] if text else ""
