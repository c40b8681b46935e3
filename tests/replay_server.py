"""A local HTTP server that replays recorded API answers, for offline tests of ``papershelf add``.

Routes match on the path and on a subset of query parameters (the most
specific route wins), so a test says which request gets which recorded
body without spelling out every parameter the client sends.  A route can
hold a sequence of replies (e.g. a 429 and then the page) served in order;
the last one repeats.  Every request is logged with its arrival time
(``time.monotonic``), so tests can measure the gaps between requests.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx

TYPES = {".xml": "application/atom+xml; charset=utf-8", ".json": "application/json", ".bib": "text/plain; charset=utf-8"}


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def reply(body: bytes | str | Path | object, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    """A reply from a recorded file, bytes, text or a JSON-able object."""
    hdrs = dict(headers or {})
    if isinstance(body, Path):
        hdrs.setdefault("Content-Type", TYPES.get(body.suffix, "application/octet-stream"))
        data = body.read_bytes()
    elif isinstance(body, bytes):
        data = body
    elif isinstance(body, str):
        data = body.encode()
    else:
        hdrs.setdefault("Content-Type", "application/json")
        data = json.dumps(body).encode()
    return Reply(status, data, hdrs)


@dataclass
class Logged:
    t: float
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class _Route:
    path: str
    params: dict[str, str]
    replies: list[Reply]
    served: int = 0

    def next(self) -> Reply:
        r = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        return r


class ReplayServer:
    """``with ReplayServer() as srv: srv.add('/api/query', path, id_list='…'); srv.url``."""

    def __init__(self) -> None:
        self.routes: list[_Route] = []
        self.log: list[Logged] = []
        self._lock = threading.Lock()
        self._srv: http.server.ThreadingHTTPServer | None = None

    def add(self, path: str, *replies: Reply | Path | bytes | str | object, **params: str) -> None:
        """Serve ``replies`` (in order, the last repeating) to requests for ``path`` with ``params``."""
        rs = [r if isinstance(r, Reply) else reply(r) for r in replies]
        self.routes.append(_Route(path, {k.replace("__", "-"): str(v) for k, v in params.items()}, rs))

    @property
    def url(self) -> str:
        assert self._srv is not None
        return f"http://127.0.0.1:{self._srv.server_address[1]}"

    def requests(self, path: str | None = None) -> list[Logged]:
        return [r for r in self.log if path is None or r.path == path]

    def gaps(self) -> list[float]:
        """Seconds between consecutive requests."""
        times = [r.t for r in self.log]
        return [b - a for a, b in zip(times, times[1:], strict=False)]

    def _answer(self, method: str, raw: str, headers: dict[str, str]) -> Reply:
        parts = urlsplit(raw)
        path = unquote(parts.path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        with self._lock:
            self.log.append(Logged(time.monotonic(), method, path, params, headers))
            best: _Route | None = None
            for r in self.routes:
                if r.path == path and all(params.get(k) == v for k, v in r.params.items()):
                    if best is None or len(r.params) > len(best.params):
                        best = r
            if best is None:
                return reply({"error": f"no recording for {method} {raw}"}, 404)
            return best.next()

    def start(self) -> ReplayServer:
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                r = server._answer("GET", self.path, {k.lower(): v for k, v in self.headers.items()})
                self.send_response(r.status)
                for k, v in r.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(r.body)))
                self.end_headers()
                self.wfile.write(r.body)

            def log_message(self, *args: object) -> None:
                pass

        self._srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._srv:
            self._srv.shutdown()
            self._srv.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class TimedTransport(httpx.HTTPTransport):
    """An httpx transport that notes when each request leaves the client (``time.monotonic``).

    The server's arrival times also include each request's latency, which
    varies on a busy machine; the send times are what the rate limiter controls.
    """

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[float] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(time.monotonic())
        return super().handle_request(request)

    def gaps(self) -> list[float]:
        return [b - a for a, b in zip(self.sent, self.sent[1:], strict=False)]
