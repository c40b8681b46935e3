"""Shared fixtures: paths, a built seed site, a local HTTP server, headless Chromium."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.addons import load_addons

# Add-ons register their hooks and sections on import, in the order of generator/addons.py.
# Load them all now, before any test module imports one directly, so in-process builds
# order head tags and sections exactly as the CLI does.
load_addons()

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REALDATA = SHARED / "realdata"
SEEDS = SHARED / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def build(content: Path, site: Path, work: Path, **kw) -> object:
    """Build ``content`` into ``site`` with the project's mkdocs.yml and site_config."""
    from generator.build import BuildOptions, build_site

    opts = BuildOptions(content=content, site_dir=site, work_dir=work, config_dir=kw.pop("config_dir", ROOT / "site_config"),
                        mkdocs_file=ROOT / "mkdocs.yml", **kw)
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return build_site(opts)
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="session")
def seed_site(tmp_path_factory) -> Path:
    """The shipped content/ built once per test session."""
    out = tmp_path_factory.mktemp("seed")
    build(ROOT / "content", out / "site", out / "work")
    return out / "site"


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass


@pytest.fixture
def serve():
    """serve(site_dir, prefix='/') -> base URL; serves a folder on 127.0.0.1, optionally under a sub-path."""
    servers = []

    def start(site: Path, prefix: str = "/") -> str:
        root = site
        if prefix != "/":
            # Mount the site under a sub-path, like a GitHub project page.
            holder = site.parent / f".mount-{os.getpid()}-{len(servers)}"
            if holder.exists():
                shutil.rmtree(holder)
            (holder / prefix.strip("/")).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(site.resolve(), holder / prefix.strip("/"))
            root = holder
        handler = functools.partial(_Handler, directory=str(root))
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_address[1]}{prefix}"

    yield start
    for srv in servers:
        srv.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed; `make test` installs it (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.js_errors = errors  # type: ignore[attr-defined]
    yield pg
    ctx.close()
